"""Rule-based dialect rewrites for lowercase, apostrophe-free English.

The emotion data is lowercase with punctuation removed, so contractions appear either fused ("im",
"dont", "ive") or split ("i m", "don t"). :func:`tokenize` keeps a split contraction together as one
token, rules match on the fused spelling (:func:`fuse`), and joining the tokens back with spaces
restores the text exactly, so untouched parts keep their original spelling.

Every rule is a small :class:`~audit.generators.base.Perturbation` that returns ``None`` where its
structure is not matched: rules are never forced. Every rule also says whether a text *already*
shows its feature (:meth:`TokenRule.shows`), which measures how much of a variety a training set
holds. The word tables below are closed-class words (pronouns, auxiliaries, clause boundaries) that
are part of the rules' logic; open-class lists (verb forms, adverbs, cue phrases, slang, spelling
exclusions) are passed in from the files under ``suites/data``.
"""
from __future__ import annotations

import random
from abc import abstractmethod
from dataclasses import dataclass
from typing import Any, Callable, Iterable, Mapping, Sequence

from ..errors import AuditError
from .base import Perturbation
from .lexicon import CONJUNCTIONS, NEGATORS

#: Clitics that follow their host as a separate token once the apostrophe is gone ("i m", "don t").
_CLITIC_HOSTS: dict[str, frozenset[str]] = {
    "m": frozenset({"i"}),
    "re": frozenset({"you", "we", "they", "who", "what"}),
    "ve": frozenset({"i", "you", "we", "they", "who", "would", "could", "should", "might", "must"}),
    "ll": frozenset({"i", "you", "we", "they", "he", "she", "it", "that", "who"}),
    "d": frozenset({"i", "you", "we", "they", "he", "she", "it", "that", "who"}),
    "s": frozenset({"he", "she", "it", "that", "there", "here", "what", "who", "where"}),
}

#: Fused subject + present-tense ``be`` contractions and the subject they contain.
CONTRACTED_BE: dict[str, str] = {
    "im": "i", "youre": "you", "theyre": "they", "hes": "he", "shes": "she", "its": "it",
    "thats": "that", "theres": "there",
}
#: The present-tense form of ``be`` that agrees with each subject ("were" is left out: it is also
#: the past tense, and "we are" is matched in full).
BE_OF_SUBJECT: dict[str, str] = {
    "i": "am", "you": "are", "we": "are", "they": "are", "he": "is", "she": "is", "it": "is",
    "that": "is", "there": "is",
}
#: Fused subject + ``have`` contractions ("hes"/"shes" are left out: they may stand for "is").
CONTRACTED_HAVE: dict[str, str] = {"ive": "i", "youve": "you", "weve": "we", "theyve": "they"}
HAVE_OF_SUBJECT: dict[str, str] = {
    "i": "have", "you": "have", "we": "have", "they": "have", "he": "has", "she": "has", "it": "has",
}
THIRD_SINGULAR = frozenset({"he", "she", "it"})
_PERSONAL = frozenset({"i", "you", "we", "they", "he", "she"})
NON_THIRD = frozenset({"i", "you", "we", "they"})
#: Pronouns that are only ever subjects ("you" and "it" are also objects: "i love you so much").
_SUBJECT_PRONOUNS = frozenset({"i", "he", "she", "we", "they"})

#: Auxiliaries and modals: a subject right after one of these is inverted (a question) or
#: embedded under negation, where the present-tense rules do not apply.
AUXILIARIES = frozenset({
    "do", "does", "did", "dont", "doesnt", "didnt", "can", "cant", "cannot", "could", "couldnt",
    "will", "wont", "would", "wouldnt", "shall", "should", "shouldnt", "may", "might", "must",
    "am", "is", "are", "was", "were", "isnt", "arent", "wasnt", "werent", "have", "has", "had",
    "havent", "hasnt", "hadnt",
})
#: Words that open a new clause: the scope of a negation and the predicate of a copula end here.
BOUNDARIES = CONJUNCTIONS | frozenset({
    "so", "than", "as", "that", "which", "who", "where", "why", "how", "what"})
#: Clause openers that cannot start a predicate (intensifier "so", "as" and "that" can).
_CLAUSE_OPENERS = BOUNDARIES - {"so", "as", "that"}
#: Verbs of having and spending, after which a quantity phrase needs its article in standard
#: English ("have a lot of").
_QUANTITY_VERBS = frozenset({"have", "has", "had", "with", "spend", "spent", "take", "took", "need", "needs",
                             "needed", "there"})
#: Words after which standard English has a subjunctive or bare "be" ("that you be happy").
_SUBJUNCTIVE = frozenset({"to", "that", "whether", "if", "may", "let", "lest", "and", "or"})
#: Remains of web markup in the data ("a href http", "amp" for "&amp;"): not part of a clause.
_MARKUP = frozenset({"http", "https", "href", "www", "amp", "nbsp"})
#: Words that make a clause subordinate: a text holding one is not a short main clause.
_SUBORDINATORS = (CONJUNCTIONS - {"and", "but", "or", "then"}) | frozenset({
    "that", "which", "who", "whom", "whose", "where", "what", "why", "how", "whether", "than"})
#: Words after which a subject starts a main or complement clause (not a relative clause, whose
#: gap would strand a rewritten verb: "the things ive said").
#: Sentence adverbs, after which a subject opens a clause ("honestly i want").
_SENTENCE_ADVERBS = frozenset({
    "now", "finally", "actually", "honestly", "also", "recently", "lately", "today", "yesterday",
    "obviously"})
_CLAUSE_START = CONJUNCTIONS | _SENTENCE_ADVERBS | frozenset({
    "", "so", "think", "thought", "guess", "feel", "felt", "know", "knew", "hope", "realize",
    "realized", "realise", "realised", "believe", "sure", "especially", "except"})
#: Words after which a subject opens a main clause: the text's start, a coordinating conjunction
#: or a sentence adverb (not a subordinator, a complement-taking verb or a noun the clause
#: could modify: "if i want", "i think i love", "everything i love").
_MAIN_CLAUSE_START = _SENTENCE_ADVERBS | frozenset({"", "and", "but", "or", "so", "then", "yet"})
#: Fused forms that may stand for subject + "has" ("hes been", "its got").
_HAS_AMBIGUOUS = frozenset({"hes", "shes", "its"})
#: Words before a subject that show its predicate was moved away ("how happy she is").
_EXTRACTION = frozenset({"what", "who", "how", "where", "whatever", "wherever", "however", "than", "as"})
#: Subject pronouns (and their fused forms) that start a new clause.
_SUBJECT_ONLY = frozenset({"i", "he", "she", "we", "they", "im", "ive", "hes", "shes", "theyre", "weve"})
#: Words that can open an object noun phrase (for verbs that need one before anything else).
_OBJECT_STARTS = frozenset({
    "me", "you", "him", "her", "it", "us", "them", "myself", "yourself", "himself", "herself",
    "itself", "ourselves", "themselves", "this", "that", "these", "those", "a", "an", "the", "my",
    "your", "his", "our", "their", "some", "everything", "nothing", "something", "anything",
    "everyone", "someone", "anyone", "people"})
