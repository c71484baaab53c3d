"""The robustness suite: typo, casing, punctuation and emoji rules, the words typos leave alone,
the marks and emoji used, and the hash-ranked sample of the INV suite."""
from __future__ import annotations

import random
from pathlib import Path
from typing import Sequence, TypeVar

import pytest

from audit.errors import AuditError
from audit.generators import robustness as rb
from audit.generators.base import Perturbed
from audit.suite import (Expectation, SourceData, SuiteSpec, cases_hash, generate, load_spec,
                         seeded_rng)
from conftest import read_split

ROOT = Path(__file__).resolve().parents[1]
LABELS = ["sadness", "joy", "love", "anger", "fear", "surprise"]
T = TypeVar("T")


class FirstPick(random.Random):
    """A stand-in RNG that always takes the first option, so rule outputs can be worked by hand."""

    def choice(self, seq: Sequence[T]) -> T:
        return seq[0]

    def randrange(self, start: int, stop: int | None = None, step: int = 1) -> int:
        return start

    def sample(self, population: Sequence[T], k: int, **_: object) -> list[T]:
        return list(population[:k])


def _spec(**params: object) -> SuiteSpec:
    shipped = load_spec(ROOT / "suites" / "robustness.yaml")
    return SuiteSpec(shipped.name, shipped.description, shipped.generator, shipped.test_type,
                     {**shipped.params, **params}, shipped.path)


TOY = SourceData(ids=["t-0", "t-1", "t-2", "t-3", "t-4"],
                 texts=["i feel sad", "i am so happy today", "im scared of the dark", "ok", "i love you"],
                 labels=["sadness", "joy", "fear", None, "love"])


def test_qwerty_neighbours_by_hand() -> None:
    n = rb.NEIGHBOURS
    assert n["a"] == "sqwz"
    assert n["s"] == "adwezx"
    assert n["f"] == "dgrtcv"
    assert n["q"] == "wa"
    assert n["p"] == "ol"
    assert n["m"] == "njk"
    assert set(n) == set("abcdefghijklmnopqrstuvwxyz")
    # Touching is symmetric.
    assert all(a in n[b] for a in n for b in n[a])


@pytest.mark.parametrize("rule, text, expected", [
    (rb.KeyboardTypo(1), "i feel sad", "i deel sad"),
    (rb.KeyboardTypo(3), "i feel sad", "i deel aad"),  # only two words are long enough
    (rb.KeyboardTypo(1), "I FEEL SAD", "I DEEL SAD"),  # keeps the letter's case
    (rb.KeyboardTypo(1), "i am ok", None),
    (rb.CharSwap(), "i feel sad", "i efel sad"),
    (rb.CharSwap(), "zzz aa", None),  # no two different adjacent letters in a long-enough word
    (rb.Casing("upper"), "i feel sad 2day", "I FEEL SAD 2DAY"),
    (rb.Casing("title"), "i feel sad 2day", "I Feel Sad 2day"),
    (rb.AppendToken("punct_exclaim", ("!!!",), separator="", family="punctuation"), "i feel sad ", "i feel sad!!!"),
    (rb.AppendToken("emoji", ("📱", "📝"), separator=" ", family="emoji"), "i feel sad",
     "i feel sad 📱"),
    # a mark goes only after a word, never after the text's own mark
    (rb.AppendToken("punct_period", (".",), separator="", family="punctuation", after_word=True),
     "i feel sad", "i feel sad."),
    (rb.AppendToken("punct_period", (".",), separator="", family="punctuation", after_word=True),
     "am i sad?", None),
    # protected words (emotion words, negations) are never chosen by a typo rule
    (rb.KeyboardTypo(1, frozenset({"feel"})), "i feel sad", "i feel aad"),
    (rb.KeyboardTypo(3, frozenset({"feel", "sad"})), "i feel sad", None),
    (rb.CharSwap(frozenset({"feel"})), "i feel sad", "i feel asd"),
])
def test_rules_by_hand(rule: rb.Perturbation, text: str, expected: str | None) -> None:
    assert rule.perturb(text, FirstPick()) == expected


def test_typo_changes_only_chosen_letters() -> None:
    rng = random.Random(7)
    allowed = {"s": set("adwezx"), "a": set("sqwz"), "d": set("sfercx")}
    for _ in range(200):
        new = rb.KeyboardTypo(1).perturb("i am sad", rng)
        assert new[:5] == "i am " and len(new) == 8
        diffs = [(old, got) for old, got in zip("sad", new[5:]) if old != got]
        assert len(diffs) == 1 and diffs[0][1] in allowed[diffs[0][0]]


