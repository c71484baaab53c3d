"""The suite framework: declared suites, generated cases, CheckList-style expectations, scoring.

A suite is declared by a YAML file in ``suites/`` (or a folder given with ``--suites-dir``)::

    name: negation                 # unique suite name, [a-z0-9_]+
    description: one sentence      # what it tests
    generator: negation            # a built-in generator, an entry point or mypkg.module
    test_type: DIR                 # MFT, INV or DIR: the expectation its cases mostly carry
    params: {...}                  # passed to the generator (optional)

The generator turns the declaration (and, for derived suites, the clean test split) into
:class:`Case` objects. Each case carries an :class:`Expectation` of one of CheckList's three kinds:

- ``MFT`` (minimum functionality test): the prediction must be one of ``labels`` (the gold label
  when ``labels`` is empty).
- ``INV`` (invariance): the prediction must equal the model's prediction on ``source_text``.
- ``DIR`` (directional): the prediction must avoid the labels in ``avoid``, and, when
  ``avoid_source`` is set, must differ from the model's prediction on ``source_text``.

Scoring (:func:`score_suite`) is pure: it takes the predicted class of every text and returns the
suite's section of ``results.json`` plus one record per case for ``predictions.jsonl``.
"""
from __future__ import annotations

import hashlib
import importlib
import inspect
import json
import random
import re
from dataclasses import dataclass, field
from pathlib import Path
from importlib import metadata as importlib_metadata
from typing import Any, Callable, Collection, Iterable, Literal, Mapping, Protocol, Sequence, runtime_checkable

import numpy as np
import yaml

from .errors import AuditError
from .metrics import classification_metrics, confusion_counts, rate_with_ci

TestType = Literal["MFT", "INV", "DIR"]
TEST_TYPES: tuple[str, ...] = ("MFT", "INV", "DIR")


@dataclass(frozen=True)
class Expectation:
    """What a case's prediction must satisfy (see the module docstring)."""

    kind: TestType
    labels: tuple[str, ...] = ()
    avoid: tuple[str, ...] = ()
    avoid_source: bool = False

    def check(self, pred: str, gold: str | None, source_pred: str | None) -> bool | None:
        """True/False for pass/fail; None when the case cannot be judged (no gold, no source)."""
        if self.kind == "MFT":
            allowed = self.labels or ((gold,) if gold is not None else ())
            return (pred in allowed) if allowed else None
        if self.kind == "INV":
            return None if source_pred is None else pred == source_pred
        if self.avoid_source and source_pred is None:
            return None
        return pred not in self.avoid and not (self.avoid_source and pred == source_pred)

    def to_json(self) -> dict[str, Any]:
        """Compact JSON form for ``predictions.jsonl`` (empty fields left out)."""
        out: dict[str, Any] = {"kind": self.kind}
        if self.labels:
            out["labels"] = list(self.labels)
        if self.avoid:
            out["avoid"] = list(self.avoid)
        if self.avoid_source:
            out["avoid_source"] = True
        return out


@dataclass(frozen=True)
class Case:
    """One test input of a suite.

    ``label`` is the gold emotion when known; ``source_id``/``source_text`` name the text it was
    derived from (a test-split case, or an authored base sentence for paired suites); ``rule`` is
    the perturbation rule or template that made it; ``meta`` holds suite-specific tags used in
    breakdowns (e.g. ``{"variety": "aae", "ewave": 172}``). Values in ``meta`` must be JSON-able.
    """

    id: str
    text: str
    expectation: Expectation
    label: str | None = None
    source_id: str | None = None
    source_text: str | None = None
    rule: str | None = None
    meta: Mapping[str, Any] = field(default_factory=dict)