#: Negative-polarity items and their negative-concord counterparts ("any" is handled apart).
_CONCORD: dict[str, str] = {
    "anything": "nothing", "anyone": "nobody", "anybody": "nobody", "anywhere": "nowhere",
    "anymore": "no more",
}
_NEGATIVE_INDEFINITES = frozenset({"no", "none", "nothing", "nobody", "noone", "nowhere"})
#: Words a complete clause does not end with (a text ending in one was cut off mid-phrase).
_OPEN_ENDINGS = BOUNDARIES | frozenset({
    "the", "a", "an", "to", "of", "in", "on", "at", "for", "with", "from", "by", "about", "into",
    "my", "your", "his", "her", "their", "our", "its", "is", "am", "are", "was", "were", "be",
    "been", "i", "im", "very", "really", "more", "most", "not", "no", "dont", "cant", "just",
    "like", "whether",
})
_WH = frozenset({"what", "why", "how", "who", "where", "when", "which"})
_PRONOUNS = frozenset({"i", "you", "we", "they", "he", "she", "it", "there", "that", "this"})
#: First-person singular words: a confirmation tag asks the hearer about something they can
#: judge, not about the speaker's own feelings.
_FIRST_PERSON = frozenset({"i", "im", "ive", "id", "ill", "me", "my", "myself", "mine"})
#: Forms of ``be`` a tag such as "isnt it" agrees with: a clause holding one is concord, not
#: invariant ("it is nice isnt it" is standard English).
_BE_FORMS = frozenset({"is", "its", "thats", "theres", "hes", "shes", "whats"})


#: Endings of adjectives and participial adjectives ("ashamed", "hopeful", "nervous"): where a
#: detector needs an adjective it asks for one of these, so nouns ("too much time") are not
#: taken for predicates.
_ADJECTIVE_ENDINGS = ("ed", "ful", "ous", "ive", "ic", "ish", "less", "ent", "ant", "able", "ible", "al")


def adjectival(word: str) -> bool:
    """True when ``word`` ends like an adjective (a conservative test, for detectors only)."""
    return word.endswith(_ADJECTIVE_ENDINGS)


#: Endings of abstract nouns, singular or plural ("connections", "moments"): where a rule needs
#: to know that a word is not an adjective's head but a noun it modifies.
_NOUN_ENDINGS = ("tion", "tions", "sion", "sions", "ment", "ments", "ness", "nesses", "ity",
                 "ities", "ship", "ships", "hood", "hoods", "ism", "isms")


def nominal(word: str) -> bool:
    """True when ``word`` ends like a noun (a conservative test: most nouns do not)."""
    return word.endswith(_NOUN_ENDINGS)


def tokenize(text: str) -> list[str]:
    """Whitespace tokens, with a split contraction ("i m", "don t") kept as one token."""
    tokens: list[str] = []
    for word in text.split():
        if tokens and _is_clitic(tokens[-1], word):
            tokens[-1] = f"{tokens[-1]} {word}"
        else:
            tokens.append(word)
    return tokens


def _is_clitic(host: str, word: str) -> bool:
    if " " in host:
        return False
    if word == "t":
        return host.endswith("n")
    return host in _CLITIC_HOSTS.get(word, ())


def fuse(token: str) -> str:
    """The fused spelling of a token: "i m" -> "im", "don t" -> "dont"."""
    return token.replace(" ", "")


def words_of(text: str) -> list[str]:
    """The fused tokens of a text, as the rules match them."""
    return [fuse(t) for t in tokenize(text)]


def _subject_verb(words: Sequence[str], i: int, contracted: Mapping[str, str],
                  verb_of_subject: Mapping[str, str]) -> tuple[int, str] | None:
    """``(length, subject)`` if ``words[i:]`` starts with a contracted subject + verb ("im") or a
    subject followed by its verb form ("she is")."""
    word = _at(words, i)
    if word in contracted:
        return 1, contracted[word]
    if word in verb_of_subject and i + 1 < len(words) and words[i + 1] == verb_of_subject[word]:
        return 2, word
    return None


def subject_be(words: Sequence[str], i: int) -> tuple[int, str] | None:
    """``(length, subject)`` if ``words[i:]`` starts with a subject + present ``be`` ("im", "she is")."""
    return _subject_verb(words, i, CONTRACTED_BE, BE_OF_SUBJECT)


def subject_have(words: Sequence[str], i: int) -> tuple[int, str] | None:
    """``(length, subject)`` if ``words[i:]`` starts with a subject + ``have`` ("ive", "she has")."""
    return _subject_verb(words, i, CONTRACTED_HAVE, HAVE_OF_SUBJECT)


def _at(words: Sequence[str], i: int) -> str:
    """``words[i]``, or "" outside the text."""
    return words[i] if 0 <= i < len(words) else ""


def _inverted(words: Sequence[str], i: int) -> bool:
    """True when the subject at ``i`` follows an auxiliary (a question, or under do-support)."""
    return _at(words, i - 1) in AUXILIARIES


#: Verbs of seeming, after which "like" opens a clause ("it feels like im ...").
_SEEMING = frozenset({"feel", "feels", "felt", "feeling", "seem", "seems", "seemed", "look", "looks",
                      "looked", "sound", "sounds", "sounded"})


def clause_start(words: Sequence[str], i: int) -> bool:
    """True when a subject at ``i`` opens a main or complement clause: it follows a word of
    ``_CLAUSE_START`` (the text's start, a conjunction, a verb taking a clause, a sentence
    adverb), complementizer "that" after such a verb ("i feel that ive ..."), or "like" after a
    verb of seeming ("i feel like ive ...", not the preposition of "someone like you")."""
    before, earlier = _at(words, i - 1), _at(words, i - 2)
    return (before in _CLAUSE_START or (before == "that" and earlier in _CLAUSE_START - {""})
            or (before == "like" and earlier in _SEEMING))


def _perfect(first: str, after: str, verbs: "VerbTable") -> bool:
    """True when "be" + ``after`` may really be a perfect: "been" always ("is been" is impossible),
    a participle or "got" after a fused "hes"/"shes"/"its" (which may stand for "has")."""
    return after == "been" or (first in _HAS_AMBIGUOUS and (after in verbs.by_participle or after == "got"))


def _contains(words: Sequence[str], phrase: Sequence[str]) -> bool:
    """True when ``phrase`` occurs in ``words`` as consecutive words."""
    n = len(phrase)
    return any(list(words[i:i + n]) == list(phrase) for i in range(len(words) - n + 1))


def is_question(words: Sequence[str]) -> bool:
    """True for texts that open like a question ("do you ...", "why do i ...")."""
    first, second = _at(words, 0), _at(words, 1)
    return (first in AUXILIARIES and second in _PRONOUNS) or (first in _WH and second in AUXILIARIES)


def ends_clause(words: Sequence[str]) -> bool:
    """True when the text ends like a complete declarative clause (where a tag can follow)."""
    return bool(words) and words[-1] not in _OPEN_ENDINGS and not is_question(words)


def short_main_clause(words: Sequence[str], max_words: int) -> bool:
    """True for a complete main declarative clause of at most ``max_words`` words: not a question,
    not cut off mid-phrase, not opening with a conjunction (a fragment of a longer sentence) and
    holding no subordinate clause (where a clause-final tag would attach to the wrong clause),
    nor web markup left in the text ("a href http")."""
    return (0 < len(words) <= max_words and ends_clause(words)
            and words[0] not in CONJUNCTIONS | {"so", "to"}
            and not (_SUBORDINATORS | _MARKUP) & set(words))


Match = Callable[[Sequence[str], int], "tuple[int, list[str]] | None"]


