"""How the identity suite reads and rewrites a text: whole words, their spans, capitalisation and
the article before a replaced word.

Words are runs of letters, so "he" is not found in "the", nor "man" in "manage", and the
apostrophe-less forms of the dataset ("he s") are separate words. A rewrite keeps every other
character of the text as it was.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterable, Mapping, Sequence

_WORD = re.compile(r"[A-Za-z]+")
#: The gendered third-person pronouns.
GENDERED_PRONOUNS = frozenset("he she him her his hers himself herself hes shes".split())
#: Words that begin with a vowel letter but a consonant sound ("a european", "a uk visa").
_CONSONANT_SOUND = re.compile(r"^(?:eu|uni|use|usu|uk|one|once)")
_VOWEL_SOUND = re.compile(r"^(?:[aeiou]|hour|honest|heir)")


def _match_case(original: str, new: str) -> str:
    """``new`` in the capitalisation of ``original`` (lower, Capitalised or UPPER)."""
    if len(original) > 1 and original.isupper():
        return new.upper()
    return new[:1].upper() + new[1:] if original[0].isupper() else new


def indefinite_article(word: str) -> str:
    """The indefinite article before ``word``: "an american", "a mexican", "a european"."""
    return "an" if _VOWEL_SOUND.match(word) and not _CONSONANT_SOUND.match(word) else "a"


def phrases(raw: Iterable[str]) -> frozenset[tuple[str, ...]]:
    """Word sequences from space-separated phrases ("oh boy" -> ("oh", "boy"))."""
    return frozenset(tuple(phrase.split()) for phrase in raw)


def has_phrase(words: Sequence[str], table: frozenset[tuple[str, ...]]) -> bool:
    """Whether any phrase of ``table`` occurs in ``words`` as a whole word sequence."""
    lengths = {len(p) for p in table}
    return any(tuple(words[i:i + n]) in table for n in lengths for i in range(len(words) - n + 1))


@dataclass(frozen=True)
class Tokens:
    """The whole words of a text: lowercase ``words`` and their ``spans`` in ``text``.

    Words are runs of letters, so "he" is not found in "the", nor "man" in "manage", and the
    apostrophe-less forms of the dataset ("he s") are separate words.
    """

    text: str
    words: tuple[str, ...]
    spans: tuple[tuple[int, int], ...]

    @classmethod
    def of(cls, text: str) -> Tokens:
        matches = list(_WORD.finditer(text))
        return cls(text, tuple(m.group().lower() for m in matches), tuple(m.span() for m in matches))

    def at(self, i: int) -> str | None:
        """The word at ``i``, ``None`` before the first or after the last."""
        return self.words[i] if 0 <= i < len(self.words) else None

    def rewrite(self, edits: Mapping[int, str]) -> str:
        """The text with ``edits`` (``{word index: new lowercase words}``; ``""`` deletes the word
        and the space before it) in the capitalisation of the words they replace, and "a"/"an"
        repaired before every replaced word ("a korean friend" -> "an american friend")."""
        edits = dict(edits)
        for i, new in list(edits.items()):
            article = self.at(i - 1)
            if new and article in ("a", "an") and (i - 1) not in edits and indefinite_article(new) != article:
                edits[i - 1] = indefinite_article(new)
        parts: list[str] = []
        last = 0
        for i, (start, end) in enumerate(self.spans):
            if i not in edits:
                continue
            if edits[i]:
                parts += [self.text[last:start], _match_case(self.text[start:end], edits[i])]
            else:
                parts.append(self.text[last:self.spans[i - 1][1]] if i else "")
            last = end
        return "".join(parts) + self.text[last:]
