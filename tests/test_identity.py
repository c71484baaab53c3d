"""The identity suite: swaps as before/after pairs, the templates and their pairing, determinism."""
from __future__ import annotations

import random
from collections import Counter
from pathlib import Path

import pytest
import yaml

from audit.generators import identity
from audit.generators.identity import GenderSwap, NameBook, RaceSwap, TermSwap, TermTable
from audit.suite import SourceData, cases_hash, generate, load_spec, score_suite

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "suites" / "data"
LABELS = ["sadness", "joy", "love", "anger", "fear", "surprise"]
SPEC = load_spec(ROOT / "suites" / "identity.yaml")


def _yaml(name: str) -> dict:
    return yaml.safe_load((DATA / name).read_text(encoding="utf-8"))


NAMES = NameBook(_yaml("identity_names.yaml"))
GROUPS = _yaml("identity_groups.yaml")
GENDER_WORDS = _yaml("identity_gender.yaml")
GENDER = GenderSwap(GENDER_WORDS["pairs"], GENDER_WORDS["her_object_before"], NAMES)
TEMPLATES = _yaml("identity_templates.yaml")


def _names(key: str) -> set[str]:
    return set(_yaml("identity_names.yaml")["groups"][key]["names"])


def _source(*texts: str) -> SourceData:
    return SourceData([f"test-{i}" for i in range(len(texts))], list(texts), ["joy"] * len(texts))


@pytest.mark.parametrize("before, after", [
    ("he said she was happy", "she said he was happy"),
    ("his wife made him smile", "her husband made her smile"),
    ("he made himself a cup of tea", "she made herself a cup of tea"),
    ("my mum and my brother", "my dad and my sister"),
    ("i miss my boyfriend hes gone", "i miss my girlfriend shes gone"),
    ("the men and women of the kingdom", "the women and men of the kingdom"),
    ("He's my Dad", "She's my Mom"),
    ("HE IS HERE", "SHE IS HERE"),
])
def test_gender_swap_pairs(before: str, after: str) -> None:
    assert GENDER.perturb(before, random.Random(0)).text == after


@pytest.mark.parametrize("before, after", [
    ("i love her", "i love him"),                      # end of text: object
    ("i gave her a hug", "i gave him a hug"),          # before a determiner: object
    ("i told her that i care", "i told him that i care"),
    ("i made her feel better", "i made him feel better"),
    ("her phone rang", "his phone rang"),              # before a noun: possessive
    ("i miss her smile and her laugh", "i miss his smile and his laugh"),
    ("she loves her", "he loves him"),
])
def test_her_is_object_or_possessive(before: str, after: str) -> None:
    assert GENDER.perturb(before, random.Random(0)).text == after


@pytest.mark.parametrize("text", [
    "the theme of the manager",          # he in the/theme, man in manager
    "there is a hermit in the shell",    # her in there/hermit, he in shell
    "i feel frank about it",             # frank: a common word, not read as a name
    "i feel so happy today",
])
def test_words_inside_words_are_not_swapped(text: str) -> None:
    rng = random.Random(0)
    assert GENDER.perturb(text, rng) is None
    assert RaceSwap("african_american", NAMES).perturb(text, rng) is None


def test_names_swap_within_race_or_gender() -> None:
    out = GENDER.perturb("i met paul and paul smiled", random.Random(0)).text.split()
    assert out[2] == out[4] and out[2] in _names("european_american_female")  # same name, same replacement
    out = RaceSwap("african_american", NAMES).perturb("i met paul and emily", random.Random(0)).text.split()
    assert out[2] in _names("african_american_male") and out[4] in _names("african_american_female")
    assert RaceSwap("european_american", NAMES).perturb("i met paul", random.Random(0)) is None
    assert RaceSwap("european_american", NAMES).perturb("i met tyrone", random.Random(0)).text.split()[2] in \
        _names("european_american_male")
    # the names chosen depend only on the seed
    assert GENDER.perturb("peter called", random.Random(3)) == GENDER.perturb("peter called", random.Random(3))


@pytest.mark.parametrize("text, groups", [
    ("he loves his wife", {"source_group": "male", "group": "female"}),
    ("she called", {"source_group": "female", "group": "male"}),
    ("he told her", {"source_group": "mixed", "group": "mixed"}),
    ("emily called", {"source_group": "female", "group": "male"}),
])
def test_gender_groups(text: str, groups: dict) -> None:
    assert GENDER.groups(text) == groups


@pytest.mark.parametrize("attribute, target, before, after, source", [
    ("religion", "muslim", "my catholic friends", "my muslim friends", "christian"),
    ("religion", "jewish", "i pray for christians", "i pray for jews", "christian"),
    ("nationality", "mexican", "americans love america", "mexicans love mexico", "american"),
    ("nationality", "british", "chinese food", "british food", "chinese"),
])
def test_term_swap(attribute: str, target: str, before: str, after: str, source: str) -> None:
    rule = TermSwap(TermTable(attribute, GROUPS[attribute]), target)
    assert rule.name == f"{attribute}_to_{target}"
    assert rule.perturb(before, random.Random(0)).text == after
    assert rule.groups(before) == {"source_group": source, "group": target}


