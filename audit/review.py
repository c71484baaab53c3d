"""The review loop: how far a suite's expectations can be trusted, measured by people.

``emotion-audit suites sample`` draws a seeded sample of a suite's cases, stratified by rule, and
writes it as a CSV a person annotates in a spreadsheet (:func:`draw_sample`): one row a case with
its text, its source text and its expectation in words, an empty ``verdict`` (valid / invalid /
unsure: would a careful annotator agree the model is wrong when it violates the expectation?) and
an empty ``note``. Every row also names the suite, the seed the suite was generated with, the
suite's ``cases_sha256`` and the sha256 of the data it was drawn from, so the annotated file can
be checked against the suite it describes.

``emotion-audit suites review`` reads annotated files back (:func:`read_verdicts`), checks them
against the suite regenerated from the same data and seed, and writes the review
(:func:`summarize`): per rule and overall, the cases reviewed, how many were valid, invalid or
unsure, and the share valid with a Wilson 95% interval (unsure counts as not valid).

The built-in suites ship their reviews as ``reviews/<suite>.json`` beside the suite YAML files;
``run`` attaches the matching review to each suite section (:func:`validity`). A review is
*current* when it describes the cases just generated: on the same data and seed its
``cases_sha256`` must match; on other data or another seed, the generator's fingerprint
(:func:`generator_fingerprint`: the suite YAML, the data files it names and the source of its
generator modules) must match the one the review was drawn from.
"""
from __future__ import annotations

import ast
import csv
import hashlib
import importlib.util
import io
import json
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from types import ModuleType
from typing import Any, Iterable, Mapping, Sequence

from . import __version__
from .errors import AuditError
from .metrics import rate_with_ci
from .suite import Case, Expectation, SourceData, SuiteSpec, cases_hash, generator_module, seeded_rng

#: A reviewer's verdict on one case's expectation.
VERDICTS: tuple[str, ...] = ("valid", "invalid", "unsure")
#: Columns of a sample file, in order. The last four identify the suite the sample was drawn from.
SAMPLE_COLUMNS: tuple[str, ...] = (
    "id", "rule", "source_text", "text", "expectation", "gold", "source_gold", "details", "verdict", "note",
    "suite", "suite_seed", "cases_sha256", "data_sha256")
#: The columns reading a review needs (the others are for the reviewer's eyes).
REQUIRED_COLUMNS: tuple[str, ...] = ("id", "verdict", "suite", "suite_seed", "cases_sha256", "data_sha256")
#: Where a suite's review lives, relative to the folder of its YAML file.
REVIEWS_FOLDER = "reviews"
#: The review file's own format version.
REVIEW_FORMAT = 1
_REVIEW_KEYS = ("format", "suite", "generator", "cases_sha256", "data_sha256", "suite_seed", "reviewed_on",
                "n_reviewed", "valid_rate", "by_rule")


# ---------------------------------------------------------------------------------------------
# What a review is tied to: the data, the cases, the generator


def source_sha256(source: SourceData) -> str:
    """sha256 of what a suite is generated from: ids, texts and gold label names in order.

    Gold labels are hashed as names, so the same split read from the Hub (integer labels) or
    from a local file (names) gives the same hash.
    """
    h = hashlib.sha256()
    for row in zip(source.ids, source.texts, source.labels):
        h.update(json.dumps(list(row), ensure_ascii=False).encode())
        h.update(b"\n")
    return h.hexdigest()


def generator_fingerprint(spec: SuiteSpec) -> str:
    """sha256 of what a suite's cases depend on besides the data and the seed: the suite's YAML
    file, the data files its ``params`` name, and the source of its generator module and of the
    modules of the same package that it imports (transitively).

    The framework (:mod:`audit.suite`) and pinned libraries are not included: on the data and
    seed a review was drawn from, the cases hash is compared instead, which sees every change.
    """
    h = hashlib.sha256()
    for path in [spec.path, *sorted(spec.data_files(), key=lambda p: (p.name, str(p)))]:
        h.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    modules = _module_files(generator_module(spec))
    for name in sorted(modules):  # dotted names: one order wherever the package is installed
        h.update(name.encode() + b"\0" + modules[name].read_bytes() + b"\0")
    return h.hexdigest()


