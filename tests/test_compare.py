"""``emotion-audit compare``: paired tests against statsmodels, sentences, refusals, outputs, and the
reference model against a degraded copy of itself and against itself."""
from __future__ import annotations

import json
import shutil
import time
from pathlib import Path

import numpy as np
import pytest
from scipy.stats import norm
from statsmodels.stats.contingency_tables import mcnemar as sm_mcnemar
from statsmodels.stats.multitest import multipletests

from audit.cli import main
from audit.compare import compare, load_entries, pair_sentence, two_sided_bootstrap
from audit.data import Dataset
from audit.model import CallableClassifier
from audit.results import PREDICTIONS_FILE, RESULTS_FILE, write_outputs
from audit.runner import evaluate

from conftest import LABELS
from test_gate import _drop_first_test_case, _shift_logit


def _records(results: Path) -> list[dict]:
    return [json.loads(line) for line in results.with_name(PREDICTIONS_FILE).read_text().splitlines()]


def shifted_run(synthetic_run: Path, folder: Path, column: str, shift: float) -> Path:
    """The synthetic run's split re-scored by its classifier with one logit shifted (no suite)."""
    records = _records(synthetic_run)
    probs = {r["text"]: np.array(r["probs"]) for r in records}
    test = [r for r in records if r["suite"] == "test"]
    data = Dataset("synthetic", "test", [r["text"] for r in test], [r["label"] for r in test],
                   groups={"group": ["a" if i % 3 else "b" for i in range(len(test))]})
    k = LABELS.index(column)
    clf = CallableClassifier(lambda texts: _shift_logit(np.stack([probs[t] for t in texts]), k, shift), LABELS,
                             name=f"{column} bias {shift:+g}")
    audit = evaluate(clf, data, group_columns=["group"], progress=False)
    write_outputs(folder, audit.results, audit.records)
    return folder / RESULTS_FILE


