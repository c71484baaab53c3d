"""The gate's three-way decision (PASS / FAIL / INCONCLUSIVE), the power figure of an inconclusive
drop (checked against statsmodels), and the metric registry the policy and the gate read."""
from __future__ import annotations

import dataclasses
import math
from pathlib import Path

import numpy as np
import pytest
from sklearn.metrics import accuracy_score, f1_score
from statsmodels.stats.power import NormalIndPower
from test_gate import (LABELS, N, _assert_junit_well_formed, _base_pred, _gate, _noisy_pred, _write_policy,
                       synthetic_runs)

from audit.gate import Check, GateResult, Noise, SplitPairs, load_baseline, load_run, markdown_summary, run_gate
from audit.gate.drops import _score_function, cases_needed
from audit.metric_registry import METRICS, metric
from audit.metrics import confusion_counts
from audit.policy import DROP_CHECKS, FLOOR_CHECKS, SCOPED_CHECKS, Policy, load_policy, parse_policy
from audit.stats import cases_for_power

POWER = 0.8


@pytest.fixture(autouse=True)
def _not_in_actions(monkeypatch: pytest.MonkeyPatch) -> None:
    """The human table is printed unless GITHUB_ACTIONS is true; tests choose explicitly."""
    monkeypatch.delenv("GITHUB_ACTIONS", raising=False)


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The synthetic runs of the gate tests and their baseline."""
    return synthetic_runs(tmp_path_factory.mktemp("runs"))


def _solve(effect_size: float, alpha: float, alternative: str) -> float:
    """statsmodels' sample size of a one-sample z-test (``ratio=0``) at 80% power."""
    return NormalIndPower().solve_power(effect_size=effect_size, alpha=alpha, power=POWER, ratio=0,
                                        alternative=alternative)


# --- the power calculation ------------------------------------------------------------------

@pytest.mark.parametrize("alpha", [0.05, 0.01, 0.05 / 9, 0.05 / 40])
@pytest.mark.parametrize("effect_size", [0.01, 0.07, 0.3, 1.0])
def test_cases_for_power_is_statsmodels_normal_power(alpha: float, effect_size: float) -> None:
    sd = 0.4  # any spread: only effect / sd matters
    one_sided = cases_for_power(effect_size * sd, sd, alpha, POWER, two_sided=False)
    assert one_sided == pytest.approx(_solve(effect_size, alpha, "larger"), rel=1e-6)  # statsmodels' solver tolerance
    two_sided = cases_for_power(effect_size * sd, sd, alpha, POWER, two_sided=True)
    assert two_sided == pytest.approx(_solve(effect_size, alpha, "two-sided"), rel=1e-5)  # leaves out the far tail


def test_cases_for_power_hand_worked() -> None:
    # ((z_0.975 + z_0.8) / 0.1)^2 = ((1.959964 + 0.841621) / 0.1)^2 = 784.888
    assert cases_for_power(0.01, 0.1, 0.05, 0.8, two_sided=True) == pytest.approx(784.888, abs=1e-3)
    with pytest.raises(ValueError):
        cases_for_power(0.0, 0.1, 0.05, 0.8, two_sided=True)
    with pytest.raises(ValueError):
        cases_for_power(0.01, 0.0, 0.05, 0.8, two_sided=True)


def test_cases_needed_of_a_check() -> None:
    """Hand-worked: a drop of 0.01 with a per-case sd of 0.1 needs 785 cases (two-sided, 0.05); a
    bootstrap check counts the drop beyond its margin; no spread gives no figure."""
    check = Check("drop", "accuracy", None, "error", 0.005, value=0.89, baseline=0.9, noise=Noise(1000, 0.1, 0.0, True))
    assert cases_needed(check, 0.05) == 785
    score = Check("drop", "macro_f1", None, "error", 0.005, value=0.88, baseline=0.9,
                  noise=Noise(1000, 0.1, 0.005, False))
    assert cases_needed(score, 0.05) == math.ceil(((1.6448536 + 0.8416212) * 0.1 / 0.015) ** 2)  # 275
    flat = Check("drop", "accuracy", None, "error", 0.005, value=0.0, baseline=1.0, inconclusive=True,
                 noise=Noise(3, 0.0, 0.0, True))
    assert cases_needed(flat, 0.05) is None and "cannot be estimated" in flat.message()


