"""Identity terms of one attribute (religion, nationality) by group and grammatical form.

A term is found as the longest match of a group's words at each position; whether it is an
identity at all depends on its context: a word or phrase tied to one group, a fixed phrase, or a
noun after it naming a work, team or public figure ("a korean drama") makes it something else.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Mapping, Sequence

from .text import Tokens, has_phrase, phrases

#: A word in -s, which cannot head a noun phrase after "a"/"every": "an atheist means" is a noun.
PLURAL_OR_VERB = re.compile(r"[^s]s$")


@dataclass(frozen=True)
class Term:
    """An identity term found in a text: words ``start:end``, its group and possible forms."""

    start: int
    end: int
    group: str
    forms: frozenset[str]


class TermTable:
    """Identity terms of one attribute by group and form, and the contexts in which they are not
    identities (``identity_groups.yaml``)."""

    def __init__(self, attribute: str, raw: Mapping[str, Any]) -> None:
        self.attribute = attribute
        #: ``{group: {form: terms}}``, groups in file order (the first is the reference group).
        self.groups = {group: {form: tuple(words) for form, words in forms.items()}
                       for group, forms in raw["groups"].items()}
        not_recognised = set(raw.get("not_recognised", ()))
        self._lookup: dict[tuple[str, ...], tuple[str, set[str]]] = {}
        for group, forms in self.groups.items():
            for form, words in forms.items():
                for word in set(words) - not_recognised:
                    self._lookup.setdefault(tuple(word.split()), (group, set()))[1].add(form)
        self._longest = max(len(k) for k in self._lookup)
        self.fixed_before = frozenset(raw.get("fixed_before", ()))
        self.fixed_after = frozenset(raw.get("fixed_after", ()))
        self.fixed_phrases = phrases(raw.get("fixed_phrases", ()))
        self.skip_words = frozenset(raw.get("skip_words", ()))
        self.works_after = frozenset(raw.get("works_after", ()))

    def terms(self, words: Sequence[str]) -> list[Term]:
        """The terms in ``words``, left to right, each the longest match at its position."""
        found: list[Term] = []
        i = 0
        while i < len(words):
            for n in range(min(self._longest, len(words) - i), 0, -1):
                hit = self._lookup.get(tuple(words[i:i + n]))
                if hit is not None:
                    found.append(Term(i, i + n, hit[0], frozenset(hit[1])))
                    i += n
                    break
            else:
                i += 1
        return found

    def fixed(self, tokens: Tokens, terms: Sequence[Term], function_words: frozenset[str]) -> bool:
        """Whether the text has a word or phrase that makes its terms something else than an
        identity (a group-specific word, a fixed phrase, a word next to a term, a work noun among
        the two words after one: :meth:`describes_work`)."""
        return (any(w in self.skip_words for w in tokens.words) or has_phrase(tokens.words, self.fixed_phrases)
                or any(tokens.at(t.start - 1) in self.fixed_before or tokens.at(t.end) in self.fixed_after
                       or self.describes_work(tokens, t, function_words) for t in terms))

    def describes_work(self, tokens: Tokens, term: Term, function_words: frozenset[str]) -> bool:
        """Whether ``term`` modifies a noun of ``works_after`` (a work, medium, genre, public
        figure, person of the news, team or institution), directly or across one modifier ("a
        korean drama", "a korean tv drama", "the indian cricket team", "korean attack victim"). A
        function word or a plural ends the noun phrase before the second word: "my korean friends
        show me" is about friends."""
        after, then = tokens.at(term.end), tokens.at(term.end + 1)
        modifier = after is not None and after not in function_words and not PLURAL_OR_VERB.search(after)
        return after in self.works_after or (modifier and then in self.works_after)

    def adjective(self, group: str) -> str:
        """The adjective a frame uses for ``group`` ("muslim", "nigerian")."""
        return self.groups[group]["adjective"][0]

    def produce(self, group: str, form: str) -> str | None:
        """The term a swap writes for ``group`` in ``form`` (its first term of that form), or
        ``None`` when the group has none. A plural without -s ("chinese", "japanese") is a plural
        noun only after "the" ("the chinese are"), not in "dating between chinese": it is written
        "<adjective> people" ("dating between chinese people"), natural in every context."""
        terms = self.groups[group].get(form)
        if not terms:
            return None
        if form == "plural" and not terms[0].endswith("s"):
            return f"{self.adjective(group)} people"
        return terms[0]