def test_swap_keeps_letters() -> None:
    rng = random.Random(3)
    for _ in range(100):
        new = rb.CharSwap().perturb("im scared of the dark", rng)
        assert new != "im scared of the dark" and sorted(new) == sorted("im scared of the dark")
        assert [w for w in new.split()][:1] == ["im"]  # two-letter words are left alone


def test_bad_rule_arguments() -> None:
    with pytest.raises(AuditError):
        rb.KeyboardTypo(0)
    with pytest.raises(AuditError):
        rb.Casing("lower")
    with pytest.raises(AuditError):
        rb.AppendToken("emoji", (), separator=" ", family="emoji")


def test_generate_on_toy_source() -> None:
    spec = _spec(sample_size=None)
    suite = generate(spec, TOY, LABELS, seed=0)
    rules = [r.name for r in rb.build_rules(spec.params, *rb.load_marks(ROOT / "suites" / spec.params["marks"]))]
    assert rules == ["keyboard_typo_1", "keyboard_typo_3", "char_swap", "case_upper", "case_title",
                     "punct_period", "punct_exclaim", "punct_exclaim3", "emoji"]
    assert suite.n_candidates == 5
    # "ok" has no word of three letters, so only the casing, punctuation and emoji rules apply to it.
    for rule in rules:
        typo = rule.startswith(("keyboard", "char"))
        assert suite.coverage[rule] == {"n_candidates": 5, "n_changed": 4 if typo else 5}
    assert len(suite.cases) == sum(c["n_changed"] for c in suite.coverage.values())
    for case in suite.cases:
        i = TOY.ids.index(case.source_id)
        assert case.id == f"robustness:{case.rule}:{case.source_id}"
        assert case.source_text == TOY.texts[i] and case.label == TOY.labels[i]
        assert case.expectation.kind == "INV" and case.text != case.source_text
    by_id = {c.id: c.text for c in suite.cases}
    assert by_id["robustness:case_upper:t-3"] == "OK"
    assert by_id["robustness:punct_period:t-0"] == "i feel sad."
    assert by_id["robustness:keyboard_typo_1:t-1"].split()[3] == "happy"  # the emotion word stays
    # INV: the case passes only if the prediction matches the source's.
    case = suite.cases[0]
    assert case.expectation.check("joy", case.label, "joy") is True
    assert case.expectation.check("joy", case.label, "sadness") is False


def test_sample_is_seeded_and_shared_by_rules() -> None:
    spec = _spec(sample_size=3)
    a = generate(spec, TOY, LABELS, seed=0)
    b = generate(spec, TOY, LABELS, seed=0)
    assert cases_hash(a.cases) == cases_hash(b.cases)
    assert a.n_candidates == 3
    sources = {rule: {c.source_id for c in a.cases if c.rule == rule} for rule in ("case_upper", "emoji")}
    assert len(sources["case_upper"]) == 3 and sources["case_upper"] == sources["emoji"]
    samples = {frozenset(c.source_id for c in generate(spec, TOY, LABELS, seed=s).cases) for s in range(6)}
    assert len(samples) > 1 and all(len(sample) == 3 for sample in samples)


def test_shipped_suite_on_test_split(emotion_data: Path) -> None:
    source = read_split(emotion_data)
    spec = load_spec(ROOT / "suites" / "robustness.yaml")
    suite = generate(spec, source, LABELS, seed=0)
    size = spec.params["sample_size"]
    assert suite.n_candidates == size
    assert all(c["n_candidates"] == size for c in suite.coverage.values())
    # Casing, punctuation and emoji apply to every text; typos to nearly every one.
    assert all(c["n_changed"] == size for r, c in suite.coverage.items() if not r.startswith(("keyboard", "char")))
    assert all(c["n_changed"] >= 0.99 * size for c in suite.coverage.values())
    assert len(suite.cases) == sum(c["n_changed"] for c in suite.coverage.values())
    # Typos that made or unmade an emotion word or a negation were skipped, none emitted.
    assert sum(c.get("n_skipped", 0) for c in suite.coverage.values()) > 0
    assert all(rb.keeps_protected_words(c.source_text, c.text, PROTECTED) for c in suite.cases)
    assert not any(c.text.endswith(("?", "...")) for c in suite.cases)
    assert cases_hash(generate(spec, source, LABELS, seed=0).cases) == cases_hash(suite.cases)