@dataclass
class GeneratedSuite:
    """What a generator returns: the cases, and per-rule coverage over the source texts.

    ``coverage[rule] = {"n_candidates": texts the rule was tried on, "n_changed": texts it applied
    to}``; authored suites may leave it empty. ``n_candidates`` is the number of source texts
    considered for the whole suite (``None`` for suites not derived from a dataset). A derived
    suite's ``n_applicable`` is the number of distinct source texts that produced a case; the rest
    of its candidates were not applicable.
    """

    cases: list[Case]
    coverage: dict[str, dict[str, int]] = field(default_factory=dict)
    n_candidates: int | None = None


@dataclass(frozen=True)
class SourceData:
    """The clean split that derived suites are generated from."""

    ids: Sequence[str]
    texts: Sequence[str]
    labels: Sequence[str | None]


@dataclass(frozen=True)
class SuiteSpec:
    """A suite declaration read from YAML."""

    name: str
    description: str
    generator: str
    test_type: TestType
    params: Mapping[str, Any]
    path: Path

    @property
    def data_dir(self) -> Path:
        """The folder holding the YAML file: relative data paths in ``params`` resolve here."""
        return self.path.parent


@dataclass
class SuiteContext:
    """Everything a generator may use. ``rng`` is seeded from the audit seed and the suite name,
    so adding a suite never changes another suite's cases."""

    spec: SuiteSpec
    source: SourceData
    labels: Sequence[str]
    seed: int

    def rng(self, *parts: object) -> random.Random:
        """A ``random.Random`` seeded from (seed, suite name, *parts): pass the rule and the case's
        key (a source id, a template row) to give every case its own stream, as
        :func:`seeded_rng` says."""
        return seeded_rng(self.seed, self.spec.name, *parts)

    def data_path(self, relative: str) -> Path:
        """Resolve a data file named in ``params`` relative to the suite's folder."""
        path = (self.spec.data_dir / relative).resolve()
        if not path.is_file():
            raise AuditError(f"suite {self.spec.name!r}: data file not found: {path}")
        return path


def seeded_rng(seed: int, *parts: object) -> random.Random:
    """A ``random.Random`` seeded from sha256 of ``seed`` and ``parts`` joined by ``:``.

    Derived suites seed each case from (seed, suite, rule, source id), in the manner of HELM's
    per-instance seeds: removing a data row or adding a rule leaves every other case unchanged.
    """
    key = ":".join(str(part) for part in (seed, *parts))
    digest = hashlib.sha256(key.encode()).digest()
    return random.Random(int.from_bytes(digest[:8], "big"))


@runtime_checkable
class GeneratorModule(Protocol):
    """What a suite's ``generator`` must name: a module (or any object) with ``generate``.

    Optional members: ``PARAMS`` (param name -> type, checked by :func:`check_params`),
    ``summarize(records, labels[, seed=, n_resamples=])`` (figures for ``suites.<name>.extra``)
    and ``train_evidence(ctx, train)`` (how the training split already shows the suite's pattern).
    """

    def generate(self, ctx: SuiteContext) -> GeneratedSuite: ...


#: Entry-point group through which installed packages register generators by name.
ENTRY_POINT_GROUP = "emotion_audit.generators"


_SPEC_KEYS = {"name": str, "description": str, "generator": str, "test_type": str, "params": dict}
_NAME_RE = re.compile(r"^[a-z0-9_]+$")
#: A generator name: a plain identifier or a dotted module path.
_GENERATOR_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$")


#: ``yaml.safe_load``'s loader, in C when PyYAML was built with libyaml.
_SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def load_yaml_mapping(path: Path) -> dict[str, Any]:
    """A YAML file whose top level is a mapping, read with the safe loader (libyaml's C build of
    it when PyYAML has one: the same documents, several times faster on the large word lists);
    any problem is an :class:`AuditError` naming the file."""
    try:
        raw = yaml.load(path.read_text(encoding="utf-8"), Loader=_SAFE_LOADER)
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise AuditError(f"{path}: cannot read: {str(exc).splitlines()[0]}") from exc
    if not isinstance(raw, dict):
        raise AuditError(f"{path}: expected a mapping at the top level")
    return raw


