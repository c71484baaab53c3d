"""Negation in African American English: ain't, invariant don't and negative concord.

Each rule keeps the meaning of the negation and changes only its form: "im not" -> "i aint",
"she doesnt care" -> "she dont care", "i dont have any money" -> "i dont have no money". Negative
concord belongs to the vernacular register, so only a colloquial negator triggers it.
"""
from __future__ import annotations

import random
from typing import Any, Iterable, Mapping, Sequence

from ..lexicon import NEGATORS
from .rule import TokenRule
from .text import AUXILIARIES, BOUNDARIES, PRONOUNS, SUBJECT_ONLY, any_match, at, inverted, substitute
from .verbs import CONTRACTED_BE, VerbTable, subject_be

#: Negative-polarity items and their negative-concord counterparts ("any" is handled apart).
_CONCORD: dict[str, str] = {
    "anything": "nothing", "anyone": "nobody", "anybody": "nobody", "anywhere": "nowhere",
    "anymore": "no more",
}
_NEGATIVE_INDEFINITES = frozenset({"no", "none", "nothing", "nobody", "noone", "nowhere"})


class AintBe(TokenRule):
    """Ain't as the negated present of ``be``: "im not" -> "i aint", "isnt" -> "aint".

    Past tense ("wasnt", "werent") is left alone: ain't negates present ``be`` and ``have``.
    """

    def rewrite(self, tokens: list[str], words: list[str], rng: random.Random) -> list[str] | None:
        def match(w: Sequence[str], i: int) -> tuple[int, list[str]] | None:
            found = subject_be(w, i)
            if found and at(w, i + found[0]) == "not":
                return found[0] + 1, [found[1], "aint"]
            if w[i] in ("isnt", "arent"):
                return 1, ["aint"]
            if w[i] in ("is", "are") and at(w, i + 1) == "not":
                return 2, ["aint"]
            return None
        return substitute(tokens, words, match)

    def shows(self, words: Sequence[str]) -> bool:
        return any(w == "aint" and at(words, i + 1) not in ("been", "done", "got", "had")
                   for i, w in enumerate(words))


class AintHave(TokenRule):
    """Ain't as the negated ``have`` auxiliary: "i havent done" -> "i aint done".

    Applies only before a past participle, so possessive "have" is never touched.
    """

    def __init__(self, name: str, meta: Mapping[str, Any], verbs: VerbTable,
                 participles: Iterable[str]) -> None:
        super().__init__(name, meta)
        self.participles = frozenset(verbs.by_participle) | frozenset(participles)

    def rewrite(self, tokens: list[str], words: list[str], rng: random.Random) -> list[str] | None:
        def match(w: Sequence[str], i: int) -> tuple[int, list[str]] | None:
            if w[i] in ("havent", "hasnt") and at(w, i + 1) in self.participles:
                return 1, ["aint"]
            if w[i] in ("have", "has") and at(w, i + 1) == "not" and at(w, i + 2) in self.participles:
                return 2, ["aint"]
            return None
        return substitute(tokens, words, match)

    def shows(self, words: Sequence[str]) -> bool:
        return any(w == "aint" and at(words, i + 1) in self.participles for i, w in enumerate(words))


class InvariantDont(TokenRule):
    """Invariant don't for all persons: "she doesnt care" -> "she dont care"."""

    def rewrite(self, tokens: list[str], words: list[str], rng: random.Random) -> list[str] | None:
        return substitute(tokens, words, lambda w, i: (1, [tokens[i].replace("doesn", "don")])
                          if w[i] == "doesnt" else None)

    def shows(self, words: Sequence[str]) -> bool:
        return any_match(words, lambda w, i: w[i] in ("he", "she") and at(w, i + 1) == "dont"
                         and not inverted(w, i))


class NegativeConcord(TokenRule):
    """Negative concord: indefinites in the scope of a negation take the negative form.

    "i dont have any money" -> "i dont have no money", "i dont want any" -> "i dont want none",
    "i didnt see anyone" -> "i didnt see nobody". The scope runs from the negator to the next
    clause boundary or subject pronoun, at most ``window`` words.

    The negator must be colloquial (:meth:`_colloquial`): a contracted one ("dont", "cant",
    "aint") or "never", or "not" after a contracted "be" ("im not"). A formal uncontracted
    "did not", "had not", "cannot" or a non-finite "not" ("for not having written anything")
    keeps its "any": negative concord belongs to the vernacular register, and "had not
    previously made no babies" mixes the two. "anything but" ("not at all") is left alone:
    "nothing but" means "only".
    """

    window = 8

    def __init__(self, name: str, meta: Mapping[str, Any], verbs: VerbTable) -> None:
        super().__init__(name, meta)
        self.verbs = verbs

    @staticmethod
    def _colloquial(words: Sequence[str], i: int) -> bool:
        """True when the negator at ``i`` is contracted, "never", or "not" after a contracted
        "be" ("im not", "youre not")."""
        word = words[i]
        if word == "not":
            return at(words, i - 1) in CONTRACTED_BE
        return word in NEGATORS and word != "cannot"

    def _scope(self, words: Sequence[str]) -> Iterable[int]:
        """Positions of the words in the scope of a colloquial sentential negator."""
        for i in range(len(words)):
            if not self._colloquial(words, i):
                continue
            for j in range(i + 1, min(i + 1 + self.window, len(words))):
                if words[j] in BOUNDARIES or words[j] in SUBJECT_ONLY or words[j] in NEGATORS:
                    break
                yield j

    def rewrite(self, tokens: list[str], words: list[str], rng: random.Random) -> list[str] | None:
        out = list(tokens)
        changed = False
        for j in self._scope(words):
            new = self._negative(words, j)
            if new is not None:
                out[j] = new
                changed = True
        return out if changed else None

    def shows(self, words: Sequence[str]) -> bool:
        """A negative indefinite at most three words after a negator in its clause ("cant find no
        crush", "aint nothing"); "no" only as a determiner ("dont have no money"), not as an
        answer ("i wouldnt say no"), in "no matter", or as the subject of a new clause ("it does
        not matter for no one cares")."""
        def concord(j: int) -> bool:
            if words[j] not in _NEGATIVE_INDEFINITES or not NEGATORS & set(words[max(0, j - 3):j]):
                return False
            after, then = at(words, j + 1), at(words, j + 2)
            if words[j] == "no" and (not after or after == "matter" or after in BOUNDARIES | PRONOUNS
                                     | AUXILIARIES | SUBJECT_ONLY | _NEGATIVE_INDEFINITES):
                return False
            verb = after if words[j] != "no" else then
            return verb not in AUXILIARIES and verb not in self.verbs.by_third
        return any(concord(j) for j in self._scope(words))

    @staticmethod
    def _negative(words: Sequence[str], j: int) -> str | None:
        """The negative-concord form of the word at ``j``, or ``None`` (also before "but", where
        "nothing but", "nobody but", "none but" would mean "only")."""
        word, after = words[j], at(words, j + 1)
        if word in _CONCORD:
            new = _CONCORD[word]
        elif word == "any":
            pronoun_use = not after or after == "of" or after in BOUNDARIES or after in SUBJECT_ONLY
            new = "none" if pronoun_use else "no"
        else:
            return None
        return None if after == "but" and new in ("nothing", "nobody", "none") else new