def substitute(tokens: Sequence[str], words: Sequence[str], match: Match) -> list[str] | None:
    """Scan left to right; where ``match(words, i)`` returns ``(n, new)`` replace ``tokens[i:i+n]``
    by ``new``. Matches do not overlap. Returns ``None`` when nothing matched."""
    out: list[str] = []
    i = 0
    changed = False
    while i < len(tokens):
        hit = match(words, i)
        if hit is None:
            out.append(tokens[i])
            i += 1
        else:
            n, new = hit
            out.extend(new)
            i += n
            changed = True
    return out if changed else None


def _any_match(words: Sequence[str], match: Callable[[Sequence[str], int], Any]) -> bool:
    """True when ``match(words, i)`` holds at some position."""
    return any(match(words, i) for i in range(len(words)))


@dataclass(frozen=True)
class VerbForms:
    """The inflected forms of one verb."""

    base: str
    third: str
    past: str
    participle: str
    ing: str


class VerbTable:
    """Forms of common verbs, looked up by any form (from ``dialect_verbs.tsv``)."""

    def __init__(self, rows: Iterable[VerbForms]) -> None:
        rows = list(rows)
        self.by_base = {r.base: r for r in rows}
        self.by_third = {r.third: r for r in rows}
        self.by_past = {r.past: r for r in rows}
        self.by_participle = {r.participle: r for r in rows}
        self.by_ing = {r.ing: r for r in rows}

    def present(self, subject: str, word: str) -> VerbForms | None:
        """The verb if ``word`` is its present-tense form agreeing with ``subject``."""
        table = self.by_third if subject in THIRD_SINGULAR else self.by_base if subject in NON_THIRD else {}
        return table.get(word)


#: Words soon after a present perfect that make it continuative or experiential, not completive.
_NOT_COMPLETIVE = frozenset({"for", "since", "ever", "never", "always", "before", "yet"})


def completive_perfect(words: Sequence[str], i: int,
                       participles: Mapping[str, VerbForms]) -> tuple[int, str, VerbForms] | None:
    """``(length, subject, verb)`` if ``words[i:]`` starts with a completive present perfect
    ("ive finished", "she has already eaten"): the subject + have (+ already) + a participle of a
    verb in ``participles``, not inverted, and no for/since/ever/never/always/before/yet soon
    after (continuative and experiential perfects)."""
    found = subject_have(words, i)
    if found is None or _inverted(words, i):
        return None
    n, subject = found
    if _at(words, i + n) == "already":
        n += 1
    verb = participles.get(_at(words, i + n))
    if verb is None or _NOT_COMPLETIVE & set(words[i + n + 1:i + n + 7]):
        return None
    return n + 1, subject, verb


def _completive_participles(verbs: VerbTable, excluded: Iterable[str]) -> dict[str, VerbForms]:
    """Participle -> verb for verbs whose perfect can be completive (not the stative ``excluded``)."""
    excluded = frozenset(excluded)
    return {p: v for p, v in verbs.by_participle.items() if v.base not in excluded}


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
                or not self.words.isdisjoint(words) or any(_contains(words, p) for p in self.phrases))


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
                any(_contains(words, p) for p in self.markup_phrases):
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
        return named or any(_contains(words, p) for p in self.reporter_phrases)


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


class AintBe(TokenRule):
    """Ain't as the negated present of ``be``: "im not" -> "i aint", "isnt" -> "aint".

    Past tense ("wasnt", "werent") is left alone: ain't negates present ``be`` and ``have``.
    """

    def rewrite(self, tokens: list[str], words: list[str], rng: random.Random) -> list[str] | None:
        def match(w: Sequence[str], i: int) -> tuple[int, list[str]] | None:
            found = subject_be(w, i)
            if found and _at(w, i + found[0]) == "not":
                return found[0] + 1, [found[1], "aint"]
            if w[i] in ("isnt", "arent"):
                return 1, ["aint"]
            if w[i] in ("is", "are") and _at(w, i + 1) == "not":
                return 2, ["aint"]
            return None
        return substitute(tokens, words, match)

    def shows(self, words: Sequence[str]) -> bool:
        return any(w == "aint" and _at(words, i + 1) not in ("been", "done", "got", "had")
                   for i, w in enumerate(words))


class AintHave(TokenRule):
    """Ain't as the negated ``have`` auxiliary: "i havent done" -> "i aint done".

    Applies only before a past participle, so possessive "have" is never touched.
    """

    def __init__(self, name: str, meta: Mapping[str, Any], verbs: VerbTable,
                 participles: Iterable[str]) -> None:
        super().__init__(name, meta)
        self.participles = frozenset(verbs.by_participle) | frozenset(participles)

    def rewrite(self, tokens: list[str], words: list[str], rng: random.Random) -> list[str] | None:
        def match(w: Sequence[str], i: int) -> tuple[int, list[str]] | None:
            if w[i] in ("havent", "hasnt") and _at(w, i + 1) in self.participles:
                return 1, ["aint"]
            if w[i] in ("have", "has") and _at(w, i + 1) == "not" and _at(w, i + 2) in self.participles:
                return 2, ["aint"]
            return None
        return substitute(tokens, words, match)

    def shows(self, words: Sequence[str]) -> bool:
        return any(w == "aint" and _at(words, i + 1) in self.participles for i, w in enumerate(words))


class InvariantDont(TokenRule):
    """Invariant don't for all persons: "she doesnt care" -> "she dont care"."""

    def rewrite(self, tokens: list[str], words: list[str], rng: random.Random) -> list[str] | None:
        return substitute(tokens, words, lambda w, i: (1, [tokens[i].replace("doesn", "don")])
                          if w[i] == "doesnt" else None)

    def shows(self, words: Sequence[str]) -> bool:
        return _any_match(words, lambda w, i: w[i] in ("he", "she") and _at(w, i + 1) == "dont"
                          and not _inverted(w, i))


class NegativeConcord(TokenRule):
    """Negative concord: indefinites in the scope of a negation take the negative form.

    "i dont have any money" -> "i dont have no money", "i dont want any" -> "i dont want none",
    "i didnt see anyone" -> "i didnt see nobody". The scope runs from the negator to the next
    clause boundary or subject pronoun, at most ``window`` words.

    The negator must be colloquial (:meth:`_colloquial`): a contracted one ("dont", "cant",
    "aint") or "never", or "not" after a contracted "be" ("im not"). A formal uncontracted
    "did not", "had not", "cannot" or a non-finite "not" ("for not having written anything")
    keeps its "any": negative concord belongs to the vernacular register, and "had not
    previously made no babies" mixes the two. "anything but" ("not at all") is left alone:
    "nothing but" means "only".
    """

    window = 8

    def __init__(self, name: str, meta: Mapping[str, Any], verbs: VerbTable) -> None:
        super().__init__(name, meta)
        self.verbs = verbs

    @staticmethod
    def _colloquial(words: Sequence[str], i: int) -> bool:
        """True when the negator at ``i`` is contracted, "never", or "not" after a contracted
        "be" ("im not", "youre not")."""
        word = words[i]
        if word == "not":
            return _at(words, i - 1) in CONTRACTED_BE
        return word in NEGATORS and word != "cannot"

    def _scope(self, words: Sequence[str]) -> Iterable[int]:
        """Positions of the words in the scope of a colloquial sentential negator."""
        for i in range(len(words)):
            if not self._colloquial(words, i):
                continue
            for j in range(i + 1, min(i + 1 + self.window, len(words))):
                if words[j] in BOUNDARIES or words[j] in _SUBJECT_ONLY or words[j] in NEGATORS:
                    break
                yield j

    def rewrite(self, tokens: list[str], words: list[str], rng: random.Random) -> list[str] | None:
        out = list(tokens)
        changed = False
        for j in self._scope(words):
            new = self._negative(words, j)
            if new is not None:
                out[j] = new
                changed = True
        return out if changed else None

    def shows(self, words: Sequence[str]) -> bool:
        """A negative indefinite at most three words after a negator in its clause ("cant find no
        crush", "aint nothing"); "no" only as a determiner ("dont have no money"), not as an
        answer ("i wouldnt say no"), in "no matter", or as the subject of a new clause ("it does
        not matter for no one cares")."""
        def concord(j: int) -> bool:
            if words[j] not in _NEGATIVE_INDEFINITES or not NEGATORS & set(words[max(0, j - 3):j]):
                return False
            after, then = _at(words, j + 1), _at(words, j + 2)
            if words[j] == "no" and (not after or after == "matter" or after in BOUNDARIES | _PRONOUNS
                                     | AUXILIARIES | _SUBJECT_ONLY | _NEGATIVE_INDEFINITES):
                return False
            verb = after if words[j] != "no" else then
            return verb not in AUXILIARIES and verb not in self.verbs.by_third
        return any(concord(j) for j in self._scope(words))

    @staticmethod
    def _negative(words: Sequence[str], j: int) -> str | None:
        """The negative-concord form of the word at ``j``, or ``None`` (also before "but", where
        "nothing but", "nobody but", "none but" would mean "only")."""
        word, after = words[j], _at(words, j + 1)
        if word in _CONCORD:
            new = _CONCORD[word]
        elif word == "any":
            pronoun_use = not after or after == "of" or after in BOUNDARIES or after in _SUBJECT_ONLY
            new = "none" if pronoun_use else "no"
        else:
            return None
        return None if after == "but" and new in ("nothing", "nobody", "none") else new


