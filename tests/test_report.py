"""The HTML report: sections, escaping, self-containment, the top findings (shared with the card
and the CLI summary), badges that agree with the gate, the curated bias and dialect tables, the
generic rendering of suite extras, and a headless-Chromium screenshot of the reference model's
report (its findings block and bias section), with its size and rendering time."""
from __future__ import annotations

import copy
import json
import os
import re
import shutil
import subprocess
import time
from html import unescape
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from audit.findings import findings, limitations
from audit.reporting import charts
from audit.reporting.formatting import fmt_rate
from audit.reporting.report import render_report
from audit.reporting.suite_views import telling_failures
from audit.reporting.tables import blocks
from audit.reporting.views import confident_errors
from audit.runner import Audit, evaluate
from audit.suite import Case, Expectation, GeneratedSuite, SuiteSpec, score_suite
from conftest import LABELS

SECTION_IDS = ("findings", "summary", "testing-data", "metrics", "results", "calibration", "suites", "bias",
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
RATE = {"value": 0.5, "ci_low": 0.25, "ci_high": 0.75, "successes": 2, "n": 4}
# A bias section in the documented schema (audit.bias), with keys outside it that must not be shown.
_SWAP = {"attribute": "gender", "origin": "template", "source_group": "men", "group": "women <b>x</b>", "n": 100}
BIAS = {
    "labels": LABELS, "min_group_size": 30,
    "ci": {"method": "percentile bootstrap within each group", "level": 0.95, "resamples": 1000, "seed": 0},
    "correction": {"method": "holm", "alpha": 0.05, "n_tests": 2},
    "attributes": {"gender": {
        "source": "identity suite", "excluded_groups": [],
        "groups": {"women <b>x</b>": {"n": 400, "too_small": False, "accuracy": {"value": 0.9, "ci_low": 0.87, "ci_high": 0.93},
                                      "macro_f1": {"value": 0.88, "ci_low": 0.85, "ci_high": 0.91}},
                   "men": {"n": 400, "too_small": False, "accuracy": {"value": 0.95, "ci_low": 0.93, "ci_high": 0.97},
                           "macro_f1": {"value": 0.94, "ci_low": 0.92, "ci_high": 0.96}}},
        "gaps": {"accuracy": {"value": 0.05, "ci_low": 0.02, "ci_high": 0.08, "high_group": "men",
                              "low_group": "women <b>x</b>", "n_groups": 2}},
        "tests": [{**_SWAP, "name": "anger", "label": "anger", "mean_diff": -0.03, "ci_low": -0.042, "ci_high": -0.018,
                   "t_statistic": -5.0, "p_value": 1e-6, "p_adjusted": 2e-6, "significant": True},
                  {**_SWAP, "name": "joy", "label": "joy", "mean_diff": 0.001, "ci_low": -0.003, "ci_high": 0.005,
                   "t_statistic": 0.5, "p_value": 0.6, "p_adjusted": 0.6, "significant": False}],
        "mystery_statistic": {"value": 123456.789}}},
    "mystery": {"secret": 98765},
}


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
    """A rule has no gate check of its own: below its suite's floor (50% by default) it is a
    warning, never a failure."""
    suite = tiny_html[tiny_html.index('id="suite-handmade"'):]
    found = re.findall(r'<tr class="(pass|warn|fail)"><td><span class="badge \1">\1</span></td><td class="text">(\w+)</td>',
                       suite)
    assert {rule: level for level, rule in found[:2]} == {"swap": "pass", "shout": "warn"}


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


def test_bias_section_is_the_curated_view_of_the_documented_schema(tiny_audit: Audit) -> None:
    results = {**tiny_audit.results, "bias": BIAS}
    html = render_report(results, tiny_audit.records)
    bias = _section(html, "bias")
    assert '<article class="bias" id="bias-gender">' in bias
    assert "lowers p(anger) by 0.030 [0.018, 0.042]" in bias and "women &lt;b&gt;x&lt;/b&gt;" in bias
    assert "<svg" in bias and "<details>" in bias and "<script" not in bias
    assert "98765" not in bias and "123456" not in bias and "Mystery" not in bias  # unknown keys: not guessed at
    top = _section(html, "findings")
    assert 'href="#bias-gender"' in top and "Gender: replacing men with women &lt;b&gt;x&lt;/b&gt;" in top


def test_dialect_features_and_rules_inside_a_variety(tiny_audit: Audit) -> None:
    """Per-feature results (``extra.by_feature``) get their own table, in feature order, and a rule
    inside a case's rule (``extra.by_rule``) shows its judged cases and pass rate."""
    results = copy.deepcopy(tiny_audit.results)
    section = results["suites"]["handmade"]
    section["coverage"]["swap.sub"] = {"n_candidates": 2, "n_changed": 2}
    low = {**RATE, "value": 0.25, "ci_low": 0.05, "ci_high": 0.7, "successes": 1}
    section["extra"] = {
        "by_feature": {"174": {"ewave": 174, "rules": ["aae.zero_copula", "sge.zero_copula"], "varieties": ["aae", "sge"],
                               "n": 4, "n_judged": 4, "pass_rate": RATE, "flip_rate": RATE},
                       "63": {"ewave": 63, "rules": ["inde.zero_article"], "varieties": ["inde"], "n": 4,
                              "n_judged": 4, "pass_rate": low, "flip_rate": RATE}},
        "by_rule": {"swap.sub": {"n_judged": 4, "pass_rate": low}}}
    suite = html = render_report(results, None)
    suite = html[html.index('id="suite-handmade"'):html.index("</article>", html.index('id="suite-handmade"'))]
    table = suite[suite.index("By eWAVE feature"):]
    rows = re.findall(r'<tr class="(\w+)"><td>.*?</td><td class="text">(eWAVE \d+)</td><td>([^<]*)</td><td>([^<]*)</td>'
                      r'<td>4</td><td>4</td><td>([^<]*)</td><td>([^<]*)</td>', table)
    assert rows == [("warn", "eWAVE 63", "inde.zero_article", "inde", "25.0% [5.0, 70.0] (1/4)", "50.0% [25.0, 75.0] (2/4)"),
                    ("pass", "eWAVE 174", "aae.zero_copula, sge.zero_copula", "aae, sge", "50.0% [25.0, 75.0] (2/4)",
                     "50.0% [25.0, 75.0] (2/4)")]
    assert "By feature" not in suite  # shown once, not again as a generic table
    assert re.search(r'<td class="text">swap.sub</td><td>2</td><td>2</td><td>—</td><td>4</td><td>25.0% ', suite)


def test_limitations_name_weakest_class_and_largest_drop(tiny_audit: Audit) -> None:
    results = copy.deepcopy(tiny_audit.results)
    metrics = results["suites"]["test"]["metrics"]
    present = {k: v["f1"] for k, v in metrics["per_class"].items() if v["support"]}
    weakest = min(present, key=present.get)
    suite_accuracy = results["suites"]["handmade"]["metrics"]["accuracy"]["value"]
    results["suites"]["test"]["metrics"]["accuracy"]["value"] = suite_accuracy + 0.25
    found = limitations(results)
    assert any(x.startswith(f"Weakest class: {weakest}, F1 {present[weakest]:.3f}") for x in found)
    assert any(x.startswith("Largest drop from clean accuracy: the handmade suite") and "(-0.250)" in x for x in found)
    assert found[-1].startswith("All figures describe")


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
    assert "$5 &amp; more" in svg and "<metadata" not in svg
    words = "a &lt;b&gt;: &lt;script&gt;alert(1)&lt;/script&gt; 20.0%; $5 &amp; more 90.0%"
    assert f'aria-label="{words}"><title>{words}</title>' in svg


def test_chart_accepts_bounds_a_rounding_error_inside_the_estimate() -> None:
    svg = charts.bar_chart("r", ["all passed"], [1.0], low=[0.9], high=[0.9999999999999999], title="t", xlabel="x",
                           percent=True)
    assert "100.0%" in svg


def test_every_chart_has_a_text_alternative_with_its_numbers(tiny_html: str) -> None:
    openings = re.findall(r"<svg\b[^>]*>(?:<title>[^<]*</title>)?", tiny_html)
    assert len(openings) >= 5
    for tag in openings:
        label = re.search(r'aria-label="([^"]*)"', tag)
        assert label and re.search(r"\d", label[1]) and f"<title>{label[1]}</title>" in tag, tag[:300]


# ---------------------------------------------------------------------------------------------
# Findings: one source for the report, the card and the CLI

POLICY = """version: 1
floors:
  accuracy: {min: 0.95, severity: error}
  macro_f1: {min: 0.80, severity: error}
  weighted_f1: {min: 0.50, severity: error}
  per_class_f1: {min: 0.90, severity: warning, overrides: {joy: 0.5}}
  suite_pass_rate: {min: 0.95, severity: warning}
  group_gap: {max: 0.10, metrics: [macro_f1], severity: error}
"""


def _findings_block(html: str) -> list[tuple[str, str, str]]:
    """``(level, sentence, link)`` of each entry of the report's top findings."""
    return [(level, unescape(text), href) for level, text, href in re.findall(
        r'<li class="(\w+)"><span class="badge \1">\1</span> <span class="finding">(.*?)</span> <a href="([^"]+)">',
        _section(html, "findings"))]


def test_findings_are_ranked_sentences_with_numbers_and_their_sections(tiny_audit: Audit) -> None:
    suites = {**tiny_audit.results["suites"], **{f"copy{i}": tiny_audit.results["suites"]["handmade"] for i in range(4)}}
    results = {**tiny_audit.results, "suites": suites, "bias": BIAS}
    found = findings(results)
    assert len(found) == 7 and len(findings(results, limit=None)) > 7
    assert [f.level for f in found] == sorted((f.level for f in found), key=("fail", "warn", "pass", "info").index)
    assert all(re.search(r"\d", f.text) and f.text.endswith(".") for f in found)
    intervals = [f for f in found if not f.text[0].isdigit()]  # all but the list of further weak classes
    assert len(intervals) >= 6 and all(re.search(r"\[[-\d.]+, [-\d.]+\]", f.text) for f in intervals)
    html = render_report(results, tiny_audit.records)
    assert _findings_block(html) == [(f.level, f.text, f.anchor) for f in found]
    assert all(f'id="{f.anchor[1:]}"' in html for f in found)
    # the findings past the top ones come first in the Limitations section, then the caveats
    rest = [unescape(x) for x in re.findall(r"<li>(.*?)</li>", _section(html, "limitations"))]
    assert rest == limitations(results)[len(found):]


def test_report_card_and_cli_state_the_same_findings(tiny_model: Path, tmp_path: Path,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    """``run`` prints the top findings; report.html opens with them and the card's limitations
    start with them: the same sentences in the same order, all from :func:`findings`, under the
    policy given with ``--policy``."""
    from audit.cli import main
    from audit.policy import load_policy

    data = tmp_path / "test.csv"
    data.write_text("text,label,group\n" + "".join(f'"{t}",{label},{"a" if i % 2 else "b"}\n'
                                                   for i, (t, label) in enumerate((t, lb) for t in TEXTS[1:] * 6
                                                                                  for lb in LABELS)), encoding="utf-8")
    policy = tmp_path / "policy.yaml"
    policy.write_text(POLICY, encoding="utf-8")
    out = tmp_path / "out"
    capsys.readouterr()
    assert main(["run", "--model", str(tiny_model), "--data", str(data), "--out", str(out), "--device", "cpu",
                 "--bootstrap", "1000", "--no-cache", "--group-columns", "group", "--policy", str(policy)]) == 0
    printed = capsys.readouterr().out
    expected = [f.text for f in findings(json.loads((out / "results.json").read_text()), load_policy(policy))]
    assert expected and any("policy's floor of 0.95" in x for x in expected)  # judged by --policy, not the default
    cli = [line.split(None, 2)[2] for line in printed.splitlines() if re.match(r"\d+\. (FAIL|WARN|INFO) ", line)]
    report = [text for _, text, _ in _findings_block((out / "report.html").read_text(encoding="utf-8"))]
    card = (out / "model_card.md").read_text(encoding="utf-8")
    listed = card[card.index("## Limitations and Bias"):card.index("## Recommendations")]
    card_items = [unescape(line[2:]) for line in listed.splitlines() if line.startswith("- ")]
    assert cli == report == card_items[:len(expected)] == expected


# ---------------------------------------------------------------------------------------------
# Badges: the gate's floor verdicts under the same policy

def _summary_badges(html: str) -> dict[str, str]:
    """``{entry name: badge level}`` of the report's summary."""
    return {unescape(name): level for level, name in re.findall(
        r'<div class="check (\w+)"><span class="badge \1">\1</span><div><a href="[^"]*">(.*?)</a>', _section(html, "summary"))}


def _summary_name(check: Any) -> str | None:
    """The report's summary entry that shows a gate floor check (None: shown elsewhere)."""
    if check.rule in ("accuracy", "macro_f1"):
        return {"accuracy": "Accuracy", "macro_f1": "Macro F1"}[check.rule] + " (clean test)"
    if check.rule == "suite_pass_rate":
        return f"Suite {check.scope} (INV) pass rate"
    if check.rule == "group_gap":
        attribute, metric = check.scope.split("/")
        return f"Largest {metric.replace('_', ' ')} gap: {attribute}"
    return None


def test_badges_are_the_gates_floor_verdicts(synthetic_run: Path, tmp_path: Path,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    """On the same files and policy, a report badge is FAIL exactly where the gate's floor check
    fails with error severity; a failing warning is WARN; the legend shows the policy's limits."""
    from audit.cli import main
    from audit.gate import load_baseline, load_run, run_gate
    from audit.policy import load_policy

    policy, baseline, page = tmp_path / "policy.yaml", tmp_path / "baseline.json", tmp_path / "report.html"
    policy.write_text(POLICY, encoding="utf-8")
    assert main(["baseline", str(synthetic_run), "-o", str(baseline), "-q"]) == 0
    assert main(["report", str(synthetic_run), "-o", str(page), "--policy", str(policy)]) == 0
    gate = run_gate(load_baseline(baseline), load_run(synthetic_run), load_policy(policy))
    floors = [c for c in gate.checks if c.kind == "floor"]
    html = page.read_text(encoding="utf-8")
    shown = _summary_badges(html)
    compared = {_summary_name(c): c.verdict for c in floors if _summary_name(c)}
    assert len(compared) >= 4 and {"fail", "warn"} <= set(compared.values())
    for name, verdict in compared.items():
        assert (shown[name] == "fail") == (verdict == "fail"), (name, shown[name], verdict)
        assert verdict != "warn" or shown[name] == "warn", name
    rows = re.findall(r'<tr class="(\w+)"><td><span[^>]*>\w+</span></td><td class="text">(\w+)</td>',
                      _section(html, "results"))
    verdicts = {c.scope: c.verdict for c in floors if c.rule == "per_class_f1"}
    assert {label: level for level, label in rows if label in verdicts} == verdicts  # a warning floor, no intervals
    legend = _section(html, "metrics")
    assert "policy.yaml" in legend and "at least 95%" in legend and "at least 0.80" in legend
    assert "at most 0.10" in legend and "joy at least 0.50" in legend
    default = render_report(json.loads(synthetic_run.read_text()), None)
    assert "gate_policy.yaml (built-in default)" in default and "at least 50%" in _section(default, "metrics")


def _gap_results(value: float, low: float, high: float) -> dict[str, Any]:
    return {"bias": {"attributes": {"gender": {"gaps": {"accuracy": {
        "value": value, "ci_low": low, "ci_high": high, "high_group": "male", "low_group": "female", "n_groups": 2}}}}}}


@pytest.mark.parametrize("gap, severity, level", [
    ((0.035, 0.019, 0.050), "warning", "warn"),   # within the maximum, but the interval excludes 0: a real gap
    ((0.035, -0.010, 0.080), "error", "pass"),    # within it, interval includes 0 and stays below the maximum
    ((0.035, -0.010, 0.120), "error", "warn"),    # the interval reaches above the maximum
    ((0.150, 0.100, 0.200), "warning", "warn"),   # the gate's warning
    ((0.150, 0.100, 0.200), "error", "fail"),     # the gate's failure
])
def test_gap_badge_cannot_pass_where_the_interval_disagrees(gap: tuple[float, float, float], severity: str,
                                                            level: str) -> None:
    from audit.gate import floor_checks
    from audit.policy import parse_policy
    from audit.reporting.badges import badges

    policy = parse_policy({"version": 1, "floors": {"group_gap": {"max": 0.1, "metrics": ["accuracy"],
                                                                  "severity": severity}}}, "test")
    results = _gap_results(*gap)
    (check,) = floor_checks(results, policy)
    assert badges(results, policy).level("group_gap", "gender/accuracy", results["bias"]["attributes"]["gender"]
                                         ["gaps"]["accuracy"]) == level
    assert (level == "fail") == (check.verdict == "fail")


def test_reference_badges_follow_the_default_policy() -> None:
    """The reference audit under the shipped policy: suites pass or warn against its 50% floor (not
    the old 90%), nothing the gate passes is failed, and the gender gap of 0.035 [0.019, 0.050] is
    not a pass."""
    golden = json.loads((Path(__file__).parent / "golden" / "reference_results.json").read_text(encoding="utf-8"))
    shown = _summary_badges(render_report(golden, None))
    assert shown["Suite sarcasm (MFT) pass rate"] == "pass" and shown["Suite negation (DIR) pass rate"] == "warn"
    assert "fail" not in shown.values()
    assert shown["Largest accuracy gap: gender"] == "warn" and shown["Largest accuracy gap: nationality"] == "pass"


# ---------------------------------------------------------------------------------------------
# The reference model's report in a real browser


def _browser() -> str | None:
    return next(filter(None, map(shutil.which, ("chromium", "chromium-browser", "google-chrome"))), None)


def _screenshot(browser: str, page: Path, png: Path, profile: Path, height: int) -> Any:
    """``page`` as headless Chromium paints it in a 1280-pixel-wide window, as an RGB image."""
    from PIL import Image

    subprocess.run([browser, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                    "--disable-background-networking", "--disable-component-update", "--disable-sync",
                    f"--user-data-dir={profile}", f"--screenshot={png}", f"--window-size=1280,{height}",
                    page.as_uri()], check=True, capture_output=True, timeout=120)
    image = Image.open(png).convert("RGB")
    assert image.size == (1280, height)
    return image


def _pixels(image: Any, colour: str, tolerance: int = 12) -> int:
    """How many pixels of ``image`` have (nearly) the colour ``#rrggbb``."""
    target = tuple(int(colour[i:i + 2], 16) for i in (1, 3, 5))
    return sum(n for n, rgb in image.getcolors(maxcolors=1 << 22)
               if all(abs(a - b) <= tolerance for a, b in zip(rgb, target)))


@pytest.mark.integration
@pytest.mark.slow
def test_reference_report_renders_in_chromium(reference_audit: tuple[Audit, Path], tmp_path: Path) -> None:
    """The full reference audit (every suite): under 1.5 MB, rendered in under 5 s, every chart an
    SVG with its numbers in words; in Chromium the page opens with the top findings (warning
    badges in view) and the bias section paints its forest plots (significant rows in red)."""
    browser = _browser()
    if browser is None:
        if os.environ.get("CI"):
            pytest.fail("chromium is required in CI for the report screenshot test")
        pytest.skip("chromium not installed")

    audit, _ = reference_audit
    render_report(audit.results, audit.records)  # the first call loads matplotlib and its fonts
    started = time.process_time()
    html = render_report(audit.results, audit.records)
    assert time.process_time() - started < 5.0
    assert len(html.encode("utf-8")) < 1_500_000
    assert all(f'id="{sid}"' in html for sid in (*SECTION_IDS, "suite-negation", "bias-race"))
    assert re.search(r'<li class="warn">.*?negation suite', _section(html, "findings"))
    assert html.count("<svg") == html.count("<title>") - 1 and 'aria-label=""' not in html  # + the page's <title>
    page = tmp_path / "report.html"
    page.write_text(html, encoding="utf-8")
    top = _screenshot(browser, page, tmp_path / "top.png", tmp_path / "profile", 1600)
    small = top.resize((320, 400))
    assert len(small.getcolors(maxcolors=1 << 16) or []) > 50
    assert _pixels(top, charts.LEVEL_COLOURS["warn"]) > 2000  # the findings' warning badges and borders
    bias = tmp_path / "bias.html"  # the bias section alone, with the report's styles
    bias.write_text(html[:html.index("<main>") + 6] + _section(html, "bias") + "</section></main></body></html>",
                    encoding="utf-8")
    section = _screenshot(browser, bias, tmp_path / "bias.png", tmp_path / "profile", 2400)
    assert _pixels(section, charts.LEVEL_COLOURS["fail"]) > 200  # significant shifts in the forest plots
    assert sum(n for n, rgb in section.getcolors(maxcolors=1 << 22) if min(rgb) < 240) > 0.1 * 1280 * 2400


def test_the_report_and_card_run_writes_are_the_ones_the_commands_make(tiny_audit: Audit, tmp_path: Path) -> None:
    """results.json keeps its keys sorted; run rendered from the document as built, in generation
    order, so `report` and `card` on the written files ordered rule, feature and provenance rows
    differently. Both now render the document as it reads back."""
    from audit.reporting.outputs import CARD_FILE, REPORT_FILE, rebuild_card, rebuild_report, write_all
    from audit.results import RESULTS_FILE

    out = tmp_path / "out"
    write_all(out, tiny_audit)
    rebuild_report(out / RESULTS_FILE, tmp_path / "report.html")
    rebuild_card(out / RESULTS_FILE, tmp_path / "card.md")
    assert (tmp_path / "report.html").read_bytes() == (out / REPORT_FILE).read_bytes()
    assert (tmp_path / "card.md").read_bytes() == (out / CARD_FILE).read_bytes()
