"""The negation suites: each clause rule on hand-worked texts, the not-applicable cases, the DIR
expectations, the authored MFT file, determinism, coverage and the per-class summary."""
from __future__ import annotations

import random
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from audit.errors import AuditError
from audit.generators import negation
from audit.generators.lexicon import has_negation, load_lexicon
from audit.suite import SourceData, cases_hash, generate, load_spec
from conftest import read_split

ROOT = Path(__file__).resolve().parents[1]
LABELS = ["sadness", "joy", "love", "anger", "fear", "surprise"]
LEXICON = load_lexicon(ROOT / "suites/data/short_lexicon.yaml")
CUES = frozenset().union(*(words.cues for words in LEXICON.values()))
RULES = [rule(CUES) for rule in negation.CLAUSE_RULES]


def negate(text: str) -> dict[str, str]:
    """Every rule's output on ``text``, keeping only the rules that apply."""
    out = {rule.name: rule.perturb(text, random.Random(0)) for rule in RULES}
    return {name: new for name, new in out.items() if new is not None}


@pytest.mark.parametrize("text, rule, expected", [
    ("i feel so lonely tonight", "i_feel", "i dont feel so lonely tonight"),
    ("i just feel sad", "i_feel", "i just dont feel sad"),
    ("i always feel nervous around him", "i_feel", "i never feel nervous around him"),
    ("i feel like a failure", "i_feel", "i dont feel like a failure"),
    ("i felt so happy", "i_felt", "i didnt feel so happy"),
    ("i still felt guilty", "i_felt", "i still didnt feel guilty"),
    ("i can feel the love", "modal_feel", "i cant feel the love"),
    ("i would feel awful", "modal_feel", "i wouldnt feel awful"),
    ("i am feeling blessed", "i_am", "i am not feeling blessed"),
    ("i am so excited", "i_am", "i am not so excited"),
    ("im feeling rotten", "im", "im not feeling rotten"),
    ("im still feeling nervous", "im", "im still not feeling nervous"),
    ("i was feeling grumpy", "i_was", "i wasnt feeling grumpy"),
    ("i was a bit scared", "i_was", "i wasnt a bit scared"),
    ("i was just so happy", "i_was", "i was just not so happy"),
    ("ive been feeling low", "ive_been", "i havent been feeling low"),
    ("i have been feeling low", "ive_been", "i havent been feeling low"),
    ("it made me feel small", "made_me_feel", "it didnt make me feel small"),
    ("that makes me feel proud", "made_me_feel", "that doesnt make me feel proud"),
    ("they make me feel safe", "made_me_feel", "they dont make me feel safe"),
    ("it makes me so happy", "made_me_feel", "it doesnt make me so happy"),
])
def test_each_rule_negates_its_clause(text: str, rule: str, expected: str) -> None:
    assert negate(text) == {rule: expected}


@pytest.mark.parametrize("text, expected", [
    ("i m feeling sad", {"im": "i m not feeling sad"}),
    ("it s late and i feel alone", {"i_feel": "it s late and i don t feel alone"}),
    ("i ve been feeling lonely", {"ive_been": "i haven t been feeling lonely"}),
    ("i was so scared and i couldn t move", {"i_was": "i wasn t so scared and i couldn t move"}),
])
def test_split_apostrophe_style_is_kept(text: str, expected: dict[str, str]) -> None:
    assert negate(text) == expected


@pytest.mark.parametrize("text, expected", [
    ("i feel some relief too", "i dont feel any relief either"),
    ("i feel like something is wrong", "i dont feel like anything is wrong"),
    ("i feel weepy already", "i dont feel weepy yet"),
    ("i feel so useless some days", "i dont feel so useless some days"),
    ("i feel angry at someone i did something for",
     "i dont feel angry at anyone i did something for"),
    ("i feel sad too and you feel it too", "i dont feel sad either and you feel it too"),
    ("i feel sometimes somewhat lost", "i dont feel sometimes somewhat lost"),
])
def test_negative_polarity_items_are_fixed_in_scope(text: str, expected: str) -> None:
    assert negate(text) == {"i_feel": expected}


def test_only_the_first_feeling_clause_is_negated_by_one_rule() -> None:
    assert negate("i was so scared and i feel sad") == {
        "i_was": "i wasnt so scared and i feel sad"}
    assert negate("i feel sad and i was so scared") == {
        "i_feel": "i dont feel sad and i was so scared"}


@pytest.mark.parametrize("text", [
    "i feel like nobody cares",  # negation inside the clause
    "i dont feel happy but i feel sad",  # the first feeling clause is already negated
    "i don t really feel sad and i feel tired",
    "im not feeling great so i feel like sleeping",
    "i hate how i feel",  # embedded: the speaker's feeling is "hate"
    "if i feel sad i call my mom",
    "how else can i feel",  # question inversion
    "i was playing football",  # no emotion word after the copula
    "this has made me feel sad",  # no room for a negation after "has"
    "to make me feel better",
    "she feels sad",  # not first person
    "",
])
def test_not_applicable(text: str) -> None:
    assert negate(text) == {}


def test_a_negation_in_another_clause_does_not_block() -> None:
    assert negate("i feel sad but not for long") == {"i_feel": "i dont feel sad but not for long"}


def test_feeling_complement_needs_an_emotion_word_within_three_modifiers() -> None:
    assert negate("i was kind of a bit nervous") == {}
    assert negate("i was a bit nervous") == {"i_was": "i wasnt a bit nervous"}


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from("i im feel felt am was so sad happy not dont some too and how "
                                "made me it feeling ive been can t m".split()), max_size=12))
