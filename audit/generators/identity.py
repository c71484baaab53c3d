"""The ``identity`` suite: identity-term counterfactuals (gender, race, religion, nationality).

Every case carries an INV expectation: changing only who a text is about should not change the
predicted emotion. Cases come from two sources.

1. **Test texts** that mention an identity (``origin: test``), one rule per swap:

   - ``gender_swap`` swaps every gendered word at once (he <-> she, his -> her/hers, my brother
     <-> my sister, ...; pairs in ``identity_gender.yaml``) and every recognised first name for a
     name of the same race and the other gender, so "he told her" becomes "she told him" and
     "paul said he" "emily said she": a name is swapped together with its pronouns.
   - ``race_to_<race>`` replaces every recognised first name of another race by a name of
     ``<race>`` and the same gender (``identity_names.yaml``).
   - ``<attribute>_to_<group>`` (religion, nationality) replaces every term of another group by
     ``<group>``'s term of the same form: adjective, person noun, plural, country, faith
     (``identity_groups.yaml``; "an american" -> "a mexican", "the uk" -> "mexico").

   Names are chosen with each case's own seeded RNG (:func:`~.base.derive_cases`); a name
   repeated in a text gets the same replacement. Words are matched whole ("he" is not found in
   "the", nor "man" in "manage"), keep their capitalisation, and "a"/"an" before a replaced word
   is repaired ("a korean friend" -> "an american friend").

   A swap must change only who a text is about. Texts where it would change something else are
   **skipped whole** (never half-swapped) and counted as ``n_skipped`` in the coverage, with the
   reason in the perturbation's ``meta["skip"]``: gendered words in fixed phrases, idioms and
   names ("ice queen", "iron man", "the bad guy", "aunt flo", "heavenly father", "carole king",
   "uncle bob"), anatomy, a deity with a pronoun, words of worship with a male pronoun no man of
   the text can be meant by ("i feel his hand on me to stay faithful"), words without a counterpart ("nun",
   "dude") or that describe things as well as people ("masculine"), forms of address ("man i am
   tired"), apostrophe-less "he'll"/"she'd" ("hell be"), a first name no swap can replace ("ellie
   said she") or no list knows ("vesa kivinen ... him"), a "her" that reads both ways
   (:class:`PronounReader`); a recognised first name in a full name, after a title or in an
   idiom ("paul walker", "st paul", "rob peter to pay paul": :meth:`NameBook.skip_reason`, for
   the gender and race swaps); identity terms that are part of a name, compound, language or
   fixed expression ("the airline american", "north americans", "mandarin chinese", "american
   idol", "learning japanese") or that say what a work, team or public figure is ("a korean
   drama", "christian rock", "the indian cricket team"), texts with words tied to one group ("the
   catholic church", "nazi"), with terms of two groups ("homesick for the uk than the us"), or
   whose term's form the context does not tell or the target group lacks (:class:`TermSwap`).
   What a word can be (a noun, a verb, an adjective, an English word at all) is read from
   ``identity_words.tsv``, counts of the contexts each word occurs in in the training texts and
   an English word list (:class:`WordUse`). A gendered word in a phrase that addresses anyone
   ("you guys") is neither swapped nor counted.

2. **Templates** (``origin: template``) after the Equity Evaluation Corpus (Kiritchenko &
   Mohammad 2018): sentences such as "{person} feels {word}" filled with an emotion word of each
   class (the case's gold label) from the word list the template names (:func:`word_lists`: a
   list per frame, so that every sentence is natural English that states its class; a class no
   word of which fits a frame, such as love in "the recent ___ events", is left out of that
   frame) and persons that differ only in one attribute: EEC's gendered
   noun phrases ("my brother"/"my sister"); EEC's first names paired across race within gender;
   person frames ("this muslim man", "my nigerian friend") across religion and nationality. One
   word per (person set, template, emotion) is chosen with the seeded RNG. The sentence with the
   attribute's reference group (its first group) is the *base* case of the pair (no source, so
   not judged); the others are counterfactual cases whose ``source_text`` is the base sentence
   (``source_id`` stays ``None``: it names test-split texts only; ``meta["pair"]`` links them).

Meta of every case: ``attribute``, ``group`` (the group the case's text is about),
``source_group`` (the group of its source text), ``pair`` (a pair id), ``origin`` (``test`` or
``template``), ``role`` (``base`` or ``counterfactual``); template cases add ``template``,
``emotion_word`` and ``person`` (the demographics of the person phrase, e.g. ``{"gender":
"female", "race": "african_american"}``), which :func:`summarize` disaggregates by.
Test texts whose gendered words are balanced are tagged ``mixed`` (both sides).
"""
from __future__ import annotations

