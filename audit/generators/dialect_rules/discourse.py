"""Discourse and degree: clause-final tags and particles, and degree words in another form.

A tag ("isnt it") or particle ("lah", "lor") goes only where a speaker of the variety would put
one: after a short main declarative clause, chosen by what the clause says. A degree word is
respelt or replaced ("sooo tired", "too much happy") only where it modifies a predicate, and not
where the replacement would read as its opposite to a reader of standard English.
"""
from __future__ import annotations

import random
from typing import Any, Iterable, Mapping, Sequence

from ...errors import AuditError
from ..lexicon import NEGATORS
from .rule import TokenRule
from .text import (BOUNDARIES, FIRST_PERSON, PRONOUNS, SUBJECT_ONLY, adjectival, any_match, at, contains, nominal,
                   short_main_clause, substitute)
from .verbs import VerbTable

#: Forms of ``be`` a tag such as "isnt it" agrees with: a clause holding one is concord, not
#: invariant ("it is nice isnt it" is standard English).
_BE_FORMS = frozenset({"is", "its", "thats", "theres", "hes", "shes", "whats"})
#: Present-tense auxiliaries after "i" in a present stance clause ("i am", "i can", "i dont").
_PRESENT_AUXILIARIES = frozenset({"am", "have", "do", "dont", "can", "cant", "cannot", "will", "wont"})


def first_person_present(words: Sequence[str], verbs: VerbTable, adverbs: Iterable[str]) -> bool:
    """True when the clause opens with the speaker as subject in the present tense: "im", "ive",
    or "i" + (words of ``adverbs``) + a present auxiliary, a present verb of the table whose past
    form differs ("i feel", "i think"; not "i replied", "i woke", nor "i put", which may be past),
    or the -ing form of a verb of the table (left by copula deletion: "i feeling")."""
    if at(words, 0) in ("im", "ive"):
        return True
    if at(words, 0) != "i":
        return False
    k = 1
    while at(words, k) in adverbs:
        k += 1
    head = at(words, k)
    verb = verbs.by_base.get(head)
    return (head in _PRESENT_AUXILIARIES or head in verbs.by_ing
            or (verb is not None and verb.past != head))


class ClauseFinalTag(TokenRule):
    """A tag or discourse particle after a short main declarative clause: "... isnt it",
    "... lah". Texts longer than ``max_words``, questions, texts cut off mid-phrase or holding a
    subordinate clause (:func:`short_main_clause`), and texts that already hold one of the tags
    are left alone. With ``subjects``, the clause must open with one of them and hold no
    first-person word (a confirmation tag asks the hearer to agree with a shared assessment,
    "it was a lovely day isnt it", not with the speaker's own feelings); with ``affirmative_only``, a
    negated clause is left alone. With ``verbs`` (the stance particles), the clause must state the
    speaker's present stance or feeling (:func:`first_person_present`, skipping ``adverbs``) and
    hold none of the ``reporting`` verbs: a particle marks the speaker's attitude in
    conversation, not a narrated or reported event ("i replied feeling strange lah", "i feel so
    awful she said lah" are not said).

    ``tags`` maps each tag, in order of preference, to the cue phrases that call for it (each
    particle has its own meaning: Singlish "lor" marks resignation, "leh" softens a tentative
    statement, "lah" asserts); the first tag with a cue in the text is used, otherwise the tag
    whose cue list is empty (the default), otherwise none. The choice depends on the text only.
    Tags are optional (a speaker does not end every clause with one): an eligible text takes
    one with probability ``rate``, drawn from the case's own rng, which caps the share of cases
    that differ from their source by a tag alone.
    """

    def __init__(self, name: str, meta: Mapping[str, Any], tags: Mapping[str, Sequence[str]],
                 max_words: int, subjects: Iterable[str] | None = None,
                 affirmative_only: bool = False, rate: float = 1.0, verbs: VerbTable | None = None,
                 adverbs: Iterable[str] = (), reporting: Iterable[str] = ()) -> None:
        super().__init__(name, meta)
        self.tags = {tuple(tag.split()): [tuple(c.split()) for c in cues or ()] for tag, cues in tags.items()}
        defaults = [tag for tag, cues in self.tags.items() if not cues]
        if len(defaults) > 1:
            raise AuditError(f"rule {name!r}: at most one tag may have no cues (the default), "
                             f"got {[' '.join(t) for t in defaults]}")
        self.default = defaults[0] if defaults else None
        self.max_words = int(max_words)
        self.subjects = None if subjects is None else frozenset(subjects)
        self.affirmative_only = affirmative_only
        self.rate = float(rate)
        self.verbs = verbs
        self.adverbs = frozenset(adverbs)
        self.reporting = frozenset(reporting)

    def choose(self, words: Sequence[str]) -> tuple[str, ...] | None:
        """The tag whose cues the text holds (first in order), else the default tag."""
        for tag, cues in self.tags.items():
            if any(contains(words, cue) for cue in cues):
                return tag
        return self.default

    def rewrite(self, tokens: list[str], words: list[str], rng: random.Random) -> list[str] | None:
        if not short_main_clause(words, self.max_words) or any(contains(words, t) for t in self.tags):
            return None
        if self.subjects is not None and (words[0] not in self.subjects or FIRST_PERSON & set(words)):
            return None
        if self.affirmative_only and NEGATORS & set(words):
            return None
        if self.verbs is not None and (not first_person_present(words, self.verbs, self.adverbs)
                                       or not self.reporting.isdisjoint(words)):
            return None
        tag = self.choose(words)
        if tag is None or rng.random() >= self.rate:
            return None
        return [*tokens, " ".join(tag)]

    def shows(self, words: Sequence[str]) -> bool:
        for tag in self.tags:
            if len(tag) == 1 and tag[0] in words:
                return True
            if len(tag) > 1 and tuple(words[-len(tag):]) == tag and not _BE_FORMS & set(words[:-len(tag)]):
                return True
        return False


