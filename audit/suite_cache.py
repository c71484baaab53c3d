"""Generated suites and their training evidence, kept in the cache folder between runs.

Generating the suites and looking for their patterns in the training split is pure Python over
thousands of texts: once the predictions come from the cache, it is most of what a re-run of an
unchanged audit has left to do. Both are kept in the cache folder's ``artifacts.sqlite``
(:class:`~audit.store.ArtifactStore`: checksummed; an entry that fails its checksum or does not
decode is dropped and made again), under a key that hashes everything they depend on:

- the suite declaration (every field of its YAML) and the bytes of each data file its ``params``
  name (:meth:`~audit.suite.SuiteSpec.data_files`);
- the code: this package's source files and, for a generator from outside it, the source files
  of its top-level package (or module);
- the data it is generated from (:func:`audit.review.source_sha256` of the split; for the
  evidence, also of the training split), the model's label names and the seed;
- the versions of Python, NumPy and PyYAML.

Change any of them and the key changes, so the entry is simply not found. A generator must read
its data files through the names in its ``params`` (as every built-in one does) for a change of
them to be seen. An entry is stored only when it reads back equal to what was made (JSON has no
tuples: a suite whose ``meta`` holds one is made afresh every run rather than served changed).
"""
from __future__ import annotations

import hashlib
import platform
import sys
from pathlib import Path
from types import ModuleType
from typing import Any, Sequence

from .store import ArtifactStore, fingerprint, installed_versions, memoized, package_fingerprint
from .suite import (Case, Expectation, GeneratedSuite, SourceData, SuiteContext, SuiteSpec, check_cases, generate,
                    generator_module)
from .train_check import check_evidence, evidence

#: Artifact kinds.
SUITES = "suite"
EVIDENCE = "train-evidence"


def generator_code(spec: SuiteSpec) -> str | None:
    """sha256 of the generator's source outside this package: ``""`` for a built-in generator (this
    package's source is in every key), None when its source cannot be found (nothing is cached)."""
    found = generator_module(spec)
    name = found.__name__ if isinstance(found, ModuleType) else found.__module__
    if name.partition(".")[0] == __name__.partition(".")[0]:
        return ""
    top = sys.modules.get(name.partition(".")[0])
    origin = getattr(top, "__file__", None) or getattr(sys.modules.get(name), "__file__", None)
    if origin is None:
        return None
    path = Path(origin).resolve()
    files = sorted(path.parent.rglob("*.py")) if path.name == "__init__.py" else [path]
    h = hashlib.sha256()
    for file in files:
        h.update(file.as_posix().encode() + b"\0" + file.read_bytes() + b"\0")
    return h.hexdigest()


def suite_key(spec: SuiteSpec, *, data_sha256: str, labels: Sequence[str], seed: int) -> str | None:
    """The key of a suite generated from data of hash ``data_sha256`` (None: not cacheable)."""
    code = generator_code(spec)
    if code is None:
        return None
    files = [[path.name, hashlib.sha256(path.read_bytes()).hexdigest()] for path in sorted(spec.data_files())]
    declared = {"name": spec.name, "description": spec.description, "generator": spec.generator,
                "test_type": spec.test_type, "params": spec.params, "feeds": spec.feeds}
    return fingerprint({"spec": declared, "files": files, "generator_code": code, "code": package_fingerprint(),
                        "data": data_sha256, "labels": list(labels), "seed": seed,
                        "versions": {"python": platform.python_version(), **installed_versions(("numpy", "PyYAML"))}})


def encode_suite(suite: GeneratedSuite) -> dict[str, Any]:
    """A generated suite as JSON-able values (:func:`decode_suite` reads it back)."""
    cases = [[c.id, c.text, [c.expectation.kind, list(c.expectation.labels), list(c.expectation.avoid),
                             c.expectation.avoid_source], c.label, c.source_id, c.source_text, c.rule, dict(c.meta)]
             for c in suite.cases]
    return {"cases": cases, "coverage": suite.coverage, "n_candidates": suite.n_candidates}


def decode_suite(value: Any) -> GeneratedSuite:
    """The suite :func:`encode_suite` wrote; a value of another shape raises TypeError or ValueError."""
    cases = [Case(case_id, text, Expectation(kind, tuple(allowed), tuple(avoid), avoid_source), label, source_id,
                  source_text, rule, meta)
             for case_id, text, (kind, allowed, avoid, avoid_source), label, source_id, source_text, rule, meta
             in value["cases"]]
    if not all(isinstance(c.text, str) and isinstance(c.meta, dict) for c in cases):
        raise TypeError("a case's text is not a string or its meta not a mapping")
    return GeneratedSuite(cases, dict(value["coverage"]), value["n_candidates"])


def cached_generate(spec: SuiteSpec, source: SourceData, labels: Sequence[str], seed: int,
                    store: ArtifactStore | None, data_sha256: str) -> GeneratedSuite:
    """:func:`audit.suite.generate`, through the store (``data_sha256``: the hash of ``source``)."""

    def decode(value: Any) -> GeneratedSuite:
        suite = decode_suite(value)
        check_cases(spec, suite, labels)
        return suite

    key = None if store is None else suite_key(spec, data_sha256=data_sha256, labels=labels, seed=seed)
    return memoized(store, SUITES, key, lambda: generate(spec, source, labels, seed), encode_suite, decode)


def cached_evidence(ctx: SuiteContext, train: SourceData, store: ArtifactStore | None, *, data_sha256: str,
                    train_sha256: str) -> dict[str, Any]:
    """:func:`audit.train_check.evidence`, through the store (the hashes are of ``ctx.source`` and
    ``train``)."""
    key = None
    if store is not None:
        suite = suite_key(ctx.spec, data_sha256=data_sha256, labels=ctx.labels, seed=ctx.seed)
        key = None if suite is None else fingerprint({"suite": suite, "train": train_sha256})

    def decode(value: Any) -> dict[str, Any]:
        return check_evidence(ctx.spec.name, value)

    return memoized(store, EVIDENCE, key, lambda: evidence(ctx, train), lambda found: found, decode)

