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

   Names are chosen with each case's own seeded RNG
   (:func:`~audit.generators.base.derive_cases`); a name repeated in a text gets the same
   replacement. Words are matched whole ("he" is not found in
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

Layout: :mod:`.text` reads and rewrites words, :mod:`.word_use` says what a word can be and how
"her" reads, :mod:`.names` and :mod:`.terms` hold the name and term tables, :mod:`.gender` and
:mod:`.swaps` are the swap rules, :mod:`.templates` the EEC-style cases; this module builds the
suite from the data files and summarises it.
"""
from __future__ import annotations

from dataclasses import replace
from typing import Any, Iterable, Mapping, Sequence

from ...counterfactual import counterfactual_summary
from ...errors import AuditError
from ...suite import Expectation, GeneratedSuite, SuiteContext, load_yaml_mapping
from ..base import Perturbation, Perturbed, derive_cases
from ..lexicon import read_tsv
from .gender import GenderSwap
from .names import NameBook
from .swaps import IdentitySwap, RaceSwap, TermSwap
from .templates import (INV, Template, frame_person_sets, gender_person_sets, race_person_sets, template_cases,
                        word_lists)
from .terms import TermTable
from .text import Tokens
from .word_use import WordUse

__all__ = ["PARAMS", "WORD_COLUMNS", "GenderSwap", "NameBook", "RaceSwap", "Template", "TermSwap", "TermTable",
           "Tokens", "WordUse", "gender_person_sets", "generate", "summarize", "template_cases", "word_lists"]


def _read(ctx: SuiteContext, param: str) -> dict[str, Any]:
    """The YAML mapping in the data file named by ``params[param]``."""
    if param not in ctx.spec.params:
        raise AuditError(f"suite {ctx.spec.name!r}: params.{param} (a data file) is missing")
    return load_yaml_mapping(ctx.data_path(ctx.spec.params[param]))


#: The ``params`` a suite declaration may give this generator, with their types.
PARAMS: dict[str, type] = {"gender_words": str, "names": str, "groups": str, "templates": str, "words": str,
                           "text_swaps": list}
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
    return None if "skip" in result.meta else INV


def _chosen(ctx: SuiteContext, rules: Sequence[IdentitySwap]) -> list[IdentitySwap]:
    """The swaps of the attributes ``params.text_swaps`` names (default: every attribute). A
    declaration may leave an attribute's swaps of test texts out where review finds too many of
    them invalid; its template cases stay."""
    attributes = list(dict.fromkeys(rule.attribute for rule in rules))
    chosen = ctx.spec.params.get("text_swaps", attributes)
    unknown = [a for a in chosen if a not in attributes]
    if unknown:
        raise AuditError(f"suite {ctx.spec.name!r}: params.text_swaps names {unknown[0]!r} "
                         f"(known: {', '.join(attributes)})")
    return [rule for rule in rules if rule.attribute in chosen]


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
    derived = derive_cases(ctx.spec.name, ctx.source, _chosen(ctx, rules), _expectation, ctx.seed, keep_label=True)
    cases = [replace(c, meta={**c.meta, "pair": f"{c.rule}:{c.source_id}"}) for c in derived.cases]
    cases += template_cases(ctx.spec.name, designs, templates, words, ctx.labels, ctx.seed)
    return GeneratedSuite(cases=cases, coverage=derived.coverage, n_candidates=derived.n_candidates)


def summarize(records: Sequence[Mapping[str, Any]], labels: Sequence[str], *, seed: int = 0,
              n_resamples: int = 1000) -> dict[str, Any]:
    """Per attribute: flip rates, probability changes, per-group accuracy on the templates with
    gaps, and Holm-corrected paired tests (see :mod:`audit.bias`)."""
    return counterfactual_summary(records, labels, seed=seed, n_resamples=n_resamples)
