"""Closed forms of the figures scipy and scikit-learn compute, for rechecking a stored file.

``run`` computes Wilson intervals with ``scipy.stats.binomtest`` and the Brier score and log
loss with ``sklearn.metrics`` (:mod:`audit.metrics`). A command that only reads ``results.json``
(gate, report, card, compare) rechecks every stored figure, and importing those libraries for
that alone would cost it over a second, most of the gate's budget; so a reader rechecks against
these formulas, within the tolerance of :func:`audit.validate.access.close`. The tests check
that each equals its library's value on the same inputs.
"""
from __future__ import annotations

import math
from statistics import NormalDist

import numpy as np

from ..metrics import CI_LEVEL


def wilson_interval(successes: int, n: int, level: float = CI_LEVEL) -> tuple[float, float]:
    """Wilson's score interval, ``(2 n p + z^2 +- z sqrt(4 n p (1 - p) + z^2)) / (2 (n + z^2))``
    with ``p = successes / n`` and ``z`` the normal quantile at ``(1 + level) / 2``; exactly 0
    and 1 at the edges and ``(0, 1)`` when ``n`` is 0, as :func:`audit.metrics.proportion_ci`."""
    if n == 0:
        return 0.0, 1.0
    p = successes / n
    z = NormalDist().inv_cdf(0.5 + 0.5 * level)
    denom = 2 * (n + z ** 2)
    center = (2 * n * p + z ** 2) / denom
    delta = z / denom * math.sqrt(4 * n * p * (1 - p) + z ** 2)
    return (0.0 if successes == 0 else center - delta), (1.0 if successes == n else center + delta)


def brier_terms(probs: np.ndarray, y_true: np.ndarray) -> np.ndarray:
    """Each case's multi-class Brier term ``sum_k (p_k - 1[k = gold])^2``."""
    onehot = np.eye(probs.shape[1])[y_true]
    return ((probs - onehot) ** 2).sum(axis=1)


def brier(probs: np.ndarray, y_true: np.ndarray) -> float:
    """Multi-class Brier score: the mean of :func:`brier_terms`."""
    return float(brier_terms(probs, y_true).mean())


def log_loss_terms(probs: np.ndarray, y_true: np.ndarray) -> np.ndarray:
    """Each case's ``-log p_gold``, probabilities clipped to ``[eps, 1 - eps]`` as scikit-learn
    does (eps: float64's machine epsilon)."""
    eps = np.finfo(np.float64).eps
    return -np.log(np.clip(probs[np.arange(len(probs)), y_true], eps, 1 - eps))


def log_loss(probs: np.ndarray, y_true: np.ndarray) -> float:
    """Log loss: the mean of :func:`log_loss_terms`."""
    return float(log_loss_terms(probs, y_true).mean())


def sign_test_p(n_pos: int, n_neg: int) -> float | None:
    """Two-sided exact binomial test at 1/2 of ``n_pos`` positive among ``n_pos + n_neg`` non-zero
    differences, ``min(1, 2 P(X <= min(n_pos, n_neg)))`` summed in integers, as
    ``scipy.stats.binomtest(n_pos, n_pos + n_neg).pvalue`` gives it; None with no non-zero one."""
    n = n_pos + n_neg
    if n == 0:
        return None
    return min(1.0, sum(math.comb(n, k) for k in range(min(n_pos, n_neg) + 1)) / 2 ** (n - 1))
