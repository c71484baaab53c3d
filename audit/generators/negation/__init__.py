"""Negation: does negating the speaker's feeling move the prediction away from the negated emotion?

Two suites use this module (``params.part``):

- ``derived`` (DIR): the first first-person *feeling clause* of each test text is negated by a
  rule in the data's style (lowercase, no apostrophes): "i feel" -> "i dont feel", "i felt" -> "i
  didnt feel", "i do/did/can feel" -> "i dont/didnt/cant feel", "im (feeling)" -> "im not
  (feeling)", "i am" -> "i am not", "i was" -> "i wasnt", "ive been" -> "i havent been", "made me
  feel" -> "didnt make me feel". A feeling clause is one whose complement is the emotion itself:
  an emotion adjective or participle (``lexicon`` class words, and the dataset's own emotion
  words in ``class_words``) right after the verb, the copula (optionally "feeling" or "getting")
  or "made me (feel)", with at most three degree words between. "feel" in its think/seem sense
  ("i feel like ...", "i feel that ...", "i feel i ...", "i feel it", "i feel as if", "i feel the
  need") has no such complement, so it is never negated. A text gives at most one case: the one
  rule of its first feeling clause. Split-apostrophe texts ("i m", "don t") get split negations;
  negative-polarity items after the negated verb are fixed (some -> any, already -> yet, a final
  too or as well -> either, a final again -> anymore).

  **Expectation.** The prediction must avoid the class of the negated emotion word: the
  lexicon's class, or for a word the lexicon does not class, every class the training data gives
  it ("stressed": sadness and anger). For a joy or love word it must avoid both
  (``positive_labels``): "i dont feel loved" is no more joy than "i dont feel happy" is love; the
  negation of either positive feeling is not the other one. Nothing else is asked: what a
  negated feeling *is* ("not happy" may be sad, angry or flat) is not settled by the text.

  **Skipped, never emitted** (no clean negation, or no clean expectation), each with its reason
  in :attr:`Clause.skip`:

  - ``negated already``: the first feeling clause is negated in the source ("i didnt feel
    humiliated"); ``negation in clause``: another negation stands in its clause;
  - embedded clauses are not candidates: after how, what, why, if, when, unless, or, than,
    that, ... ("i need a break or im feeling stressed"), in inverted questions ("how else can i
    feel"), under hypothetical or deontic modals ("i would/should feel");
  - ``degree``: a degree word that does not negate cleanly stands before the emotion word:
    minimizers ("i dont feel a little stunned": a bit, slightly, kind of, somewhat, pretty,
    quite, ...), maximizers whose negation leaves part of the emotion ("not completely safe",
    "not extremely happy"), comparatives (more, less, even, much) and other -ly adverbs; or
    "enough" follows it ("i dont feel stupid enough" asks for more of the emotion);
  - ``word sense``, ``extreme word``, ``gratitude``: the emotion word's negation denies no
    emotion (health and acceptance senses: "i dont feel better", "im not ok with that"), leaves
    a milder form of it ("not ecstatic", "not furious", "not devastated"), or reads as sarcasm
    ("i dont feel thankful to god for ...");
  - ``positive polarity``: a positive-polarity or change-of-state word the negation cannot take
    and no idiomatic repair exists ("i dont feel petty all of a sudden", "... again today");
  - ``result clause``: the negated degree heads a result clause ("i wasnt so scared that i
    cried", "not too scared to move"); ``emphatic never``: "never so" reads as a superlative
    ("i never feel so pressured", "i was never so happy");
  - ``partial scope``: times and quantifiers that a negation makes partial ("i wasnt nervous at
    first", "... until", "sometimes", "some days", "all", "every", "a lot", "tons of", "on a
    daily basis"): the emotion is still asserted for the other times or cases;
  - ``other clauses``: anything but the feeling clause that could carry, affirm or presuppose
    the emotion, or make the negation's scope ambiguous. Before the clause only a time adjunct
    ("today"), one short adjunct clause ("when i got home") or an epistemic frame ("i know", "i
    really feel like") may stand; not a run-on ("i woke up i feel ..."), a reported claim ("i
    say i feel alone"), a reason ("... because i feel shitty"). After the emotion word only a
    short phrase may follow (adverbs of time or place, then one prepositional phrase: "about
    it", "this morning", "for putting my child in daycare") and then one adjunct clause ("when
    ...", "if ..."); not a further clause ("and it s seriously like the whole thing is ruined",
    "it shows everywhere"), a reason ("as i want ..."), an infinitive ("helpless to regain a
    safe feeling"), a comparison ("like a son coming home"), a participle ("cursing my luck"),
    an aside ("yes", "sigh") or web-page debris;
  - (expectation) the text carries the negated word's class elsewhere: another word of that
    class (lexicon, ``class_words``), a ``presupposition_cues`` word that implies it ("safe" for
    fear, "death" for sadness), or an unclassed lexicon word that neither file places, which
    counts for every class ("i feel annoyed by his annoying voice").

  **Data convention.** In the train split, nearly all texts whose first feeling clause is
  already negated (found with this matcher, same skips) carry the class of the negated word
  ("i didnt feel humiliated;sadness"): the dataset labels the emotion word, not the speaker's
  state. :func:`train_evidence` measures this, so a report can say that failures on this suite
  partly reflect the training labels.
- ``authored`` (MFT): hand-written negated statements with the labels a careful annotator would
  accept, read from a TSV file.

Cases carry ``meta["source_label"]``: the source's gold label, or for authored statements the
class of the emotion word (or event) the statement negates; ``summarize`` reports per that class.
Derived cases also carry ``negated_word`` and ``negated_class``.

Layout: :mod:`.words` holds the word lists, :mod:`.scope` what a negation's scope may hold,
:mod:`.clauses` the clause rules, :mod:`.matcher` the first-clause matcher; this module builds the
two suites, the training evidence and the summary.
"""
from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any, Mapping, Sequence