class CompletiveDone(TokenRule):
    """Completive done: a completed event in the present perfect takes ``done`` + the past form.

    "i have already told him" -> "i done told him", "she has finished" -> "she done finished".
    Continuative and experiential perfects are left alone (:func:`completive_perfect`): stative
    verbs (``excluded``), "been", and clauses with for/since/ever/never/always/before soon after.
    """

    def __init__(self, name: str, meta: Mapping[str, Any], verbs: VerbTable,
                 excluded: Iterable[str]) -> None:
        super().__init__(name, meta)
        self.verbs = verbs
        self.participles = _completive_participles(verbs, excluded)

    def rewrite(self, tokens: list[str], words: list[str], rng: random.Random) -> list[str] | None:
        def match(w: Sequence[str], i: int) -> tuple[int, list[str]] | None:
            hit = completive_perfect(w, i, self.participles)
            return None if hit is None else (hit[0], [hit[1], "done", hit[2].past])
        return substitute(tokens, words, match)

    def shows(self, words: Sequence[str]) -> bool:
        return _any_match(words, lambda w, i: w[i] in _PERSONAL and _at(w, i + 1) == "done"
                          and _at(w, i + 2) in self.verbs.by_past)


class HabitualBe(TokenRule):
    """Invariant habitual be: "i always feel" -> "i always be feeling", "shes always late" ->
    "she always be late". Needs a habitual adverb, so plain present tense is never rewritten;
    stative verbs in ``excluded`` (and "have") keep their simple present, and so do verbs whose
    base and past forms are alike ("i often read" may be past).

    The verb must head its own clause with its complement in place: where the next word is an
    auxiliary or a finite verb ("what i sometimes feel is carried"), a that/if clause, or nothing,
    the subject and verb sit in a relative clause or a fragment whose gap would strand "be"; verbs
    in ``object_first`` ("find", "make") must be followed by their object ("i normally find
    intimidating" has lost it)."""

    def __init__(self, name: str, meta: Mapping[str, Any], verbs: VerbTable,
                 adverbs: Iterable[str], excluded: Iterable[str], object_first: Iterable[str]) -> None:
        super().__init__(name, meta)
        self.verbs = verbs
        self.adverbs = frozenset(adverbs)
        self.excluded = frozenset(excluded) | {"have"}
        self.object_first = frozenset(object_first)

    def _gap(self, word: str) -> bool:
        """True when ``word`` cannot follow the verb inside its own clause."""
        return not word or word in AUXILIARIES or word in self.verbs.by_third or word in ("that", "if")

    def rewrite(self, tokens: list[str], words: list[str], rng: random.Random) -> list[str] | None:
        def match(w: Sequence[str], i: int) -> tuple[int, list[str]] | None:
            if _inverted(w, i):
                return None
            found = subject_be(w, i)
            if found and _at(w, i + found[0]) in self.adverbs:
                n, subject = found
                after = _at(w, i + n + 1)
                if self._gap(after) or after in ("going", "gonna") or _perfect(w[i], after, self.verbs):
                    return None
                return n + 1, [subject, w[i + n], "be"]
            adverb = _at(w, i + 1)
            if w[i] not in HAVE_OF_SUBJECT or adverb not in self.adverbs:
                return None
            verb = self.verbs.present(w[i], _at(w, i + 2))
            if verb is None or verb.base in self.excluded or verb.base == verb.past:
                return None
            after = _at(w, i + 3)
            if self._gap(after) or (verb.base in self.object_first and after not in _OBJECT_STARTS):
                return None
            return 3, [w[i], adverb, "be", verb.ing]
        return substitute(tokens, words, match)

    def shows(self, words: Sequence[str]) -> bool:
        """A subject + (habitual adverb) + "be" + a verb in -ing ("she be working", "i always be
        feeling"), not where standard English has a subjunctive or bare infinitive ("that you
        always be happy", "whether they be", "let it be")."""
        def match(w: Sequence[str], i: int) -> bool:
            if w[i] not in _PERSONAL or _inverted(w, i) or _at(w, i - 1) in _SUBJUNCTIVE:
                return False
            n = 2 if _at(w, i + 1) in self.adverbs else 1
            return _at(w, i + n) == "be" and _at(w, i + n + 1) in self.verbs.by_ing
        return _any_match(words, match)


class Finna(TokenRule):
    """Finna (fixing to) for the immediate future: "im going to cry" -> "im finna cry",
    "shes about to leave" -> "she finna leave", "they are gonna be late" -> "they finna be late".

    Finna takes the place of "going to"/"about to" and of the copula before it, as zero copula
    does elsewhere; first person keeps "im" ("I'm finna go"), because AAE does not delete "am"
    (Labov 1969), and a full "am/is/are" is never left before it. Only after a personal pronoun
    and present ``be`` (not "it is going to", nor past "was going to"), and not for motion
    ("going to school"): the word after "to" must be a verb."""

    _MARKERS = frozenset({("going", "to"), ("about", "to")})

    def __init__(self, name: str, meta: Mapping[str, Any], verbs: VerbTable,
                 blocked: Iterable[str]) -> None:
        super().__init__(name, meta)
        self.complements = (frozenset(verbs.by_base) | {"be"}) - frozenset(blocked)

    def rewrite(self, tokens: list[str], words: list[str], rng: random.Random) -> list[str] | None:
        def match(w: Sequence[str], i: int) -> tuple[int, list[str]] | None:
            found = subject_be(w, i)
            if found is None or found[1] not in _PERSONAL or _inverted(w, i):
                return None
            n, subject = found
            k = i + n
            m = 1 if _at(w, k) == "gonna" else 2 if (_at(w, k), _at(w, k + 1)) in self._MARKERS else 0
            if not m or _at(w, k + m) not in self.complements:
                return None
            head = ("im" if n == 2 else tokens[i]) if subject == "i" else subject
            return n + m, [head, "finna"]
        return substitute(tokens, words, match)

    def shows(self, words: Sequence[str]) -> bool:
        return "finna" in words


