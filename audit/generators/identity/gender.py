"""The gender swap: every gendered word and first name of a text at once.

"he told her" becomes "she told him" and "paul said he" "emily said she": a name is swapped
together with its pronouns, and "her" is read as an object or a possessive
(:class:`~.word_use.PronounReader`). Texts whose gendered words are not only a person's gender
(fixed phrases, anatomy, a deity, forms of address, names no swap can replace ...) are skipped,
with the reason in ``meta["skip"]`` (:meth:`GenderSwap.skip_reason`).
"""
from __future__ import annotations

import random
from typing import Any, Mapping, Sequence

from ..base import Perturbed
from ..lexicon import PRIMARY_AUXILIARIES, SUBJECT_PRONOUNS
from .names import NameBook
from .swaps import IdentitySwap, pick
from .text import GENDERED_PRONOUNS, Tokens, has_phrase, phrases
from .word_use import PronounReader, WordUse

_OTHER_GENDER = {"male": "female", "female": "male"}
#: The male pronouns, which the dataset also uses, lowercased, for God.
_MALE_PRONOUNS = frozenset("he him his himself hes".split())
#: Verbs after a word that make it their subject ("yuuki is", "monroe said", "richie got"): the
#: finite forms of be and have, and common irregular past tenses (regular ones end in -ed).
_SUBJECT_VERBS = frozenset("is was has had said says got went told came took made gave felt thought knew saw "
                           "left kept ran sat stood did does".split())
#: Words after which "man"/"boy" is a form of address or an interjection ("you man", "yeah man",
#: "resolved but man", "and boy did they").
_ADDRESSEES = frozenset("i you he she we they it me him her us them yeah yes no hey oh ah aw lol dude "
                        "but and so well omg ugh damn haha".split())
#: Auxiliaries that, with a pronoun after them, make "man"/"boy" before them an interjection ("boy
#: did they feel weird", "man was i tired").
_INVERTED = PRIMARY_AUXILIARIES | {"can", "could", "will", "would"}
#: Words that coordinate two gendered words ("men and women", "mum or dad", "boys n girls").
_COORDINATORS = frozenset("and or n nor".split())
#: Plural nouns that, without a specifier before them, speak of a sex as a whole.
_GENERIC = frozenset("men women".split())
#: Words before "men"/"women" that make them particular people ("the men", "my women", "two men");
#: a quantifier does not ("many women say they feel unloved if ..." is still a claim about women).
_SPECIFIERS = frozenset("the these those my our your his her their its two three four five six".split())


def _gender_tables(pairs: Sequence[Sequence[str]]) -> tuple[dict[str, str], dict[str, str]]:
    """``(male -> female, female -> male)``; the first pair wins for each direction."""
    to_female: dict[str, str] = {}
    to_male: dict[str, str] = {}
    for male, female in pairs:
        to_female.setdefault(male, female)
        to_male.setdefault(female, male)
    return to_female, to_male


