"""The bias section's two figures, as inline SVG: a forest plot of probability changes and a
dot-and-whisker chart of per-group scores.

Both draw with the report's matplotlib style and serializer (:mod:`audit.reporting.charts`), so
they share its size, fonts, escaping and deterministic ids. Each takes plain sequences (no results schema)
and a ``text``: the numbers the figure shows, written out, which becomes the figure's
``aria-label`` and its ``<title>`` (a screen reader reads it, a pointer shows it).
"""
from __future__ import annotations

from collections.abc import Sequence

from markupsafe import Markup
from matplotlib.axes import Axes

from .chart_store import kept
from .charts import LEVEL_COLOURS, _figure, _to_svg

#: Colour of marks that are shown but not judged (non-significant rows, groups too small).
MUTED = "#8a94a3"


def _whiskers(ax: Axes, xs: Sequence[float], ys: Sequence[float], lows: Sequence[float], highs: Sequence[float],
              *, colour: str, filled: bool) -> None:
    """Dots at ``(xs, ys)`` with horizontal interval whiskers ``[lows, highs]``, as one artist."""
    if not xs:
        return
    ax.errorbar(xs, ys, xerr=[[max(x - lo, 0) for x, lo in zip(xs, lows)],
                              [max(hi - x, 0) for x, hi in zip(xs, highs)]],
                fmt="o", color=colour, ecolor=colour, mfc=colour if filled else "white",
                ms=5, capsize=2.5, lw=1.1)


@kept
def forest_plot(key: str, labels: Sequence[str], values: Sequence[float], lows: Sequence[float],
                highs: Sequence[float], marked: Sequence[bool], *, title: str, xlabel: str,
                notes: Sequence[str], text: str) -> Markup:
    """One row per estimate, top to bottom in the given order: a dot at ``values[i]`` with its
    interval ``[lows[i], highs[i]]``, filled in the fail colour where ``marked`` (e.g. significant),
    hollow and grey otherwise; a dashed line at 0; ``notes[i]`` written at the row's right end
    (the estimate and interval as text)."""
    n = len(labels)
    with _figure(key, (6.8, 0.95 + 0.27 * n)) as fig:
        ax = fig.add_subplot()
        ys = list(range(n))[::-1]
        for flag, colour in ((True, LEVEL_COLOURS["fail"]), (False, MUTED)):
            rows = [i for i in range(n) if bool(marked[i]) is flag]
            _whiskers(ax, [values[i] for i in rows], [ys[i] for i in rows], [lows[i] for i in rows],
                      [highs[i] for i in rows], colour=colour, filled=flag)
        ax.axvline(0, color="#444", lw=0.8, ls="--")
        ax.set_yticks(ys, labels=list(labels))
        ax.set_ylim(-0.7, n - 0.3)
        for y, note in zip(ys, notes):
            ax.annotate(note, (1, y), xycoords=("axes fraction", "data"), xytext=(6, 0),
                        textcoords="offset points", va="center", fontsize=8)
        ax.set_xlabel(xlabel)
        fig.suptitle(title, x=0.01, ha="left", fontsize=10)
        return _to_svg(fig, text)


@kept
def group_dots(key: str, groups: Sequence[str], panels: Sequence[tuple[str, Sequence[tuple[float, float, float] | None]]],
               judged: Sequence[bool], *, title: str, text: str) -> Markup:
    """Per group (one row each, top to bottom), one panel per metric in ``panels`` (``(name,
    [(value, low, high) or None per group])``): a dot with its interval; groups not ``judged``
    (too small) hollow and grey. The x axis of each panel spans its intervals, not 0-1, so
    differences between groups stay visible; its label says so."""
    n = len(groups)
    with _figure(key, (6.8, 1.1 + 0.27 * n)) as fig:
        axes = fig.subplots(1, len(panels), sharey=True, squeeze=False)[0]
        ys = list(range(n))[::-1]
        for ax, (name, cells) in zip(axes, panels):
            for flag, colour in ((True, LEVEL_COLOURS["info"]), (False, MUTED)):
                rows = [i for i in range(n) if cells[i] is not None and bool(judged[i]) is flag]
                _whiskers(ax, [cells[i][0] for i in rows], [ys[i] for i in rows], [cells[i][1] for i in rows],
                          [cells[i][2] for i in rows], colour=colour, filled=flag)
            ax.set_xlabel(f"{name} (axis not from 0)")
            ax.grid(axis="x", color="#e3e6ea", lw=0.6)
        axes[0].set_yticks(ys, labels=list(groups))
        axes[0].set_ylim(-0.7, n - 0.3)
        fig.suptitle(title, x=0.01, ha="left", fontsize=10)
        return _to_svg(fig, text)