class ZeroCopula(TokenRule):
    """Copula/auxiliary ``be`` absence in the present: "she is happy" -> "she happy".

    Only after the given subject pronouns and, when ``before`` is given, only before those words
    (and, with ``progressive``, before the -ing form of a verb in the table: "im feeling" -> "i
    feeling"). Never clause-finally, nor where the predicate was moved away ("how happy she
    is"), nor in the past tense, nor where a fused "hes"/"its" may stand for "has" ("hes been"),
    nor before a participle that would then read as an active past ("he is sent" -> "he sent").

    With ``before``, the predicate after the cue words (and any of ``adverbs``: "not even",
    "not that") must be adjectival, locative or progressive (:meth:`_head`): not a noun phrase
    ("im not a people person", "im not the only one"), where Singapore English least often drops
    the copula, nor a word such as "like" that would read as a verb ("its not like" -> "it not
    like" reads as "it does not like").
    """

    _CUES = frozenset({"so", "very", "too", "not"})

    def __init__(self, name: str, meta: Mapping[str, Any], verbs: VerbTable,
                 subjects: Iterable[str], before: Iterable[str] | None = None,
                 progressive: bool = False, adverbs: Iterable[str] = (),
                 adjectives: Iterable[str] = (), locatives: Iterable[str] = ()) -> None:
        super().__init__(name, meta)
        self.subjects = frozenset(subjects)
        self.before = None if before is None else frozenset(before)
        self.progressive = progressive
        self.verbs = verbs
        self.modifiers = (self.before or frozenset()) | frozenset(adverbs)
        self.adjectives = frozenset(adjectives)
        self.locatives = frozenset(locatives)

    def _progressive(self, w: Sequence[str], j: int) -> bool:
        """True when ``w[j]`` is the -ing form of a verb in the table (or "gonna") heading its
        clause: not before an auxiliary, where the clause is a relative one with its gap after
        the verb ("all i am thinking is")."""
        return (_at(w, j) in self.verbs.by_ing or _at(w, j) == "gonna") and _at(w, j + 1) not in AUXILIARIES

    def _head(self, w: Sequence[str], k: int) -> bool:
        """True when ``w[k]`` heads an adjectival, locative or progressive predicate (an -ing
        form outside the table counts too, though not "something", "anything")."""
        head = _at(w, k)
        verbal = head.endswith("ing") and not head.endswith("thing") and len(head) > 5
        return (adjectival(head) or head in self.adjectives or head in self.locatives
                or head in self.verbs.by_participle or self._progressive(w, k)
                or (verbal and _at(w, k + 1) not in AUXILIARIES))

    def _modifier(self, w: Sequence[str], k: int) -> bool:
        """True when ``w[k]`` modifies the predicate after it: a word of ``before`` or
        ``adverbs``, or an -ly adverb that is not an adjective ("not constantly tired")."""
        word = _at(w, k)
        return word in self.modifiers or (word.endswith("ly") and word not in self.adjectives)

    def _predicate(self, w: Sequence[str], i: int, j: int) -> bool:
        """True when the copula of the subject at ``i`` may be left out before ``w[j]``: a word of
        ``before`` (and further modifiers) before a predicate :meth:`_head` accepts, or with
        ``progressive`` the -ing form of a verb in the table, though not "being" nor after
        "its"/"thats" (possessive "its meaning")."""
        if self.before is None:
            return True
        if w[j] in self.before:
            k = j
            while self._modifier(w, k):
                k += 1
            return self._head(w, k)
        return (self.progressive and w[j] != "being" and w[i] not in ("its", "thats")
                and self._progressive(w, j))

    def rewrite(self, tokens: list[str], words: list[str], rng: random.Random) -> list[str] | None:
        def match(w: Sequence[str], i: int) -> tuple[int, list[str]] | None:
            found = subject_be(w, i)
            if found is None or found[1] not in self.subjects or _inverted(w, i):
                return None
            n, subject = found
            after = _at(w, i + n)
            if not after or after in _CLAUSE_OPENERS or _perfect(w[i], after, self.verbs):
                return None
            passive = self.verbs.by_participle.get(after)
            if passive is not None and passive.past == after:
                return None
            if not self._predicate(w, i, i + n):
                return None
            if _at(w, i - 1) in _EXTRACTION or _at(w, i - 2) in ("how", "what"):
                return None
            return n, [subject]
        return substitute(tokens, words, match)

    def shows(self, words: Sequence[str]) -> bool:
        def match(w: Sequence[str], i: int) -> bool:
            if w[i] not in self.subjects & _SUBJECT_PRONOUNS or _inverted(w, i):
                return False
            after, nxt = _at(w, i + 1), _at(w, i + 2)
            if after in self._CUES:
                return ((adjectival(nxt) and nxt not in self.verbs.by_past)
                        or (after == "not" and nxt in self.verbs.by_ing))
            return after in self.verbs.by_ing and after != "being"
        return _any_match(words, match)


class ZeroThirdPerson(TokenRule):
    """Zero marking of the third person singular present: "she feels" -> "she feel",
    "it makes me" -> "it make me" (one adverb may stand between: "he always says")."""

    def __init__(self, name: str, meta: Mapping[str, Any], verbs: VerbTable,
                 adverbs: Iterable[str]) -> None:
        super().__init__(name, meta)
        self.verbs = verbs
        self.adverbs = frozenset(adverbs)

    def rewrite(self, tokens: list[str], words: list[str], rng: random.Random) -> list[str] | None:
        def match(w: Sequence[str], i: int) -> tuple[int, list[str]] | None:
            if w[i] not in THIRD_SINGULAR or _inverted(w, i):
                return None
            n = 2 if _at(w, i + 1) in self.adverbs else 1
            verb = self.verbs.by_third.get(_at(w, i + n))
            if verb is None:
                return None
            return n + 1, [*tokens[i:i + n], verb.base]
        return substitute(tokens, words, match)

    def shows(self, words: Sequence[str]) -> bool:
        def match(w: Sequence[str], i: int) -> bool:
            if w[i] not in ("he", "she") or _inverted(w, i) or _at(w, i - 1) == "to":
                return False
            n = 2 if _at(w, i + 1) in self.adverbs else 1
            verb = self.verbs.by_base.get(_at(w, i + n))
            return verb is not None and verb.base not in (verb.past, verb.third)
        return _any_match(words, match)


