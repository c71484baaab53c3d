"""What every dialect rule is, and the gates that keep rules out of registers they do not fit.

A :class:`TokenRule` rewrites a text's tokens and says whether a text *already* shows its feature
(:meth:`TokenRule.shows`), which measures how much of a variety a training set holds. Vernacular
grammar, particles and slang belong to informal personal writing: a :class:`RegisterGate` keeps one
rule away from formal, public or solemn texts, and an :class:`InformalGate` keeps a whole variety
to texts that read as informal personal writing.
"""
from __future__ import annotations

import random
from abc import abstractmethod
from dataclasses import dataclass
from typing import Any, Mapping, Sequence

from ..base import Perturbation
from .text import contains, fuse, tokenize


@dataclass(frozen=True)
class RegisterGate:
    """Texts whose register an informal rule does not fit: texts holding a marker word or phrase
    of a formal, public or solemn register ("honoured to", "prime minister", "trafficking"), or
    longer than ``max_words`` words. Slang or vernacular grammar in a public speech, a formal
    thank-you or an earnest text about abuse reads as a caricature or makes the text flippant,
    which changes what it says, so such texts are left alone."""

    words: frozenset[str] = frozenset()
    phrases: tuple[tuple[str, ...], ...] = ()
    max_words: int | None = None

    def excludes(self, words: Sequence[str]) -> bool:
        """True when the (fused) words are out of the informal register."""
        return ((self.max_words is not None and len(words) > self.max_words)
                or not self.words.isdisjoint(words) or any(contains(words, p) for p in self.phrases))


@dataclass(frozen=True)
class InformalGate:
    """Whether a text reads as informal personal writing, the only register into which a
    variety's vernacular grammar, particles or slang can be put without changing what the text
    is ("i feeling uncertain of the merits of posting" turns formal prose into a caricature).

    A text fails the gate, with the reason :meth:`reason` names, when it is longer than
    ``max_words`` words (a composed text); holds a reporter frame (a reporting verb followed by a
    word that is not a pronoun or function word, i.e. a name: "explained schaub", or a phrase
    such as "in an interview"); holds markup debris (a word starting "href", "http"..., or a
    link attribute phrase such as "target blank"); holds a formal or
    literary word, or more than ``max_long_words`` words of ``long_word`` letters or more; or
    opens a scripted formula ("i forgive myself that")."""

    max_words: int
    formal_words: frozenset[str]
    long_word: int
    max_long_words: int
    reporter_verbs: frozenset[str]
    not_names: frozenset[str]
    reporter_phrases: tuple[tuple[str, ...], ...]
    markup: tuple[str, ...]
    markup_phrases: tuple[tuple[str, ...], ...]
    scripted: tuple[tuple[str, ...], ...]

    def reason(self, words: Sequence[str]) -> str | None:
        """Why the (fused) words are not informal personal writing, or ``None`` when they are."""
        if len(words) > self.max_words:
            return "long"
        if self._reported(words):
            return "reporter_frame"
        if any(w.startswith(self.markup) for w in words) or \
                any(contains(words, p) for p in self.markup_phrases):
            return "markup"
        if not self.formal_words.isdisjoint(words) or \
                sum(len(w) >= self.long_word for w in words) > self.max_long_words:
            return "formal"
        if any(list(words[:len(p)]) == list(p) for p in self.scripted):
            return "scripted"
        return None

    def _reported(self, words: Sequence[str]) -> bool:
        """A reporting verb followed by a name, or a reporter's phrase."""
        named = any(w in self.reporter_verbs and nxt not in self.not_names
                    for w, nxt in zip(words, words[1:]))
        return named or any(contains(words, p) for p in self.reporter_phrases)


class TokenRule(Perturbation):
    """A rule that rewrites a text's tokens. ``meta`` carries ``variety`` and ``ewave`` (the eWAVE
    feature numbers the rule implements, empty when it implements none). A rule with a
    ``register`` gate (:meth:`gated`) leaves the texts the gate excludes alone."""

    register: RegisterGate | None = None

    def __init__(self, name: str, meta: Mapping[str, Any]) -> None:
        self.name = name
        self.meta = dict(meta)

    def gated(self, register: RegisterGate) -> "TokenRule":
        """This rule, restricted to texts of an informal register (returns ``self``)."""
        self.register = register
        return self

    def perturb(self, text: str, rng: random.Random) -> str | None:
        tokens = tokenize(text)
        words = [fuse(t) for t in tokens]
        if self.register is not None and self.register.excludes(words):
            return None
        new = self.rewrite(tokens, words, rng)
        if new is None:
            return None
        out = " ".join(new)
        return out if out != text else None

    @abstractmethod
    def rewrite(self, tokens: list[str], words: list[str], rng: random.Random) -> list[str] | None:
        """New tokens, or ``None`` where the rule does not apply. ``words`` are the fused tokens."""

    @abstractmethod
    def shows(self, words: Sequence[str]) -> bool:
        """True when the (fused) words already show this rule's feature, e.g. a training text
        that already has negative concord. A detector of the rule's *output* pattern, kept
        conservative: where a form is also standard English it is not counted."""
