"""Short inputs: texts cut to their first 3 or 5 words, and minimal one- to three-word texts.

Why: the emotion data's texts run from a couple of words to several dozen, and a classifier that
leans on context can fail when little is left. Every case is one this suite builds, with an
expectation it sets itself; all are MFT against the label the suite assigns:

- ``first3``/``first5``: each test text cut to its first 3 or 5 words, kept only while the cut
  still states the gold emotion unambiguously (:meth:`EmotionWords.stated_emotion`): a class word
  of the lexicon in the writer's own feeling clause ("i feel so lonely", "im scared", "it makes
  me happy"; not "i feel they are frightened", whose fear is theirs), no word of another class
  or of the lexicon's ``mixed`` list ("love" as in "would love to", "worried", "tears"), no
  negation, and no word whose class shifts with a person target aimed at one ("i feel shy
  around him"). A cut whose word is of another class than the gold label is skipped (counted
  in ``n_skipped``), so the label a case expects is both the dataset's and the one its
  surviving words state. Test texts that open alike give one case per distinct cut
  (``meta["n_sources"]`` counts them);
- ``i_feel_word``/``single_word``: minimal texts built from the lexicon's ``feel`` words
  (``"i feel lonely"``, ``"lonely"``), label = the word's class; a template holding a feeling
  clause states its word by the same rule as a cut.

The test texts themselves are not cases: their gold labels are the dataset's, not expectations
this suite sets, and accuracy by text length is a slice of the test split (a breakdown of the
split's own scores), not a behavioural test.

Some class words name a feeling only after "feel" (``params.feel_verb_only``): alone or after a
copula they judge a thing or a person ("stupid", "i was stupid"), are another part of speech
("content", "calm") or describe the body ("numb"). They make no bare one-word case, and a
truncation counts them only after a form of "feel".

Cases carry ``meta["bucket"]`` = ``truncated`` (cut from a real text) or ``minimal`` (built from
the lexicon), so ``breakdown: [bucket]`` gives full metrics for each of the two kinds of
evidence. :func:`train_evidence` reads the training split with the same matcher: training texts
of at most ``params.max_words`` words that state one lexicon emotion, and how often their label
is it.
"""
from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Mapping, Sequence

from ..errors import AuditError
from ..metrics import rate_with_ci
from ..suite import Case, Expectation, GeneratedSuite, SourceData, SuiteContext
from .base import Perturbation, Perturbed, derive_cases
from .lexicon import (CONJUNCTIONS, FEEL_VERBS, WRITER_SUBJECTS, ClassWords, has_negation, load_lexicon,
                      load_mixed_words)

#: Words after which an emotion word is a feeling of the head's subject: "feel", copulas,
#: "get"/"become"/"seem" ("i feel sad", "im sad", "i got mad", "she seemed upset"). Whose
#: feeling it is, :func:`writer_feels` decides: a case needs the writer's, so a third-person
#: head ("they are frightened") makes none.
FEELING_HEADS = FEEL_VERBS | frozenset(
    "am im m was were is are be been being get gets got getting become becomes became seem seems "
    "seemed".split())
#: Heads that hold their own subject ("im" = "i am").
FUSED_HEADS = frozenset({"im"})
#: Verbs whose object "me" is the one who feels ("it makes me happy", "it left me feeling
#: empty"): with them the writer is the experiencer whoever the subject is.
CAUSATIVES = frozenset("make makes made making leave leaves left leaving".split())
#: Adverbs of time, frequency and stance, which leave a stated feeling stated ("i still feel",
#: "i honestly feel", "lately i feel"). Not "rarely" or "almost": they deny or weaken it ("i
#: rarely feel happy").
CLAUSE_ADVERBS = frozenset(
    "just really still always sometimes often usually generally also too even only actually "
    "honestly definitely certainly truly genuinely personally seriously literally simply now "
    "already currently finally suddenly instantly somehow constantly increasingly mostly "
    "frequently lately recently today tonight plain kinda".split())