class StativeProgressive(TokenRule):
    """Progressive with stative verbs, for the speaker's own present feeling, state or
    possession: "i know" -> "i am knowing", "i want him" -> "i am wanting him", "i have goals"
    -> "i am having goals".

    Only a present-tense verb of a subject in ``subjects`` (the speaker) that opens a main clause
    (:data:`_MAIN_CLAUSE_START`: the text's start, and/but/so, a sentence adverb), so never in a
    relative clause ("everything i love in this world"), after a complementizer or a
    clause-taking verb ("i think i love her", "if i want to"), nor in a question.
    Possessive "have" only before a determiner ("i have a feeling" -> "i am having a feeling");
    a to-infinitive only after the verbs in ``with_to`` ("i want to go" -> "i am wanting to go"),
    and not when its verb is left out ("more than i need to").
    The verb needs an object or complement clause: not before a gerund ("i hate feeling"),
    a clause opener or an auxiliary, nor before a new subject unless the verb takes a clause
    (``with_clause``: "i know he is"). Verbs of liking in ``evaluative`` need a specific object
    (a pronoun or a definite noun phrase: "i love it", "i like the colour"): with a bare or
    indefinite one ("i love rides", "i love a hearty chat") or "it when" ("i hate it when") the
    clause is a generic statement of taste, not a present state. Verbs in
    ``standard_progressive`` (whose progressive standard English also uses: "im loving it",
    "im having a party") do not count as the feature in :meth:`shows`.
    """

    _DETERMINERS = frozenset({
        "a", "an", "the", "some", "no", "many", "much", "so", "such", "this", "that", "these",
        "those", "my", "your", "his", "her", "our", "their", "lots", "plenty", "two", "three",
    })
    #: Starts of a specific object: a pronoun or a definite noun phrase.
    _SPECIFIC = frozenset({
        "it", "him", "her", "them", "you", "us", "me", "myself", "yourself", "himself", "herself",
        "themselves", "this", "that", "these", "those", "the", "my", "your", "his", "our", "their"})

    def __init__(self, name: str, meta: Mapping[str, Any], verbs: VerbTable,
                 subjects: Iterable[str], stative: Iterable[str], with_to: Iterable[str],
                 with_clause: Iterable[str], evaluative: Iterable[str], adverbs: Iterable[str],
                 standard_progressive: Iterable[str]) -> None:
        super().__init__(name, meta)
        self.verbs = verbs
        self.subjects = frozenset(subjects)
        self.stative = frozenset(stative)
        self.with_to = frozenset(with_to)
        self.with_clause = frozenset(with_clause)
        self.evaluative = frozenset(evaluative)
        self.adverbs = frozenset(adverbs)
        self.marked = self.stative - frozenset(standard_progressive)

    def _complement(self, w: Sequence[str], verb: VerbForms, k: int) -> bool:
        """True when ``w[k:]`` is a complement that the progressive of ``verb`` can take."""
        after = _at(w, k)
        if not after or after in _CLAUSE_OPENERS or after in AUXILIARIES or after.endswith("ing"):
            return False
        if after in _SUBJECT_ONLY and verb.base not in self.with_clause:
            return False
        if verb.base == "have" and after not in self._DETERMINERS:
            return False
        if verb.base in self.evaluative and (after not in self._SPECIFIC
                                             or _at(w, k + 1) in ("when", "whenever", "if")):
            return False
        if after == "to":
            return verb.base in self.with_to and _at(w, k + 1) not in ("", *_CLAUSE_OPENERS)
        return True

    def rewrite(self, tokens: list[str], words: list[str], rng: random.Random) -> list[str] | None:
        def match(w: Sequence[str], i: int) -> tuple[int, list[str]] | None:
            subject = w[i]
            if subject not in self.subjects or _at(w, i - 1) not in _MAIN_CLAUSE_START:
                return None
            n = 2 if _at(w, i + 1) in self.adverbs else 1
            verb = self.verbs.present(subject, _at(w, i + n))
            if verb is None or verb.base not in self.stative or not self._complement(w, verb, i + n + 1):
                return None
            return n + 1, [subject, BE_OF_SUBJECT[subject], *tokens[i + 1:i + n], verb.ing]
        return substitute(tokens, words, match)

    def shows(self, words: Sequence[str]) -> bool:
        def match(w: Sequence[str], i: int) -> bool:
            found = subject_be(w, i)
            if found is None or _inverted(w, i):
                return False
            k = i + found[0] + (_at(w, i + found[0]) in self.adverbs)
            verb = self.verbs.by_ing.get(_at(w, k))
            return verb is not None and verb.base in self.marked
        return _any_match(words, match)


#: Present-tense auxiliaries after "i" in a present stance clause ("i am", "i can", "i dont").
_PRESENT_AUXILIARIES = frozenset({"am", "have", "do", "dont", "can", "cant", "cannot", "will", "wont"})


def first_person_present(words: Sequence[str], verbs: VerbTable, adverbs: Iterable[str]) -> bool:
    """True when the clause opens with the speaker as subject in the present tense: "im", "ive",
    or "i" + (words of ``adverbs``) + a present auxiliary, a present verb of the table whose past
    form differs ("i feel", "i think"; not "i replied", "i woke", nor "i put", which may be past),
    or the -ing form of a verb of the table (left by copula deletion: "i feeling")."""
    if _at(words, 0) in ("im", "ive"):
        return True
    if _at(words, 0) != "i":
        return False
    k = 1
    while _at(words, k) in adverbs:
        k += 1
    head = _at(words, k)
    verb = verbs.by_base.get(head)
    return (head in _PRESENT_AUXILIARIES or head in verbs.by_ing
            or (verb is not None and verb.past != head))


class ClauseFinalTag(TokenRule):
    """A tag or discourse particle after a short main declarative clause: "... isnt it",
    "... lah". Texts longer than ``max_words``, questions, texts cut off mid-phrase or holding a
    subordinate clause (:func:`short_main_clause`), and texts that already hold one of the tags
    are left alone. With ``subjects``, the clause must open with one of them and hold no
    first-person word (a confirmation tag asks the hearer to agree with a shared assessment,
    "it was a lovely day isnt it", not with the speaker's own feelings); with ``affirmative_only``, a
    negated clause is left alone. With ``verbs`` (the stance particles), the clause must state the
    speaker's present stance or feeling (:func:`first_person_present`, skipping ``adverbs``) and
    hold none of the ``reporting`` verbs: a particle marks the speaker's attitude in
    conversation, not a narrated or reported event ("i replied feeling strange lah", "i feel so
    awful she said lah" are not said).

    ``tags`` maps each tag, in order of preference, to the cue phrases that call for it (each
    particle has its own meaning: Singlish "lor" marks resignation, "leh" softens a tentative
    statement, "lah" asserts); the first tag with a cue in the text is used, otherwise the tag
    whose cue list is empty (the default), otherwise none. The choice depends on the text only.
    Tags are optional (a speaker does not end every clause with one): an eligible text takes
    one with probability ``rate``, drawn from the case's own rng, which caps the share of cases
    that differ from their source by a tag alone.
    """

    def __init__(self, name: str, meta: Mapping[str, Any], tags: Mapping[str, Sequence[str]],
                 max_words: int, subjects: Iterable[str] | None = None,
                 affirmative_only: bool = False, rate: float = 1.0, verbs: VerbTable | None = None,
                 adverbs: Iterable[str] = (), reporting: Iterable[str] = ()) -> None:
        super().__init__(name, meta)
        self.tags = {tuple(tag.split()): [tuple(c.split()) for c in cues or ()] for tag, cues in tags.items()}
        defaults = [tag for tag, cues in self.tags.items() if not cues]
        if len(defaults) > 1:
            raise AuditError(f"rule {name!r}: at most one tag may have no cues (the default), "
                             f"got {[' '.join(t) for t in defaults]}")
        self.default = defaults[0] if defaults else None
        self.max_words = int(max_words)
        self.subjects = None if subjects is None else frozenset(subjects)
        self.affirmative_only = affirmative_only
        self.rate = float(rate)
        self.verbs = verbs
        self.adverbs = frozenset(adverbs)
        self.reporting = frozenset(reporting)

    def choose(self, words: Sequence[str]) -> tuple[str, ...] | None:
        """The tag whose cues the text holds (first in order), else the default tag."""
        for tag, cues in self.tags.items():
            if any(_contains(words, cue) for cue in cues):
                return tag
        return self.default

    def rewrite(self, tokens: list[str], words: list[str], rng: random.Random) -> list[str] | None:
        if not short_main_clause(words, self.max_words) or any(_contains(words, t) for t in self.tags):
            return None
        if self.subjects is not None and (words[0] not in self.subjects or _FIRST_PERSON & set(words)):
            return None
        if self.affirmative_only and NEGATORS & set(words):
            return None
        if self.verbs is not None and (not first_person_present(words, self.verbs, self.adverbs)
                                       or not self.reporting.isdisjoint(words)):
            return None
        tag = self.choose(words)
        if tag is None or rng.random() >= self.rate:
            return None
        return [*tokens, " ".join(tag)]

    def shows(self, words: Sequence[str]) -> bool:
        for tag in self.tags:
            if len(tag) == 1 and tag[0] in words:
                return True
            if len(tag) > 1 and tuple(words[-len(tag):]) == tag and not _BE_FORMS & set(words[:-len(tag)]):
                return True
        return False


