"""The negation suites: each clause rule on hand-worked texts, what is never negated (think/seem
"feel", minimizers, embedded and partial scopes, further clauses), the DIR expectation (avoid the
negated word's class), the same-class skip, the training-data evidence, the authored MFT file,
determinism, coverage and the per-class summary.

Most tests use a small hand-made vocabulary, so they do not move when the shared lexicon does.
"""
from __future__ import annotations

import hashlib
import random
from collections import Counter
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from audit.errors import AuditError
from audit.generators import negation
from audit.generators.lexicon import MIXED_KEY, has_negation, read_tsv
from audit.suite import SourceData, SuiteContext, cases_hash, generate, load_spec
from conftest import read_split

ROOT = Path(__file__).resolve().parents[1]
LABELS = ["sadness", "joy", "love", "anger", "fear", "surprise"]
#: word -> classes: the feeling words of the hand-made vocabulary.
FEEL = {"sad": ("sadness",), "lonely": ("sadness",), "numb": ("sadness",),
        "useless": ("sadness",), "happy": ("joy",), "glad": ("joy",), "calm": ("joy",),
        "adventurous": ("joy",), "loved": ("love",), "annoyed": ("anger",),
        "angry": ("anger",), "grumpy": ("anger",), "nervous": ("fear",), "scared": ("fear",),
        "stunned": ("surprise",), "stressed": ("sadness", "anger"), "better": ("joy",),
        "fine": ("joy",), "ecstatic": ("joy",), "furious": ("anger",), "thankful": ("joy",)}
#: Further words that signal a class (cues, not feeling-clause complements).
CUES = {"sadness": {"tears", "cry"}, "joy": {"smile"}, "love": {"hug"}, "anger": {"annoying"},
        "fear": {"scary"}, "surprise": {"wow"}}


def class_words() -> dict[str, frozenset[str]]:
    words = {label: set(CUES[label]) for label in LABELS}
    for word, labels in FEEL.items():
        for label in labels:
            words[label].add(word)
    return {label: frozenset(ws) for label, ws in words.items()}


MATCHER = negation.ClauseMatcher(FEEL, class_words(), ["joy", "love"])
RULES = [rule(MATCHER) for rule in negation.CLAUSE_RULES]


def negate(text: str) -> dict[str, str]:
    """Every rule's output on ``text``, keeping only the rules that apply."""
    out = {rule.name: rule.perturb(text, random.Random(0)) for rule in RULES}
    return {name: new.text for name, new in out.items() if new is not None}


def skip_reason(text: str) -> str | None:
    """Why the text's first feeling clause gives no case (None when it gives one)."""
    clause = MATCHER.first_clause(text)
    return "no feeling clause" if clause is None else clause.skip


@pytest.mark.parametrize("text, rule, expected", [
    ("i feel so lonely tonight", "i_feel", "i dont feel lonely tonight"),
    ("i just feel sad", "i_feel", "i just dont feel sad"),
    ("i always feel nervous around him", "i_feel", "i never feel nervous around him"),
    ("i felt happy", "i_felt", "i didnt feel happy"),
    ("i still felt useless", "i_felt", "i still didnt feel useless"),
    ("i do feel stressed", "modal_feel", "i dont feel stressed"),
    ("i can feel calm", "modal_feel", "i cant feel calm"),
    ("i am feeling loved", "i_am", "i am not feeling loved"),
    ("i am so glad", "i_am", "i am not glad"),
    ("im feeling grumpy", "im", "im not feeling grumpy"),
    ("im still feeling nervous", "im", "im still not feeling nervous"),
    ("i was feeling grumpy", "i_was", "i wasnt feeling grumpy"),
    ("i was getting scared", "i_was", "i wasnt getting scared"),
    ("i was just so happy", "i_was", "i was just not happy"),
    ("ive been feeling lonely", "ive_been", "i havent been feeling lonely"),
    ("i have been feeling lonely", "ive_been", "i havent been feeling lonely"),
    ("it made me feel useless", "made_me_feel", "it didnt make me feel useless"),
    ("this makes me feel glad", "made_me_feel", "this doesnt make me feel glad"),
    ("they make me feel calm", "made_me_feel", "they dont make me feel calm"),
    ("it makes me so happy", "made_me_feel", "it doesnt make me happy"),
    ("i feel scared when the voices start", "i_feel", "i dont feel scared when the voices start"),
])
def test_each_rule_negates_its_clause(text: str, rule: str, expected: str) -> None:
    assert negate(text) == {rule: expected}


