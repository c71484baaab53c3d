"""Numbers and names in the report's bias section (:mod:`.bias_view`): probability changes and
p-values to the digits they need, group names as prose, section anchors, interval verdicts."""
from __future__ import annotations

import math
import re
from collections.abc import Mapping
from typing import Any

from .badges import excludes_zero


def decimals(value: float | None) -> int:
    """Decimals that show ``value`` with two significant digits, at least 3 and at most 6:
    0.0269 -> 3 (``0.027``), 0.00061 -> 5 (``0.00061``)."""
    if not value:
        return 3
    return min(6, max(3, 1 - math.floor(math.log10(abs(value)))))


def fmt_change(value: float, low: float | None, high: float | None, *, signed: bool = False) -> str:
    """A probability change to :func:`decimals` places with its interval: ``"0.027 [0.020,
    0.034]"`` (``signed``: ``"-0.027 [-0.034, -0.020]"``); without an interval just the value."""
    d = decimals(value)
    text = f"{value:{'+' if signed else ''}.{d}f}"
    if low is not None and high is not None:
        text += f" [{low:.{d}f}, {high:.{d}f}]"
    return text


def fmt_p(p: float | None) -> str:
    """A p-value to two significant digits (``"3.1e-12"``, ``"0.026"``), ``"—"`` when absent."""
    return "—" if p is None else f"{p:.2g}"


def display(group: str) -> str:
    """A group or attribute value as prose: ``african_american`` -> ``african american``."""
    return str(group).replace("_", " ")


def anchor(name: str) -> str:
    """The section id of an attribute or intersection: ``gender x race`` -> ``bias-gender-x-race``."""
    return "bias-" + (re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-") or "attribute")


def interval_verdict(estimate: Mapping[str, Any]) -> bool | None:
    """Whether an estimate's interval excludes 0 (:func:`excludes_zero`); ``None`` without one."""
    if estimate.get("ci_low") is None or estimate.get("ci_high") is None:
        return None
    return excludes_zero(estimate)
