"""Inference engines: how the distinct texts an audit needs become probabilities.

An audit's cost is one embarrassingly parallel pass (distinct texts -> probabilities) followed by
cheap scoring. An :class:`Engine` runs that pass and nothing else: the caller
(:func:`audit.cache.predict_unique`) deduplicates, consults the prediction cache, sorts the texts
it still needs longest-first, hands them to :meth:`Engine.run`, and writes every chunk the engine
yields to the cache before asking for the next, so a run that fails midway keeps what finished.

- ``local`` (:class:`~audit.engines.local.LocalEngine`): in this process, in chunks, as always.
- ``ray`` (:class:`~audit.engines.ray_engine.RayEngine`): Ray Data ``map_batches`` over a pool of
  model actors on a local Ray runtime or a cluster (needs the ``ray`` extra).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterator, Protocol, Sequence

import numpy as np

from ..errors import AuditError
from ..model import Classifier

ENGINES = ("local", "ray")


class Engine(Protocol):
    """Probabilities for distinct texts, and what the results should say about where they ran."""

    def run(self, texts: Sequence[str]) -> Iterator[tuple[list[str], np.ndarray]]:
        """Yield ``(texts, probabilities)`` chunks covering ``texts`` (distinct), in any order,
        each as soon as it is finished; raise :class:`AuditError` for what cannot be predicted
        (after yielding everything that could)."""

    def cache_key(self) -> str | None:
        """The prediction cache key of the classifier as the engine runs it (its device may differ
        from the driver's), or None when the classifier is not cacheable."""

    def describe(self) -> dict[str, Any]:
        """``results.json``'s ``run.engine``: the engine's name and settings."""


@dataclass(frozen=True)
class RaySettings:
    """Where and how wide the Ray engine runs.

    ``address``: a Ray cluster (``auto``, ``ray://host:10001``, ...), or None to join a Ray runtime
    already started in this process, else to start a local one sized to the machine. ``actors``:
    model actors (None: one per CPU, or per ``gpus_per_actor`` GPUs). ``gpus_per_actor``: 0 runs
    the actors on CPU; fractions share a GPU between actors.
    """

    address: str | None = None
    actors: int | None = None
    gpus_per_actor: float = 0.0

    def __post_init__(self) -> None:
        if self.actors is not None and self.actors < 1:
            raise AuditError(f"--ray-actors must be at least 1, got {self.actors}")
        if self.gpus_per_actor < 0:
            raise AuditError(f"--ray-gpus-per-actor must not be negative, got {self.gpus_per_actor}")


def check_engine(name: str, ray: RaySettings) -> None:
    """Refuse, before anything is loaded, an unknown engine, Ray settings without the Ray engine,
    and the Ray engine without Ray installed."""
    if name not in ENGINES:
        raise AuditError(f"unknown engine {name!r} (use {' or '.join(ENGINES)})")
    if name != "ray" and ray != RaySettings():
        raise AuditError("--ray-address, --ray-actors and --ray-gpus-per-actor need --engine ray")
    if name == "ray":
        from .ray_engine import require_ray

        require_ray()


def make_engine(name: str, classifier: Classifier, *, ray: RaySettings | None = None, offline: bool = False,
                trust_remote_code: bool = False, allow_pickle: bool = False, progress: bool = True) -> Engine:
    """The engine ``name`` for ``classifier``; the flags are the model-loading rules the Ray
    engine's actors apply as the driver did, and whether Ray Data may show progress bars."""
    if name == "local":
        from .local import LocalEngine

        return LocalEngine(classifier)
    if name == "ray":
        from .ray_engine import RayEngine

        return RayEngine(classifier, ray or RaySettings(), offline=offline, trust_remote_code=trust_remote_code,
                         allow_pickle=allow_pickle, progress=progress)
    raise AuditError(f"unknown engine {name!r} (use {' or '.join(ENGINES)})")