@pytest.mark.parametrize("text, expected", [
    ("i m feeling sad", {"im": "i m not feeling sad"}),
    ("i ve been feeling lonely", {"ive_been": "i haven t been feeling lonely"}),
    ("i know i feel lonely when it s late",
     {"i_feel": "i know i don t feel lonely when it s late"}),
])
def test_split_apostrophe_style_is_kept(text: str, expected: dict[str, str]) -> None:
    assert negate(text) == expected


@pytest.mark.parametrize("text, expected", [
    ("i feel sad for someone", "i dont feel sad for anyone"),
    ("i feel nervous already", "i dont feel nervous yet"),
    ("i feel sad too", "i dont feel sad either"),
    ("i feel angry at someone you know", "i dont feel angry at anyone you know"),
])
def test_negative_polarity_items_are_fixed_in_scope(text: str, expected: str) -> None:
    assert negate(text) == {"i_feel": expected}


@pytest.mark.parametrize("text", [
    # before: "i dont feel like a failure", "i dont feel that ...": "feel" in its think/seem
    # sense was negated though no emotion was; after: no feeling clause, no case
    "i feel like a failure",
    "i feel that everyone is against me",
    "i feel i should go home",
    "i feel it in my bones",
    "i feel if i leave now",
    "i feel as if im sad",
    "i feel the need to scream",
    "i felt like a sad clown",
    "it made me feel like a fool",
    # no emotion word after the copula, or not first person
    "i was playing football",
    "she feels sad",
    "",
])
def test_think_seem_feel_and_non_feeling_clauses_give_no_case(text: str) -> None:
    assert negate(text) == {}
    assert skip_reason(text) == "no feeling clause"


@pytest.mark.parametrize("text, reason", [
    # before: "i dont feel a little stunned" (nonsense); after: skipped
    ("i feel a little stunned", "degree"),
    ("i feel a bit nervous", "degree"),
    ("i feel slightly sad", "degree"),
    ("i feel kind of lonely", "degree"),
    ("i was pretty scared", "degree"),
    ("i feel extremely happy", "degree"),  # "not extremely happy" is still somewhat happy
    ("i feel totally calm", "degree"),
    ("i feel more nervous", "degree"),
    ("i feel strangely calm", "degree"),
    ("i was so scared that i cried", "result clause"),
    ("i was so happy i cried", "result clause"),
    ("i was too scared to move", "result clause"),
    ("i was nervous at first", "partial scope"),
    ("i was happy until he left", "partial scope"),
    ("sometimes i feel so sad", "partial scope"),
    ("i feel so useless some days", "partial scope"),
    ("i feel so lonely all the time", "partial scope"),
    ("i feel grumpy the whole day", "partial scope"),
    ("at times i feel useless", "partial scope"),
    ("i always feel so lonely", "emphatic never"),  # "i never feel so lonely" reads emphatic
    ("i feel sad that nobody came", "negation in clause"),
    ("i dont think i feel sad", "negation in clause"),
    ("i didnt feel sad", "negated already"),
    ("im not feeling nervous", "negated already"),
    # before: "... and it s seriously like the whole thing is ruined" kept the sadness
    ("i feel so sad and it s seriously like my life is ruined", "other clauses"),
    ("i feel happy but i know it wont last", "other clauses"),
    ("i feel sad because i forgot", "other clauses"),
    ("i wake too early so i feel grumpy", "other clauses"),
    ("im feeling calm so hopefully things improve", "other clauses"),
    ("im feeling adventurous i might even bake a cake", "other clauses"),
    ("i woke up on the sofa this morning and i feel sad", "other clauses"),
])
def test_what_cannot_be_negated_cleanly_is_skipped(text: str, reason: str) -> None:
    assert negate(text) == {}
    assert skip_reason(text) == reason


@pytest.mark.parametrize("text, expected", [
    # before: "i dont feel depressed again", "... as well" (a positive-polarity item kept
    # under the negation); after: its negative-polarity counterpart
    ("i feel sad again", "i dont feel sad anymore"),
    ("i feel nervous as well", "i dont feel nervous either"),
    ("im feeling grumpy at the moment too", "im not feeling grumpy at the moment either"),
])
def test_scope_final_positive_polarity_items_are_repaired(text: str, expected: str) -> None:
    assert list(negate(text).values()) == [expected]


