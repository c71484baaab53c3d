"""Training evidence: each suite's hook runs on the training split and lands in results and report."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from audit.cli import main
from audit.data import load_data
from audit.errors import AuditError
from audit.findings import limitations
from audit.metrics import rate_with_ci
from audit.model import CallableClassifier
from audit.reporting.formatting import fmt_rate
from audit.reporting.report import render_report
from audit.runner import evaluate
from audit.suite import SourceData, SuiteContext, load_spec
from audit.train_check import disagrees, evidence, find_train_split
from conftest import LABELS
from instrument_suite import TRAIN_ROWS, user_suite, write_split  # noqa: F401  (fixture)


def _clf() -> CallableClassifier:
    return CallableClassifier(lambda texts: np.eye(6)[[len(t) % 6 for t in texts]], LABELS, name="lengths")


def _run(suites: Path, data: Path | str, **options) -> dict:
    return evaluate(_clf(), str(data), suites=["shout"], suites_dirs=[suites], progress=False, use_cache=False,
                    **options).results


# The training file's convention: of 14 "i didnt feel happy" texts, 12 are labelled joy (the
# negated word's class) and 2 sadness; the suite expects a negated joy to leave joy.
KNOWN = {"n_train": 20, "n_matched": 14, "n_consistent": 2, "label_counts": {"joy": 12, "sadness": 2}}
SUMMARY = "train: 14 texts open with i didnt feel happy; 14% are not labelled joy"


def test_train_split_of_the_data_folder_is_used(user_suite) -> None:  # noqa: F811
    suites, data = user_suite
    results = _run(suites, data)
    found = results["suites"]["shout"]["train_evidence"]
    assert {k: found[k] for k in KNOWN} == KNOWN
    assert found["consistent_rate"] == rate_with_ci(2, 14)
    assert found["summary"] == SUMMARY
    train = results["dataset"]["train"]
    assert (train["split"], train["size"], train["n_labeled"]) == ("train", 20, 20)
    assert train["sha256"] == load_data(str(data), split="train").sha256()


def test_disagreement_reaches_the_report_and_limitations(user_suite) -> None:  # noqa: F811
    suites, data = user_suite
    results = _run(suites, data)
    assert disagrees(results["suites"]["shout"]["train_evidence"])  # 14.3% [4.0, 39.9]
    sentence = (f"Training labels disagree with the shout suite's expectation — {SUMMARY}. Its failures partly "
                "reflect a labelling convention the model learned, not only a model defect.")
    assert sentence in limitations(results)
    html = render_report(results).replace("&#39;", "'")
    assert SUMMARY in html and sentence in html
    assert f"labelled as this suite expects: {fmt_rate(rate_with_ci(2, 14))}" in html
    assert fmt_rate(rate_with_ci(2, 14)) == "14.3% [4.0, 39.9] (2/14)"


@pytest.mark.parametrize("matched, consistent, expected", [
    (10, 2, False),     # 20% [5.7, 51.0]: the interval reaches 0.5, no firm disagreement
    (20, 2, True),      # 10% [2.8, 30.1]
    (20, 15, False),
    (0, 0, False),      # nothing matched
])
def test_disagrees(matched: int, consistent: int, expected: bool) -> None:
    rate = rate_with_ci(consistent, matched) if matched else None
    assert disagrees({"consistent_rate": rate}) is expected


def test_explicit_train_data_and_no_train_check(user_suite, tmp_path: Path) -> None:  # noqa: F811
    suites, data = user_suite
    more = write_split(tmp_path / "more_train.txt", TRAIN_ROWS + [("i didnt feel happy again", "sadness")] * 10)
    found = _run(suites, data, train_data=str(more))["suites"]["shout"]["train_evidence"]
    assert (found["n_matched"], found["n_consistent"]) == (24, 12)
    results = _run(suites, data, train_check=False)
    assert results["suites"]["shout"]["train_evidence"] is None and results["dataset"]["train"] is None


def test_no_train_split_no_evidence(user_suite) -> None:  # noqa: F811
    suites, data = user_suite
    results = _run(suites, data / "test.txt")          # a single file has no train split beside it
    assert results["suites"]["shout"]["train_evidence"] is None and results["dataset"]["train"] is None
    (data / "train.txt").unlink()
    assert _run(suites, data)["suites"]["shout"]["train_evidence"] is None


def test_find_train_split(user_suite, tmp_path: Path) -> None:  # noqa: F811
    _, data = user_suite
    found, automatic = find_train_split(str(data), None)
    assert automatic and found.split == "train" and len(found.texts) == 20
    loaded = load_data(str(data))
    assert find_train_split(loaded, None) == (None, True)        # a loaded Dataset: nothing to look beside
    found, automatic = find_train_split(loaded, str(data / "train.txt"))
    assert not automatic and len(found.texts) == 20


def test_unknown_train_label_names_the_way_out(user_suite, capsys: pytest.CaptureFixture, tmp_path: Path) -> None:  # noqa: F811
    suites, data = user_suite
    write_split(data / "train.txt", [("i didnt feel happy", "bliss")])
    with pytest.raises(AuditError, match="--no-train-check"):
        _run(suites, data)


def _ctx(suites: Path) -> SuiteContext:
    return SuiteContext(load_spec(suites / "shout.yaml"), SourceData([], [], []), LABELS, 0)


@pytest.mark.parametrize("change, message", [
    (lambda d: d.pop("summary"), "has no 'summary'"),
    (lambda d: d.update(n_matched="10"), "'n_matched' has the wrong type"),
    (lambda d: d.update(n_consistent=True), "'n_consistent' has the wrong type"),
    (lambda d: d.update(n_consistent=15), "must satisfy"),
])
def test_malformed_hook_results_are_refused(change, message: str, user_suite, monkeypatch: pytest.MonkeyPatch) -> None:  # noqa: F811
    suites, _ = user_suite
    ctx = _ctx(suites)
    from audit.suite import generator_module

    module = generator_module(ctx.spec)
    original = module.train_evidence

    def broken(c, train):
        found = original(c, train)
        change(found)
        return found

    monkeypatch.setattr(module, "train_evidence", broken)
    train = SourceData([f"t{i}" for i in range(len(TRAIN_ROWS))], [t for t, _ in TRAIN_ROWS], [lab for _, lab in TRAIN_ROWS])
    with pytest.raises(AuditError, match=message):
        evidence(ctx, train)


def test_cli_train_data_on_the_tiny_model(tiny_model: Path, user_suite, tmp_path: Path) -> None:  # noqa: F811
    suites, data = user_suite
    out = tmp_path / "out"
    more = write_split(tmp_path / "more_train.txt", TRAIN_ROWS + [("i didnt feel happy yet", "joy")] * 10)
    assert main(["-q", "run", "--model", str(tiny_model), "--data", str(data / "test.txt"), "--suites", "shout",
                 "--suites-dir", str(suites), "--out", str(out), "--device", "cpu", "--no-cache",
                 "--train-data", str(more)]) == 0
    results = json.loads((out / "results.json").read_text())
    found = results["suites"]["shout"]["train_evidence"]
    assert (found["n_matched"], found["n_consistent"]) == (24, 2)
    assert results["schema_version"] == "1.3" and results["dataset"]["train"]["size"] == 30
    html = (out / "report.html").read_text().replace("&#39;", "'")
    assert "Training labels disagree with the shout suite's expectation" in html
    assert main(["-q", "run", "--model", str(tiny_model), "--data", str(data), "--suites", "shout",
                 "--suites-dir", str(suites), "--out", str(out), "--device", "cpu", "--no-cache",
                 "--no-train-check"]) == 0
    assert json.loads((out / "results.json").read_text())["suites"]["shout"]["train_evidence"] is None


@pytest.mark.integration
def test_three_instruments_on_the_reference_model(reference_model: Path, emotion_data: Path, user_suite,  # noqa: F811
                                                  reference_cache: Path, tmp_path: Path) -> None:
    """From the CLI on the reference model: a review made with `suites sample/review` is attached,
    casing and spacing rewrites are no-ops for its uncased tokenizer, and the training split
    beside the data is searched."""
    import csv

    suites, _ = user_suite
    folder = tmp_path / "emotion"
    folder.mkdir()
    test_rows = [line.rsplit(";", 1) for line in (emotion_data / "test.txt").read_text().splitlines()[1:41]]
    write_split(folder / "test.txt", [(t, lab) for t, lab in test_rows])
    (folder / "train.txt").write_text((emotion_data / "train.txt").read_text())
    sample = tmp_path / "sample.csv"
    assert main(["-q", "suites", "sample", "shout", "--data", str(folder), "--suites-dir", str(suites),
                 "-o", str(sample)]) == 0
    rows = [{**row, "verdict": "valid"} for row in csv.DictReader(sample.open())]
    with sample.open("w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    assert main(["-q", "suites", "review", str(sample), "--data", str(folder), "--suites-dir", str(suites)]) == 0
    out = tmp_path / "out"
    assert main(["-q", "run", "--model", str(reference_model), "--data", str(folder), "--suites", "shout",
                 "--suites-dir", str(suites), "--out", str(out), "--device", "cpu",
                 "--cache-dir", str(reference_cache)]) == 0
    section = json.loads((out / "results.json").read_text())["suites"]["shout"]
    assert section["validity"]["current"] and section["validity"]["n_reviewed"] == 60
    assert section["validity"]["valid_rate"]["value"] == 1.0
    assert {rule: c["n_noop"] for rule, c in section["coverage"].items()} == {"upper": 40, "spaces": 40, "mark": 0}
    assert section["n_judged"] == 40
    found = section["train_evidence"]
    assert found["n_train"] == 16000 and found["n_matched"] == sum(
        line.startswith("i didnt feel happy") for line in (emotion_data / "train.txt").read_text().splitlines())
