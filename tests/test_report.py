"""The HTML report: sections, escaping, self-containment, badges, the generic renderings of suite
extras and bias sections, and a headless-Chromium screenshot of the reference model's report."""
from __future__ import annotations

import copy
import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from audit import charts
from audit.report import (blocks, confident_errors, fmt_rate, limitations, render_report, significant,
                          telling_failures)
from audit.runner import Audit, evaluate
from audit.suite import Case, Expectation, GeneratedSuite, SuiteSpec, score_suite
from conftest import LABELS

SECTION_IDS = ("summary", "testing-data", "metrics", "results", "calibration", "suites", "bias",
               "limitations", "provenance")
SCRIPT = "<script>alert(1)</script>"
ESCAPED = "&lt;script&gt;alert(1)&lt;/script&gt;"
# Every text appears once with each gold label, so each is misclassified at least five times.
TEXTS = [f"{SCRIPT} i feel so happy", "i am sad and $5 poorer | broke", "he was scared & angry"]

# A hand-made INV suite scored on fixed probabilities: rule "swap" keeps the prediction (passes),
# rule "shout" flips it (fails), with different confidences.
_PROBS = {
    "i feel fine": [0.1, 0.7, 0.05, 0.05, 0.05, 0.05],
    "i feel fine!": [0.1, 0.75, 0.05, 0.05, 0.03, 0.02],
    "I FEEL FINE": [0.9, 0.02, 0.02, 0.02, 0.02, 0.02],
    "i am scared": [0.05, 0.05, 0.05, 0.05, 0.75, 0.05],
    "i am scared!": [0.05, 0.05, 0.05, 0.05, 0.8, 0.0],
    "I AM SCARED": [0.05, 0.6, 0.05, 0.05, 0.2, 0.05],
}
_CASES = [
    Case("hm:swap:1", "i feel fine!", Expectation("INV"), label="joy", source_id="s1", source_text="i feel fine",
         rule="swap", meta={"kind": "a"}),
    Case("hm:shout:1", "I FEEL FINE", Expectation("INV"), label="joy", source_id="s1", source_text="i feel fine",
         rule="shout", meta={"kind": "a"}),
    Case("hm:swap:2", "i am scared!", Expectation("INV"), label="fear", source_id="s2", source_text="i am scared",
         rule="swap", meta={"kind": "b"}),
    Case("hm:shout:2", "I AM SCARED", Expectation("INV"), label="fear", source_id="s2", source_text="i am scared",
         rule="shout", meta={"kind": "b"}),
]
BIAS = {"attributes": {"gender": {
    "groups": {"women": {"n": 40, "accuracy": {"value": 0.9, "ci_low": 0.8, "ci_high": 0.95}},
               "men <b>x</b>": {"n": 38, "accuracy": {"value": 0.6, "ci_low": 0.45, "ci_high": 0.73}}},
    "gaps": {"accuracy": {"max_gap": 0.3, "between": ["women", "men"]}},
    "tests": {"accuracy_chi2": {"statistic": 8.1, "p_value": 0.004}, "f1_perm": {"p_value": 0.3}},
}}}


def _handmade_suite(labels: list[str]) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    spec = SuiteSpec("handmade", "A <i>hand-made</i> suite", "handmade", "INV", {}, Path("handmade.yaml"))
    suite = GeneratedSuite(_CASES, coverage={"swap": {"n_candidates": 2, "n_changed": 2},
                                             "shout": {"n_candidates": 2, "n_changed": 2}}, n_candidates=2)
    return score_suite(spec, suite, labels, lambda text: np.array(_PROBS[text]), seed=0, n_resamples=0,
                       breakdown=["kind"], extra=lambda records, _: {"by_kind": {"a": {"n": 2, "note": "x|y"},
                                                                                   "b": {"n": 2, "note": SCRIPT}}})