#: Words allowed between the writer and the head, none of which changes whose feeling it is or
#: whether it is stated: auxiliaries ("i am feeling", "ive been feeling"), the adverbs, hedges
#: ("i kind of feel") and verbs of phase or memory with their particles ("i kept feeling", "i
#: woke up feeling", "i find myself feeling", "i remember feeling"). Not "stopped" or "used":
#: they withdraw the feeling ("i stopped feeling sad").
SUBJECT_TO_HEAD = CLAUSE_ADVERBS | frozenset(
    "am m was have had ve been do did kind sort of "
    "keep keeps kept start starts started begin begins began remember remembered find finds "
    "found myself wake wakes woke end ended wound up out away left".split())
#: What may open a clause before its subject "i": the adverbs and a few discourse words ("so i
#: feel", "well im"); not an auxiliary ("do i feel happy" asks).
CLAUSE_OPENERS = CLAUSE_ADVERBS | frozenset("so well yes yeah ok okay anyway".split())
#: Words that, before the writer in the same clause, can bring in someone else whose view or
#: feeling the clause reports ("he said im stupid", "my mom thinks i was scared", "i feel like
#: everyone thinks im lazy").
OTHER_PEOPLE = frozenset(
    "he she they we you it hes shes theyre youre its people everyone everybody someone somebody "
    "anyone anybody nobody my his her their our your him them us who".split())
#: Degree words allowed between the head and the emotion word ("i feel a bit sad"); "less" is
#: not one ("i feel less frightened" states relief from fear, not fear).
DEGREE_WORDS = frozenset(
    "so very really pretty quite rather too extremely incredibly totally completely absolutely "
    "super truly fairly slightly somewhat kinda kind sort of a bit little more most even still "
    "just all deeply utterly genuinely increasingly".split())
MAX_DEGREE_WORDS = 3
#: Words that, before the head in its clause, make the feeling wished, supposed, asked about,
#: future or left behind rather than stated ("i want to feel happy", "if i feel sad", "how do
#: you feel", "youll feel inspired", "i went from feeling confident to ..."); an infinitive "to"
#: right before the head does the same.
IRREALIS = frozenset(
    "want wants wanted wanna wish wishes wished hope hopes hoped hoping try tries tried trying "
    "if whether unless when whenever until how would could should might may must will can ll "
    "youll ill itll theyll shall from gonna".split())


def clause_start(tokens: Sequence[str], k: int) -> int:
    """Where the clause holding ``tokens[k]`` starts: after the last conjunction before it."""
    return next((i + 1 for i in range(k - 1, -1, -1) if tokens[i] in CONJUNCTIONS), 0)


def writer_feels(tokens: Sequence[str], h: int) -> bool:
    """Whether the feeling headed by ``tokens[h]`` is the writer's own: the head's subject is
    the writer (:data:`WRITER_SUBJECTS`) with only :data:`SUBJECT_TO_HEAD` words between, or,
    for a form of "feel", its subject is "me" after a causative ("it makes me feel sad"). A
    subject "i" must open its clause, follow only :data:`CLAUSE_OPENERS`, or follow a clause of
    the writer's own with nobody else in it ("i think im happy", not "he says im happy" or "do
    i feel happy")."""
    if tokens[h] in FUSED_HEADS:
        s = h
    else:
        s = h - 1
        while s >= 0 and tokens[s] in SUBJECT_TO_HEAD:
            s -= 1
        if s < 0:
            return False
        if tokens[s] == "me":
            return tokens[h] in FEEL_VERBS and s > 0 and tokens[s - 1] in CAUSATIVES
        if tokens[s] not in WRITER_SUBJECTS:
            return False
    before = tokens[clause_start(tokens, s):s]
    return (all(t in CLAUSE_OPENERS for t in before)
            or (before[0] in WRITER_SUBJECTS and OTHER_PEOPLE.isdisjoint(before)))


