"""Verbs as the dialect rules need them: subject + ``be``/``have`` and a table of verb forms.

Tense and agreement rules must know a verb's forms (base, third person, past, participle, -ing)
to rewrite it, and which subject + auxiliary sequences ("im", "she is", "ive", "she has") start a
clause of the kind they rewrite. The forms come from ``dialect_verbs.tsv`` (:class:`VerbTable`);
the fused contractions and the agreeing auxiliary of each subject are closed-class tables here.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Mapping, Sequence

from .text import NON_THIRD, THIRD_SINGULAR, at, inverted

#: Fused subject + present-tense ``be`` contractions and the subject they contain.
CONTRACTED_BE: dict[str, str] = {
    "im": "i", "youre": "you", "theyre": "they", "hes": "he", "shes": "she", "its": "it",
    "thats": "that", "theres": "there",
}
#: The present-tense form of ``be`` that agrees with each subject ("were" is left out: it is also
#: the past tense, and "we are" is matched in full).
BE_OF_SUBJECT: dict[str, str] = {
    "i": "am", "you": "are", "we": "are", "they": "are", "he": "is", "she": "is", "it": "is",
    "that": "is", "there": "is",
}
#: Fused subject + ``have`` contractions ("hes"/"shes" are left out: they may stand for "is").
CONTRACTED_HAVE: dict[str, str] = {"ive": "i", "youve": "you", "weve": "we", "theyve": "they"}
HAVE_OF_SUBJECT: dict[str, str] = {
    "i": "have", "you": "have", "we": "have", "they": "have", "he": "has", "she": "has", "it": "has",
}
#: Fused forms that may stand for subject + "has" ("hes been", "its got").
_HAS_AMBIGUOUS = frozenset({"hes", "shes", "its"})
#: Words soon after a present perfect that make it continuative or experiential, not completive.
_NOT_COMPLETIVE = frozenset({"for", "since", "ever", "never", "always", "before", "yet"})


def _subject_verb(words: Sequence[str], i: int, contracted: Mapping[str, str],
                  verb_of_subject: Mapping[str, str]) -> tuple[int, str] | None:
    """``(length, subject)`` if ``words[i:]`` starts with a contracted subject + verb ("im") or a
    subject followed by its verb form ("she is")."""
    word = at(words, i)
    if word in contracted:
        return 1, contracted[word]
    if word in verb_of_subject and i + 1 < len(words) and words[i + 1] == verb_of_subject[word]:
        return 2, word
    return None


def subject_be(words: Sequence[str], i: int) -> tuple[int, str] | None:
    """``(length, subject)`` if ``words[i:]`` starts with a subject + present ``be`` ("im", "she is")."""
    return _subject_verb(words, i, CONTRACTED_BE, BE_OF_SUBJECT)


def subject_have(words: Sequence[str], i: int) -> tuple[int, str] | None:
    """``(length, subject)`` if ``words[i:]`` starts with a subject + ``have`` ("ive", "she has")."""
    return _subject_verb(words, i, CONTRACTED_HAVE, HAVE_OF_SUBJECT)


@dataclass(frozen=True)
class VerbForms:
    """The inflected forms of one verb."""

    base: str
    third: str
    past: str
    participle: str
    ing: str


class VerbTable:
    """Forms of common verbs, looked up by any form (from ``dialect_verbs.tsv``)."""

    def __init__(self, rows: Iterable[VerbForms]) -> None:
        rows = list(rows)
        self.by_base = {r.base: r for r in rows}
        self.by_third = {r.third: r for r in rows}
        self.by_past = {r.past: r for r in rows}
        self.by_participle = {r.participle: r for r in rows}
        self.by_ing = {r.ing: r for r in rows}

    def present(self, subject: str, word: str) -> VerbForms | None:
        """The verb if ``word`` is its present-tense form agreeing with ``subject``."""
        table = self.by_third if subject in THIRD_SINGULAR else self.by_base if subject in NON_THIRD else {}
        return table.get(word)


def perfect(first: str, after: str, verbs: VerbTable) -> bool:
    """True when "be" + ``after`` may really be a perfect: "been" always ("is been" is impossible),
    a participle or "got" after a fused "hes"/"shes"/"its" (which may stand for "has")."""
    return after == "been" or (first in _HAS_AMBIGUOUS and (after in verbs.by_participle or after == "got"))


def completive_perfect(words: Sequence[str], i: int,
                       participles: Mapping[str, VerbForms]) -> tuple[int, str, VerbForms] | None:
    """``(length, subject, verb)`` if ``words[i:]`` starts with a completive present perfect
    ("ive finished", "she has already eaten"): the subject + have (+ already) + a participle of a
    verb in ``participles``, not inverted, and no for/since/ever/never/always/before/yet soon
    after (continuative and experiential perfects)."""
    found = subject_have(words, i)
    if found is None or inverted(words, i):
        return None
    n, subject = found
    if at(words, i + n) == "already":
        n += 1
    verb = participles.get(at(words, i + n))
    if verb is None or _NOT_COMPLETIVE & set(words[i + n + 1:i + n + 7]):
        return None
    return n + 1, subject, verb


def completive_participles(verbs: VerbTable, excluded: Iterable[str]) -> dict[str, VerbForms]:
    """Participle -> verb for verbs whose perfect can be completive (not the stative ``excluded``)."""
    excluded = frozenset(excluded)
    return {p: v for p, v in verbs.by_participle.items() if v.base not in excluded}
