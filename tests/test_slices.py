"""Discovered slices: the text properties (hand cases), Fisher's test and Benjamini-Hochberg against
scipy, statsmodels and hand-worked values, a planted weak slice, the section's checks, the report
and the gate's floor on the worst slice."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from scipy import stats as scipy_stats
from statsmodels.stats.multitest import multipletests

from audit.gate import floor_checks
from audit.policy import parse_policy
from audit.reporting.report import render_report
from audit.slice_candidates import (has_feeling_verb, has_intensifier, identity_terms, is_elongated, is_question,
                                    length_bucket, words)
from audit.slices import discover_slices, fisher_p
from audit.stats import benjamini_hochberg
from audit.validate import check_results

from conftest import LABELS, assert_section_refused


# --- multiple testing and the test itself -------------------------------------------------------

@pytest.mark.parametrize("pvalues, expected", [
    # sorted 0.005 0.01 0.03 0.04 -> m p / rank = 0.02 0.02 0.04 0.04
    ([0.01, 0.04, 0.03, 0.005], [0.02, 0.04, 0.04, 0.02]),
    # sorted 0.01 0.03 0.04 -> 0.03 0.045 0.04; the step-up minimum from the top makes 0.045 -> 0.04
    ([0.04, 0.01, 0.03], [0.04, 0.03, 0.04]),
    ([0.5, 0.9], [0.9, 0.9]),
    ([0.6], [0.6]),
    ([], []),
])
def test_benjamini_hochberg_hand_cases(pvalues: list[float], expected: list[float]) -> None:
    assert benjamini_hochberg(pvalues) == pytest.approx(expected)


def test_benjamini_hochberg_matches_statsmodels() -> None:
    rng = np.random.default_rng(0)
    for _ in range(300):
        p = rng.uniform(0, 1, size=int(rng.integers(1, 60))) ** 3
        if rng.random() < 0.3:
            p[: len(p) // 2] = p[0]  # ties
        assert benjamini_hochberg(p) == pytest.approx(multipletests(p, method="fdr_bh")[1], abs=1e-12)


def test_fisher_p_hand_case_and_scipy() -> None:
    # Fisher's tea-tasting table [[3, 1], [1, 3]]: two-sided p = 34 / 70.
    assert fisher_p(3, 4, 1, 4) == pytest.approx(34 / 70)
    rng = np.random.default_rng(1)
    for _ in range(50):
        n_a, n_b = (int(x) for x in rng.integers(30, 400, size=2))
        a, b = int(rng.integers(0, n_a + 1)), int(rng.integers(0, n_b + 1))
        expected = scipy_stats.fisher_exact([[a, n_a - a], [b, n_b - b]]).pvalue
        assert fisher_p(a, n_a, b, n_b) == pytest.approx(expected, rel=1e-12)


# --- text properties ----------------------------------------------------------------------------

@pytest.mark.parametrize("test, text, expected", [
    (has_intensifier, "i feel so happy today", True),
    (has_intensifier, "i am really tired of this", True),
    (has_intensifier, "i was late so i left early", False),  # "so" opening a clause
    (has_intensifier, "i love you so much", True),
    (has_intensifier, "i feel fine", False),
    (has_feeling_verb, "i feel happy", True),
    (has_feeling_verb, "im feeling a bit lost", True),
    (has_feeling_verb, "i m feeling a bit lost", True),
    (has_feeling_verb, "it makes me feel small", True),
    (has_feeling_verb, "he feels sad about it", False),  # not the writer's feeling
    (has_feeling_verb, "what a lovely day", False),
])
def test_word_properties(test, text: str, expected: bool) -> None:
    assert test(words(text)) is expected


@pytest.mark.parametrize("test, text, expected", [
    (is_question, "why do i feel this way", True),
    (is_question, "do you ever feel alone", True),
    (is_question, "i wonder if he cares at all", True),
    (is_question, "is this really happening?", True),
    (is_question, "i feel fine when i run", False),
    (is_elongated, "i am soooo happy", True),
    (is_elongated, "wow!! that was close", True),
    (is_elongated, "see more at a href http www", False),  # a link, not elongation
    (is_elongated, "i feel happy", False),
])
def test_text_properties(test, text: str, expected: bool) -> None:
    assert test(text, words(text)) is expected


def test_length_buckets_and_words() -> None:
    assert [length_bucket(["w"] * n) for n in (1, 9, 10, 19, 20, 29, 30, 60)] == [
        "1-9 words", "1-9 words", "10-19 words", "10-19 words", "20-29 words", "20-29 words", "30+ words", "30+ words"]
    assert words("I don't feel OK") == ("i", "don", "t", "feel", "ok")


def test_identity_terms_come_from_the_identity_suite() -> None:
    terms = identity_terms()
    assert terms is not None
    found = {what: test for what, test in terms.tests()}
    sister = words("my sister called")
    assert found["a female gendered word"](sister) and not found["a male gendered word"](sister)
    assert found["a male gendered word"](words("my brother called"))
    assert found["a religion term"](words("my muslim neighbour"))
    assert found["a nationality term"](words("we moved to mexico"))
    assert not any(test(words("i feel fine today")) for test in found.values())


# --- a planted weak slice -------------------------------------------------------------------------

def planted(n: int = 600, seed: int = 0) -> tuple[list[str], list[str], list[int], np.ndarray]:
    """Texts over a small vocabulary; 60 contain "zebra stripes" (always together), on which the
    model is right half the time, against 95% elsewhere."""
    rng = np.random.default_rng(seed)
    vocab = "morning evening work home friends family music coffee rain weekend".split()
    texts, gold, rows = [], [], []
    for i in range(n):
        extra = " ".join(rng.choice(vocab, size=3, replace=False))
        zebra = i % 10 == 0
        texts.append(f"i feel fine about {extra}" + (" zebra stripes" if zebra else ""))
        g = int(rng.integers(0, 6))
        right = rng.random() < (0.5 if zebra else 0.95)
        row = np.full(6, 0.04)
        row[g if right else (g + 1) % 6] = 0.8
        gold.append(g)
        rows.append(row)
    return [f"t{i}" for i in range(n)], texts, gold, np.stack(rows)


def test_planted_slice_is_found_worst_first() -> None:
    ids, texts, gold, probs = planted()
    section = discover_slices(ids, texts, gold, probs, LABELS, n_resamples=1000)
    first = section["significant"][0]
    assert first["name"] in ("contains 'zebra'", "contains 'stripes'") and first["family"] == "word"
    assert first["n"] == 60 and first["rest_n"] == 540
    assert first["accuracy"]["value"] < 0.7 < first["rest_accuracy"]["value"]
    assert first["difference"] == pytest.approx(first["accuracy"]["value"] - first["rest_accuracy"]["value"])
    assert section["n_duplicate"] >= 1  # "zebra" and "stripes" split the texts the same way: tested once
    assert section["worst"] == {"name": first["name"], "accuracy": first["accuracy"]}
    assert [s["difference"] for s in section["significant"]] == sorted(s["difference"] for s in section["significant"])
    examples = first["examples"]
    assert examples and all(e["label"] != e["pred"] and int(e["id"][1:]) % 10 == 0 for e in examples)
    tested = section["tested"]
    assert section["n_tested"] == len(tested) == section["correction"]["n_tests"]
    assert [t["p_adjusted"] for t in tested] == pytest.approx(
        multipletests([t["p_value"] for t in tested], method="fdr_bh")[1])
    zebra = next(t for t in tested if t["name"] == first["name"])
    correct = np.array(gold) == probs.argmax(axis=1)
    inside = np.array(["zebra" in t for t in texts])
    table = [[correct[inside].sum(), (~correct[inside]).sum()], [correct[~inside].sum(), (~correct[~inside]).sum()]]
    assert zebra["p_value"] == pytest.approx(scipy_stats.fisher_exact(table).pvalue)


def test_a_better_side_reports_its_complement() -> None:
    """When the texts with a property are better, the slice reported is the texts without it."""
    ids, texts, gold, probs = planted()
    texts = [t.replace(" zebra stripes", "") + ("" if i % 10 == 0 else " zebra") for i, t in enumerate(texts)]
    section = discover_slices(ids, texts, gold, probs, LABELS, n_resamples=1000)
    first = section["significant"][0]
    assert first["name"] == "without 'zebra'" and first["rest"] == "contains 'zebra'" and first["n"] == 60


def test_nothing_significant_and_small_candidates() -> None:
    ids, texts, gold, probs = planted()
    probs = np.eye(6)[gold] * 0.8 + 0.04  # every prediction right
    section = discover_slices(ids, texts, gold, probs, LABELS)
    assert section["significant"] == [] and section["worst"] is None and section["n_significant"] == 0
    assert section["n_too_small"] >= 1  # e.g. questions: none here
    assert section["n_tested"] + section["n_too_small"] + section["n_duplicate"] == section["n_candidates"]


# --- results.json, report, gate -------------------------------------------------------------------

@pytest.fixture(scope="module")
def with_slices(synthetic_run: Path) -> dict:
    """The synthetic run's results with the planted case's slices section."""
    results = json.loads(synthetic_run.read_text())
    ids, texts, gold, probs = planted()
    results["slices"] = discover_slices(ids, texts, gold, probs, LABELS, n_resamples=1000)
    check_results(results)
    return results


@pytest.mark.parametrize("edit, where", [
    (lambda s: s.update(n_tested=s["n_tested"] + 1), "slices.tested"),
    (lambda s: s["tested"][0].update(p_adjusted=0.0), "slices.tested.0.p_adjusted"),
    (lambda s: s["tested"][0].update(difference=0.5), "slices.tested.0.difference"),
    (lambda s: s["significant"][0].update(examples=[{"id": "x", "label": "calm", "pred": "joy", "confidence": 1}]),
     "slices.significant.0.examples.0.label"),
    (lambda s: s.update(worst=None), "slices.worst"),
    (lambda s: s["tested"][0].update(n=s["tested"][0]["n"] + 1), "slices.tested.0.n"),
])
def test_edited_section_is_refused(with_slices: dict, edit, where: str) -> None:
    assert_section_refused(with_slices, "slices", edit, where)


def test_report_shows_significant_slices_with_examples(with_slices: dict, synthetic_run: Path) -> None:
    records = [json.loads(line) for line in synthetic_run.with_name("predictions.jsonl").read_text().splitlines()]
    html = render_report(with_slices, records)
    assert 'id="slices"' in html and "significantly worse than the rest" in html
    assert with_slices["slices"]["significant"][0]["name"].replace("'", "&#39;") in html
    assert "<details>" in html and "<script" not in html
    assert f"{with_slices['slices']['n_tested']} candidate slices tested" in html


@pytest.mark.parametrize("limit, verdict", [(0.3, "pass"), (0.9, "fail")])
def test_gate_floor_on_the_worst_slice(with_slices: dict, limit: float, verdict: str) -> None:
    policy = parse_policy({"version": 1, "floors": {"worst_slice": {"min": limit}}}, "inline")
    [check] = floor_checks(with_slices, policy)
    assert check.verdict == verdict and check.scope == with_slices["slices"]["worst"]["name"]
    assert check.value == with_slices["slices"]["worst"]["accuracy"]["value"]


def test_gate_floor_skips_without_a_worse_slice(synthetic_run: Path) -> None:
    policy = parse_policy({"version": 1, "floors": {"worst_slice": {"min": 0.5}}}, "inline")
    results = json.loads(synthetic_run.read_text())
    [check] = floor_checks(results, policy)
    assert check.verdict == "skip" and "no discovered slice is significantly worse" in check.skipped
    results.pop("slices")
    [check] = floor_checks(results, policy)
    assert check.verdict == "skip" and "no slices section" in check.skipped


def test_candidates_hold_row_indices_and_equal_splits_share_a_partition_key() -> None:
    from audit.slice_candidates import Candidate, candidates

    n = 6
    a = Candidate("word", "contains 'x'", "without 'x'", np.array([1, 4]), n)
    b = Candidate("word", "contains 'y'", "without 'y'", np.array([0, 2, 3, 5]), n)  # a's complement
    c = Candidate("word", "contains 'z'", "without 'z'", np.array([1, 5]), n)
    assert a.mask.tolist() == [False, True, False, False, True, False] and a.size == 2
    assert a.partition_key() == b.partition_key() != c.partition_key()
    texts = ["i feel so happy today", "i dont feel happy", "why am i so sad", "happy happy day"]
    found = {x.name: x for x in candidates(texts, min_size=2)}
    assert found["contains 'happy'"].rows.tolist() == [0, 1, 3]  # each text once, in order
    assert found["a negation"].rows.tolist() == [1] and found["a question"].rows.tolist() == [2]
    assert "contains 'day'" not in found  # one text: below min_size