class DegreeWord(TokenRule):
    """A degree word in another form: expressive lengthening ("i feel so tired" -> "i feel sooo
    tired") or Indian English "too much" for "very" ("i was very happy" -> "i was too much happy").

    Only where ``word`` modifies a predicate: after a linking verb (``after``) or before one of
    ``before`` ("so many"), never before a clause boundary or one of ``blocked`` (determiner uses
    such as "very first", "very much"), so conjunction "so" ("so i left") stays. With
    ``adjectives_only``, not before an -ly adverb ("feel very strongly") other than the -ly
    adjectives listed in ``ly_adjectives`` ("very lonely"), not in a negated clause ("not
    feeling very hopeful": "not too much" would read as "not excessively"), and only before a
    one-word adjective: not before a pronoun, nor the first part of a compound adjective whose
    head is in ``compound_heads`` ("very touch deprived", "very eco friendly"), nor an
    adjective before a noun ("very close connections"). With ``heads``, only before one of them:
    "too much" reads as "excessively" to a reader of standard English, which leaves the meaning
    of a negative feeling or a plain state alone ("too much tired") but turns honour or praise
    into its opposite ("too much honoured": more than deserved). Texts holding one of
    ``skip_phrases`` are left alone ("very much hope" beside "too much" mixes the two uses)."""

    def __init__(self, name: str, meta: Mapping[str, Any], word: str, replacement: str,
                 after: Iterable[str], before: Iterable[str] = (), blocked: Iterable[str] = (),
                 adjectives_only: bool = False, ly_adjectives: Iterable[str] = (),
                 compound_heads: Iterable[str] = (), heads: Iterable[str] = (),
                 skip_phrases: Iterable[str] = ()) -> None:
        super().__init__(name, meta)
        self.word = word
        self.replacement = tuple(replacement.split())
        self.after = frozenset(after)
        self.before = frozenset(before)
        self.blocked = frozenset(blocked)
        self.adjectives_only = adjectives_only
        self.ly_adjectives = frozenset(ly_adjectives)
        self.compound_heads = frozenset(compound_heads)
        self.heads = frozenset(heads)
        self.skip_phrases = [tuple(p.split()) for p in skip_phrases]

    def _adjective(self, w: Sequence[str], k: int) -> bool:
        """True when ``w[k]`` can be a one-word adjective heading the predicate."""
        word, then = _at(w, k), _at(w, k + 1)
        return not ((word.endswith("ly") and word not in self.ly_adjectives) or word in _PRONOUNS
                    or word in _SUBJECT_ONLY or then in self.compound_heads or nominal(then))

    def _modifies(self, w: Sequence[str], i: int, n: int) -> bool:
        """True when the degree word at ``w[i:i+n]`` modifies a predicate."""
        nxt = _at(w, i + n)
        if not nxt or nxt in BOUNDARIES or nxt in self.blocked:
            return False
        if self.adjectives_only and (not self._adjective(w, i + n) or NEGATORS & set(w[max(0, i - 3):i])):
            return False
        if self.heads and nxt not in self.heads:
            return False
        return _at(w, i - 1) in self.after or nxt in self.before

    def rewrite(self, tokens: list[str], words: list[str], rng: random.Random) -> list[str] | None:
        if any(_contains(words, p) for p in self.skip_phrases):
            return None

        def match(w: Sequence[str], i: int) -> tuple[int, list[str]] | None:
            if w[i] != self.word or not self._modifies(w, i, 1):
                return None
            return 1, [" ".join(self.replacement)]
        return substitute(tokens, words, match)

    def shows(self, words: Sequence[str]) -> bool:
        n = len(self.replacement)
        return _any_match(words, lambda w, i: tuple(w[i:i + n]) == self.replacement and self._modifies(w, i, n)
                          and (not self.adjectives_only or adjectival(_at(w, i + n))
                               or _at(w, i + n) in self.ly_adjectives))


class ZeroArticle(TokenRule):
    """Zero article where standard English has "a", in quantity phrases: "a lot of" -> "lot of",
    "a little bit" -> "little bit". Not after ``blocked_before`` words ("quite a lot of").

    "a little" + adjective is left alone: to a reader of standard English, "feeling little
    anxious" can mean "hardly anxious", the opposite of "a little anxious"; "little bit" has no
    such reading."""

    def __init__(self, name: str, meta: Mapping[str, Any], phrases: Iterable[str],
                 linking: Iterable[str], blocked_before: Iterable[str]) -> None:
        super().__init__(name, meta)
        if any(p.split()[:1] != ["a"] for p in phrases):
            raise AuditError(f"rule {name!r}: every phrase must start with the article 'a': {list(phrases)}")
        self.phrases = [tuple(p.split()[1:]) for p in phrases]
        self.linking = frozenset(linking)
        self.blocked_before = frozenset(blocked_before)

    def _bare(self, w: Sequence[str], i: int) -> bool:
        """True when ``w[i:]`` starts with one of the phrases without its article."""
        return any(tuple(w[i:i + len(p)]) == p for p in self.phrases)

    def rewrite(self, tokens: list[str], words: list[str], rng: random.Random) -> list[str] | None:
        def match(w: Sequence[str], i: int) -> tuple[int, list[str]] | None:
            if w[i] != "a" or _at(w, i - 1) in self.blocked_before:
                return None
            return (1, []) if self._bare(w, i + 1) else None
        return substitute(tokens, words, match)

    def shows(self, words: Sequence[str]) -> bool:
        """A bare quantity phrase right after a linking verb or a verb of having ("feeling little
        bit better", "have lot of work"), where standard English needs "a" ("when she was
        little", "an awful lot of" are not counted)."""
        return _any_match(words, lambda w, i: _at(w, i - 1) in self.linking | _QUANTITY_VERBS
                          and self._bare(w, i))


