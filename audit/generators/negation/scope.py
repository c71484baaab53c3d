"""Scope: how a negated feeling clause is written and whether the rest of the text leaves it clean.

A negation is written in the text's own apostrophe style (:func:`split_style`,
:func:`negated_aux`), reaches to the end of its clause (:func:`clause_bounds`), and turns the
positive-polarity words in its scope into their negative-polarity forms (:func:`fix_polarity`).
The other functions decide whether anything outside the clause could still assert, presuppose or
partly keep the negated emotion (:func:`partial_scope`, :func:`plain_lead_in`,
:func:`plain_continuation` ...): where one could, the text is skipped.
"""
from __future__ import annotations

from typing import Sequence

from ..lexicon import DETERMINERS, has_negation
from .words import (ADJUNCT_BREAKERS, ADJUNCT_OPENERS, CLAUSE_BOUNDARIES, CLAUSE_CONNECTIVES, LEAD_IN_FRAMES,
                    MAX_ADJUNCT, MAX_CAUSER, MAX_LEAD_IN, MAX_PHRASE, NEGATED_AUX, PARTIAL_SCOPE, PHRASE_ADVERBS,
                    PHRASE_BREAKERS, PHRASE_FINAL_ONLY, POLARITY_SWAPS, POSITIVE_POLARITY, PREPOSITIONS,
                    PRE_VERB_ADVERBS, RUN_ON_SUBJECTS, SCOPE_FINAL_SWAPS, SCOPE_STOPPERS, SOME_KEPT_BEFORE,
                    SPLIT_STYLE_TOKENS, SUBORDINATORS, TIME_ADVERBS, TIME_NOUNS, TO_OBJECTS)


def split_style(tokens: Sequence[str]) -> bool:
    """True when the text writes contractions split ("i m", "don t") rather than fused ("im")."""
    return not SPLIT_STYLE_TOKENS.isdisjoint(tokens)


def negated_aux(aux: str, split: bool) -> tuple[str, ...]:
    """"do" -> ("dont",), or ("don", "t") in the split style."""
    word = NEGATED_AUX[aux]
    return (word[:-1], "t") if split else (word,)


def clause_bounds(tokens: Sequence[str], start: int, end: int) -> tuple[int, int]:
    """The clause around ``tokens[start:end]``: from after the previous boundary word to before
    the next one."""
    lo, hi = start, end
    while lo > 0 and tokens[lo - 1] not in CLAUSE_BOUNDARIES:
        lo -= 1
    while hi < len(tokens) and tokens[hi] not in CLAUSE_BOUNDARIES:
        hi += 1
    return lo, hi


def fix_polarity(tail: Sequence[str]) -> list[str]:
    """Negative-polarity fixes for the rest of a negated clause, up to the first scope stopper:
    some -> any (not in "some days"), something -> anything, already -> yet; at the scope's end,
    "too" and "as well" -> "either" ("i feel sad too" -> "i dont feel sad either") and "again" ->
    "anymore" ("i feel depressed again" -> "i dont feel depressed anymore")."""
    stop = next((k for k, t in enumerate(tail) if t in SCOPE_STOPPERS), len(tail))
    scope = [t if t == "some" and tail[k + 1:k + 2] and tail[k + 1] in SOME_KEPT_BEFORE
             else POLARITY_SWAPS.get(t, t) for k, t in enumerate(tail[:stop])]
    if scope[-2:] == ["as", "well"]:
        scope[-2:] = ["either"]
    elif scope and scope[-1] in SCOPE_FINAL_SWAPS:
        scope[-1] = SCOPE_FINAL_SWAPS[scope[-1]]
    return [*scope, *tail[stop:]]


def positive_polarity(tokens: Sequence[str]) -> bool:
    """Whether the tokens hold a positive-polarity or change-of-state word
    (:data:`POSITIVE_POLARITY`, "as well")."""
    return any(t in POSITIVE_POLARITY or tokens[k:k + 2] == ["as", "well"]
               for k, t in enumerate(tokens))


def npi_at_all(tokens: Sequence[str], k: int) -> bool:
    """Whether ``tokens[k]`` is the "all" of a negative-polarity "at all" ("i didnt feel scared
    at all"), not of a quantified "at all times" or "at all the parties"."""
    after = tokens[k + 1:k + 2]
    return (tokens[k - 1:k + 1] == ["at", "all"]
            and not (after and after[0] in TIME_NOUNS | DETERMINERS | {"of", "costs"}))


def partial_scope(tokens: Sequence[str]) -> bool:
    """Whether the tokens leave part of a negated feeling outside the negation
    (:data:`PARTIAL_SCOPE`, but not the negative-polarity "at all" that no noun follows, as
    "at all times" does; "some" before a time noun, "at times", "one" as a quantifier, not after
    a determiner: "in one thing", not "this one")."""
    return any((t in PARTIAL_SCOPE and not npi_at_all(tokens, k))
               or (t == "some" and tokens[k + 1:k + 2] and tokens[k + 1] in TIME_NOUNS)
               or (t == "one" and (k == 0 or tokens[k - 1] not in DETERMINERS))
               or tokens[k:k + 2] == ["at", "times"]
               for k, t in enumerate(tokens))


