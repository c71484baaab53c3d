"""The bias statistics: the paired tests against scipy and by hand, the disaggregated metrics and
gaps on hand-worked examples, and the counterfactual summary (its Holm correction against
statsmodels; Holm itself is audit.stats.holm, unit-tested in test_stats.py)."""
from __future__ import annotations

import numpy as np
import pytest
from scipy import stats
from statsmodels.stats.multitest import multipletests

from audit.counterfactual import counterfactual_summary, paired_t_test, sign_test
from audit.disaggregation import disaggregate

LABELS = ["a", "b"]


# --------------------------------------------------------------------------- paired tests

def test_paired_t_test_by_hand_and_scipy() -> None:
    x = [3.0, 5.0, 7.0, 9.0]
    y = [2.0, 3.0, 4.0, 5.0]  # d = 1, 2, 3, 4: mean 2.5, sd sqrt(5/3), t = 2.5 / (sd / 2)
    out = paired_t_test(x, y)
    assert out["n"] == 4 and out["mean_diff"] == pytest.approx(2.5)
    assert out["t_statistic"] == pytest.approx(2.5 / (np.sqrt(5 / 3) / 2))
    ref = stats.ttest_rel(x, y)
    assert out["t_statistic"] == pytest.approx(ref.statistic)
    assert out["p_value"] == pytest.approx(ref.pvalue)


def test_paired_t_test_without_spread_has_no_p_value() -> None:
    out = paired_t_test([1.0, 2.0, 3.0], [0.0, 1.0, 2.0])
    assert out["p_value"] is None and out["t_statistic"] is None and out["mean_diff"] == pytest.approx(1.0)


def test_sign_test_by_hand_and_scipy() -> None:
    x = [1.0] * 8 + [0.0] * 2 + [0.5] * 3
    y = [0.0] * 8 + [1.0] * 2 + [0.5] * 3  # 8 up, 2 down, 3 ties left out
    out = sign_test(x, y)
    assert (out["n_pos"], out["n_neg"]) == (8, 2)
    assert out["p_value"] == pytest.approx(2 * (1 + 10 + 45) / 2 ** 10)
    assert out["p_value"] == pytest.approx(stats.binomtest(8, 10, 0.5).pvalue)
    assert sign_test([1.0], [1.0])["p_value"] is None


# --------------------------------------------------------------------------- disaggregation

def _hand_example() -> tuple[list[int], list[int], list[str | None]]:
    """x: 4/5 correct; y: 1/4 correct; z: 2 rows (too small at 3); plus rows that count for nothing."""
    y_true = [0, 0, 1, 1, 1] + [0, 0, 1, 1] + [0, 1] + [-1, 0]
    y_pred = [0, 0, 1, 1, 0] + [1, 1, 1, 0] + [0, 1] + [1, 1]
    group = ["x"] * 5 + ["y"] * 4 + ["z"] * 2 + ["x", None]
    return y_true, y_pred, group


def test_disaggregate_hand_worked_gap() -> None:
    y_true, y_pred, group = _hand_example()
    out = disaggregate(y_true, y_pred, {"g": group}, LABELS, min_group_size=3, n_resamples=0)
    section = out["attributes"]["g"]
    x, y, z = (section["groups"][k] for k in "xyz")
    assert (x["n"], y["n"], z["n"]) == (5, 4, 2)  # the unlabeled and group-less rows are not counted
    assert x["accuracy"]["value"] == pytest.approx(0.8) and y["accuracy"]["value"] == pytest.approx(0.25)
    # x: F1(a) = 2*2/(2*2+1) = 0.8, F1(b) = 0.8; y: F1(a) = 0, F1(b) = 2/(2+2+1) = 0.4
    assert x["per_class_f1"] == pytest.approx({"a": 0.8, "b": 0.8})
    assert y["per_class_f1"] == pytest.approx({"a": 0.0, "b": 0.4})
    assert y["macro_f1"]["value"] == pytest.approx(0.2)
    assert z["too_small"] and not x["too_small"] and section["excluded_groups"] == ["z"]
    gap = section["gaps"]["accuracy"]
    assert gap["value"] == pytest.approx(0.55)  # z (accuracy 1.0) is too small to be the high group
    assert (gap["high_group"], gap["low_group"], gap["n_groups"]) == ("x", "y", 2)
    assert gap["ci_low"] is None
    assert section["gaps"]["macro_f1"]["value"] == pytest.approx(0.6)
    assert section["gaps"]["per_class_f1"]["b"]["value"] == pytest.approx(0.4)
    assert out["min_group_size"] == 3 and out["intersections"] == {}


def test_small_groups_are_flagged_and_leave_no_gap() -> None:
    y_true, y_pred, group = _hand_example()
    section = disaggregate(y_true, y_pred, {"g": group}, LABELS, min_group_size=5, n_resamples=0)["attributes"]["g"]
    assert section["excluded_groups"] == ["y", "z"]
    assert section["gaps"]["accuracy"] is None and section["gaps"]["macro_f1"] is None


