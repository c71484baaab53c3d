"""Scoring a split from counts, chunk by chunk: memory that does not grow with the split.

:func:`audit.metrics.classification_metrics` needs every case at once (its bootstrap draws case
indices from the whole split). :class:`SplitCounts` takes the cases a chunk at a time and keeps
only counts, so a split of millions of texts is scored in the memory of one chunk, and counts of
shards scored apart add up (:meth:`SplitCounts.merge`) to the counts of the whole:

- the confusion matrix, summed per chunk;
- the **Poisson bootstrap** (Hanley & MacGibbon 2006; Chamandy et al. 2012, "Estimating
  uncertainty for massive data streams"): in resample ``r`` case ``i`` counts ``w_ri`` times,
  ``w_ri ~ Poisson(1)`` independently, which approximates the multinomial resampling of ``n``
  cases without knowing ``n``. Resample ``r``'s confusion matrix is ``sum_i w_ri onehot(gold_i,
  pred_i)``, and a metric's interval is the percentile interval of its confusion form
  (:mod:`audit.metric_registry`) over the ``B`` weighted matrices. A resample in which every case
  drew 0 holds no case (probability ``e^-n``: splits of a few cases only) and is left out of the
  percentiles. The weights of a case come from its own generator,
  ``numpy.random.default_rng([seed, case_key(case id)])``, so they do not depend on the chunking,
  the order or the sharding of the cases;
- calibration as sums: per confidence bin the count and the sums of confidence and of correct
  top labels (the ECE of :func:`audit.metrics.reliability_bins`), and the sums of each case's
  Brier term and clipped ``-log p_gold`` (the means scikit-learn's ``brier_score_loss`` and
  ``log_loss`` give, up to float summation order).

Point estimates are the confusion forms of the registry on the summed matrix, which the tests
check equal to scikit-learn's values on the same cases.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any, Sequence

import numpy as np

from .metrics import (ECE_BINS, bin_rows, check_targets, ci_block, headline_metrics_with_ci, metrics_block,
                      micro_f1_from_confusion, prf_from_confusion, top_label_bins)
from .validate.closed_forms import brier_terms, log_loss_terms

#: ``ci.method`` of metrics scored from counts (``classification_metrics`` says "percentile
#: bootstrap over cases": multinomial resamples of the whole split).
POISSON_METHOD = "percentile Poisson bootstrap over cases"


def case_key(case_id: str) -> int:
    """A case id as a 64-bit integer: ``int.from_bytes(hashlib.blake2b(case_id.encode("utf-8"),
    digest_size=8).digest(), "little")``, the part of its generator's seed that names the case."""
    return int.from_bytes(hashlib.blake2b(case_id.encode("utf-8"), digest_size=8).digest(), "little")


def poisson_weights(case_ids: Sequence[str], seed: int, n_resamples: int) -> np.ndarray:
    """``(n_cases, n_resamples)`` int64 weights, row ``i`` drawn as
    ``numpy.random.default_rng([seed, case_key(case_ids[i])]).poisson(1.0, n_resamples)``:
    a function of the seed and the case id alone."""
    out = np.empty((len(case_ids), n_resamples), dtype=np.int64)
    for i, case_id in enumerate(case_ids):
        out[i] = np.random.default_rng([seed, case_key(case_id)]).poisson(1.0, n_resamples)
    return out


