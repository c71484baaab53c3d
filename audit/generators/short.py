"""Short inputs: accuracy by text length, on truncated texts, and on minimal one- to three-word
texts.

Why: the emotion data's texts run from a couple of words to several dozen, and a classifier that
leans on context can fail on short inputs. The suite has three parts, all MFT against a gold label:

- ``original``: every test text as it is, tagged with its length bucket (``meta["bucket"]``, e.g.
  ``<=5``, ``6-10``, ``11-20``, ``>20`` words) so that the YAML's ``breakdown: [bucket]`` gives full
  metrics per bucket;
- ``first3``/``first5``: each test text cut to its first 3 or 5 words, kept only while the cut still
  contains a cue word of the gold class (per-class word lists in a YAML lexicon) and no negation;
  otherwise the truncation is not applicable, since a cut that drops (or negates) the emotion has
  no right answer;
- ``i_feel_word``/``single_word``: minimal texts built from the lexicon's ``feel`` words
  (``"i feel lonely"``, ``"lonely"``), gold = the word's class.

Derived and minimal cases carry ``meta["bucket"]`` = ``truncated`` / ``minimal``, so the bucket
breakdown partitions the whole suite.
"""
from __future__ import annotations

import random
from typing import Any, Mapping, Sequence


from ..metrics import rate_with_ci
from ..suite import Case, Expectation, GeneratedSuite, SourceData, SuiteContext
from .base import Perturbation, derive_cases
from .lexicon import ClassWords, has_negation, load_lexicon

#: Rule name of the untouched test texts.
ORIGINAL = "original"
class Truncation(Perturbation):
    """Keep the first ``n_words`` words, only if they still hold one of ``cue_words`` (the gold
    class's cues), hold no negation (a negated cue, as in "i don t feel guilty", no longer
    carries the gold emotion) and the text was longer than that."""

    meta = {"bucket": "truncated"}

    def __init__(self, n_words: int, cue_words: frozenset[str]) -> None:
        self.n_words = n_words
        self.cue_words = cue_words
        self.name = f"first{n_words}"

    def perturb(self, text: str, rng: random.Random) -> str | None:
        """The cut text, or None when the text is not longer than the cut, or the cut loses the
        cue or holds a negation."""
        words = text.split()
        kept = words[:self.n_words]
        if len(words) <= self.n_words or self.cue_words.isdisjoint(kept) or has_negation(kept):
            return None
        return " ".join(kept)


def length_bucket(n_words: int, bounds: Sequence[int]) -> str:
    """Name of the length bucket of a text of ``n_words`` words, e.g. bounds (5, 10, 20) give
    ``<=5``, ``6-10``, ``11-20`` and ``>20``."""
    lower = 1
    for upper in bounds:
        if n_words <= upper:
            return f"<={upper}" if lower == 1 else f"{lower}-{upper}"
        lower = upper + 1
    return f">{bounds[-1]}"


def original_cases(suite_name: str, source: SourceData, bounds: Sequence[int]) -> list[Case]:
    """Every source text unchanged, with its gold label and length bucket."""
    return [Case(id=f"{suite_name}:{ORIGINAL}:{sid}", text=text, expectation=Expectation("MFT"),
                 label=label, source_id=sid, rule=ORIGINAL,
                 meta={"bucket": length_bucket(len(text.split()), bounds)})
            for sid, text, label in zip(source.ids, source.texts, source.labels)]


def truncation_cases(suite_name: str, source: SourceData, lexicon: Mapping[str, ClassWords],
                     lengths: Sequence[int], seed: int) -> GeneratedSuite:
    """Truncations of every source text, each judged against its own gold class's cue words.

    The rules depend on the gold class, so the split is derived one class at a time; cases are
    then put back in source order. Texts of a class absent from the lexicon are tried and never
    applicable.
    """
    position = {sid: k for k, sid in enumerate(source.ids)}
    cases: list[Case] = []
    coverage = {f"first{n}": {"n_candidates": 0, "n_changed": 0} for n in lengths}
    for label in dict.fromkeys(source.labels):
        keep = [k for k, gold in enumerate(source.labels) if gold == label]
        subset = SourceData([source.ids[k] for k in keep], [source.texts[k] for k in keep],
                            [label] * len(keep))
        cues = lexicon[label].cues if label in lexicon else frozenset()
        part = derive_cases(suite_name, subset, [Truncation(n, cues) for n in lengths],
                            lambda *_: Expectation("MFT"), seed, keep_label=True)
        cases += part.cases
        for rule, counts in part.coverage.items():
            for key in counts:
                coverage[rule][key] += counts[key]
    rule_order = {rule: k for k, rule in enumerate(coverage)}
    cases.sort(key=lambda c: (position[c.source_id], rule_order[c.rule]))
    return GeneratedSuite(cases, coverage, len(source.texts))


def minimal_cases(suite_name: str, lexicon: Mapping[str, ClassWords],
                  templates: Mapping[str, str]) -> list[Case]:
    """One case per (template, ``feel`` word): e.g. ``"i feel {word}"`` -> "i feel lonely"."""
    return [Case(id=f"{suite_name}:{rule}:{word}", text=template.format(word=word),
                 expectation=Expectation("MFT"), label=label, rule=rule, meta={"bucket": "minimal"})
            for rule, template in templates.items()
            for label, words in lexicon.items()
            for word in words.feel]


#: The ``params`` a suite declaration may give this generator, with their types.
PARAMS: dict[str, type] = {"lexicon": str, "buckets": list, "truncate": list, "minimal_templates": dict}


def generate(ctx: SuiteContext) -> GeneratedSuite:
    """Original texts by length bucket, cue-preserving truncations, and minimal lexicon cases.

    Params: ``lexicon`` (YAML path), ``buckets`` (upper word bounds), ``truncate`` (word counts),
    ``minimal_templates`` (rule name -> template with ``{word}``).
    """
    params = ctx.spec.params
    lexicon = load_lexicon(ctx.data_path(params["lexicon"]))
    name = ctx.spec.name
    truncated = truncation_cases(name, ctx.source, lexicon, params["truncate"], ctx.seed)
    cases = [*original_cases(name, ctx.source, params["buckets"]), *truncated.cases,
             *minimal_cases(name, lexicon, params["minimal_templates"])]
    return GeneratedSuite(cases, truncated.coverage, len(ctx.source.texts))


def summarize(records: Sequence[Mapping[str, Any]], labels: Sequence[str]) -> dict[str, Any]:
    """Pass rate (= accuracy, all cases being MFT on gold) per rule and gold class: shows which
    classes survive truncation and which classes' own words the model misreads."""
    table: dict[str, dict[str, list[bool]]] = {}
    for r in records:
        if r["passed"] is not None:
            table.setdefault(r["rule"], {}).setdefault(r["label"], []).append(bool(r["passed"]))
    return {"pass_rate_by_rule_and_class": {
        rule: {label: rate_with_ci(sum(by_class[label]), len(by_class[label]))
               for label in labels if label in by_class}
        for rule, by_class in table.items()}}
