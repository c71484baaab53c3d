"""Tense and aspect: completive done, habitual be, finna, stative progressives, perfect already.

Each rule rewrites one tense or aspect construction into the variety's form only where the
standard form has the same meaning: a completive (not continuative) perfect, a habitual (not
plain) present, an immediate future, the speaker's own present state. Where the clause is
relative, embedded or cut off, so that the rewritten verb would lose its place, the text is left
alone.
"""
from __future__ import annotations

import random
from typing import Any, Iterable, Mapping, Sequence

from ..lexicon import CONJUNCTIONS, DETERMINERS, OBJECT_PRONOUNS
from .rule import TokenRule
from .text import (AUXILIARIES, BOUNDARIES, CLAUSE_OPENERS, OBJECT_STARTS, PERSONAL, SENTENCE_ADVERBS,
                   SUBJECT_ONLY, SUBJECT_ONLY_PRONOUNS, any_match, at, clause_start, inverted, substitute)
from .verbs import (BE_OF_SUBJECT, HAVE_OF_SUBJECT, VerbForms, VerbTable, completive_participles, completive_perfect,
                    perfect, subject_be)

#: Words after which standard English has a subjunctive or bare "be" ("that you be happy").
_SUBJUNCTIVE = frozenset({"to", "that", "whether", "if", "may", "let", "lest", "and", "or"})
#: Words after which a subject opens a main clause: the text's start, a coordinating conjunction
#: or a sentence adverb (not a subordinator, a complement-taking verb or a noun the clause
#: could modify: "if i want", "i think i love", "everything i love").
_MAIN_CLAUSE_START = SENTENCE_ADVERBS | frozenset({"", "and", "but", "or", "so", "then", "yet"})


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
        self.participles = completive_participles(verbs, excluded)

    def rewrite(self, tokens: list[str], words: list[str], rng: random.Random) -> list[str] | None:
        def match(w: Sequence[str], i: int) -> tuple[int, list[str]] | None:
            hit = completive_perfect(w, i, self.participles)
            return None if hit is None else (hit[0], [hit[1], "done", hit[2].past])
        return substitute(tokens, words, match)

    def shows(self, words: Sequence[str]) -> bool:
        return any_match(words, lambda w, i: w[i] in PERSONAL and at(w, i + 1) == "done"
                         and at(w, i + 2) in self.verbs.by_past)


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
            if inverted(w, i):
                return None
            found = subject_be(w, i)
            if found and at(w, i + found[0]) in self.adverbs:
                n, subject = found
                after = at(w, i + n + 1)
                if self._gap(after) or after in ("going", "gonna") or perfect(w[i], after, self.verbs):
                    return None
                return n + 1, [subject, w[i + n], "be"]
            adverb = at(w, i + 1)
            if w[i] not in HAVE_OF_SUBJECT or adverb not in self.adverbs:
                return None
            verb = self.verbs.present(w[i], at(w, i + 2))
            if verb is None or verb.base in self.excluded or verb.base == verb.past:
                return None
            after = at(w, i + 3)
            if self._gap(after) or (verb.base in self.object_first and after not in OBJECT_STARTS):
                return None
            return 3, [w[i], adverb, "be", verb.ing]
        return substitute(tokens, words, match)

    def shows(self, words: Sequence[str]) -> bool:
        """A subject + (habitual adverb) + "be" + a verb in -ing ("she be working", "i always be
        feeling"), not where standard English has a subjunctive or bare infinitive ("that you
        always be happy", "whether they be", "let it be")."""
        def match(w: Sequence[str], i: int) -> bool:
            if w[i] not in PERSONAL or inverted(w, i) or at(w, i - 1) in _SUBJUNCTIVE:
                return False
            n = 2 if at(w, i + 1) in self.adverbs else 1
            return at(w, i + n) == "be" and at(w, i + n + 1) in self.verbs.by_ing
        return any_match(words, match)


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
            if found is None or found[1] not in PERSONAL or inverted(w, i):
                return None
            n, subject = found
            k = i + n
            m = 1 if at(w, k) == "gonna" else 2 if (at(w, k), at(w, k + 1)) in self._MARKERS else 0
            if not m or at(w, k + m) not in self.complements:
                return None
            head = ("im" if n == 2 else tokens[i]) if subject == "i" else subject
            return n + m, [head, "finna"]
        return substitute(tokens, words, match)

    def shows(self, words: Sequence[str]) -> bool:
        return "finna" in words


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

    #: Determiners and quantifiers: possessive "have" needs one after it ("i have a feeling").
    _DETERMINERS = DETERMINERS | frozenset({
        "some", "no", "many", "much", "so", "such", "lots", "plenty", "two", "three"})
    #: Starts of a specific object: a pronoun or a definite noun phrase.
    _SPECIFIC = OBJECT_PRONOUNS | (DETERMINERS - {"a", "an"}) | frozenset({
        "myself", "yourself", "himself", "herself", "themselves"})

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
        after = at(w, k)
        if not after or after in CLAUSE_OPENERS or after in AUXILIARIES or after.endswith("ing"):
            return False
        if after in SUBJECT_ONLY and verb.base not in self.with_clause:
            return False
        if verb.base == "have" and after not in self._DETERMINERS:
            return False
        if verb.base in self.evaluative and (after not in self._SPECIFIC
                                             or at(w, k + 1) in ("when", "whenever", "if")):
            return False
        if after == "to":
            return verb.base in self.with_to and at(w, k + 1) not in ("", *CLAUSE_OPENERS)
        return True

    def rewrite(self, tokens: list[str], words: list[str], rng: random.Random) -> list[str] | None:
        def match(w: Sequence[str], i: int) -> tuple[int, list[str]] | None:
            subject = w[i]
            if subject not in self.subjects or at(w, i - 1) not in _MAIN_CLAUSE_START:
                return None
            n = 2 if at(w, i + 1) in self.adverbs else 1
            verb = self.verbs.present(subject, at(w, i + n))
            if verb is None or verb.base not in self.stative or not self._complement(w, verb, i + n + 1):
                return None
            return n + 1, [subject, BE_OF_SUBJECT[subject], *tokens[i + 1:i + n], verb.ing]
        return substitute(tokens, words, match)

    def shows(self, words: Sequence[str]) -> bool:
        def match(w: Sequence[str], i: int) -> bool:
            found = subject_be(w, i)
            if found is None or inverted(w, i):
                return False
            k = i + found[0] + (at(w, i + found[0]) in self.adverbs)
            verb = self.verbs.by_ing.get(at(w, k))
            return verb is not None and verb.base in self.marked
        return any_match(words, match)


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
        self.participles = completive_participles(verbs, excluded)
        self.excluded = frozenset(excluded)
        self.max_object = int(max_object)

    def _clause_ends(self, w: Sequence[str], j: int) -> bool:
        """True when the text ends at ``j`` or a new clause or verb phrase starts there: a
        conjunction other than and/or, or and/or before a subject or a verb ("and toes" joins
        two nouns, "and i", "and am" two clauses)."""
        if j >= len(w) or (w[j] in CONJUNCTIONS and w[j] not in ("and", "or")):
            return True
        nxt = at(w, j + 1)
        return w[j] in ("and", "or") and (nxt in SUBJECT_ONLY or nxt in AUXILIARIES or nxt in self.verbs.by_base
                                          or nxt in self.verbs.by_third or nxt in self.verbs.by_past)

    def _phrase_end(self, w: Sequence[str], start: int) -> int | None:
        """Where the verb phrase whose object starts at ``start`` ends, or ``None``."""
        j = start
        while not self._clause_ends(w, j):
            if w[j] in BOUNDARIES or w[j] in SUBJECT_ONLY or w[j] in ("to", "already") or j - start >= self.max_object:
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
            if w[i] != "already" or (at(w, i + 1) and at(w, i + 1) not in CONJUNCTIONS):
                return False
            for k in range(max(0, i - self.max_object - 1), i):
                verb = self.verbs.by_base.get(at(w, k + 1))
                if (w[k] in SUBJECT_ONLY_PRONOUNS and verb is not None and verb.base != verb.past
                        and verb.base not in self.excluded):
                    return True
            return False
        return any_match(words, match)