class DegreeWord(TokenRule):
    """A degree word in another form: expressive lengthening ("i feel so tired" -> "i feel sooo
    tired") or Indian English "too much" for "very" ("i was very happy" -> "i was too much happy").

    Only where ``word`` modifies a predicate: after a linking verb (``after``) or before one of
    ``before`` ("so many"), never before a clause boundary or one of ``blocked`` (determiner uses
    such as "very first", "very much"), so conjunction "so" ("so i left") stays. With
    ``adjectives_only``, not before an -ly adverb ("feel very strongly") other than the -ly
    adjectives listed in ``ly_adjectives`` ("very lonely"), not in a negated clause ("not
    feeling very hopeful": "not too much" would read as "not excessively"), and only before a
    one-word adjective: not before a pronoun, nor the first part of a compound adjective whose
    head is in ``compound_heads`` ("very touch deprived", "very eco friendly"), nor an
    adjective before a noun ("very close connections"). With ``heads``, only before one of them:
    "too much" reads as "excessively" to a reader of standard English, which leaves the meaning
    of a negative feeling or a plain state alone ("too much tired") but turns honour or praise
    into its opposite ("too much honoured": more than deserved). Texts holding one of
    ``skip_phrases`` are left alone ("very much hope" beside "too much" mixes the two uses)."""

    def __init__(self, name: str, meta: Mapping[str, Any], word: str, replacement: str,
                 after: Iterable[str], before: Iterable[str] = (), blocked: Iterable[str] = (),
                 adjectives_only: bool = False, ly_adjectives: Iterable[str] = (),
                 compound_heads: Iterable[str] = (), heads: Iterable[str] = (),
                 skip_phrases: Iterable[str] = ()) -> None:
        super().__init__(name, meta)
        self.word = word
        self.replacement = tuple(replacement.split())
        self.after = frozenset(after)
        self.before = frozenset(before)
        self.blocked = frozenset(blocked)
        self.adjectives_only = adjectives_only
        self.ly_adjectives = frozenset(ly_adjectives)
        self.compound_heads = frozenset(compound_heads)
        self.heads = frozenset(heads)
        self.skip_phrases = [tuple(p.split()) for p in skip_phrases]

    def _adjective(self, w: Sequence[str], k: int) -> bool:
        """True when ``w[k]`` can be a one-word adjective heading the predicate."""
        word, then = at(w, k), at(w, k + 1)
        return not ((word.endswith("ly") and word not in self.ly_adjectives) or word in PRONOUNS
                    or word in SUBJECT_ONLY or then in self.compound_heads or nominal(then))

    def _modifies(self, w: Sequence[str], i: int, n: int) -> bool:
        """True when the degree word at ``w[i:i+n]`` modifies a predicate."""
        nxt = at(w, i + n)
        if not nxt or nxt in BOUNDARIES or nxt in self.blocked:
            return False
        if self.adjectives_only and (not self._adjective(w, i + n) or NEGATORS & set(w[max(0, i - 3):i])):
            return False
        if self.heads and nxt not in self.heads:
            return False
        return at(w, i - 1) in self.after or nxt in self.before

    def rewrite(self, tokens: list[str], words: list[str], rng: random.Random) -> list[str] | None:
        if any(contains(words, p) for p in self.skip_phrases):
            return None

        def match(w: Sequence[str], i: int) -> tuple[int, list[str]] | None:
            if w[i] != self.word or not self._modifies(w, i, 1):
                return None
            return 1, [" ".join(self.replacement)]
        return substitute(tokens, words, match)

    def shows(self, words: Sequence[str]) -> bool:
        n = len(self.replacement)
        return any_match(words, lambda w, i: tuple(w[i:i + n]) == self.replacement and self._modifies(w, i, n)
                         and (not self.adjectives_only or adjectival(at(w, i + n))
                              or at(w, i + n) in self.ly_adjectives))