class GenderSwap(IdentitySwap):
    """Swap every gendered word and first name at once ("he told her" -> "she told him")."""

    name = "gender_swap"

    def __init__(self, raw: Mapping[str, Any], names: NameBook, use: WordUse) -> None:
        super().__init__("gender")
        self.to_female, self.to_male = _gender_tables(raw["pairs"])
        self.reader = PronounReader(raw, use)
        self.names = names
        self.anatomy = frozenset(raw["anatomy_words"])
        self.deities = frozenset(raw["deity_words"])
        self.worship = frozenset(raw["worship_words"])
        self.unpaired = frozenset(raw["unpaired_words"])
        self.interjections = frozenset(raw["interjections"])
        self.titles = frozenset(raw["title_words"])
        self.fixed_phrases = phrases(raw["fixed_phrases"])
        self.neutral = phrases(raw["neutral_phrases"])
        self.contractions = frozenset(raw["contractions"])
        self.public_figures = frozenset(raw["public_figure_words"])

    def gendered(self, word: str | None) -> bool:
        return word in self.to_female or word in self.to_male

    def neutral_at(self, tokens: Tokens, i: int) -> bool:
        """Whether the word at ``i`` addresses anyone: it ends a phrase that does ("you guys", "hey
        guys"), or it is "guys" last in the text ("working right now guys")."""
        return (any(i + 1 >= len(p) and tokens.words[i + 1 - len(p):i + 1] == p for p in self.neutral)
                or (tokens.words[i] == "guys" and i == len(tokens.words) - 1))

    def gender_of(self, tokens: Tokens, i: int) -> str | None:
        """``male`` or ``female`` for a swappable gendered word at ``i``, else None."""
        word = tokens.at(i)
        if word is None or not self.swappable(tokens, i):
            return None
        return "male" if word in self.to_female else "female"

    def _coordinated(self, tokens: Tokens) -> bool:
        """Whether two gendered words of opposite gender are coordinated ("men and women", "mum
        and dad", "men women and children"): the swap only reorders them, so no one's gender
        changes and the text is no counterfactual (and a fixed order, "men women and children",
        reads wrong reversed)."""
        for i in range(len(tokens.words)):
            gender = self.gender_of(tokens, i)
            if gender is None:
                continue
            if tokens.at(i + 1) in _COORDINATORS:
                j = i + 2
            elif tokens.words[i] in GENDERED_PRONOUNS or tokens.at(i + 1) in GENDERED_PRONOUNS:
                continue  # "his wife", "gave her his jacket": a possessive or an object, no list
            else:
                j = i + 1  # a list written without its comma: "men women and children"
            if self.gender_of(tokens, j) not in (None, gender):
                return True
        return False

    def _generic(self, tokens: Tokens) -> bool:
        """Whether "men" or "women" speaks of a sex as a whole (no determiner, possessive or
        number before it: "men feel unloved if ...", "many women say", "judgmental of particular
        men"): such a
        claim rests on gender roles, and swapped it may be implausible or move the blame."""
        return any(w in _GENERIC and (i == 0 or tokens.words[i - 1] not in _SPECIFIERS)
                   for i, w in enumerate(tokens.words))

    def swappable(self, tokens: Tokens, i: int) -> bool:
        """Whether the word at ``i`` is a gendered word that says a person's gender: not one that
        addresses anyone (:meth:`neutral_at`)."""
        return self.gendered(tokens.at(i)) and not self.neutral_at(tokens, i)

    def _interjection(self, tokens: Tokens, i: int) -> bool:
        """Whether "man"/"boy" at ``i`` is an interjection or a form of address: first in the text,
        after a gendered word or a word of :data:`_ADDRESSEES` ("you man", "my brother man", "but
        man"), or before an auxiliary and a subject pronoun ("boy did they")."""
        before = tokens.at(i - 1)
        return (before is None or before in _ADDRESSEES or self.gendered(before)
                or (tokens.at(i + 1) in _INVERTED and tokens.at(i + 2) in SUBJECT_PRONOUNS))

    def _contraction(self, tokens: Tokens, i: int) -> bool:
        """An apostrophe-less "he'll", "she'd" ("hell be", "shed never", "shed been"): a word of
        ``contractions`` before "been" or a word seen mostly after modals ("will be", "would
        never"; not "the hell of", "shed a tear")."""
        after = tokens.at(i + 1)
        return tokens.words[i] in self.contractions and after is not None and (
            after == "been" or self.reader.use.mostly_after_modals(after))

    def _name(self, word: str | None) -> bool:
        """A first name, also in the dataset's possessive without an apostrophe ("tabbys wife"):
        an -s word the word table has never seen whose stem is a name ("this" is not "thi"'s)."""
        return self.names.is_name(word) or (word is not None and word.endswith("s") and self._unseen(word)
                                            and self.names.is_name(word[:-1]))

    def _foreign(self, word: str | None) -> bool:
        """Not an English word, a gendered word or a recognised name."""
        return (word is not None and not self.reader.use.english(word) and not self.gendered(word)
                and self.names.group_of(word) is None)

    def _unknown_name(self, tokens: Tokens, i: int) -> bool:
        """Whether the word at ``i`` reads as the name of a person no name list knows: a word that
        is not English followed by another ("vesa kivinen", "rendall munroe") or by a verb whose
        subject it is ("kame takes a breath", "yuuki talks", "gar is unsure", "richie got")."""
        if not self._foreign(tokens.at(i)):
            return False
        after, use = tokens.at(i + 1), self.reader.use
        return self._foreign(after) or after in _SUBJECT_VERBS or (
            after is not None and after not in use.function_words
            and (use.verb_in_s(after) or (after.endswith("ed") and use.english(after))))

    def _man_named(self, tokens: Tokens) -> bool:
        """Whether the text names a man a male pronoun can refer to: a male gendered noun ("my
        dad", "this guy"; not a pronoun, nor "guys" in "you guys") or a recognised male first name."""
        for i, word in enumerate(tokens.words):
            group = self.names.group_of(word)
            if (group is not None and group.gender == "male") or (
                    word in self.to_female and word not in GENDERED_PRONOUNS and self.swappable(tokens, i)):
                return True
        return False

    def _worship(self, tokens: Tokens) -> bool:
        """Whether a male pronoun may be God's: the text has a word of faith or worship and a
        he/him/his, and names no man it can refer to ("i feel his hand on me to stay faithful",
        "i pray to him for help"; not "my dad prayed for me and he smiled")."""
        words = set(tokens.words)
        return bool(words & _MALE_PRONOUNS and words & self.worship) and not self._man_named(tokens)

    def _unseen(self, word: str | None) -> bool:
        """A word the word table has never seen (most often a name), not a gendered word."""
        return word is not None and not self.reader.use.known(word) and not self.gendered(word)

    def skip_reason(self, tokens: Tokens) -> str | None:
        """Why the text's gendered words are not only a person's gender, if they are not: a fixed
        phrase ("ice queen"), two genders coordinated (:meth:`_coordinated`), men or women as a
        whole (:meth:`_generic`), a word that may make the person a public figure ("actor",
        "politician": their gender is a fact about a real person), anatomy, a deity with a pronoun, words of worship with a male pronoun
        that may be God's (:meth:`_worship`), a gendered word without a
        counterpart ("mothering"), an interjection or form of address ("man i am tired", "my
        brother man"), a gendered word next to a name ("uncle bob", "my brother david") or a title
        next to an unseen word ("carole king"), a name no swap replaces, which may be the person a
        gendered word is about ("ellie said she", "the most hated man in the county said assessor
        steve helm"), a name no list knows (:meth:`_unknown_name`: "artist vesa kivinen called me
        to work with him"), an apostrophe-less "he'll" or "she'd" ("hell be"), or a recognised
        name in a full name or idiom (:meth:`NameBook.skip_reason`: "paul walker")."""
        words = tokens.words
        pronoun = any(w in GENDERED_PRONOUNS for w in words)
        checks = (
            ("fixed phrase", has_phrase(words, self.fixed_phrases)),
            ("both genders coordinated", self._coordinated(tokens)),
            ("generic men or women", self._generic(tokens)),
            ("public figure", any(w in self.public_figures for w in words)),
            ("anatomy", any(w in self.anatomy for w in words)),
            ("deity", pronoun and any(w in self.deities for w in words)),
            ("worship", self._worship(tokens)),
            ("unpaired word", any(w in self.unpaired for w in words)),
            ("interjection", any(w in self.interjections and self._interjection(tokens, i)
                                 for i, w in enumerate(words))),
            ("name next to a gendered word", any(
                self.gendered(w) and any(self._name(n) or (w in self.titles and self._unseen(n))
                                         for n in (tokens.at(i - 1), tokens.at(i + 1)))
                for i, w in enumerate(words))),
            ("name not swapped", any(self._name(w) and self.names.group_of(w) is None for w in words)),
            ("unknown name", any(self._unknown_name(tokens, i) for i in range(len(words)))),
            ("contraction", any(self._contraction(tokens, i) for i in range(len(words)))),
        )
        reason = next((reason for reason, hit in checks if hit), None)
        return reason or self.names.skip_reason(tokens, self.reader.use)

    def perturb(self, text: str, rng: random.Random) -> Perturbed | None:
        tokens = Tokens.of(text)
        if not tokens.words:
            return None
        skip = self.skip_reason(tokens)
        chosen: dict[str, str] = {}
        edits: dict[int, str] = {}
        for i, word in enumerate(tokens.words):
            group = self.names.group_of(word)
            if word == "her":
                new = self.reader.her(tokens, i)
                if new is None:
                    skip, new = skip or "her unreadable", "his"
            elif word == "his":
                new = self.reader.his(tokens, i)
            elif self.swappable(tokens, i):
                new = self.to_female.get(word) or self.to_male[word]
            elif group is not None:
                new = pick(chosen, word, self.names.counterpart(group, gender=_OTHER_GENDER[group.gender]).names, rng)
            else:
                continue
            edits[i] = new
        if not edits:
            return None
        return Perturbed(tokens.rewrite(edits), {**self.groups(tokens), **({"skip": skip} if skip else {})})

    def groups(self, tokens: Tokens) -> dict[str, str]:
        """The majority gender of the gendered words and names; ``mixed`` on a tie."""
        counts = {"male": 0, "female": 0}
        for i, word in enumerate(tokens.words):
            group = self.names.group_of(word)
            gender = self.gender_of(tokens, i) or (group.gender if group is not None else None)
            if gender is not None:
                counts[gender] += 1
        if counts["male"] == counts["female"]:
            return {"source_group": "mixed", "group": "mixed"}
        source = max(counts, key=counts.__getitem__)
        return {"source_group": source, "group": _OTHER_GENDER[source]}