@pytest.fixture(scope="module")
def tiny_audit(tiny_model: Path, tmp_path_factory: pytest.TempPathFactory) -> Audit:
    """The engine's output for the tiny model on a small file, plus a hand-made suite."""
    folder = tmp_path_factory.mktemp("data")
    data = folder / "<b>test.txt"
    data.write_text("text;label\n" + "".join(f"{t};{label}\n" for t in TEXTS for label in LABELS), encoding="utf-8")
    audit = evaluate(str(tiny_model), str(data), device="cpu", use_cache=False, progress=False)
    section, records = _handmade_suite(audit.results["model"]["labels"])
    audit.results["suites"]["handmade"] = section
    audit.records.extend(records)
    return audit


@pytest.fixture(scope="module")
def tiny_html(tiny_audit: Audit) -> str:
    return render_report(tiny_audit.results, tiny_audit.records)


def _section(html: str, section_id: str) -> str:
    start = html.index(f'<section id="{section_id}">')
    return html[start:html.index("</section>", start)]


def test_every_section_in_the_card_order(tiny_html: str) -> None:
    positions = [tiny_html.index(f'id="{sid}"') for sid in SECTION_IDS]
    assert positions == sorted(positions)


def test_text_from_data_and_model_is_escaped(tiny_html: str) -> None:
    assert "<script" not in tiny_html.lower()
    assert ESCAPED in _section(tiny_html, "results")  # a misclassified test text
    assert ESCAPED in _section(tiny_html, "suites")  # the suite's extra table
    assert "&lt;b&gt;test.txt" in tiny_html  # the data file's name
    assert "A &lt;i&gt;hand-made&lt;/i&gt; suite" in tiny_html


def test_no_reference_to_any_other_address(tiny_html: str) -> None:
    links = re.findall(r"""\b(?:src|href|action|poster|srcset)\s*=\s*["']?([^"'\s>]*)""", tiny_html, re.IGNORECASE)
    assert links and all(link.startswith(("#", "data:")) for link in links), links
    assert not re.search(r"@import|url\(\s*['\"]?(?:https?:)?//|<(?:link|iframe|object|embed|img)\b", tiny_html, re.I)


def test_element_ids_are_unique(tiny_html: str) -> None:
    ids = re.findall(r'\sid="([^"]+)"', tiny_html)
    assert len(ids) == len(set(ids)) and tiny_html.count("<svg") >= 5


def test_passes_and_failures_both_marked(tiny_html: str) -> None:
    suite = tiny_html[tiny_html.index('id="suite-handmade"'):]
    found = re.findall(r'<tr class="(pass|fail)"><td><span class="badge \1">\1</span></td><td class="text">(\w+)</td>', suite)
    assert {rule: level for level, rule in found[:2]} == {"swap": "pass", "shout": "fail"}


def test_failure_shows_source_text_beside_the_case(tiny_html: str) -> None:
    suite = tiny_html[tiny_html.index('id="suite-handmade"'):]
    failures = suite[suite.index("Most confident failures"):]
    start = failures.index('<tr class="fail">')
    first = failures[start:failures.index("</tr>", start)]
    # the more confident failure first: "I FEEL FINE" (0.90, sadness) before "I AM SCARED" (0.60)
    assert "i feel fine</td>" in first and "I FEEL FINE</td>" in first and "sadness (0.90)" in first
    assert "joy (0.70)" in first and "= source prediction" in first


def test_report_is_deterministic(tiny_audit: Audit, tiny_html: str) -> None:
    assert render_report(tiny_audit.results, tiny_audit.records) == tiny_html


def test_without_records_bias_or_suites(tiny_audit: Audit) -> None:
    results = copy.deepcopy(tiny_audit.results)
    del results["suites"]["handmade"]
    html = render_report(results, None)
    assert all(f'id="{sid}"' in html for sid in SECTION_IDS)
    assert "No perturbation suite was run" in html and "No bias audit in this run" in html
    assert "example tables are omitted" in html


def test_unlabelled_data(tiny_audit: Audit) -> None:
    results = copy.deepcopy(tiny_audit.results)
    del results["suites"]["test"]["metrics"]
    results["dataset"]["class_distribution"] = {}
    html = render_report(results, tiny_audit.records)
    assert "had no gold labels: no scores could be computed" in _section(html, "results")
    assert "No calibration figures" in _section(html, "calibration")
    assert "Accuracy (clean" not in _section(html, "summary")


