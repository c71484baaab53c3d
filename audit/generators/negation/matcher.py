"""The matcher: a text's first feeling clause, its emotion word, and whether it negates cleanly.

:class:`ClauseMatcher` reads a text once (cached: every rule asks about the same text in turn),
finds its first first-person feeling clause outside an embedding context, and returns it as a
:class:`Clause`: the rule that negates it, the emotion word and its classes
(:class:`Complement`), the negated text, or why it is skipped. :func:`load_matcher` builds it from
the suite's word files.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Mapping, Sequence

from ...errors import AuditError
from ...suite import SuiteContext
from ..lexicon import WRITER_SUBJECTS, has_negation, load_lexicon, load_mixed_words, read_tsv
from .clauses import CLAUSE_RULES, MadeMeFeel, negated_head_at
from .scope import (clause_bounds, fix_polarity, partial_scope, plain_causer, plain_continuation, plain_lead_in,
                    positive_polarity, split_style)
from .words import (COPULA_VERBS, DEGREE_WORDS, EXTREME_WORDS, GRATITUDE_WORDS, MAX_DEGREE, NON_EMOTION_WORDS,
                    NOT_MAIN_CLAUSE_AFTER, RESULT_CLAUSE_OPENERS, UNNEGATABLE_DEGREE)


@dataclass(frozen=True)
class Complement:
    """The emotion word of a feeling clause: where it stands, its classes (one, or two where the
    data splits its texts between two) and the degree words before it."""

    index: int
    word: str
    labels: tuple[str, ...]
    degree: tuple[str, ...]


@dataclass(frozen=True)
class Clause:
    """A text's first feeling clause, as the matcher reads it.

    ``rule`` names the clause rule that negates it (None for an already negated clause);
    ``negated`` says whether the text negates it already; ``text`` is the text with the clause
    negated (None when it is negated already or ``skip`` is set); ``skip`` says why the clause
    cannot be negated, or read as negated, cleanly (None when it can).
    """

    rule: str | None
    negated: bool
    complement: Complement
    text: str | None
    skip: str | None


class ClauseMatcher:
    """Finds a text's first feeling clause and judges whether it negates cleanly.

    ``feel`` maps each emotion word that can be a feeling clause's complement to its classes
    (one, or two where the data splits its texts between two); ``class_words`` maps each class
    to every word that signals it; ``positive`` classes are avoided together.
    """

    def __init__(self, feel: Mapping[str, tuple[str, ...]],
                 class_words: Mapping[str, frozenset[str]],
                 positive: Sequence[str]) -> None:
        self.feel = dict(feel)
        self.class_words = dict(class_words)
        self.positive = tuple(positive)
        self.first_clause = lru_cache(maxsize=4096)(self._first_clause)

    def avoided(self, labels: Sequence[str]) -> tuple[str, ...]:
        """The labels a negated word of classes ``labels`` must avoid: its classes, and all the
        positive classes for a positive one."""
        out: list[str] = []
        for label in labels:
            out += [c for c in (self.positive if label in self.positive else (label,))
                    if c not in out]
        return tuple(out)

    def carried_elsewhere(self, text: str, labels: Sequence[str]) -> bool:
        """Whether ``text`` holds a second word signalling a class a negated word of ``labels``
        must avoid (the negated word itself is one)."""
        words = frozenset().union(*(self.class_words.get(c, frozenset())
                                    for c in self.avoided(labels)))
        return sum(t in words for t in text.split()) > 1

    def complement(self, tokens: Sequence[str], j: int, copular: bool) -> Complement | None:
        """The emotion word that ``tokens[j:]`` starts with, after an optional copular verb
        ("feeling") and at most :data:`MAX_DEGREE` degree words; None when none follows (the
        clause is not a feeling clause, e.g. "feel like", "feel that", "was playing")."""
        if copular and tokens[j:j + 1] and tokens[j] in COPULA_VERBS:
            j += 1
        for k in range(j, min(j + MAX_DEGREE + 1, len(tokens))):
            word = tokens[k]
            if word in self.feel:
                return Complement(k, word, self.feel[word], tuple(tokens[j:k]))
            if not (word in DEGREE_WORDS or word in UNNEGATABLE_DEGREE or word.endswith("ly")):
                return None
        return None

    def _first_clause(self, text: str) -> Clause | None:
        """The text's first feeling clause outside an embedding context, judged (cached: every
        rule asks about the same text in turn)."""
        tokens = text.split()
        split = split_style(tokens)
        for i in range(len(tokens)):
            if i > 0 and tokens[i - 1] in NOT_MAIN_CLAUSE_AFTER:
                continue
            clause = self._clause_at(tokens, i, split)
            if clause is not None:
                return clause
        return None

    def _clause_at(self, tokens: Sequence[str], i: int, split: bool) -> Clause | None:
        """The feeling clause whose head starts at ``tokens[i]``, if any."""
        head = negated_head_at(tokens, i)
        if head is not None:
            end, copular, never = head
            complement = self.complement(tokens, end, copular)
            if complement is not None:
                skip = self._skip(tokens, i, end, complement, never,
                                  tokens[i] not in WRITER_SUBJECTS)
                return Clause(None, True, complement, None, skip or "negated already")
        for rule in CLAUSE_RULES:
            rewrite = rule.match(tokens, i, split)
            if rewrite is None:
                continue
            complement = self.complement(tokens, rewrite.complement, rule.copular)
            if complement is None:
                continue
            skip = self._skip(tokens, rewrite.start, rewrite.end, complement,
                              "never" in rewrite.replacement, rule is MadeMeFeel)
            if skip is not None:
                return Clause(rule.name, False, complement, None, skip)
            _, hi = clause_bounds(tokens, rewrite.start, rewrite.end)
            degree = range(complement.index - len(complement.degree), complement.index)
            rest = [t for k, t in enumerate(tokens[rewrite.end:hi], rewrite.end) if k not in degree]
            negated = [*tokens[:rewrite.start], *rewrite.replacement, *fix_polarity(rest), *tokens[hi:]]
            return Clause(rule.name, False, complement, " ".join(negated), None)
        return None

    @staticmethod
    def _skip(tokens: Sequence[str], start: int, end: int, complement: Complement,
              never: bool, causative: bool) -> str | None:
        """Why the clause headed by ``tokens[start:end]`` (negated by "never" when ``never``; a
        "made me feel" head when ``causative``) cannot be read as a clean negation of its emotion
        word, or None."""
        lo, hi = clause_bounds(tokens, start, end)
        # what follows the emotion word once negated, its polarity fixed
        tail = [*fix_polarity(tokens[complement.index + 1:hi]), *tokens[hi:]]
        if not DEGREE_WORDS.issuperset(complement.degree) or "enough" in tail:
            return "degree"
        if never and "so" in complement.degree:
            return "emphatic never"
        word = complement.word
        if word in NON_EMOTION_WORDS:
            return "word sense"
        if word in EXTREME_WORDS:
            return "extreme word"
        if word in GRATITUDE_WORDS:
            return "gratitude"
        if has_negation([*tokens[lo:start], *tokens[end:hi]]):
            return "negation in clause"
        after = tail[:3]
        if after and (("so" in complement.degree
                       and (after[0] in RESULT_CLAUSE_OPENERS or "that" in after))
                      or ("too" in complement.degree and after[0] == "to")):
            return "result clause"
        if positive_polarity(tail):
            return "positive polarity"
        if partial_scope([*tokens[:start], *tokens[end:]]):
            return "partial scope"
        lead = tokens[:start]
        if not (plain_causer(lead) if causative else plain_lead_in(lead)) \
                or not plain_continuation(tail):
            return "other clauses"
        return None


def _labels(ctx: SuiteContext, row: Mapping[str, str]) -> tuple[str, ...]:
    """The comma-separated ``classes`` of a word-list row, checked against the model's labels."""
    labels = tuple(label.strip() for label in row["classes"].split(","))
    unknown = sorted(set(labels) - set(ctx.labels))
    if unknown:
        raise AuditError(f"suite {ctx.spec.name!r}: {row['word']!r} names unknown labels "
                         f"{unknown}")
    return labels


