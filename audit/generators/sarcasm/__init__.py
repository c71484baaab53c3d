"""Sarcasm suite (MFT): a positive phrase set against a negative situation.

Riloff et al. (2013), "Sarcasm as contrast between a positive sentiment and negative situation",
describe the commonest form of sarcasm on Twitter: upbeat words wrapped around something bad
("oh great im stuck in traffic again"). The emotion such a text expresses is the situation's, not
the joy its words spell out. Many situations evoke more than one negative emotion (a lost key is
as much frustration as dismay), so every situation declares the set of labels a careful annotator
would accept for it said sarcastically, and a case passes when the prediction is in its set. The
phrase adds nothing to that set: the sarcastic case is judged on its situation's labels alone.

Only situations whose emotion stays uncontroversial under a sarcastic wrapper are used: irritations
and mishaps, whose emotion is exasperation (the data labels it anger), with dismay (sadness)
beside it where something is lost or spoiled. Sarcasm over a threat ("oh joy i can hear strange
noises downstairs") or a hurt ("i have nobody to spend the weekend with lucky me") divides careful
annotators between the situation's own emotion (fear, sadness) and the remark's exasperation
(anger), so such a case has no agreed expectation and is not made. Every sarcastic phrase has a
*tone*, declared with the labels its attitude reads as (exasperated: anger; resigned, "lucky me",
"living the dream": anger and the self-pity the data labels sadness); a phrase is said only of a
situation that allows every label of its tone, so every situation said sarcastically allows
anger, which every tone reads (:data:`EXASPERATION`), and "im stuck in traffic again lucky me" is
never made: its self-pity would invite sadness, which a traffic jam does not allow. No situation
may allow a label outside :data:`SARCASTIC_LABELS` (anger, sadness), so none allows fear.

A phrase and a situation must also fit in time: "what a great day" judges one day, so it is never
said of a situation that lasts longer or happens at night ("it rained all through my holiday what a
great day" is incoherent). Every phrase has a *span* that lists the situation spans it fits, and
every situation has a span; only fitting pairs become cases.

A sarcastic case must not have a believable sincere reading either. Every sarcastic phrase is a
*strong* marker (an interjection said almost only in irony: "oh great", "lucky me") or a *weak*
one (words often meant: "i really enjoy", "yay", "just what i needed"), and every negative
situation is *universal* (bad for anyone) or *contestable* (some people like it: a monday, for
those who like their work). A weak marker is said only of a universal situation: "yay its monday
again" may well be sincere.

Each sarcastic case is one fitting (phrase, negative situation) combination, placed in the frame of
the phrase's kind, and comes with two controls, whose ids it names (``meta["literal_id"]``,
``meta["plain_id"]``):

- ``literal``: a *sincere* phrase of the same kind around a positive situation ("im so glad i
  passed all my exams"), allowed the positive situation's labels. Sincere phrases never contain a
  sarcastic one: "oh great i got a promotion" would itself read as sarcasm.
- ``plain``: the negative situation with a feeling word said outright ("im stuck in traffic
  again and im so annoyed"), allowed the labels that word declares, not the situation's: a text
  that says "im so disappointed" is sadness, whatever else the situation might evoke. Each feeling word
  declares its labels (one class; "upset" both sadness and anger) and each situation the words
  that naturally fit it ("disappointed" about a failed driving test; "annoyed" about lost keys,
  never "sad"). A feeling template that joins the clause with "and" is not used
  with a clause that already does ("my laptop crashed and i lost all my work and im furious"). It
  shows the model reads a plainly stated negative emotion.

A control's text depends on its situation and draw, not on the sarcastic phrase, so several groups
share one: each distinct control text is one case (keyed by its text), so that the control pass
rates count every text once.

Taking the upbeat words at face value (predicting joy or love) is judged apart from which negative
emotion is chosen: :func:`summarize` reports the literal-trap rate beside the pass rate, per phrase
kind and per situation label set, and over the groups whose two controls pass, where a failure
can only be a failure to read sarcasm.

Every case is seeded on its own (:meth:`SuiteContext.rng` with the case's key): which combinations
become cases, and each case's controls, do not depend on the other rows of the data files.

Layout: :mod:`.declarations` holds the typed records and shared checks, :mod:`.situations` and
:mod:`.templates` read the two data files, :mod:`.data` checks that they fit together,
:mod:`.figures` computes the summary and :mod:`.evidence` the training evidence; this module
draws the groups.
"""
from __future__ import annotations

from typing import Any, Callable, Mapping, Sequence, TypeVar

from ...suite import Case, Expectation, GeneratedSuite, SuiteContext
from .data import literals_for, load_data, plain_options, template_reads
from .declarations import POSITIVE_LABELS, ROLES, Kind, Phrase, SarcasmData, Situation
from .evidence import sarcasm_frame, train_evidence
from .figures import summarize
from .situations import load_situations
from .templates import load_templates

__all__ = ["PARAMS", "POSITIVE_LABELS", "ROLES", "SarcasmData", "Situation", "combinations", "generate",
           "literals_for", "load_data", "load_situations", "load_templates", "plain_options", "sarcasm_frame",
           "summarize", "template_reads", "train_evidence"]