def test_gap_bootstrap_ci() -> None:
    # Each group all right or all wrong: every resample keeps the gap at exactly 1.
    out = disaggregate([0, 1, 0, 1, 0, 1], [0, 1, 0, 0, 1, 0], {"g": ["x"] * 3 + ["y"] * 3}, LABELS,
                       min_group_size=1, n_resamples=50)
    gap = out["attributes"]["g"]["gaps"]["accuracy"]
    assert (gap["value"], gap["ci_low"], gap["ci_high"]) == (1.0, 1.0, 1.0)
    # A noisy group: the interval has width, is seeded, and changes with the seed.
    rng = np.random.default_rng(1)
    y_true = rng.integers(0, 2, 200)
    y_pred = np.where(rng.uniform(size=200) < 0.8, y_true, 1 - y_true)
    group = ["x"] * 100 + ["y"] * 100

    def run(seed: int) -> dict:
        out = disaggregate(y_true, y_pred, {"g": group}, LABELS, seed=seed, n_resamples=200)
        return out["attributes"]["g"]["gaps"]["accuracy"]

    first = run(0)
    assert first["ci_low"] < first["ci_high"] and first == run(0) and first != run(1)


def test_intersections() -> None:
    y_true = [0, 1, 0, 1, 0, 1]
    y_pred = [0, 1, 1, 1, 0, 0]
    gender = ["f", "f", "m", "m", "m", None]
    race = ["p", "q", "p", "p", None, "q"]
    out = disaggregate(y_true, y_pred, {"gender": gender, "race": race}, LABELS, min_group_size=1, n_resamples=0)
    inter = out["intersections"]["gender x race"]["groups"]
    assert {k: v["n"] for k, v in inter.items()} == {"f x p": 1, "f x q": 1, "m x p": 2}
    assert inter["m x p"]["accuracy"]["value"] == pytest.approx(0.5)
    assert out["attributes"]["gender"]["groups"]["m"]["n"] == 3  # the row without race still counts here
    with pytest.raises(ValueError, match="race"):
        disaggregate(y_true, y_pred, {"race": race[:-1]}, LABELS)


# --------------------------------------------------------------------------- counterfactual summary

def _records(n_pairs: int, shift: float, flips: int) -> list[dict]:
    """``n_pairs`` template pairs male -> female; the female sentence moves ``shift`` of label
    a's probability to b (plus noise); the first ``flips`` pairs change prediction."""
    rng = np.random.default_rng(0)
    records = []
    for i in range(n_pairs):
        base = 0.9 if i >= flips else 0.5 + shift / 2
        noise = float(rng.uniform(-0.01, 0.01))
        cf = base - shift + noise
        for group, p, source in (("male", base, None), ("female", cf, base)):
            probs = [p, 1 - p]
            records.append({
                "label": "a", "pred": "a" if p >= 0.5 else "b", "probs": probs,
                "source_text": None if source is None else f"base sentence {i}",
                "source_probs": None if source is None else [source, 1 - source],
                "source_pred": None if source is None else ("a" if source >= 0.5 else "b"),
                "meta": {"attribute": "gender", "group": group, "source_group": "male", "origin": "template",
                         "person": {"gender": group}},
            })
    return records


def test_counterfactual_summary() -> None:
    records = _records(40, shift=0.05, flips=3)
    out = counterfactual_summary(records, LABELS, n_resamples=0)
    section = out["attributes"]["gender"]
    cf_summary = section["counterfactual"]
    assert cf_summary["flip_rate"]["successes"] == 3 and cf_summary["n"] == 40 and cf_summary["n_sources"] == 40
    assert cf_summary["by_origin"]["template"]["flip_rate"]["n"] == 40
    cf = [r for r in records if r["source_probs"] is not None]
    expected = np.mean([abs(r["probs"][0] - r["source_probs"][0]) for r in cf])
    assert cf_summary["mean_abs_change"]["a"] == pytest.approx(expected)
    assert cf_summary["by_group"]["female"]["n"] == 40 and "male" not in cf_summary["by_group"]
    assert section["groups"]["male"]["n"] == 40
    assert section["groups"]["female"]["accuracy"]["value"] == pytest.approx(37 / 40)
    tests = {t["label"]: t for t in section["tests"]}
    ref = stats.ttest_rel([r["probs"][0] for r in cf], [r["source_probs"][0] for r in cf])
    assert tests["a"]["p_value"] == pytest.approx(ref.pvalue)
    assert tests["a"]["name"] == "template male -> female: p(a)"
    # Holm over the family of both labels' tests, as statsmodels computes it
    family = [tests[k]["p_value"] for k in LABELS]
    assert [tests[k]["p_adjusted"] for k in LABELS] == pytest.approx(multipletests(family, method="holm")[1].tolist())
    assert [tests[k]["sign_test"]["p_adjusted"] for k in LABELS] == pytest.approx(
        multipletests([tests[k]["sign_test"]["p_value"] for k in LABELS], method="holm")[1].tolist())
    assert tests["a"]["significant"] and tests["a"]["mean_diff"] < 0 and tests["b"]["mean_diff"] > 0
    assert tests["a"]["sign_test"]["n_neg"] == 40
    assert out["correction"] == {"method": "holm", "alpha": 0.05, "n_tests": 2}


