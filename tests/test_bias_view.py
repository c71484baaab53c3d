"""The report's bias section: the view against hand-built bias sections (which forest rows are
chosen, headline sentences with hand-worked numbers, the interval-excludes-0 logic, keys outside
the schema ignored), the t-interval against scipy, and the rendered partial (valid, escaped,
carrying the numbers) on hand-built sections, the stored reference results and a fresh reference
audit."""
from __future__ import annotations

import copy
import json
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from markupsafe import escape
from scipy import stats

from audit.counterfactual import paired_t_test
from audit.metrics import rate_with_ci
from audit.reporting.bias_format import decimals
from audit.reporting.bias_view import (
    bias_view,
    change_interval,
    effect,
    forest_rows,
    gap_view,
)
from audit.reporting.jinja import html_environment

GOLDEN = Path(__file__).parent / "golden" / "reference_results.json"
LABELS = ["sadness", "joy", "love", "anger", "fear", "surprise"]
#: The partial's budget for the full reference audit (the whole report must stay under 1.5 MB).
MAX_SECTION_BYTES = 350_000


# --------------------------------------------------------------------------- hand-built sections

def _test(label: str, diff: float, half: float | None, *, significant: bool = False, p_adjusted: float = 1.0,
          n: int = 780, source: str = "european_american", group: str = "african_american",
          origin: str = "template") -> dict[str, Any]:
    """A paired test entry whose recorded 95% t-interval is ``diff +- half`` (``half=None``: all
    differences equal, a point interval)."""
    t = None if half is None else diff * stats.t.ppf(0.975, n - 1) / half
    half = half or 0.0
    return {"name": f"{origin} {source} -> {group}: p({label})", "attribute": "x", "origin": origin,
            "source_group": source, "group": group, "label": label, "n": n, "mean_diff": diff,
            "t_statistic": t, "ci_low": diff - half, "ci_high": diff + half,
            "p_value": p_adjusted / 10, "p_adjusted": p_adjusted, "significant": significant,
            "sign_test": {"n_pos": 1, "n_neg": 1, "p_value": 0.5, "p_adjusted": 1.0}}


def _score(value: float, low: float, high: float) -> dict[str, float]:
    return {"value": value, "ci_low": low, "ci_high": high}


