"""The Ray engine: the inference pass as Ray Data batch inference.

The texts the cache does not hold become a Ray Dataset whose blocks are the local engine's chunks
(:data:`audit.cache.CHUNK` texts in the same longest-first order); ``map_batches`` sends each to
one of a pool of model actors, which runs exactly the batches the local engine would run on it, so
at the same thread count the probabilities are the same to the last bit. Each actor loads the
classifier once, with the same loading code and safety rules as the driver
(:meth:`TransformersClassifier.load`: safetensors only unless pickle is allowed, no remote code
unless asked), and checks that it loaded the same model
(:meth:`~audit.model.TransformersClassifier.cache_key`: weights and tokenizer hashes included)
before predicting anything. The driver streams the finished batches back (``iter_batches``) and
caches each before taking the next, so predictions that finished stay cached whatever fails later.

Failures: an actor whose process dies is replaced by Ray Data and its batch rerun (Ray Data's
actor fault tolerance); an exception inside the model is retried by the actor itself, one text at
a time, and a text whose inference fails twice is reported by name after everything else has been
yielded. Probabilities are float64 end to end, so they reach the cache exactly as the actor
computed them.
"""
from __future__ import annotations

import logging
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Iterator, Mapping, Protocol, Sequence, runtime_checkable

import numpy as np

from .. import cache
from ..errors import AuditError
from ..model import Classifier, TransformersClassifier
from . import RaySettings

INSTALL_HINT = "pip install 'emotion-audit[ray]'"
#: Failed texts named in the error, and characters shown of each.
_SHOWN = 3
_WIDTH = 60
#: How an actor's AuditError appears in the text of Ray's error for an actor that died.
_AUDIT_ERROR = f"{AuditError.__module__}.{AuditError.__qualname__}:"


def require_ray() -> Any:
    """The ``ray`` module with Ray Data, or a one-line error saying how to install it."""
    try:
        import ray
        import ray.data  # Ray Data comes with the ``data`` extra of ray
    except ImportError as exc:
        raise AuditError(f"--engine ray needs Ray Data, which is not installed: {INSTALL_HINT}") from exc
    return ray


@runtime_checkable
class Reloadable(Protocol):
    """A classifier an actor can load again from its files: a Transformers classifier, loaded
    (:class:`~audit.model.TransformersClassifier`) or not yet (:class:`~audit.lazy_model.LazyClassifier`)."""

    model_id: str
    device: str
    dtype: str
    max_length: int
    batch_size: int
    token_budget: int

    def cache_key(self, device: str | None = None) -> str:
        """The prediction cache key, on ``device`` (default: its own)."""


@dataclass(frozen=True)
class LoadSpec:
    """How an actor loads the driver's Transformers classifier, and the cache key it must get."""

    model: str
    device: str
    dtype: str
    max_length: int
    batch_size: int | None
    token_budget: int | None
    offline: bool
    trust_remote_code: bool
    allow_pickle: bool
    cache_key: str

    def load(self) -> TransformersClassifier:
        """Load the classifier as the driver did; refuse one whose cache key differs (other
        weights or tokenizer files on this node, or a fast path the probe turned off here)."""
        clf = TransformersClassifier.load(
            self.model, device=self.device, dtype=self.dtype, max_length=self.max_length,
            batch_size=self.batch_size, token_budget=self.token_budget, offline=self.offline,
            trust_remote_code=self.trust_remote_code, allow_pickle=self.allow_pickle, progress=False)
        if clf.cache_key() != self.cache_key:
            raise AuditError(f"a Ray actor loaded {self.model!r} with cache key {clf.cache_key()[:12]}, but the "
                             f"driver expects {self.cache_key[:12]}: the model files on the worker differ from "
                             f"the driver's")
        return clf


def load_spec(clf: Reloadable, device: str, *, offline: bool, trust_remote_code: bool,
              allow_pickle: bool) -> LoadSpec:
    """The :class:`LoadSpec` for running ``clf`` on ``device``. A local model is named by its
    absolute folder (workers must see the same path: one machine, or a shared file system); a
    Hub id stays an id, so each node resolves it through its own Hub cache."""
    local = Path(clf.model_id).expanduser()
    model = str(local.resolve()) if local.exists() else clf.model_id
    return LoadSpec(model=model, device=device, dtype=clf.dtype, max_length=clf.max_length,
                    batch_size=clf.batch_size if clf.device == device else None,
                    token_budget=clf.token_budget if clf.device == device else None, offline=offline,
                    trust_remote_code=trust_remote_code, allow_pickle=allow_pickle,
                    cache_key=clf.cache_key(device))


