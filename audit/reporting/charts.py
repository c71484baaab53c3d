"""The report's figures: matplotlib charts returned as inline SVG markup with a text alternative.

Each function draws one figure with matplotlib's object API (no pyplot state, no display needed)
and returns a :class:`markupsafe.Markup` string that the HTML template inserts as is. Text is
written as SVG ``<text>`` (``svg.fonttype: none``), which keeps each chart a few kilobytes and lets
the browser use the page's font. Matplotlib escapes every text it writes, so labels from the data
or the model cannot inject markup; math-text parsing is off, so a ``$`` in a label stays literal.

Output is deterministic: the hash salt of the element ids is the chart's ``key``, which also keeps
ids unique when several charts share one HTML page.
"""
from __future__ import annotations

import html
import io
import re
from contextlib import contextmanager
from typing import Iterator, Sequence

import matplotlib
from markupsafe import Markup
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter

from .chart_store import kept

#: Colours of the report's pass / warn / fail / neutral states (also used by the CSS).
LEVEL_COLOURS = {"pass": "#2e7d32", "warn": "#b26a00", "fail": "#c62828", "info": "#4a6fa5"}

_RC = {"svg.fonttype": "none", "text.parse_math": False, "font.size": 9, "font.family": "sans-serif",
       "axes.spines.top": False, "axes.spines.right": False}
_SVG_START = re.compile(r"<svg\b")
_METADATA = re.compile(r"<metadata>.*?</metadata>\s*", re.DOTALL)
_SIZE_ATTRS = re.compile(r'\s(width|height)="[^"]*"')
_ID_ATTR = re.compile(r'\sid="([^"]*)"')
_ID_REF = re.compile(r'#([^\s"\')]+)')


@contextmanager
def _figure(key: str, size: tuple[float, float]) -> Iterator[Figure]:
    """A fresh figure under the report's style; ``key`` salts its SVG ids."""
    with matplotlib.rc_context({**_RC, "svg.hashsalt": key}):
        yield Figure(figsize=size, layout="constrained")


def _to_svg(fig: Figure, title: str) -> Markup:
    """Serialize ``fig`` as an inline ``<svg>`` element that scales with its container, with
    ``title`` (what the chart shows, in words) as its ``aria-label`` and its ``<title>``, so screen
    readers and text search find it.

    The XML prolog, DOCTYPE and the metadata block (creator and date) are dropped: they are not
    needed inline and the date would make equal reports differ. Element ids that nothing refers
    to (``figure_1``, ``text_3`` ...) are dropped too, since every chart would repeat them.
    """
    buf = io.StringIO()
    fig.savefig(buf, format="svg", metadata={"Date": None})
    text = buf.getvalue()
    text = _METADATA.sub("", text[_SVG_START.search(text).start():])
    referenced = set(_ID_REF.findall(text))
    text = _ID_ATTR.sub(lambda m: m.group(0) if m.group(1) in referenced else "", text)
    head, rest = text.split(">", 1)
    head = _SIZE_ATTRS.sub("", head)
    label, text = html.escape(title, quote=True), html.escape(title, quote=False)
    return Markup(f'{head} class="chart" role="img" aria-label="{label}"><title>{text}</title>{rest.strip()}')


@kept
def bar_chart(key: str, labels: Sequence[str], values: Sequence[float], *, title: str, xlabel: str,
              low: Sequence[float | None] | None = None, high: Sequence[float | None] | None = None,
              levels: Sequence[str] | None = None, percent: bool = False,
              limit: float | None = None) -> Markup:
    """Horizontal bars, one per label (top to bottom in the given order), with optional interval
    whiskers ``[low, high]`` and per-bar colours named by level (``pass``/``warn``/``fail``/``info``).

    ``percent`` shows proportions as percentages on a 0-100 axis; otherwise the axis ends at
    ``limit`` (e.g. 1 for a score) or just past the longest bar."""
    n = len(labels)
    scale = 100.0 if percent else 1.0
    colours = [LEVEL_COLOURS[lv] for lv in levels] if levels else LEVEL_COLOURS["info"]
    with _figure(key, (6.4, 0.9 + 0.32 * n)) as fig:
        ax = fig.add_subplot()
        ys = list(range(n))[::-1]
        shown = [v * scale for v in values]
        ax.barh(ys, shown, color=colours, height=0.65)
        if low is not None and high is not None:
            bars = [(y, v, lo, hi) for y, v, lo, hi in zip(ys, shown, low, high) if lo is not None and hi is not None]
            if bars:  # one errorbar call for all the whiskers: the same marks, drawn as one artist
                # clipped at 0: a Wilson bound can sit a rounding error inside its estimate
                ax.errorbar([v for _, v, _, _ in bars], [y for y, _, _, _ in bars], fmt="none",
                            xerr=[[max(v - lo * scale, 0) for _, v, lo, _ in bars],
                                  [max(hi * scale - v, 0) for _, v, _, hi in bars]],
                            color="#222", capsize=3, lw=1)
        right = max([*shown, *(h * scale for h in (high or []) if h is not None), 1e-9])
        ends = [max(v, (h or 0) * scale) for v, h in zip(shown, high or [None] * n)]
        for y, v, end in zip(ys, shown, ends):
            ax.text(end + right * 0.015, y, f"{v:.1f}%" if percent else f"{v:,.4g}", va="center", fontsize=8)
        ax.set_yticks(ys, labels=list(labels))
        ax.set_xlim(0, 112 if percent else (limit if limit is not None else right) * 1.12)
        if percent:
            ax.set_xticks(range(0, 101, 20))
        ax.set_xlabel(xlabel)
        ax.set_title(title, loc="left", fontsize=10)
        return _to_svg(fig, _bar_text(title, labels, shown, low, high, scale, percent))