from ...errors import AuditError
from ...metrics import rate_with_ci
from ...suite import Case, Expectation, GeneratedSuite, SourceData, SuiteContext
from ..base import Perturbation, Perturbed, derive_cases
from ..lexicon import read_tsv
from .clauses import CLAUSE_RULES
from .matcher import ClauseMatcher, load_matcher

__all__ = ["CLAUSE_RULES", "PARAMS", "ClauseMatcher", "authored_suite", "derived_suite", "generate", "load_matcher",
           "read_statements", "summarize", "train_evidence"]


def derived_suite(ctx: SuiteContext) -> GeneratedSuite:
    """Negate the first feeling clause of each test text: DIR, avoid the negated word's class."""
    matcher = load_matcher(ctx)

    def expectation(rule: Perturbation, text: str, label: str | None,
                    result: Perturbed) -> Expectation | None:
        negated = result.meta["negated_class"].split("+")
        if matcher.carried_elsewhere(text, negated):
            return None
        return Expectation("DIR", avoid=matcher.avoided(negated))

    return derive_cases(ctx.spec.name, ctx.source, [rule(matcher) for rule in CLAUSE_RULES],
                        expectation, ctx.seed, keep_label=False)


def read_statements(path: Path, labels: Sequence[str]) -> list[tuple[str, tuple[str, ...], str]]:
    """Rows ``text``, ``allowed`` (labels a correct prediction may take, comma-separated) and
    ``negated_emotion`` (the class the statement would carry without its negation) of an
    authored TSV, checked against the model's labels."""
    rows = []
    for row in read_tsv(path, ("text", "allowed", "negated_emotion")):
        text, negated = row["text"], row["negated_emotion"]
        allowed = tuple(label.strip() for label in row["allowed"].split(","))
        unknown = sorted(set(allowed + (negated,)) - set(labels))
        if unknown:
            raise AuditError(f"{path}: {text!r}: unknown labels {unknown}")
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
PARAMS: dict[str, type] = {"part": str, "lexicon": str, "class_words": str,
                           "presupposition_cues": str, "positive_labels": list,
                           "statements": str}


def generate(ctx: SuiteContext) -> GeneratedSuite:
    """The ``derived`` or ``authored`` part, as named by ``params.part``."""
    parts = {"derived": derived_suite, "authored": authored_suite}
    part = ctx.spec.params.get("part")
    if part not in parts:
        raise AuditError(f"suite {ctx.spec.name!r}: params.part must be one of {', '.join(parts)}")
    return parts[part](ctx)


def train_evidence(ctx: SuiteContext, train: SourceData) -> dict[str, Any]:
    """How the training split labels texts whose first feeling clause is already negated.

    Matched: training texts whose first feeling clause (this suite's matcher) is negated cleanly
    and whose negated word's class is carried nowhere else, i.e. texts of the kind this suite
    produces. Consistent: those whose gold label avoids the negated word's class, as this suite
    expects (every authored statement also excludes the class it negates, so the same figure
    serves the authored part).
    """
    matcher = load_matcher(ctx)
    label_counts: dict[str, int] = {}
    n_matched = n_consistent = 0
    for text, label in zip(train.texts, train.labels):
        clause = matcher.first_clause(text)
        if (label is None or clause is None or not clause.negated
                or clause.skip != "negated already"
                or matcher.carried_elsewhere(text, clause.complement.labels)):
            continue
        n_matched += 1
        label_counts[label] = label_counts.get(label, 0) + 1
        n_consistent += label not in matcher.avoided(clause.complement.labels)
    if n_matched:
        share = round(100 * (n_matched - n_consistent) / n_matched)
        summary = (f"train: {n_matched} texts open with an already negated feeling clause; "
                   f"{share}% are labelled with the negated word's class, which this suite "
                   "counts as a failure")
    else:
        summary = "train: no text opens with an already negated feeling clause"
    return {"n_train": len(train.texts), "n_matched": n_matched, "n_consistent": n_consistent,
            "consistent_rate": rate_with_ci(n_consistent, n_matched) if n_matched else None,
            "label_counts": label_counts, "summary": summary}


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
