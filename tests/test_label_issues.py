"""Suspected label errors (cleanlab confident learning): against cleanlab's own functions, a hand
case, recovery of labels corrupted at a known rate, the results.json section and the report."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from cleanlab.filter import find_label_issues as cleanlab_find_label_issues
from cleanlab.rank import get_label_quality_scores

from audit.cli import main
from audit.label_issues import MIN_TEXTS, find_label_issues, summary
from audit.metrics import classification_metrics
from audit.reporting.report import render_report
from audit.validate import check_results

from conftest import LABELS, assert_section_refused


def synthetic_split(n: int = 1200, accuracy: float = 0.9, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """True classes (unbalanced, as in the emotion data) and out-of-sample probabilities of a
    model right about ``accuracy`` of the time and less sure when wrong, as a trained classifier
    is: an extra 0.6-0.95 of mass on a right prediction, 0.3-0.6 on a wrong one, the rest spread
    at random."""
    rng = np.random.default_rng(seed)
    truth = rng.choice(6, size=n, p=[0.29, 0.35, 0.08, 0.14, 0.11, 0.03])
    right = rng.random(n) < accuracy
    pred = np.where(right, truth, (truth + rng.integers(1, 6, size=n)) % 6)
    probs = rng.dirichlet(np.ones(6), size=n) * 0.3
    probs[np.arange(n), pred] += np.where(right, rng.uniform(0.6, 0.95, size=n), rng.uniform(0.3, 0.6, size=n))
    return truth, probs / probs.sum(axis=1, keepdims=True)


def corrupt(truth: np.ndarray, rate: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """``truth`` with a ``rate`` share of labels changed to another class chosen at random, and
    the mask of changed rows."""
    rng = np.random.default_rng(seed)
    flipped = np.zeros(len(truth), dtype=bool)
    flipped[rng.choice(len(truth), size=int(round(rate * len(truth))), replace=False)] = True
    given = truth.copy()
    given[flipped] = (truth[flipped] + rng.integers(1, 6, size=int(flipped.sum()))) % 6
    return given, flipped


def recovery(section: dict, ids: list[str], flipped: np.ndarray) -> tuple[float, float]:
    """(precision, recall) of the flagged ids against the corrupted rows."""
    flagged = {issue["id"] for issue in section["issues"]}
    corrupted = {ids[i] for i in np.flatnonzero(flipped)}
    hits = len(flagged & corrupted)
    return hits / len(flagged), hits / len(corrupted)


def test_matches_cleanlab_on_a_fixture() -> None:
    truth, probs = synthetic_split()
    given, _ = corrupt(truth, 0.1, seed=1)
    ids = [f"t{i}" for i in range(len(given))]
    section = find_label_issues(ids, list(given), probs, LABELS, n_resamples=1000)
    expected = cleanlab_find_label_issues(given, probs, filter_by="prune_by_noise_rate",
                                          return_indices_ranked_by="self_confidence")
    assert [issue["id"] for issue in section["issues"]] == [ids[i] for i in expected]
    quality = get_label_quality_scores(given, probs, method="self_confidence")
    for issue, i in zip(section["issues"], expected):
        assert issue["label_quality"] == pytest.approx(quality[i])
        assert issue["given_label"] == LABELS[given[i]]
        assert issue["suggested_label"] == LABELS[int(probs[i].argmax())]
        assert issue["confidence"] == pytest.approx(probs[i].max())
    quality_ranked = [issue["label_quality"] for issue in section["issues"]]
    assert quality_ranked == sorted(quality_ranked)  # most suspect first
    assert section["n"] == len(expected) and section["rate"]["successes"] == len(expected)
    assert section["rate"]["n"] == section["n_scored"] == len(given)


def test_recovers_labels_corrupted_at_a_known_rate() -> None:
    """10% of the labels of a synthetic split are changed at random: nearly all are found, and
    more than half of what is flagged was changed (the rest are mostly the model's own errors,
    which confident learning cannot tell from label errors)."""
    truth, probs = synthetic_split()
    given, flipped = corrupt(truth, 0.1, seed=2)
    ids = [f"t{i}" for i in range(len(given))]
    precision, recall = recovery(find_label_issues(ids, list(given), probs, LABELS), ids, flipped)
    assert recall >= 0.9 and precision >= 0.5, (precision, recall)
    clean = find_label_issues(ids, list(truth), probs, LABELS)  # the uncorrupted split
    assert clean["n"] < 0.5 * flipped.sum()


def test_hand_case_flags_the_contradicted_labels() -> None:
    """Sixty confident, correct rows and two rows whose gold label the model plainly contradicts
    (its probability for another class above that class's average on its own texts, 0.9): exactly
    those two are flagged, the most contradicted first, with the model's label suggested."""
    rows, gold = [], []
    for i in range(60):
        k = i % 3
        row = np.full(6, 0.02)
        row[k] = 0.9
        rows.append(row)
        gold.append(k)
    bad = {"t60": (0, 1, 0.97), "t61": (2, 0, 0.95)}  # given, model's class, its probability
    for given, model, p in bad.values():
        row = np.full(6, (1 - p) / 5)
        row[model] = p
        rows.append(row)
        gold.append(given)
    probs = np.stack(rows)
    ids = [f"t{i}" for i in range(len(gold))]
    section = find_label_issues(ids, gold, probs / probs.sum(axis=1, keepdims=True), LABELS)
    assert [(i["id"], i["given_label"], i["suggested_label"]) for i in section["issues"]] == [
        ("t60", "sadness", "joy"), ("t61", "love", "sadness")]


def test_sensitivity_is_the_split_without_the_flagged_texts() -> None:
    truth, probs = synthetic_split(n=400, seed=3)
    given, _ = corrupt(truth, 0.1, seed=4)
    ids = [f"t{i}" for i in range(len(given))]
    section = find_label_issues(ids, list(given), probs, LABELS, seed=5, n_resamples=1000)
    keep = np.array([i not in {x["id"] for x in section["issues"]} for i in ids])
    expected = classification_metrics(given[keep], probs[keep].argmax(axis=1), LABELS, n_resamples=1000, seed=5)
    sensitivity = section["sensitivity"]
    assert sensitivity["n"] == keep.sum() == section["n_scored"] - section["n"]
    for key in ("accuracy", "macro_f1", "weighted_f1"):
        assert sensitivity[key] == expected[key]
    assert "Sensitivity analysis" in sensitivity["note"] and "headline" in sensitivity["note"]


def test_unlabelled_rows_are_left_out_and_small_splits_skipped() -> None:
    truth, probs = synthetic_split(n=200, seed=6)
    gold = [int(g) if i % 4 else None for i, g in enumerate(truth)]
    section = find_label_issues([f"t{i}" for i in range(200)], gold, probs, LABELS)
    assert section["n_scored"] == 150
    assert all(int(issue["id"][1:]) % 4 for issue in section["issues"])
    small = find_label_issues(["a"] * (MIN_TEXTS - 1), [0] * (MIN_TEXTS - 1), probs[:MIN_TEXTS - 1], LABELS)
    assert small["skipped"].startswith(f"fewer than {MIN_TEXTS} labelled texts") and small["issues"] == []
    assert summary(small, None) is None


# --- results.json, report, CLI -----------------------------------------------------------------

def test_run_writes_the_section_and_the_report_shows_it(synthetic_run: Path) -> None:
    results = json.loads(synthetic_run.read_text())
    section = results["label_issues"]
    records = [json.loads(line) for line in synthetic_run.with_name("predictions.jsonl").read_text().splitlines()]
    wrong = {r["id"] for r in records if r["suite"] == "test" and r["pred"] != r["label"]}
    assert section["n"] == len(wrong) and {i["id"] for i in section["issues"]} == wrong  # confident errors all
    html = render_report(results, records)
    assert 'id="label-issues"' in html and "Sensitivity analysis (not the headline)" in html
    assert "case 7 text" in html  # a flagged text is shown with its id
    assert "<script" not in html


@pytest.mark.parametrize("edit, where", [
    (lambda s: s.update(n=s["n"] + 1), "label_issues.rate"),
    (lambda s: s["issues"][0].update(confidence="high"), "label_issues.issues.0.confidence"),
    (lambda s: s["issues"][0].update(given_label="calm"), "label_issues.issues.0.given_label"),
    (lambda s: s["issues"].append(dict(s["issues"][0])), "label_issues.issues"),
    (lambda s: s["sensitivity"].update(n=1), "label_issues.sensitivity.n"),
])
def test_edited_section_is_refused(synthetic_run: Path, edit, where: str) -> None:
    results = json.loads(synthetic_run.read_text())
    check_results(results)
    assert_section_refused(results, "label_issues", edit, where)


def test_no_label_issues_flag(tiny_model: Path, tmp_path: Path) -> None:
    (tmp_path / "d.csv").write_text("text,label\n" + "".join(f"i feel {w} today,{l}\n" for w, l in
                                                             [("happy", "joy"), ("sad", "sadness")] * 40))
    for flag, expected in (([], dict), (["--no-label-issues"], type(None))):
        out = tmp_path / f"out{len(flag)}"
        assert main(["-q", "run", "--model", str(tiny_model), "--data", str(tmp_path / "d.csv"), "--out", str(out),
                     "--no-cache", *flag]) == 0
        assert isinstance(json.loads((out / "results.json").read_text())["label_issues"], expected)
    assert "Not searched in this run" in (tmp_path / "out1" / "report.html").read_text()


# --- the reference model's test probabilities ----------------------------------------------------

@pytest.mark.integration
@pytest.mark.slow
def test_reference_probabilities_recover_corrupted_labels(reference_audit) -> None:
    """The figures the README states: the reference model's test-split probabilities with 5%, 10%
    and 20% of the gold labels changed at random (seed 0)."""
    audit, _ = reference_audit
    labels = audit.results["model"]["labels"]
    test = [r for r in audit.records if r["suite"] == "test"]
    ids = [r["id"] for r in test]
    truth = np.array([labels.index(r["label"]) for r in test])
    probs = np.array([r["probs"] for r in test])
    measured = {}
    for rate in (0.05, 0.1, 0.2):
        given, flipped = corrupt(truth, rate, seed=0)
        measured[rate] = recovery(find_label_issues(ids, list(given), probs, labels), ids, flipped)
    print({rate: f"precision {p:.3f}, recall {r:.3f}" for rate, (p, r) in measured.items()})
    assert all(recall >= 0.9 for _, recall in measured.values())
    assert all(precision >= 0.5 for precision, _ in measured.values())
