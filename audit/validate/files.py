"""Reading the two files: JSON without NaN, infinities or deep nesting, then the checks; any
problem is an :class:`~audit.errors.AuditError` naming the file, the line or key, and why.
"""
from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any, Mapping, Sequence

from ..data import unique_object
from ..errors import AuditError
from .access import Invalid
from .records import check_predictions, check_record
from .sections import check_results

#: Deepest nesting of objects and lists accepted (a real results.json is about 10 deep).
MAX_DEPTH = 32


def _no_constant(name: str) -> float:
    raise ValueError(f"{name} is not a number JSON allows")


def _finite(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(f"number {text} is out of range")
    return value


def parse_json(text: str) -> Any:
    """``json.loads`` without NaN / Infinity / overflowing numbers, repeated keys in an object or
    unbounded nesting; raises ``ValueError`` with a one-line reason."""
    try:
        doc = json.loads(text, parse_constant=_no_constant, parse_float=_finite, object_pairs_hook=unique_object)
    except json.JSONDecodeError as exc:
        raise ValueError(f"not valid JSON (line {exc.lineno}: {exc.msg})") from exc
    except AuditError as exc:  # a key twice in one object: a reader would keep one value silently
        raise ValueError(str(exc)) from exc
    except RecursionError as exc:
        raise ValueError(f"JSON nested more than {MAX_DEPTH} levels deep") from exc
    if _depth(doc) > MAX_DEPTH:
        raise ValueError(f"JSON nested more than {MAX_DEPTH} levels deep")
    if "\\ud" in text.lower():  # a surrogate can only come from a \u escape: UTF-8 input has none
        _require_unicode(doc)
    return doc


def _require_unicode(doc: Any) -> None:
    """Refuse a string or key holding a lone surrogate (``"\\ud800"``): valid JSON, but not text
    that can be written, rendered or hashed, so every reader refuses it alike."""
    stack: list[tuple[Any, tuple[Any, ...]]] = [(doc, ())]
    while stack:
        node, at = stack.pop()
        items = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else ()
        for key, value in items:
            for text in (key, value):
                if isinstance(text, str):
                    try:
                        text.encode("utf-8")
                    except UnicodeEncodeError as exc:
                        where = ".".join(str(k).encode("utf-8", "backslashreplace").decode() for k in at + (key,))
                        raise ValueError(f"{where}: holds a lone surrogate ({ascii(text[exc.start])}), "
                                         f"which is not valid Unicode text") from exc
            stack.append((value, at + (key,)))


def _depth(doc: Any) -> int:
    """Nesting depth of a JSON value (iterative, so a deep document cannot exhaust the stack)."""
    deepest, stack = 0, [(doc, 0)]
    while stack:
        node, level = stack.pop()
        if isinstance(node, (dict, list)):
            deepest = max(deepest, level + 1)
            if deepest > MAX_DEPTH:
                return deepest
            stack.extend((child, level + 1) for child in (node.values() if isinstance(node, dict) else node))
    return deepest


def _read(path: Path, what: str) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise AuditError(f"{what} file not found: {path}") from exc
    except IsADirectoryError as exc:
        raise AuditError(f"{what} file is a folder: {path}") from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise AuditError(f"cannot read {path}: {getattr(exc, 'strerror', None) or exc}") from exc


def read_results(path: Path | str) -> dict[str, Any]:
    """Read ``results.json`` (or a gate baseline, which embeds one) and check it; any problem is
    an :class:`AuditError` naming the file and the key."""
    path = Path(path)
    try:
        doc = parse_json(_read(path, "results"))
        check_results(doc)
    except Invalid as exc:
        raise AuditError(f"{path}: {exc}") from exc
    except ValueError as exc:
        raise AuditError(f"{path}: {exc}") from exc
    return doc


def read_records(path: Path | str, labels: Sequence[str] | None = None) -> list[dict[str, Any]]:
    """The records of ``predictions.jsonl`` (or of a ``predictions.parquet`` folder,
    :mod:`audit.streaming`), each checked by :func:`check_record`."""
    path = Path(path)
    if path.is_dir():
        return _read_parquet(path, labels)
    records = []
    for number, line in enumerate(_read(path, "predictions").split("\n"), start=1):
        if not line.strip():
            continue
        try:
            record = parse_json(line)
            check_record(record, labels, ())
        except Invalid as exc:
            raise AuditError(f"{path}: line {number}: {exc}") from exc
        except ValueError as exc:
            raise AuditError(f"{path}: line {number}: {exc}") from exc
        records.append(record)
    return records


def _read_parquet(path: Path, labels: Sequence[str] | None) -> list[dict[str, Any]]:
    from ..streaming import read_parquet_records

    records = []
    for number, record in enumerate(read_parquet_records(path, labels), start=1):
        try:
            check_record(record, labels, ())
        except Invalid as exc:
            raise AuditError(f"{path}: record {number}: {exc}") from exc
        records.append(record)
    return records


def read_predictions(path: Path | str, results: Mapping[str, Any]) -> list[dict[str, Any]]:
    """``predictions.jsonl`` checked record by record and against ``results`` (counts, confusion
    matrices, pass rates ...)."""
    records = read_records(path, results["model"]["labels"])
    _belong(results, records, str(path))
    return records


def check_records(results: Mapping[str, Any], records: Sequence[Any], source: str) -> None:
    """Records from ``source`` (checked one by one, then against ``results``) that are malformed
    or do not belong to ``results`` are an :class:`AuditError`."""
    for number, record in enumerate(records, start=1):
        try:
            check_record(record, results["model"]["labels"], ())
        except Invalid as exc:
            raise AuditError(f"{source}: record {number}: {exc}") from exc
    _belong(results, records, source)


def _belong(results: Mapping[str, Any], records: Sequence[Mapping[str, Any]], source: str) -> None:
    try:
        check_predictions(results, records)
    except Invalid as exc:
        raise AuditError(f"{source}: predictions do not match the results document: {exc}") from exc
