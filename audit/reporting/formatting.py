"""How the report, the card, the findings and the CLI write the values of ``results.json``.

Scalars for table cells, proportions with their Wilson interval (``fmt_rate``) and scores with
their bootstrap interval (``fmt_score``), and the JSON keys turned into headings. Pure functions of
the values they get; the shapes they recognise are the documented ones (an estimate is ``{"value",
"ci_low", "ci_high"}``, a rate adds ``"successes"`` and ``"n"``).
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

_RATE_KEYS = {"value", "ci_low", "ci_high", "successes", "n"}


def is_interval(value: Any) -> bool:
    """Whether ``value`` is an estimate with an interval: ``{"value", "ci_low", "ci_high", ...}``."""
    return isinstance(value, Mapping) and "value" in value and set(value) <= _RATE_KEYS


def is_leaf(value: Any) -> bool:
    """Whether ``value`` fits in one table cell: a scalar, an interval, or a list of scalars."""
    if isinstance(value, (list, tuple)):
        return all(v is None or isinstance(v, (str, int, float, bool)) for v in value)
    return not isinstance(value, Mapping) or is_interval(value)


def fmt_number(value: Any) -> str:
    """A scalar for a table cell: integers with thousands separators, floats to 4 significant digits."""
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value)


def fmt_rate(rate: Mapping[str, Any] | None, *, counts: bool = True) -> str:
    """A proportion with its Wilson interval and (with ``counts``) its counts:
    ``"92.5% [91.4, 93.7] (1,850/2,000)"``."""
    if not rate or rate.get("value") is None:
        return "—"
    text = f"{100 * rate['value']:.1f}%"
    if rate.get("ci_low") is not None:
        text += f" [{100 * rate['ci_low']:.1f}, {100 * rate['ci_high']:.1f}]"
    if counts and "successes" in rate:
        text += f" ({rate['successes']:,}/{rate['n']:,})"
    return text


def fmt_score(score: Mapping[str, Any] | None, places: int = 4) -> str:
    """A score with its bootstrap interval: ``"0.9255 [0.9135, 0.9370]"``."""
    if not score or score.get("value") is None:
        return "—"
    text = f"{score['value']:.{places}f}"
    if score.get("ci_low") is not None:
        text += f" [{score['ci_low']:.{places}f}, {score['ci_high']:.{places}f}]"
    return text


def fmt_value(value: Any) -> str:
    """Any cell value: intervals (rates with counts as percentages, scores as decimals), lists, scalars."""
    if is_interval(value):
        return fmt_rate(value) if "successes" in value else fmt_score(value)
    if isinstance(value, (list, tuple)):
        return ", ".join(fmt_number(v) for v in value) or "—"
    return fmt_number(value)


def number_of(value: Any) -> float | None:
    """The number in a cell value (an interval's point estimate), or ``None``."""
    value = value.get("value") if is_interval(value) else value
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def title_case(key: str) -> str:
    """A JSON key as a column or row heading: ``"n_judged"`` -> ``"N judged"``."""
    text = str(key).replace("_", " ")
    return text[:1].upper() + text[1:]