import random
import re
from abc import abstractmethod
from dataclasses import dataclass, replace
from typing import Any, Iterable, Mapping, Sequence

from ..bias import counterfactual_summary
from ..errors import AuditError
from ..suite import Case, Expectation, GeneratedSuite, SuiteContext, load_yaml_mapping, seeded_rng
from .base import Perturbation, Perturbed, derive_cases
from .lexicon import read_tsv

_WORD = re.compile(r"[A-Za-z]+")
_OTHER_GENDER = {"male": "female", "female": "male"}
_REFLEXIVE = {"male": "himself", "female": "herself", None: "themselves"}
_INV = Expectation("INV")
_PRONOUNS = frozenset("he she him her his hers himself herself hes shes".split())
#: The male pronouns, which the dataset also uses, lowercased, for God.
_MALE_PRONOUNS = frozenset("he him his himself hes".split())
#: Words before an identity adjective that make it a predicate ("i am american", "proud to be
#: british", "born mexican"), where it keeps its adjective form.
_PREDICATE_BEFORE = frozenset(
    "am is are was were be been being im feel feels felt feeling look looks looked seem seems seemed "
    "so very too proud born become became half fully truly really not more most quite".split())
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
_INVERTED = frozenset("did do does was were is are am have has had can could will would".split())
_SUBJECTS = frozenset("i you he she we they it".split())
#: Words before an identity word used as a singular person noun ("an american", "every german").
_SINGULAR_BEFORE = frozenset("a an one another every each any no".split())
#: Words before an identity word used as a collective noun when no noun follows ("the chinese are").
_COLLECTIVE_BEFORE = frozenset("the these those many some most all other fellow".split())
#: Words that begin with a vowel letter but a consonant sound ("a european", "a uk visa").
_CONSONANT_SOUND = re.compile(r"^(?:eu|uni|use|usu|uk|one|once)")
_VOWEL_SOUND = re.compile(r"^(?:[aeiou]|hour|honest|heir)")
#: A word in -s, which cannot head a noun phrase after "a"/"every": "an atheist means" is a noun.
_PLURAL_OR_VERB = re.compile(r"[^s]s$")
#: Endings of the dataset's apostrophe-less contractions ("wasnt", "weve", "youre", "itll", "theyd").
_CLITIC = re.compile(r"(?:nt|ve|re|ll|d)$")
#: Endings of nouns (plurals, -ment, -tion, ...): an unseen word with one after "her" is a noun.
_NOUN_ENDING = re.compile(r"(?:[^s]s|ment|tion|sion|ness|ity|ship|hood|ance|ence|ism)$")


def _match_case(original: str, new: str) -> str:
    """``new`` in the capitalisation of ``original`` (lower, Capitalised or UPPER)."""
    if len(original) > 1 and original.isupper():
        return new.upper()
    return new[:1].upper() + new[1:] if original[0].isupper() else new


def _article(word: str) -> str:
    """The indefinite article before ``word``: "an american", "a mexican", "a european"."""
    return "an" if _VOWEL_SOUND.match(word) and not _CONSONANT_SOUND.match(word) else "a"


def _phrases(raw: Iterable[str]) -> frozenset[tuple[str, ...]]:
    """Word sequences from space-separated phrases ("oh boy" -> ("oh", "boy"))."""
    return frozenset(tuple(phrase.split()) for phrase in raw)


def _has_phrase(words: Sequence[str], phrases: frozenset[tuple[str, ...]]) -> bool:
    """Whether any phrase occurs in ``words`` as a whole word sequence."""
    lengths = {len(p) for p in phrases}
    return any(tuple(words[i:i + n]) in phrases for n in lengths for i in range(len(words) - n + 1))


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
            if new and article in ("a", "an") and (i - 1) not in edits and _article(new) != article:
                edits[i - 1] = _article(new)
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