def test_any_output_adds_a_negation_and_only_one_rule_applies(words: list[str]) -> None:
    text = " ".join(words)
    out = negate(text)
    assert len(out) <= 1
    for new in out.values():
        assert new != text and has_negation(new.split())


def _spec(name: str):
    return load_spec(ROOT / "suites" / f"{name}.yaml")


def test_derived_cases_expectations_and_ids() -> None:
    source = SourceData(["s0", "s1", "s2", "s3"],
                        ["i feel happy today", "i felt so alone", "i was playing",
                         "im feeling loved"],
                        ["joy", "sadness", "anger", "love"])
    suite = generate(_spec("negation"), source, LABELS, seed=0)
    by_id = {c.id: c for c in suite.cases}
    assert sorted(by_id) == ["negation:i_feel:s0", "negation:i_felt:s1", "negation:im:s3"]
    joy, sad, love = (by_id[f"negation:{key}"] for key in ("i_feel:s0", "i_felt:s1", "im:s3"))
    assert joy.text == "i dont feel happy today" and joy.source_text == "i feel happy today"
    assert joy.expectation.kind == "DIR" and set(joy.expectation.avoid) == {"joy", "love"}
    assert not joy.expectation.avoid_source
    assert sad.expectation.avoid_source and sad.expectation.avoid == ()
    assert love.expectation.avoid == joy.expectation.avoid
    assert all(c.label is None for c in suite.cases)
    assert [c.meta["source_label"] for c in suite.cases] == ["joy", "sadness", "love"]
    assert suite.n_candidates == 4
    assert suite.coverage["i_feel"] == {"n_candidates": 4, "n_changed": 1}
    assert sum(v["n_changed"] for v in suite.coverage.values()) == 3
    # a DIR case passes when the prediction leaves the avoided labels / the source prediction
    assert joy.expectation.check("sadness", None, "joy")
    assert not joy.expectation.check("love", None, "joy")
    assert sad.expectation.check("joy", None, "sadness")
    assert not sad.expectation.check("sadness", None, "sadness")


def test_same_seed_same_cases() -> None:
    source = SourceData(["a", "b"], ["i feel sad", "im so happy"], ["sadness", "joy"])
    spec = _spec("negation")
    hashes = {cases_hash(generate(spec, source, LABELS, seed=7).cases) for _ in range(2)}
    assert len(hashes) == 1


def test_authored_statements() -> None:
    suite = generate(_spec("negation_mft"), SourceData([], [], []), LABELS, seed=0)
    assert len(suite.cases) >= 100
    assert len({c.text for c in suite.cases}) == len(suite.cases)
    for case in suite.cases:
        assert case.rule == "authored" and case.expectation.kind == "MFT"
        assert case.expectation.labels and set(case.expectation.labels) <= set(LABELS)
        assert case.meta["source_label"] in LABELS
        assert case.text == case.text.lower() and "'" not in case.text
        assert has_negation(case.text.split())
    first = next(c for c in suite.cases if c.text == "i am not afraid anymore")
    assert first.expectation.labels == ("joy",) and first.meta["source_label"] == "fear"
    assert {c.meta["source_label"] for c in suite.cases} == set(LABELS)


def test_authored_file_errors(tmp_path: Path) -> None:
    bad = tmp_path / "bad.tsv"
    bad.write_text("i am not sad\tjoy,calm\tsadness\n", encoding="utf-8")
    with pytest.raises(AuditError, match="unknown labels"):
        negation.read_statements(bad, LABELS)
    bad.write_text("i am not sad\tjoy\n", encoding="utf-8")
    with pytest.raises(AuditError, match="expected text"):
        negation.read_statements(bad, LABELS)


def _record(source_label: str, source_pred: str | None, pred: str, passed: bool | None) -> dict:
    return {"meta": {"source_label": source_label}, "source_pred": source_pred, "pred": pred,
            "passed": passed}


def test_summarize_flip_rate_counts_only_sources_the_model_got_right() -> None:
    records = [
        _record("joy", "joy", "sadness", True),     # right source, flipped
        _record("joy", "joy", "joy", False),        # right source, kept
        _record("joy", "love", "sadness", True),    # wrong source: not in the flip rate
        _record("fear", "fear", "fear", False),
        _record("anger", None, "joy", None),        # unjudgeable, no source
    ]
    out = negation.summarize(records, LABELS)["by_source_class"]
    assert set(out) == {"joy", "fear", "anger"}
    assert out["joy"]["n"] == 3
    assert out["joy"]["flip_rate_when_source_right"]["successes"] == 1
    assert out["joy"]["flip_rate_when_source_right"]["n"] == 2
    assert out["joy"]["pass_rate"]["value"] == pytest.approx(2 / 3)
    assert out["fear"]["flip_rate_when_source_right"]["value"] == 0
    assert out["anger"]["flip_rate_when_source_right"] is None
    assert out["anger"]["pass_rate"]["n"] == 0


def test_coverage_on_the_test_split(emotion_data: Path) -> None:
    source = read_split(emotion_data)
    suite = generate(_spec("negation"), source, LABELS, seed=0)
    assert suite.n_candidates == len(source.texts) == 2000
    assert all(v["n_candidates"] == 2000 and v["n_changed"] > 0 for v in suite.coverage.values())
    assert sum(v["n_changed"] for v in suite.coverage.values()) == len(suite.cases)
    assert len({c.source_id for c in suite.cases}) == len(suite.cases)  # one clause per text
    assert 0.5 < len(suite.cases) / 2000 < 0.7
    for case in suite.cases:
        assert has_negation(case.text.split()) and case.text != case.source_text