def load_spec(path: Path) -> SuiteSpec:
    """Read and validate one suite YAML file (``yaml.safe_load``; unknown keys are errors)."""
    raw = load_yaml_mapping(path)
    unknown = sorted(set(raw) - set(_SPEC_KEYS))
    if unknown:
        raise AuditError(f"suite file {path}: unknown key {unknown[0]!r} (allowed: {', '.join(_SPEC_KEYS)})")
    for key, typ in _SPEC_KEYS.items():
        if key == "params" and key not in raw:
            continue
        if key not in raw:
            raise AuditError(f"suite file {path}: missing key {key!r}")
        if not isinstance(raw[key], typ):
            raise AuditError(f"suite file {path}: key {key!r} must be a {typ.__name__}")
    if not _NAME_RE.match(raw["name"]):
        raise AuditError(f"suite file {path}: name {raw['name']!r} must match [a-z0-9_]+")
    if raw["name"] == "test":
        raise AuditError(f"suite file {path}: name 'test' is reserved for the evaluated split")
    if raw["test_type"] not in TEST_TYPES:
        raise AuditError(f"suite file {path}: test_type must be one of {', '.join(TEST_TYPES)}")
    return SuiteSpec(raw["name"], raw["description"], raw["generator"], raw["test_type"],
                     raw.get("params") or {}, path)


def discover(dirs: Iterable[Path]) -> dict[str, SuiteSpec]:
    """All suite declarations (``*.yaml``) in ``dirs``, later folders overriding earlier ones."""
    specs: dict[str, SuiteSpec] = {}
    for folder in dirs:
        if not folder.is_dir():
            raise AuditError(f"suites folder not found: {folder}")
        for path in sorted(folder.glob("*.yaml")):
            spec = load_spec(path)
            specs[spec.name] = spec
    return specs


def generator_module(spec: SuiteSpec) -> GeneratorModule:
    """The generator named by the spec's ``generator`` key.

    A plain name (``negation``) is a built-in module ``audit.generators.<name>``, else a generator
    registered under that name in the ``emotion_audit.generators`` entry-point group; a dotted
    path (``mypkg.rules``) is imported as a module. Whatever is found must have a callable
    ``generate`` (:class:`GeneratorModule`).
    """
    name = spec.generator
    if not _GENERATOR_RE.match(name):
        raise AuditError(f"suite {spec.name!r}: invalid generator name {name!r}")
    found = _import_generator(name) if "." in name else (
        _import_generator(f"audit.generators.{name}") or _entry_point_generator(name))
    if found is None:
        raise AuditError(f"suite file {spec.path}: unknown generator {name!r} (not a built-in, "
                         f"not in the {ENTRY_POINT_GROUP!r} entry points, not an importable module)")
    if not isinstance(found, GeneratorModule) or not callable(found.generate):
        raise AuditError(f"suite file {spec.path}: generator {name!r} has no generate(ctx) function")
    return found


def _import_generator(module_name: str) -> Any:
    """The module ``module_name``, or None when it does not exist (errors inside it propagate)."""
    try:
        return importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        if exc.name is not None and module_name.startswith(exc.name):
            return None
        raise


def _entry_point_generator(name: str) -> Any:
    """The object registered as ``name`` in the generators entry-point group, or None."""
    for entry in importlib_metadata.entry_points(group=ENTRY_POINT_GROUP):
        if entry.name == name:
            try:
                return entry.load()
            except (ImportError, AttributeError) as exc:
                raise AuditError(f"generator entry point {name!r} ({entry.value}) cannot be "
                                 f"loaded: {exc}") from exc
    return None