@pytest.mark.parametrize("text, reason", [
    # before: "i dont feel petty all of a sudden", "... after taking them as well"; after:
    # skipped where no idiomatic repair exists
    ("i feel grumpy all of a sudden", "positive polarity"),
    ("i feel sad again today", "positive polarity"),
    ("i was nervous this morning after taking them as well", "positive polarity"),
    ("i feel lonely still", "positive polarity"),
    ("i feel calm also", "positive polarity"),
    ("i feel happy suddenly", "positive polarity"),
    # before: "i dont feel stupid enough" (asks for more of the emotion); after: skipped
    ("i feel sad enough", "degree"),
    ("i feel useless enough to quit", "degree"),
    # before: "i feel like im not better ...", "im not ok with that" (health and acceptance
    # senses); after: skipped
    ("i feel better", "word sense"),
    ("im fine with that", "word sense"),
    # before: "i dont feel ecstatic", "i dont feel furious with myself" (a milder form of the
    # emotion remains); after: skipped
    ("i feel ecstatic", "extreme word"),
    ("i feel furious with myself", "extreme word"),
    # before: "i dont feel thankful to god for ..." (reads as sarcasm); after: skipped
    ("i am feeling thankful", "gratitude"),
    # quantifiers the negation makes partial
    ("im feeling grumpy about tons of things", "partial scope"),
    ("i feel lonely around most people", "partial scope"),
    # before: the rest of the text referred back to, affirmed, elaborated or gave a reason for
    # the emotion ("i am not feeling outraged it shows everywhere", "i dont feel gorgeous yes",
    # "i really dont feel pissed off as i want ..."); after: skipped
    ("i am feeling angry it shows everywhere", "other clauses"),
    ("i feel happy yes", "other clauses"),
    ("i feel sad about exams sigh", "other clauses"),
    ("im feeling sad these days hence the long hiatus", "other clauses"),
    ("im feeling calm lately spirit of christmas", "other clauses"),
    ("im feeling glad today heres the link", "other clauses"),
    ("i feel sad at some point of time", "partial scope"),
    ("i feel useless on a daily basis", "partial scope"),
    ("i feel calm for a few new projects", "partial scope"),
    ("i feel angry as i want to spend more time with you", "other clauses"),
    ("im feeling sad cursing my luck", "other clauses"),
    ("i feel loved like a son coming home", "other clauses"),
    ("i feel nervous how about you", "other clauses"),
    ("i feel lonely a href http", "other clauses"),
    ("i feel glad that he called me", "other clauses"),
    ("i feel calm here there was a market", "other clauses"),
    ("i feel nervous about the talk i might cancel", "other clauses"),
    ("i feel scared when he calls and i hide", "other clauses"),
    # an infinitive's content stays asserted and may presuppose the emotion ("i dont feel
    # helpless to regain a safe feeling")
    ("i feel useless to regain my calm", "other clauses"),
    ("i feel glad to have him", "other clauses"),
    # lead-ins other than a time adjunct, an adjunct clause or an epistemic frame: a reported
    # claim, a run-on, a reason
    ("i say i feel lonely", "other clauses"),
    ("i woke up i feel sad", "other clauses"),
    ("im updating my blog because i feel sad", "other clauses"),
    ("when i left i cried i feel sad", "other clauses"),
    ("she cried it made me feel sad", "other clauses"),
])
def test_unidiomatic_or_dependent_negations_are_skipped(text: str, reason: str) -> None:
    assert negate(text) == {}
    assert skip_reason(text) == reason


@pytest.mark.parametrize("text, expected", [
    ("i feel nervous about it", "i dont feel nervous about it"),
    ("im feeling sad at the moment", "im not feeling sad at the moment"),
    ("i feel loved by my mom when he calls", "i dont feel loved by my mom when he calls"),
    ("i feel useless for forgetting it", "i dont feel useless for forgetting it"),
    ("i feel calm to the end", "i dont feel calm to the end"),
    ("i feel nervous already", "i dont feel nervous yet"),
    ("today i feel sad", "today i dont feel sad"),
    ("right now i feel lonely", "right now i dont feel lonely"),
    ("i think i feel nervous", "i think i dont feel nervous"),
    ("im feeling calm today on my walk", "im not feeling calm today on my walk"),
    ("i feel nervous for some reason today", "i dont feel nervous for some reason today"),
    ("i feel calm when its cold", "i dont feel calm when its cold"),
    ("i really feel like i am useless", "i really feel like i am not useless"),
    ("that song made me feel calm", "that song didnt make me feel calm"),
    ("i know it made me feel sad", "i know it didnt make me feel sad"),
])
def test_short_phrases_adjuncts_and_frames_are_kept(text: str, expected: str) -> None:
    assert list(negate(text).values()) == [expected]


