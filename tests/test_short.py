"""The short suite: emotion-keeping truncations, minimal lexicon cases, no test text carried as a
case unchanged, the lexicon file itself (and its agreement with the training data), determinism,
the truncated/minimal breakdown, the per-rule summary and the training-data evidence."""
from __future__ import annotations

import random
from collections import Counter
from pathlib import Path

import numpy as np
import pytest

from audit.errors import AuditError
from audit.generators import lexicon, short
from audit.suite import SourceData, SuiteContext, cases_hash, generate, load_spec, score_suite
from conftest import read_split

ROOT = Path(__file__).resolve().parents[1]
LABELS = ["sadness", "joy", "love", "anger", "fear", "surprise"]
LEXICON_PATH = ROOT / "suites/data/short_lexicon.yaml"
LEXICON = lexicon.load_lexicon(LEXICON_PATH)
MIXED = lexicon.load_mixed_words(LEXICON_PATH)
SPEC = load_spec(ROOT / "suites/short.yaml")
FEEL_VERB_ONLY = frozenset(SPEC.params["feel_verb_only"])
PERSON_DIRECTED = frozenset(SPEC.params["person_directed"])
WORDS = short.EmotionWords.read(LEXICON_PATH, FEEL_VERB_ONLY, PERSON_DIRECTED)


@pytest.mark.parametrize("text, n_words, expected", [
    ("i feel so lonely tonight without you", 5, ("i feel so lonely tonight", "lonely")),
    ("i feel so lonely tonight without you", 3, None),          # the emotion word is cut off
    ("lonely again tonight", 3, None),                          # not longer than the cut
    ("im scared of the dark at night", 3, ("im scared of", "scared")),  # a copula heads it
    ("it makes me happy to see you", 5, ("it makes me happy to", "happy")),
    ("i feel stupid whenever this happens", 3, ("i feel stupid", "stupid")),
    ("i was stupid and said yes", 3, None),          # a judging word is a feeling only after feel
    ("lonely again tonight and always", 3, None),    # no feeling clause: was kept before
    ("i don t feel guilty about it", 5, None),       # the emotion word is negated
    ("i didint feel any love and caring now", 5, None),  # a misspelt negation
    ("i would love to see you again", 5, None),      # "would love to" is not love: was kept before
    ("i love you so much and more", 3, None),        # "love" names no class
    ("i feel amazing and so blessed today", 3, None),  # "amazing" was a surprise cue before
    ("i feel shocked and sad at the news", 5, None),  # two classes
    ("i feel so worried about it all", 5, None),     # labelled sadness as often as fear
    ("i want to feel happy again some day", 5, None),  # a wished feeling, not a stated one
    ("if i feel sad i just cry", 5, None),           # a supposed one
    ("i went from feeling confident to lost", 5, None),  # one left behind
    # the writer's own feeling only (all but the last four were kept before)
    ("i feel they are frightened of fats", 5, None),        # the fear is theirs
    ("i see momo feel shy momo hmmm", 5, None),              # momo's, or unclear whose
    ("my mom was so angry at me", 5, None),
    ("he says im so angry all the time", 5, None),           # his claim about the writer
    ("i make them feel so happy", 5, None),
    ("i stopped feeling sad after that", 5, None),           # a feeling that ended
    ("i rarely feel happy these days", 5, None),             # one seldom felt
    ("id feel happy if it worked", 5, None),                 # "id" = "i would"
    ("it is sad that i lost it", 3, None),                   # a judgement of a thing
    ("i think im so angry at it", 5, ("i think im so angry", "angry")),
    ("it makes me feel happy today", 5, ("it makes me feel happy", "happy")),
    ("i kept feeling happy as i ran", 5, ("i kept feeling happy as", "happy")),
    ("i prepare i feel thankful that these", 5, ("i prepare i feel thankful", "thankful")),
    # a word whose class shifts with a person target, aimed at a person (kept before)
    ("i feel shy around him all the time", 5, None),         # a crush reads as love
    ("i feel shy around momo today", 5, None),               # "around" takes a person
    ("im so proud of you always", 5, None),
    ("i feel jealous of him touching someone", 5, None),
    ("i feel shy because of what i wear", 5, ("i feel shy because of", "shy")),
    ("i am thankful that she always helps", 5, ("i am thankful that she", "thankful")),
    ("i feel scared of him and his", 5, ("i feel scared of him", "scared")),  # stays fear
])
def test_truncation(text: str, n_words: int, expected: tuple[str, str] | None) -> None:
    rule = short.Truncation(n_words, WORDS)
    assert rule.name == f"first{n_words}"
    result = rule.perturb(text, random.Random(0))
    assert (None if result is None else (result.text, result.meta["cue"])) == expected


