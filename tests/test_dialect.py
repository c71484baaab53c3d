"""The dialect suite: hand-worked before/after pairs for every rule, the per-variety composition,
determinism, coverage and the summary figures."""
from __future__ import annotations

import random
from pathlib import Path

import pytest

from audit.errors import AuditError
from audit.generators import dialect
from audit.generators.dialect_rules import TokenRule, ends_clause, fuse, tokenize
from audit.suite import SourceData, SuiteContext, cases_hash, generate, load_spec

ROOT = Path(__file__).resolve().parents[1]
SPEC = ROOT / "suites" / "dialect.yaml"
LABELS = ["sadness", "joy", "love", "anger", "fear", "surprise"]


def _context(source: SourceData | None = None, seed: int = 0, **params) -> SuiteContext:
    spec = load_spec(SPEC)
    if params:
        spec = type(spec)(spec.name, spec.description, spec.generator, spec.test_type,
                          {**spec.params, **params}, spec.path)
    return SuiteContext(spec, source or SourceData([], [], []), LABELS, seed)


@pytest.fixture(scope="module")
def rules() -> dict[str, TokenRule]:
    return {rule.name: rule for variety in dialect.load_varieties(_context()) for rule in variety.rules}


def _apply(rule: TokenRule, text: str, seed: int = 0) -> str | None:
    return rule.perturb(text, random.Random(seed))


