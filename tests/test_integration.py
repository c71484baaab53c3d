"""The full audit of the reference model: every suite present, its cases written, reproducible."""
from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from audit.runner import Options, available_suites, plan_audit
from audit.suite import cases_hash

pytestmark = pytest.mark.integration


def test_every_suite_is_in_results_with_its_cases(reference_audit) -> None:
    audit, out = reference_audit
    suites = audit.results["suites"]
    assert set(suites) == {"test", *available_suites()}
    per_suite = Counter(json.loads(line)["suite"] for line in (out / "predictions.jsonl").open())
    for name, section in suites.items():
        assert per_suite[name] == section["n"] > 0, name
        if name != "test":
            assert 0 <= section["pass_rate"]["ci_low"] <= section["pass_rate"]["value"] <= section["pass_rate"]["ci_high"]
    assert audit.results["suites"]["test"]["metrics"]["accuracy"]["value"] == pytest.approx(0.9255, abs=5e-5)
    # Each distinct text ran once although many suites share source texts.
    inference = audit.results["run"]["inference"]
    assert inference["unique"] < inference["requested"]


def test_reference_figures_documented_in_the_readme(reference_audit) -> None:
    s = reference_audit[0].results["suites"]
    assert s["negation"]["pass_rate"]["value"] < 0.05          # negation is all but ignored
    assert s["sarcasm"]["extra"]["literal_trap_rate"]["value"] > 0.3
    assert s["dialect"]["flip_rate"]["value"] < 0.02
    assert s["robustness"]["pass_rate"]["value"] > 0.9


def test_same_seed_same_cases_other_seed_other_samples(reference_model: Path, emotion_data: Path) -> None:
    def hashes(seed: int) -> dict[str, str]:
        plan = plan_audit(str(reference_model), str(emotion_data), Options(suites=("all",), seed=seed, progress=False))
        return {spec.name: cases_hash(suite.cases) for spec, suite in plan.generated}

    first, again, other = hashes(0), hashes(0), hashes(1)
    assert first == again
    assert first["sarcasm"] != other["sarcasm"] and first["robustness"] != other["robustness"]
    assert first["negation"] == other["negation"]  # rule-based, no random choice


def test_group_columns_on_a_csv(reference_audit, reference_model: Path, emotion_data: Path,
                                reference_cache: Path, tmp_path: Path) -> None:
    """Disaggregated metrics through the CLI; a group below the minimum size is flagged, not judged."""
    from audit.cli import main
    from audit.data import load_data

    split = load_data(str(emotion_data))
    rows = ["text,label,gender,age"]
    for i, (text, label) in enumerate(zip(split.texts[:900], split.labels[:900])):
        gender = "nonbinary" if i % 50 == 0 else ("female" if i % 2 else "male")  # 18 nonbinary rows
        rows.append(f'"{text}",{label},{gender},{"young" if i % 3 else "old"}')
    (tmp_path / "groups.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    code = main(["-q", "run", "--model", str(reference_model), "--data", str(tmp_path / "groups.csv"),
                 "--group-columns", "gender,age", "--out", str(tmp_path / "out"), "--device", "cpu",
                 "--cache-dir", str(reference_cache)])
    assert code == 0
    bias = json.loads((tmp_path / "out" / "results.json").read_text())["bias"]
    gender = bias["attributes"]["gender"]
    assert gender["source"] == "group column"
    assert gender["groups"]["nonbinary"]["n"] == 18 and gender["groups"]["nonbinary"]["too_small"]
    assert gender["excluded_groups"] == ["nonbinary"]
    assert {gender["gaps"]["accuracy"]["high_group"], gender["gaps"]["accuracy"]["low_group"]} == {"female", "male"}
    assert "gender x age" in bias["intersections"]
    assert 'id="bias"' in (tmp_path / "out" / "report.html").read_text()