# --- INCONCLUSIVE on a synthetic pair of runs ------------------------------------------------

def test_drop_beyond_margin_not_significant_is_inconclusive(runs: dict[str, Path], tmp_path: Path,
                                                            capsys: pytest.CaptureFixture) -> None:
    """The noisy run loses 3 correct cases and gains 2: an accuracy drop of 1/600 beyond a margin
    of 0.001, McNemar p = 1. Exit 0 by default, 1 with --fail-on-inconclusive."""
    policy = _write_policy(tmp_path / "p.yaml", lambda d: d["drops"]["accuracy"].update(max_drop=0.001))
    junit, summary = tmp_path / "gate.xml", tmp_path / "gate.md"
    assert _gate(runs, runs["noisy"], "--policy", str(policy), "--junit", str(junit), "--summary", str(summary)) == 0
    out = capsys.readouterr().out
    row = next(line for line in out.splitlines() if line.startswith("drop:accuracy "))
    assert row.endswith("INCONCLUSIVE")
    assert out.splitlines()[-1].startswith("gate INCONCLUSIVE: 1 drop(s) beyond the margin but not significant "
                                           "(drop:accuracy)")

    result = run_gate(load_baseline(runs["baseline"]), load_run(runs["noisy"]), load_policy(policy))
    check = next(c for c in result.checks if c.name == "drop:accuracy")
    assert check.verdict == "inconclusive" and not check.failed and result.exit_code == 0
    # the paired differences: 3 cases of +1, 2 of -1, 595 of 0; the family has 9 tested drops
    delta, sd = 1 / N, math.sqrt(5 / N - (1 / N) ** 2)
    assert check.noise.sd == pytest.approx(sd) and check.noise.n == N
    m = sum(c.p_value is not None for c in result.checks)
    assert m == 9 and result.power_level == pytest.approx(0.05 / 9)
    assert check.cases_needed == math.ceil(_solve(delta / sd, 0.05 / 9, "two-sided"))
    assert f"about {check.cases_needed:,} cases would decide it at 80% power (600 now)" in out

    root = _assert_junit_well_formed(junit, expect_failures=0)
    skipped = root.find(".//testcase[@name='drop:accuracy']/skipped")
    assert skipped is not None and skipped.get("message").startswith("INCONCLUSIVE: drop:accuracy: 0.9000 -> 0.8983")
    assert f"cases_needed={check.cases_needed}" in skipped.text
    text = summary.read_text()
    assert text.startswith("## emotion-audit gate: ❔ 1 inconclusive check(s)") and "❔ inconclusive |" in text

    assert _gate(runs, runs["noisy"], "--policy", str(policy), "--fail-on-inconclusive", "--junit", str(junit)) == 1
    out = capsys.readouterr().out
    assert "counted as a failure (--fail-on-inconclusive)" in out
    assert "gate FAIL: 1 failed check(s) (drop:accuracy)" in out
    failure = _assert_junit_well_formed(junit, expect_failures=1).find(".//testcase[@name='drop:accuracy']/failure")
    assert failure is not None and "inconclusive" in failure.get("message")


