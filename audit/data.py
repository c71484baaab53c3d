"""Loading evaluation data: local files in several formats, or a Hugging Face Hub dataset.

Every loader returns a :class:`Dataset` with raw gold labels as strings (names or integer indices,
exactly as written); mapping them onto the model's label names is :mod:`audit.labels`' job.
Bad input raises :class:`~audit.errors.AuditError` naming the file and line.
"""
from __future__ import annotations

import csv
import hashlib
import io
import json
import math
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Sequence

from . import hub
from .errors import AuditError

#: File endings the local loader understands, in the order a split folder is searched.
LOCAL_FORMATS: tuple[str, ...] = (".txt", ".csv", ".tsv", ".jsonl", ".parquet")
DEFAULT_DATASET = "dair-ai/emotion"
#: Largest CSV/TSV field accepted, in characters (the csv module's default is 131,072): a text is
#: accepted whatever its format, as in ``.txt`` files; token length is bounded by --max-length.
CSV_FIELD_LIMIT = 2**31 - 1
#: Unicode categories a text may consist of and still be empty for a model: controls (NUL ...)
#: and format characters (zero-width spaces and joiners, RTL/LTR marks, BOM), besides whitespace.
_INVISIBLE = frozenset({"Cc", "Cf"})


@dataclass
class Dataset:
    """Texts with optional gold labels and optional group columns.

    ``labels[i]`` is the raw gold label (name or index as text) or ``None`` for an unlabeled row.
    ``label_names`` is the dataset's own ordered label list when it declares one (a Hub
    ``ClassLabel``), else ``None``. ``groups`` maps a group column to its per-row values.
    ``n_empty`` counts rows skipped because their text was empty or whitespace.
    """

    name: str
    split: str | None
    texts: list[str]
    labels: list[str | None]
    label_names: list[str] | None = None
    groups: dict[str, list[str | None]] = field(default_factory=dict)
    n_empty: int = 0

    @property
    def ids(self) -> list[str]:
        """Stable case ids ``<split>-<row>`` (row = position after skipping empty texts)."""
        prefix = self.split or "data"
        return [f"{prefix}-{i}" for i in range(len(self.texts))]

    def sha256(self) -> str:
        """Hash of the texts and raw labels in order: equal hashes mean the same evaluation data."""
        h = hashlib.sha256()
        for text, label in zip(self.texts, self.labels):
            h.update(json.dumps([text, label], ensure_ascii=False).encode())
            h.update(b"\n")
        return h.hexdigest()

    def texts_sha256(self) -> str:
        """Hash of the texts alone, in order: what a reader can recompute from the per-case
        records (they hold the texts and mapped label names, not the raw labels)."""
        return texts_sha256(self.texts)


def texts_sha256(texts: Iterable[str]) -> str:
    """sha256 of ``texts`` in order, one JSON string a line (``results.json``'s
    ``dataset.texts_sha256``, checked against ``predictions.jsonl`` by :mod:`audit.validate`)."""
    h = hashlib.sha256()
    for text in texts:
        h.update(json.dumps(text, ensure_ascii=False).encode())
        h.update(b"\n")
    return h.hexdigest()


def load_data(
    spec: str,
    *,
    split: str = "test",
    text_column: str = "text",
    label_column: str = "label",
    group_columns: Sequence[str] = (),
    offline: bool = False,
    strict: bool = False,
) -> Dataset:
    """Load ``spec`` (a local file or folder, or a Hub dataset id) as a :class:`Dataset`.

    Empty or whitespace-only texts are skipped and counted, or rejected with ``strict``.
    """
    if hub.is_hub_id(spec):
        try:
            rows, label_names = _load_hub(spec, split, offline)
        except AuditError as exc:
            if _looks_local(spec):
                raise AuditError(f"data path not found: {spec} (the path does not exist; it was also tried as "
                                 f"a Hub dataset id: {exc})") from exc
            raise AuditError(f"{exc}; no local path {spec} exists either; {_LOCAL_HINT}") from exc
        name = spec
    else:
        path = Path(spec).expanduser()
        if not path.exists():
            raise AuditError(f"data path not found: {spec}")
        if path.is_dir():
            path = _split_file(path, split)
        else:
            split = path.stem if path.stem in ("train", "validation", "test") else split
        rows, label_names, name = _load_file(path, text_column, label_column), None, str(spec)
    return _to_dataset(rows, name, split, label_names, text_column, label_column, group_columns, strict)


_LOCAL_HINT = ("pass a local path instead: a folder with train/validation/test files, or a "
               f"{'/'.join(e.lstrip('.') for e in LOCAL_FORMATS)} file")


def _looks_local(spec: str) -> bool:
    """Whether a spec that could be a Hub id was more likely meant as a local path: it ends with
    a data file ending, or its folder part exists here (``data/tset.txt``, ``data/split``)."""
    path = Path(spec).expanduser()
    return path.suffix.lower() in LOCAL_FORMATS or (str(path.parent) != "." and path.parent.is_dir())


