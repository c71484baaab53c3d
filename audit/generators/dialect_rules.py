"""Rule-based dialect rewrites for lowercase, apostrophe-free English.

The emotion data is lowercase with punctuation removed, so contractions appear either fused ("im",
"dont", "ive") or split ("i m", "don t"). :func:`tokenize` keeps a split contraction together as one
token, rules match on the fused spelling (:func:`fuse`), and joining the tokens back with spaces
restores the text exactly, so untouched parts keep their original spelling.

Every rule is a small :class:`~audit.generators.base.Perturbation` that returns ``None`` where its
structure is not matched: rules are never forced. The word tables below are closed-class words
(pronouns, auxiliaries, clause boundaries) that are part of the rules' logic; open-class lists (verb
forms, adverbs, slang, spelling exclusions) are passed in from the files under ``suites/data``.
"""
from __future__ import annotations

import random
from abc import abstractmethod
from dataclasses import dataclass
from typing import Any, Callable, Iterable, Mapping, Sequence

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
#: Fused forms that may stand for subject + "has" ("hes been", "its got").
_HAS_AMBIGUOUS = frozenset({"hes", "shes", "its"})
#: Words before a subject that show its predicate was moved away ("how happy she is").
_EXTRACTION = frozenset({"what", "who", "how", "where", "whatever", "wherever", "however", "than", "as"})
#: Subject pronouns (and their fused forms) that start a new clause.
_SUBJECT_ONLY = frozenset({"i", "he", "she", "we", "they", "im", "ive", "hes", "shes", "theyre", "weve"})
#: Negative-polarity items and their negative-concord counterparts ("any" is handled apart).
_CONCORD: dict[str, str] = {
    "anything": "nothing", "anyone": "nobody", "anybody": "nobody", "anywhere": "nowhere",
    "anymore": "no more",
}
#: Words a complete clause does not end with (a text ending in one was cut off mid-phrase).
_OPEN_ENDINGS = BOUNDARIES | frozenset({
    "the", "a", "an", "to", "of", "in", "on", "at", "for", "with", "from", "by", "about", "into",
    "my", "your", "his", "her", "their", "our", "its", "is", "am", "are", "was", "were", "be",
    "been", "i", "im", "very", "really", "more", "most", "not", "no", "dont", "cant", "just",
})
_WH = frozenset({"what", "why", "how", "who", "where", "when", "which"})
_PRONOUNS = frozenset({"i", "you", "we", "they", "he", "she", "it", "there", "that", "this"})


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


def _subject_verb(words: Sequence[str], i: int, contracted: Mapping[str, str],
                  verb_of_subject: Mapping[str, str]) -> tuple[int, str] | None:
    """``(length, subject)`` if ``words[i:]`` starts with a contracted subject + verb ("im") or a
    subject followed by its verb form ("she is")."""
    word = words[i]
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


def _perfect(first: str, after: str, verbs: "VerbTable") -> bool:
    """True when "be" + ``after`` may really be a perfect: "been" always ("is been" is impossible),
    a participle or "got" after a fused "hes"/"shes"/"its" (which may stand for "has")."""
    return after == "been" or (first in _HAS_AMBIGUOUS and (after in verbs.by_participle or after == "got"))


def is_question(words: Sequence[str]) -> bool:
    """True for texts that open like a question ("do you ...", "why do i ...")."""
    first, second = _at(words, 0), _at(words, 1)
    return (first in AUXILIARIES and second in _PRONOUNS) or (first in _WH and second in AUXILIARIES)


def ends_clause(words: Sequence[str]) -> bool:
    """True when the text ends like a complete declarative clause (where a tag can follow)."""
    return bool(words) and words[-1] not in _OPEN_ENDINGS and not is_question(words)


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
        self.by_participle = {r.participle: r for r in rows}

    def present(self, subject: str, word: str) -> VerbForms | None:
        """The verb if ``word`` is its present-tense form agreeing with ``subject``."""
        table = self.by_third if subject in THIRD_SINGULAR else self.by_base if subject in NON_THIRD else {}
        return table.get(word)


