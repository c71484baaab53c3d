"""Drop checks: the baseline's value minus the run's (for a metric where lower is better, the
other way round), each with a paired test on the same cases, decided together under Holm's
correction into pass, fail or inconclusive.

- rates (accuracy, suite pass rates): McNemar's test on the per-case outcome, H0: both runs have
  the same rate;
- scores (macro, weighted, per-class F1): the paired bootstrap, H0: drop <= margin.

For an inconclusive drop (beyond its margin, not significant) the gate says how many cases would
decide it: :func:`audit.stats.cases_for_power` for the paired test's normal approximation, with
the observed drop beyond H0 as the effect, the observed per-case spread of the paired
differences, :data:`~audit.gate.check.POWER` and the level alpha / m (m tested drop checks),
which is enough for Holm's method whatever the other checks show.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Callable, Mapping, Sequence

import numpy as np

from ..errors import AuditError
from ..metric_registry import METRICS, SPLIT, Metric
from ..policy import Policy
from ..stats import EXACT_BELOW, cases_for_power, holm, mcnemar, paired_bootstrap
from .check import EPS, POWER, Check, Noise
from .runs import Run
from .values import number, targets

Cases = Mapping[str, Mapping[str, Any]]


@dataclass(frozen=True)
class SplitPairs:
    """The labelled test cases of both runs, aligned by case id, as class indices."""

    gold: np.ndarray
    base: np.ndarray
    new: np.ndarray
    n_labels: int

    @classmethod
    def build(cls, base: Run, new: Run) -> SplitPairs:
        labels = base.results["model"]["labels"]
        index = {label: i for i, label in enumerate(labels)}
        pairs = [(o["label"], o["pred"], new.cases[SPLIT][cid]["pred"])
                 for cid, o in base.cases.get(SPLIT, {}).items() if o["label"] is not None]
        try:
            gold, before, after = (np.array([index[p[i]] for p in pairs], dtype=np.int64) for i in range(3))
        except KeyError as exc:
            raise AuditError(f"cannot compare: label {exc} is not one of the model's labels") from exc
        return cls(gold, before, after, len(labels))

    def confusions(self, preds: np.ndarray, idx: np.ndarray) -> np.ndarray:
        """Confusion matrices of the resampled rows ``idx`` (shape ``(rows, n)``) -> ``(rows, k, k)``."""
        k = self.n_labels
        codes = self.gold * k + preds
        flat = codes[idx] + (np.arange(idx.shape[0]) * k * k)[:, None]
        return np.bincount(flat.ravel(), minlength=idx.shape[0] * k * k).reshape(idx.shape[0], k, k)

    def drop_statistic(self, metric: Callable[[np.ndarray], np.ndarray]) -> Callable[[np.ndarray], np.ndarray]:
        """``idx -> metric(baseline) - metric(run)`` on the same resampled cases."""
        return lambda idx: metric(self.confusions(self.base, idx)) - metric(self.confusions(self.new, idx))


def _judged(base: Cases, new: Cases, key: str) -> list[tuple[bool, bool]]:
    """``(baseline, run)`` values of the per-case boolean ``key`` for the cases judged in both."""
    return [(o[key], new[cid][key]) for cid, o in base.items() if o[key] is not None and new[cid][key] is not None]


def discordant(base: Cases, new: Cases, key: str) -> tuple[int, int]:
    """``(b, c)``: cases where only ``base`` / only ``new`` has the per-case boolean ``key``
    (``correct`` or ``passed``) true, among the cases judged in both runs."""
    pairs = _judged(base, new, key)
    return (sum(before and not after for before, after in pairs),
            sum(after and not before for before, after in pairs))


def _mcnemar_test(check: Check, base: Cases, new: Cases, key: str) -> None:
    """McNemar on the per-case boolean ``key`` judged in both runs; the per-case difference
    ``before - after`` (1, 0 or -1) has variance ``(b + c) / n - ((b - c) / n)^2``."""
    n = len(_judged(base, new, key))
    b, c = discordant(base, new, key)
    exact = b + c < EXACT_BELOW
    _, check.p_value = mcnemar(b, c, exact=exact)
    check.method = f"McNemar {'exact' if exact else 'chi2'}, b={b} c={c}"
    spread = (b + c) / n - ((b - c) / n) ** 2 if n else 0.0
    check.noise = Noise(n, math.sqrt(max(spread, 0.0)), 0.0, two_sided=True)


def _score_function(m: Metric, scope: str | None, labels: Sequence[str]) -> Callable[[np.ndarray], np.ndarray]:
    """The metric as a function of stacked confusion matrices, signed so that a larger value is
    better (then baseline minus run is the drop either way)."""
    confusion = m.confusion
    if confusion is None:
        raise ValueError(f"metric {m.name!r} has no confusion-matrix form for the paired bootstrap")
    sign = 1.0 if m.higher_is_better else -1.0
    if scope is None:
        return lambda cm: sign * confusion(cm)
    k = list(labels).index(scope)
    return lambda cm: sign * confusion(cm)[..., k]


def _bootstrap_test(check: Check, pairs: SplitPairs, fn: Callable[[np.ndarray], np.ndarray], policy: Policy) -> None:
    """The paired bootstrap of H0: drop <= margin; its standard error gives the per-case spread."""
    n = len(pairs.gold)
    test = paired_bootstrap(pairs.drop_statistic(fn), n, margin=check.limit,
                            n_resamples=policy.resamples, seed=policy.seed)
    check.p_value = test.p_value
    check.method = (f"paired bootstrap, {test.n_resamples} resamples, "
                    f"95% CI of drop [{test.ci_low:+.4f}, {test.ci_high:+.4f}]")
    check.noise = Noise(n, test.se * math.sqrt(n), check.limit, two_sided=False)


def drop_checks(base: Run, new: Run, policy: Policy) -> list[Check]:
    """The policy's drop checks with their raw p-values (Holm is applied by :func:`decide_drops`)."""
    checks: list[Check] = []
    pairs: SplitPairs | None = None
    for name, rule in policy.drops.items():
        m = METRICS[name]
        for scope, path in targets(base.results, m):
            check = Check("drop", name, scope, rule.severity, rule.limit_for(scope),
                          value=number(new.results, path, "run"), baseline=number(base.results, path, "baseline"))
            if check.value is None or check.baseline is None:
                check.skipped = "no value (no judged cases)"
            elif m.paired_test == "mcnemar":
                suite = SPLIT if m.per == "split" else scope
                _mcnemar_test(check, base.cases.get(suite, {}), new.cases.get(suite, {}), str(m.outcome))
            else:
                pairs = pairs or SplitPairs.build(base, new)
                _bootstrap_test(check, pairs, _score_function(m, scope, base.results["model"]["labels"]), policy)
            checks.append(check)
    return checks