def is_blank(text: str) -> bool:
    """Whether ``text`` holds nothing a model reads: only whitespace, control characters (NUL
    ...) and invisible format characters (zero-width spaces, RTL/LTR marks, BOM)."""
    return all(c.isspace() or unicodedata.category(c) in _INVISIBLE for c in text)


def _split_file(folder: Path, split: str) -> Path:
    for ending in LOCAL_FORMATS:
        candidate = folder / f"{split}{ending}"
        if candidate.is_file():
            return candidate
    raise AuditError(f"no {split} file in {folder} (looked for {split}{{{','.join(LOCAL_FORMATS)}}})")


def _read_text(path: Path) -> str:
    """Read a file as UTF-8, naming the first line that is not valid UTF-8."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise AuditError(f"cannot read {path}: {exc.strerror or exc}") from exc
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise AuditError(f"{path}: line {line} is not valid UTF-8") from exc
    if not text.strip():
        raise AuditError(f"{path}: file is empty")
    return text


def _lines(text: str) -> list[str]:
    """Lines split at \\n, \\r\\n or \\r only: ``str.splitlines`` also splits at U+2028, U+0085,
    form feeds and other characters that may sit inside a text or a JSON string."""
    return text.replace("\r\n", "\n").replace("\r", "\n").split("\n")


def _load_file(path: Path, text_column: str, label_column: str) -> list[dict[str, Any]]:
    """Rows of a local file as dicts; the format is chosen by the file ending."""
    ending = path.suffix.lower()
    if ending == ".txt":
        return _load_semicolon(path, text_column, label_column)
    if ending in (".csv", ".tsv"):
        return _load_delimited(path, "," if ending == ".csv" else "\t", text_column)
    if ending == ".jsonl":
        return _load_jsonl(path, text_column)
    if ending == ".parquet":
        try:
            import pyarrow.parquet as pq

            names = pq.read_schema(path).names
        except Exception as exc:  # pyarrow raises many types for corrupt files
            raise AuditError(f"{path}: cannot read parquet: {str(exc).splitlines()[0]}") from exc
        _require_unique(names, f"{path}: columns")
        try:
            table = pq.read_table(path)
        except Exception as exc:  # pyarrow raises many types for corrupt files
            raise AuditError(f"{path}: cannot read parquet: {str(exc).splitlines()[0]}") from exc
        return _require_columns(table.to_pylist(), path, table.column_names, text_column)
    raise AuditError(f"{path}: unsupported file type {ending!r} (use one of {', '.join(LOCAL_FORMATS)})")


def _require_unique(names: Iterable[Any], where: str) -> None:
    """Refuse a repeated column or key name: every reader would keep only one of the values
    (the last one, silently), so the file does not say which is meant."""
    seen: set[Any] = set()
    for name in names:
        if name in seen:
            raise AuditError(f"{where}: duplicate name {str(name)!r} (each column or key must appear once)")
        seen.add(name)


def unique_object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """``json`` object hook that refuses duplicate keys (``json.loads`` keeps the last one)."""
    _require_unique((key for key, _ in pairs), "JSON object")
    return dict(pairs)


def _load_jsonl(path: Path, text_column: str) -> list[dict[str, Any]]:
    """One JSON object a line, each with unique keys and valid Unicode strings. A line without
    the text key is malformed (an empty text is written ``""``); when no line has it, the text
    column is misnamed."""
    rows: list[tuple[int, dict[str, Any]]] = []
    for number, line in enumerate(_lines(_read_text(path)), start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line, object_pairs_hook=unique_object)
        except json.JSONDecodeError as exc:
            raise AuditError(f"{path}: line {number}: not valid JSON ({exc.msg})") from exc
        except RecursionError as exc:
            raise AuditError(f"{path}: line {number}: JSON nested too deeply") from exc
        except AuditError as exc:
            raise AuditError(f"{path}: line {number}: {exc}") from exc
        if not isinstance(row, dict):
            raise AuditError(f"{path}: line {number}: expected a JSON object")
        _require_unicode(row, path, number)
        rows.append((number, row))
    if any(text_column in row for _, row in rows):
        for number, row in rows:
            if text_column not in row:
                raise AuditError(f"{path}: line {number}: no {text_column!r} key (keys: "
                                 f"{', '.join(map(str, row)) or 'none'}); write \"\" for an empty text")
    return _require_columns([row for _, row in rows], path, rows[0][1].keys() if rows else [], text_column)


def _load_delimited(path: Path, delimiter: str, text_column: str) -> list[dict[str, Any]]:
    """CSV or TSV rows with a header; malformed quoting is an error naming the line where the
    bad row starts (the csv module's lenient mode would read an unterminated quote as one field
    running to the end of the file). Fields of any length are accepted, as in ``.txt`` files."""
    if csv.field_size_limit() < CSV_FIELD_LIMIT:
        csv.field_size_limit(CSV_FIELD_LIMIT)
    reader = csv.DictReader(io.StringIO(_read_text(path)), delimiter=delimiter, strict=True)
    rows = []
    kind = "CSV" if delimiter == "," else "TSV"
    try:
        _require_unique(reader.fieldnames or [], f"{path}: line 1: {kind} header")
        for row in reader:
            if row.get(text_column) is None and text_column in (reader.fieldnames or []):
                raise AuditError(f"{path}: line {reader.line_num}: row has no {text_column!r} field "
                                 f"(fewer fields than the header)")
            rows.append(row)
    except csv.Error as exc:
        start = reader.line_num + 1  # the row that failed starts after the last one read
        reason = "unterminated quoted field (runs to the end of the file)" if "end of data" in str(exc) else str(exc)
        raise AuditError(f"{path}: line {start}: malformed {kind}: {reason}") from exc
    return _require_columns(rows, path, reader.fieldnames or [], text_column)


def _require_unicode(row: dict[str, Any], path: Path, number: int) -> None:
    """Refuse a JSON string holding a lone surrogate (``"\\ud800"``): valid JSON, but not text
    that can be encoded, tokenized or written back."""
    for key, value in row.items():
        if isinstance(value, str):
            try:
                value.encode("utf-8")
            except UnicodeEncodeError as exc:
                raise AuditError(f"{path}: line {number}: {key!r} holds a lone surrogate "
                                 f"({ascii(value[exc.start])}), which is not valid Unicode") from exc


def _require_columns(rows: list[dict[str, Any]], path: Path, columns: Iterable[str], text_column: str) -> list[dict[str, Any]]:
    columns = list(columns)
    if text_column not in columns:
        raise AuditError(f"{path}: no text column {text_column!r} (columns: {', '.join(map(str, columns))}); "
                         f"use --text-column")
    if not rows:
        raise AuditError(f"{path}: file has no rows")
    return rows


def _load_semicolon(path: Path, text_column: str, label_column: str) -> list[dict[str, Any]]:
    """``text;label`` lines, split on the last semicolon; an optional header names the columns."""
    lines = _lines(_read_text(path))
    rows: list[dict[str, Any]] = []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        if ";" not in line:
            raise AuditError(f"{path}: line {number}: no ';' separating text and label")
        text, label = line.rsplit(";", 1)
        if number == 1 and text.strip().lower() == "text" and label.strip().lower() in ("label", "label_name", label_column):
            continue
        rows.append({text_column: text, label_column: label.strip() or None})
    if not rows:
        raise AuditError(f"{path}: file has no rows")
    return rows


def _load_hub(dataset_id: str, split: str, offline: bool) -> tuple[list[dict[str, Any]], list[str] | None]:
    """Rows of a Hub dataset split and its ClassLabel names (``None`` when it has none)."""
    online = hub.prepare(offline)
    try:
        import datasets

        ds = datasets.load_dataset(dataset_id, split=split)
    except Exception as exc:  # network, missing dataset or split: all end the same way for the user
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        where = "" if online else "the Hub is not reachable or offline mode is on, and it is not cached; "
        raise AuditError(f"cannot load Hub dataset {dataset_id!r} split {split!r}: {where}{reason[:200]}") from exc
    names = None
    for feature in ds.features.values():
        if hasattr(feature, "names"):
            names = list(feature.names)
            break
    return ds.to_list(), names


def _missing(value: Any) -> bool:
    """A missing value: null, or NaN (how pandas and others write a missing cell)."""
    return value is None or (isinstance(value, float) and math.isnan(value))


def _cell(value: Any) -> str | None:
    """A label or group value as text (``None`` when missing or blank); an integral float
    (``1.0``, how pandas writes integer labels in a column with gaps) is the integer."""
    if _missing(value):
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value).strip()
    return text or None


def _to_dataset(
    rows: list[dict[str, Any]],
    name: str,
    split: str | None,
    label_names: list[str] | None,
    text_column: str,
    label_column: str,
    group_columns: Sequence[str],
    strict: bool,
) -> Dataset:
    """Pick the text, label and group columns out of ``rows`` and skip empty texts."""
    if rows and text_column not in rows[0]:
        raise AuditError(f"{name}: no text column {text_column!r} (columns: {', '.join(rows[0])}); use --text-column")
    has_labels = any(label_column in row for row in rows)
    missing = [g for g in group_columns if rows and g not in rows[0]]
    if missing:
        raise AuditError(f"{name}: group column {missing[0]!r} not found (columns: {', '.join(rows[0])})")
    texts: list[str] = []
    labels: list[str | None] = []
    groups: dict[str, list[str | None]] = {g: [] for g in group_columns}
    n_empty = 0
    for number, row in enumerate(rows, start=1):
        text = row.get(text_column)
        if not _missing(text) and not isinstance(text, str):
            raise AuditError(f"{name}: row {number}: text is not a string ({type(text).__name__} {str(text)[:40]!r})")
        if _missing(text) or is_blank(text):
            if strict:
                raise AuditError(f"{name}: row {number}: empty text (remove it, or drop --strict to skip empty texts)")
            n_empty += 1
            continue
        texts.append(text)
        labels.append(_cell(row.get(label_column)) if has_labels else None)
        for g in group_columns:
            groups[g].append(_cell(row.get(g)))
    if not texts:
        raise AuditError(f"{name}: no non-empty texts")
    return Dataset(name=name, split=split, texts=texts, labels=labels, label_names=label_names,
                   groups=groups, n_empty=n_empty)