def _module_files(generator: Any) -> dict[str, Path]:
    """The source files, by dotted module name, of the generator's module and of the modules of
    its package it imports, transitively (a generator registered as an object counts by the
    module defining it)."""
    name = generator.__name__ if isinstance(generator, ModuleType) else generator.__module__
    package = name.rpartition(".")[0]
    pending, found = [name], {}
    while pending:
        name = pending.pop()
        try:
            spec = importlib.util.find_spec(name)
        except (ImportError, ValueError):  # a name imported from a module, not a module
            continue
        if spec is None or not spec.origin or not spec.origin.endswith(".py"):
            continue
        path = Path(spec.origin).resolve()
        if name in found:
            continue
        found[name] = path
        base = name.rpartition(".")[0] if not spec.submodule_search_locations else name
        pending += [n for n in _imported_names(path, base) if package and n.startswith(package + ".")]
    return found


def _imported_names(path: Path, package: str) -> list[str]:
    """Absolute names of the modules a source file imports (``from . import x`` gives both the
    package and ``package.x``, as either may be a module)."""
    names = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = importlib.util.resolve_name("." * node.level + (node.module or ""), package) \
                if node.level else node.module or ""
            names += [base, *(f"{base}.{alias.name}" for alias in node.names)]
    return names


# ---------------------------------------------------------------------------------------------
# Drawing a sample


def allocate(sizes: Mapping[str, int], n: int) -> dict[str, int]:
    """How many cases to draw from each rule: proportional to its size (largest remainder), at
    least one per rule while ``n`` allows it, never more than the rule holds.

    With fewer draws than rules, the largest rules (earlier ones on ties) get one each.
    """
    total = sum(sizes.values())
    if n >= total:
        return dict(sizes)
    if n < len(sizes):
        chosen = sorted(sizes, key=lambda r: -sizes[r])[:n]
        return {rule: int(rule in chosen) for rule in sizes}
    quota = {rule: n * size / total for rule, size in sizes.items()}
    alloc = {rule: min(size, max(1, int(quota[rule]))) for rule, size in sizes.items()}
    while sum(alloc.values()) > n:
        rule = max((r for r in alloc if alloc[r] > 1), key=lambda r: alloc[r] - quota[r])
        alloc[rule] -= 1
    while sum(alloc.values()) < n:
        rule = max((r for r in alloc if alloc[r] < sizes[r]), key=lambda r: quota[r] - alloc[r])
        alloc[rule] += 1
    return alloc


def sample_cases(suite_name: str, cases: Sequence[Case], n: int, seed: int) -> list[Case]:
    """A seeded sample of ``n`` cases stratified by rule (:func:`allocate`), each rule's draw
    from its own stream; in the suite's order."""
    by_rule: dict[str, list[Case]] = {}
    for case in cases:
        by_rule.setdefault(case.rule or "", []).append(case)
    alloc = allocate({rule: len(rows) for rule, rows in by_rule.items()}, n)
    chosen = {case.id for rule, rows in by_rule.items()
              for case in seeded_rng(seed, "review", suite_name, rule).sample(rows, alloc[rule])}
    return [case for case in cases if case.id in chosen]


def _alternatives(labels: Sequence[str]) -> str:
    """``a``, ``a or b``, ``a, b or c``."""
    return labels[0] if len(labels) == 1 else f"{', '.join(labels[:-1])} or {labels[-1]}"


def expectation_words(expectation: Expectation, gold: str | None) -> str:
    """A case's expectation as a sentence for a reviewer: "must be one of sadness, anger", "must
    not be joy or love", "must keep the prediction on the source text"."""
    if expectation.kind == "MFT":
        if len(expectation.labels) > 1:
            return "must be one of " + ", ".join(expectation.labels)
        if expectation.labels:
            return f"must be {expectation.labels[0]}"
        return f"must be {gold} (the gold label)" if gold else "must be the gold label (none given)"
    if expectation.kind == "INV":
        return "must keep the prediction on the source text"
    parts = [f"must not be {_alternatives(expectation.avoid)}"] if expectation.avoid else []
    if expectation.avoid_source:
        parts.append("must differ from the prediction on the source text")
    return ", and ".join(parts)


def sample_rows(suite_name: str, cases: Sequence[Case], *, suite_seed: int, cases_sha256: str,
                data_sha256: str) -> list[dict[str, str]]:
    """The rows of a sample file for ``cases``, drawn from the suite whose cases hash to
    ``cases_sha256`` (see :data:`SAMPLE_COLUMNS`)."""
    rows = []
    for case in cases:
        meta = dict(case.meta)
        source_gold = meta.pop("source_label", None)
        rows.append({
            "id": case.id, "rule": case.rule or "", "source_text": case.source_text or "", "text": case.text,
            "expectation": expectation_words(case.expectation, case.label), "gold": case.label or "",
            "source_gold": source_gold or "", "details": "; ".join(f"{k}={v}" for k, v in meta.items()),
            "verdict": "", "note": "", "suite": suite_name, "suite_seed": str(suite_seed),
            "cases_sha256": cases_sha256, "data_sha256": data_sha256})
    return rows