def in_feeling_clause(tokens: Sequence[str], j: int, *, feel_only: bool = False,
                      writer: bool = True) -> bool:
    """Whether ``tokens[j]`` is the complement of a stated feeling clause: a
    :data:`FEELING_HEADS` word right before it (up to :data:`MAX_DEGREE_WORDS` degree words
    between), or "me" after a causative ("it makes me so happy"); no infinitive "to" right
    before the head and no :data:`IRREALIS` word between the head and its clause's start (the
    conjunction that opens the clause included: "if i feel sad"). With ``writer`` (the cases'
    rule) the feeling must be the writer's own (:func:`writer_feels`: not "i feel they are
    frightened"); without it, anyone's feeling counts, which is what the lexicon's check of a
    word's class against the training data reads: the class a word names does not depend on
    who feels it. With ``feel_only`` the head must be a form of "feel" (:data:`FEEL_VERBS`)."""
    h = j - 1
    while h >= 0 and j - h <= MAX_DEGREE_WORDS and tokens[h] in DEGREE_WORDS:
        h -= 1
    if h < 0:
        return False
    if tokens[h] == "me" and h > 0 and tokens[h - 1] in CAUSATIVES:
        stated = not feel_only
    elif tokens[h] in (FEEL_VERBS if feel_only else FEELING_HEADS):
        infinitive = h > 0 and tokens[h - 1] == "to"
        stated = not infinitive and (not writer or writer_feels(tokens, h))
    else:
        stated = False
    return stated and IRREALIS.isdisjoint(tokens[max(clause_start(tokens, h) - 1, 0):h])


#: Prepositions that can aim a feeling at someone ("shy around", "proud of", "lucky to have").
TARGET_PREPOSITIONS = frozenset("around towards toward near with of for to at by about in".split())
#: Words that, after such a preposition, make the target a person: pronouns, people, and the
#: prepositions that only take people ("around", "in front of"), so names count too ("i feel
#: shy around momo").
PERSON_TARGETS = frozenset(
    "him her you them his your their us people someone somebody everyone everybody anyone "
    "anybody others guy guys boy boys girl girls man men woman women boyfriend girlfriend husband "
    "wife crush friend friends mom dad mother father parents brother sister son daughter kids "
    "baby partner lover family around towards toward front".split())


@dataclass(frozen=True)
class EmotionWords:
    """The lexicon as this suite reads it: each class word's class, the ``mixed`` words (emotion
    words given no class), the class words that name a feeling only after "feel", and those
    whose class shifts once they are aimed at a person (``person_directed``: "shy around him"
    reads as a crush, love, as readily as fear)."""

    class_of: Mapping[str, str]
    mixed: frozenset[str]
    feel_verb_only: frozenset[str] = frozenset()
    person_directed: frozenset[str] = frozenset()

    @classmethod
    def read(cls, path: Path, feel_verb_only: frozenset[str] = frozenset(),
             person_directed: frozenset[str] = frozenset()) -> EmotionWords:
        """From a lexicon file (:func:`~audit.generators.lexicon.load_lexicon`)."""
        lexicon = load_lexicon(path)
        return cls({word: label for label, entry in lexicon.items() for word in entry.cues},
                   load_mixed_words(path), feel_verb_only, person_directed)

    def aimed_at_person(self, tokens: Sequence[str]) -> bool:
        """Whether a ``person_directed`` word is aimed at a person: followed by a
        :data:`TARGET_PREPOSITIONS` word and then by a :data:`PERSON_TARGETS` word ("shy
        around him", "lucky to have you"); not when a new clause follows ("thankful that she
        ...")."""
        return any(t in self.person_directed and j + 1 < len(tokens)
                   and tokens[j + 1] in TARGET_PREPOSITIONS
                   and not PERSON_TARGETS.isdisjoint(tokens[j + 1:])
                   for j, t in enumerate(tokens))

    def stated_emotion(self, tokens: Sequence[str]) -> tuple[str, str] | None:
        """``(word, class)`` when ``tokens`` state exactly one class: a class word in the writer's
        own feeling clause (:func:`in_feeling_clause`), no class word of another class, no mixed
        word, no negation, no person-directed word aimed at a person; else None."""
        if (has_negation(tokens) or not self.mixed.isdisjoint(tokens)
                or self.aimed_at_person(tokens)):
            return None
        classes = {self.class_of[t] for t in tokens if t in self.class_of}
        if len(classes) != 1:
            return None
        return next(((t, self.class_of[t]) for j, t in enumerate(tokens)
                     if t in self.class_of
                     and in_feeling_clause(tokens, j, feel_only=t in self.feel_verb_only)), None)


