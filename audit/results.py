"""The audit's artifacts: ``results.json`` and ``predictions.jsonl``, written atomically, read back
with validation.

``results.json`` is the one contract the report, the model card and the gate read; its schema is
documented in the README and versioned by :data:`SCHEMA_VERSION` (major.minor: readers accept any
minor version of the major they know).
"""
from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any, Iterable, Mapping

from .errors import AuditError

SCHEMA_VERSION = "1.0"
RESULTS_FILE = "results.json"
PREDICTIONS_FILE = "predictions.jsonl"
#: The top-level section that changes between otherwise identical runs (time stamp, durations,
#: cache hits); everything else is byte-identical for the same inputs and seed.
VOLATILE_KEY = "run"

_UMASK = os.umask(0)
os.umask(_UMASK)


def _unlink(path: str) -> None:
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass


def dumps(results: Mapping[str, Any]) -> str:
    """Canonical JSON text of a results document (sorted keys, so equal runs give equal bytes)."""
    return json.dumps(results, indent=2, sort_keys=True, ensure_ascii=False, allow_nan=False) + "\n"


def write_text_atomic(path: Path, text: str) -> None:
    """Atomically replace ``path`` with ``text``."""
    write_texts_atomic({path: text})


def write_texts_atomic(files: Mapping[Path, str]) -> None:
    """Write every file to a temporary sibling first, then rename them all into place: a failure
    while writing (a full disk) leaves every earlier file untouched and no temporary file."""
    staged: list[tuple[str, Path]] = []
    path = next(iter(files), Path("."))
    try:
        for path, text in files.items():
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
            staged.append((tmp, path))
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                fh.write(text)
                fh.flush()
                os.fsync(fh.fileno())
            os.chmod(tmp, 0o666 & ~_UMASK)
        for tmp, path in staged:
            os.replace(tmp, path)
    except OSError as exc:
        raise AuditError(f"cannot write {path}: {exc.strerror or exc}") from exc
    finally:
        for tmp, _ in staged:
            _unlink(tmp)


def output_texts(out_dir: Path, results: Mapping[str, Any], records: Iterable[Mapping[str, Any]]) -> dict[Path, str]:
    """``predictions.jsonl`` and ``results.json`` as texts, by path."""
    lines = "".join(json.dumps(r, ensure_ascii=False, sort_keys=True, allow_nan=False) + "\n" for r in records)
    return {out_dir / PREDICTIONS_FILE: lines, out_dir / RESULTS_FILE: dumps(results)}


def write_outputs(out_dir: Path, results: Mapping[str, Any], records: Iterable[Mapping[str, Any]]) -> None:
    """Write ``predictions.jsonl`` and ``results.json`` together (see :func:`write_texts_atomic`)."""
    write_texts_atomic(output_texts(out_dir, results, records))


def load_results(path: Path | str) -> dict[str, Any]:
    """Read and validate a ``results.json``; refuse other schema versions and inconsistent files."""
    path = Path(path)
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise AuditError(f"results file not found: {path}") from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise AuditError(f"cannot read {path}: {exc}") from exc
    except json.JSONDecodeError as exc:
        raise AuditError(f"{path}: not valid JSON (line {exc.lineno}: {exc.msg})") from exc
    problem = validate(doc)
    if problem:
        raise AuditError(f"{path}: {problem}")
    return doc


def load_predictions(path: Path | str) -> list[dict[str, Any]]:
    """Read ``predictions.jsonl`` (one JSON object a line)."""
    path = Path(path)
    rows = []
    try:
        with path.open(encoding="utf-8") as fh:
            for number, line in enumerate(fh, start=1):
                if line.strip():
                    rows.append(json.loads(line))
    except FileNotFoundError as exc:
        raise AuditError(f"predictions file not found: {path}") from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise AuditError(f"cannot read {path}: {exc}") from exc
    except json.JSONDecodeError as exc:
        raise AuditError(f"{path}: line {number}: not valid JSON ({exc.msg})") from exc
    return rows


def validate(doc: Any) -> str | None:
    """The first reason ``doc`` is not a usable results document of this schema, or ``None``.

    Checks the schema version, the required sections, and internal consistency: the test split's
    confusion matrix must use the model's labels and add up to its ``n``, per-class supports must
    match the matrix rows, and every headline metric must lie in [0, 1] inside its interval.
    """
    if not isinstance(doc, dict):
        return "not a results document (expected a JSON object)"
    version = doc.get("schema_version")
    if not isinstance(version, str) or version.split(".")[0] != SCHEMA_VERSION.split(".")[0]:
        return f"schema version {version!r} is not supported (this tool reads {SCHEMA_VERSION.split('.')[0]}.x)"
    for key in ("model", "dataset", "config", "suites"):
        if not isinstance(doc.get(key), dict):
            return f"missing or malformed section {key!r}"
    labels = doc["model"].get("labels")
    if not isinstance(labels, list) or not labels or not all(isinstance(x, str) for x in labels):
        return "model.labels must be a non-empty list of names"
    test = doc["suites"].get("test")
    if not isinstance(test, dict) or not isinstance(test.get("metrics"), dict):
        return "missing suites.test.metrics"
    m = test["metrics"]
    try:
        cm = m["confusion_matrix"]
        if cm["labels"] != labels:
            return "suites.test confusion matrix labels differ from model.labels"
        counts = cm["counts"]
        if len(counts) != len(labels) or any(len(row) != len(labels) for row in counts):
            return "suites.test confusion matrix is not square in the model's labels"
        if sum(map(sum, counts)) != test["n"]:
            return f"suites.test confusion matrix sums to {sum(map(sum, counts))}, not n = {test['n']}"
        for i, label in enumerate(labels):
            if m["per_class"][label]["support"] != sum(counts[i]):
                return f"suites.test per-class support of {label!r} does not match the confusion matrix"
        for name in ("accuracy", "macro_f1", "weighted_f1"):
            metric = m[name]
            value, low, high = metric["value"], metric["ci_low"], metric["ci_high"]
            if not 0 <= value <= 1:
                return f"suites.test {name} value {value} is outside [0, 1]"
            if low is not None and not (low - 1e-9 <= value <= high + 1e-9):
                return f"suites.test {name} value {value} lies outside its interval [{low}, {high}]"
        trace = sum(counts[i][i] for i in range(len(labels)))
        if test["n"] and abs(m["accuracy"]["value"] - trace / test["n"]) > 1e-9:
            return f"suites.test accuracy {m['accuracy']['value']} does not match the confusion matrix ({trace}/{test['n']})"
    except (KeyError, TypeError, IndexError) as exc:
        return f"suites.test metrics are incomplete or malformed ({exc!r})"
    return None
