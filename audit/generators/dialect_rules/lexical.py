"""Word-level rewrites: British spelling and internet abbreviations.

Both change a word's form and nothing else ("color" -> "colour", "you" -> "u"), so they apply in
every register their variety is written in.
"""
from __future__ import annotations

import random
from typing import Any, Callable, Iterable, Mapping, Sequence

from .rule import TokenRule
from .text import substitute


class BritishSpelling(TokenRule):
    """US to UK spelling, word by word, through ``respell`` (e.g. breame's table): "color" ->
    "colour", "realize" -> "realise". Words in ``excluded`` are kept (context-dependent or
    archaic entries such as "practice" or "connection"). ``unspell`` maps a UK spelling back
    to the US one, which tells whether a text is already in British spelling."""

    def __init__(self, name: str, meta: Mapping[str, Any], respell: Callable[[str], str],
                 unspell: Callable[[str], str], excluded: Iterable[str]) -> None:
        super().__init__(name, meta)
        self.respell = respell
        self.unspell = unspell
        self.excluded = frozenset(excluded)

    def rewrite(self, tokens: list[str], words: list[str], rng: random.Random) -> list[str] | None:
        def match(w: Sequence[str], i: int) -> tuple[int, list[str]] | None:
            if " " in tokens[i] or w[i] in self.excluded:
                return None
            uk = self.respell(w[i])
            return (1, [uk]) if uk != w[i] else None
        return substitute(tokens, words, match)

    def shows(self, words: Sequence[str]) -> bool:
        return any(self.unspell(w) != w and self.unspell(w) not in self.excluded for w in words)


class Abbreviation(TokenRule):
    """Internet-register abbreviations from a phrase table: "you" -> "u", "i dont know" -> "idk",
    "because" -> "cuz" or "bc" (the rng picks among a phrase's alternatives). Longest phrase wins."""

    def __init__(self, name: str, meta: Mapping[str, Any],
                 table: Mapping[tuple[str, ...], Sequence[str]]) -> None:
        super().__init__(name, meta)
        self.table = dict(table)
        self.longest = max((len(k) for k in self.table), default=0)
        self.forms = frozenset(f for forms in self.table.values() for f in forms)

    def rewrite(self, tokens: list[str], words: list[str], rng: random.Random) -> list[str] | None:
        def match(w: Sequence[str], i: int) -> tuple[int, list[str]] | None:
            for n in range(min(self.longest, len(w) - i), 0, -1):
                choices = self.table.get(tuple(w[i:i + n]))
                if choices:
                    return n, [rng.choice(choices)]
            return None
        return substitute(tokens, words, match)

    def shows(self, words: Sequence[str]) -> bool:
        return bool(self.forms & set(words))