def test_counterfactual_summary_leaves_small_cells_untested() -> None:
    out = counterfactual_summary(_records(10, shift=0.05, flips=0), LABELS, n_resamples=0)
    section = out["attributes"]["gender"]
    assert section["tests"] == [] and out["correction"]["n_tests"] == 0
    assert section["untested"] == [{"attribute": "gender", "origin": "template", "source_group": "male",
                                    "group": "female", "n": 10}]
    assert section["groups"]["female"]["too_small"] and section["gaps"]["accuracy"] is None


def test_n_sources_counts_distinct_source_texts() -> None:
    """Pairs made from one text (a swap to several groups) count once in n_sources."""
    def pair(source_id: str | None, source_text: str, group: str) -> dict:
        return {"label": None, "pred": "a", "probs": [0.9, 0.1], "source_pred": "a", "source_probs": [0.8, 0.2],
                "source_id": source_id, "source_text": source_text,
                "meta": {"attribute": "nationality", "group": group, "source_group": "x", "origin": "test"}}

    records = [pair("test-1", "t1", g) for g in ("p", "q", "r")] + [pair("test-2", "t2", "p")]
    records += [pair(None, "a template base", g) for g in ("p", "q")]  # templates: no id, the base sentence
    cf = counterfactual_summary(records, LABELS, n_resamples=0)["attributes"]["nationality"]["counterfactual"]
    assert (cf["n"], cf["n_sources"]) == (6, 3)
    assert (cf["by_group"]["p"]["n"], cf["by_group"]["p"]["n_sources"]) == (3, 3)
    assert (cf["by_group"]["q"]["n"], cf["by_group"]["q"]["n_sources"]) == (2, 2)


def _tested_bias() -> dict:
    """A bias section's tests, built by the audit's own functions from seeded pairs."""
    from audit.counterfactual import _correct, paired_tests

    rng = np.random.default_rng(0)
    pairs = []
    for k in range(60):
        source = rng.dirichlet(np.ones(len(LABELS)))
        probs = np.clip(source + rng.normal(0.01 * (k % 2), 0.02, len(LABELS)), 1e-6, None)
        pairs.append({"probs": (probs / probs.sum()).tolist(), "source_probs": source.tolist(), "meta": {
            "attribute": "gender", "origin": "template", "source_group": "male", "group": "female"}})
    tests, _ = paired_tests(pairs, LABELS, min_pairs=30)
    _correct(tests, 0.05)
    return {"attributes": {"gender": {"tests": tests}},
            "correction": {"method": "holm", "alpha": 0.05, "n_tests": sum(t["p_value"] is not None for t in tests)}}


@pytest.mark.parametrize("edit, needle", [
    (lambda t: t.update(significant=not t["significant"]), "significant"),
    (lambda t: t.update(p_adjusted=t["p_adjusted"] / 3 + 1e-3), "p_adjusted"),
    (lambda t: t.update(p_value=t["p_value"] / 5), "p_adjusted"),  # the family's adjustment moves
    (lambda t: t.update(ci_low=t["mean_diff"] + 1e-4), "lies outside its interval"),
    (lambda t: t.update(mean_diff=t["mean_diff"] + 1e-6), "centre of its t-interval"),
    (lambda t: t["sign_test"].update(n_pos=t["sign_test"]["n_pos"] + 1), "sign"),
    (lambda t: t["sign_test"].update(p_value=0.5), "sign test of"),
])
def test_forged_paired_tests_are_refused(edit, needle: str) -> None:
    from audit.validate.access import Invalid
    from audit.validate.paired import check_paired_tests

    bias = _tested_bias()
    check_paired_tests(bias, ("bias",))  # as made: accepted
    edit(bias["attributes"]["gender"]["tests"][1])
    with pytest.raises(Invalid, match=needle):
        check_paired_tests(bias, ("bias",))


def test_sign_test_closed_form_is_scipys() -> None:
    from audit.validate.closed_forms import sign_test_p

    assert sign_test_p(0, 0) is None
    for n_pos, n_neg in [(0, 1), (3, 9), (155, 196), (40, 40), (1, 300)]:
        assert sign_test_p(n_pos, n_neg) == pytest.approx(stats.binomtest(n_pos, n_pos + n_neg).pvalue, rel=1e-12)