class Truncation(Perturbation):
    """Keep the first ``n_words`` words of a longer text when they state one emotion
    (:meth:`EmotionWords.stated_emotion`); ``meta["cue"]`` is its word."""

    meta = {"bucket": "truncated"}

    def __init__(self, n_words: int, words: EmotionWords) -> None:
        self.n_words = n_words
        self.words = words
        self.name = f"first{n_words}"

    def perturb(self, text: str, rng: random.Random) -> Perturbed | None:
        """The cut text, or None when the text is not longer than the cut or the cut states no
        single emotion."""
        tokens = text.split()
        kept = tokens[:self.n_words]
        found = self.words.stated_emotion(kept) if len(tokens) > self.n_words else None
        return None if found is None else Perturbed(" ".join(kept), {"cue": found[0]})


def truncation_cases(suite_name: str, source: SourceData, words: EmotionWords,
                     lengths: Sequence[int], seed: int) -> GeneratedSuite:
    """Truncations of every source text, one case per distinct text within a rule
    (:func:`merge_duplicates`); a cut whose stated emotion is not the gold label is skipped (its
    case would expect one emotion while the text states another)."""
    def expectation(rule: Perturbation, text: str, label: str | None,
                    result: Perturbed) -> Expectation | None:
        return Expectation("MFT") if words.class_of[result.meta["cue"]] == label else None

    return merge_duplicates(derive_cases(suite_name, source,
                                         [Truncation(n, words) for n in lengths], expectation,
                                         seed, keep_label=True))


def merge_duplicates(suite: GeneratedSuite) -> GeneratedSuite:
    """One case per (rule, text): many test texts open the same way ("i feel shy ..."), and
    counting the same cut once per source would weigh one input as many. The case kept is the
    first source's (source order, so deterministic); ``meta["n_sources"]`` says how many source
    texts it stands for, and the rule's coverage counts the kept cases as ``n_changed`` and the
    dropped ones as ``n_merged``. Identical cuts state the same word, so they share a label."""
    n_sources = Counter((str(case.rule), case.text) for case in suite.cases)
    kept: dict[tuple[str, str], Case] = {}
    for case in suite.cases:
        kept.setdefault((str(case.rule), case.text), case)
    coverage = {rule: dict(counts) for rule, counts in suite.coverage.items()}
    for (rule, _), n in n_sources.items():
        if n > 1:
            coverage[rule]["n_changed"] -= n - 1
            coverage[rule]["n_merged"] = coverage[rule].get("n_merged", 0) + n - 1
    cases = [replace(case, meta={**case.meta, "n_sources": n_sources[key]})
             for key, case in kept.items()]
    return GeneratedSuite(cases, coverage, suite.n_candidates)


def minimal_cases(suite_name: str, lexicon: Mapping[str, ClassWords],
                  templates: Mapping[str, str], feel_verb_only: frozenset[str]) -> list[Case]:
    """One case per (template, ``feel`` word): e.g. ``"i feel {word}"`` -> "i feel lonely". A
    template without "feel" (such as the bare ``"{word}"``) leaves out the ``feel_verb_only``
    words, which name a feeling only after "feel"."""
    return [Case(id=f"{suite_name}:{rule}:{word}", text=template.format(word=word),
                 expectation=Expectation("MFT"), label=label, rule=rule, meta={"bucket": "minimal"})
            for rule, template in templates.items()
            for label, words in lexicon.items()
            for word in words.feel
            if word not in feel_verb_only or not FEEL_VERBS.isdisjoint(template.split())]


def class_word_param(ctx: SuiteContext, lexicon: Mapping[str, ClassWords],
                     key: str) -> frozenset[str]:
    """``params[key]`` as a set of words, each of which must be a class word of the lexicon."""
    words = frozenset(ctx.spec.params.get(key, ()))
    unknown = sorted(words - {w for entry in lexicon.values() for w in entry.cues})
    if unknown:
        raise AuditError(f"suite {ctx.spec.name!r}: {key} lists {unknown[0]!r}, not a class word "
                         "of the lexicon")
    return words