def cases_needed(check: Check, level: float) -> int | None:
    """Cases that would decide ``check``'s drop at :data:`POWER` and ``level`` if the true drop
    were the observed one (None when the paired differences do not vary)."""
    noise = check.noise
    if noise is None or noise.sd <= 0 or check.drop is None or check.drop <= noise.null_drop:
        return None
    n = cases_for_power(check.drop - noise.null_drop, noise.sd, level, POWER, two_sided=noise.two_sided)
    return math.ceil(n)


def decide_drops(checks: Sequence[Check], alpha: float, *, fail_on_inconclusive: bool = False) -> None:
    """Holm-adjust the p-values of all drop checks together, then decide each: beyond its margin
    and adjusted p below ``alpha`` fails; beyond its margin otherwise is inconclusive (and also
    fails with ``fail_on_inconclusive``); within its margin passes."""
    tested = [c for c in checks if c.kind == "drop" and c.p_value is not None]
    level = alpha / max(1, len(tested))
    for check, adjusted in zip(tested, holm([c.p_value for c in tested]), strict=True):
        check.p_adjusted = adjusted
        beyond = check.drop > check.limit + EPS
        check.inconclusive = beyond and adjusted >= alpha
        check.failed = beyond and (adjusted < alpha or fail_on_inconclusive)
        if check.inconclusive:
            check.cases_needed = cases_needed(check, level)