@pytest.mark.parametrize("text", [
    # before: "i need a break or im not feeling stressed out" (nonsense); after: no case
    "i need a break or im feeling stressed out",
    "if i feel sad i call my mom",
    "i hate how i feel",
    "i dont know why i feel so sad",
    "i feel that i am so happy",
    "how else can i feel",
    "i would feel sad",  # hypothetical modal
    "i should feel glad",  # deontic modal
    "this has made me feel sad",  # no room for a negation after "has"
    "to make me feel happy",
])
def test_embedded_conditional_and_modal_clauses_are_not_candidates(text: str) -> None:
    assert negate(text) == {}


def test_an_adjunct_clause_may_follow_and_a_short_lead_in_precede() -> None:
    assert negate("i feel nervous when he calls") == {
        "i_feel": "i dont feel nervous when he calls"}
    assert negate("when i got home i was so scared") == {
        "i_was": "when i got home i wasnt scared"}
    assert negate("i know i feel calm") == {"i_feel": "i know i dont feel calm"}


def test_negative_polarity_at_all_is_not_a_partial_scope() -> None:
    # "all" is a partial quantifier ("not nostalgic about all these memories"), but not in the
    # negative-polarity "at all" of an already negated clause
    assert skip_reason("i didnt feel scared at all") == "negated already"
    assert skip_reason("i feel nervous about all these exams") == "partial scope"
    assert skip_reason("i feel sad at all times of day") == "partial scope"
    assert skip_reason("i didnt feel sad at all times") == "partial scope"


def test_a_negated_clause_drops_its_degree_words() -> None:
    # "not so / very / too / really scared" reads as "less scared": a degree, not a denial
    assert negate("i feel very nervous about it") == {"i_feel": "i dont feel nervous about it"}
    assert negate("im feeling really lonely") == {"im": "im not feeling lonely"}
    assert negate("i am so so glad") == {"i_am": "i am not glad"}
    assert negate("i really feel nervous") == {"i_feel": "i really dont feel nervous"}  # not a degree word


def test_whenever_makes_the_negation_partial() -> None:
    # "i dont feel stupid whenever this happens": not every time, so some times
    assert skip_reason("i feel nervous whenever this happens") == "partial scope"
    assert skip_reason("i feel nervous wherever i go") == "partial scope"
    assert negate("i feel nervous when he calls") == {"i_feel": "i dont feel nervous when he calls"}


def test_emphatic_never_so_is_not_read_as_negated() -> None:
    assert skip_reason("i was never so happy") == "emphatic never"
    assert skip_reason("i was never happy") == "negated already"


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from("i im feel felt am was so sad happy not dont some too and how "
                                "made me it feeling ive been can t m like a bit".split()),
                max_size=12))
def test_any_output_adds_a_negation_and_only_one_rule_applies(words: list[str]) -> None:
    text = " ".join(words)
    out = negate(text)
    assert len(out) <= 1
    for new in out.values():
        assert new != text and has_negation(new.split())


def write_suite(folder: Path) -> Path:
    """A negation suite on a hand-made lexicon (with an unclassed word), class-word file and
    presupposition-cue file."""
    lexicon = folder / "lexicon.yaml"
    lines = [f"{label}:\n  feel: [{', '.join(w for w, ls in FEEL.items() if ls == (label,))}]\n"
             f"  cues: [{', '.join(sorted(CUES[label]))}]\n" for label in LABELS]
    lexicon.write_text("".join(lines) + f"{MIXED_KEY}: [lol, love]\n", encoding="utf-8")
    (folder / "class_words.tsv").write_text(
        "# hand-made\nword\tclasses\nstressed\tsadness,anger\ncrying\tsadness\n",
        encoding="utf-8")
    (folder / "cues.tsv").write_text("# hand-made\nword\tclasses\nsafe\tfear\ndeath\tsadness\n",
                                     encoding="utf-8")
    spec = folder / "negation.yaml"
    spec.write_text(
        "name: negation\ndescription: test\ngenerator: negation\ntest_type: DIR\n"
        "params:\n  part: derived\n  lexicon: lexicon.yaml\n  class_words: class_words.tsv\n"
        "  presupposition_cues: cues.tsv\n  positive_labels: [joy, love]\n", encoding="utf-8")
    return spec