def read_words(ctx: SuiteContext) -> tuple[dict[str, ClassWords], EmotionWords]:
    """The suite's lexicon and its :class:`EmotionWords`, with ``params.feel_verb_only`` and
    ``params.person_directed`` (class words of the lexicon)."""
    path = ctx.data_path(ctx.spec.params["lexicon"])
    lexicon = load_lexicon(path)
    return lexicon, EmotionWords.read(path, class_word_param(ctx, lexicon, "feel_verb_only"),
                                      class_word_param(ctx, lexicon, "person_directed"))


#: The ``params`` a suite declaration may give this generator, with their types.
PARAMS: dict[str, type] = {"lexicon": str, "max_words": int, "truncate": list,
                           "minimal_templates": dict, "feel_verb_only": list,
                           "person_directed": list}


def generate(ctx: SuiteContext) -> GeneratedSuite:
    """Emotion-keeping truncations of the source texts and minimal lexicon cases; the source
    texts themselves are not cases.

    Params: ``lexicon`` (YAML path), ``truncate`` (word counts), ``minimal_templates`` (rule name
    -> template with ``{word}``), ``feel_verb_only`` (class words that name a feeling only after
    "feel": "i feel stupid", not "i was stupid" or "stupid"), ``person_directed`` (class words
    whose class shifts once aimed at a person: "i feel shy around him" makes no case),
    ``max_words`` (read only by :func:`train_evidence`: the longest training text it counts as
    short).
    """
    params = ctx.spec.params
    lexicon, words = read_words(ctx)
    name = ctx.spec.name
    truncated = truncation_cases(name, ctx.source, words, params["truncate"], ctx.seed)
    minimal = minimal_cases(name, lexicon, params["minimal_templates"], words.feel_verb_only)
    return GeneratedSuite([*truncated.cases, *minimal], truncated.coverage, len(ctx.source.texts))


def train_evidence(ctx: SuiteContext, train: SourceData) -> dict[str, Any]:
    """How the training split labels texts that are already short and state one lexicon emotion.

    Matched: training texts of at most ``params.max_words`` words (5 in the shipped suite: as long
    as the longest truncation, and so taking in every minimal "i feel <word>" text) for which
    :meth:`EmotionWords.stated_emotion`, the suite's own matcher, finds one emotion. Consistent:
    those labelled with that word's class, the label this suite's truncated and minimal cases
    expect.
    """
    _, words = read_words(ctx)
    limit = ctx.spec.params["max_words"]
    matched: list[tuple[str | None, str]] = []
    for text, label in zip(train.texts, train.labels):
        tokens = text.split()
        found = words.stated_emotion(tokens) if len(tokens) <= limit else None
        if found is not None:
            matched.append((label, found[1]))
    n_consistent = sum(label == stated for label, stated in matched)
    return {
        "n_train": len(train.texts),
        "n_matched": len(matched),
        "n_consistent": n_consistent,
        "consistent_rate": rate_with_ci(n_consistent, len(matched)) if matched else None,
        "label_counts": dict(Counter(label for label, _ in matched if label is not None)),
        "summary": evidence_summary(len(matched), n_consistent, limit),
    }


def evidence_summary(n_matched: int, n_consistent: int, limit: int) -> str:
    """The one-sentence reading of :func:`train_evidence`'s counts."""
    if not n_matched:
        return (f"train: no text of at most {limit} words states one lexicon emotion in a "
                "feeling clause, so the training data says nothing about this suite's labels")
    return (f"train: {n_matched} texts of at most {limit} words state one lexicon emotion in a "
            f"feeling clause; {n_consistent / n_matched:.0%} of them are labelled with that "
            "word's class, the label this suite expects")


def summarize(records: Sequence[Mapping[str, Any]], labels: Sequence[str]) -> dict[str, Any]:
    """Pass rate (= accuracy, all cases being MFT on their label) per rule and class: shows which
    classes survive truncation and which classes' own words the model misreads."""
    table: dict[str, dict[str, list[bool]]] = {}
    for r in records:
        if r["passed"] is not None:
            table.setdefault(r["rule"], {}).setdefault(r["label"], []).append(bool(r["passed"]))
    return {"pass_rate_by_rule_and_class": {
        rule: {label: rate_with_ci(sum(by_class[label]), len(by_class[label]))
               for label in labels if label in by_class}
        for rule, by_class in table.items()}}
