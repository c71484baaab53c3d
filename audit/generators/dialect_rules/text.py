"""How the dialect rules read a text: tokens, fused spellings, positions and clause shapes.

The emotion data is lowercase with punctuation removed, so contractions appear either fused ("im",
"dont", "ive") or split ("i m", "don t"). :func:`tokenize` keeps a split contraction together as one
token, rules match on the fused spelling (:func:`fuse`), and joining the tokens back with spaces
restores the text exactly, so untouched parts keep their original spelling. :func:`substitute` is
the one left-to-right rewriting loop the rules share.

The word tables here are the closed-class words (pronouns, auxiliaries, clause boundaries) that
several rules match on, built from the shared classes of :mod:`audit.generators.lexicon`; tables
that one rule alone needs live beside it.
"""
from __future__ import annotations

from typing import Any, Callable, Sequence

from ..lexicon import (CONJUNCTIONS, DETERMINERS, LINK_WORDS, MODALS, NEGATED_AUXILIARIES, OBJECT_PRONOUNS,
                       PRIMARY_AUXILIARIES, SUBJECT_PRONOUNS, WH_WORDS, WRITER_SUBJECTS)

#: Clitics that follow their host as a separate token once the apostrophe is gone ("i m", "don t").
_CLITIC_HOSTS: dict[str, frozenset[str]] = {
    "m": frozenset({"i"}),
    "re": frozenset({"you", "we", "they", "who", "what"}),
    "ve": frozenset({"i", "you", "we", "they", "who", "would", "could", "should", "might", "must"}),
    "ll": frozenset({"i", "you", "we", "they", "he", "she", "it", "that", "who"}),
    "d": frozenset({"i", "you", "we", "they", "he", "she", "it", "that", "who"}),
    "s": frozenset({"he", "she", "it", "that", "there", "here", "what", "who", "where"}),
}
THIRD_SINGULAR = frozenset({"he", "she", "it"})
NON_THIRD = SUBJECT_PRONOUNS - THIRD_SINGULAR
#: Subject pronouns that name a person.
PERSONAL = SUBJECT_PRONOUNS - {"it"}
#: Pronouns that are only ever subjects ("you" and "it" are also objects: "i love you so much").
SUBJECT_ONLY_PRONOUNS = SUBJECT_PRONOUNS - {"you", "it"}
#: Subject pronouns (and their fused forms) that start a new clause.
SUBJECT_ONLY = SUBJECT_ONLY_PRONOUNS | frozenset({"im", "ive", "hes", "shes", "theyre", "weve"})
#: Subjects a question inverts with its auxiliary ("do you ...", "is that ...").
PRONOUNS = SUBJECT_PRONOUNS | frozenset({"there", "that", "this"})
#: Auxiliaries and modals: a subject right after one of these is inverted (a question) or
#: embedded under negation, where the present-tense rules do not apply.
AUXILIARIES = PRIMARY_AUXILIARIES | MODALS | NEGATED_AUXILIARIES
#: Wh-words that open a direct question before an auxiliary ("why do i", "when is it"); "whom"
#: and "whose" open a relative clause far more often than a question in posts.
QUESTION_WH = (WH_WORDS - {"whom", "whose"}) | {"when"}
#: Words that open a new clause: the scope of a negation and the predicate of a copula end here.
BOUNDARIES = CONJUNCTIONS | frozenset({
    "so", "than", "as", "that", "which", "who", "where", "why", "how", "what"})
#: Clause openers that cannot start a predicate (intensifier "so", "as" and "that" can).
CLAUSE_OPENERS = BOUNDARIES - {"so", "as", "that"}
#: Remains of web markup in the data ("a href http", "amp" for "&amp;"): not part of a clause.
_MARKUP = LINK_WORDS | {"amp", "nbsp"}
#: Words that make a clause subordinate: a text holding one is not a short main clause.
_SUBORDINATORS = (CONJUNCTIONS - {"and", "but", "or", "then"}) | WH_WORDS | {"that", "whether", "than"}
#: Sentence adverbs, after which a subject opens a clause ("honestly i want").
SENTENCE_ADVERBS = frozenset({
    "now", "finally", "actually", "honestly", "also", "recently", "lately", "today", "yesterday",
    "obviously"})
#: Words after which a subject starts a main or complement clause (not a relative clause, whose
#: gap would strand a rewritten verb: "the things ive said").
_CLAUSE_START = CONJUNCTIONS | SENTENCE_ADVERBS | frozenset({
    "", "so", "think", "thought", "guess", "feel", "felt", "know", "knew", "hope", "realize",
    "realized", "realise", "realised", "believe", "sure", "especially", "except"})
#: Verbs of seeming, after which "like" opens a clause ("it feels like im ...").
_SEEMING = frozenset({"feel", "feels", "felt", "feeling", "seem", "seems", "seemed", "look", "looks",
                      "looked", "sound", "sounds", "sounded"})
#: Words a complete clause does not end with (a text ending in one was cut off mid-phrase).
_OPEN_ENDINGS = BOUNDARIES | frozenset({
    "the", "a", "an", "to", "of", "in", "on", "at", "for", "with", "from", "by", "about", "into",
    "my", "your", "his", "her", "their", "our", "its", "is", "am", "are", "was", "were", "be",
    "been", "i", "im", "very", "really", "more", "most", "not", "no", "dont", "cant", "just",
    "like", "whether",
})
#: Words that can open an object noun phrase (for verbs that need one before anything else).
OBJECT_STARTS = DETERMINERS | OBJECT_PRONOUNS | frozenset({
    "myself", "yourself", "himself", "herself", "itself", "ourselves", "themselves", "some",
    "everything", "nothing", "something", "anything", "everyone", "someone", "anyone", "people"})