@pytest.mark.parametrize("tokens, expected", [
    ("i dont know", True), ("i don t know", True), ("i can t", True),
    # misspelt fused negations: "didint", "dident", "dnt", "donot", "doesent", "wasent", "dontt"
    ("i didint feel any love", True), ("i dident", True), ("i dnt care", True), ("i donot", True),
    ("it doesent matter", True), ("it wasent me", True), ("i dontt", True), ("i dunno", True),
    ("i want t shirts", False), ("i know", False), ("i can do it", False), ("i went", False),
    ("i want it", False), ("a dent in it", False), ("i isnot", True),
])
def test_has_negation(tokens: str, expected: bool) -> None:
    assert short.has_negation(tokens.split()) is expected


@pytest.mark.parametrize("tokens, j, feel_only, expected", [
    ("i feel so very sad", 4, False, True),
    ("im a bit sad", 3, False, True),
    ("it makes me sad", 3, False, True),
    ("it makes me sad", 3, True, False),        # "me" heads only for any-head words
    ("i was sad", 2, True, False),
    ("i feel like a sad", 4, False, False),     # "like" is no degree word
    ("i want to feel sad", 4, False, False),
    ("i wish i felt sad", 4, False, False),
    ("if i feel sad", 3, False, False),
    ("i cried and i feel sad", 5, False, True),  # the clause starts after "and"
    ("i want it but i feel sad", 6, False, True),
    ("sad", 0, False, False),
])
def test_in_feeling_clause(tokens: str, j: int, feel_only: bool, expected: bool) -> None:
    assert short.in_feeling_clause(tokens.split(), j, feel_only=feel_only) is expected


@pytest.mark.parametrize("tokens, j, writers, anyones", [
    ("i feel they are frightened", 4, False, True),
    ("i see momo feel shy", 4, False, True),
    ("she seemed upset", 2, False, True),
    ("it makes me feel sad", 4, True, True),
    ("it left me feeling empty", 4, True, True),
    ("they make me so angry", 4, True, True),
    ("i make him feel sad", 4, False, True),
    ("im so sad", 2, True, True),
    ("i m so sad", 3, True, True),
    ("ive been feeling sad", 3, True, True),
    ("i have been feeling sad", 4, True, True),
    ("i honestly feel extremely sad", 4, True, True),
    ("i kind of feel sad", 4, True, True),
    ("i woke up feeling sad", 4, True, True),
    ("i find myself feeling sad", 4, True, True),
    ("i remember feeling sad", 3, True, True),
    ("i stopped feeling sad", 3, False, True),
    ("i almost feel sad", 3, False, True),
    ("id feel sad", 2, False, True),
    ("i guess im sad", 3, True, True),
    ("i know he thinks im sad", 5, False, True),
    ("today i feel sad", 3, True, True),
    ("he left and i feel sad", 5, True, True),
    ("i am gonna feel sad", 4, False, False),
    ("so i feel sad", 3, True, True),
    ("do i feel sad", 3, False, True),     # a question
    ("why do i feel sad", 4, False, True),
])
def test_writer_feels(tokens: str, j: int, writers: bool, anyones: bool) -> None:
    """Whose feeling it is: the cases need the writer's; the lexicon's check counts anyone's."""
    assert short.in_feeling_clause(tokens.split(), j) is writers
    assert short.in_feeling_clause(tokens.split(), j, writer=False) is anyones


@pytest.mark.parametrize("tokens, expected", [
    ("i feel shy around him", True), ("i feel shy in front of", True),
    ("im so lucky to have you", True), ("i feel hurt by my boyfriend", True),
    ("i feel shy about it", False), ("i am thankful that she", False),
    ("i feel scared of him", False),   # "scared" is not person-directed
    ("i feel shy", False), ("i feel lonely and he", False),
])
def test_aimed_at_person(tokens: str, expected: bool) -> None:
    assert WORDS.aimed_at_person(tokens.split()) is expected


def test_minimal_feeling_clauses_state_their_word_by_the_rule_of_the_cuts() -> None:
    """Every "i feel <word>" case is one the cuts' matcher reads as stating its word's class."""
    cases = [c for c in generate(SPEC, SOURCE, LABELS, seed=0).cases if c.rule == "i_feel_word"]
    assert cases
    for case in cases:
        assert WORDS.stated_emotion(case.text.split()) == (case.text.split()[-1], case.label)


