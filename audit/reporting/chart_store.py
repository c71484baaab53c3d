"""Charts kept between runs: a chart is a pure function of its arguments, so a re-run whose
figures did not change takes each chart's SVG from the artifact store instead of drawing it again.

Drawing is most of what writing the report costs (matplotlib's layout and SVG output: about 2.5 s
of the full reference report's 3.6 s), and a fully cached re-run otherwise draws every chart
again. An entry is keyed by the chart function, its arguments, this package's source and the
matplotlib version, so any change to what a chart shows or how it is drawn finds no entry; it is
checksummed and checked like every artifact (:func:`audit.store.memoized`). ``run`` keeps charts
in its cache folder's ``artifacts.sqlite``; ``report`` and ``card``, which have no cache, draw.
"""
from __future__ import annotations

import functools
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, Callable, Iterator, TypeVar

from markupsafe import Markup

from ..store import ArtifactStore, fingerprint, installed_versions, memoized, package_fingerprint

CHARTS = "chart"
_STORE: ContextVar[ArtifactStore | None] = ContextVar("chart_store", default=None)
Draw = TypeVar("Draw", bound=Callable[..., Markup])


@contextmanager
def charts_kept_in(store: ArtifactStore | None) -> Iterator[None]:
    """Within the block, charts are read from and kept in ``store`` (None: always drawn)."""
    token = _STORE.set(store)
    try:
        yield
    finally:
        _STORE.reset(token)


def _markup(found: Any) -> Markup:
    """A stored chart back as markup; anything but an SVG string is refused (and drawn again)."""
    if not isinstance(found, str) or not found.startswith("<svg"):
        raise ValueError("not a stored chart")
    return Markup(found)


def kept(draw: Draw) -> Draw:
    """``draw``, with its charts kept in the store of the enclosing :func:`charts_kept_in`."""
    @functools.wraps(draw)
    def chart(*args: Any, **kwargs: Any) -> Markup:
        store = _STORE.get()
        key = None if store is None else _key(draw.__qualname__, args, kwargs)
        return memoized(store, CHARTS, key, lambda: draw(*args, **kwargs), encode=str, decode=_markup)
    return chart  # type: ignore[return-value]


def _key(name: str, args: tuple[Any, ...], kwargs: dict[str, Any]) -> str | None:
    """sha256 of the chart's name, arguments, code and matplotlib version; None (draw, keep
    nothing) when an argument is not plain JSON, which a ``str()`` could abbreviate."""
    try:
        return fingerprint({"chart": name, "args": args, "kwargs": kwargs, **_drawn_by()}, strict=True)
    except (TypeError, ValueError):
        return None


@functools.cache
def _drawn_by() -> dict[str, Any]:
    """What draws every chart, the same for a whole process: this package's source and the
    matplotlib version (read once, not once a chart)."""
    return {"code": package_fingerprint(), "versions": installed_versions(("matplotlib",))}