def _bar_text(title: str, labels: Sequence[str], shown: Sequence[float], low: Sequence[float | None] | None,
              high: Sequence[float | None] | None, scale: float, percent: bool) -> str:
    """A bar chart's numbers in words: ``"title: a 92.0% [88.1, 95.0]; b 40.0%"``."""
    def num(x: float) -> str:
        return f"{x:.1f}" if percent else f"{x:,.4g}"

    bounds = list(zip(low, high)) if low is not None and high is not None else [(None, None)] * len(shown)
    cells = [f"{label} {num(v)}{'%' if percent else ''}"
             + (f" [{num(lo * scale)}, {num(hi * scale)}]" if lo is not None and hi is not None else "")
             for label, v, (lo, hi) in zip(labels, shown, bounds)]
    return f"{title}: " + "; ".join(cells)


@kept
def heatmap(key: str, matrix: Sequence[Sequence[float]], labels: Sequence[str], *, title: str,
            ylabel: str, xlabel: str, percent: bool = False) -> Markup:
    """A square matrix (rows ``ylabel``, columns ``xlabel``) as a blue heat map with each cell's
    value written in it (as a percentage when ``percent``)."""
    n = len(labels)
    side = 1.6 + 0.55 * n
    with _figure(key, (side + 0.6, side)) as fig:
        ax = fig.add_subplot()
        image = ax.imshow(matrix, cmap="Blues", vmin=0, aspect="equal")
        peak = max((max(row) for row in matrix), default=0) or 1
        for i, row in enumerate(matrix):
            for j, value in enumerate(row):
                text = f"{100 * value:.0f}%" if percent else f"{value:,.0f}"
                ax.text(j, i, text, ha="center", va="center", fontsize=8,
                        color="white" if value > peak * 0.55 else "#222")
        ax.set_xticks(range(n), labels=list(labels), rotation=40, ha="right")
        ax.set_yticks(range(n), labels=list(labels))
        ax.set_xlabel(xlabel)
        ax.set_ylabel(ylabel)
        ax.set_title(title, loc="left", fontsize=10)
        ax.spines[:].set_visible(False)
        fig.colorbar(image, ax=ax, shrink=0.8)
        cells = "; ".join(f"{label}: " + ", ".join(f"{other} {100 * v:.0f}%" if percent else f"{other} {v:,.0f}"
                                                   for other, v in zip(labels, row))
                          for label, row in zip(labels, matrix))
        return _to_svg(fig, f"{title}, rows {ylabel}, columns {xlabel}: {cells}")


@kept
def reliability_diagram(key: str, bins: Sequence[dict], *, title: str) -> Markup:
    """Accuracy against mean confidence per confidence bin (bars), the diagonal of perfect
    calibration, and below it the number of cases per bin."""
    with _figure(key, (5.2, 4.6)) as fig:
        top, bottom = fig.subplots(2, 1, sharex=True, height_ratios=[3, 1])
        width = bins[0]["upper"] - bins[0]["lower"] if bins else 0.1
        filled = [b for b in bins if b["count"]]
        centres = [(b["lower"] + b["upper"]) / 2 for b in filled]
        top.bar(centres, [b["accuracy"] for b in filled], width=width * 0.92,
                color=LEVEL_COLOURS["info"], label="accuracy")
        top.scatter([b["confidence"] for b in filled], [b["accuracy"] for b in filled],
                    s=12, color="#222", zorder=3, label="mean confidence")
        top.plot([0, 1], [0, 1], ls="--", color="#888", lw=1, label="perfect calibration")
        top.set_ylim(0, 1)
        top.set_ylabel("accuracy in bin")
        top.legend(loc="upper left", fontsize=8, frameon=False)
        top.set_title(title, loc="left", fontsize=10)
        bottom.bar([(b["lower"] + b["upper"]) / 2 for b in bins], [b["count"] for b in bins],
                   width=width * 0.92, color="#999")
        bottom.set_yscale("symlog")
        bottom.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:,.0f}"))
        bottom.set_ylabel("cases")
        bottom.set_xlabel("top-label confidence")
        bottom.set_xlim(0, 1)
        cells = "; ".join(f"confidence {b['lower']:.2f}-{b['upper']:.2f}: {b['count']:,} cases, accuracy "
                          f"{b['accuracy']:.3f}, mean confidence {b['confidence']:.3f}" for b in filled)
        return _to_svg(fig, f"{title}: {cells}")