def test_lexicon_file() -> None:
    assert set(LEXICON) == set(LABELS)
    seen: Counter[str] = Counter()
    for words in LEXICON.values():
        assert len(words.feel) >= 4
        assert set(words.feel) <= words.cues
        seen.update(words.cues)
    assert max(seen.values()) == 1  # every word names one class
    for word in ("sad", "lonely", "depressed", "happy", "loved", "angry", "afraid", "surprised"):
        assert any(word in w.feel for w in LEXICON.values())
    # Class words the data contradicts, or that are not feelings, carry no class (all were
    # class words before): "amazing" was a surprise cue, "startled" surprise, "cheated" and
    # "betrayed" anger, "love" love, "worried" fear.
    for word in ("amazing", "startled", "cheated", "betrayed", "love", "worried", "hate", "tears"):
        assert word in MIXED and all(word not in w.cues for w in LEXICON.values())
    assert FEEL_VERB_ONLY <= set(WORDS.class_of)


#: The lexicon's agreement with the training data: a class word must hold the word's class as
#: the majority label (at least this share) of at least this many training texts in which it is
#: the complement of a feeling clause (the suite's own matcher).
MIN_TRAIN_TEXTS = 10
MIN_MAJORITY_SHARE = 0.5


def test_lexicon_classes_match_the_training_data(emotion_data: Path) -> None:
    train = read_split(emotion_data, "train")
    counts: dict[str, Counter[str]] = {word: Counter() for word in WORDS.class_of}
    for text, label in zip(train.texts, train.labels):
        tokens = text.split()
        for word in {t for j, t in enumerate(tokens)
                     if t in counts and short.in_feeling_clause(tokens, j, writer=False)}:
            counts[word][label] += 1
    disagree = {}
    for word, cls in WORDS.class_of.items():
        n = sum(counts[word].values())
        top, k = counts[word].most_common(1)[0] if n else (None, 0)
        if n < MIN_TRAIN_TEXTS or top != cls or k / n < MIN_MAJORITY_SHARE:
            disagree[word] = (cls, dict(counts[word]))
    assert not disagree


def test_lexicon_check_catches_the_old_errors(emotion_data: Path) -> None:
    """The same check on words the lexicon listed before: it fails each of them."""
    train = read_split(emotion_data, "train")
    old = {"amazing": "surprise", "startled": "surprise", "cheated": "anger", "betrayed": "anger",
           "worried": "fear", "love": "love"}
    counts: dict[str, Counter[str]] = {word: Counter() for word in old}
    for text, label in zip(train.texts, train.labels):
        tokens = text.split()
        for j, t in enumerate(tokens):
            if t in counts and short.in_feeling_clause(tokens, j, writer=False):
                counts[t][label] += 1
    for word, cls in old.items():
        n = sum(counts[word].values())
        assert n < MIN_TRAIN_TEXTS or counts[word][cls] / n < MIN_MAJORITY_SHARE, word


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


@pytest.mark.parametrize("body, message", [
    ("sadness: {feel: [sad], cues: []}\nmixed: [sad]\n", "mixed.*and under a class"),
    ("sadness: {feel: [sad], cues: []}\nmixed: [Love]\n", "one lowercase word"),
    ("sadness: {feel: [sad], cues: []}\nmixed: love\n", "list of words"),
])
def test_mixed_words_errors(tmp_path: Path, body: str, message: str) -> None:
    path = tmp_path / "lexicon.yaml"
    path.write_text(body, encoding="utf-8")
    with pytest.raises(AuditError, match=message):
        lexicon.load_mixed_words(path)


def test_mixed_words_are_not_a_class(tmp_path: Path) -> None:
    path = tmp_path / "lexicon.yaml"
    path.write_text("sadness: {feel: [sad], cues: [tearful]}\nmixed: [love, tears]\n",
                    encoding="utf-8")
    assert set(lexicon.load_lexicon(path)) == {"sadness"}
    assert lexicon.load_mixed_words(path) == {"love", "tears"}
    words = short.EmotionWords.read(path)
    assert words.stated_emotion("i feel sad".split()) == ("sad", "sadness")
    assert words.stated_emotion("i feel sad tears".split()) is None


@pytest.mark.parametrize("key", ["feel_verb_only", "person_directed"])
def test_word_params_must_be_class_words(key: str) -> None:
    spec = load_spec(ROOT / "suites/short.yaml")
    bad = type(spec)(spec.name, spec.description, spec.generator, spec.test_type,
                     {**spec.params, key: ["stupid", "greedy"]}, spec.path)
    with pytest.raises(AuditError, match=f"{key} lists 'greedy'"):
        generate(bad, SOURCE, LABELS, seed=0)


