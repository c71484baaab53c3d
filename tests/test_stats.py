"""The gate's paired tests: McNemar and Holm against statsmodels, the paired bootstrap on worked examples."""
from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from audit.stats import EXACT_BELOW, holm, mcnemar, paired_bootstrap

sm_tables = pytest.importorskip("statsmodels.stats.contingency_tables")
sm_multitest = pytest.importorskip("statsmodels.stats.multitest")


def _statsmodels_mcnemar(b: int, c: int, exact: bool) -> tuple[float, float]:
    result = sm_tables.mcnemar([[50, b], [c, 50]], exact=exact, correction=True)
    return float(result.statistic), float(result.pvalue)


def test_mcnemar_exact_worked_example() -> None:
    # b=3, c=9: p = 2 * P(X <= 3), X ~ Bin(12, 1/2) = 2 * (1 + 12 + 66 + 220) / 4096
    statistic, p = mcnemar(3, 9)
    assert statistic == 3
    assert p == pytest.approx(2 * 299 / 4096)
    assert (statistic, p) == pytest.approx(_statsmodels_mcnemar(3, 9, exact=True))


def test_mcnemar_chi2_worked_example() -> None:
    # b=30, c=10: (|30 - 10| - 1)^2 / 40 = 9.025; chi-square tail with 1 df
    statistic, p = mcnemar(30, 10)
    assert statistic == pytest.approx(9.025)
    assert p == pytest.approx(math.erfc(math.sqrt(9.025 / 2)))
    assert (statistic, p) == pytest.approx(_statsmodels_mcnemar(30, 10, exact=False))


def test_mcnemar_switches_to_chi2_at_25_discordant_pairs() -> None:
    assert EXACT_BELOW == 25
    assert mcnemar(15, 9) == pytest.approx(_statsmodels_mcnemar(15, 9, exact=True))    # b + c = 24
    assert mcnemar(15, 9)[0] == 9  # min(b, c)
    assert mcnemar(16, 9) == pytest.approx(_statsmodels_mcnemar(16, 9, exact=False))  # b + c = 25
    assert mcnemar(16, 9)[0] == pytest.approx(36 / 25)  # (|16 - 9| - 1)^2 / 25


def test_mcnemar_explicit_branch_and_edge_cases() -> None:
    assert mcnemar(30, 10, exact=True) == pytest.approx(_statsmodels_mcnemar(30, 10, exact=True))
    assert mcnemar(3, 9, exact=False) == pytest.approx(_statsmodels_mcnemar(3, 9, exact=False))
    assert mcnemar(0, 0) == (0.0, 1.0)
    assert mcnemar(5, 5)[1] == 1.0
    with pytest.raises(ValueError):
        mcnemar(-1, 3)


@settings(max_examples=150, deadline=None)
@given(b=st.integers(0, 80), c=st.integers(0, 80))
def test_mcnemar_matches_statsmodels(b: int, c: int) -> None:
    if b + c == 0:
        return
    assert mcnemar(b, c) == pytest.approx(_statsmodels_mcnemar(b, c, exact=b + c < EXACT_BELOW), rel=1e-12)


def test_holm_worked_example() -> None:
    # sorted 0.01, 0.03, 0.04 -> 3*0.01, max(0.03, 2*0.03), max(0.06, 1*0.04)
    assert holm([0.01, 0.04, 0.03]) == pytest.approx([0.03, 0.06, 0.06])
    assert holm([]) == []
    assert holm([0.6, 0.5]) == pytest.approx([1.0, 1.0])


@pytest.mark.parametrize("pvalues", [
    [0.001, 0.2, 0.03, 0.04, 0.5],
    [0.05, 0.05, 0.01, 1.0],
    [1e-12, 0.9],
    list(np.random.default_rng(3).uniform(0, 0.2, size=20)),
])
def test_holm_matches_statsmodels(pvalues: list[float]) -> None:
    _, expected, _, _ = sm_multitest.multipletests(pvalues, alpha=0.05, method="holm")
    assert holm(pvalues) == pytest.approx(list(expected))


def _mean_drop(per_case: np.ndarray):
    """Statistic for a per-case drop vector: the mean over each resampled row."""
    return lambda idx: per_case[idx].mean(axis=1)


def test_paired_bootstrap_worked_example() -> None:
    # Two cases, per-case drops 1 and 0. A resample has mean drop 0, 1/2 or 1 with probabilities
    # 1/4, 1/2, 1/4, so P(drop* <= margin 0.5) = 3/4: no evidence the drop exceeds the margin.
    result = paired_bootstrap(_mean_drop(np.array([1.0, 0.0])), 2, margin=0.5, n_resamples=8000, seed=1)
    assert result.drop == 0.5
    assert result.p_value == pytest.approx(0.75, abs=0.015)
    assert (result.ci_low, result.ci_high) == (0.0, 1.0)
    # P(drop* <= 0) = 1/4
    assert paired_bootstrap(_mean_drop(np.array([1.0, 0.0])), 2, margin=0.0, n_resamples=8000,
                            seed=1).p_value == pytest.approx(0.25, abs=0.015)


def test_paired_bootstrap_p_value_bounds() -> None:
    always = _mean_drop(np.ones(50))  # every resample drops by exactly 1
    assert paired_bootstrap(always, 50, margin=0.5, n_resamples=1000).p_value == pytest.approx(1 / 1001)
    assert paired_bootstrap(always, 50, margin=1.0, n_resamples=1000).p_value == 1.0


def test_paired_bootstrap_resamples_cases_jointly() -> None:
    # Two runs that differ on one case only: resampled jointly, no resample can show an
    # improvement, however the rest of the data is drawn.
    rng = np.random.default_rng(0)
    base = rng.integers(0, 2, size=300).astype(float)
    base[0] = 1.0
    new = base.copy()
    new[0] = 0.0
    result = paired_bootstrap(lambda idx: base[idx].mean(axis=1) - new[idx].mean(axis=1), 300,
                              margin=0.0, n_resamples=2000, seed=0)
    assert result.drop == pytest.approx(1 / 300)
    assert result.ci_low >= 0.0
    assert result.p_value > 0.2  # a single case is no evidence


def test_paired_bootstrap_is_seeded_and_chunked() -> None:
    per_case = np.random.default_rng(5).normal(0.02, 0.2, size=6000)
    rows_seen: list[int] = []

    def statistic(idx: np.ndarray) -> np.ndarray:
        rows_seen.append(idx.shape[0])
        return per_case[idx].mean(axis=1)

    first = paired_bootstrap(statistic, 6000, margin=0.0, n_resamples=1500, seed=7)
    assert rows_seen[0] == 1 and sum(rows_seen[1:]) == 1500 and len(rows_seen) > 2  # observed row, then chunks
    assert paired_bootstrap(statistic, 6000, margin=0.0, n_resamples=1500, seed=7) == first
    assert paired_bootstrap(statistic, 6000, margin=0.0, n_resamples=1500, seed=8) != first
    assert first.ci_low < first.drop < first.ci_high