def sample_csv(rows: Iterable[Mapping[str, str]]) -> str:
    """A sample as CSV text (every field quoted, so spreadsheets keep texts as they are)."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=SAMPLE_COLUMNS, quoting=csv.QUOTE_ALL, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue()


# ---------------------------------------------------------------------------------------------
# Reading an annotated sample back


@dataclass(frozen=True)
class Verdicts:
    """Annotated rows read back: the sample's identity and ``{case id: verdict}``."""

    suite: str
    suite_seed: int
    cases_sha256: str
    data_sha256: str
    verdicts: dict[str, str]


def read_verdicts(paths: Sequence[Path]) -> Verdicts:
    """The verdicts of one or more annotated sample files of the same suite, cases and data.

    Any problem (unreadable file, missing column, a verdict other than valid / invalid / unsure,
    an empty verdict, a repeated id, rows from different samples) is an :class:`AuditError`
    naming the file and line.
    """
    identity: tuple[str, str, str, str] | None = None
    verdicts: dict[str, str] = {}
    for path in paths:
        for line, row in _csv_rows(path):
            where = f"{path}: line {line}"
            row_identity = tuple(row[k].strip() for k in ("suite", "suite_seed", "cases_sha256", "data_sha256"))
            identity = identity or row_identity
            if row_identity != identity:
                raise AuditError(f"{where}: suite, seed or hashes differ from the first row's "
                                 f"({'/'.join(identity)[:60]}...): rows from different samples")
            case_id, verdict = row["id"].strip(), row["verdict"].strip().lower()
            if not verdict:
                raise AuditError(f"{where}: case {case_id!r} has no verdict (use {', '.join(VERDICTS)})")
            if verdict not in VERDICTS:
                raise AuditError(f"{where}: verdict {row['verdict']!r} is not one of {', '.join(VERDICTS)}")
            if case_id in verdicts:
                raise AuditError(f"{where}: case {case_id!r} is reviewed twice")
            verdicts[case_id] = verdict
    if identity is None:
        raise AuditError(f"{', '.join(map(str, paths))}: no reviewed rows")
    suite, seed, digest, data = identity
    try:
        suite_seed = int(seed)
    except ValueError as exc:
        raise AuditError(f"{paths[0]}: suite_seed {seed!r} is not an integer") from exc
    return Verdicts(suite, suite_seed, digest, data, verdicts)


