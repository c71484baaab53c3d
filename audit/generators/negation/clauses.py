"""The clause rules: which first-person feeling clause heads the suite negates, and how.

Each rule (:class:`ClauseNegation`) recognises one kind of head ("i feel", "i felt", "i do feel",
"i am", "im", "i was", "ive been", "made me feel") and says how it reads negated; the shared
:class:`~.matcher.ClauseMatcher` finds the text's first feeling clause and decides whether it
negates cleanly. :func:`negated_head_at` recognises a head that is negated already, which the
training evidence counts.
"""
from __future__ import annotations

import random
from abc import abstractmethod
from dataclasses import dataclass
from typing import TYPE_CHECKING, Sequence

from ..base import Perturbation, Perturbed
from ..lexicon import WRITER_SUBJECTS, has_negation
from .scope import negated_aux
from .words import (CAUSATIVE_VERBS, COPULAS, NEGATED_CAUSATIVES, NEGATED_HEAD_WORDS, NO_CAUSATIVE_NEGATION,
                    PRE_NOT_ADVERBS, PRE_VERB_ADVERBS)

if TYPE_CHECKING:
    from .matcher import ClauseMatcher


@dataclass(frozen=True)
class Rewrite:
    """Replace ``tokens[start:end]`` (a feeling clause's head) by ``replacement``; the clause's
    complement starts at ``complement``."""

    start: int
    end: int
    replacement: tuple[str, ...]
    complement: int


class ClauseNegation(Perturbation):
    """Negates the text's first feeling clause, when that clause is of this rule's kind.

    Subclasses say, in :meth:`match`, whether a clause head of their kind starts at a token and
    how it reads negated; ``copular`` rules let "feeling"/"getting" precede the emotion word. The
    shared :class:`ClauseMatcher` finds the first feeling clause and decides whether it negates
    cleanly.
    """

    copular: bool = False

    def __init__(self, matcher: ClauseMatcher) -> None:
        self.matcher = matcher

    @classmethod
    @abstractmethod
    def match(cls, tokens: Sequence[str], i: int, split: bool) -> Rewrite | None:
        """The rewrite negating a clause head of this kind that starts at ``tokens[i]``, or
        None."""

    def perturb(self, text: str, rng: random.Random) -> Perturbed | None:
        """The text with its first feeling clause negated, or None when that clause is not of this
        kind, cannot be negated cleanly, is negated already, or the text has none."""
        clause = self.matcher.first_clause(text)
        if clause is None or clause.rule != self.name or clause.text is None:
            return None
        return Perturbed(clause.text, {"negated_word": clause.complement.word,
                                       "negated_class": "+".join(clause.complement.labels)})


class _SubjectVerb(ClauseNegation):
    """"i [adverb] <verb>" -> "i [adverb] <negated aux> feel"; "always" becomes "never"."""

    verb: str
    aux: str

    @classmethod
    def match(cls, tokens: Sequence[str], i: int, split: bool) -> Rewrite | None:
        if tokens[i] != "i":
            return None
        j = i + 1
        adverb = tokens[j:j + 1] if tokens[j:j + 1] and tokens[j] in PRE_VERB_ADVERBS else []
        j += len(adverb)
        if tokens[j:j + 1] != [cls.verb]:
            return None
        if adverb == ["always"]:
            return Rewrite(i, j + 1, ("i", "never", cls.verb), j + 1)
        return Rewrite(i, j + 1, ("i", *adverb, *negated_aux(cls.aux, split), "feel"), j + 1)


class FeelPresent(_SubjectVerb):
    """"i feel" -> "i dont feel"; "i just feel" -> "i just dont feel"; "i always feel" -> "i never
    feel"."""

    name = "i_feel"
    verb = "feel"
    aux = "do"


class FeelPast(_SubjectVerb):
    """"i felt" -> "i didnt feel"; "i still felt" -> "i still didnt feel"."""

    name = "i_felt"
    verb = "felt"
    aux = "did"


class ModalFeel(ClauseNegation):
    """"i do feel" -> "i dont feel"; likewise "did", "can". Hypothetical and deontic modals (would,
    should, could, will) are left alone: "i shouldnt feel guilty" says nothing of what the
    speaker feels."""

    name = "modal_feel"
    modals = ("do", "did", "can")

    @classmethod
    def match(cls, tokens: Sequence[str], i: int, split: bool) -> Rewrite | None:
        head = tokens[i:i + 3]
        if len(head) == 3 and head[0] == "i" and head[1] in cls.modals and head[2] == "feel":
            return Rewrite(i, i + 3, ("i", *negated_aux(head[1], split), "feel"), i + 3)
        return None


