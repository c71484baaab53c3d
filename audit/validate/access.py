"""Typed access to a parsed document, and the one error every check raises.

:func:`field` reads a key and checks its kind (a count, a probability, an object ...);
:func:`close` and :func:`equal` compare a stored figure with its recomputation. A failed check is
an :class:`Invalid` naming the key path, which the readers turn into one line: the file, the key
and why.
"""
from __future__ import annotations

import json
from typing import Any, Callable, Mapping

#: Largest difference accepted between a stored figure and its recomputation (float rounding).
TOLERANCE = 1e-9
KeyPath = tuple[Any, ...]


class Invalid(ValueError):
    """A failed check: ``where`` is the key path (``suites.test.metrics.macro_f1.value``)."""

    def __init__(self, where: KeyPath, reason: str) -> None:
        super().__init__(reason)
        self.where = where
        self.reason = reason

    def __str__(self) -> str:
        return f"{dotted(self.where)}: {self.reason}" if self.where else self.reason


def dotted(path: KeyPath) -> str:
    """A key path as written in messages: ``suites.test.metrics.per_class.joy.f1``."""
    return ".".join(str(p) for p in path)


def is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


_KINDS: dict[str, tuple[Callable[[Any], bool], str]] = {
    "str": (lambda v: isinstance(v, str), "a string"),
    "int": (lambda v: isinstance(v, int) and not isinstance(v, bool), "an integer"),
    "count": (lambda v: isinstance(v, int) and not isinstance(v, bool) and v >= 0, "a count (integer >= 0)"),
    "num": (is_number, "a number"),
    "prob": (lambda v: is_number(v) and 0 <= v <= 1, "a number in [0, 1]"),
    "bool": (lambda v: isinstance(v, bool), "true or false"),
    "map": (lambda v: isinstance(v, dict), "an object"),
    "list": (lambda v: isinstance(v, list), "a list"),
    "scalar": (lambda v: v is None or isinstance(v, (str, int, float, bool)), "a string, number or null"),
}


def show(value: Any, width: int = 40) -> str:
    """A value as compact JSON, cut to ``width`` characters."""
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=str)
    return text if len(text) <= width else text[:width - 3] + "..."


def check_kind(value: Any, kind: str, where: KeyPath) -> Any:
    test, name = _KINDS[kind]
    if not test(value):
        shown = show(value) if not isinstance(value, (dict, list)) else f"a {type(value).__name__}"
        raise Invalid(where, f"must be {name}, not {shown}")
    return value


def field(node: Mapping[str, Any], where: KeyPath, key: str, kind: str, *, optional: bool = False,
          nullable: bool = False) -> Any:
    """``node[key]`` checked to be of ``kind`` (see :data:`_KINDS`); a missing optional key and
    a null nullable one give ``None``."""
    if key not in node:
        if optional:
            return None
        raise Invalid(where + (key,), "missing")
    value = node[key]
    if value is None and nullable:
        return None
    return check_kind(value, kind, where + (key,))


def close(stored: Any, computed: float, where: KeyPath, source: str) -> None:
    if not is_number(stored):
        raise Invalid(where, f"must be a number, not {show(stored)}")
    if abs(stored - computed) > TOLERANCE:
        raise Invalid(where, f"is {stored!r} but {source} gives {computed!r}")


def equal(stored: Any, computed: Any, where: KeyPath, source: str) -> None:
    if stored != computed:
        raise Invalid(where, f"is {show(stored, 80)} but {source} gives {show(computed, 80)}")