def test_expectation_avoids_the_negated_words_class(tmp_path: Path) -> None:
    spec = load_spec(write_suite(tmp_path))
    source = SourceData(
        ["s0", "s1", "s2", "s3", "s4", "s5"],
        ["i feel nervous", "i felt so loved", "im happy", "i feel stressed", "i was playing",
         "i feel like crying"],
        # s0's gold is not the negated word's class: the expectation follows the word
        ["joy", "love", "joy", "anger", "anger", "sadness"])
    suite = generate(spec, source, LABELS, seed=0)
    by_id = {c.id: c for c in suite.cases}
    assert sorted(by_id) == ["negation:i_feel:s0", "negation:i_feel:s3", "negation:i_felt:s1",
                             "negation:im:s2"]
    nervous, loved = by_id["negation:i_feel:s0"], by_id["negation:i_felt:s1"]
    happy, stressed = by_id["negation:im:s2"], by_id["negation:i_feel:s3"]
    # before: a non-positive source only had to differ from the source prediction
    assert nervous.expectation.avoid == ("fear",) and not nervous.expectation.avoid_source
    assert nervous.meta == {"negated_word": "nervous", "negated_class": "fear",
                            "source_label": "joy"}
    assert loved.text == "i didnt feel loved" and loved.expectation.avoid == ("joy", "love")
    assert happy.expectation.avoid == ("joy", "love")
    assert stressed.expectation.avoid == ("sadness", "anger")  # both classes the data gives it
    assert stressed.meta["negated_class"] == "sadness+anger"
    assert all(c.label is None and c.expectation.kind == "DIR" for c in suite.cases)
    assert nervous.expectation.check("joy", None, "fear")
    assert not nervous.expectation.check("fear", None, "joy")


@pytest.mark.parametrize("text", [
    "i feel annoyed by his annoying voice",  # a second anger word
    "i feel sad about my tears",  # a lexicon cue of the class
    "i feel stressed about crying",  # a class-words word of one of its classes
    "i was happy about his hug",  # love counts for a joy word: both are avoided
    "i feel so sad about my love",  # an unclassed word signals every class
    "i feel numb with a numb heart",  # the same word again
    # before: "i dont feel helpless to regain a safe feeling" kept the fear that "safe"
    # presupposes; after: a presupposition cue counts as the class carried elsewhere
    "i feel nervous in a safe place",
    "i feel so sad about his death",
])
def test_same_class_elsewhere_is_skipped(tmp_path: Path, text: str) -> None:
    spec = load_spec(write_suite(tmp_path))
    suite = generate(spec, SourceData(["s"], [text], ["sadness"]), LABELS, seed=0)
    assert suite.cases == []
    assert sum(v.get("n_skipped", 0) for v in suite.coverage.values()) == 1


def test_another_class_elsewhere_is_kept(tmp_path: Path) -> None:
    spec = load_spec(write_suite(tmp_path))
    suite = generate(spec, SourceData(["s"], ["i feel sad about the scary movie"], ["sadness"]),
                     LABELS, seed=0)
    assert [c.text for c in suite.cases] == ["i dont feel sad about the scary movie"]
    assert suite.cases[0].expectation.avoid == ("sadness",)


def test_train_evidence_counts_the_label_convention(tmp_path: Path) -> None:
    spec = load_spec(write_suite(tmp_path))
    rows = [("i didnt feel useless", "sadness"),    # negated, labelled with its class
            ("i dont feel happy", "joy"),
            ("i dont feel calm at the moment", "love"),  # love counts as a joy word's class
            ("i wasnt scared", "fear"),
            ("im not angry", "joy"),               # consistent with the suite's expectation
            ("i feel sad", "sadness"),             # not negated
            ("i dont feel like going out", "joy"),  # think/seem "feel"
            ("i dont feel a little sad", "sadness"),  # minimizer
            ("i dont feel sad and i cry", "sadness"),  # further clause
            ("i was never so happy", "joy")]       # emphatic
    train = SourceData([f"t{k}" for k in range(len(rows))], [t for t, _ in rows],
                       [label for _, label in rows])
    out = negation.train_evidence(SuiteContext(spec, train, LABELS, 0), train)
    assert (out["n_train"], out["n_matched"], out["n_consistent"]) == (10, 5, 1)
    assert out["label_counts"] == {"sadness": 1, "joy": 2, "love": 1, "fear": 1}
    assert out["consistent_rate"]["value"] == pytest.approx(0.2)
    assert out["summary"] == ("train: 5 texts open with an already negated feeling clause; 80% "
                              "are labelled with the negated word's class, which this suite "
                              "counts as a failure")
    empty = SourceData(["t"], ["i feel sad"], ["sadness"])
    none = negation.train_evidence(SuiteContext(spec, empty, LABELS, 0), empty)
    assert none["n_matched"] == 0 and none["consistent_rate"] is None