def test_inconclusive_is_a_warning_annotation(runs: dict[str, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                             capsys: pytest.CaptureFixture) -> None:
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    policy = _write_policy(tmp_path / "p.yaml", lambda d: d["drops"]["accuracy"].update(max_drop=0.001))
    assert _gate(runs, runs["noisy"], "--policy", str(policy)) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("::warning title=emotion-audit gate%3A drop%3Aaccuracy::")
    assert "inconclusive: beyond the margin but not significant" in lines[0]
    assert not any(line.startswith("::error") for line in lines) and lines[-1].startswith("gate INCONCLUSIVE")


def test_inconclusive_warning_check_never_fails(runs: dict[str, Path], tmp_path: Path) -> None:
    policy = _write_policy(tmp_path / "p.yaml",
                           lambda d: d["drops"]["accuracy"].update(max_drop=0.001, severity="warning"))
    assert _gate(runs, runs["noisy"], "--policy", str(policy), "--fail-on-inconclusive") == 0


def _bootstrap_drops(order: list[int], idx: np.ndarray) -> np.ndarray:
    """Macro F1 (scikit-learn) of the baseline minus the noisy run on each resample ``idx`` of
    positions in ``order`` (case numbers in the order the gate pairs them)."""
    gold = np.array([i % 6 for i in order])
    base = np.array([LABELS.index(_base_pred(i)) for i in order])
    noisy = np.array([LABELS.index(_noisy_pred(i)) for i in order])
    return np.array([f1_score(gold[row], base[row], average="macro") - f1_score(gold[row], noisy[row], average="macro")
                     for row in idx])


def test_bootstrap_power_figure_uses_the_bootstrap_standard_error(runs: dict[str, Path]) -> None:
    """A macro F1 drop beyond a tiny margin, not significant: the cases needed follow from the
    bootstrap standard error, recomputed here with scikit-learn on the same resamples, and
    statsmodels' one-sided power at the same effect size."""
    policy = parse_policy({"version": 1, "bootstrap": {"resamples": 1000, "seed": 3},
                           "drops": {"macro_f1": {"max_drop": 0.001}}}, "inline")
    baseline = load_baseline(runs["baseline"])
    result = run_gate(baseline, load_run(runs["noisy"]), policy)
    (check,) = result.checks
    assert check.verdict == "inconclusive" and check.drop > 0.001 and check.p_adjusted >= 0.05
    order = [int(cid.removeprefix("test-")) for cid in baseline.cases["test"]]
    drops = _bootstrap_drops(order, np.random.default_rng(3).integers(0, N, size=(1000, N)))
    sd = drops.std(ddof=1) * math.sqrt(N)
    assert check.noise.sd == pytest.approx(sd, rel=1e-9) and check.noise.null_drop == 0.001
    assert check.cases_needed == math.ceil(_solve((check.drop - 0.001) / sd, 0.05, "larger"))


def test_drop_within_margin_passes_whatever_its_p_value(runs: dict[str, Path]) -> None:
    policy = parse_policy({"version": 1, "drops": {"accuracy": {"max_drop": 0.5}}}, "inline")
    (check,) = run_gate(load_baseline(runs["baseline"]), load_run(runs["worse"]), policy).checks
    assert check.p_adjusted < 1e-6 and check.verdict == "pass" and check.cases_needed is None


def test_summary_and_table_rank_inconclusive_after_failures() -> None:
    failed = Check("drop", "accuracy", None, "error", 0.01, value=0.8, baseline=0.9, p_value=1e-5, p_adjusted=1e-4,
                   method="McNemar chi2, b=90 c=10", failed=True)
    undecided = Check("drop", "macro_f1", None, "error", 0.02, value=0.85, baseline=0.9, p_value=0.3, p_adjusted=0.3,
                      method="paired bootstrap", inconclusive=True, cases_needed=4321)
    passed = Check("floor", "accuracy", None, "error", 0.5, value=0.8)
    result = GateResult([passed, undecided, failed], Policy({}, {}), "run.json", "base.json")
    rows = [line for line in markdown_summary(result).splitlines() if line.startswith("| `")]
    assert [row.split("`")[1] for row in rows] == ["drop:accuracy", "drop:macro_f1", "floor:accuracy"]
    assert "about 4,321 cases would decide it" in rows[1]
    assert result.headline().startswith("gate FAIL: 1 failed check(s) (drop:accuracy); 0 warning(s), 1 inconclusive")


# --- the metric registry -------------------------------------------------------------------

def test_policy_checks_come_from_the_registry() -> None:
    assert FLOOR_CHECKS == {name: ("max" if name == "group_gap" else "min") for name in METRICS}
    assert set(DROP_CHECKS) == {"accuracy", "macro_f1", "weighted_f1", "per_class_f1", "suite_pass_rate"}
    assert set(SCOPED_CHECKS) == {"per_class_f1", "suite_pass_rate", "group_gap"}
    assert {m.paired_test for m in METRICS.values() if m.kind == "rate" and m.paired_test} == {"mcnemar"}
    assert {m.paired_test for m in METRICS.values() if m.kind == "score" and m.paired_test} == {"bootstrap"}
    with pytest.raises(KeyError, match="unknown metric 'recall'"):
        metric("recall")


def test_registry_confusion_functions_are_scikit_learns() -> None:
    rng = np.random.default_rng(0)
    gold, pred = rng.integers(0, 6, 300), rng.integers(0, 6, 300)
    pred[:150] = gold[:150]
    cm = confusion_counts(gold, pred, 6)
    assert metric("accuracy").confusion(cm) == pytest.approx(accuracy_score(gold, pred))
    for name, average in (("macro_f1", "macro"), ("weighted_f1", "weighted")):
        assert metric(name).confusion(cm) == pytest.approx(f1_score(gold, pred, average=average))
    np.testing.assert_allclose(metric("per_class_f1").confusion(cm), f1_score(gold, pred, average=None))


def test_lower_is_better_metric_turns_every_side() -> None:
    """The group gap is better when lower: its floor is a maximum and a rise is its drop."""
    gap = metric("group_gap")
    assert not gap.higher_is_better and gap.limit_key == "max" and gap.worsening(0.05, 0.08) == pytest.approx(0.03)
    assert gap.beyond(0.2, 0.1) and not gap.beyond(0.05, 0.1) and metric("accuracy").beyond(0.05, 0.1)
    floor = Check("floor", "group_gap", "gender/accuracy", "warning", 0.1, value=0.2, failed=True)
    assert floor.limit_text() == "<= 0.1000" and floor.excess == pytest.approx(0.1)
    assert "above the maximum 0.1000" in floor.message()
    assert Check("drop", "group_gap", "gender/accuracy", "error", 0.01, value=0.08, baseline=0.05).drop == \
        pytest.approx(0.03)


def test_paired_bootstrap_statistic_is_signed_by_the_registry() -> None:
    """A lower-is-better score's bootstrap drop is the run's value minus the baseline's."""
    gold, base, new = np.array([0, 1, 2, 0]), np.array([0, 1, 2, 1]), np.array([0, 2, 2, 1])
    pairs = SplitPairs(gold, base, new, 3)
    error = dataclasses.replace(metric("accuracy"), name="error_rate", higher_is_better=False,
                                confusion=lambda cm: 1 - metric("accuracy").confusion(cm))
    idx = np.arange(4)[None, :]
    observed = pairs.drop_statistic(_score_function(error, None, ["a", "b", "c"]))(idx)[0]
    assert observed == pytest.approx(error.worsening(0.25, 0.5)) == pytest.approx(0.25)
    accuracy = pairs.drop_statistic(_score_function(metric("accuracy"), None, ["a", "b", "c"]))(idx)[0]
    assert accuracy == pytest.approx(0.25)
    per_class = pairs.drop_statistic(_score_function(metric("per_class_f1"), "b", ["a", "b", "c"]))(idx)[0]
    assert per_class == pytest.approx(2 / 3 - 0.0)  # class b: F1 2/3 in the baseline, 0 in the run
