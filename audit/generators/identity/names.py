"""First names by race and gender, and when a recognised name cannot be swapped.

A name is swapped for one of the same gender and another race (or the same race and the other
gender) only where it names a person by a first name alone: not in a full name ("paul walker"),
after a title ("st paul") or in an idiom ("rob peter to pay paul").
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping

from ...errors import AuditError
from .text import GENDERED_PRONOUNS, Tokens, has_phrase, phrases
from .word_use import WordUse


@dataclass(frozen=True)
class NameGroup:
    """First names of one (race, gender) group: ``names`` are produced, ``recognised`` found."""

    race: str
    gender: str
    names: tuple[str, ...]
    recognised: frozenset[str]


class NameBook:
    """First names by race and gender (``identity_names.yaml``), other names that are only
    recognised (``common_words``, ``other_names``) so that a swap can skip texts naming them, and
    what makes a recognised name part of a longer name (``titles``, ``surnames``,
    ``fixed_phrases``: :meth:`skip_reason`)."""

    def __init__(self, raw: Mapping[str, Any]) -> None:
        self.titles = frozenset(raw.get("titles", ()))
        self.surnames = frozenset(raw.get("surnames", ()))
        self.fixed_phrases = phrases(raw.get("fixed_phrases", ()))
        common = set(raw.get("common_words", ()))
        self.groups = [
            NameGroup(g["race"], g["gender"], tuple(g["names"]),
                      frozenset(g["names"]) | frozenset(g.get("more_names", ())))
            for g in raw["groups"].values()
        ]
        self._by_name = {name: g for g in self.groups for name in g.recognised - common}
        self._by_race_gender = {(g.race, g.gender): g for g in self.groups}
        #: Names no swap replaces: the common words and the other names.
        self.other = frozenset(raw.get("other_names", ())) | common
        #: Races in file order; the first is the reference group of the templates.
        self.races = list(dict.fromkeys(g.race for g in self.groups))

    def group_of(self, word: str | None) -> NameGroup | None:
        """The group of a recognised first name (lowercase), else ``None``."""
        return self._by_name.get(word or "")

    def is_name(self, word: str | None) -> bool:
        """Any first name this book knows, swappable or not."""
        return word in self._by_name or word in self.other

    def surname_like(self, word: str | None, use: WordUse) -> bool:
        """Whether ``word`` after a first name makes a full name: a surname ("walker", "young"),
        another first name, or a word that is not an English word (:meth:`WordUse.english`:
        "dickinson") or is a noun in the training texts ("andrew bird", "the ryan family"); not a
        function word or a verb form ("paul will", "paul said", "emily looks", "peter feeling")."""
        if word is None or word in use.function_words or word in GENDERED_PRONOUNS or word == "s":
            return False
        if word in self.surnames or self.is_name(word):
            return True
        if use.verb(word) or use.verb_in_s(word) or word.endswith("ed"):
            return False
        return not use.english(word) or use.starts_noun_phrase(word)

    def skip_reason(self, tokens: Tokens, use: WordUse) -> str | None:
        """Why the recognised first names of a text cannot be swapped, if they cannot: one is in
        an idiom ("rob peter to pay paul"), or part of a full name or title, so it names a
        particular person ("paul walker", "les paul", "st paul")."""
        names = [i for i, w in enumerate(tokens.words) if self.group_of(w) is not None]
        if names and has_phrase(tokens.words, self.fixed_phrases):
            return "name in a fixed phrase"
        if any(tokens.at(i - 1) in self.titles or self.is_name(tokens.at(i - 1))
               or self.surname_like(tokens.at(i + 1), use) for i in names):
            return "full name or title"
        return None

    def counterpart(self, group: NameGroup, *, race: str | None = None, gender: str | None = None) -> NameGroup:
        """The group of ``race`` and ``gender`` (each defaulting to ``group``'s)."""
        key = (race or group.race, gender or group.gender)
        if key not in self._by_race_gender:
            raise AuditError(f"identity names: no {key[0]} {key[1]} names")
        return self._by_race_gender[key]