def test_class_words_file_errors(tmp_path: Path) -> None:
    spec_path = write_suite(tmp_path)
    (tmp_path / "class_words.tsv").write_text("word\tclasses\nodd\tcalm\n", encoding="utf-8")
    with pytest.raises(AuditError, match="unknown labels"):
        generate(load_spec(spec_path), SourceData([], [], []), LABELS, seed=0)


def _spec(name: str):
    return load_spec(ROOT / "suites" / f"{name}.yaml")


def test_same_seed_same_cases() -> None:
    source = SourceData(["a", "b"], ["i feel sad", "im so happy"], ["sadness", "joy"])
    spec = _spec("negation")
    hashes = {cases_hash(generate(spec, source, LABELS, seed=7).cases) for _ in range(2)}
    assert len(hashes) == 1


def test_authored_statements() -> None:
    suite = generate(_spec("negation_mft"), SourceData([], [], []), LABELS, seed=0)
    assert len(suite.cases) >= 115
    assert len({c.text for c in suite.cases}) == len(suite.cases)
    by_text = {c.text: c for c in suite.cases}
    for case in suite.cases:
        assert case.rule == "authored" and case.expectation.kind == "MFT"
        assert case.expectation.labels and set(case.expectation.labels) <= set(LABELS)
        assert case.meta["source_label"] in LABELS
        assert case.text == case.text.lower() and "'" not in case.text
        assert has_negation(case.text.split())
        digest = hashlib.sha1(case.text.encode()).hexdigest()[:10]
        assert case.id == f"negation_mft:authored:{digest}"  # ids hash the text
    assert {c.meta["source_label"] for c in suite.cases} == set(LABELS)
    first = by_text["i am not afraid anymore"]
    assert first.expectation.labels == ("joy",) and first.meta["source_label"] == "fear"
    # rows re-read: an emphatic negation is filed under the emotion it keeps and allows it;
    # a denial allows what its context supports (before: every label but anger, fear and
    # surprise included); illness is left out
    happier = by_text["i couldnt be happier with my new home"]
    assert happier.meta["source_label"] == "joy" and happier.expectation.labels == ("joy",)
    offended = by_text["i wasnt offended by his joke"]
    assert offended.expectation.labels == ("joy",) and offended.meta["source_label"] == "anger"
    assert "i am not feeling well today" not in by_text
    assert "no one showed up to my party" not in by_text


def authored_rows() -> dict[str, tuple[frozenset[str], str]]:
    """The authored file: text -> (allowed labels, negated class)."""
    rows = negation.read_statements(ROOT / "suites/data/negation_mft.tsv", LABELS)
    return {text: (frozenset(allowed), negated) for text, allowed, negated in rows}


#: Negated words that are hedges: negative by affix ("not unsure" = fairly sure) or extreme
#: ("no longer terrified" may still be nervous); negating them leaves part of the feeling.
HEDGED_WORDS = frozenset(
    "unsure uncertain uncomfortable insecure unhappy uneasy unloved unwanted hopeless useless "
    "worthless helpless terrified miserable heartbroken devastated furious hate hatred "
    "panic".split())


def test_authored_statements_negate_plain_words() -> None:
    """Policy 1: before, "i dont feel unsure of myself now" and "im not uncertain about my
    decision anymore" (hedged double negatives) were joy-only rows; after, plain words."""
    rows = authored_rows()
    hedged = [text for text in rows if HEDGED_WORDS & set(text.split())]
    assert hedged == []
    assert rows["i dont doubt myself anymore"] == ({"joy"}, "fear")
    assert rows["im not second guessing my decision anymore"] == ({"joy"}, "fear")
    assert rows["i am no longer afraid of flying"] == ({"joy"}, "fear")


