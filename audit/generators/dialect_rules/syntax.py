"""Copula, agreement, articles and word order: zero copula, zero third person -s, existential
got, zero article and inverted indirect questions.

Each rule drops or moves a function word where the variety does and the sentence keeps its
meaning: never where the predicate was moved away ("how happy she is"), where a participle would
read as an active past ("he is sent" -> "he sent"), or where a bare quantity phrase would read as
its opposite ("feeling little anxious").
"""
from __future__ import annotations

import random
from typing import Any, Iterable, Mapping, Sequence

from ...errors import AuditError
from .rule import TokenRule
from .text import (AUXILIARIES, CLAUSE_OPENERS, PERSONAL, PRONOUNS, SUBJECT_ONLY_PRONOUNS, THIRD_SINGULAR,
                   adjectival, any_match, at, clause_start, inverted, substitute)
from .verbs import BE_OF_SUBJECT, HAVE_OF_SUBJECT, VerbTable, perfect, subject_be, subject_have

#: Words before a subject that show its predicate was moved away ("how happy she is").
_EXTRACTION = frozenset({"what", "who", "how", "where", "whatever", "wherever", "however", "than", "as"})
#: Verbs of having and spending, after which a quantity phrase needs its article in standard
#: English ("have a lot of").
_QUANTITY_VERBS = frozenset({"have", "has", "had", "with", "spend", "spent", "take", "took", "need", "needs",
                             "needed", "there"})


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
        return (at(w, j) in self.verbs.by_ing or at(w, j) == "gonna") and at(w, j + 1) not in AUXILIARIES

    def _head(self, w: Sequence[str], k: int) -> bool:
        """True when ``w[k]`` heads an adjectival, locative or progressive predicate (an -ing
        form outside the table counts too, though not "something", "anything")."""
        head = at(w, k)
        verbal = head.endswith("ing") and not head.endswith("thing") and len(head) > 5
        return (adjectival(head) or head in self.adjectives or head in self.locatives
                or head in self.verbs.by_participle or self._progressive(w, k)
                or (verbal and at(w, k + 1) not in AUXILIARIES))

    def _modifier(self, w: Sequence[str], k: int) -> bool:
        """True when ``w[k]`` modifies the predicate after it: a word of ``before`` or
        ``adverbs``, or an -ly adverb that is not an adjective ("not constantly tired")."""
        word = at(w, k)
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
            if found is None or found[1] not in self.subjects or inverted(w, i):
                return None
            n, subject = found
            after = at(w, i + n)
            if not after or after in CLAUSE_OPENERS or perfect(w[i], after, self.verbs):
                return None
            passive = self.verbs.by_participle.get(after)
            if passive is not None and passive.past == after:
                return None
            if not self._predicate(w, i, i + n):
                return None
            if at(w, i - 1) in _EXTRACTION or at(w, i - 2) in ("how", "what"):
                return None
            return n, [subject]
        return substitute(tokens, words, match)

    def shows(self, words: Sequence[str]) -> bool:
        def match(w: Sequence[str], i: int) -> bool:
            if w[i] not in self.subjects & SUBJECT_ONLY_PRONOUNS or inverted(w, i):
                return False
            after, nxt = at(w, i + 1), at(w, i + 2)
            if after in self._CUES:
                return ((adjectival(nxt) and nxt not in self.verbs.by_past)
                        or (after == "not" and nxt in self.verbs.by_ing))
            return after in self.verbs.by_ing and after != "being"
        return any_match(words, match)


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
            if w[i] not in THIRD_SINGULAR or inverted(w, i):
                return None
            n = 2 if at(w, i + 1) in self.adverbs else 1
            verb = self.verbs.by_third.get(at(w, i + n))
            if verb is None:
                return None
            return n + 1, [*tokens[i:i + n], verb.base]
        return substitute(tokens, words, match)

    def shows(self, words: Sequence[str]) -> bool:
        def match(w: Sequence[str], i: int) -> bool:
            if w[i] not in ("he", "she") or inverted(w, i) or at(w, i - 1) == "to":
                return False
            n = 2 if at(w, i + 1) in self.adverbs else 1
            verb = self.verbs.by_base.get(at(w, i + n))
            return verb is not None and verb.base not in (verb.past, verb.third)
        return any_match(words, match)


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
            n = 1 if w[i] == "theres" else 2 if w[i] == "there" and at(w, i + 1) in ("is", "are") else 0
            if not n or at(w, i + n) not in self.quantifiers:
                return None
            return n, ["got"]
        return substitute(tokens, words, match)

    def shows(self, words: Sequence[str]) -> bool:
        return any_match(words, lambda w, i: w[i] == "got" and clause_start(w, i)
                         and at(w, i + 1) in self._EXISTENTIAL_ONLY)


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
            if w[i] != "a" or at(w, i - 1) in self.blocked_before:
                return None
            return (1, []) if self._bare(w, i + 1) else None
        return substitute(tokens, words, match)

    def shows(self, words: Sequence[str]) -> bool:
        """A bare quantity phrase right after a linking verb or a verb of having ("feeling little
        bit better", "have lot of work"), where standard English needs "a" ("when she was
        little", "an awful lot of" are not counted)."""
        return any_match(words, lambda w, i: at(w, i - 1) in self.linking | _QUANTITY_VERBS
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
            if subject not in PRONOUNS - {"that", "there", "this"} or perfect(w[i], at(w, i + n), self.verbs):
                return None
            return n, [BE_OF_SUBJECT[subject], subject]
        found = subject_have(w, i)
        if found is not None and self._participle(at(w, i + found[0])):
            return found[0], [HAVE_OF_SUBJECT[found[1]], found[1]]
        subject, verb = at(w, i), at(w, i + 1)
        if subject not in PERSONAL | {"it"}:
            return None
        if verb in self.auxiliaries or (verb == "had" and self._participle(at(w, i + 2))):
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
            verb, subject = at(w, i + 1), at(w, i + 2)
            return (w[i] in self.wh and self._after_predicate(w, i) and subject in PERSONAL | {"it"}
                    and (verb in self.auxiliaries or verb in BE_OF_SUBJECT.values()
                         or verb in ("do", "does", "did")))
        return any_match(words, match)
