"""The swaps of one identity attribute in a test text: race (first names) and religion or
nationality (identity terms); the gender swap, which reads pronouns, is :mod:`.gender`.

A swap changes only who a text is about. Where it would change something else, its result says
why (``meta["skip"]``) and the suite skips the text whole, never half-swapped.
"""
from __future__ import annotations

import random
from abc import abstractmethod
from typing import Sequence

from ..base import Perturbation, Perturbed
from .names import NameBook
from .terms import PLURAL_OR_VERB, Term, TermTable
from .text import Tokens
from .word_use import WordUse

#: Words before an identity adjective that make it a predicate ("i am american", "proud to be
#: british", "born mexican"), where it keeps its adjective form.
_PREDICATE_BEFORE = frozenset(
    "am is are was were be been being im feel feels felt feeling look looks looked seem seems seemed "
    "so very too proud born become became half fully truly really not more most quite".split())
#: Words before an identity word used as a singular person noun ("an american", "every german").
_SINGULAR_BEFORE = frozenset("a an one another every each any no".split())
#: Words before an identity word used as a collective noun when no noun follows ("the chinese are").
_COLLECTIVE_BEFORE = frozenset("the these those many some most all other fellow".split())


def pick(chosen: dict[str, str], word: str, pool: Sequence[str], rng: random.Random) -> str:
    """A seeded choice from ``pool`` for ``word``, the same for every occurrence in one text."""
    if word not in chosen:
        chosen[word] = rng.choice(pool)
    return chosen[word]


class IdentitySwap(Perturbation):
    """A swap of one identity attribute; its result says which groups the text is about before
    (``source_group``) and after (``group``)."""

    def __init__(self, attribute: str) -> None:
        self.attribute = attribute
        self.meta = {"attribute": attribute, "origin": "test", "role": "counterfactual"}

    @abstractmethod
    def perturb(self, text: str, rng: random.Random) -> Perturbed | None:
        """The swapped text with its groups, or ``None`` when the rule does not apply or the text
        is skipped (see the module docstring)."""


class RaceSwap(IdentitySwap):
    """Replace first names of other races by names of ``race``, keeping their gender."""

    def __init__(self, race: str, names: NameBook, use: WordUse) -> None:
        super().__init__("race")
        self.race = race
        self.names = names
        self.use = use
        self.name = f"race_to_{race}"

    def perturb(self, text: str, rng: random.Random) -> Perturbed | None:
        tokens = Tokens.of(text)
        skip = self.names.skip_reason(tokens, self.use)
        chosen: dict[str, str] = {}
        edits: dict[int, str] = {}
        sources: list[str] = []
        for i, word in enumerate(tokens.words):
            group = self.names.group_of(word)
            if group is not None and group.race != self.race:
                edits[i] = pick(chosen, word, self.names.counterpart(group, race=self.race).names, rng)
                sources.append(group.race)
        if not edits:
            return None
        return Perturbed(tokens.rewrite(edits), {"source_group": sources[0], "group": self.race,
                                                 **({"skip": skip} if skip else {})})


class TermSwap(IdentitySwap):
    """Replace the terms of another group of an attribute by ``group``'s term of the same form.

    The form is read from the context: a plural, country or faith term keeps its form; an
    adjective-form word is an adjective before a noun ("chinese food") or after a predicate ("i am
    british"), a singular noun after "a"/"every" unless a singular noun follows ("an american" ->
    "a mexican", "every german was", "an atheist means"), a collective after
    "the" ("the chinese are" -> "the mexicans are"), and otherwise unreadable (the text is skipped;
    "i love chinese", "in japanese"). A plural without -s is written "<adjective> people"
    ("dating between koreans" -> "dating between chinese people": :meth:`TermTable.produce`). A
    country before a noun ("uk politics", "china cabinet") is
    skipped too. Texts with terms of two groups, or of the target group, are skipped, as are those
    :meth:`TermTable.fixed` names.
    """

    def __init__(self, table: TermTable, group: str, use: WordUse) -> None:
        super().__init__(table.attribute)
        self.table = table
        self.group = group
        self.use = use
        self.name = f"{table.attribute}_to_{group}"

    def form(self, tokens: Tokens, term: Term) -> str | None:
        """The form ``term`` is used in, or ``None`` when the context does not tell."""
        before, after = tokens.at(term.start - 1), tokens.at(term.end)
        noun_follows = after is not None and after not in self.use.function_words and (
            self.use.starts_noun_phrase(after) or not (self.use.known(after) or self.use.verb_in_s(after)))
        if "adjective" not in term.forms and "noun" not in term.forms:
            if len(term.forms) != 1 or ("country" in term.forms and noun_follows):
                return None
            return next(iter(term.forms))
        if before in _SINGULAR_BEFORE and (not noun_follows or PLURAL_OR_VERB.search(after or "")):
            return "noun"
        if noun_follows or before in _PREDICATE_BEFORE:
            return "adjective"
        if before in _COLLECTIVE_BEFORE and (after is None or after in self.use.function_words):
            return "plural" if "plural" in term.forms or before != "the" else "noun"
        return None

    def perturb(self, text: str, rng: random.Random) -> Perturbed | None:
        tokens = Tokens.of(text)
        terms = self.table.terms(tokens.words)
        groups = {t.group for t in terms}
        if not groups - {self.group}:
            return None
        skip = ("two groups" if len(groups) > 1
                else "fixed context" if self.table.fixed(tokens, terms, self.use.function_words) else None)
        edits: dict[int, str] = {}
        for term in terms:
            form = self.form(tokens, term)
            new = None if form is None else self.table.produce(self.group, form)
            if new is None:
                skip, new = skip or "form unreadable", self.table.adjective(self.group)
            edits[term.start] = new
            edits.update({k: "" for k in range(term.start + 1, term.end)})
        meta = {"source_group": terms[0].group, "group": self.group, **({"skip": skip} if skip else {})}
        return Perturbed(tokens.rewrite(edits), meta)