# (rule, before, after); after None: the rule must not apply.
PAIRS = [
    ("aae.aint_be", "im not sure about this", "i aint sure about this"),
    ("aae.aint_be", "i m not going out", "i aint going out"),
    ("aae.aint_be", "i am not a people person", "i aint a people person"),
    ("aae.aint_be", "that isnt fair", "that aint fair"),
    ("aae.aint_be", "the kids are not happy", "the kids aint happy"),
    ("aae.aint_be", "i wasnt sure", None),
    ("aae.aint_be", "i am sure", None),
    ("aae.aint_have", "i havent done it", "i aint done it"),
    ("aae.aint_have", "she has not been here", "she aint been here"),
    ("aae.aint_have", "i haven t got time", "i aint got time"),
    ("aae.aint_have", "i havent a clue", None),
    ("aae.aint_have", "i have not", None),
    ("aae.invariant_dont", "she doesnt care", "she dont care"),
    ("aae.invariant_dont", "it doesn t help", "it don t help"),
    ("aae.invariant_dont", "i dont care", None),
    ("aae.negative_concord", "i dont have any money", "i dont have no money"),
    ("aae.negative_concord", "i dont want any", "i dont want none"),
    ("aae.negative_concord", "i don t want any of it", "i don t want none of it"),
    ("aae.negative_concord", "i didnt see anyone there", "i didnt see nobody there"),
    ("aae.negative_concord", "im not feeling anything", "im not feeling nothing"),
    ("aae.negative_concord", "i didnt feel anything anymore", "i didnt feel nothing no more"),
    ("aae.negative_concord", "if anyone asks i am fine", None),
    ("aae.negative_concord", "i dont know if anyone cares", None),
    ("aae.negative_concord", "i dont think i have any", None),
    ("aae.negative_concord", "i have any chance", None),
    ("aae.completive_done", "i have already told him", "i done told him"),
    ("aae.completive_done", "ive finished my work", "i done finished my work"),
    ("aae.completive_done", "she has eaten", "she done ate"),
    ("aae.completive_done", "look what you have done", "look what you done did"),
    ("aae.completive_done", "ive been feeling low", None),
    ("aae.completive_done", "i have known him for years", None),
    ("aae.completive_done", "i have tried it before", None),
    ("aae.completive_done", "i have just burned the dinner", None),
    ("aae.completive_done", "have you finished", None),
    ("aae.completive_done", "i have mixed feelings", None),
    ("aae.completive_done", "the minutes i have left", None),
    ("aae.habitual_be", "i always feel tired", "i always be feeling tired"),
    ("aae.habitual_be", "shes always late", "she always be late"),
    ("aae.habitual_be", "i m usually happy here", "i usually be happy here"),
    ("aae.habitual_be", "he often gets angry", "he often be getting angry"),
    ("aae.habitual_be", "i always felt tired", None),
    ("aae.habitual_be", "i feel tired", None),
    ("aae.habitual_be", "do you always feel tired", None),
    ("aae.habitual_be", "i always know the answer", None),
    ("aae.habitual_be", "its always been hard", None),
    ("aae.habitual_be", "i often read books", None),
    ("aae.habitual_be", "im always going to love you", None),
    ("aae.finna", "im going to cry", "im finna cry"),
    ("aae.finna", "she is about to leave", "she is finna leave"),
    ("aae.finna", "we are gonna be late", "we are finna be late"),
    ("aae.finna", "i was going to cry", None),
    ("aae.finna", "im going to school", None),
    ("aae.finna", "im going to work", None),
    ("aae.finna", "it is going to rain", None),
    ("aae.zero_copula", "she is happy", "she happy"),
    ("aae.zero_copula", "they are leaving now", "they leaving now"),
    ("aae.zero_copula", "hes at home", "he at home"),
    ("aae.zero_copula", "you are a good friend", "you a good friend"),
    ("aae.zero_copula", "she is so tired", "she so tired"),
    ("aae.zero_copula", "i am happy", None),
    ("aae.zero_copula", "it is cold", None),
    ("aae.zero_copula", "she was happy", None),
    ("aae.zero_copula", "i wonder how happy she is today", None),
    ("aae.zero_copula", "i know where they are", None),
    ("aae.zero_copula", "hes been there", None),
    ("aae.zero_copula", "he is sent home", None),
    ("aae.zero_copula", "is she happy", None),
    ("aae.zero_third_person", "she feels sad", "she feel sad"),
    ("aae.zero_third_person", "it makes me cry", "it make me cry"),
    ("aae.zero_third_person", "he always says that", "he always say that"),
    ("aae.zero_third_person", "she has a car", "she have a car"),
    ("aae.zero_third_person", "they feel sad", None),
    ("aae.zero_third_person", "she felt sad", None),
    ("aae.zero_third_person", "does she feel sad", None),
    ("inde.stative_progressive", "i know him", "i am knowing him"),
    ("inde.stative_progressive", "she wants a new phone", "she is wanting a new phone"),
    ("inde.stative_progressive", "i have a doubt", "i am having a doubt"),
    ("inde.stative_progressive", "i really want to go", "i am really wanting to go"),
    ("inde.stative_progressive", "we need money", "we are needing money"),
    ("inde.stative_progressive", "i have to go", None),
    ("inde.stative_progressive", "i have been there", None),
    ("inde.stative_progressive", "i feel happy", None),
    ("inde.stative_progressive", "you know what i mean", None),
    ("inde.stative_progressive", "i like to read", None),
    ("inde.stative_progressive", "i hate feeling like this", None),
    ("inde.stative_progressive", "everyone i know would agree", None),
    ("inde.stative_progressive", "i knew him", None),
    ("inde.stative_progressive", "more than they need to", None),
    ("inde.invariant_tag", "i feel so lucky today", "i feel so lucky today isnt it"),
    ("inde.invariant_tag", "i love it", "i love it isnt it"),
    ("inde.invariant_tag", "do you feel lucky", None),
    ("inde.invariant_tag", "i feel like the", None),
    ("inde.invariant_tag", "it is nice isnt it", None),
    ("sge.zero_copula", "im so tired", "i so tired"),
    ("sge.zero_copula", "its very nice", "it very nice"),
    ("sge.zero_copula", "i m not sure", "i not sure"),
    ("sge.zero_copula", "they are really kind", "they really kind"),
    ("sge.zero_copula", "im tired", None),
    ("sge.zero_copula", "i was so tired", None),
    ("sge.zero_copula", "its been so long", None),
    ("sge.discourse_particle", "i feel so tired today lah", None),
    ("sge.discourse_particle", "why do i feel like this", None),
    ("brit.british_spelling", "my favorite color", "my favourite colour"),
    ("brit.british_spelling", "i realized i was traveling", "i realised i was travelling"),
    ("brit.british_spelling", "i need more practice", None),
    ("brit.british_spelling", "the program was fine", None),
    ("brit.british_spelling", "i feel happy", None),
    ("slang.lengthening", "i feel so tired", "i feel sooo tired"),
    ("slang.lengthening", "there are so many people", "there are sooo many people"),
    ("slang.lengthening", "so i left early", None),
    ("slang.lengthening", "i think so", None),
    ("slang.lengthening", "i feel so", None),
    ("slang.abbreviation", "i dont know why you are sad", "idk why u are sad"),
    ("slang.abbreviation", "i don t know", "idk"),
    ("slang.abbreviation", "please tell your people", "pls tell ur ppl"),
    ("slang.abbreviation", "i feel fine", None),
    ("slang.abbreviation", "i did it yourself", None),
]


