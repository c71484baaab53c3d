"""The suite framework: declared suites, generated cases, CheckList-style expectations, scoring.

A suite is declared by a YAML file in ``suites/`` (or a folder given with ``--suites-dir``)::

    name: negation                 # unique suite name, [a-z0-9_]+
    description: one sentence      # what it tests
    generator: negation            # a built-in generator, an entry point or mypkg.module
    test_type: DIR                 # MFT, INV or DIR: the expectation its cases mostly carry
    params: {...}                  # passed to the generator (optional)
    feeds: bias                    # optional: a section of results.json its figures also feed

The generator turns the declaration (and, for derived suites, the clean test split) into
:class:`Case` objects. Each case carries an :class:`Expectation` of one of CheckList's three kinds:

- ``MFT`` (minimum functionality test): the prediction must be one of ``labels`` (the gold label
  when ``labels`` is empty).
- ``INV`` (invariance): the prediction must equal the model's prediction on ``source_text``.
- ``DIR`` (directional): the prediction must avoid the labels in ``avoid``, and, when
  ``avoid_source`` is set, must differ from the model's prediction on ``source_text``.

Scoring (:func:`score_suite`, in :mod:`audit.scoring`) is pure: it takes the predicted class of
every text and returns the suite's section of ``results.json`` plus one record per case for
``predictions.jsonl``.
"""
from __future__ import annotations

import hashlib
import importlib
import random
import re
from dataclasses import dataclass, field
from pathlib import Path
from importlib import metadata as importlib_metadata
from typing import Any, Iterable, Literal, Mapping, Protocol, Sequence, runtime_checkable

import yaml

from .errors import AuditError
from .scoring import cases_hash, group_by, score_suite, summarize_records

#: The suite API; scoring (:mod:`audit.scoring`) is part of it.
__all__ = ["TestType", "TEST_TYPES", "FEEDS", "ENTRY_POINT_GROUP", "Expectation", "Case", "GeneratedSuite",
           "SourceData", "SuiteSpec", "SuiteContext", "GeneratorModule", "seeded_rng", "load_yaml_mapping",
           "load_spec", "discover", "generator_module", "generate", "check_cases", "check_params", "all_texts",
           "cases_hash", "group_by", "score_suite", "summarize_records"]

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

    @classmethod
    def from_json(cls, value: Mapping[str, Any]) -> Expectation:
        """The expectation :meth:`to_json` wrote."""
        return cls(value["kind"], tuple(value.get("labels", ())), tuple(value.get("avoid", ())),
                   bool(value.get("avoid_source", False)))

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
    feeds: str | None = None

    @property
    def data_dir(self) -> Path:
        """The folder holding the YAML file: relative data paths in ``params`` resolve here."""
        return self.path.parent

    def data_files(self) -> set[Path]:
        """The files named (relative to :attr:`data_dir`) by string values anywhere in ``params``."""
        return _named_files(self.params, self.data_dir)


def _named_files(value: Any, folder: Path) -> set[Path]:
    if isinstance(value, str):
        path = folder / value
        return {path.resolve()} if path.is_file() else set()
    if isinstance(value, Mapping):
        value = list(value.values())
    if isinstance(value, (list, tuple)):
        return set().union(*(_named_files(v, folder) for v in value))
    return set()


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


_SPEC_KEYS = {"name": str, "description": str, "generator": str, "test_type": str, "params": dict, "feeds": str}
#: Keys a suite file may leave out.
_OPTIONAL_KEYS = ("params", "feeds")
#: What a suite's results may feed besides its own section: ``bias`` (its ``extra`` becomes the
#: counterfactual part of ``results.json``'s ``bias`` section).
FEEDS: tuple[str, ...] = ("bias",)
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
        if key in _OPTIONAL_KEYS and key not in raw:
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
    if raw.get("feeds", FEEDS[0]) not in FEEDS:
        raise AuditError(f"suite file {path}: feeds must be one of {', '.join(FEEDS)}")
    return SuiteSpec(raw["name"], raw["description"], raw["generator"], raw["test_type"],
                     raw.get("params") or {}, path, raw.get("feeds"))


def discover(dirs: Iterable[Path]) -> dict[str, SuiteSpec]:
    """All suite declarations (``*.yaml``) in ``dirs``, later folders overriding earlier ones;
    two files of one folder declaring the same name are an error (neither may silently win)."""
    specs: dict[str, SuiteSpec] = {}
    for folder in dirs:
        if not folder.is_dir():
            raise AuditError(f"suites folder not found: {folder}")
        here: dict[str, Path] = {}
        for path in sorted(folder.glob("*.yaml")):
            spec = load_spec(path)
            if spec.name in here:
                raise AuditError(f"suites {here[spec.name]} and {path} both declare the suite {spec.name!r}")
            here[spec.name] = path
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
    check_cases(spec, suite, labels)
    return suite


def check_cases(spec: SuiteSpec, suite: GeneratedSuite, labels: Sequence[str]) -> None:
    """Refuse duplicate case ids and cases naming labels the model does not have."""
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


def all_texts(cases: Sequence[Case]) -> list[str]:
    """Every text a suite needs predictions for: case texts and their source texts."""
    texts = [c.text for c in cases]
    texts += [c.source_text for c in cases if c.source_text is not None]
    return texts
