"""Negation: does negating the speaker's feeling move the prediction away from the stated emotion?

Two suites use this module (``params.part``):

- ``derived`` (DIR): the first first-person feeling clause of each test text is negated by a rule
  in the data's style (lowercase, no apostrophes): "i feel" -> "i dont feel", "i felt" -> "i didnt
  feel", "im feeling" -> "im not feeling", "i was" -> "i wasnt", "ive been feeling" -> "i havent
  been feeling", "made me feel" -> "didnt make me feel", and close variants. Only the text's first
  feeling clause is negated, by the one rule of its kind, so a text gives at most one case. A
  clause that already holds a negation is left alone (the text is not applicable), and so is a
  clause embedded under "how", "what", "if", "when", ... whose negation does not negate what the
  speaker feels. Negative-polarity items after the negated verb are fixed (some -> any, something
  -> anything, already -> yet, a final too -> either). Texts that use the split apostrophe
  style ("i m", "don t") get split negations ("i don t feel").
  Expectation: a joy or love source must leave the positive labels; a sadness, anger, fear or
  surprise source must not keep the model's own prediction on the source.
- ``authored`` (MFT): hand-written negated statements with the labels they allow, read from a
  TSV file.

Cases carry ``meta["source_label"]``: the source's gold label, or for authored statements the
emotion the statement would carry without its negation; ``summarize`` reports per that class.
"""
from __future__ import annotations

import csv
import hashlib
import random
from abc import abstractmethod
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Mapping, Sequence

from ..errors import AuditError
from ..metrics import rate_with_ci
from ..suite import Case, Expectation, GeneratedSuite, SuiteContext
from .base import Perturbation, derive_cases
from .lexicon import CONJUNCTIONS, NEGATION_WORDS, has_negation, load_lexicon

#: Words that end a clause: the negation check and the polarity fixes stay inside one clause.
CLAUSE_BOUNDARIES = CONJUNCTIONS
#: A feeling clause right after one of these is embedded ("i hate how i feel", "if i feel sad") or
#: a question ("how else can i feel"): negating it would not negate what the speaker feels (or
#: would be ungrammatical), so it does not count as a feeling clause.
NOT_MAIN_CLAUSE_AFTER = frozenset(
    "how what way if whether when whenever unless until "
    "do does did can could will would should shall may might must am was have".split())
#: Verb forms that make "i dont feel", "im not feeling", "i never felt" feeling clauses.
FEEL_FORMS = frozenset("feel felt feeling".split())
#: Standalone tokens that mark the split apostrophe style ("i m", "don t", "i ve", "it s").
SPLIT_STYLE_TOKENS = frozenset("m t ve ll re s d".split())
#: Fused negations of auxiliaries; the split style writes "dont" as "don t".
NEGATED_AUX = {"do": "dont", "did": "didnt", "does": "doesnt", "can": "cant", "could": "couldnt",
               "would": "wouldnt", "will": "wont", "should": "shouldnt", "was": "wasnt",
               "have": "havent"}
#: Adverbs allowed between "i" and "feel"/"felt"; they stay before the negation ("i still dont
#: feel"), except "always", which becomes "never".
PRE_VERB_ADVERBS = frozenset(
    "just still also really actually honestly personally sometimes often usually definitely "
    "certainly truly suddenly almost always".split())
#: Adverbs after a copula that stay before "not" ("im still not feeling").
PRE_NOT_ADVERBS = frozenset("still just also".split())
#: Degree words that may sit between a copula and its emotion word ("i was a bit nervous").
MODIFIERS = frozenset(
    "so very really pretty quite rather too extremely incredibly totally completely absolutely "
    "super truly fairly slightly kinda kind of a bit little more most getting".split())
MAX_MODIFIERS = 3
#: Negative-polarity replacements applied after the negated verb, within its scope.
POLARITY_SWAPS = {"some": "any", "someone": "anyone", "somebody": "anybody",
                  "something": "anything", "somewhere": "anywhere", "already": "yet"}
#: "some" stays before these: "some days", "to some extent" are not in the negation's scope.
SOME_KEPT_BEFORE = frozenset("days nights mornings evenings times point extent".split())
#: Words that open a new subject or a relative clause, where the negation's scope ends:
#: "im feeling angry at someone i do something for" -> "... at anyone i do something for".
SCOPE_STOPPERS = frozenset(
    "i you he she we they who which that where im ive youre hes shes theyre theres heres".split())
#: Words before a causative "made/makes/make me" that leave no room for "didnt/doesnt/dont"
#: ("has made me feel", "to make me feel", "can make me feel").
NO_CAUSATIVE_NEGATION = frozenset(
    "have has had ve having be been being is was were to can could will would should might may "
    "must help helps helped let lets do does did".split()) | NEGATION_WORDS


