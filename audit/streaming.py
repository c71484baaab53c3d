"""Per-case predictions as sharded Parquet (``--predictions parquet``), and reading them back.

``predictions.jsonl`` spells every probability out as text and must be read whole; a large audit
is better stored as ``predictions.parquet/``, a folder of shards ``part-00000.parquet`` ... of at
most :data:`SHARD_ROWS` cases each, in the order of ``predictions.jsonl``. Probabilities are
columnar: one float64 column per label (``probs.<label>``, and ``source_probs.<label>`` for suite
cases), so ``SELECT avg("probs.joy")`` needs no parsing. Every other key of a record is a column of
its own type (string, bool, int64, float64), or JSON text where its values are objects or mixed;
each shard's schema metadata says which column holds which key, so reading gives back exactly the
records that ``predictions.jsonl`` would hold (same keys, same values, float64 bits included).
A shard holds records with the same keys only (the split's, then each suite's).

The reader (:func:`read_parquet_records`) is what :func:`audit.validate.read_records` uses for a
Parquet folder, so the report, the card, the gate and compare accept either form beside
``results.json`` (:func:`find_predictions`).
"""
from __future__ import annotations

import json
import os
import secrets
import shutil
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterable, Iterator, Mapping, Sequence

import numpy as np

from .errors import AuditError
from .results import PREDICTIONS_FILE

PARQUET_DIR = "predictions.parquet"
FORMATS = ("jsonl", "parquet")
#: Most cases per shard: bounds the memory of writing and reading one shard.
SHARD_ROWS = 100_000
#: Record keys holding a probability per label (or null), stored one column per label.
PROB_KEYS = ("probs", "source_probs")
_FORMAT = "emotion-audit predictions"
_VERSION = 1
_META = b"emotion_audit"


def find_predictions(results: Path) -> Path:
    """The per-case predictions beside ``results``: ``predictions.jsonl`` when present, else a
    ``predictions.parquet`` folder when present, else the (missing) ``predictions.jsonl`` path."""
    jsonl = results.with_name(PREDICTIONS_FILE)
    parquet = results.with_name(PARQUET_DIR)
    return parquet if not jsonl.exists() and parquet.is_dir() else jsonl


# --- writing ----------------------------------------------------------------------------------

def shards(records: Iterable[Mapping[str, Any]], size: int = SHARD_ROWS) -> Iterator[list[Mapping[str, Any]]]:
    """Consecutive runs of records with the same keys, at most ``size`` each."""
    run: list[Mapping[str, Any]] = []
    keys: tuple[str, ...] | None = None
    for record in records:
        these = tuple(record)
        if run and (these != keys or len(run) >= size):
            yield run
            run = []
        keys = these
        run.append(record)
    if run:
        yield run


def _kind(key: str, values: Sequence[Any], n_labels: int) -> str:
    """How a key's values are stored: ``probs`` (a column per label), or the one Arrow type all
    its non-null values share (``str``, ``bool``, ``int``, ``float``), else ``json``."""
    present = [v for v in values if v is not None]
    if key in PROB_KEYS and all(isinstance(v, list) and len(v) == n_labels and all(
            isinstance(p, float) for p in v) for v in present):
        return "probs"
    for kind, types in (("bool", bool), ("str", str), ("float", float)):
        if all(isinstance(v, types) for v in present):
            return kind
    if all(isinstance(v, int) and not isinstance(v, bool) and abs(v) < 2**63 for v in present):
        return "int"
    return "json"


def shard_table(records: Sequence[Mapping[str, Any]], labels: Sequence[str], index: int, total: int | None) -> Any:
    """One shard (records with the same keys) as an Arrow table, its layout in the schema metadata."""
    import pyarrow as pa

    columns: dict[str, Any] = {}
    layout = []
    for key in records[0]:
        values = [r[key] for r in records]
        kind = _kind(key, values, len(labels))
        if kind == "probs":
            names = [f"{key}.{label}" for label in labels]
            mask = np.array([v is None for v in values])
            matrix = np.array([v if v is not None else [0.0] * len(labels) for v in values], dtype=np.float64)
            for j, name in enumerate(names):
                columns[name] = pa.array(matrix[:, j], type=pa.float64(), mask=mask)
            layout.append({"key": key, "kind": kind, "columns": names})
            continue
        name = _free_name(key, columns)
        arrow = {"bool": pa.bool_(), "str": pa.string(), "float": pa.float64(), "int": pa.int64(), "json": pa.string()}
        if kind == "json":
            values = [None if v is None else json.dumps(v, ensure_ascii=False, sort_keys=True, allow_nan=False)
                      for v in values]
        columns[name] = pa.array(values, type=arrow[kind])
        layout.append({"key": key, "kind": kind, "columns": [name]})
    meta = {"format": _FORMAT, "version": _VERSION, "labels": list(labels), "shard": index, "shards": total,
            "layout": layout}
    return pa.table(columns).replace_schema_metadata({_META: json.dumps(meta).encode()})


def _free_name(key: str, taken: Mapping[str, Any]) -> str:
    """``key`` as a column name, suffixed if a probability column already has that name."""
    name = key
    while name in taken:
        name += "_"
    return name