class TokenRule(Perturbation):
    """A rule that rewrites a text's tokens. ``meta`` carries ``variety`` and ``ewave`` (the eWAVE
    feature numbers the rule implements, empty when it implements none)."""

    def __init__(self, name: str, meta: Mapping[str, Any]) -> None:
        self.name = name
        self.meta = dict(meta)

    def perturb(self, text: str, rng: random.Random) -> str | None:
        tokens = tokenize(text)
        new = self.rewrite(tokens, [fuse(t) for t in tokens], rng)
        if new is None:
            return None
        out = " ".join(new)
        return out if out != text else None

    @abstractmethod
    def rewrite(self, tokens: list[str], words: list[str], rng: random.Random) -> list[str] | None:
        """New tokens, or ``None`` where the rule does not apply. ``words`` are the fused tokens."""


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


class InvariantDont(TokenRule):
    """Invariant don't for all persons: "she doesnt care" -> "she dont care"."""

    def rewrite(self, tokens: list[str], words: list[str], rng: random.Random) -> list[str] | None:
        return substitute(tokens, words, lambda w, i: (1, [tokens[i].replace("doesn", "don")])
                          if w[i] == "doesnt" else None)


class NegativeConcord(TokenRule):
    """Negative concord: indefinites in the scope of a negation take the negative form.

    "i dont have any money" -> "i dont have no money", "i dont want any" -> "i dont want none",
    "i didnt see anyone" -> "i didnt see nobody". The scope runs from the negator to the next
    clause boundary or subject pronoun, at most ``window`` words.
    """

    window = 8

    def rewrite(self, tokens: list[str], words: list[str], rng: random.Random) -> list[str] | None:
        out = list(tokens)
        changed = False
        for i, word in enumerate(words):
            if word not in NEGATORS or (word == "not" and _at(words, i - 1) == "or"):
                continue
            for j in range(i + 1, min(i + 1 + self.window, len(words))):
                if words[j] in BOUNDARIES or words[j] in _SUBJECT_ONLY or words[j] in NEGATORS:
                    break
                new = self._negative(words, j)
                if new is not None:
                    out[j] = new
                    changed = True
        return out if changed else None

    @staticmethod
    def _negative(words: Sequence[str], j: int) -> str | None:
        word = words[j]
        if word in _CONCORD:
            return _CONCORD[word]
        if word != "any":
            return None
        after = _at(words, j + 1)
        pronoun_use = not after or after == "of" or after in BOUNDARIES or after in _SUBJECT_ONLY
        return "none" if pronoun_use else "no"


class CompletiveDone(TokenRule):
    """Completive done: a completed event in the present perfect takes ``done`` + the past form.

    "i have already told him" -> "i done told him", "she has finished" -> "she done finished".
    Continuative and experiential perfects are left alone: stative verbs (``excluded``), "been",
    and clauses with for/since/ever/never/always/before soon after the verb.
    """

    _NOT_COMPLETIVE = frozenset({"for", "since", "ever", "never", "always", "before", "yet"})

    def __init__(self, name: str, meta: Mapping[str, Any], verbs: VerbTable,
                 excluded: Iterable[str]) -> None:
        super().__init__(name, meta)
        excluded = frozenset(excluded)
        self.participles = {p: v for p, v in verbs.by_participle.items() if v.base not in excluded}

    def rewrite(self, tokens: list[str], words: list[str], rng: random.Random) -> list[str] | None:
        def match(w: Sequence[str], i: int) -> tuple[int, list[str]] | None:
            found = subject_have(w, i)
            if found is None or _inverted(w, i):
                return None
            n, subject = found
            if _at(w, i + n) == "already":
                n += 1
            verb = self.participles.get(_at(w, i + n))
            if verb is None or self._NOT_COMPLETIVE & set(w[i + n + 1:i + n + 7]):
                return None
            return n + 1, [subject, "done", verb.past]
        return substitute(tokens, words, match)


class HabitualBe(TokenRule):
    """Invariant habitual be: "i always feel" -> "i always be feeling", "shes always tired" ->
    "she always be tired". Needs a habitual adverb, so plain present tense is never rewritten;
    stative verbs in ``excluded`` (and "have") keep their simple present, and so do verbs whose
    base and past forms are alike ("i often read" may be past)."""

    def __init__(self, name: str, meta: Mapping[str, Any], verbs: VerbTable,
                 adverbs: Iterable[str], excluded: Iterable[str]) -> None:
        super().__init__(name, meta)
        self.verbs = verbs
        self.adverbs = frozenset(adverbs)
        self.excluded = frozenset(excluded) | {"have"}

    def rewrite(self, tokens: list[str], words: list[str], rng: random.Random) -> list[str] | None:
        def match(w: Sequence[str], i: int) -> tuple[int, list[str]] | None:
            if _inverted(w, i):
                return None
            found = subject_be(w, i)
            if found and _at(w, i + found[0]) in self.adverbs:
                n, subject = found
                after = _at(w, i + n + 1)
                if not after or after in ("going", "gonna") or _perfect(w[i], after, self.verbs):
                    return None
                return n + 1, [subject, w[i + n], "be"]
            adverb = _at(w, i + 1)
            if w[i] not in HAVE_OF_SUBJECT or adverb not in self.adverbs:
                return None
            verb = self.verbs.present(w[i], _at(w, i + 2))
            if verb is None or verb.base in self.excluded or verb.base == verb.past:
                return None
            return 3, [w[i], adverb, "be", verb.ing]
        return substitute(tokens, words, match)