def generate(spec: SuiteSpec, source: SourceData, labels: Sequence[str], seed: int) -> GeneratedSuite:
    """Run the suite's generator and check that its cases are well-formed."""
    module = generator_module(spec)
    check_params(spec, getattr(module, "PARAMS", None))
    try:
        suite = module.generate(SuiteContext(spec, source, labels, seed))
    except KeyError as exc:
        raise AuditError(f"suite file {spec.path}: missing params key {exc.args[0]!r}") from exc
    known = set(labels)
    seen: set[str] = set()
    for case in suite.cases:
        if case.id in seen:
            raise AuditError(f"suite {spec.name!r}: duplicate case id {case.id!r}")
        seen.add(case.id)
        named = set(case.expectation.labels) | set(case.expectation.avoid)
        if case.label is not None:
            named.add(case.label)
        if not named <= known:
            raise AuditError(f"suite {spec.name!r}: case {case.id!r} names labels "
                             f"{sorted(named - known)} the model does not have")
    return suite


def check_params(spec: SuiteSpec, declared: Mapping[str, type | tuple[type, ...]] | None) -> None:
    """Refuse ``params`` keys the generator does not declare, and values of the wrong type.

    ``breakdown`` (a list of ``meta`` keys) is understood by the framework for every suite.
    """
    if declared is None:
        return
    allowed = {**declared, "breakdown": list}
    for key, value in spec.params.items():
        if key not in allowed:
            raise AuditError(f"suite file {spec.path}: unknown params key {key!r} "
                             f"(generator {spec.generator!r} takes: {', '.join(sorted(allowed))})")
        expected = allowed[key] if isinstance(allowed[key], tuple) else (allowed[key],)
        if not isinstance(value, expected):
            names = " or ".join("null" if t is type(None) else t.__name__ for t in expected)
            raise AuditError(f"suite file {spec.path}: params key {key!r} must be {names}, "
                             f"got {type(value).__name__}")


def cases_hash(cases: Sequence[Case]) -> str:
    """sha256 of the cases' canonical JSON: equal hashes mean identical generated suites."""
    h = hashlib.sha256()
    for case in cases:
        # the row dataclasses.asdict gives, built directly (asdict deep-copies every value)
        row = {**vars(case), "expectation": vars(case.expectation)}
        h.update(json.dumps(row, sort_keys=True, ensure_ascii=False, default=list).encode())
        h.update(b"\n")
    return h.hexdigest()


def all_texts(cases: Sequence[Case]) -> list[str]:
    """Every text a suite needs predictions for: case texts and their source texts."""
    texts = [c.text for c in cases]
    texts += [c.source_text for c in cases if c.source_text is not None]
    return texts