def write_parquet(folder: Path, records: Iterable[Mapping[str, Any]], labels: Sequence[str]) -> int:
    """Write ``records`` as shards into ``folder`` (which must be empty or new); returns the count.

    Shards are written as they fill, so memory holds one shard; each states its number, and the
    last one also the total, which the reader checks (a folder missing a shard is refused)."""
    import pyarrow.parquet as pq

    folder.mkdir(parents=True, exist_ok=True)
    written = 0
    pending: list[Mapping[str, Any]] | None = None
    for i, shard in enumerate(shards(records)):
        if pending is not None:
            pq.write_table(shard_table(pending, labels, i - 1, None), folder / _shard_name(i - 1))
            written += 1
        pending = shard
    if pending is not None:
        pq.write_table(shard_table(pending, labels, written, written + 1), folder / _shard_name(written))
        written += 1
    return written


def _shard_name(i: int) -> str:
    return f"part-{i:05d}.parquet"


@contextmanager
def staged_parquet(out: Path, records: Iterable[Mapping[str, Any]], labels: Sequence[str]) -> Iterator[None]:
    """Write the shards into a hidden folder of ``out`` first; when the body succeeds, put them in
    place of ``out/predictions.parquet`` and remove a ``predictions.jsonl`` of an earlier run (so the
    readers never pick up stale predictions). A failure leaves the earlier outputs as they were."""
    tag = f"{os.getpid()}.{secrets.token_hex(6)}"
    staged, old = out / f".{PARQUET_DIR}.{tag}.tmp", out / f".{PARQUET_DIR}.{tag}.old"
    target = out / PARQUET_DIR
    try:
        write_parquet(staged, records, labels)
        yield
        if target.exists():
            os.replace(target, old)
        os.replace(staged, target)
        (out / PREDICTIONS_FILE).unlink(missing_ok=True)
    except OSError as exc:
        raise AuditError(f"cannot write {target}: {exc.strerror or exc}") from exc
    finally:
        for path in (staged, old):
            shutil.rmtree(path, ignore_errors=True)


def remove_parquet(out: Path) -> None:
    """Remove ``out/predictions.parquet`` of an earlier run (after writing ``predictions.jsonl``)."""
    shutil.rmtree(out / PARQUET_DIR, ignore_errors=True)


# --- reading ----------------------------------------------------------------------------------

def read_parquet_records(folder: Path, labels: Sequence[str] | None = None) -> Iterator[dict[str, Any]]:
    """The records of a ``predictions.parquet`` folder, shard by shard, as ``predictions.jsonl``
    would hold them. A folder with missing or foreign shards, or with other labels than
    ``labels``, is an :class:`AuditError`."""
    import pyarrow.parquet as pq

    paths = sorted(folder.glob("part-*.parquet"))
    if not paths:
        raise AuditError(f"{folder}: no prediction shards (part-*.parquet)")
    for i, path in enumerate(paths):
        try:
            table = pq.read_table(path)
        except (OSError, ValueError) as exc:  # pyarrow's ArrowInvalid is a ValueError
            raise AuditError(f"{path}: not a readable Parquet file ({' '.join(str(exc).split())[:200]})") from exc
        meta = _metadata(table, path)
        if path.name != _shard_name(i) or meta["shard"] != i or (i == len(paths) - 1) != (meta["shards"] is not None):
            raise AuditError(f"{path}: shard {i} of the predictions is missing or out of place")
        if meta["shards"] is not None and meta["shards"] != len(paths):
            raise AuditError(f"{folder}: holds {len(paths)} shards, but the last one says {meta['shards']}")
        if labels is not None and meta["labels"] != list(labels):
            raise AuditError(f"{path}: predictions for labels {meta['labels']}, but the results have {list(labels)}")
        yield from _records(table, meta, path)


def _metadata(table: Any, path: Path) -> dict[str, Any]:
    raw = (table.schema.metadata or {}).get(_META)
    try:
        meta = json.loads(raw) if raw else None
    except ValueError:
        meta = None
    if not isinstance(meta, dict) or meta.get("format") != _FORMAT:
        raise AuditError(f"{path}: not an emotion-audit predictions shard")
    if meta.get("version") != _VERSION:
        raise AuditError(f"{path}: predictions layout version {meta.get('version')!r} is not supported")
    return meta


def _records(table: Any, meta: Mapping[str, Any], path: Path) -> Iterator[dict[str, Any]]:
    """One shard's rows as record dicts, keys in their written order."""
    try:
        values = {}
        for entry in meta["layout"]:
            cols = [table.column(name).to_pylist() for name in entry["columns"]]
            if entry["kind"] == "probs":
                values[entry["key"]] = [None if row[0] is None else list(row) for row in zip(*cols)]
            elif entry["kind"] == "json":
                values[entry["key"]] = [None if v is None else json.loads(v) for v in cols[0]]
            else:
                values[entry["key"]] = cols[0]
    except (KeyError, TypeError, ValueError) as exc:
        raise AuditError(f"{path}: shard does not match its layout ({exc})") from exc
    keys = list(values)
    for row in zip(*values.values()):
        yield dict(zip(keys, row))