@pytest.fixture(scope="module")
def degraded(synthetic_run: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The synthetic classifier with its joy logit raised by 3: many texts flip to joy."""
    return shifted_run(synthetic_run, tmp_path_factory.mktemp("degraded"), "joy", 3.0)


def test_a_run_against_itself(synthetic_run: Path, tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    shutil.copytree(synthetic_run.parent, tmp_path / "copy")
    out = tmp_path / "c"
    assert main(["compare", str(synthetic_run), str(tmp_path / "copy"), "-o", str(out.with_suffix(".html")),
                 "--json", str(out.with_suffix(".json")), "--markdown", str(out.with_suffix(".md"))]) == 0
    printed = capsys.readouterr().out
    doc = json.loads(out.with_suffix(".json").read_text())
    assert doc["format"] == 1 and [r["name"] for r in doc["runs"]] == ["synthetic (synthetic-run0)", "synthetic (copy)"]
    assert all(t["p_value"] == 1.0 and not t["significant"] and t["difference"] == 0 for t in doc["tests"])
    assert [t["scope"] for t in doc["tests"]] == ["test", "test", "toy"]  # the suite is paired too
    assert doc["sentences"][0].startswith("synthetic (synthetic-run0) and synthetic (copy) do not differ significantly")
    assert doc["sentences"][0].endswith("no suite differs significantly.") and doc["sentences"][0] in printed
    html = out.with_suffix(".html").read_text()
    assert "<script" not in html and "Paired tests" in html and "0.8500 [0.7833, 0.9167]" in html
    assert "| Accuracy | 0.8500 [0.7833, 0.9167] | 0.8500 [0.7833, 0.9167] |" in out.with_suffix(".md").read_text()


def test_a_degraded_copy_is_worse(synthetic_run: Path, degraded: Path) -> None:
    doc = compare(load_entries([synthetic_run, degraded]), n_resamples=2000, seed=0)
    accuracy, macro_f1 = doc["tests"][:2]
    base, worse = (json.loads(p.read_text())["suites"]["test"]["metrics"] for p in (synthetic_run, degraded))
    assert accuracy["difference"] == pytest.approx(worse["accuracy"]["value"] - base["accuracy"]["value"])
    assert macro_f1["difference"] == pytest.approx(worse["macro_f1"]["value"] - base["macro_f1"]["value"])
    assert accuracy["difference"] < 0 and accuracy["significant"] and macro_f1["significant"]
    assert macro_f1["ci_low"] <= macro_f1["difference"] <= macro_f1["ci_high"] < 0
    # McNemar against statsmodels on the same 2x2 table of per-case correctness.
    right = [[r["pred"] == r["label"] for r in _records(p) if r["suite"] == "test"] for p in (synthetic_run, degraded)]
    table = [[sum(a and b for a, b in zip(*right)), sum(a and not b for a, b in zip(*right))],
             [sum(b and not a for a, b in zip(*right)), sum(not a and not b for a, b in zip(*right))]]
    exact = table[0][1] + table[1][0] < 25
    assert accuracy["p_value"] == pytest.approx(sm_mcnemar(table, exact=exact, correction=True).pvalue)
    assert (accuracy["only_first"], accuracy["only_second"]) == (table[0][1], table[1][0])
    # Holm over every test of every pair, as statsmodels adjusts them.
    assert [t["p_adjusted"] for t in doc["tests"]] == pytest.approx(
        multipletests([t["p_value"] for t in doc["tests"]], method="holm")[1])
    assert doc["unpaired_suites"] == [
        {"pair": ["synthetic", "joy bias +3"], "suite": "toy", "reason": "not run in both"}]
    assert doc["sentences"][0].startswith("synthetic is better than joy bias +3 on macro F1 by ")
    assert doc["sentences"][0].endswith("no suite is significantly worse.")


def test_three_runs_give_three_pairs(synthetic_run: Path, degraded: Path, tmp_path: Path) -> None:
    other = shifted_run(synthetic_run, tmp_path / "anger", "anger", 1.0)
    doc = compare(load_entries([synthetic_run, degraded, other]), n_resamples=1000)
    assert [t["pair"] for t in doc["tests"] if t["metric"] == "accuracy"] == [
        ["synthetic", "joy bias +3"], ["synthetic", "anger bias +1"], ["joy bias +3", "anger bias +1"]]
    assert len(doc["sentences"]) == 3 and doc["correction"]["n_tests"] == len(doc["tests"])


def test_two_sided_bootstrap_against_its_definition() -> None:
    """p = 2 (1 - Phi(|d| / sd)), sd the standard deviation of the resampled differences, which
    are the per-row means of the same seeded resamples; degenerate cases by hand."""
    values = np.random.default_rng(3).normal(0.02, 0.1, size=400)
    mean = lambda idx: values[idx].mean(axis=1)  # noqa: E731
    diff, low, high, p = two_sided_bootstrap(mean, len(values), n_resamples=2000, seed=7)
    resampled = np.concatenate([mean(np.random.default_rng(7).integers(0, 400, size=(2000, 400)))])
    assert diff == pytest.approx(values.mean())
    assert (low, high) == pytest.approx(tuple(np.quantile(resampled, [0.025, 0.975])))
    assert p == pytest.approx(2 * norm.sf(abs(values.mean()) / resampled.std(ddof=1)))
    always = lambda value: (lambda idx: np.full(idx.shape[0], value, dtype=float))  # noqa: E731
    assert two_sided_bootstrap(always(0.5), 10, n_resamples=999, seed=0) == (0.5, 0.5, 0.5, 2 / 1000)
    assert two_sided_bootstrap(always(0.0), 10, n_resamples=999, seed=0)[3] == 1.0


def test_sentence_wording() -> None:
    def test(metric: str, scope: str, first: float, second: float, p: float, **extra) -> dict:
        return {"pair": ["A", "B"], "metric": metric, "scope": scope, "first": first, "second": second,
                "difference": second - first, "p_adjusted": p, **extra}

    tests = [test("accuracy", "test", 0.90, 0.92, 0.004),
             test("macro_f1", "test", 0.850, 0.881, 0.002, ci_low=0.012, ci_high=0.050),
             test("pass_rate", "negation", 0.30, 0.20, 0.01), test("pass_rate", "short", 0.5, 0.6, 0.2)]
    assert pair_sentence(tests, 0.05) == (
        "B is better than A on macro F1 by 0.031 [0.012, 0.050], p = 0.002 (accuracy +0.0200, p = 0.004); "
        "but B is significantly worse on negation (pass rate 20.0% vs 30.0%, p = 0.010).")
    tests[3]["p_adjusted"] = 0.01  # A is worse on short: said after the winner's own
    assert pair_sentence(tests, 0.05).endswith(
        "but B is significantly worse on negation (pass rate 20.0% vs 30.0%, p = 0.010); "
        "A is also significantly worse on short (pass rate 50.0% vs 60.0%, p = 0.010).")
    tests[1]["p_adjusted"] = 0.3
    assert pair_sentence(tests, 0.05) == (
        "A and B do not differ significantly on macro F1 (B - A = +0.031 [+0.012, +0.050], p = 0.300; "
        "accuracy +0.0200, p = 0.004); significantly worse suites: A on short (pass rate 50.0% vs 60.0%, "
        "p = 0.010); B on negation (pass rate 20.0% vs 30.0%, p = 0.010).")
    tests[0]["difference"] = -0.02  # A better on F1 (difference negative): A named first
    tests[1].update(p_adjusted=0.002, difference=-0.031, ci_low=-0.050, ci_high=-0.012)
    tests[3]["p_adjusted"] = 0.2
    assert pair_sentence(tests, 0.05) == (
        "A is better than B on macro F1 by 0.031 [0.012, 0.050], p = 0.002 (accuracy +0.0200, p = 0.004); "
        "no suite is significantly worse; B is also significantly worse on negation "
        "(pass rate 20.0% vs 30.0%, p = 0.010).")


def test_runs_on_other_test_sets_are_refused(synthetic_run: Path, tmp_path: Path,
                                             capsys: pytest.CaptureFixture) -> None:
    shutil.copytree(synthetic_run.parent, tmp_path / "other")
    results = tmp_path / "other" / RESULTS_FILE
    results.write_text(results.read_text().replace(json.loads(results.read_text())["dataset"]["sha256"], "0" * 64))
    assert main(["compare", str(synthetic_run), str(results), "-o", str(tmp_path / "c.html")]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("emotion-audit: error: cannot compare") and "the test data differ" in err
    assert len(err.splitlines()) == 1 and not (tmp_path / "c.html").exists()


def test_other_label_order_is_refused(synthetic_run: Path, tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    records = [r for r in _records(synthetic_run) if r["suite"] == "test"]
    probs = {r["text"]: np.array(r["probs"])[::-1] for r in records}
    data = Dataset("synthetic", "test", [r["text"] for r in records], [r["label"] for r in records])
    audit = evaluate(CallableClassifier(lambda texts: np.stack([probs[t] for t in texts]), LABELS[::-1],
                                        name="reversed"), data, progress=False)
    assert audit.results["model"]["labels"] == LABELS[::-1]
    write_outputs(tmp_path / "reversed", audit.results, audit.records)
    assert main(["compare", str(synthetic_run), str(tmp_path / "reversed")]) == 2
    err = capsys.readouterr().err.strip()
    assert "label names or order differ" in err and len(err.splitlines()) == 1


def test_other_case_ids_are_refused(synthetic_run: Path, tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    shutil.copytree(synthetic_run.parent, tmp_path / "other")
    _drop_first_test_case(tmp_path / "other")
    assert main(["compare", str(synthetic_run), str(tmp_path / "other")]) == 2
    err = capsys.readouterr().err.strip()
    assert "case ids differ" in err and len(err.splitlines()) == 1


@pytest.mark.parametrize("args, message", [
    (lambda run: [str(run)], "compare needs at least two runs, got 1"),
    (lambda run: [str(run), "/nonexistent/results.json"], "results file not found"),
    (lambda run: [str(run), str(run), "--bootstrap", "10"], "argument --bootstrap: must be an integer >= 1000"),
])
def test_bad_input_is_one_line_exit_2(synthetic_run: Path, capsys: pytest.CaptureFixture, args, message: str) -> None:
    assert main(["compare", *args(synthetic_run)]) == 2
    err = capsys.readouterr().err.strip()
    assert message in err and len(err.splitlines()) == 1


def test_missing_predictions_are_refused(synthetic_run: Path, tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    (tmp_path / "only").mkdir()
    shutil.copy(synthetic_run, tmp_path / "only" / RESULTS_FILE)
    assert main(["compare", str(synthetic_run), str(tmp_path / "only")]) == 2
    assert "predictions.jsonl not found" in capsys.readouterr().err


# --- the reference model ------------------------------------------------------------------------

@pytest.mark.integration
@pytest.mark.slow
def test_reference_model_against_a_degraded_copy_and_itself(reference_audit, emotion_data: Path, tmp_path: Path,
                                                            capsys: pytest.CaptureFixture) -> None:
    """The reference audit (every suite) against the same model with its joy logit raised by 4
    (the reference probabilities shifted, no second inference pass) and against a copy of itself.
    Also the timings the README states: the label-issue search and the slice search against the
    whole audit, and the comparison itself."""
    audit, base = reference_audit
    durations = audit.results["run"]["durations"]
    added = durations["label_issues_s"] + durations["slices_s"]
    print(f"label issues {durations['label_issues_s']:.2f} s, slices {durations['slices_s']:.2f} s, "
          f"audit total {durations['total_s']:.1f} s ({100 * added / durations['total_s']:.1f}%)")
    assert added <= 0.1 * durations["total_s"]
    labels = audit.results["model"]["labels"]
    probs = {r["text"]: np.array(r["probs"]) for r in audit.records}
    joy = labels.index("joy")
    clf = CallableClassifier(lambda texts: _shift_logit(np.stack([probs[t] for t in texts]), joy, 4.0), labels,
                             name="joy bias +4")
    shifted = evaluate(clf, str(emotion_data), suites=["all"], progress=False)
    write_outputs(tmp_path / "shifted", shifted.results, shifted.records)
    shutil.copytree(base, tmp_path / "copy")
    started = time.perf_counter()
    assert main(["-q", "compare", str(base), str(tmp_path / "shifted"), str(tmp_path / "copy"),
                 "--json", str(tmp_path / "c.json"), "-o", str(tmp_path / "c.html"),
                 "--markdown", str(tmp_path / "c.md")]) == 0
    print(f"compare of 3 runs {time.perf_counter() - started:.1f} s")
    doc = json.loads((tmp_path / "c.json").read_text())
    reference, degraded_name, copy = (r["name"] for r in doc["runs"])
    assert doc["sentences"][0].startswith(f"{reference} is better than {degraded_name} on macro F1 by ")
    assert doc["sentences"][1].startswith(f"{reference} and {copy} do not differ significantly")
    self_tests = [t for t in doc["tests"] if t["pair"] == [reference, copy]]
    assert self_tests and all(t["p_value"] == 1.0 and t["difference"] == 0 for t in self_tests)
    assert {t["scope"] for t in self_tests} == set(doc["suites"]) | {"test"}  # every suite paired


def test_a_run_without_labelled_rows_is_refused_in_one_line(synthetic_run: Path, tmp_path: Path,
                                                            capsys: pytest.CaptureFixture) -> None:
    records = _records(synthetic_run)
    probs = {r["text"]: np.array(r["probs"]) for r in records}
    texts = [r["text"] for r in records if r["suite"] == "test"]
    data = Dataset("synthetic", "test", texts, [None] * len(texts))
    audit = evaluate(CallableClassifier(lambda t: np.stack([probs[x] for x in t]), LABELS), data, progress=False)
    write_outputs(tmp_path / "unlabelled", audit.results, audit.records)
    run = str(tmp_path / "unlabelled" / RESULTS_FILE)
    assert main(["compare", run, run]) == 2  # was an internal error (KeyError: 'metrics')
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "no labelled rows" in err