def test_term_swap_does_not_apply() -> None:
    religion = TermSwap(TermTable("religion", GROUPS["religion"]), "muslim")
    nationality = TermSwap(TermTable("nationality", GROUPS["nationality"]), "mexican")
    assert religion.perturb("muslims pray", random.Random(0)) is None  # already the target group
    assert nationality.perturb("i moved to indiana", random.Random(0)) is None


# --------------------------------------------------------------------------- the generated suite

TEST_TEXTS = ("he is happy today", "i feel calm", "my chinese friend is sweet", "i met paul")


def test_test_text_cases_are_paired_and_tagged() -> None:
    suite = generate(SPEC, _source(*TEST_TEXTS), LABELS, seed=0)
    derived = {c.id: c for c in suite.cases if c.meta["origin"] == "test"}
    case = derived["identity:gender_swap:test-0"]
    assert case.text == "she is happy today" and case.source_text == "he is happy today" and case.label == "joy"
    assert case.expectation.kind == "INV"
    assert {k: case.meta[k] for k in ("attribute", "group", "source_group", "pair", "role")} == {
        "attribute": "gender", "group": "female", "source_group": "male",
        "pair": "gender_swap:test-0", "role": "counterfactual"}
    assert derived["identity:nationality_to_nigerian:test-2"].text == "my nigerian friend is sweet"
    assert derived["identity:race_to_african_american:test-3"].meta["source_group"] == "european_american"
    assert not any(c.source_id == "test-1" for c in derived.values())
    assert suite.coverage["gender_swap"] == {"n_candidates": 4, "n_changed": 2}  # "he", and the name paul
    assert suite.coverage["nationality_to_mexican"]["n_changed"] == 1
    assert suite.coverage["nationality_to_chinese"]["n_changed"] == 0


def test_templates_pair_every_group_with_a_base_case() -> None:
    suite = generate(SPEC, _source(), LABELS, seed=0)
    cases = [c for c in suite.cases if c.meta["origin"] == "template"]
    assert len(cases) >= 2000
    by_id = {c.id: c for c in cases}
    bases = {c.meta["pair"]: c for c in cases if c.meta["role"] == "base"}
    word_class = {w: emotion for kind in ("state", "situation")
                  for emotion, words in TEMPLATES[kind].items() for w in words}
    expected_groups = {"gender": {"male", "female"}, "race": {"european_american", "african_american"},
                       "religion": set(GROUPS["religion"]), "nationality": set(GROUPS["nationality"])}
    groups: dict[str, set] = {a: set() for a in expected_groups}
    for c in cases:
        assert word_class[c.meta["emotion_word"]] == c.label and c.meta["emotion_word"] in c.text.split()
        groups[c.meta["attribute"]].add(c.meta["group"])
        if c.meta["role"] == "base":
            assert c.source_text is None and c.meta["group"] == c.meta["source_group"]
        else:
            base = bases[c.meta["pair"]]
            assert c.source_id is None and c.source_text == base.text and base.label == c.label
            assert c.meta["source_group"] == base.meta["group"] != c.meta["group"]
    assert groups == expected_groups
    assert by_id["identity:template:religion:feels:joy:this_man:muslim"].text.startswith("this muslim man feels ")
    found = by_id["identity:template:race:found_in_situation:fear:amanda:african_american"].text
    assert found.startswith("ebony found herself in a")
    counts = Counter(c.meta["attribute"] for c in cases)
    assert counts == {"gender": 9 * 7 * 6 * 2, "race": 20 * 7 * 6 * 2, "religion": 3 * 7 * 6 * 7,
                      "nationality": 3 * 7 * 6 * 10}


def test_generation_is_deterministic() -> None:
    source = _source(*TEST_TEXTS)
    first = cases_hash(generate(SPEC, source, LABELS, seed=0).cases)
    assert first == cases_hash(generate(SPEC, source, LABELS, seed=0).cases)
    assert first != cases_hash(generate(SPEC, source, LABELS, seed=1).cases)


def test_summarize_through_score_suite() -> None:
    suite = generate(SPEC, _source(*TEST_TEXTS), LABELS, seed=0)
    suite.cases = [c for c in suite.cases if c.meta["attribute"] == "gender"]

    def probs_of(text: str) -> list[float]:
        """Predicts the gold class of the template's emotion word, but flips "she" to anger."""
        probs = [0.01] * 6
        probs[3 if text.split()[0] in {"she"} else 1] = 0.95
        return probs

    section, _ = score_suite(SPEC, suite, LABELS, probs_of, seed=0, n_resamples=0, extra=identity.summarize)
    gender = section["extra"]["attributes"]["gender"]
    by_origin = gender["counterfactual"]["by_origin"]
    assert by_origin["test"]["flip_rate"]["successes"] == 1  # "he is happy" -> "she is happy"
    assert by_origin["template"]["flip_rate"]["successes"] == 0
    assert set(gender["groups"]) == {"male", "female"} and gender["groups"]["male"]["n"] == 378


def test_reference_split_coverage(emotion_data: Path) -> None:
    rows = [line.rsplit(";", 1) for line in (emotion_data / "test.txt").read_text(encoding="utf-8").splitlines()[1:]]
    source = SourceData([f"test-{i}" for i in range(len(rows))], [r[0] for r in rows], [r[1] for r in rows])
    suite = generate(SPEC, source, LABELS, seed=0)
    assert suite.coverage["gender_swap"]["n_changed"] > 200
    assert all(c.text != c.source_text for c in suite.cases if c.meta["origin"] == "test")