class Finna(TokenRule):
    """Finna (fixing to) for the immediate future: "im going to cry" -> "im finna cry",
    "shes about to leave" -> "shes finna leave". Only after a personal pronoun and present
    ``be`` (not "it is going to", nor past "was going to"), and not for motion ("going to
    school"): the word after "to" must be a verb."""

    _MARKERS = frozenset({("going", "to"), ("about", "to")})

    def __init__(self, name: str, meta: Mapping[str, Any], verbs: VerbTable,
                 blocked: Iterable[str]) -> None:
        super().__init__(name, meta)
        self.complements = (frozenset(verbs.by_base) | {"be"}) - frozenset(blocked)

    def rewrite(self, tokens: list[str], words: list[str], rng: random.Random) -> list[str] | None:
        def match(w: Sequence[str], i: int) -> tuple[int, list[str]] | None:
            n = 1 if w[i] == "gonna" else 2 if (w[i], _at(w, i + 1)) in self._MARKERS else 0
            if not n or _at(w, i + n) not in self.complements:
                return None
            if not any(subject_be(w, i - k) == (k, s) for k in (1, 2) for s in _PERSONAL):
                return None
            return n, ["finna"]
        return substitute(tokens, words, match)


class ZeroCopula(TokenRule):
    """Copula/auxiliary ``be`` absence in the present: "she is happy" -> "she happy".

    Only after the given subject pronouns and, when ``before`` is given, only before those words.
    Never clause-finally, nor where the predicate was moved away ("how happy she is"), nor in the
    past tense, nor where a fused "hes"/"its" may stand for "has" ("hes been"), nor before a
    participle that would then read as an active past ("he is sent" -> "he sent").
    """

    def __init__(self, name: str, meta: Mapping[str, Any], verbs: VerbTable,
                 subjects: Iterable[str], before: Iterable[str] | None = None) -> None:
        super().__init__(name, meta)
        self.subjects = frozenset(subjects)
        self.before = None if before is None else frozenset(before)
        self.verbs = verbs

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
            if self.before is not None and after not in self.before:
                return None
            if _at(w, i - 1) in _EXTRACTION or _at(w, i - 2) in ("how", "what"):
                return None
            return n, [subject]
        return substitute(tokens, words, match)


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


class StativeProgressive(TokenRule):
    """Progressive with stative verbs: "i know" -> "i am knowing", "she wants" -> "she is wanting".

    Possessive "have" only before a determiner ("i have a feeling" -> "i am having a feeling");
    a to-infinitive only after the verbs in ``with_to`` ("i want to go" -> "i am wanting to go"),
    and not when its verb is left out ("more than they need to").
    The verb needs an object or complement clause: not before a gerund ("i hate feeling"),
    a clause opener or an auxiliary (the gap of "everyone i know would"). "you know" is left
    alone (a discourse marker).
    """

    _DETERMINERS = frozenset({
        "a", "an", "the", "some", "no", "many", "much", "so", "such", "this", "that", "these",
        "those", "my", "your", "his", "her", "our", "their", "lots", "plenty", "two", "three",
    })

    def __init__(self, name: str, meta: Mapping[str, Any], verbs: VerbTable,
                 stative: Iterable[str], with_to: Iterable[str], adverbs: Iterable[str]) -> None:
        super().__init__(name, meta)
        self.verbs = verbs
        self.stative = frozenset(stative)
        self.with_to = frozenset(with_to)
        self.adverbs = frozenset(adverbs)

    def rewrite(self, tokens: list[str], words: list[str], rng: random.Random) -> list[str] | None:
        def match(w: Sequence[str], i: int) -> tuple[int, list[str]] | None:
            subject = w[i]
            if subject not in HAVE_OF_SUBJECT or subject == "it" or _inverted(w, i):
                return None
            n = 2 if _at(w, i + 1) in self.adverbs else 1
            verb = self.verbs.present(subject, _at(w, i + n))
            if verb is None or verb.base not in self.stative or (subject, verb.base) == ("you", "know"):
                return None
            after = _at(w, i + n + 1)
            if not after or after in _CLAUSE_OPENERS or after in AUXILIARIES or after.endswith("ing"):
                return None
            if verb.base == "have" and after not in self._DETERMINERS:
                return None
            elided = _at(w, i + n + 2) in ("", *_CLAUSE_OPENERS)
            if after == "to" and (verb.base not in self.with_to or elided):
                return None
            return n + 1, [subject, BE_OF_SUBJECT[subject], *tokens[i + 1:i + n], verb.ing]
        return substitute(tokens, words, match)