def score_suite(
    spec: SuiteSpec,
    suite: GeneratedSuite,
    labels: Sequence[str],
    probs_of: Callable[[str], np.ndarray],
    *,
    seed: int,
    n_resamples: int,
    breakdown: Sequence[str] = (),
    extra: Callable[[Sequence[Mapping[str, Any]], Sequence[str]], dict[str, Any]] | None = None,
    noop: Collection[str] = frozenset(),
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Score a generated suite from the predicted probabilities of each text (label order).

    Returns ``(section, records)``: ``section`` is ``results.json``'s ``suites.<name>`` (pass rate
    with a Wilson 95% CI, flip rate and flip matrix over cases with a source, metrics over cases
    with gold labels, coverage, per-rule pass rates, breakdowns by the ``meta`` keys named in
    ``breakdown``, and ``extra``: whatever the generator module's optional
    ``summarize(records, labels)`` adds; a ``summarize`` that also takes ``seed`` and
    ``n_resamples`` keywords receives the audit's), ``records`` the per-case rows (``passed`` is
    None for unjudgeable cases).

    ``noop`` holds the ids of cases whose model input equals their source's (:mod:`audit.noop`):
    their records say ``no_op``, they are not judged, they are left out of flip rates, metrics
    and ``extra``, and they are counted per rule in ``coverage.<rule>.n_noop`` and ``n_noop``.
    """
    index = {label: i for i, label in enumerate(labels)}
    records: list[dict[str, Any]] = []
    for case in suite.cases:
        probs = probs_of(case.text)
        pred = labels[int(np.argmax(probs))]
        source_probs = probs_of(case.source_text) if case.source_text is not None else None
        source_pred = labels[int(np.argmax(source_probs))] if source_probs is not None else None
        no_op = case.id in noop
        passed = None if no_op else case.expectation.check(pred, case.label, source_pred)
        records.append({
            "suite": spec.name, "id": case.id, "text": case.text, "label": case.label,
            "pred": pred, "probs": [float(p) for p in probs],
            "source_id": case.source_id, "source_text": case.source_text,
            "source_pred": source_pred,
            "source_probs": None if source_probs is None else [float(p) for p in source_probs],
            "rule": case.rule, "expectation": case.expectation.to_json(), "passed": passed,
            "no_op": no_op, "meta": dict(case.meta),
        })
    section: dict[str, Any] = {
        "kind": "suite",
        "description": spec.description,
        "test_type": spec.test_type,
        "n": len(records),
        "n_candidates": suite.n_candidates,
        "n_applicable": (len({c.source_id for c in suite.cases if c.source_id is not None})
                         if suite.n_candidates is not None
                         else len(records)),
        "cases_sha256": cases_hash(suite.cases),
        "coverage": {rule: {**counts, "n_noop": sum(r["no_op"] for r in records if r["rule"] == rule)}
                     for rule, counts in suite.coverage.items()},
    }
    section.update(summarize_records(records, labels, index, seed=seed, n_resamples=n_resamples))
    section["by_rule"] = {rule: _pass_summary(rows) for rule, rows in group_by(records, lambda r: r["rule"]).items()}
    section["breakdowns"] = {
        key: {str(v): summarize_records(rows, labels, index, seed=seed, n_resamples=0)
              for v, rows in group_by(records, lambda r, k=key: r["meta"].get(k)).items()}
        for key in breakdown
    }
    if extra is not None:
        tested = [r for r in records if not r["no_op"]]
        wants_seed = "seed" in inspect.signature(extra).parameters
        section["extra"] = (extra(tested, labels, seed=seed, n_resamples=n_resamples) if wants_seed
                            else extra(tested, labels))
    return section, records


def summarize_records(
    records: Sequence[Mapping[str, Any]],
    labels: Sequence[str],
    index: Mapping[str, int] | None = None,
    *,
    seed: int,
    n_resamples: int,
) -> dict[str, Any]:
    """Pass rate, flip rate, flip matrix and (where gold exists) classification metrics; no-op
    records count in ``n`` and ``n_noop`` only."""
    index = index or {label: i for i, label in enumerate(labels)}
    out: dict[str, Any] = {"n": len(records), **_pass_summary(records)}
    records = [r for r in records if not r.get("no_op")]
    paired = [r for r in records if r.get("source_pred") is not None]
    flips = sum(r["pred"] != r["source_pred"] for r in paired)
    out["flip_rate"] = rate_with_ci(flips, len(paired)) if paired else None
    if paired:
        fm = confusion_counts(np.array([index[r["source_pred"]] for r in paired]),
                              np.array([index[r["pred"]] for r in paired]), len(labels))
        out["flip_matrix"] = {"labels": list(labels), "counts": fm.tolist(),
                              "rows": "source prediction", "columns": "perturbed prediction"}
    gold = [r for r in records if r.get("label") is not None]
    if gold:
        out["metrics"] = classification_metrics(
            np.array([index[r["label"]] for r in gold]), np.array([index[r["pred"]] for r in gold]),
            labels, n_resamples=n_resamples, seed=seed)
    return out


def _pass_summary(records: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    judged = [r for r in records if r.get("passed") is not None]
    return {"n_judged": len(judged), "n_noop": sum(bool(r.get("no_op")) for r in records),
            "pass_rate": rate_with_ci(sum(bool(r["passed"]) for r in judged), len(judged))}


def group_by(records: Sequence[Mapping[str, Any]], key: Callable[[Mapping[str, Any]], Any]) -> dict[Any, list]:
    """Records grouped by ``key(record)``, groups in order of first appearance."""
    groups: dict[Any, list] = {}
    for r in records:
        groups.setdefault(key(r), []).append(r)
    return groups