def test_bias_section_rendered_generically(tiny_audit: Audit) -> None:
    results = {**tiny_audit.results, "bias": BIAS}
    bias = _section(render_report(results, tiny_audit.records), "bias")
    assert "men &lt;b&gt;x&lt;/b&gt;" in bias and "<svg" in bias  # groups table and bar chart
    verdicts = re.findall(r'<tr class="(pass|fail)"><td><span class="badge \w+">\w+</span></td><td class="text">(\w+)</td>', bias)
    assert verdicts == [("fail", "accuracy_chi2"), ("pass", "f1_perm")]
    assert "Max gap" in bias
    assert any("between gender groups (bias: accuracy_chi2, p = 0.004)" in x for x in limitations(results))


def test_suite_extra_shaped_like_a_bias_audit(tiny_audit: Audit) -> None:
    results = copy.deepcopy(tiny_audit.results)
    results["suites"]["handmade"]["extra"] = {"min_group_size": 30, **BIAS}
    html = render_report(results, tiny_audit.records)
    suite = html[html.index('id="suite-handmade"'):html.index("</article>", html.index('id="suite-handmade"'))]
    assert "Group-difference tests" in suite and "men &lt;b&gt;x&lt;/b&gt;" in suite and "Min group size" in suite
    assert "Group differences: gender (handmade suite)" in _section(html, "summary")
    assert "1 of 2 tests significant" in _section(html, "summary")
    assert 'href="#suite-handmade">handmade suite</a>' in _section(html, "bias")


def test_significance_prefers_adjusted_p_and_explicit_verdicts() -> None:
    assert significant({"p_value": 0.01, "p_adjusted": 0.2}) is False
    assert significant({"p_value": 0.2, "significant": True}) is True
    assert significant({"p_value": 0.04, "alpha": 0.01}) is False
    assert significant({"statistic": 3.0}) is None


def test_limitations_name_weakest_class_and_largest_drop(tiny_audit: Audit) -> None:
    results = copy.deepcopy(tiny_audit.results)
    metrics = results["suites"]["test"]["metrics"]
    present = {k: v["f1"] for k, v in metrics["per_class"].items() if v["support"]}
    weakest = min(present, key=present.get)
    suite_accuracy = results["suites"]["handmade"]["metrics"]["accuracy"]["value"]
    results["suites"]["test"]["metrics"]["accuracy"]["value"] = suite_accuracy + 0.25
    found = limitations(results)
    assert found[0].startswith(f"Weakest class: {weakest} (F1 {present[weakest]:.3f}")
    assert any(x.startswith("Largest drop from clean accuracy: the handmade suite") and "(-0.250)" in x for x in found)


def test_telling_failures_most_confident_first_spread_over_rules() -> None:
    def rec(i: int, rule: str, conf: float) -> dict[str, Any]:
        return {"id": str(i), "rule": rule, "passed": False, "text": "t", "pred": "joy", "probs": [conf, 1 - conf],
                "expectation": {"kind": "INV"}}
    records = [rec(1, "a", 0.99), rec(2, "a", 0.98), rec(3, "b", 0.6), rec(4, "a", 0.97),
               {**rec(5, "b", 0.999), "passed": True}]
    assert [f["id"] for f in telling_failures(records, limit=3)] == ["1", "3", "2"]


def test_confident_errors_skip_right_and_unlabelled() -> None:
    records = [{"id": "a", "text": "x", "label": "joy", "pred": "joy", "probs": [0.9, 0.1]},
               {"id": "b", "text": "x", "label": None, "pred": "joy", "probs": [0.99, 0.01]},
               {"id": "c", "text": "x", "label": "fear", "pred": "joy", "probs": [0.6, 0.4]},
               {"id": "d", "text": "x", "label": "fear", "pred": "joy", "probs": [0.8, 0.2]}]
    assert [e["id"] for e in confident_errors(records)] == ["d", "c"]