def load_matcher(ctx: SuiteContext) -> ClauseMatcher:
    """The matcher from the suite's ``lexicon``, ``class_words`` and ``positive_labels``.

    Feeling words and their classes: the lexicon's class words (adjectives) with its class, then
    every ``class_words`` word the lexicon does not class, with the classes the training data
    gives it (a negated "stressed" must avoid both sadness and anger). Words signalling each
    class: the lexicon's class words, the ``class_words`` words, and the lexicon's unclassed
    emotion words ("love", "cry", "lol"), which signal every class unless ``class_words`` places
    them, and the ``presupposition_cues`` words ("safe", "death") under their classes.
    """
    params = ctx.spec.params
    lexicon_path = ctx.data_path(params["lexicon"])
    lexicon = load_lexicon(lexicon_path)
    feel = {word: (label,) for label, words in lexicon.items() for word in words.cues}
    class_words = {label: set(words.cues) for label, words in lexicon.items()}
    classed = set().union(*class_words.values())
    for row in read_tsv(ctx.data_path(params["class_words"]), ("word", "classes")):
        labels = _labels(ctx, row)
        if row["word"] not in classed:
            feel[row["word"]] = labels
        for label in labels:
            class_words.setdefault(label, set()).add(row["word"])
    for row in read_tsv(ctx.data_path(params["presupposition_cues"]), ("word", "classes")):
        for label in _labels(ctx, row):
            class_words.setdefault(label, set()).add(row["word"])
    placed = set().union(*class_words.values())
    for label in ctx.labels:
        class_words.setdefault(label, set()).update(load_mixed_words(lexicon_path) - placed)
    return ClauseMatcher(feel, {k: frozenset(v) for k, v in class_words.items()},
                         params["positive_labels"])
