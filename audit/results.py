"""The audit's artifacts: ``results.json`` and ``predictions.jsonl``, written atomically, read back
with validation.

``results.json`` is the one contract the report, the model card and the gate read; its schema is
documented in the README and versioned by :data:`SCHEMA_VERSION` (major.minor: readers accept any
minor version of the major they know).
"""
from __future__ import annotations

import json
import os
import secrets
from pathlib import Path
from typing import Any, Iterable, Iterator, Mapping

from .errors import AuditError

SCHEMA_VERSION = "1.3"
RESULTS_FILE = "results.json"
PREDICTIONS_FILE = "predictions.jsonl"
#: The top-level section that changes between otherwise identical runs (time stamp, durations,
#: cache hits); everything else is byte-identical for the same inputs and seed.
VOLATILE_KEY = "run"

def _unlink(path: str) -> None:
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass


def _file_key(path: Path) -> Any:
    """What makes two paths the same file: the device and inode of an existing file (symlinks
    and hard links included), else the resolved path."""
    resolved = Path(path).expanduser().resolve()
    try:
        st = os.stat(resolved)
    except OSError:
        return str(resolved)
    return (st.st_dev, st.st_ino)


def refuse_overwrite(inputs: Iterable[tuple[str, Path | None]], outputs: Iterable[tuple[str, Path | None]]) -> None:
    """Refuse a command whose output would replace one of its inputs or another of its outputs
    (``report R/results.json -o R/results.json``): ``(option name, path)`` pairs, ``None`` unset."""
    seen: dict[Any, str] = {}
    for name, path in inputs:
        if path is not None:
            seen.setdefault(_file_key(path), f"the input {name}")
    for name, path in outputs:
        if path is None:
            continue
        key = _file_key(path)
        if key in seen:
            raise AuditError(f"{name} {path} is the same file as {seen[key]}; write it to another path")
        seen[key] = f"the output {name}"


def dumps(results: Mapping[str, Any]) -> str:
    """Canonical JSON text of a results document (sorted keys, so equal runs give equal bytes)."""
    return json.dumps(results, indent=2, sort_keys=True, ensure_ascii=False, allow_nan=False) + "\n"


def write_text_atomic(path: Path, text: str) -> None:
    """Atomically replace ``path`` with ``text``."""
    write_texts_atomic({path: text})


def write_texts_atomic(files: Mapping[Path, str | Iterable[str]]) -> None:
    """Write every file to a temporary sibling first, then rename them all into place: a failure
    while writing (a full disk, a value that cannot be written) leaves every earlier file
    untouched and no temporary file. A file's text is a string or an iterable of strings, written
    as they come (so ``predictions.jsonl`` is never held whole in memory)."""
    staged: list[tuple[str, Path]] = []
    path = next(iter(files), Path("."))
    try:
        for path, text in files.items():
            path.parent.mkdir(parents=True, exist_ok=True)
            # Created with mode 0o666 so the process umask applies, as for a plain open().
            tmp = str(path.parent / f".{path.name}.{os.getpid()}.{secrets.token_hex(6)}.tmp")
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
            staged.append((tmp, path))
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                fh.write(text) if isinstance(text, str) else fh.writelines(text)
                fh.flush()
                os.fsync(fh.fileno())
        for tmp, path in staged:
            os.replace(tmp, path)
    except OSError as exc:
        raise AuditError(f"cannot write {path}: {exc.strerror or exc}") from exc
    finally:
        for tmp, _ in staged:
            _unlink(tmp)


def whole_split(records: Iterable[Mapping[str, Any]], results: Mapping[str, Any]) -> Iterator[Mapping[str, Any]]:
    """``records`` as they are taken; when they are exhausted, an :class:`AuditError` unless they
    held one record per case of the split (``suites.test``): the writers stage their files and
    put them in place only after this, so predictions missing part of the split (an audit's
    ``records`` written where its ``per_case()`` was meant) are never written."""
    split = results.get("suites", {}).get("test", {})
    expected = split.get("n", 0) + split.get("n_unlabeled", 0)
    seen = 0
    for record in records:
        seen += record.get("suite") == "test"
        yield record
    if seen != expected:
        raise AuditError(f"predictions hold {seen} of the split's {expected} cases; nothing was written")


def output_texts(out_dir: Path, results: Mapping[str, Any],
                 records: Iterable[Mapping[str, Any]]) -> dict[Path, str | Iterator[str]]:
    """``predictions.jsonl`` and ``results.json``, by path: the predictions as an iterator of their
    lines, made as they are written, so the mapping serves one write (:func:`write_texts_atomic`);
    records that do not hold the whole split are refused (:func:`whole_split`)."""
    lines = (json.dumps(r, ensure_ascii=False, sort_keys=True, allow_nan=False) + "\n"
             for r in whole_split(records, results))
    return {out_dir / PREDICTIONS_FILE: lines, out_dir / RESULTS_FILE: dumps(results)}


def write_outputs(out_dir: Path, results: Mapping[str, Any], records: Iterable[Mapping[str, Any]]) -> None:
    """Write ``predictions.jsonl`` and ``results.json`` together (see :func:`write_texts_atomic`)."""
    write_texts_atomic(output_texts(out_dir, results, records))


def load_results(path: Path | str) -> dict[str, Any]:
    """Read and check a ``results.json`` (:func:`audit.validate.read_results`): other schema
    versions, missing keys, wrong types and figures that do not match their sources are refused."""
    from .validate import read_results

    return read_results(path)


def load_predictions(path: Path | str) -> list[dict[str, Any]]:
    """Read ``predictions.jsonl``, one checked JSON object a line (:func:`audit.validate.read_records`;
    :func:`audit.validate.read_predictions` also checks it against its results)."""
    from .validate import read_records

    return read_records(path)


def validate(doc: Any) -> str | None:
    """The first reason ``doc`` is not a usable results document of this schema, or ``None``
    (:func:`audit.validate.check_results`)."""
    from .validate import Invalid, check_results

    try:
        check_results(doc)
    except Invalid as exc:
        return str(exc)
    return None
