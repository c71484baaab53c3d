"""What a word can be (a noun, a verb, an adjective, an English word at all), from the training
texts, and how "her" and "his" read in context.

A swap must know whether "her" is an object or a possessive before it can write "him" or "his",
and whether an unknown word after a first name is a surname. Both are read from
``identity_words.tsv``: counts of the contexts each word occurs in in the training texts and an
English word list (:class:`WordUse`).
"""
from __future__ import annotations

import re
from typing import Any, Iterable, Mapping, Sequence

from .text import Tokens

#: Endings of the dataset's apostrophe-less contractions ("wasnt", "weve", "youre", "itll", "theyd").
_CLITIC = re.compile(r"(?:nt|ve|re|ll|d)$")
#: Endings of nouns (plurals, -ment, -tion, ...): an unseen word with one after "her" is a noun.
_NOUN_ENDING = re.compile(r"(?:[^s]s|ment|tion|sion|ness|ity|ship|hood|ance|ence|ism)$")


class WordUse:
    """What a word can be, from where it occurs in the training texts and whether an English
    word list has it (``identity_words.tsv``), and a closed list of function words (which never
    begin a noun phrase)."""

    def __init__(self, rows: Sequence[Mapping[str, str]], function_words: Iterable[str]) -> None:
        columns = ("after_determiner", "after_object", "after_modal", "after_feel")
        counts = {row["word"]: tuple(int(row[c]) for c in columns) for row in rows}
        #: Context counts of the words seen at least twice in them (fewer is read as unseen).
        self.counts = {word: c for word, c in counts.items() if sum(c) >= 2}
        #: The lowercase entries of an English word list.
        self.dictionary = frozenset(row["word"] for row in rows if row["dictionary"] == "1")
        self.function_words = frozenset(function_words)

    def _count(self, word: str) -> tuple[int, int, int, int]:
        return self.counts.get(word, (0, 0, 0, 0))

    def known(self, word: str) -> bool:
        """Whether the table counts ``word`` in its contexts."""
        return word in self.counts

    def english(self, word: str) -> bool:
        """An English word: an entry of the word list, a word counted in the contexts, a function
        word, or the dataset's apostrophe-less contraction of one ("wasnt", "weve", "wouldve");
        not a name such as "kivinen" or "munroe"."""
        clitic = _CLITIC.search(word)
        return (word in self.dictionary or word in self.counts or word in self.function_words
                or (clitic is not None and clitic.start() > 0 and self.english(word[:clitic.start()])))

    def starts_noun_phrase(self, word: str | None) -> bool:
        """A content word seen after determiners, at least three times as often as after an
        object pronoun: a noun or adjective ("phone", "sweet", "own")."""
        det, obj, _, _ = self._count(word or "")
        return word not in self.function_words and det >= 1 and det >= 3 * obj

    def follows_modal(self, word: str) -> bool:
        """Seen after a modal or negated auxiliary ("will be", "would never", "cant stop")."""
        return self._count(word)[2] >= 1

    def mostly_after_modals(self, word: str) -> bool:
        """Seen after modals at least twice and at least as often as after determiners and
        objects together: a bare verb or an adverb of the verb phrase ("be", "never", "say"),
        not a word that follows modals only by a slip ("would of", "could a")."""
        det, obj, modal, _ = self._count(word)
        return modal >= 2 and modal >= det + obj

    def follows_objects(self, word: str) -> bool:
        """Seen after object pronouns at least twice and four times as often as after determiners."""
        det, obj, _, _ = self._count(word)
        return obj >= 2 and obj >= 4 * det

    def verb(self, word: str) -> bool:
        """A bare verb (seen after a modal) or an -ing form."""
        return self.follows_modal(word) or word.endswith("ing")

    def verb_in_s(self, word: str) -> bool:
        """A third-person verb form: an -s word whose stem is a bare verb ("tells", "means")."""
        return word.endswith("s") and self._count(word[:-1])[2] >= 1

    def modifier_in_ly(self, word: str) -> bool:
        """An -ly adverb or adjective ("tightly", "lovely"), not an -ly noun ("family", "belly":
        seen after determiners at least five times and three times as often as elsewhere)."""
        det, obj, _, feel = self._count(word)
        return word.endswith("ly") and not (det >= 5 and det >= 3 * (obj + feel))

    def noun_in_ing(self, word: str) -> bool:
        """An -ing noun ("wedding", "morning"), seen after determiners at least twice and at least
        as often as after feel/be (where the -ing forms of verbs occur: "feeling", "talking")."""
        det, _, _, feel = self._count(word)
        return det >= 2 and det >= feel

    def noun_reading(self, word: str) -> bool:
        """Seen after determiners at least as often as after object pronouns: where no causative
        verb comes before, "her laugh" and "her smile" are possessive although "made me laugh"
        is common."""
        det, obj, _, _ = self._count(word)
        return word not in self.function_words and det >= 1 and det >= obj

    def adjective(self, word: str) -> bool:
        """A predicative adjective: seen after feel/be/so/very at least half as often as after a
        determiner ("happy", "separate"; not "day")."""
        det, _, _, feel = self._count(word)
        return not word.endswith("ing") and feel >= 1 and 2 * feel >= det


