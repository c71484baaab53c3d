"""The short suite: length buckets, cue-preserving truncations, minimal lexicon cases, the lexicon
file itself, determinism, the bucket breakdown and the per-rule summary."""
from __future__ import annotations

import random
from collections import Counter
from pathlib import Path

import numpy as np
import pytest

from audit.errors import AuditError
from audit.generators import lexicon, short
from audit.suite import SourceData, cases_hash, generate, load_spec, score_suite
from conftest import read_split

ROOT = Path(__file__).resolve().parents[1]
LABELS = ["sadness", "joy", "love", "anger", "fear", "surprise"]
LEXICON = lexicon.load_lexicon(ROOT / "suites/data/short_lexicon.yaml")
SPEC = load_spec(ROOT / "suites/short.yaml")


@pytest.mark.parametrize("n_words, bucket", [
    (1, "<=5"), (5, "<=5"), (6, "6-10"), (10, "6-10"), (11, "11-20"), (20, "11-20"), (21, ">20"),
])
def test_length_bucket(n_words: int, bucket: str) -> None:
    assert short.length_bucket(n_words, (5, 10, 20)) == bucket


@pytest.mark.parametrize("text, n_words, expected", [
    ("i feel so lonely tonight without you", 5, "i feel so lonely tonight"),
    ("i feel so lonely tonight without you", 3, None),          # the cue "lonely" is cut off
    ("lonely again tonight", 3, None),                          # not longer than the cut
    ("lonely again tonight and always", 3, "lonely again tonight"),
    ("i don t feel guilty about it", 5, None),                  # the cue is negated
    ("i feel so happy tonight without you", 5, None),           # a cue, but not of the gold class
])
def test_truncation(text: str, n_words: int, expected: str | None) -> None:
    rule = short.Truncation(n_words, LEXICON["sadness"].cues)
    assert rule.name == f"first{n_words}"
    assert rule.perturb(text, random.Random(0)) == expected


def test_has_negation_fused_and_split() -> None:
    assert short.has_negation("i dont know".split())
    assert short.has_negation("i don t know".split())
    assert short.has_negation("i can t".split())
    assert not short.has_negation("i want t shirts".split())
    assert not short.has_negation("i know".split())


def test_lexicon_file() -> None:
    assert set(LEXICON) == set(LABELS)
    seen: Counter[str] = Counter()
    for words in LEXICON.values():
        assert len(words.feel) >= 15
        assert set(words.feel) <= words.cues
        seen.update(words.cues)
    assert max(seen.values()) == 1  # every word names one class
    for word in ("sad", "lonely", "depressed", "happy", "loved", "angry", "afraid", "surprised"):
        assert any(word in w.feel for w in LEXICON.values())


@pytest.mark.parametrize("body, message", [
    ("sadness: {feel: [sad], cues: []}\njoy: {feel: [sad], cues: []}\n", "both"),
    ("sadness: {feel: [very sad], cues: []}\n", "one lowercase word"),
    ("sadness: {feel: [sad]}\n", "feel and cues"),
    ("- sad\n", "mapping"),
])
def test_lexicon_errors(tmp_path: Path, body: str, message: str) -> None:
    path = tmp_path / "lexicon.yaml"
    path.write_text(body, encoding="utf-8")
    with pytest.raises(AuditError, match=message):
        lexicon.load_lexicon(path)


SOURCE = SourceData(
    ["t0", "t1", "t2", "t3"],
    ["i feel lonely",
     "i feel so happy today with my friends",
     "im scared of the dark and i do not know why this keeps happening to me",
     "i feel so lonely and sad tonight"],
    ["sadness", "joy", "fear", "joy"],
)