class _Copula(ClauseNegation):
    """A copular head gets "not" after it; "still", "just" and "also" stay before the "not" ("im
    still not feeling")."""

    copular = True
    heads: tuple[tuple[str, ...], ...]

    @classmethod
    def negated_head(cls, head: tuple[str, ...], split: bool) -> tuple[str, ...]:
        """The head with its negation: "not" after it ("i am not"), unless a subclass fuses it
        ("i wasnt")."""
        return (*head, "not")

    @classmethod
    def match(cls, tokens: Sequence[str], i: int, split: bool) -> Rewrite | None:
        for head in cls.heads:
            j = i + len(head)
            if tuple(tokens[i:j]) != head:
                continue
            adverb = tokens[j:j + 1]
            if adverb and adverb[0] in PRE_NOT_ADVERBS:
                return Rewrite(i, j + 1, (*head, adverb[0], "not"), j + 1)
            return Rewrite(i, j, cls.negated_head(head, split), j)
        return None


class AmNot(_Copula):
    """"i am feeling" -> "i am not feeling"; "i am so happy" -> "i am not so happy"."""

    name = "i_am"
    heads = (("i", "am"),)


class ImNot(_Copula):
    """"im feeling" -> "im not feeling"; "i m so tired" -> "i m not so tired"."""

    name = "im"
    heads = (("im",), ("i", "m"))


class WasNot(_Copula):
    """"i was feeling" -> "i wasnt feeling"; "i was so scared" -> "i wasnt so scared"."""

    name = "i_was"
    heads = (("i", "was"),)

    @classmethod
    def negated_head(cls, head: tuple[str, ...], split: bool) -> tuple[str, ...]:
        return ("i", *negated_aux("was", split))


class HaventBeen(_Copula):
    """"ive been feeling" / "i have been feeling" -> "i havent been feeling"."""

    name = "ive_been"
    heads = (("ive", "been"), ("i", "ve", "been"), ("i", "have", "been"))

    @classmethod
    def negated_head(cls, head: tuple[str, ...], split: bool) -> tuple[str, ...]:
        return ("i", *negated_aux("have", split), "been")


class MadeMeFeel(ClauseNegation):
    """"it made me feel" -> "it didnt make me feel"; "makes me" -> "doesnt make me"; "they make me"
    -> "they dont make me" (followed by "feel" or directly by the emotion word)."""

    name = "made_me_feel"
    auxes = {"made": "did", "makes": "does", "make": "do"}

    @classmethod
    def match(cls, tokens: Sequence[str], i: int, split: bool) -> Rewrite | None:
        verb = tokens[i]
        if verb not in cls.auxes or tokens[i + 1:i + 2] != ["me"]:
            return None
        before = tokens[i - 1] if i > 0 else None
        if before in NO_CAUSATIVE_NEGATION or (verb == "make" and before is None):
            return None
        complement = i + 3 if tokens[i + 2:i + 3] == ["feel"] else i + 2
        return Rewrite(i, i + 1, (*negated_aux(cls.auxes[verb], split), "make"), complement)


#: Every clause rule, tried in this order at each position.
CLAUSE_RULES: tuple[type[ClauseNegation], ...] = (
    FeelPresent, FeelPast, ModalFeel, AmNot, ImNot, WasNot, HaventBeen, MadeMeFeel)


def negated_head_at(tokens: Sequence[str], i: int) -> tuple[int, bool, bool] | None:
    """An already negated feeling-clause head starting at ``tokens[i]``: ``(complement start,
    copular, says never)``, or None. "i dont feel", "i do not really feel", "i never felt", "im
    not", "i wasnt", "i havent been", "i don t feel", "didnt make me (feel)"."""
    for negator in NEGATED_CAUSATIVES:
        j = i + len(negator)
        if tuple(tokens[i:j]) == negator and tokens[j:j + 1] and tokens[j] in CAUSATIVE_VERBS \
                and tokens[j + 1:j + 2] == ["me"]:
            end = j + 3 if tokens[j + 2:j + 3] == ["feel"] else j + 2
            return end, False, negator == ("never",)
    if tokens[i] not in WRITER_SUBJECTS:
        return None
    k = i + 1
    while k < len(tokens) and k < i + 6 and tokens[k] in NEGATED_HEAD_WORDS:
        k += 1
    window = tokens[i + 1:k]
    if not has_negation(window):
        return None
    never = "never" in window
    if tokens[k:k + 1] and tokens[k] in ("feel", "felt"):
        return k + 1, False, never
    if tokens[i] == "im" or not COPULAS.isdisjoint(window):
        return k, True, never
    return None