@dataclass
class SplitCounts:
    """What scoring a split needs, accumulated chunk by chunk (see the module docstring).

    ``n_resamples=0`` keeps no bootstrap (the intervals are then ``None``)."""

    n_labels: int
    n_resamples: int = 1000
    seed: int = 0
    n_bins: int = ECE_BINS
    confusion: np.ndarray = field(init=False)
    resampled: np.ndarray = field(init=False)
    bin_count: np.ndarray = field(init=False)
    bin_confidence: np.ndarray = field(init=False)
    bin_correct: np.ndarray = field(init=False)
    brier_sum: float = 0.0
    nll_sum: float = 0.0
    n_probs: int = 0

    def __post_init__(self) -> None:
        k = self.n_labels
        self.confusion = np.zeros((k, k), dtype=np.int64)
        self.resampled = np.zeros((self.n_resamples, k * k), dtype=np.int64)
        self.bin_count = np.zeros(self.n_bins, dtype=np.int64)
        self.bin_confidence = np.zeros(self.n_bins)
        self.bin_correct = np.zeros(self.n_bins, dtype=np.int64)

    @property
    def n(self) -> int:
        """Cases added so far."""
        return int(self.confusion.sum())

    def add(self, case_ids: Sequence[str], y_true: Any, y_pred: Any, probs: np.ndarray | None = None) -> None:
        """Count one chunk: gold and predicted class indices (checked as
        :func:`audit.metrics.check_targets` checks them) and, for every chunk or for none, the
        probabilities (``(n, n_labels)``, label order, finite, within [0, 1]). Everything is
        computed and checked before anything is counted, so a refused chunk counts nothing."""
        k = self.n_labels
        y_true, y_pred = check_targets(y_true, y_pred, k)
        if len(case_ids) != len(y_true):
            raise ValueError(f"{len(case_ids)} case ids for {len(y_true)} cases")
        if self.n and (probs is None) != (self.n_probs == 0):
            raise ValueError("probabilities must be given for every chunk or for none")
        codes = y_true * k + y_pred
        confusion = np.bincount(codes, minlength=k * k).reshape(k, k)
        resampled = np.zeros_like(self.resampled)
        if self.n_resamples and len(codes):
            weights = poisson_weights(case_ids, self.seed, self.n_resamples)
            # resample r's count of cell c: the summed weights of the chunk's cases in c (a sum per
            # occupied cell: exact in int64, and far faster than an integer matrix product)
            for cell in np.unique(codes):
                resampled[:, cell] = weights[codes == cell].sum(axis=0)
        calib = self._calibration_sums(probs, y_true) if probs is not None else None
        self.confusion += confusion
        self.resampled += resampled
        if calib is not None:
            count, confidence, correct, brier_sum, nll_sum = calib
            self.bin_count += count
            self.bin_confidence += confidence
            self.bin_correct += correct
            self.brier_sum += brier_sum
            self.nll_sum += nll_sum
            self.n_probs += len(y_true)

    def _calibration_sums(self, probs: Any, y_true: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, float, float]:
        """A chunk's calibration sums: per bin the count, summed confidence and correct top
        labels; the summed Brier terms and clipped ``-log p_gold``."""
        probs = np.asarray(probs, dtype=np.float64)
        if probs.shape != (len(y_true), self.n_labels):
            raise ValueError(f"probs has shape {probs.shape}, expected {(len(y_true), self.n_labels)}")
        if not np.all(np.isfinite(probs)) or probs.min(initial=0.0) < 0 or probs.max(initial=0.0) > 1:
            raise ValueError("probs must be finite probabilities within [0, 1]")
        confidence, correct, bins = top_label_bins(probs, y_true, self.n_bins)
        return (np.bincount(bins, minlength=self.n_bins),
                np.bincount(bins, weights=confidence, minlength=self.n_bins),
                np.bincount(bins, weights=correct, minlength=self.n_bins).astype(np.int64),
                float(brier_terms(probs, y_true).sum()), float(log_loss_terms(probs, y_true).sum()))

    def merge(self, other: SplitCounts) -> SplitCounts:
        """The counts of both (shards of one split scored apart, with the same settings)."""
        if (other.n_labels, other.n_resamples, other.seed, other.n_bins) != (
                self.n_labels, self.n_resamples, self.seed, self.n_bins):
            raise ValueError("cannot merge counts made with other labels, resamples, seed or bins")
        if any(c.n and c.n_probs != c.n for c in (self, other)) and self.n_probs + other.n_probs:
            raise ValueError("cannot merge counts with probabilities and counts without")
        out = SplitCounts(self.n_labels, self.n_resamples, self.seed, self.n_bins)
        for name in ("confusion", "resampled", "bin_count", "bin_confidence", "bin_correct"):
            setattr(out, name, getattr(self, name) + getattr(other, name))
        out.brier_sum, out.nll_sum = self.brier_sum + other.brier_sum, self.nll_sum + other.nll_sum
        out.n_probs = self.n_probs + other.n_probs
        return out

    def metrics(self, labels: Sequence[str]) -> dict[str, Any]:
        """The split's ``metrics`` block, as :func:`audit.metrics.classification_metrics` lays it
        out, with ``ci.method`` :data:`POISSON_METHOD`; calibration when the chunks had
        probabilities. At least one case is required."""
        if len(labels) != self.n_labels:
            raise ValueError(f"{len(labels)} labels for counts of {self.n_labels}")
        if not self.n:
            raise ValueError("no cases were counted")
        cm, k = self.confusion, self.n_labels
        boot = None
        if self.n_resamples:
            boot = self.resampled[self.resampled.sum(axis=1) > 0].reshape(-1, k, k)
        headline = headline_metrics_with_ci(lambda declared: declared.confusion(cm), boot)
        return metrics_block(headline, float(micro_f1_from_confusion(cm)), prf_from_confusion(cm), cm, labels,
                             ci_block(POISSON_METHOD, self.n_resamples, self.seed), self._calibration())

    def _calibration(self) -> dict[str, Any] | None:
        if not self.n_probs:
            return None
        count = self.bin_count
        with np.errstate(invalid="ignore", divide="ignore"):
            accuracy, confidence = self.bin_correct / count, self.bin_confidence / count
        ece, bins = bin_rows(count, accuracy, confidence, self.n)
        return {"ece": ece, "brier": self.brier_sum / self.n, "nll": self.nll_sum / self.n, "n_bins": self.n_bins,
                "bins": bins}