#: Sarcastic cases drawn when ``params.n_sarcastic`` is not given.
DEFAULT_N_SARCASTIC = 300
T = TypeVar("T")


def _group_key(kind: Kind, phrase: Phrase, situation: Situation) -> str:
    """The key of a (phrase, situation) combination: its cases' ids and seeds are built from it
    ("opener.oh_great.traffic"), so it names only the rows it comes from."""
    return f"{kind.name}.{phrase.text.replace(' ', '_')}.{situation.key}"


def _pick(ctx: SuiteContext, rule: str, key: str, options: Sequence[T], name: Callable[[T], str]) -> T:
    """The option with the lowest seeded draw for (rule, case key, option name).

    Each option's draw depends only on its own name (rendezvous hashing), so adding or removing an
    option changes only the cases that had picked it.
    """
    return min(options, key=lambda option: ctx.rng(rule, key, name(option)).random())


def _case(ctx: SuiteContext, role: str, key: str, text: str, labels: Sequence[str],
          meta: Mapping[str, Any]) -> Case:
    """One case; the rule is its role, so per-rule pass rates are per role."""
    return Case(id=f"{ctx.spec.name}:{role}:{key}", text=text,
                expectation=Expectation("MFT", labels=tuple(labels)), rule=role, meta={"role": role, **meta})


def _control_key(text: str) -> str:
    """A control's key: its text ("im_stuck_in_traffic_again_and_im_so_annoyed"). A control's text
    depends on its situation and draw, not on the sarcastic phrase, so several groups share one;
    keyed by its text it is one case, with one id whichever groups it controls."""
    return text.replace(" ", "_")


def _group(ctx: SuiteContext, data: SarcasmData, kind: Kind, phrase: Phrase, situation: Situation,
           made: set[str]) -> list[Case]:
    """The sarcastic case of one fitting (phrase, situation) combination and those of its two
    controls that no earlier group made (``made``: their ids). Judged once per group, a control
    text shared by several groups would count several times in the control pass rates and narrow
    their intervals; instead each is one case, and the sarcastic case names its controls' ids
    (``meta["literal_id"]``, ``meta["plain_id"]``)."""
    group = _group_key(kind, phrase, situation)
    sincere, bright = _pick(ctx, "literal", group, literals_for(kind, data.positive),
                            lambda option: f"{option[0].text}|{option[1].key}")
    feeling, template = _pick(ctx, "plain", group, plain_options(data.feelings, situation),
                              lambda option: option[1])
    about = {"phrase_kind": kind.name, "situation": situation.key,
             "situation_labels": "+".join(situation.labels), "span": situation.span}
    literal_text, plain_text = kind.fill(sincere, bright), template.format(**situation.slots())
    controls = [
        _case(ctx, "literal", _control_key(literal_text), literal_text, bright.labels,
              {"phrase_kind": kind.name, "literal_situation": bright.key}),
        _case(ctx, "plain", _control_key(plain_text), plain_text, feeling.labels,
              {**{k: about[k] for k in ("situation", "situation_labels", "span")}, "feeling": feeling.word}),
    ]
    new = [case for case in controls if case.id not in made]
    made.update(case.id for case in new)
    sarcastic = _case(ctx, "sarcastic", group, kind.fill(phrase, situation), situation.labels,
                      {"group": group, **about, "tone": phrase.tone.name if phrase.tone else "none",
                       "literal_id": controls[0].id, "plain_id": controls[1].id})
    return [sarcastic, *new]


#: The ``params`` a suite declaration may give this generator, with their types.
PARAMS: dict[str, type] = {"templates": str, "situations": str, "n_sarcastic": int, "lexicon": str}


def combinations(data: SarcasmData) -> list[tuple[Kind, Phrase, Situation]]:
    """Every (kind, sarcastic phrase, negative situation) whose phrase fits the situation (in time
    span, its tone's labels among the situation's, and a weak marker only a situation bad for
    anyone): the combinations a sarcastic case may be drawn from."""
    return [(kind, phrase, situation) for kind in data.kinds for phrase in kind.sarcastic
            for situation in data.negative if phrase.fits_situation(situation)]


def generate(ctx: SuiteContext) -> GeneratedSuite:
    """Build ``params.n_sarcastic`` groups of a sarcastic case and its literal and plain controls
    (each distinct control text once: :func:`_group`).

    ``n_sarcastic`` is the number of fitting (phrase, negative situation) combinations, over all
    phrase kinds, that become sarcastic cases (all of them when it exceeds their number). Each
    combination gets its own seeded draw and the ``n_sarcastic`` lowest draws are kept, so a
    combination is kept or not whatever the order of the data rows; editing a row changes only the
    cases built from it (removing rows lets the next-ranked combinations fill the freed places).
    """
    data = load_data(ctx)
    combos = combinations(data)
    n = min(int(ctx.spec.params.get("n_sarcastic", DEFAULT_N_SARCASTIC)), len(combos))
    ranked = sorted(combos, key=lambda combo: ctx.rng("sarcastic", _group_key(*combo)).random())
    chosen = sorted(ranked[:n], key=lambda c: (c[0].name, c[1].text, c[2].key))
    made: set[str] = set()
    return GeneratedSuite(cases=[case for combo in chosen for case in _group(ctx, data, *combo, made)])