def test_summarize_hand_counted() -> None:
    def rec(rule: str, family: str, label: str, source_pred: str, pred: str) -> dict:
        return {"rule": rule, "label": label, "pred": pred, "source_pred": source_pred,
                "passed": pred == source_pred, "meta": {"family": family}}

    records = [
        rec("char_swap", "typo", "joy", "joy", "joy"),
        rec("char_swap", "typo", "joy", "joy", "sadness"),      # flip that breaks a right answer
        rec("char_swap", "typo", "fear", "anger", "fear"),      # flip that fixes a wrong answer
        rec("case_upper", "casing", "love", "love", "love"),
    ]
    out = rb.summarize(records, LABELS)
    assert (out["by_family"]["typo"]["successes"], out["by_family"]["typo"]["n"]) == (1, 3)
    assert out["by_family"]["casing"]["value"] == 1.0
    swap = out["accuracy_by_rule"]["char_swap"]
    assert swap["n"] == 3 and swap["source"] == pytest.approx(2 / 3) and swap["perturbed"] == pytest.approx(2 / 3)
    assert swap["drop"] == pytest.approx(0.0)  # two flips, no net accuracy change


PROTECTED = rb.load_protected(ROOT / "suites" / "data" / "short_lexicon.yaml")


@pytest.mark.parametrize("source, new, kept", [
    ("i miss my dad", "i miss my sad", False),           # a typo that makes an emotion word
    ("i ate my food", "i ate my good", False),           # ... or an evaluative one
    ("i tried so hard", "i tired so hard", False),       # a swap that makes one
    ("i did it again", "i dint it again", False),        # a typo that makes a (misspelt) negation
    ("i don t know", "i doh t know", False),             # ... or unmakes a split one
    ("i feel sad", "i fewl sad", True),
    ("i feel sad", "I FEEL SAD!!!", True),
    ("i feel sad", "i feel sad 📱", True),
])
def test_keeps_protected_words(source: str, new: str, kept: bool) -> None:
    assert rb.keeps_protected_words(source, new, PROTECTED) is kept
    expected = Expectation("INV") if kept else None
    assert rb.invariance(PROTECTED)(rb.CharSwap(), source, "joy", Perturbed(new)) == expected


def test_protected_words_cover_the_lexicon_and_negations() -> None:
    for word in ("sad", "lonely", "furious", "love", "worried", "good", "dont", "never"):
        assert word in PROTECTED
    # Before, a typo could turn "dad" into "sad": now that case is skipped, not emitted.
    assert rb.KeyboardTypo(1).perturb("dad", FirstPick()) == "sad"
    assert not rb.keeps_protected_words("dad", "sad", PROTECTED)


#: Emoji that carry an emotion or an attitude (faces, hearts, hands, eyes, sparkles, fire, ...).
_ATTITUDE_EMOJI = set("👀✨🔥💯🙏👍👎🎉🥳💔❤🖤💕😂😭🙄😡😱😍🤔🍕☕🌙")


def _attitude(char: str) -> bool:
    code = ord(char)
    return (char in _ATTITUDE_EMOJI or 0x1F600 <= code <= 0x1F64F or 0x1F910 <= code <= 0x1F9FF
            or 0x1F493 <= code <= 0x1F49F or 0x1F44A <= code <= 0x1F450)


def test_marks_and_emoji_are_neutral() -> None:
    punctuation, emoji = rb.load_marks(ROOT / "suites" / "data" / "robustness_marks.yaml")
    # "?" asks instead of stating and "..." can trail off in sadness: neither keeps the label.
    assert set(punctuation.values()) == {".", "!", "!!!"}
    assert emoji and not any(_attitude(c) for e in emoji for c in e)


def _rows(n: int) -> SourceData:
    return SourceData([f"r-{k}" for k in range(n)], [f"text number {k} here" for k in range(n)],
                      ["joy"] * n)


def test_sample_is_stable_when_a_row_is_removed() -> None:
    source = _rows(40)
    rank = lambda sid: seeded_rng(0, "robustness", "sample", sid).random()  # noqa: E731
    before = set(rb.sample_source(source, 10, rank).ids)
    for removed in ("r-3", next(iter(before))):
        keep = [k for k, sid in enumerate(source.ids) if sid != removed]
        smaller = SourceData([source.ids[k] for k in keep], [source.texts[k] for k in keep],
                             [source.labels[k] for k in keep])
        after = set(rb.sample_source(smaller, 10, rank).ids)
        # at most the removed row leaves and one other row comes in
        assert len(after) == 10 and len(before - after) <= 1 and before - after <= {removed}


def test_shipped_sample_keeps_its_rows_when_one_is_dropped(emotion_data: Path) -> None:
    source = read_split(emotion_data)
    spec = load_spec(ROOT / "suites" / "robustness.yaml")
    first = {c.source_id for c in generate(spec, source, LABELS, seed=0).cases}
    dropped = sorted(first)[0]
    keep = [k for k, sid in enumerate(source.ids) if sid != dropped]
    smaller = SourceData([source.ids[k] for k in keep], [source.texts[k] for k in keep],
                         [source.labels[k] for k in keep])
    second = {c.source_id for c in generate(spec, smaller, LABELS, seed=0).cases}
    assert first - second == {dropped} and len(second - first) == 1
