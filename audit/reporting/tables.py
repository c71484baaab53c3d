"""Generic tables for the parts of ``results.json`` whose shape a suite chooses: its ``extra``
figures, its breakdowns, and the provenance key/value lists.

A table view is ``{"title", "columns", "rows", "levels"}``: headings, rows of formatted cells and
an optional badge level per row, which the template's ``show_table`` macro renders. Everything here
is pure. Sections with a documented shape (the bias audit, the headline metrics, the suites'
summary) have their own views and are not rendered through this guesswork.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from .formatting import fmt_value, is_interval, is_leaf, title_case


def table(columns: Sequence[str], rows: Sequence[Sequence[str]], *, title: str = "",
          levels: Sequence[str] | None = None) -> dict[str, Any]:
    """A table view: headings, rows of formatted cells, optional badge level per row."""
    return {"title": title, "columns": list(columns), "rows": [list(r) for r in rows],
            "levels": list(levels) if levels is not None else None}


def row_leaves(row: Mapping[str, Any]) -> dict[str, Any]:
    """The cell values of a summary row: its own leaves plus the leaves of a ``metrics`` entry
    (headline scores of a group or breakdown), leaving out matrices and per-class tables."""
    cells = {k: v for k, v in row.items() if is_leaf(v)}
    nested = row.get("metrics")
    if isinstance(nested, Mapping):
        cells.update({k: v for k, v in nested.items() if is_leaf(v) and k not in cells})
    if {"value", "ci_low", "ci_high"} <= cells.keys():  # an estimate with more fields: one cell for it
        cells["value"] = {k: cells.pop(k) for k in ("value", "ci_low", "ci_high")}
    return cells


def grid(rows: Mapping[str, Mapping[str, Any]], *, first: str = "", title: str = "",
         levels: Sequence[str] | None = None) -> dict[str, Any]:
    """One table row per entry of ``rows``; the columns are the union of the rows' leaf keys."""
    cells = {name: row_leaves(row) for name, row in rows.items()}
    keys = sorted(dict.fromkeys(k for row in cells.values() for k in row), key=lambda k: not _is_count(k))
    return table([first, *map(title_case, keys)],
                 [[str(name), *(fmt_value(row.get(k)) for k in keys)] for name, row in cells.items()],
                 title=title, levels=levels)


def _is_count(key: str) -> bool:
    """Count columns (``n``, ``n_judged`` ...) go first in grids."""
    return key == "n" or key.startswith("n_")


def _join(prefix: str, key: Any) -> str:
    return f"{prefix} / {title_case(key)}" if prefix else title_case(key)


def _listed(items: Sequence[Any]) -> dict[str, Any] | None:
    """A list of mappings as ``{name: row}``: named by their ``name`` or ``group`` field (then
    left out of the row), else by position."""
    if not items or not all(isinstance(x, Mapping) for x in items):
        return None
    out = {}
    for i, row in enumerate(items):
        key = next((k for k in ("name", "group") if k in row), None)
        out[str(row[key]) if key else str(i + 1)] = {k: v for k, v in row.items() if k != key}
    return out


def _is_row(value: Any) -> bool:
    """A mapping of cell values: one table row."""
    return isinstance(value, Mapping) and not is_interval(value) and all(map(is_leaf, value.values()))


def _is_entities(value: Any) -> bool:
    """A mapping of named rows, each with some cells and possibly flat mappings (e.g. groups with
    per-class scores): shown by :func:`entity_tables`."""
    return isinstance(value, Mapping) and bool(value) and all(
        isinstance(row, Mapping) and any(map(is_leaf, row.values()))
        and all(is_leaf(v) or _is_row(v) for v in row.values()) for row in value.values())


def entity_tables(rows: Mapping[str, Mapping[str, Any]], *, title: str = "", first: str = "") -> list[dict[str, Any]]:
    """A grid of the rows' cells, then one grid per flat mapping the rows share (rows by columns,
    e.g. groups by classes for ``per_class_f1``)."""
    out = [grid(rows, first=first, title=title)] if any(map(row_leaves, rows.values())) else []
    shared = dict.fromkeys(k for row in rows.values() for k, v in row.items() if k != "metrics" and _is_row(v))
    for key in shared:
        out.append(grid({name: row[key] for name, row in rows.items() if _is_row(row.get(key))},
                        first=first, title=_join(title, key)))
    return out


def blocks(value: Any, title: str = "") -> list[dict[str, Any]]:
    """Tables showing an arbitrary JSON value (a suite's ``extra``).

    The leaves of a mapping go in one key/value table, its flat entries in one grid, mappings of
    rows in :func:`entity_tables`; anything deeper recurses with its path as the table title.
    """
    if isinstance(value, (list, tuple)) and not is_leaf(value):
        value = _listed(value) or {str(i + 1): v for i, v in enumerate(value)}
    if is_leaf(value):
        return [table(["", "Value"], [[title or "Value", fmt_value(value)]])]
    leaves = {k: v for k, v in value.items() if is_leaf(v)}
    rows = {k: v for k, v in value.items() if k not in leaves and _is_row(v)}
    out = [table(["", "Value"], [[title_case(k), fmt_value(v)] for k, v in leaves.items()], title=title)] if leaves else []
    if rows:
        out.append(grid(rows, title=title))
    for key, sub in value.items():
        if key not in leaves and key not in rows:
            path = _join(title, key)
            out += entity_tables(sub, title=path) if _is_entities(sub) else blocks(sub, path)
    return out


def flatten(value: Mapping[str, Any], prefix: str = "") -> list[tuple[str, str]]:
    """``(dotted key, formatted value)`` for every leaf of a nested mapping (provenance tables)."""
    out: list[tuple[str, str]] = []
    for key, sub in value.items():
        name = f"{prefix}.{key}" if prefix else str(key)
        if isinstance(sub, Mapping) and not is_interval(sub):
            out += flatten(sub, name)
        else:
            out.append((name, fmt_value(sub)))
    return out