SOURCE = SourceData(
    ["t0", "t1", "t2", "t3"],
    ["im so lonely",                                  # no longer than either cut: no case
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
    assert set(by_rule) == {"first3", "first5", "i_feel_word", "single_word"}
    # t3's cut states sadness against its gold label joy: skipped, not emitted
    assert [(c.id, c.text) for c in by_rule["first3"] + by_rule["first5"]] == [
        ("short:first3:t2", "im scared of"),
        ("short:first5:t1", "i feel so happy today"),
        ("short:first5:t2", "im scared of the dark"),
    ]
    assert [c.label for c in by_rule["first5"]] == ["joy", "fear"]
    assert [c.meta["cue"] for c in by_rule["first5"]] == ["happy", "scared"]
    assert all(c.meta["bucket"] == "truncated" for c in by_rule["first3"] + by_rule["first5"])
    assert suite.coverage == {"first3": {"n_candidates": 4, "n_changed": 1},
                              "first5": {"n_candidates": 4, "n_changed": 2, "n_skipped": 1}}
    assert suite.n_candidates == 4
    feel = [w for entry in LEXICON.values() for w in entry.feel]
    assert len(by_rule["i_feel_word"]) == len(feel)
    # judging words ("stupid", "awful") make no one-word case
    assert sorted(c.text for c in by_rule["single_word"]) == sorted(set(feel) - FEEL_VERB_ONLY)
    assert "stupid" not in {c.text for c in by_rule["single_word"]}
    assert "i feel stupid" in {c.text for c in by_rule["i_feel_word"]}
    lonely = next(c for c in by_rule["i_feel_word"] if c.id == "short:i_feel_word:lonely")
    assert lonely.text == "i feel lonely" and lonely.label == "sadness"
    assert lonely.meta == {"bucket": "minimal"}
    assert next(c for c in by_rule["single_word"] if c.text == "irritated").label == "anger"
    assert len({c.id for c in suite.cases}) == len(suite.cases)


def test_one_case_per_distinct_cut_within_a_rule() -> None:
    """Three texts that open "i feel shy" made three identical first3 cases before; now one,
    from the first source, standing for three. Their first5 cuts differ and stay three."""
    source = SourceData(["a", "b", "c", "d"],
                        ["i feel shy because of what i wear", "i feel shy about it all today",
                         "i feel shy when i speak up", "im scared of the dark tonight"],
                        ["fear", "fear", "fear", "fear"])
    suite = short.truncation_cases("short", source, WORDS, [3, 5], seed=0)
    first3 = [c for c in suite.cases if c.rule == "first3"]
    assert [(c.id, c.text, c.meta["n_sources"]) for c in first3] == [
        ("short:first3:a", "i feel shy", 3), ("short:first3:d", "im scared of", 1)]
    first5 = [c for c in suite.cases if c.rule == "first5"]
    assert len(first5) == 4 and {c.meta["n_sources"] for c in first5} == {1}
    assert suite.coverage["first3"] == {"n_candidates": 4, "n_changed": 2, "n_merged": 2}
    assert suite.coverage["first5"] == {"n_candidates": 4, "n_changed": 4}


def test_same_seed_same_cases() -> None:
    assert (cases_hash(generate(SPEC, SOURCE, LABELS, seed=3).cases)
            == cases_hash(generate(SPEC, SOURCE, LABELS, seed=3).cases))


def test_no_case_is_an_unchanged_source_text() -> None:
    """The suite sets its own expectations: no case re-scores a test text on its dataset label."""
    suite = generate(SPEC, SOURCE, LABELS, seed=0)
    assert not {c.text for c in suite.cases} & set(SOURCE.texts)
    assert all(c.source_text != c.text for c in suite.cases if c.source_id is not None)


def test_breakdown_by_bucket_and_summary() -> None:
    """With a model that always says sadness, each kind's accuracy follows its cases' labels:
    the truncated cases here are joy and fear (all fail), the minimal ones pass for sadness
    words only."""
    suite = generate(SPEC, SOURCE, LABELS, seed=0)
    section, _ = score_suite(SPEC, suite, LABELS, lambda text: np.eye(6)[0], seed=0,
                             n_resamples=0, breakdown=SPEC.params["breakdown"],
                             extra=short.summarize)
    buckets = section["breakdowns"]["bucket"]
    assert set(buckets) == {"truncated", "minimal"}
    assert buckets["truncated"]["n"] == 3
    assert buckets["truncated"]["metrics"]["accuracy"]["value"] == 0.0
    minimal = [c for c in suite.cases if c.meta["bucket"] == "minimal"]
    n_sad_minimal = sum(c.label == "sadness" for c in minimal)
    assert buckets["minimal"]["n"] == len(minimal)
    assert buckets["minimal"]["metrics"]["accuracy"]["value"] == pytest.approx(
        n_sad_minimal / len(minimal))
    table = section["extra"]["pass_rate_by_rule_and_class"]
    assert set(table) == {"first3", "first5", "i_feel_word", "single_word"}
    assert table["first5"]["joy"]["value"] == 0.0 and table["first5"]["fear"]["value"] == 0.0
    n_sad = len(set(LEXICON["sadness"].feel) - FEEL_VERB_ONLY)
    single_sad = table["single_word"]["sadness"]
    assert (single_sad["successes"], single_sad["n"]) == (n_sad, n_sad)
    assert table["single_word"]["joy"]["successes"] == 0


def test_on_the_test_split(emotion_data: Path) -> None:
    source = read_split(emotion_data)
    suite = generate(SPEC, source, LABELS, seed=0)
    assert set(Counter(c.rule for c in suite.cases)) == {"first3", "first5", "i_feel_word",
                                                         "single_word"}
    assert not {c.text for c in suite.cases} & set(source.texts)  # no test text as it is
    truncated = [c for c in suite.cases if c.rule in ("first3", "first5")]
    assert len(truncated) == sum(v["n_changed"] for v in suite.coverage.values())
    assert all(v["n_changed"] > 50 for v in suite.coverage.values())
    # one case per distinct cut within a rule, standing for all the texts that open with it
    assert len({(c.rule, c.text) for c in truncated}) == len(truncated)
    for rule, counts in suite.coverage.items():
        assert sum(c.meta["n_sources"] for c in truncated if c.rule == rule) == (
            counts["n_changed"] + counts.get("n_merged", 0))
    assert suite.coverage["first3"]["n_merged"] > 0
    for case in truncated:
        words = case.text.split()
        assert len(words) == int(case.rule[len("first"):])
        assert case.source_text.startswith(case.text + " ")
        assert not LEXICON[case.label].cues.isdisjoint(words)
        # the cut states the gold emotion and nothing else: no other emotion word, no negation
        assert WORDS.stated_emotion(words) == (case.meta["cue"], case.label)
        assert MIXED.isdisjoint(words) and not lexicon.has_negation(words)
    assert all(v.get("n_skipped", 0) > 0 for v in suite.coverage.values())


TRAIN = SourceData(
    [f"tr-{k}" for k in range(8)],
    ["i feel sad",                           # matched, labelled with its word's class
     "i feel happy",                         # matched, labelled otherwise
     "im so angry",                          # matched (a copula heads it)
     "i feel so sad today and every day",    # six words: not short
     "i dont feel sad",                      # negated: states no emotion
     "i would love to",                      # "love" names no class
     "lonely",                               # no feeling clause
     "they are so angry"],                   # not the writer's feeling: was matched before
    ["sadness", "sadness", "anger", "sadness", "sadness", "love", "sadness", "anger"],
)


def test_train_evidence_by_hand() -> None:
    evidence = short.train_evidence(SuiteContext(SPEC, SOURCE, LABELS, 0), TRAIN)
    assert (evidence["n_train"], evidence["n_matched"], evidence["n_consistent"]) == (8, 3, 2)
    assert evidence["label_counts"] == {"sadness": 2, "anger": 1}
    assert evidence["consistent_rate"]["value"] == pytest.approx(2 / 3)
    assert evidence["summary"].startswith("train: 3 texts of at most 5 words")
    assert "67%" in evidence["summary"]
    empty = short.train_evidence(SuiteContext(SPEC, SOURCE, LABELS, 0),
                                 SourceData(["a"], ["ok"], ["joy"]))
    assert empty["n_matched"] == 0 and empty["consistent_rate"] is None
    assert empty["summary"].startswith("train: no text")


def test_train_evidence_on_the_train_split(emotion_data: Path) -> None:
    train = read_split(emotion_data, "train")
    evidence = short.train_evidence(SuiteContext(SPEC, train, LABELS, 0), train)
    assert evidence["n_train"] == 16000 and evidence["n_matched"] > 200
    assert evidence["consistent_rate"]["ci_low"] > 0.95
    assert sum(evidence["label_counts"].values()) == evidence["n_matched"]