def test_blocks_turn_nested_extras_into_tables() -> None:
    rate = {"value": 0.5, "ci_low": 0.25, "ci_high": 0.75, "successes": 2, "n": 4}
    got = blocks({"n_groups": 4, "by_class": {"joy": {"n": 4, "pass_rate": rate}, "fear": {"n": 1, "pass_rate": None}},
                  "deep": {"x": {"y": {"z": 1}}}})
    assert got[0]["rows"] == [["N groups", "4"]]
    assert got[1]["title"] == "By class" and got[1]["columns"] == ["", "N", "Pass rate"]
    assert got[1]["rows"] == [["joy", "4", "50.0% [25.0, 75.0] (2/4)"], ["fear", "1", "—"]]
    assert got[2]["title"] == "Deep / X" and got[2]["columns"] == ["", "Z"] and got[2]["rows"] == [["y", "1"]]
    groups = blocks({"groups": {"a": {"n": 3, "f1": {"joy": 0.5, "fear": 1.0}}, "b": {"n": 2, "f1": {"joy": 0.25}}}})
    assert [(t["title"], t["columns"], t["rows"]) for t in groups] == [
        ("Groups", ["", "N"], [["a", "3"], ["b", "2"]]),
        ("Groups / F1", ["", "Joy", "Fear"], [["a", "0.5", "1"], ["b", "0.25", "—"]])]
    estimate = blocks({"gap": {"value": 0.1, "ci_low": 0.05, "ci_high": 0.2, "high_group": "x"}})
    assert estimate[0]["columns"] == ["", "High group", "Value"] and estimate[0]["rows"][0][2] == "0.1000 [0.0500, 0.2000]"
    assert fmt_rate(rate) == "50.0% [25.0, 75.0] (2/4)"


def test_chart_escapes_labels_and_keeps_dollars() -> None:
    svg = charts.bar_chart("t", [SCRIPT, "$5 & more"], [0.2, 0.9], title="a <b>", xlabel="x", percent=True)
    assert svg.startswith("<svg") and "<script" not in svg and "&lt;script&gt;" in svg
    assert "$5 &amp; more" in svg and 'aria-label="a &lt;b&gt;"' in svg and "<metadata" not in svg


def test_chart_accepts_bounds_a_rounding_error_inside_the_estimate() -> None:
    svg = charts.bar_chart("r", ["all passed"], [1.0], low=[0.9], high=[0.9999999999999999], title="t", xlabel="x",
                           percent=True)
    assert "100.0%" in svg


# ---------------------------------------------------------------------------------------------
# The reference model's report in a real browser


def _browser() -> str | None:
    return next(filter(None, map(shutil.which, ("chromium", "chromium-browser", "google-chrome"))), None)


@pytest.mark.integration
@pytest.mark.slow
def test_reference_report_renders_in_chromium(reference_audit: tuple[Audit, Path], tmp_path: Path) -> None:
    """The full reference audit (every suite) renders to a non-blank page with every section."""
    browser = _browser()
    if browser is None:
        if os.environ.get("CI"):
            pytest.fail("chromium is required in CI for the report screenshot test")
        pytest.skip("chromium not installed")
    from PIL import Image

    audit, _ = reference_audit
    html = render_report(audit.results, audit.records)
    assert 'id="bias"' in html and 'id="suite-negation"' in html
    assert all(f'id="{sid}"' in html for sid in SECTION_IDS)
    page, png = tmp_path / "report.html", tmp_path / "report.png"
    page.write_text(html, encoding="utf-8")
    subprocess.run([browser, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                    "--disable-background-networking", "--disable-component-update", "--disable-sync",
                    f"--user-data-dir={tmp_path / 'profile'}", f"--screenshot={png}", "--window-size=1280,4000",
                    page.as_uri()], check=True, capture_output=True, timeout=120)
    image = Image.open(png).convert("RGB")
    assert image.size == (1280, 4000)
    small = image.resize((320, 1000))
    colours = small.getcolors(maxcolors=1 << 16) or []
    non_white = sum(count for count, rgb in colours if min(rgb) < 240)
    assert len(colours) > 50 and non_white > 0.1 * 320 * 1000