@pytest.mark.parametrize(("rule", "before", "after"), PAIRS)
def test_rule_pairs(rules: dict[str, TokenRule], rule: str, before: str, after: str | None) -> None:
    assert _apply(rules[rule], before) == after


def test_every_rule_has_positive_and_negative_pairs(rules: dict[str, TokenRule]) -> None:
    positive = {r for r, _, after in PAIRS if after is not None} | {"sge.discourse_particle"}  # rng: below
    negative = {r for r, _, after in PAIRS if after is None}
    assert set(rules) == positive == negative


def test_rng_picks_among_equivalent_forms(rules: dict[str, TokenRule]) -> None:
    particles = {_apply(rules["sge.discourse_particle"], "i feel so tired today", s) for s in range(30)}
    assert particles == {f"i feel so tired today {p}" for p in ("lah", "leh", "lor")}
    because = {_apply(rules["slang.abbreviation"], "i cried because of you", s) for s in range(30)}
    assert because == {"i cried cuz of u", "i cried bc of u"}


@pytest.mark.parametrize("text", ["i m sure it s fine", "i don t know what you re doing", "i made it"])
def test_tokenize_keeps_split_contractions_and_round_trips(text: str) -> None:
    tokens = tokenize(text)
    assert " ".join(tokens) == text
    assert "i made" not in tokens and [fuse(t) for t in tokenize("i m sure")] == ["im", "sure"]


def test_ends_clause() -> None:
    assert ends_clause(["i", "feel", "fine"])
    assert not ends_clause(["i", "feel", "like", "the"])
    assert not ends_clause(["are", "you", "fine"])


def test_variety_applies_all_matching_rules_in_order() -> None:
    aae = {v.name: v for v in dialect.load_varieties(_context())}["aae"]
    text = "im not sure how she feels because she is going to leave and i havent done anything"
    new, fired = aae.apply(text, random.Random(0))
    assert new == "i aint sure how she feel because she finna leave and i aint done nothing"
    assert [r.name for r in fired] == ["aae.aint_be", "aae.aint_have", "aae.negative_concord",
                                       "aae.finna", "aae.zero_copula", "aae.zero_third_person"]
    meta = aae.perturb(text, random.Random(0)).meta
    assert meta["rules"] == [r.name for r in fired]
    assert meta["ewave"] == [126, 154, 155, 156, 170, 174, 176, 177, 178]
    assert aae.perturb("the weather changed", random.Random(0)) is None


def test_every_rule_carries_its_ewave_numbers(rules: dict[str, TokenRule]) -> None:
    ewave = {name: rule.meta["ewave"] for name, rule in rules.items()}
    assert ewave["aae.negative_concord"] == [154] and ewave["aae.habitual_be"] == [90]
    assert ewave["inde.stative_progressive"] == [88] and ewave["inde.invariant_tag"] == [165]
    assert ewave["brit.british_spelling"] == [] and ewave["slang.abbreviation"] == []
    assert all(rule.meta["variety"] == name.split(".")[0] for name, rule in rules.items())


SMALL = SourceData(
    ids=["s-0", "s-1", "s-2", "s-3"],
    texts=["im not sure i feel so happy", "my favorite color is blue", "the weather changed",
           "i always feel sad because you are away"],
    labels=["joy", "joy", "surprise", "sadness"],
)


def test_generate_one_inv_case_per_text_and_variety() -> None:
    suite = generate(load_spec(SPEC), SMALL, LABELS, seed=0)
    by_id = {case.id: case for case in suite.cases}
    assert suite.n_candidates == 4
    assert suite.coverage["brit"] == {"n_candidates": 4, "n_changed": 1}
    varieties = ("aae", "inde", "sge", "brit", "slang")
    assert sum(suite.coverage[v]["n_changed"] for v in varieties) == len(suite.cases)
    assert suite.coverage["aae.habitual_be"] == {"n_candidates": 4, "n_changed": 1}
    assert suite.coverage["aae.aint_be"]["n_changed"] == 1 and suite.coverage["aae.finna"]["n_changed"] == 0
    case = by_id["dialect:brit:s-1"]
    assert case.text == "my favourite colour is blue" and case.rule == "brit"
    assert case.label == "joy" and case.expectation.kind == "INV" and case.source_text == SMALL.texts[1]
    assert case.meta == {"variety": "brit", "source_label": "joy", "rules": ["brit.british_spelling"],
                         "ewave": [], "ewave_by_rule": {"brit.british_spelling": []}}
    aae = by_id["dialect:aae:s-3"]
    assert aae.text == "i always be feeling sad because you away"
    assert aae.meta["rules"] == ["aae.habitual_be", "aae.zero_copula"]
    assert not any(c.source_id == "s-2" and c.meta["variety"] in ("aae", "brit") for c in suite.cases)