class PronounReader:
    """Reads "her" as an object or a possessive, and "his" as a determiner or a pronoun.

    "her" before the end or a function word is an object ("told her that" -> "him"); before a
    word that starts a noun phrase it is possessive ("her phone" -> "his", and "her laugh" where no
    causative verb comes before); after a causative verb it is an object before a verb or
    adjective ("made her smile/happy" -> "him"); after a verb of perception or one with two
    objects it reads both ways before a noun ("saw her smile", "gave her flowers"). Words such as
    "very" or "first", and -ly words, are decided by the word after them ("her very own" / "love
    her very much", "her lovely smile" / "hugged her tightly"; not before a time noun: "her first
    day" / "met her last year"). An unseen word is a noun by its ending ("her squeals", "her
    engagement"); an -ing word is possessive only when it is a noun ("her wedding", not "looked at
    her feeling"). A text ending in a noun and "her" is cut off ("making these images her").
    Where none of this decides, :meth:`her` returns ``None`` and the text is skipped. "his" is
    "hers" at the end or before a function word ("it was his"), else "her".
    """

    def __init__(self, raw: Mapping[str, Any], use: WordUse) -> None:
        self.use = use
        self.ambiguous = frozenset(raw["her_ambiguous_before"])
        self.time_words = frozenset(raw["her_time_words"])
        self.causative = frozenset(raw["her_causative_after"])
        self.two_way = frozenset(raw["her_two_way_after"])

    def her(self, tokens: Tokens, i: int) -> str | None:
        """"him", "his", or ``None`` when "her" at ``i`` cannot be read either way."""
        use = self.use
        before, after, then = tokens.at(i - 1), tokens.at(i + 1), tokens.at(i + 2)
        previous = before or ""
        if after is None and use.starts_noun_phrase(previous) and not (use.verb(previous) or previous.endswith("ed")):
            return None  # a cut-off text: "making these images her"
        if after is None or after in use.function_words:
            return "him"
        if after in self.ambiguous or use.modifier_in_ly(after):
            if then is None or then in use.function_words:
                return "him"
            return "his" if use.starts_noun_phrase(then) and then not in self.time_words else None
        noun = use.starts_noun_phrase(after)
        if before in self.causative and (use.verb(after) or use.adjective(after)):
            return "him"
        if before in self.two_way:
            return "him" if use.verb(after) and not noun else None
        if after.endswith("ing"):
            return "his" if noun and use.noun_in_ing(after) else None
        if use.noun_reading(after):
            return "his"
        if use.follows_objects(after):
            return "him"
        return "his" if not use.known(after) and _NOUN_ENDING.search(after) else None

    def his(self, tokens: Tokens, i: int) -> str:
        """"hers" at the end or before a function word, else "her"."""
        after = tokens.at(i + 1)
        return "hers" if after is None or after in self.use.function_words else "her"