@dataclass(frozen=True)
class Rewrite:
    """Replace ``tokens[start:end]`` (a feeling clause's head) by ``replacement``."""

    start: int
    end: int
    replacement: tuple[str, ...]


def split_style(tokens: Sequence[str]) -> bool:
    """True when the text writes contractions split ("i m", "don t") rather than fused ("im")."""
    return not SPLIT_STYLE_TOKENS.isdisjoint(tokens)


def negated_aux(aux: str, split: bool) -> tuple[str, ...]:
    """"do" -> ("dont",), or ("don", "t") in the split style."""
    word = NEGATED_AUX[aux]
    return (word[:-1], "t") if split else (word,)


def feeling_complement(tokens: Sequence[str], j: int, cue_words: frozenset[str]) -> bool:
    """Whether ``tokens[j:]`` starts, after at most three degree words, with "feeling" or an
    emotion cue word: what makes "i was so nervous" a feeling clause and "i was playing" not."""
    for k in range(j, min(j + MAX_MODIFIERS + 1, len(tokens))):
        if tokens[k] == "feeling" or tokens[k] in cue_words:
            return True
        if tokens[k] not in MODIFIERS:
            return False
    return False


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
    some -> any (not in "some days"), something -> anything, already -> yet, and a scope-final
    "too" -> "either" ("i feel it too" -> "i dont feel it either")."""
    stop = next((k for k, t in enumerate(tail) if t in SCOPE_STOPPERS), len(tail))
    scope = [t if t == "some" and tail[k + 1:k + 2] and tail[k + 1] in SOME_KEPT_BEFORE
             else POLARITY_SWAPS.get(t, t) for k, t in enumerate(tail[:stop])]
    if scope and scope[-1] == "too":
        scope[-1] = "either"
    return [*scope, *tail[stop:]]


class ClauseNegation(Perturbation):
    """Negates the text's first feeling clause, when that clause is of this rule's kind.

    Subclasses say, in :meth:`match`, whether a clause of their kind starts at a token and how it
    reads negated. ``cue_words`` (all the lexicon's emotion words) let copular clauses count as
    feeling clauses only when an emotion word follows.
    """

    def __init__(self, cue_words: frozenset[str]) -> None:
        self.cue_words = cue_words

    @classmethod
    @abstractmethod
    def match(cls, tokens: Sequence[str], i: int, cue_words: frozenset[str],
              split: bool) -> Rewrite | None:
        """The rewrite negating a clause of this kind that starts at ``tokens[i]``, or None."""

    def perturb(self, text: str, rng: random.Random) -> str | None:
        """The text with its first feeling clause negated, or None when that clause is not of this
        kind, is negated already, or the text has none."""
        found = negate_first_clause(text, self.cue_words)
        return found[1] if found is not None and found[0] is type(self) else None


class _SubjectVerb(ClauseNegation):
    """"i [adverb] <verb>" -> "i [adverb] <negated aux> <bare verb>"; "always" becomes "never"."""

    verb: str
    aux: str

    @classmethod
    def match(cls, tokens: Sequence[str], i: int, cue_words: frozenset[str],
              split: bool) -> Rewrite | None:
        if tokens[i] != "i":
            return None
        j = i + 1
        adverb = tokens[j:j + 1] if tokens[j:j + 1] and tokens[j] in PRE_VERB_ADVERBS else []
        j += len(adverb)
        if tokens[j:j + 1] != [cls.verb]:
            return None
        if adverb == ["always"]:
            return Rewrite(i, j + 1, ("i", "never", cls.verb))
        return Rewrite(i, j + 1, ("i", *adverb, *negated_aux(cls.aux, split), "feel"))


class FeelPresent(_SubjectVerb):
    """"i feel" -> "i dont feel"; "i just feel" -> "i just dont feel"; "i always feel" -> "i never
    feel"."""

    name = "i_feel"
    verb = "feel"
    aux = "do"


class FeelPast(_SubjectVerb):
    """"i felt" -> "i didnt feel"; "i still felt" -> "i still didnt feel"."""

    name = "i_felt"
    verb = "felt"
    aux = "did"


class ModalFeel(ClauseNegation):
    """"i can feel" -> "i cant feel"; likewise do, did, could, would, will, should."""

    name = "modal_feel"
    modals = ("do", "did", "can", "could", "would", "will", "should")

    @classmethod
    def match(cls, tokens: Sequence[str], i: int, cue_words: frozenset[str],
              split: bool) -> Rewrite | None:
        head = tokens[i:i + 3]
        if len(head) == 3 and head[0] == "i" and head[1] in cls.modals and head[2] == "feel":
            return Rewrite(i, i + 3, ("i", *negated_aux(head[1], split), "feel"))
        return None


class _Copula(ClauseNegation):
    """A copular head followed by "feeling" or an emotion word gets "not" after it; "still",
    "just" and "also" stay before the "not" ("im still not feeling")."""

    heads: tuple[tuple[str, ...], ...]

    @classmethod
    def negated_head(cls, head: tuple[str, ...], split: bool) -> tuple[str, ...]:
        """The head with its negation: "not" after it ("i am not"), unless a subclass fuses it
        ("i wasnt")."""
        return (*head, "not")

    @classmethod
    def match(cls, tokens: Sequence[str], i: int, cue_words: frozenset[str],
              split: bool) -> Rewrite | None:
        for head in cls.heads:
            j = i + len(head)
            if tuple(tokens[i:j]) != head:
                continue
            adverb = tokens[j:j + 1]
            if (adverb and adverb[0] in PRE_NOT_ADVERBS
                    and feeling_complement(tokens, j + 1, cue_words)):
                return Rewrite(i, j + 1, (*head, adverb[0], "not"))
            if feeling_complement(tokens, j, cue_words):
                return Rewrite(i, j, cls.negated_head(head, split))
        return None


class AmNot(_Copula):
    """"i am feeling" -> "i am not feeling"; "i am so happy" -> "i am not so happy"."""

    name = "i_am"
    heads = (("i", "am"),)


class ImNot(_Copula):
    """"im feeling" -> "im not feeling"; "i m so tired" -> "i m not so tired"."""

    name = "im"
    heads = (("im",), ("i", "m"))


class WasNot(_Copula):
    """"i was feeling" -> "i wasnt feeling"; "i was so scared" -> "i wasnt so scared"."""

    name = "i_was"
    heads = (("i", "was"),)

    @classmethod
    def negated_head(cls, head: tuple[str, ...], split: bool) -> tuple[str, ...]:
        return ("i", *negated_aux("was", split))


class HaventBeen(_Copula):
    """"ive been feeling" / "i have been feeling" -> "i havent been feeling"."""

    name = "ive_been"
    heads = (("ive", "been"), ("i", "ve", "been"), ("i", "have", "been"))

    @classmethod
    def negated_head(cls, head: tuple[str, ...], split: bool) -> tuple[str, ...]:
        return ("i", *negated_aux("have", split), "been")


class MadeMeFeel(ClauseNegation):
    """"it made me feel" -> "it didnt make me feel"; "makes me" -> "doesnt make me"; "they make me"
    -> "they dont make me" (followed by "feel" or an emotion word)."""

    name = "made_me_feel"
    auxes = {"made": "did", "makes": "does", "make": "do"}

    @classmethod
    def match(cls, tokens: Sequence[str], i: int, cue_words: frozenset[str],
              split: bool) -> Rewrite | None:
        verb = tokens[i]
        if verb not in cls.auxes or tokens[i + 1:i + 2] != ["me"]:
            return None
        if not (tokens[i + 2:i + 3] == ["feel"] or feeling_complement(tokens, i + 2, cue_words)):
            return None
        before = tokens[i - 1] if i > 0 else None
        if before in NO_CAUSATIVE_NEGATION or (verb == "make" and before is None):
            return None
        return Rewrite(i, i + 1, (*negated_aux(cls.auxes[verb], split), "make"))


#: Every clause rule, tried in this order at each position.
CLAUSE_RULES: tuple[type[ClauseNegation], ...] = (
    FeelPresent, FeelPast, ModalFeel, AmNot, ImNot, WasNot, HaventBeen, MadeMeFeel)


def negated_feeling_at(tokens: Sequence[str], i: int) -> bool:
    """Whether an already negated feeling clause starts at ``tokens[i]``: "i dont feel", "i don t
    really feel", "im not feeling", "i never felt"."""
    window = list(tokens[i:i + 5])
    verb = next((k for k, t in enumerate(window) if t in FEEL_FORMS), None)
    return window[:1] in (["i"], ["im"]) and verb is not None and has_negation(window[1:verb])


def first_feeling_clause(tokens: Sequence[str], cue_words: frozenset[str]
                         ) -> tuple[type[ClauseNegation], Rewrite] | None:
    """The leftmost main feeling clause with the rule of its kind; None when there is none or
    when the first one is negated already."""
    split = split_style(tokens)
    for i in range(len(tokens)):
        if i > 0 and tokens[i - 1] in NOT_MAIN_CLAUSE_AFTER:
            continue
        if negated_feeling_at(tokens, i):
            return None
        for rule in CLAUSE_RULES:
            rewrite = rule.match(tokens, i, cue_words, split)
            if rewrite is not None:
                return rule, rewrite
    return None


@lru_cache(maxsize=4096)
def negate_first_clause(text: str, cue_words: frozenset[str]
                        ) -> tuple[type[ClauseNegation], str] | None:
    """The rule of the text's first feeling clause and the text with that clause negated; None
    when there is no such clause or it is negated already. Cached: every rule asks about the
    same text in turn."""
    tokens = text.split()
    found = first_feeling_clause(tokens, cue_words)
    if found is None:
        return None
    rule, rewrite = found
    lo, hi = clause_bounds(tokens, rewrite.start, rewrite.end)
    if has_negation(tokens[lo:hi]):
        return None
    return rule, " ".join([*tokens[:rewrite.start], *rewrite.replacement,
                           *fix_polarity(tokens[rewrite.end:hi]), *tokens[hi:]])


def derived_suite(ctx: SuiteContext) -> GeneratedSuite:
    """Negate the first feeling clause of each test text (DIR expectations by source class)."""
    lexicon = load_lexicon(ctx.data_path(ctx.spec.params["lexicon"]))
    cue_words = frozenset().union(*(words.cues for words in lexicon.values()))
    positive = tuple(ctx.spec.params["positive_labels"])

    def expectation(rule: Perturbation, text: str, label: str | None, _result: object) -> Expectation:
        if label in positive:
            return Expectation("DIR", avoid=positive)
        return Expectation("DIR", avoid_source=True)

    return derive_cases(ctx.spec.name, ctx.source, [rule(cue_words) for rule in CLAUSE_RULES],
                        expectation, ctx.seed, keep_label=False)


def read_statements(path: Path, labels: Sequence[str]) -> list[tuple[str, tuple[str, ...], str]]:
    """Rows ``text<TAB>allowed labels (comma-separated)<TAB>negated emotion`` of an authored TSV
    (``#`` lines are comments), checked against the model's labels."""
    rows = []
    with path.open(encoding="utf-8", newline="") as handle:
        for n, row in enumerate(csv.reader(handle, delimiter="\t"), start=1):
            if not row or row[0].startswith("#"):
                continue
            if len(row) != 3:
                raise AuditError(f"{path}:{n}: expected text, allowed labels, negated emotion")
            text, negated = row[0].strip(), row[2].strip()
            allowed = tuple(label.strip() for label in row[1].split(","))
            unknown = sorted(set(allowed + (negated,)) - set(labels))
            if unknown:
                raise AuditError(f"{path}:{n}: unknown labels {unknown}")
            rows.append((text, allowed, negated))
    return rows


def authored_suite(ctx: SuiteContext) -> GeneratedSuite:
    """Hand-written negated statements, each an MFT case with its allowed labels. Ids hash the
    text, so they stay stable when rows are added or reordered."""
    rows = read_statements(ctx.data_path(ctx.spec.params["statements"]), ctx.labels)
    cases = [Case(id=f"{ctx.spec.name}:authored:{hashlib.sha1(text.encode()).hexdigest()[:10]}",
                  text=text, expectation=Expectation("MFT", labels=allowed), rule="authored",
                  meta={"source_label": negated})
             for text, allowed, negated in rows]
    return GeneratedSuite(cases)


#: The ``params`` a suite declaration may give this generator, with their types.
PARAMS: dict[str, type] = {"part": str, "lexicon": str, "positive_labels": list, "statements": str}


def generate(ctx: SuiteContext) -> GeneratedSuite:
    """The ``derived`` or ``authored`` part, as named by ``params.part``."""
    parts = {"derived": derived_suite, "authored": authored_suite}
    part = ctx.spec.params.get("part")
    if part not in parts:
        raise AuditError(f"suite {ctx.spec.name!r}: params.part must be one of {', '.join(parts)}")
    return parts[part](ctx)


def summarize(records: Sequence[Mapping[str, Any]], labels: Sequence[str]) -> dict[str, Any]:
    """Per source class (``meta["source_label"]``): the pass rate, and, over the cases whose source
    the model got right before negation, how often negation changed the prediction (flip rate)."""
    out: dict[str, Any] = {}
    for label in labels:
        rows = [r for r in records if r["meta"].get("source_label") == label]
        if not rows:
            continue
        judged = [r for r in rows if r["passed"] is not None]
        right = [r for r in rows if r["source_pred"] == label]
        flips = sum(r["pred"] != r["source_pred"] for r in right)
        out[label] = {
            "n": len(rows),
            "pass_rate": rate_with_ci(sum(bool(r["passed"]) for r in judged), len(judged)),
            "flip_rate_when_source_right": rate_with_ci(flips, len(right)) if right else None,
        }
    return {"by_source_class": out}