class InvertedIndirectQuestion(TokenRule):
    """Inverted word order in indirect questions: "i dont know why i feel this way" -> "i dont
    know why do i feel this way", "i wonder what she is doing" -> "i wonder what is she doing",
    "not sure what i should do" -> "not sure what should i do".

    Only after a predicate that embeds a question (``predicates``: wonder, not sure, dont know,
    ...) and a wh-word directly followed by a subject pronoun, so free relatives ("i know what i
    want") and wh-subjects ("what happened") are left alone. ``be`` and the auxiliaries in
    ``auxiliaries`` move before the subject; a lexical verb takes do-support (do/does/did).
    """

    def __init__(self, name: str, meta: Mapping[str, Any], verbs: VerbTable,
                 predicates: Iterable[str], wh: Iterable[str], auxiliaries: Iterable[str]) -> None:
        super().__init__(name, meta)
        self.verbs = verbs
        self.predicates = [tuple(p.split()) for p in predicates]
        self.wh = frozenset(wh)
        self.auxiliaries = frozenset(auxiliaries)

    def _after_predicate(self, w: Sequence[str], i: int) -> bool:
        """True when a question-embedding predicate ends right before ``i``."""
        return any(tuple(w[max(0, i - len(p)):i]) == p for p in self.predicates)

    def _participle(self, word: str) -> bool:
        """True when ``word`` makes a preceding "have" an auxiliary (a perfect)."""
        return word in self.verbs.by_participle or word in ("been", "got")

    def _inverted_clause(self, w: Sequence[str], i: int) -> tuple[int, list[str]] | None:
        """``(length, new words)`` for the clause "subject + verb" starting at ``i``."""
        found = subject_be(w, i)
        if found is not None:
            n, subject = found
            if subject not in _PRONOUNS - {"that", "there", "this"} or _perfect(w[i], _at(w, i + n), self.verbs):
                return None
            return n, [BE_OF_SUBJECT[subject], subject]
        found = subject_have(w, i)
        if found is not None and self._participle(_at(w, i + found[0])):
            return found[0], [HAVE_OF_SUBJECT[found[1]], found[1]]
        subject, verb = _at(w, i), _at(w, i + 1)
        if subject not in _PERSONAL | {"it"}:
            return None
        if verb in self.auxiliaries or (verb == "had" and self._participle(_at(w, i + 2))):
            return 2, [verb, subject]
        lexical = self.verbs.present(subject, verb) or self.verbs.by_past.get(verb)
        if lexical is None or lexical.base == lexical.past:
            return None
        do = "did" if verb == lexical.past else "does" if subject in THIRD_SINGULAR else "do"
        return 2, [do, subject, lexical.base]

    def rewrite(self, tokens: list[str], words: list[str], rng: random.Random) -> list[str] | None:
        def match(w: Sequence[str], i: int) -> tuple[int, list[str]] | None:
            if w[i] not in self.wh or not self._after_predicate(w, i):
                return None
            clause = self._inverted_clause(w, i + 1)
            return None if clause is None else (clause[0] + 1, [tokens[i], *clause[1]])
        return substitute(tokens, words, match)

    def shows(self, words: Sequence[str]) -> bool:
        def match(w: Sequence[str], i: int) -> bool:
            verb, subject = _at(w, i + 1), _at(w, i + 2)
            return (w[i] in self.wh and self._after_predicate(w, i) and subject in _PERSONAL | {"it"}
                    and (verb in self.auxiliaries or verb in BE_OF_SUBJECT.values()
                         or verb in ("do", "does", "did")))
        return _any_match(words, match)


class AlreadyPerfect(TokenRule):
    """Perfect marker "already": a completive present perfect becomes the bare verb with
    clause-final "already": "i have finished my work and" -> "i finish my work already and",
    "ive lost my keys" -> "i lose my keys already".

    The perfect must be completive (:func:`completive_perfect`; stative verbs in ``excluded`` are
    left alone), its subject must open a main or complement clause (not a relative clause: "the
    things ive said"), and its verb phrase must end, within ``max_object`` words, at the end of
    the text or at a conjunction; a verb phrase holding another clause, a to-infinitive or a
    subject is left alone, where "already" could not go clause-finally."""

    def __init__(self, name: str, meta: Mapping[str, Any], verbs: VerbTable,
                 excluded: Iterable[str], max_object: int) -> None:
        super().__init__(name, meta)
        self.verbs = verbs
        self.participles = _completive_participles(verbs, excluded)
        self.excluded = frozenset(excluded)
        self.max_object = int(max_object)

    def _clause_ends(self, w: Sequence[str], j: int) -> bool:
        """True when the text ends at ``j`` or a new clause or verb phrase starts there: a
        conjunction other than and/or, or and/or before a subject or a verb ("and toes" joins
        two nouns, "and i", "and am" two clauses)."""
        if j >= len(w) or (w[j] in CONJUNCTIONS and w[j] not in ("and", "or")):
            return True
        nxt = _at(w, j + 1)
        return w[j] in ("and", "or") and (nxt in _SUBJECT_ONLY or nxt in AUXILIARIES or nxt in self.verbs.by_base
                                          or nxt in self.verbs.by_third or nxt in self.verbs.by_past)

    def _phrase_end(self, w: Sequence[str], start: int) -> int | None:
        """Where the verb phrase whose object starts at ``start`` ends, or ``None``."""
        j = start
        while not self._clause_ends(w, j):
            if w[j] in BOUNDARIES or w[j] in _SUBJECT_ONLY or w[j] in ("to", "already") or j - start >= self.max_object:
                return None
            j += 1
        return j

    def rewrite(self, tokens: list[str], words: list[str], rng: random.Random) -> list[str] | None:
        def match(w: Sequence[str], i: int) -> tuple[int, list[str]] | None:
            if not clause_start(w, i):
                return None
            hit = completive_perfect(w, i, self.participles)
            if hit is None:
                return None
            n, subject, verb = hit
            end = self._phrase_end(w, i + n)
            if end is None:
                return None
            return end - i, [subject, verb.base, *tokens[i + n:end], "already"]
        return substitute(tokens, words, match)

    def shows(self, words: Sequence[str]) -> bool:
        def match(w: Sequence[str], i: int) -> bool:
            if w[i] != "already" or (_at(w, i + 1) and _at(w, i + 1) not in CONJUNCTIONS):
                return False
            for k in range(max(0, i - self.max_object - 1), i):
                verb = self.verbs.by_base.get(_at(w, k + 1))
                if (w[k] in _SUBJECT_PRONOUNS and verb is not None and verb.base != verb.past
                        and verb.base not in self.excluded):
                    return True
            return False
        return _any_match(words, match)


class ExistentialGot(TokenRule):
    """Existential "got": "there are so many people" -> "got so many people", "theres a problem"
    -> "got a problem". Only clause-initially (after a conjunction or a verb taking a complement
    clause), in the present, and before a determiner or quantifier in ``quantifiers`` (so never
    the negative "there is no", nor locative "there")."""

    #: Quantifiers after clause-initial "got" that only the existential reading allows
    #: ("got a ..." may be a possessive with the subject left out).
    _EXISTENTIAL_ONLY = frozenset({"so", "many", "plenty", "lots"})

    def __init__(self, name: str, meta: Mapping[str, Any], quantifiers: Iterable[str]) -> None:
        super().__init__(name, meta)
        self.quantifiers = frozenset(quantifiers)

    def rewrite(self, tokens: list[str], words: list[str], rng: random.Random) -> list[str] | None:
        def match(w: Sequence[str], i: int) -> tuple[int, list[str]] | None:
            if not clause_start(w, i):
                return None
            n = 1 if w[i] == "theres" else 2 if w[i] == "there" and _at(w, i + 1) in ("is", "are") else 0
            if not n or _at(w, i + n) not in self.quantifiers:
                return None
            return n, ["got"]
        return substitute(tokens, words, match)

    def shows(self, words: Sequence[str]) -> bool:
        return _any_match(words, lambda w, i: w[i] == "got" and clause_start(w, i)
                          and _at(w, i + 1) in self._EXISTENTIAL_ONLY)


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