def _group(n: int, accuracy: tuple[float, float, float], macro_f1: tuple[float, float, float], *,
           too_small: bool = False) -> dict[str, Any]:
    return {"n": n, "too_small": too_small, "accuracy": _score(*accuracy), "macro_f1": _score(*macro_f1),
            "per_class_f1": {k: 0.9 for k in LABELS}, "support": {k: n // 6 for k in LABELS}}


def _gap(value: float, low: float | None, high: float | None, high_group: str, low_group: str, n: int = 2) -> dict[str, Any]:
    return {"value": value, "ci_low": low, "ci_high": high, "high_group": high_group, "low_group": low_group,
            "n_groups": n}


def _counterfactual(flips: int, n: int, n_sources: int) -> dict[str, Any]:
    part = {"n": n, "n_sources": n_sources, "flip_rate": rate_with_ci(flips, n),
            "mean_abs_change": {k: 0.01 for k in LABELS}}
    return {**part, "by_origin": {"template": part}, "by_group": {"b": part}}


def _race() -> dict[str, Any]:
    """Race as the issue describes it: anger down, fear up (both significant), a third significant
    shift, two that are not; no accuracy gap whose interval excludes 0."""
    return {
        "source": "identity suite",
        "groups": {"african_american": _group(780, (0.949, 0.933, 0.964), (0.95, 0.93, 0.96)),
                   "european_american": _group(780, (0.924, 0.905, 0.942), (0.93, 0.91, 0.95))},
        "excluded_groups": [],
        "gaps": {"accuracy": _gap(0.024, -0.003, 0.049, "african_american", "european_american"),
                 "macro_f1": _gap(0.022, -0.002, 0.044, "african_american", "european_american"),
                 "per_class_f1": {}},
        "tests": [_test("anger", -0.021, 0.006, significant=True, p_adjusted=1e-12),
                  _test("fear", 0.017, 0.005, significant=True, p_adjusted=4e-4),
                  _test("surprise", 0.004, 0.003, significant=True, p_adjusted=0.01),
                  _test("joy", -0.030, 0.040),
                  _test("sadness", 0.0005, 0.001)],
        "untested": [],
        "counterfactual": _counterfactual(45, 780, 780),
    }


def _gender() -> dict[str, Any]:
    """Gender: no significant shift, an accuracy gap whose interval excludes 0, too-few-pair cells."""
    tests = [_test(k, d, h, source="male", group="female", n=351)
             for k, d, h in (("anger", 0.004, 0.005), ("joy", -0.001, 0.003))]
    return {
        "source": "identity suite",
        "groups": {"female": _group(378, (0.923, 0.910, 0.935), (0.929, 0.918, 0.941)),
                   "male": _group(378, (0.944, 0.93, 0.96), (0.95, 0.94, 0.96)),
                   "other": _group(12, (0.5, 0.2, 0.8), (0.4, 0.1, 0.7), too_small=True)},
        "excluded_groups": ["other"],
        "gaps": {"accuracy": _gap(0.021, 0.002, 0.039, "male", "female"),
                 "macro_f1": _gap(0.021, -0.001, 0.04, "male", "female"), "per_class_f1": {}},
        "tests": tests,
        "untested": [{"attribute": "gender", "origin": "test", "source_group": "male", "group": "female", "n": 17}],
        "counterfactual": _counterfactual(2, 378, 378),
    }


def _results(**attributes: dict[str, Any]) -> dict[str, Any]:
    return {"bias": {"labels": LABELS, "min_group_size": 30,
                     "ci": {"method": "percentile bootstrap within each group", "level": 0.95, "resamples": 1000, "seed": 0},
                     "attributes": attributes, "intersections": {},
                     "correction": {"method": "holm", "alpha": 0.05, "n_tests": 84}}}


def _attribute(results: dict[str, Any], name: str) -> dict[str, Any]:
    return next(a for a in bias_view(results)["attributes"] if a["name"] == name)


def render(bias: dict[str, Any] | None) -> str:
    """The partial alone, in the report's Jinja environment (autoescape on, strict undefined)."""
    return html_environment().get_template("bias.html.j2").render(bias=bias)


class _Checker(HTMLParser):
    """Strict nesting: every element other than the void ones is closed, in order; ids collected."""

    VOID = frozenset({"br", "col", "hr", "img", "input", "link", "meta", "source", "wbr"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.errors: list[str] = []
        self.ids: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.ids += [v for k, v in attrs if k == "id"]
        if tag not in self.VOID:
            self.stack.append(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.ids += [v for k, v in attrs if k == "id"]

    def handle_endtag(self, tag: str) -> None:
        if self.stack and self.stack[-1] == tag:
            self.stack.pop()
        else:
            self.errors.append(f"</{tag}> closes {self.stack[-1:]}")


def assert_valid_html(html: str) -> None:
    checker = _Checker()
    checker.feed(html)
    checker.close()
    assert not checker.errors and not checker.stack, (checker.errors[:3], checker.stack)
    assert len(checker.ids) == len(set(checker.ids))
    assert "<script" not in html.lower()


# --------------------------------------------------------------------------- numbers

def test_paired_t_test_records_the_t_interval() -> None:
    """Hand-worked: d = x - y = 1, 2, 3, 4; mean 2.5, sd 1.2910, se 0.6455, t(3) 0.975-quantile
    3.18245, so the 95% interval is 2.5 +- 2.0543; scipy's own interval agrees."""
    x, y = np.array([2.0, 4.0, 6.0, 8.0]), np.array([1.0, 2.0, 3.0, 4.0])
    test = paired_t_test(x, y)
    assert (test["ci_low"], test["ci_high"]) == pytest.approx((2.5 - 2.05431, 2.5 + 2.05431), abs=1e-4)
    low, high = stats.ttest_rel(x, y).confidence_interval(0.95)
    assert change_interval(test) == pytest.approx((low, high), rel=1e-12)


def test_change_interval_edges() -> None:
    assert change_interval(paired_t_test([1.5, 2.5, 3.5], [1.0, 2.0, 3.0])) == (0.5, 0.5)  # all equal
    assert change_interval(paired_t_test([1.0], [0.5])) == (None, None)  # one pair
    assert change_interval({"n": 5, "mean_diff": 0.2, "t_statistic": 1.0}) == (None, None)  # a 1.1 file: none


def test_decimals_keep_two_significant_digits() -> None:
    assert [decimals(v) for v in (0.0269, -0.0269, 0.4, 0.00061, 1e-9, 0.0)] == [3, 3, 3, 5, 6, 3]


@pytest.mark.parametrize(("low", "high", "expected"), [
    (0.002, 0.039, True), (-0.05, -0.01, True), (-0.003, 0.049, False), (0.0, 0.1, False), (None, None, None)])
def test_gap_interval_excludes_zero(low: float | None, high: float | None, expected: bool | None) -> None:
    view = gap_view("accuracy", "accuracy", _gap(0.02, low, high, "m", "f"))
    assert view["excludes_zero"] is expected
    assert view["text"].endswith({True: "its interval excludes 0.", None: "no interval.",
                                  False: "its interval includes 0: no gap detectable at this size."}[expected])


def test_gap_not_judged() -> None:
    view = gap_view("accuracy", "accuracy", None)
    assert view["excludes_zero"] is None and "not judged" in view["text"]


# --------------------------------------------------------------------------- which rows, which words

def test_forest_rows_are_the_significant_and_the_largest() -> None:
    sizes = [0.05, -0.04, 0.03, 0.02, -0.01, 0.005, 0.002, 0.001]
    effects = [effect(_test(f"e{k}", d, abs(d) / 2, significant=d in (0.005, 0.002)))
               for k, d in enumerate(sizes)]
    rows, hidden = forest_rows(effects, n_largest=3)
    assert [r["value"] for r in rows] == [0.05, -0.04, 0.03, 0.005, 0.002] and hidden == 0
    rows, hidden = forest_rows(effects, n_largest=3, max_rows=4)
    assert [r["value"] for r in rows] == [0.05, -0.04, 0.03, 0.005] and hidden == 1


def test_headline_cites_the_largest_significant_shifts() -> None:
    race = _attribute(_results(race=_race()), "race")
    assert race["headline"] == (
        "Replacing european american with african american lowers p(anger) by 0.021 [0.015, 0.027] and "
        "raises p(fear) by 0.017 [0.012, 0.022] (Holm-adjusted p ≤ 0.0004); "
        "3 of 5 tests are significant after Holm correction.")
    # the joy change is the largest but not significant: in the forest plot, not in the headline
    assert [r["label"] for r in race["forest"]["rows"]] == ["joy", "anger", "fear", "surprise", "sadness"]
    assert [r["significant"] for r in race["forest"]["rows"]] == [False, True, True, True, False]
    assert race["forest"]["rows"][1]["note"] == "-0.021 [-0.027, -0.015] *"


def test_headline_of_a_gap_whose_interval_excludes_zero() -> None:
    gender = _attribute(_results(gender=_gender()), "gender")
    assert gender["headline"] == "Accuracy is 0.021 [0.002, 0.039] lower for female than for male."
    accuracy, macro_f1 = gender["groups"]["gaps"]
    assert accuracy["excludes_zero"] is True and macro_f1["excludes_zero"] is False
    assert gender["groups"]["excluded"] == ["other"]
    assert gender["untested"] == ["male → female in test texts (17 pairs)"]


def test_headline_when_nothing_is_found() -> None:
    section = _gender()
    section["gaps"]["accuracy"] = _gap(0.017, -0.034, 0.068, "japanese", "canadian", 10)
    section["gaps"]["macro_f1"] = _gap(0.015, -0.03, 0.063, "japanese", "chinese", 10)
    gender = _attribute(_results(gender=section), "gender")
    assert gender["headline"] == (
        "No emotion's probability shifts significantly (2 tests, Holm-corrected); the largest change, "
        "male → female: p(anger), is +0.0040 [-0.0010, 0.0090]; no group gap's interval excludes 0 "
        "(largest accuracy gap 0.017 [-0.034, 0.068]).")


def test_shifts_from_several_swaps_and_origins() -> None:
    section = _race()
    section["tests"] = [_test("anger", -0.04, 0.01, significant=True, p_adjusted=0.002, source="christian", group="hindu"),
                        _test("joy", 0.03, 0.01, significant=True, p_adjusted=0.003, source="christian",
                              group="sikh", origin="test")]
    religion = _attribute(_results(religion=section), "religion")
    assert religion["headline"].startswith(
        "Replacing christian with hindu in template texts lowers p(anger) by 0.040 [0.030, 0.050]; "
        "replacing christian with sikh in test texts raises p(joy) by 0.030 [0.020, 0.040] (Holm-adjusted p ≤ 0.003)")
    assert religion["tests"][1]["swap"] == "christian → sikh in test texts"


def test_flip_rate_against_pairs_and_sources() -> None:
    race = _attribute(_results(race=_race()), "race")
    assert race["flip"]["text"] == ("The predicted emotion changes in 5.8% [4.3, 7.6] of 780 counterfactual "
                                    "pairs (45 flips), made from 780 distinct source texts.")
    section = _race()
    section["counterfactual"] = _counterfactual(21, 1053, 117)
    nationality = _attribute(_results(nationality=section), "nationality")
    assert nationality["flip"]["text"].startswith(
        "The predicted emotion changes in 2.0% [1.3, 3.0] of 1,053 counterfactual pairs (21 flips), made from "
        "117 distinct source texts (a text swapped to several groups")


def test_group_column_attribute_without_pairs() -> None:
    section = {k: v for k, v in _gender().items() if k not in ("counterfactual", "untested")}
    section.update(source="group column", tests=[])
    view = _attribute(_results(region=section), "region")
    assert view["flip"] is None and view["forest"] is None and view["tests"] == []
    assert view["headline"] == "Accuracy is 0.021 [0.002, 0.039] lower for female than for male."
    assert view["groups"]["chart"] is not None


def test_no_bias_section() -> None:
    assert bias_view({"suites": {}}) is None
    assert bias_view(_results()) is None
    html = render(None)
    assert "No bias audit in this run" in html
    assert_valid_html(html)


def test_keys_outside_the_schema_are_not_rendered() -> None:
    plain = _results(race=_race(), gender=_gender())
    extra = copy.deepcopy(plain)
    bias = extra["bias"]
    bias["zz_note"] = "ZZSECRET"
    for section in bias["attributes"].values():
        section["zz_table"] = {"a": {"b": "ZZSECRET"}}
        section["groups"]["female" if "female" in section["groups"] else "african_american"]["zz_cell"] = "ZZSECRET"
        section["tests"][0]["zz_stat"] = "ZZSECRET"
        section["counterfactual"]["zz_rate"] = {"value": 0.5, "ci_low": 0.1, "ci_high": 0.9}
        section["gaps"]["zz_metric"] = _gap(0.5, 0.4, 0.6, "ZZSECRET", "ZZSECRET")
    bias["intersections"]["zz x yy"] = "ZZSECRET"  # not a section: skipped
    assert bias_view(extra) == bias_view(plain)
    html = render(bias_view(extra))
    assert "ZZSECRET" not in html and "zz_" not in html


def test_partial_is_valid_escaped_html_with_the_numbers() -> None:
    section = _race()
    section["groups"]["<b>x</b>"] = section["groups"].pop("african_american")
    results = _results(race=_race(), gender=_gender(), **{"a&b": section})
    results["bias"]["intersections"]["gender x race"] = {
        "source": "identity suite", "groups": {"female x african_american": _group(390, (0.93, 0.9, 0.95), (0.9, 0.88, 0.93))},
        "excluded_groups": [], "gaps": {"accuracy": None, "macro_f1": None, "per_class_f1": {}}, "tests": []}
    view = bias_view(results)
    html = render(view)
    assert_valid_html(html)
    assert "&lt;b&gt;x&lt;/b&gt;" in html and "<b>x</b>" not in html and 'id="bias-a-b"' in html
    for a in view["attributes"]:
        assert f'id="{a["anchor"]}"' in html and str(escape(a["headline"])) in html
        assert str(escape(a["flip"]["text"])) in html
    assert 'id="bias-gender-x-race"' in html and "Largest accuracy gap: not judged" in html
    # the charts carry their numbers in a text alternative and a <title>
    assert 'aria-label="race: mean change in each emotion' in html
    assert "-0.021 [-0.027, -0.015] *" in html and "<title>race: accuracy and macro F1 per group, with bootstrap" in html
    assert html.count("<details>") == 2 * 3 + 1  # per attribute: tests, groups; one per intersection


# --------------------------------------------------------------------------- real results

def check_real(results: dict[str, Any]) -> None:
    """The view and partial of a real audit: every attribute says what its data show."""
    view = bias_view(results)
    html = render(view)
    assert_valid_html(html)
    assert len(html.encode()) < MAX_SECTION_BYTES
    sections = results["bias"]["attributes"]
    assert [a["name"] for a in view["attributes"]] == list(sections)
    for a in view["attributes"]:
        section = sections[a["name"]]
        tests = section.get("tests") or []
        significant = sorted((t for t in tests if t["significant"]), key=lambda t: -abs(t["mean_diff"]))
        assert str(escape(a["headline"])) in html and a["anchor"] in html
        if significant:  # the largest significant shift is cited with its size
            top = abs(significant[0]["mean_diff"])
            assert f"p({significant[0]['label']}) by {top:.{decimals(top)}f} [" in a["headline"]
            shown = [r for r in a["forest"]["rows"] if r["significant"]]
            assert len(shown) + a["forest"]["n_hidden_significant"] == len(significant)
        sizes = [abs(r["value"]) for r in a["forest"]["rows"]] if a["forest"] else []
        assert sizes == sorted(sizes, reverse=True)
        assert len(a["tests"]) == len(tests)
        gap = section["gaps"]["accuracy"]
        accuracy = a["groups"]["gaps"][0]
        assert accuracy["excludes_zero"] == (gap["ci_low"] > 0 or gap["ci_high"] < 0)
        assert (gap["ci_low"] > 0) == (f"accuracy is {gap['value']:.3f}" in a["headline"].lower())
        cf = section.get("counterfactual")
        if cf:
            assert f"of {cf['n']:,} counterfactual pairs" in a["flip"]["text"]
            assert f"from {cf['n_sources']:,} distinct source texts" in a["flip"]["text"]
    assert html.count("<svg") == sum(bool(a["forest"]) + bool(a["groups"]["chart"]) for a in view["attributes"])


def test_stored_reference_results() -> None:
    check_real(json.loads(GOLDEN.read_text(encoding="utf-8")))


@pytest.mark.integration
@pytest.mark.slow
def test_fresh_reference_audit(reference_audit) -> None:
    audit, _ = reference_audit
    check_real(audit.results)