class ClauseFinalTag(TokenRule):
    """A tag or discourse particle after a complete declarative clause: "... isnt it",
    "... lah". One of ``tags`` is drawn with the rng; texts that end mid-phrase, open like a
    question, or already end with a tag are left alone."""

    def __init__(self, name: str, meta: Mapping[str, Any], tags: Sequence[str]) -> None:
        super().__init__(name, meta)
        self.tags = tuple(tags)

    def rewrite(self, tokens: list[str], words: list[str], rng: random.Random) -> list[str] | None:
        tagged = any(words[-len(tag.split()):] == tag.split() for tag in self.tags)
        if tagged or not ends_clause(words):
            return None
        return [*tokens, rng.choice(self.tags)]


class BritishSpelling(TokenRule):
    """US to UK spelling, word by word, through ``respell`` (e.g. breame's table): "color" ->
    "colour", "realize" -> "realise". Words in ``excluded`` are kept (context-dependent or
    archaic entries such as "practice" or "connection")."""

    def __init__(self, name: str, meta: Mapping[str, Any], respell: Callable[[str], str],
                 excluded: Iterable[str]) -> None:
        super().__init__(name, meta)
        self.respell = respell
        self.excluded = frozenset(excluded)

    def rewrite(self, tokens: list[str], words: list[str], rng: random.Random) -> list[str] | None:
        def match(w: Sequence[str], i: int) -> tuple[int, list[str]] | None:
            if " " in tokens[i] or w[i] in self.excluded:
                return None
            uk = self.respell(w[i])
            return (1, [uk]) if uk != w[i] else None
        return substitute(tokens, words, match)


class Abbreviation(TokenRule):
    """Internet-register abbreviations from a phrase table: "you" -> "u", "i dont know" -> "idk",
    "because" -> "cuz" or "bc" (the rng picks among a phrase's alternatives). Longest phrase wins."""

    def __init__(self, name: str, meta: Mapping[str, Any],
                 table: Mapping[tuple[str, ...], Sequence[str]]) -> None:
        super().__init__(name, meta)
        self.table = dict(table)
        self.longest = max((len(k) for k in self.table), default=0)

    def rewrite(self, tokens: list[str], words: list[str], rng: random.Random) -> list[str] | None:
        def match(w: Sequence[str], i: int) -> tuple[int, list[str]] | None:
            for n in range(min(self.longest, len(w) - i), 0, -1):
                choices = self.table.get(tuple(w[i:i + n]))
                if choices:
                    return n, [rng.choice(choices)]
            return None
        return substitute(tokens, words, match)


class Lengthening(TokenRule):
    """Expressive lengthening of intensifier "so": "i feel so tired" -> "i feel sooo tired".

    Only after a linking verb or before much/many, so conjunction "so" ("so i left") stays.
    """

    def __init__(self, name: str, meta: Mapping[str, Any], word: str, lengthened: str,
                 after: Iterable[str], before: Iterable[str]) -> None:
        super().__init__(name, meta)
        self.word = word
        self.lengthened = lengthened
        self.after = frozenset(after)
        self.before = frozenset(before)

    def rewrite(self, tokens: list[str], words: list[str], rng: random.Random) -> list[str] | None:
        def match(w: Sequence[str], i: int) -> tuple[int, list[str]] | None:
            if w[i] != self.word or not _at(w, i + 1) or _at(w, i + 1) in BOUNDARIES:
                return None
            if _at(w, i - 1) in self.after or _at(w, i + 1) in self.before:
                return 1, [self.lengthened]
            return None
        return substitute(tokens, words, match)