def time_adjunct(tokens: Sequence[str]) -> int:
    """How many of the first tokens form a time adjunct ("today", "right now", "this morning",
    "at the moment"); 0 when they do not start with one."""
    if tokens[:1] and tokens[0] in TIME_ADVERBS:
        return 1
    if tokens[:2] == ["right", "now"] or (tokens[:1] and tokens[0] in ("this", "these", "last")
                                          and tokens[1:2] and tokens[1] in TIME_NOUNS):
        return 2
    return 3 if tokens[:3] == ["at", "the", "moment"] else 0


def run_on(tokens: Sequence[str], start: int) -> bool:
    """Whether a nominative subject at or after ``tokens[start]`` opens a new clause (one not
    introduced by a subordinator)."""
    return any(tokens[k] in RUN_ON_SUBJECTS and tokens[k - 1] not in SUBORDINATORS
               for k in range(max(start, 1), len(tokens)))


def plain_lead_in(lead: Sequence[str]) -> bool:
    """Whether the words before a feeling clause's subject leave it the text's one assertion: none,
    a time adjunct ("today"), one short adjunct clause ("when i got home"), or an epistemic frame
    ("i know", "i really feel like")."""
    rest = lead[time_adjunct(lead):]
    if not rest:
        return True
    if rest[0] in ADJUNCT_OPENERS:
        return (len(rest) <= MAX_LEAD_IN and not run_on(rest, 2)
                and (CLAUSE_BOUNDARIES | CLAUSE_CONNECTIVES).isdisjoint(rest[1:]))
    if rest[0] != "i":
        return False
    k = 2 if rest[1:2] and rest[1] in PRE_VERB_ADVERBS - {"always"} else 1
    return tuple(rest[k:]) in LEAD_IN_FRAMES


def plain_causer(lead: Sequence[str]) -> bool:
    """Whether the words before a causative head ("made me feel") are a short subject ("it", "my
    mom", "that song") after a plain lead-in."""
    for n in range(1, min(MAX_CAUSER, len(lead)) + 1):
        causer = lead[len(lead) - n:]
        if ((n == 1 or causer[0] in DETERMINERS) and not run_on(causer, 1)
                and (CLAUSE_BOUNDARIES | ADJUNCT_BREAKERS).isdisjoint(causer)
                and not has_negation(causer) and plain_lead_in(lead[:len(lead) - n])):
            return True
    return False


def plain_phrase(phrase: Sequence[str]) -> bool:
    """Whether the words right after the emotion word are nothing or one short phrase that says
    where or when the feeling holds and what it is about or toward (:data:`PHRASE_ADVERBS`,
    :data:`PREPOSITIONS`), with no clause of its own ("lately spirit of christmas", "that my
    art style can be copied")."""
    if len(phrase) > MAX_PHRASE:
        return False
    k = 0
    while k < len(phrase):
        step = time_adjunct(phrase[k:]) or (phrase[k] in PHRASE_ADVERBS)
        if not step:
            break
        k += step
    if k < len(phrase) and phrase[k] not in PREPOSITIONS:
        return False
    last = len(phrase) - 1
    return not any(t in PHRASE_BREAKERS or (t in PHRASE_FINAL_ONLY and k < last)
                   or (t == "to" and not (k < last and phrase[k + 1] in TO_OBJECTS))
                   for k, t in enumerate(phrase))


def plain_adjunct(clause: Sequence[str]) -> bool:
    """Whether ``clause`` is nothing or one short adjunct clause ("when he calls", "if i go
    out") with no further clause joined to it."""
    if not clause:
        return True
    return (clause[0] in ADJUNCT_OPENERS and len(clause) <= MAX_ADJUNCT and not run_on(clause, 2)
            and (CLAUSE_BOUNDARIES | ADJUNCT_BREAKERS).isdisjoint(clause[1:]))


def plain_continuation(tail: Sequence[str]) -> bool:
    """Whether the words after the emotion word add nothing the negation would contradict: at
    most one short phrase (:func:`plain_phrase`), then at most one adjunct clause
    (:func:`plain_adjunct`). Anything else ("it shows everywhere", "yes", "as i want ...",
    "cursing my luck", "to regain a safe feeling") refers back to, builds on or presupposes the
    emotion, or makes the negation's scope ambiguous."""
    k = next((j for j, t in enumerate(tail) if t in ADJUNCT_OPENERS), len(tail))
    return plain_phrase(tail[:k]) and plain_adjunct(tail[k:])
