"""Reading the checked values out of a results document, where the metric registry says they are."""
from __future__ import annotations

from typing import Any, Mapping, Sequence

from ..errors import AuditError
from ..metric_registry import SPLIT, Metric


def lookup(doc: Any, path: Sequence[str]) -> Any:
    """The value at ``path`` in nested mappings, or None when any step is missing."""
    node: Any = doc
    for key in path:
        if not isinstance(node, Mapping) or key not in node:
            return None
        node = node[key]
    return node


def is_number(value: Any) -> bool:
    """A JSON number (``bool`` is not one, though Python counts it as an ``int``)."""
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def targets(results: Mapping[str, Any], m: Metric) -> list[tuple[str | None, tuple[str, ...]]]:
    """``(scope, path of the value)`` for each instance of a split, class or suite metric on a
    results document: once for the split, once per label, once per suite other than the split."""
    if m.per == "split":
        return [(None, m.path_for())]
    if m.per == "class":
        return [(label, m.path_for(label)) for label in results["model"]["labels"]]
    if m.per == "suite":
        return [(suite, m.path_for(suite)) for suite in results["suites"] if suite != SPLIT]
    raise ValueError(f"no targets for metric {m.name!r} (per {m.per})")


def number(doc: Mapping[str, Any], path: Sequence[str], who: str) -> float | None:
    """A metric value (None when it was not computed, e.g. a suite with no judged cases).

    A missing key means the document lacks the metric: the runs cannot be compared.
    """
    parent = lookup(doc, path[:-1])
    if not isinstance(parent, Mapping) or path[-1] not in parent:
        raise AuditError(f"cannot compare: the {who} has no {'.'.join(path)}")
    value = parent[path[-1]]
    if value is not None and not is_number(value):
        raise AuditError(f"cannot compare: {who} {'.'.join(path)} is not a number ({value!r})")
    return None if value is None else float(value)