def test_generated_cases() -> None:
    suite = generate(SPEC, SOURCE, LABELS, seed=0)
    by_rule: dict[str, list] = {}
    for case in suite.cases:
        by_rule.setdefault(case.rule, []).append(case)
        assert case.expectation.kind == "MFT" and case.expectation.labels == ()
        assert case.label in LABELS
    originals = by_rule["original"]
    assert [c.text for c in originals] == list(SOURCE.texts)
    assert [c.meta["bucket"] for c in originals] == ["<=5", "6-10", "11-20", "6-10"]
    assert all(c.source_text is None for c in originals)  # no flip pair for an unchanged text
    # t3's sadness cue does not count for its gold label joy
    assert [(c.id, c.text) for c in by_rule["first3"] + by_rule["first5"]] == [
        ("short:first3:t2", "im scared of"),
        ("short:first5:t1", "i feel so happy today"),
        ("short:first5:t2", "im scared of the dark"),
    ]
    assert [c.label for c in by_rule["first5"]] == ["joy", "fear"]
    assert all(c.meta["bucket"] == "truncated" for c in by_rule["first3"] + by_rule["first5"])
    assert suite.coverage == {"first3": {"n_candidates": 4, "n_changed": 1},
                              "first5": {"n_candidates": 4, "n_changed": 2}}
    assert suite.n_candidates == 4
    n_feel = sum(len(w.feel) for w in LEXICON.values())
    assert len(by_rule["i_feel_word"]) == len(by_rule["single_word"]) == n_feel
    lonely = next(c for c in by_rule["i_feel_word"] if c.id == "short:i_feel_word:lonely")
    assert lonely.text == "i feel lonely" and lonely.label == "sadness"
    assert lonely.meta == {"bucket": "minimal"}
    assert next(c for c in by_rule["single_word"] if c.text == "furious").label == "anger"
    assert len({c.id for c in suite.cases}) == len(suite.cases)


def test_same_seed_same_cases() -> None:
    assert (cases_hash(generate(SPEC, SOURCE, LABELS, seed=3).cases)
            == cases_hash(generate(SPEC, SOURCE, LABELS, seed=3).cases))


def test_breakdown_by_bucket_and_summary() -> None:
    """With a model that always says sadness, bucket accuracies follow the gold labels."""
    suite = generate(SPEC, SOURCE, LABELS, seed=0)
    section, records = score_suite(SPEC, suite, LABELS, lambda text: np.eye(6)[0], seed=0,
                                   n_resamples=0, breakdown=SPEC.params["breakdown"],
                                   extra=short.summarize)
    buckets = section["breakdowns"]["bucket"]
    assert set(buckets) == {"<=5", "6-10", "11-20", "truncated", "minimal"}
    assert buckets["<=5"]["metrics"]["accuracy"]["value"] == 1.0
    assert buckets["6-10"]["metrics"]["accuracy"]["value"] == 0.0
    assert buckets["truncated"]["pass_rate"]["value"] == 0.0
    table = section["extra"]["pass_rate_by_rule_and_class"]
    assert table["original"]["sadness"]["value"] == 1.0 and table["original"]["joy"]["value"] == 0.0
    n_sad = len(LEXICON["sadness"].feel)
    single_sad = table["single_word"]["sadness"]
    assert (single_sad["successes"], single_sad["n"]) == (n_sad, n_sad)
    assert table["single_word"]["joy"]["successes"] == 0


def test_on_the_test_split(emotion_data: Path) -> None:
    source = read_split(emotion_data)
    suite = generate(SPEC, source, LABELS, seed=0)
    originals = [c for c in suite.cases if c.rule == "original"]
    assert len(originals) == 2000
    counts = Counter(c.meta["bucket"] for c in originals)
    assert set(counts) == {"<=5", "6-10", "11-20", ">20"} and min(counts.values()) > 50
    truncated = [c for c in suite.cases if c.rule in ("first3", "first5")]
    assert len(truncated) == sum(v["n_changed"] for v in suite.coverage.values())
    assert all(v["n_changed"] > 100 for v in suite.coverage.values())
    for case in truncated:
        words = case.text.split()
        assert len(words) == int(case.rule[len("first"):])
        assert case.source_text.startswith(case.text + " ")
        assert not LEXICON[case.label].cues.isdisjoint(words)