# --------------------------------------------------------------------------- word tables

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
        self.fixed_phrases = _phrases(raw.get("fixed_phrases", ()))
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
        if word is None or word in use.function_words or word in _PRONOUNS or word == "s":
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
        if names and _has_phrase(tokens.words, self.fixed_phrases):
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
        self.fixed_phrases = _phrases(raw.get("fixed_phrases", ()))
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
        return (any(w in self.skip_words for w in tokens.words) or _has_phrase(tokens.words, self.fixed_phrases)
                or any(tokens.at(t.start - 1) in self.fixed_before or tokens.at(t.end) in self.fixed_after
                       or self.describes_work(tokens, t, function_words) for t in terms))

    def describes_work(self, tokens: Tokens, term: Term, function_words: frozenset[str]) -> bool:
        """Whether ``term`` modifies a noun of ``works_after`` (a work, medium, genre, public
        figure, person of the news, team or institution), directly or across one modifier ("a
        korean drama", "a korean tv drama", "the indian cricket team", "korean attack victim"). A
        function word or a plural ends the noun phrase before the second word: "my korean friends
        show me" is about friends."""
        after, then = tokens.at(term.end), tokens.at(term.end + 1)
        modifier = after is not None and after not in function_words and not _PLURAL_OR_VERB.search(after)
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


def _gender_tables(pairs: Sequence[Sequence[str]]) -> tuple[dict[str, str], dict[str, str]]:
    """``(male -> female, female -> male)``; the first pair wins for each direction."""
    to_female: dict[str, str] = {}
    to_male: dict[str, str] = {}
    for male, female in pairs:
        to_female.setdefault(male, female)
        to_male.setdefault(female, male)
    return to_female, to_male


# --------------------------------------------------------------------------- swap rules

