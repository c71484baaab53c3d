"""Paired significance tests for comparing two runs of a classifier on the same cases.

Pure functions used by the regression gate (:mod:`audit.gate`):

- :func:`mcnemar`: McNemar's test on the discordant pairs of a per-case outcome (correct / passed),
  with statsmodels' conventions: the exact two-sided binomial test when ``b + c`` is small, else
  the chi-square statistic with continuity correction.
- :func:`paired_bootstrap`: a one-sided test that a metric's drop exceeds a margin, resampling
  cases jointly for both runs, for metrics such as F1 that are not means of per-case outcomes.
- :func:`cases_for_power`: how many paired cases a test needs to detect a given difference at a
  given power (the gate's figure for an inconclusive drop).
- :func:`holm`: Holm's step-down adjustment of a family of p-values.
- :func:`benjamini_hochberg`: the false-discovery-rate adjustment, for screening many candidates
  (the discovered slices).
"""
from __future__ import annotations

from dataclasses import dataclass
from statistics import NormalDist
from typing import Callable, Sequence

import numpy as np

from .metrics import CI_LEVEL

#: McNemar uses the exact binomial test when the discordant count ``b + c`` is below this.
EXACT_BELOW = 25
#: Resampled index rows per call of the statistic: bounds memory at ~32 MiB of indices.
_CHUNK_CELLS = 1 << 22


def mcnemar(b: int, c: int, exact: bool | None = None) -> tuple[float, float]:
    """McNemar's test of equal marginals from the discordant counts of a paired 2x2 table.

    ``b`` counts cases where only the first run succeeded, ``c`` cases where only the second did.
    ``exact=None`` picks the exact test when ``b + c < EXACT_BELOW``. Follows
    ``statsmodels.stats.contingency_tables.mcnemar`` (``correction=True``), computed with scipy:

    - exact: statistic ``min(b, c)``, p the two-sided exact binomial test of ``min(b, c)`` in
      ``b + c`` trials at 1/2, ``scipy.stats.binomtest(min(b, c), b + c).pvalue``;
    - chi-square: statistic ``(|b - c| - 1)^2 / (b + c)``, p its upper tail with one degree of
      freedom, ``scipy.stats.chi2.sf`` (statsmodels does not clip ``|b - c| - 1`` at zero, and
      neither does this).

    scipy is imported on the first test, so reading a results file does not load it.
    With no discordant pairs the runs agree on every case: statistic 0, p = 1.
    """
    if b < 0 or c < 0:
        raise ValueError(f"discordant counts must be non-negative, got b={b}, c={c}")
    n = b + c
    if exact is None:
        exact = n < EXACT_BELOW
    if n == 0:
        return 0.0, 1.0
    from scipy import stats
    if exact:
        low = min(b, c)
        return float(low), float(stats.binomtest(int(low), int(n)).pvalue)
    statistic = (abs(b - c) - 1) ** 2 / n
    return float(statistic), float(stats.chi2.sf(statistic, 1))


@dataclass(frozen=True)
class BootstrapTest:
    """The outcome of :func:`paired_bootstrap`.

    ``drop`` is the statistic on the observed cases; ``p_value`` tests H0: true drop <= margin
    against H1: true drop > margin; ``ci_low``/``ci_high`` is the percentile interval of the drop
    and ``se`` the standard deviation of the resampled drops (the bootstrap standard error).
    """

    drop: float
    p_value: float
    ci_low: float
    ci_high: float
    n_resamples: int
    se: float = 0.0