def test_authored_rows_exclude_their_negated_class() -> None:
    """Policy 2: every row excludes the class it negates, but emphatic "couldnt be happier",
    which asserts it."""
    for text, (allowed, negated) in authored_rows().items():
        if text.startswith("i couldnt be "):
            assert negated in allowed, text
        else:
            assert negated not in allowed, text


@pytest.mark.parametrize("text, allowed", [
    # a confrontation the speaker starts: resolve (joy) and defiance (anger); before: joy only
    ("im not scared to tell him the truth", {"joy", "anger"}),
    # confidence before an opponent: joy; before: anger too, with no grievance in the text
    ("i didnt feel intimidated by the other players", {"joy"}),
    ("i dont feel threatened by her anymore", {"joy"}),
    # calm report of a past ordeal: joy; before: every label but fear
    ("i wasnt frightened when the storm hit", {"joy"}),
    ("i have nothing to worry about now that my scans came back clear", {"joy"}),
    # anger only with a grievance against named others; before: sadness only
    ("i dont feel wanted by my friends", {"sadness", "anger"}),
    ("he never hugs me anymore", {"sadness", "anger"}),
    # loneliness with no one to blame and heartbreak stay sadness only
    ("i dont feel loved by anyone", {"sadness"}),
    ("he doesnt love me anymore", {"sadness"}),
    # anger denials allow what the context supports (before: every label but anger): hurt,
    # hurt and peace (forgiveness alone is not love); a slight forgiven; recovery from a loss
    ("i dont feel any anger towards the man who hurt me", {"sadness", "joy"}),
    ("i wasnt angry at her for forgetting my birthday", {"sadness", "joy", "love"}),
    ("i dont feel bitter about the divorce anymore", {"joy", "sadness"}),
    # unease about an unnamed matter: misgiving or guilt; before: anger too
    ("i dont feel good about this at all", {"fear", "sadness"}),
])
def test_authored_policies(text: str, allowed: set[str]) -> None:
    assert authored_rows()[text][0] == allowed


@pytest.mark.parametrize("text", [
    "i have no reason to be afraid",  # self-reassurance: fear stays a reading
    "i wont let fear control my life anymore",
    "there is nothing to be sad about",
    "i am not heartbroken about the breakup at all",  # defensive denial, and extreme word
    "i am not jealous of their relationship at all",
    "i dont feel unsure of myself now",  # hedged double negatives
    "im not uncertain about my decision anymore",
    "i dont hate my job anymore",  # "not hate" may still dislike
    "i dont feel betrayed by her",  # denies two classes at once
    "i dont regret a single moment of it",  # "it" leaves love open; now "my year abroad"
    "i dont feel calm at all tonight",  # anxious or agitated: open; now before surgery
    "i am not mad at my brother",  # calm, affection or hurt: open; now "we talked it out"
    "im not angry with you anymore",  # relief, affection or lingering hurt: open
    "i dont feel jealous of her success",  # a defensive denial keeps jealousy a reading
    # lost feelings for a partner or ex: annotators split between loss, relief and resentment
    "i dont love him anymore",
    "i have no feelings for her anymore",
    "i dont feel any affection for him anymore",
    "i dont miss him at all",
])
def test_authored_open_readings_are_left_out(text: str) -> None:
    assert text not in authored_rows()


def test_no_row_allows_every_label_but_the_denied_one() -> None:
    """Policy 3: a set lists the readings the context supports. Before, 13 anger denials
    allowed all five other labels ("i wasnt offended by his joke": fear and surprise too);
    after, no row allows more than three, and no anger denial allows fear or surprise."""
    rows = authored_rows()
    assert max(len(allowed) for allowed, _ in rows.values()) <= 3
    anger = {t: allowed for t, (allowed, negated) in rows.items() if negated == "anger"}
    assert len(anger) >= 12
    for text, allowed in anger.items():
        assert not allowed & {"fear", "surprise"}, text


@pytest.mark.parametrize("text, allowed", [
    ("i wasnt offended by his joke", {"joy"}),  # took it well
    ("i never get irritated with my kids", {"love", "joy"}),  # patience with one's own
    ("i didnt feel frustrated even though the train was late", {"joy"}),  # calm
    ("im not pissed off anymore", {"joy"}),  # relief
    ("i dont resent my parents for anything", {"love", "joy"}),  # reconciled
    ("im not mad at my brother anymore we talked it out", {"joy", "love"}),
    ("i cant complain about my life right now", {"joy"}),  # idioms state the feeling
    ("i dont mind waiting for you", {"love", "joy"}),
])
def test_anger_denials_allow_the_readings_their_context_supports(text: str,
                                                                 allowed: set[str]) -> None:
    assert authored_rows()[text] == (allowed, "anger")