def test_generate_is_deterministic_and_varieties_are_independent() -> None:
    spec = load_spec(SPEC)
    first = generate(spec, SMALL, LABELS, seed=0)
    assert cases_hash(first.cases) == cases_hash(generate(spec, SMALL, LABELS, seed=0).cases)
    alone = dialect.generate(_context(SMALL, varieties=["sge"]))
    assert alone.cases == [c for c in first.cases if c.meta["variety"] == "sge"]


def test_unknown_variety_and_bad_rule_entry_are_errors() -> None:
    with pytest.raises(AuditError, match="unknown dialect varieties"):
        dialect.load_varieties(_context(varieties=["klingon"]))
    with pytest.raises(AuditError, match="bad rule entry"):
        dialect.build_variety("x", {"rules": [{"rule": "no_such_rule"}]}, None)


def _record(variety: str, rules: list[str], label: str, pred: str, source_pred: str) -> dict:
    return {"label": label, "pred": pred, "source_pred": source_pred,
            "meta": {"variety": variety, "rules": rules, "ewave_by_rule": {r: [1] for r in rules}}}


def test_summarize_per_variety_and_per_rule() -> None:
    records = [
        _record("aae", ["aae.a"], "joy", "joy", "joy"),
        _record("aae", ["aae.a", "aae.b"], "joy", "sadness", "joy"),
        _record("aae", ["aae.b"], "fear", "fear", "anger"),
        _record("brit", ["brit.c"], "joy", "joy", "joy"),
    ]
    out = dialect.summarize(records, LABELS)
    aae = out["varieties"]["aae"]
    assert aae["n"] == 3
    assert aae["accuracy"]["successes"] == 2 and aae["source_accuracy"]["successes"] == 2
    assert aae["accuracy_change"] == 0.0
    assert aae["flip_rate"]["successes"] == 2 and aae["flip_rate"]["n"] == 3
    rule_b = out["rules"]["aae.b"]
    assert rule_b["n_changed"] == 2 and rule_b["share_of_variety"] == pytest.approx(2 / 3)
    assert rule_b["flip_rate"]["successes"] == 2
    assert rule_b["alone"]["n"] == 1 and rule_b["alone"]["accuracy"]["value"] == 1.0
    assert out["rules"]["aae.a"]["alone"]["flip_rate"]["value"] == 0.0


def _test_split(folder: Path) -> SourceData:
    lines = (folder / "test.txt").read_text(encoding="utf-8").splitlines()[1:]
    rows = [line.rsplit(";", 1) for line in lines]
    return SourceData([f"test-{i}" for i in range(len(rows))], [t for t, _ in rows], [lb for _, lb in rows])


def test_coverage_on_the_test_split(emotion_data: Path) -> None:
    source = _test_split(emotion_data)
    spec = load_spec(SPEC)
    suite = generate(spec, source, LABELS, seed=0)
    changed = {v: c["n_changed"] for v, c in suite.coverage.items()}
    assert changed["aae"] >= 250 and changed["brit"] >= 50 and changed["slang"] >= 400
    assert changed["inde"] >= 1500 and changed["sge"] >= 1500
    names = {r.name for v in dialect.load_varieties(_context()) for r in v.rules}
    fired = {name: sum(name in c.meta["rules"] for c in suite.cases) for name in names}
    assert fired == {name: suite.coverage[name]["n_changed"] for name in names}
    assert min(fired.values()) >= 5
    # The rng only picks surface forms: another seed applies the same rules to the same texts.
    drawn = ["sge", "slang"]
    other = dialect.generate(_context(source, seed=1, varieties=drawn))
    assert [(c.id, c.meta["rules"]) for c in other.cases] == [
        (c.id, c.meta["rules"]) for c in suite.cases if c.meta["variety"] in drawn]
    assert [c.text for c in other.cases] != [c.text for c in suite.cases if c.meta["variety"] in drawn]