def paired_bootstrap(
    statistic: Callable[[np.ndarray], np.ndarray],
    n: int,
    *,
    margin: float,
    n_resamples: int = 2000,
    seed: int = 0,
    level: float = CI_LEVEL,
) -> BootstrapTest:
    """Paired bootstrap test that a drop ``metric(baseline) - metric(new)`` exceeds ``margin``.

    ``statistic(idx)`` receives an integer array of shape ``(rows, n)``, each row one resample of
    case indices, and returns the drop on each row (shape ``(rows,)``), computing both runs'
    metric on the *same* resampled cases: that is what makes the bootstrap paired, so the
    variation the two runs share cancels out. Rows are drawn uniformly with replacement from
    ``numpy.random.default_rng(seed)``; the result depends only on the inputs and the seed.

    The p-value is the percentile-bootstrap p-value of H0: drop <= margin,
    ``(1 + #{resamples with drop* <= margin}) / (n_resamples + 1)``: small when nearly every
    resample still shows a drop beyond the margin. ``p < alpha`` holds exactly when the one-sided
    lower ``1 - alpha`` percentile bound of the drop lies above the margin (up to the +1, which
    keeps the p-value away from 0 as a finite-sample correction).
    """
    if n < 1:
        raise ValueError("paired_bootstrap needs at least one case")
    if n_resamples < 1:
        raise ValueError(f"n_resamples must be positive, got {n_resamples}")
    observed = float(statistic(np.arange(n)[None, :])[0])
    rng = np.random.default_rng(seed)
    rows = max(1, _CHUNK_CELLS // n)
    drops = []
    for start in range(0, n_resamples, rows):
        idx = rng.integers(0, n, size=(min(rows, n_resamples - start), n))
        drops.append(np.asarray(statistic(idx), dtype=np.float64))
    resampled = np.concatenate(drops)
    not_beyond = int(np.sum(resampled <= margin))
    low, high = np.quantile(resampled, [(1 - level) / 2, (1 + level) / 2])
    return BootstrapTest(drop=observed, p_value=(1 + not_beyond) / (n_resamples + 1),
                         ci_low=float(low), ci_high=float(high), n_resamples=n_resamples,
                         se=float(resampled.std(ddof=1)) if n_resamples > 1 else 0.0)


def cases_for_power(effect: float, sd: float, alpha: float, power: float, *, two_sided: bool) -> float:
    """Cases a z-test on paired per-case differences needs to reject H0 with probability
    ``power`` when the true mean difference lies ``effect`` beyond H0's boundary.

    ``sd`` is the standard deviation of one case's difference, so the test's standard error at
    ``n`` cases is ``sd / sqrt(n)``:
    ``n = ((z_{1 - a} + z_{power}) * sd / effect)^2`` with ``a = alpha / 2`` for a two-sided
    test and ``alpha`` for a one-sided one. This is statsmodels'
    ``NormalIndPower().solve_power(effect_size=effect / sd, alpha=alpha, power=power, ratio=0)``
    (its one-sample case); the one-sided solution is the same number, and the two-sided one leaves
    out the chance of rejecting in the wrong tail (under ``Phi(-2 z_{1 - a})``), so it is larger
    than statsmodels' by a relative 1e-5 or less for ``alpha <= 0.05`` (the tests check both).
    """
    if effect <= 0 or sd <= 0:
        raise ValueError(f"cases_for_power needs a positive effect and sd, got {effect} and {sd}")
    if not (0 < alpha < 1 and 0 < power < 1):
        raise ValueError(f"alpha and power must lie in (0, 1), got {alpha} and {power}")
    z = NormalDist()
    z_alpha = z.inv_cdf(1 - alpha / 2 if two_sided else 1 - alpha)
    return ((z_alpha + z.inv_cdf(power)) * sd / effect) ** 2


def holm(pvalues: Sequence[float]) -> list[float]:
    """Holm's step-down adjusted p-values (as ``statsmodels.stats.multitest.multipletests``
    with ``method="holm"``), in the input order.

    With the p-values sorted ascending, ``p_(i)`` (i = 1..m) becomes
    ``max_{j <= i} min(1, (m - j + 1) * p_(j))``; rejecting where the adjusted value is below
    alpha controls the family-wise error rate at alpha under any dependence.
    """
    p = np.asarray(pvalues, dtype=np.float64)
    m = len(p)
    if m == 0:
        return []
    order = np.argsort(p, kind="stable")
    scaled = np.minimum(1.0, (m - np.arange(m)) * p[order])
    adjusted = np.empty(m)
    adjusted[order] = np.maximum.accumulate(scaled)
    return adjusted.tolist()


def benjamini_hochberg(pvalues: Sequence[float]) -> list[float]:
    """Benjamini-Hochberg adjusted p-values in the input order (scipy's
    ``false_discovery_control(method="bh")``; equal to statsmodels' ``multipletests`` with
    ``method="fdr_bh"``).

    With the p-values sorted ascending, ``p_(i)`` (i = 1..m) becomes
    ``min_{j >= i} min(1, m * p_(j) / j)``; rejecting where the adjusted value is below q keeps
    the expected share of false discoveries among the rejections at most q for independent or
    positively dependent tests. Used where many candidates are screened (discovered slices) and a
    few false leads are acceptable, unlike the gate's family-wise Holm correction. Computed here
    in numpy, like :func:`holm`, so checking a results file does not import scipy.
    """
    p = np.asarray(pvalues, dtype=np.float64)
    m = len(p)
    if m == 0:
        return []
    order = np.argsort(p, kind="stable")
    scaled = p[order] * m / np.arange(1, m + 1)
    adjusted = np.empty(m)
    adjusted[order] = np.minimum(np.minimum.accumulate(scaled[::-1])[::-1], 1.0)
    return adjusted.tolist()