def test_authored_negated_feeling_clauses_exclude_the_negated_class() -> None:
    """What train_evidence says of the authored suite holds: every statement that the derived
    matcher reads as a negated feeling clause excludes the negated word's class."""
    spec = _spec("negation_mft")
    matcher = negation.load_matcher(SuiteContext(spec, SourceData([], [], []), LABELS, 0))
    suite = generate(spec, SourceData([], [], []), LABELS, seed=0)
    checked = 0
    for case in suite.cases:
        clause = matcher.first_clause(case.text)
        if clause is not None and clause.negated and clause.skip == "negated already":
            checked += 1
            assert not set(case.expectation.labels) & set(
                matcher.avoided(clause.complement.labels)), case.text
    assert checked >= 10


def test_authored_file_errors(tmp_path: Path) -> None:
    bad = tmp_path / "bad.tsv"
    bad.write_text("text\tallowed\tnegated_emotion\ni am not sad\tjoy,calm\tsadness\n",
                   encoding="utf-8")
    with pytest.raises(AuditError, match="unknown labels"):
        negation.read_statements(bad, LABELS)
    bad.write_text("text\tallowed\ni am not sad\tjoy\n", encoding="utf-8")
    with pytest.raises(AuditError, match="negated_emotion"):
        negation.read_statements(bad, LABELS)
    bad.write_text("i am not sad\tjoy\tsadness\n", encoding="utf-8")  # no header line
    with pytest.raises(AuditError, match="header"):
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
    spec = _spec("negation")
    suite = generate(spec, source, LABELS, seed=0)
    matcher = negation.load_matcher(SuiteContext(spec, source, LABELS, 0))
    assert suite.n_candidates == len(source.texts) == 2000
    assert all(v["n_candidates"] == 2000 for v in suite.coverage.values())
    assert sum(v["n_changed"] for v in suite.coverage.values()) == len(suite.cases)
    assert len({c.source_id for c in suite.cases}) == len(suite.cases)  # one clause per text
    assert 40 < len(suite.cases) < 300  # strict: only texts whose one assertion is the clause
    for case in suite.cases:
        assert has_negation(case.text.split()) and case.text != case.source_text
        assert case.meta["negated_word"] in case.source_text.split()
        assert case.expectation.avoid == matcher.avoided(case.meta["negated_class"].split("+"))
        # the negated text reads as an already negated feeling clause of the same word
        clause = matcher.first_clause(case.text)
        assert clause is not None and clause.negated
        assert clause.complement.word == case.meta["negated_word"]


def test_train_evidence_on_the_training_split(emotion_data: Path) -> None:
    train = read_split(emotion_data, "train")
    out = negation.train_evidence(SuiteContext(_spec("negation"), train, LABELS, 0), train)
    assert out["n_train"] == 16000 and out["n_matched"] >= 30
    # the dataset labels the emotion word: most negated clauses keep its class
    assert out["consistent_rate"]["value"] < 0.2


def test_class_words_match_the_training_split(emotion_data: Path) -> None:
    """Each listed word's classes are those holding at least 20% of the training texts where it
    follows "i feel", "i felt" or "feeling" (degree words skipped), as the file's header says."""
    degree = set("so very really pretty quite rather too extremely incredibly totally completely "
                 "absolutely super truly fairly slightly kinda kind of a bit little more most "
                 "somewhat utterly deeply just still even less much lot sort".split())
    train = read_split(emotion_data, "train")
    counts: dict[str, Counter] = {}
    for text, label in zip(train.texts, train.labels):
        tokens = text.split()
        for i, token in enumerate(tokens):
            if (token == "i" and tokens[i + 1:i + 2] in (["feel"], ["felt"])) or token == "feeling":
                j = i + 2 if token == "i" else i + 1
                while j < len(tokens) and tokens[j] in degree:
                    j += 1
                if j < len(tokens):
                    counts.setdefault(tokens[j], Counter())[label] += 1
                break
    for row in read_tsv(ROOT / "suites/data/negation_class_words.tsv", ("word", "classes")):
        seen = counts.get(row["word"], Counter())
        n = sum(seen.values())
        assert n >= 3, row["word"]
        assert set(row["classes"].split(",")) == {c for c, k in seen.items() if k / n >= 0.2}, \
            row["word"]