def _pick(chosen: dict[str, str], word: str, pool: Sequence[str], rng: random.Random) -> str:
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
        self.fixed_phrases = _phrases(raw["fixed_phrases"])
        self.neutral = _phrases(raw["neutral_phrases"])
        self.contractions = frozenset(raw["contractions"])

    def gendered(self, word: str | None) -> bool:
        return word in self.to_female or word in self.to_male

    def neutral_at(self, tokens: Tokens, i: int) -> bool:
        """Whether the word at ``i`` ends a phrase that addresses anyone ("you guys", "hey guys")."""
        return any(i + 1 >= len(p) and tokens.words[i + 1 - len(p):i + 1] == p for p in self.neutral)

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
                or (tokens.at(i + 1) in _INVERTED and tokens.at(i + 2) in _SUBJECTS))

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
                    word in self.to_female and word not in _PRONOUNS and self.swappable(tokens, i)):
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
        phrase ("ice queen"), anatomy, a deity with a pronoun, words of worship with a male pronoun
        that may be God's (:meth:`_worship`), a gendered word without a
        counterpart ("mothering"), an interjection or form of address ("man i am tired", "my
        brother man"), a gendered word next to a name ("uncle bob", "my brother david") or a title
        next to an unseen word ("carole king"), a name no swap replaces, which may be the person a
        gendered word is about ("ellie said she", "the most hated man in the county said assessor
        steve helm"), a name no list knows (:meth:`_unknown_name`: "artist vesa kivinen called me
        to work with him"), an apostrophe-less "he'll" or "she'd" ("hell be"), or a recognised
        name in a full name or idiom (:meth:`NameBook.skip_reason`: "paul walker")."""
        words = tokens.words
        pronoun = any(w in _PRONOUNS for w in words)
        checks = (
            ("fixed phrase", _has_phrase(words, self.fixed_phrases)),
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
                new = _pick(chosen, word, self.names.counterpart(group, gender=_OTHER_GENDER[group.gender]).names, rng)
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
            swappable = self.swappable(tokens, i)
            gender = ("male" if swappable and word in self.to_female else "female" if swappable and word in self.to_male
                      else group.gender if group is not None else None)
            if gender is not None:
                counts[gender] += 1
        if counts["male"] == counts["female"]:
            return {"source_group": "mixed", "group": "mixed"}
        source = max(counts, key=counts.__getitem__)
        return {"source_group": source, "group": _OTHER_GENDER[source]}


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
                edits[i] = _pick(chosen, word, self.names.counterpart(group, race=self.race).names, rng)
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
        if before in _SINGULAR_BEFORE and (not noun_follows or _PLURAL_OR_VERB.search(after or "")):
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


# --------------------------------------------------------------------------- templates

@dataclass(frozen=True)
class Person:
    """A person phrase and the groups it belongs to (``{"gender": "female", "race": ...}``)."""

    text: str
    demographics: Mapping[str, str]


@dataclass(frozen=True)
class Template:
    """A sentence with ``{person}`` and ``{word}`` slots; ``words`` names the word list."""

    name: str
    text: str
    words: str

    def fill(self, person: Person, word: str) -> str:
        return self.text.format(person=person.text, word=word, a=_article(word),
                                reflexive=_REFLEXIVE[person.demographics.get("gender")])


#: A person set: a slug naming it, and one person per group (reference group first).
PersonSet = tuple[str, dict[str, Person]]


def _slug(phrase: str) -> str:
    return "_".join(phrase.replace("{term}", " ").split())


def gender_person_sets(pairs: Sequence[Sequence[str]]) -> list[PersonSet]:
    """Gendered noun phrases, ``[male, female]`` pairs; male is the reference group."""
    return [(_slug(male), {"male": Person(male, {"gender": "male"}), "female": Person(female, {"gender": "female"})})
            for male, female in pairs]


def race_person_sets(names: NameBook) -> list[PersonSet]:
    """The i-th name of each race, within each gender; the first race is the reference group."""
    sets: list[PersonSet] = []
    for gender in ("male", "female"):
        groups = [g for race in names.races for g in names.groups if g.race == race and g.gender == gender]
        for row in zip(*(g.names for g in groups)):
            sets.append((row[0], {g.race: Person(name, {"race": g.race, "gender": g.gender})
                                  for g, name in zip(groups, row)}))
    return sets


def frame_person_sets(table: TermTable, frames: Sequence[Mapping[str, str]]) -> list[PersonSet]:
    """One set per frame ("this {term} man"), every group of the table in file order."""
    sets: list[PersonSet] = []
    for frame in frames:
        gender = {"gender": frame["gender"]} if frame.get("gender") else {}
        sets.append((_slug(frame["text"]), {
            group: Person(frame["text"].format(term=table.adjective(group)), {table.attribute: group, **gender})
            for group in table.groups
        }))
    return sets


def word_lists(raw: Mapping[str, Mapping[str, Mapping[str, Any]]],
               used: Iterable[str]) -> dict[str, dict[str, tuple[str, ...]]]:
    """The templates' word lists named in ``used``, ``{list: {class: words}}``, from the data's
    ``{list: {class: {words, reason}}}``.

    Every class entry must say why its words fit the frames that use the list (a non-empty
    ``reason``): the words were chosen by reading each (template, word) sentence, and one unread
    word would spread to every person of every group. A class with no words (a frame that no word
    of it fits, such as love in "the recent ___ events") is left out, so that frame has no cases
    of that class. Raises ``ValueError`` for an entry without a reason, ``TypeError`` for words
    that are not a list.
    """
    lists: dict[str, dict[str, tuple[str, ...]]] = {}
    for name in sorted(set(used)):
        lists[name] = {}
        for emotion, entry in raw[name].items():
            if not str(entry.get("reason") or "").strip():
                raise ValueError(f"word list {name}.{emotion} gives no reason")
            if not isinstance(entry["words"], list):
                raise TypeError(f"word list {name}.{emotion}: words must be a list")
            if entry["words"]:
                lists[name][emotion] = tuple(entry["words"])
    return lists


def template_cases(
    suite_name: str,
    designs: Mapping[str, Sequence[PersonSet]],
    templates: Sequence[Template],
    words: Mapping[str, Mapping[str, Sequence[str]]],
    labels: Sequence[str],
    seed: int,
) -> list[Case]:
    """Every (attribute, person set, template, emotion) cell: one emotion word drawn with the
    cell's own rng (seeded by the cell), one case per group, the reference group's sentence the
    base of the others. Emotions not in ``labels`` are skipped."""
    cases: list[Case] = []
    for attribute, person_sets in designs.items():
        for slug, persons in person_sets:
            reference = next(iter(persons))
            for template in templates:
                for emotion, choices in words[template.words].items():
                    if emotion not in labels:
                        continue
                    pair = f"{attribute}:{template.name}:{emotion}:{slug}"
                    word = seeded_rng(seed, suite_name, "template", pair).choice(list(choices))
                    base_text = template.fill(persons[reference], word)
                    for group, person in persons.items():
                        base = group == reference
                        cases.append(Case(
                            id=f"{suite_name}:template:{pair}:{group}", text=template.fill(person, word),
                            expectation=_INV, label=emotion,
                            source_text=None if base else base_text,
                            rule=f"template_{template.name}",
                            meta={"attribute": attribute, "group": group, "source_group": reference,
                                  "pair": pair, "origin": "template",
                                  "role": "base" if base else "counterfactual", "template": template.name,
                                  "emotion_word": word, "person": dict(person.demographics)},
                        ))
    return cases


# --------------------------------------------------------------------------- the suite

def _read(ctx: SuiteContext, param: str) -> dict[str, Any]:
    """The YAML mapping in the data file named by ``params[param]``."""
    if param not in ctx.spec.params:
        raise AuditError(f"suite {ctx.spec.name!r}: params.{param} (a data file) is missing")
    return load_yaml_mapping(ctx.data_path(ctx.spec.params[param]))


#: The ``params`` a suite declaration may give this generator, with their types.
PARAMS: dict[str, type] = {"gender_words": str, "names": str, "groups": str, "templates": str, "words": str}
#: Columns of the word-use table (``params.words``).
WORD_COLUMNS = ("word", "after_determiner", "after_object", "after_modal", "after_feel", "dictionary")


def _word_use(ctx: SuiteContext, function_words: Iterable[str]) -> WordUse:
    """The word-use table named by ``params.words``."""
    if "words" not in ctx.spec.params:
        raise AuditError(f"suite {ctx.spec.name!r}: params.words (a data file) is missing")
    return WordUse(read_tsv(ctx.data_path(ctx.spec.params["words"]), WORD_COLUMNS), function_words)


def _expectation(_rule: Perturbation, _text: str, _label: str | None, result: Perturbed) -> Expectation | None:
    """INV, or ``None`` (skip the text, counted in coverage) when the swap says why it cannot be
    trusted (``meta["skip"]``)."""
    return None if "skip" in result.meta else _INV


def generate(ctx: SuiteContext) -> GeneratedSuite:
    """Counterfactuals of the test texts that mention an identity, then the template cases."""
    gender_words, names_raw = _read(ctx, "gender_words"), _read(ctx, "names")
    groups_raw, templates_raw = _read(ctx, "groups"), _read(ctx, "templates")
    try:
        use = _word_use(ctx, gender_words["her_object_before"])
        names = NameBook(names_raw)
        tables = [TermTable(attribute, raw) for attribute, raw in groups_raw.items()]
        rules: list[IdentitySwap] = [GenderSwap(gender_words, names, use),
                                     *(RaceSwap(race, names, use) for race in names.races),
                                     *(TermSwap(t, group, use) for t in tables for group in t.groups)]
        templates = [Template(name, t["text"], t["words"]) for name, t in templates_raw["templates"].items()]
        words = word_lists(templates_raw["word_lists"], {t.words for t in templates})
        designs = {"gender": gender_person_sets(templates_raw["gender_persons"]), "race": race_person_sets(names),
                   **{t.attribute: frame_person_sets(t, templates_raw["group_frames"]) for t in tables}}
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise AuditError(f"suite {ctx.spec.name!r}: malformed identity data: {exc!r}") from exc
    derived = derive_cases(ctx.spec.name, ctx.source, rules, _expectation, ctx.seed, keep_label=True)
    cases = [replace(c, meta={**c.meta, "pair": f"{c.rule}:{c.source_id}"}) for c in derived.cases]
    cases += template_cases(ctx.spec.name, designs, templates, words, ctx.labels, ctx.seed)
    return GeneratedSuite(cases=cases, coverage=derived.coverage, n_candidates=derived.n_candidates)


def summarize(records: Sequence[Mapping[str, Any]], labels: Sequence[str], *, seed: int = 0,
              n_resamples: int = 1000) -> dict[str, Any]:
    """Per attribute: flip rates, probability changes, per-group accuracy on the templates with
    gaps, and Holm-corrected paired tests (see :mod:`audit.bias`)."""
    return counterfactual_summary(records, labels, seed=seed, n_resamples=n_resamples)