def _csv_rows(path: Path) -> list[tuple[int, dict[str, str]]]:
    """``(line number, row)`` of an annotated file; the delimiter (comma, semicolon or tab, as
    spreadsheets save) is read from the header line."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError as exc:
        raise AuditError(f"review file not found: {path}") from exc
    except UnicodeDecodeError as exc:
        raise AuditError(f"{path}: not UTF-8 text (save it as 'CSV UTF-8')") from exc
    except OSError as exc:
        raise AuditError(f"cannot read {path}: {exc.strerror or exc}") from exc
    header = text.split("\n", 1)[0]
    if not header.strip():
        raise AuditError(f"{path}: no header line")
    delimiter = max(",;\t", key=header.count)
    reader = csv.DictReader(io.StringIO(text), delimiter=delimiter)
    missing = [c for c in REQUIRED_COLUMNS if c not in (reader.fieldnames or [])]
    if missing:
        raise AuditError(f"{path}: missing column(s) {', '.join(missing)} (a sample file has: {', '.join(SAMPLE_COLUMNS)})")
    try:
        return [(reader.line_num, {k: v or "" for k, v in row.items()}) for row in reader
                if any((v or "").strip() for k, v in row.items() if k is not None)]
    except csv.Error as exc:
        raise AuditError(f"{path}: line {reader.line_num}: {exc}") from exc


# ---------------------------------------------------------------------------------------------
# The review


def check_sample(verdicts: Verdicts, spec: SuiteSpec, cases: Sequence[Case], data_sha256: str) -> None:
    """Refuse verdicts that do not describe ``cases``: another suite, other data, cases that
    changed since the sample was drawn, or ids the suite does not have."""
    if verdicts.suite != spec.name:
        raise AuditError(f"the sample is of suite {verdicts.suite!r}, not {spec.name!r}")
    if verdicts.data_sha256 != data_sha256:
        raise AuditError(f"suite {spec.name!r}: the sample was drawn from other data (sha256 "
                         f"{verdicts.data_sha256[:12]}..., this data {data_sha256[:12]}...); pass the data it "
                         f"was drawn from with --data")
    digest = cases_hash(cases)
    if verdicts.cases_sha256 != digest:
        raise AuditError(f"suite {spec.name!r} changed since the sample was drawn (cases_sha256 "
                         f"{verdicts.cases_sha256[:12]}..., now {digest[:12]}...); draw and review a new sample")
    known = {case.id for case in cases}
    unknown = [case_id for case_id in verdicts.verdicts if case_id not in known]
    if unknown:
        raise AuditError(f"suite {spec.name!r} has no case {unknown[0]!r}"
                         + (f" (and {len(unknown) - 1} more unknown ids)" if len(unknown) > 1 else ""))


def verdict_counts(verdicts: Iterable[str]) -> dict[str, Any]:
    """``n_reviewed``, ``n_valid``, ``n_invalid``, ``n_unsure`` and ``valid_rate`` (Wilson 95%;
    unsure counts as not valid)."""
    verdicts = list(verdicts)
    counts = {f"n_{v}": sum(x == v for x in verdicts) for v in VERDICTS}
    return {"n_reviewed": len(verdicts), **counts, "valid_rate": rate_with_ci(counts["n_valid"], len(verdicts))}


def summarize(verdicts: Verdicts, spec: SuiteSpec, cases: Sequence[Case], *, today: str | None = None) -> dict[str, Any]:
    """The review document of checked verdicts (see :func:`check_sample`): overall and per-rule
    counts and valid rates, what the sample was drawn from, and the date."""
    rule_of = {case.id: case.rule or "" for case in cases}
    by_rule: dict[str, list[str]] = {}
    for case_id, verdict in verdicts.verdicts.items():
        by_rule.setdefault(rule_of[case_id], []).append(verdict)
    return {
        "format": REVIEW_FORMAT, "suite": spec.name,
        "generator": {"name": spec.generator, "fingerprint": generator_fingerprint(spec)},
        "cases_sha256": verdicts.cases_sha256, "data_sha256": verdicts.data_sha256,
        "suite_seed": verdicts.suite_seed, "n_cases": len(cases),
        "reviewed_on": today or datetime.now(timezone.utc).date().isoformat(), "tool_version": __version__,
        **verdict_counts(verdicts.verdicts.values()),
        "by_rule": {rule: verdict_counts(rows) for rule, rows in sorted(by_rule.items())},
    }


def review_path(spec: SuiteSpec) -> Path:
    """Where a suite's review is looked for: ``reviews/<suite>.json`` beside its YAML file."""
    return spec.data_dir / REVIEWS_FOLDER / f"{spec.name}.json"


def load_review(path: Path) -> dict[str, Any] | None:
    """The review stored at ``path`` (``None`` when there is none); a malformed one is an error."""
    if not path.is_file():
        return None
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise AuditError(f"{path}: cannot read review: {str(exc).splitlines()[0]}") from exc
    missing = [k for k in _REVIEW_KEYS if not isinstance(doc, dict) or k not in doc]
    if missing:
        raise AuditError(f"{path}: not a review file (missing {', '.join(missing)})")
    return doc


def validity(review: Mapping[str, Any] | None, spec: SuiteSpec, *, cases_sha256: str, data_sha256: str,
             seed: int) -> dict[str, Any] | None:
    """``suites.<name>.validity`` for a run: the review's size and valid rate, when it was done,
    and whether it describes the cases just generated (``current``). ``basis`` says how that
    was decided: ``cases`` (same data and seed: the cases hashes compared) or ``generator``
    (other data or seed: the generator fingerprints compared)."""
    if review is None:
        return None
    same_draw = review["data_sha256"] == data_sha256 and review["suite_seed"] == seed
    current = (review["cases_sha256"] == cases_sha256 if same_draw
               else review["generator"].get("fingerprint") == generator_fingerprint(spec))
    return {"n_reviewed": review["n_reviewed"], "n_invalid": review.get("n_invalid"),
            "n_unsure": review.get("n_unsure"), "valid_rate": review["valid_rate"],
            "current": current, "basis": "cases" if same_draw else "generator",
            "reviewed_on": review["reviewed_on"], "cases_sha256": review["cases_sha256"]}