#: First-person singular words: a confirmation tag asks the hearer about something they can
#: judge, not about the speaker's own feelings.
FIRST_PERSON = WRITER_SUBJECTS | frozenset({"id", "ill", "me", "my", "myself", "mine"})
#: Endings of adjectives and participial adjectives ("ashamed", "hopeful", "nervous"): where a
#: detector needs an adjective it asks for one of these, so nouns ("too much time") are not
#: taken for predicates.
_ADJECTIVE_ENDINGS = ("ed", "ful", "ous", "ive", "ic", "ish", "less", "ent", "ant", "able", "ible", "al")
#: Endings of abstract nouns, singular or plural ("connections", "moments"): where a rule needs
#: to know that a word is not an adjective's head but a noun it modifies.
_NOUN_ENDINGS = ("tion", "tions", "sion", "sions", "ment", "ments", "ness", "nesses", "ity",
                 "ities", "ship", "ships", "hood", "hoods", "ism", "isms")


def adjectival(word: str) -> bool:
    """True when ``word`` ends like an adjective (a conservative test, for detectors only)."""
    return word.endswith(_ADJECTIVE_ENDINGS)


def nominal(word: str) -> bool:
    """True when ``word`` ends like a noun (a conservative test: most nouns do not)."""
    return word.endswith(_NOUN_ENDINGS)


def tokenize(text: str) -> list[str]:
    """Whitespace tokens, with a split contraction ("i m", "don t") kept as one token."""
    tokens: list[str] = []
    for word in text.split():
        if tokens and _is_clitic(tokens[-1], word):
            tokens[-1] = f"{tokens[-1]} {word}"
        else:
            tokens.append(word)
    return tokens


def _is_clitic(host: str, word: str) -> bool:
    if " " in host:
        return False
    if word == "t":
        return host.endswith("n")
    return host in _CLITIC_HOSTS.get(word, ())


def fuse(token: str) -> str:
    """The fused spelling of a token: "i m" -> "im", "don t" -> "dont"."""
    return token.replace(" ", "")


def words_of(text: str) -> list[str]:
    """The fused tokens of a text, as the rules match them."""
    return [fuse(t) for t in tokenize(text)]


def at(words: Sequence[str], i: int) -> str:
    """``words[i]``, or "" outside the text."""
    return words[i] if 0 <= i < len(words) else ""


def inverted(words: Sequence[str], i: int) -> bool:
    """True when the subject at ``i`` follows an auxiliary (a question, or under do-support)."""
    return at(words, i - 1) in AUXILIARIES


def clause_start(words: Sequence[str], i: int) -> bool:
    """True when a subject at ``i`` opens a main or complement clause: it follows a word of
    ``_CLAUSE_START`` (the text's start, a conjunction, a verb taking a clause, a sentence
    adverb), complementizer "that" after such a verb ("i feel that ive ..."), or "like" after a
    verb of seeming ("i feel like ive ...", not the preposition of "someone like you")."""
    before, earlier = at(words, i - 1), at(words, i - 2)
    return (before in _CLAUSE_START or (before == "that" and earlier in _CLAUSE_START - {""})
            or (before == "like" and earlier in _SEEMING))


def contains(words: Sequence[str], phrase: Sequence[str]) -> bool:
    """True when ``phrase`` occurs in ``words`` as consecutive words."""
    n = len(phrase)
    return any(list(words[i:i + n]) == list(phrase) for i in range(len(words) - n + 1))


def is_question(words: Sequence[str]) -> bool:
    """True for texts that open like a question ("do you ...", "why do i ...")."""
    first, second = at(words, 0), at(words, 1)
    return (first in AUXILIARIES and second in PRONOUNS) or (first in QUESTION_WH and second in AUXILIARIES)


def ends_clause(words: Sequence[str]) -> bool:
    """True when the text ends like a complete declarative clause (where a tag can follow)."""
    return bool(words) and words[-1] not in _OPEN_ENDINGS and not is_question(words)


def short_main_clause(words: Sequence[str], max_words: int) -> bool:
    """True for a complete main declarative clause of at most ``max_words`` words: not a question,
    not cut off mid-phrase, not opening with a conjunction (a fragment of a longer sentence) and
    holding no subordinate clause (where a clause-final tag would attach to the wrong clause),
    nor web markup left in the text ("a href http")."""
    return (0 < len(words) <= max_words and ends_clause(words)
            and words[0] not in CONJUNCTIONS | {"so", "to"}
            and not (_SUBORDINATORS | _MARKUP) & set(words))


Match = Callable[[Sequence[str], int], "tuple[int, list[str]] | None"]


def substitute(tokens: Sequence[str], words: Sequence[str], match: Match) -> list[str] | None:
    """Scan left to right; where ``match(words, i)`` returns ``(n, new)`` replace ``tokens[i:i+n]``
    by ``new``. Matches do not overlap. Returns ``None`` when nothing matched."""
    out: list[str] = []
    i = 0
    changed = False
    while i < len(tokens):
        hit = match(words, i)
        if hit is None:
            out.append(tokens[i])
            i += 1
        else:
            n, new = hit
            out.extend(new)
            i += n
            changed = True
    return out if changed else None


def any_match(words: Sequence[str], match: Callable[[Sequence[str], int], Any]) -> bool:
    """True when ``match(words, i)`` holds at some position."""
    return any(match(words, i) for i in range(len(words)))