def predict_retrying(classifier: Classifier, texts: Sequence[str]) -> tuple[np.ndarray, list[str]]:
    """Probabilities for ``texts`` and, per text, ``""`` or why it failed. A batch that raises is
    retried one text at a time, so one bad text fails alone, after its second attempt; its row of
    probabilities is NaN."""
    texts = list(texts)
    errors = [""] * len(texts)
    try:
        return np.asarray(classifier.predict_proba(texts), dtype=np.float64), errors
    except Exception:  # noqa: BLE001 - any model error: each text gets its own second attempt
        probs = np.full((len(texts), len(classifier.labels)), np.nan)
    for i, text in enumerate(texts):
        try:
            probs[i] = classifier.predict_proba([text])[0]
        except Exception as exc:  # noqa: BLE001 - reported by name on the driver
            errors[i] = _reason(exc)
    return probs, errors


class ModelActor:
    """One Ray Data actor: loads the classifier once (from ``spec``, else the picklable
    ``classifier`` itself travels), then predicts batches of ``{"text"}`` rows into ``{"text",
    "probs", "error"}`` rows."""

    def __init__(self, spec: LoadSpec | None = None, classifier: Classifier | None = None) -> None:
        self.classifier = spec.load() if spec is not None else classifier

    def __call__(self, batch: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
        probs, errors = predict_retrying(self.classifier, [str(t) for t in batch["text"]])
        return {"text": batch["text"], "probs": probs, "error": np.array(errors, dtype=object)}


def collect(batches: Iterable[Mapping[str, np.ndarray]]) -> Iterator[tuple[list[str], np.ndarray]]:
    """The actors' output batches as ``(texts, probs)`` chunks of the texts that succeeded; after
    the last batch, an :class:`AuditError` naming the texts that failed twice, if any."""
    failed: list[tuple[str, str]] = []
    n_done = 0
    for batch in batches:
        texts = [str(t) for t in batch["text"]]
        ok = np.array([not e for e in batch["error"]], dtype=bool)
        failed += [(t, str(e)) for t, e, good in zip(texts, batch["error"], ok) if not good]
        if ok.any():
            n_done += int(ok.sum())
            yield [t for t, good in zip(texts, ok) if good], np.asarray(batch["probs"], dtype=np.float64)[ok]
    if failed:
        shown = ", ".join(f"{_clip(t)} ({e})" for t, e in failed[:_SHOWN])
        more = f" and {len(failed) - _SHOWN} more" if len(failed) > _SHOWN else ""
        raise AuditError(f"inference failed twice (in its batch, then alone) for {len(failed)} text(s): "
                         f"{shown}{more}; the {n_done} predictions that finished are cached")


class RayEngine:
    """Distinct texts -> probabilities on Ray Data actors (see the module docs)."""

    def __init__(self, classifier: Classifier, settings: RaySettings, *, offline: bool = False,
                 trust_remote_code: bool = False, allow_pickle: bool = False, progress: bool = True) -> None:
        self.ray = require_ray()
        self.classifier = classifier
        self.settings = settings
        self.progress = progress
        self.device = "cuda" if settings.gpus_per_actor > 0 else "cpu"
        self.spec = (load_spec(classifier, self.device, offline=offline, trust_remote_code=trust_remote_code,
                               allow_pickle=allow_pickle)
                     if isinstance(classifier, Reloadable) else None)
        #: Actors of the last run (``settings.actors`` or the cluster's default, at most one per chunk).
        self.actors: int | None = settings.actors

    def cache_key(self) -> str | None:
        return self.spec.cache_key if self.spec is not None else None

    def describe(self) -> dict[str, Any]:
        s = self.settings
        return {"name": "ray", "address": s.address, "actors": self.actors, "gpus_per_actor": s.gpus_per_actor,
                "device": self.device, "ray_version": self.ray.__version__}

    def run(self, texts: Sequence[str]) -> Iterator[tuple[list[str], np.ndarray]]:
        if not texts:
            return
        started = self._connect()
        done: set[str] = set()
        try:
            with _ray_data_output(self.ray, self.progress):
                for chunk, probs in collect(self._batches(texts)):
                    done.update(chunk)
                    yield chunk, probs
        except AuditError:
            raise
        except Exception as exc:  # Ray's own errors (lost nodes, dead actors) as one line
            cause = _audit_cause(exc)
            if cause is not None:
                raise cause from exc
            left = [t for t in texts if t not in done]
            raise AuditError(f"Ray inference failed ({_reason(exc)}); {len(left)} of {len(texts)} texts were not "
                             f"predicted, first {_clip(left[0]) if left else '-'}; the {len(done)} predictions "
                             f"that finished are cached") from exc
        finally:
            if started:
                self.ray.shutdown()

    def _connect(self) -> bool:
        """Join the Ray runtime: the one this process already runs, else ``address``, else a new
        local one sized to the machine. True when this call started it (and so stops it)."""
        if self.ray.is_initialized():
            return False
        self.ray.init(address=self.settings.address, include_dashboard=False, log_to_driver=False,
                      logging_level="ERROR")
        return True

    def _batches(self, texts: Sequence[str]) -> Iterator[dict[str, np.ndarray]]:
        """The actors' output batches, streamed as they finish."""
        import pyarrow as pa

        data = self.ray.data
        size = cache.CHUNK
        n_chunks = -(-len(texts) // size)
        # No more actors than chunks: each actor loads the model, and an idle one only costs.
        self.actors = min(self.settings.actors or self._default_actors(), n_chunks)
        # The blocks are made here, one per chunk: a repartition would be a Ray task waiting for a
        # CPU that the actors hold.
        ds = data.from_arrow([pa.table({"text": list(texts[i:i + size])}) for i in range(0, len(texts), size)])
        gpus = self.settings.gpus_per_actor
        # Each actor holds a CPU (it tokenizes, and without a GPU runs the model) and its GPUs.
        load = {"spec": self.spec} if self.spec is not None else {"classifier": self.classifier}
        ds = ds.map_batches(ModelActor, fn_constructor_kwargs=load, batch_size=size, batch_format="numpy",
                            compute=data.ActorPoolStrategy(size=self.actors), num_cpus=1, num_gpus=gpus or None)
        return ds.iter_batches(batch_size=None, batch_format="numpy")

    def _default_actors(self) -> int:
        """One actor per CPU, or per ``gpus_per_actor`` GPUs (at most one per CPU), of the cluster."""
        resources = self.ray.cluster_resources()
        cpus = max(1, int(resources.get("CPU", 1)))
        gpus = self.settings.gpus_per_actor
        if not gpus:
            return cpus
        n = int(resources.get("GPU", 0) // gpus)
        if n < 1:
            raise AuditError(f"--ray-gpus-per-actor {gpus:g}: the Ray cluster has {resources.get('GPU', 0):g} GPU(s)")
        return min(n, cpus)


@contextmanager
def _ray_data_output(ray: Any, progress: bool) -> Iterator[None]:
    """Ray Data's progress bars only when progress is wanted, and none of its log lines below
    errors (the start and end of every execution), for the duration of one run."""
    context = ray.data.DataContext.get_current()
    logger = logging.getLogger("ray.data")
    saved = context.enable_progress_bars, context.print_on_execution_start, logger.level
    context.enable_progress_bars, context.print_on_execution_start = progress, False
    logger.setLevel(logging.ERROR)
    try:
        yield
    finally:
        context.enable_progress_bars, context.print_on_execution_start = saved[:2]
        logger.setLevel(saved[2])


def _audit_cause(exc: BaseException) -> AuditError | None:
    """The :class:`AuditError` an actor raised (a model that fails to load, another model's
    files), found in the chain of Ray's wrapping exceptions, or in the text of an actor that died
    in its constructor (Ray keeps only the text there); None when there is none."""
    seen: set[int] = set()
    node: BaseException | None = exc
    while node is not None and id(node) not in seen:
        if isinstance(node, AuditError):
            return AuditError(" ".join(str(node).split()), exit_code=node.exit_code)
        seen.add(id(node))
        cause = getattr(node, "cause", None)  # a RayTaskError's original exception
        node = node.__cause__ or node.__context__ or (cause if isinstance(cause, BaseException) else None)
    lines = [line.strip() for line in str(exc).splitlines() if line.strip().startswith(_AUDIT_ERROR)]
    return AuditError(lines[-1][len(_AUDIT_ERROR):].strip()) if lines else None


def _reason(exc: BaseException) -> str:
    """An exception as one short line."""
    text = " ".join(str(exc).split())
    return f"{type(exc).__name__}: {text[:200]}" if text else type(exc).__name__


def _clip(text: str) -> str:
    return repr(text[:_WIDTH] + ("…" if len(text) > _WIDTH else ""))
