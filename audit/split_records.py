"""The clean split: its ``results.json`` section, its per-case records made from the held
predictions chunk by chunk, and the few of them the report shows when the rest are streamed to
disk (``stream=True``).

A record is ``{"suite": "test", "id", "text", "label", "pred", "probs"}``: about 0.6 KiB of Python
objects a case beyond the text itself, several times the case's probabilities. :class:`SplitRecords` makes them again
whenever they are iterated, :data:`audit.cache.CHUNK` at a time, so writing ``predictions.jsonl``
holds one chunk of records and writing Parquet one shard (at most
:data:`audit.streaming.SHARD_ROWS` records), not the split.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Any, Iterator, Mapping, Sequence

import numpy as np

from .cache import CHUNK
from .counts import SplitCounts
from .metrics import classification_metrics


def stack_probs(probs_by_text: Mapping[str, np.ndarray], n_labels: int, texts: Sequence[str]) -> np.ndarray:
    """The probabilities of ``texts``, in order, as one ``(len(texts), n_labels)`` array."""
    return np.stack([probs_by_text[t] for t in texts]) if len(texts) else np.zeros((0, n_labels))


@dataclass(frozen=True)
class SplitRecords:
    """The split's records: case ids, texts, gold class indices (None: unlabelled), the model's
    labels, and the predicted probabilities by text."""

    ids: Sequence[str]
    texts: Sequence[str]
    gold: Sequence[int | None]
    labels: Sequence[str]
    probs_by_text: Mapping[str, np.ndarray]

    def __len__(self) -> int:
        return len(self.ids)

    def probs(self, start: int = 0, stop: int | None = None) -> np.ndarray:
        """The probabilities of cases ``start .. stop-1`` as one ``(n, n_labels)`` array: a view
        of the whole split's, stacked once and kept (scoring, the records, group metrics and
        discoveries all read it, and slice discovery needs it whole on every run)."""
        return self._all_probs[start:stop]

    @cached_property
    def _all_probs(self) -> np.ndarray:
        return stack_probs(self.probs_by_text, len(self.labels), self.texts)

    def chunks(self) -> Iterator[list[dict[str, Any]]]:
        """The records, :data:`~audit.cache.CHUNK` cases at a time, in split order."""
        labels = self.labels
        for start in range(0, len(self.ids), CHUNK):
            stop = start + CHUNK
            probs = self.probs(start, stop)
            yield [{"suite": "test", "id": cid, "text": text, "label": labels[g] if g is not None else None,
                    "pred": labels[int(row.argmax())], "probs": [float(x) for x in row]}
                   for cid, text, g, row in zip(self.ids[start:stop], self.texts[start:stop], self.gold[start:stop],
                                                probs)]

    def __iter__(self) -> Iterator[dict[str, Any]]:
        for chunk in self.chunks():
            yield from chunk


def split_section(split: SplitRecords, *, n_resamples: int, seed: int, stream: bool) -> dict[str, Any]:
    """The clean split's section (suite name ``test``): its metrics from the whole split at once
    (:func:`~audit.metrics.classification_metrics`), or with ``stream`` from counts accumulated
    a chunk at a time (:class:`~audit.counts.SplitCounts`, Poisson bootstrap)."""
    labelled = np.array([g is not None for g in split.gold], dtype=bool)
    section: dict[str, Any] = {"kind": "split", "n": int(labelled.sum()), "n_unlabeled": int((~labelled).sum())}
    if not labelled.any():
        return section
    y_true = np.array([g if g is not None else -1 for g in split.gold], dtype=np.int64)
    if not stream:
        probs = split.probs()
        section["metrics"] = classification_metrics(y_true[labelled], probs[labelled].argmax(axis=1), split.labels,
                                                    probs[labelled], n_resamples=n_resamples, seed=seed)
        return section
    counts = SplitCounts(len(split.labels), n_resamples, seed)
    for start in range(0, len(split), CHUNK):
        probs, part = split.probs(start, start + CHUNK), slice(start, start + CHUNK)
        kept = labelled[part]
        counts.add([cid for cid, keep in zip(split.ids[part], kept) if keep], y_true[part][kept],
                   probs[kept].argmax(axis=1), probs[kept])
    section["metrics"] = counts.metrics(split.labels)
    return section


def report_sample(split: SplitRecords, results: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The split's records the report shows, in split order: its most confident errors (found
    chunk by chunk with the report's own :func:`~audit.reporting.views.confident_errors`, on the
    running top ones plus the next chunk), the suspected label issues it lists and the examples
    of the significant slices. The report rendered from these equals the one rendered from every
    record."""
    from .label_issues import N_SHOWN
    from .reporting.views import confident_errors

    issues = (results.get("label_issues") or {}).get("issues") or []
    named = {issue["id"] for issue in issues[:N_SHOWN]}
    for found in (results.get("slices") or {}).get("significant") or []:
        named.update(example["id"] for example in found["examples"])
    errors: list[tuple[int, dict[str, Any]]] = []  # (position in the split, record)
    kept: list[tuple[int, dict[str, Any]]] = []
    position = 0
    for chunk in split.chunks():
        pool = errors + list(enumerate(chunk, start=position))
        top = {error["id"] for error in confident_errors([record for _, record in pool])}
        errors = [(i, record) for i, record in pool if record["id"] in top]
        kept += [(i, record) for i, record in enumerate(chunk, start=position) if record["id"] in named]
        position += len(chunk)
    sample = dict(errors + kept)
    return [sample[i] for i in sorted(sample)]
