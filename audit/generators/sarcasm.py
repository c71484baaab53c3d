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
the phrase's kind, and comes with two controls in the same ``meta["group"]``:

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

Taking the upbeat words at face value (predicting joy or love) is judged apart from which negative
emotion is chosen: :func:`summarize` reports the literal-trap rate beside the pass rate, per phrase
kind and per situation label set, and over the groups whose two controls pass, where a failure
can only be a failure to read sarcasm.

Every case is seeded on its own (:meth:`SuiteContext.rng` with the case's key): which combinations
become cases, and each case's controls, do not depend on the other rows of the data files.
"""
from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Mapping, Sequence, TypeVar

from ..errors import AuditError
from ..metrics import rate_with_ci
from ..suite import Case, Expectation, GeneratedSuite, SourceData, SuiteContext, load_yaml_mapping
from .lexicon import load_lexicon, read_tsv


#: The roles of the cases in a group, in the order they are emitted.
ROLES: tuple[str, ...] = ("sarcastic", "literal", "plain")
#: Predictions that mean the model took the sarcastic words at face value.
POSITIVE_LABELS: tuple[str, ...] = ("joy", "love")
#: The label the data gives exasperation, which every sarcastic remark carries: every tone must
#: read as it, so that no situation whose set lacks it (a threat, a loneliness) is said sarcastically.
EXASPERATION = "anger"
#: The labels a sarcastic case may allow: the exasperation of the remark (anger) and the dismay of
#: a mishap that spoils or loses something (sadness). Said sarcastically, a threat's fear divides
#: careful annotators between fear and exasperation ("oh joy my boss just told me we need to
#: talk"), so no situation that allows fear is said sarcastically.
SARCASTIC_LABELS: tuple[str, ...] = ("anger", "sadness")
#: Sarcastic cases drawn when ``params.n_sarcastic`` is not given.
DEFAULT_N_SARCASTIC = 300

_STYLE_RE = re.compile(r"^[a-z0-9]+( [a-z0-9]+)*$")
_KEY_RE = re.compile(r"^[a-z0-9_]+$")
_FORMS: tuple[str, ...] = ("gerund", "clause", "when")
_SITUATION_COLUMNS: tuple[str, ...] = ("id", "polarity", "labels", "span", "bad", "feelings", *_FORMS,
                                        "reason", "bad_reason", "feelings_reason")
#: Values of a negative situation's ``bad`` column: bad for anyone, or open to a sincere liking.
BADNESS: tuple[str, ...] = ("universal", "contestable")
#: Values of a sarcastic phrase's ``marker`` tag: said almost only in irony, or often meant.
MARKERS: tuple[str, ...] = ("strong", "weak")
#: What a positive situation puts in the columns that only a negative one fills.
_NOT_APPLICABLE = "-"
#: Slots whose filler is a phrase, not a clause: nothing may follow them in a frame.
_PHRASE_SLOTS: tuple[str, ...] = ("gerund", "when")

T = TypeVar("T")


@dataclass(frozen=True)
class Situation:
    """A situation in the three grammatical forms the frames need, with the labels it allows, its
    time span (how long what it reports lasts: "moment", "day", ...) and, for a negative one,
    whether it is bad for anyone (``universal``) and the feeling words its plain control may state."""

    key: str
    labels: tuple[str, ...]
    span: str
    gerund: str
    clause: str
    when: str
    universal: bool = False
    feelings: tuple[str, ...] = ()

    def slots(self) -> dict[str, str]:
        """The values of the ``{gerund}``, ``{clause}`` and ``{when}`` slots."""
        return {"gerund": self.gerund, "clause": self.clause, "when": self.when}


@dataclass(frozen=True)
class Tone:
    """The attitude of a sarcastic phrase and the labels it reads as; the phrase is said only of a
    situation that allows all of them (it adds none to a case's set)."""

    name: str
    labels: tuple[str, ...]


@dataclass(frozen=True)
class Phrase:
    """A phrase, the situation spans it can be said of, and (sarcastic phrases only) its tone and
    whether it is a strong marker of sarcasm."""

    text: str
    span: str
    fits: frozenset[str]
    tone: Tone | None = None
    strong: bool = False

    def fits_situation(self, situation: Situation) -> bool:
        """Whether the phrase can be said of ``situation``: without a clash in time span; for a
        sarcastic phrase, only of a situation that allows every label of its tone (else the tone
        invites a reading the expectation refuses: the self-pity of "lucky me" about a traffic
        jam); and, for a weak marker, only of a situation bad for anyone (else it may be meant)."""
        if situation.span not in self.fits:
            return False
        if self.tone is None:
            return True
        return set(self.tone.labels) <= set(situation.labels) and (self.strong or situation.universal)


@dataclass(frozen=True)
class Kind:
    """A phrase kind: one frame, its sarcastic phrases and the sincere phrases of its controls."""

    name: str
    frame: str
    sarcastic: tuple[Phrase, ...]
    sincere: tuple[Phrase, ...]

    def fill(self, phrase: Phrase, situation: Situation) -> str:
        """The sentence ``phrase`` makes around ``situation`` in this kind's frame."""
        return self.frame.format(phrase=phrase.text, **situation.slots())

    @property
    def phrase_first(self) -> bool:
        """Whether the phrase opens the frame (else it closes it)."""
        return self.frame.startswith("{phrase}")


@dataclass(frozen=True)
class Feeling:
    """A feeling word of the plain controls, the labels a text stating it allows, and the templates
    that state it around a situation ("{clause} and im so annoyed")."""

    word: str
    labels: tuple[str, ...]
    templates: tuple[str, ...]


@dataclass(frozen=True)
class Templates:
    """What the templates file declares: phrase kinds, the feeling words of the plain controls, and
    every situation span some phrase span fits (the spans a situation may have)."""

    kinds: tuple[Kind, ...]
    feelings: Mapping[str, Feeling]
    spans: frozenset[str]


@dataclass(frozen=True)
class SarcasmData:
    """Everything the suite is built from, read and checked from its data files."""

    kinds: tuple[Kind, ...]
    feelings: Mapping[str, Feeling]
    negative: tuple[Situation, ...]
    positive: tuple[Situation, ...]

    @property
    def negative_labels(self) -> tuple[str, ...]:
        """Every label a sarcastic case may be allowed (some negative situation's), in order of
        first appearance."""
        return tuple(dict.fromkeys(label for s in self.negative for label in s.labels))


def _check_style(text: str, where: str) -> str:
    """Return ``text`` if it is written in the data's style, else raise naming ``where``."""
    if not _STYLE_RE.match(text):
        raise AuditError(f"{where}: {text!r} must be lowercase words without punctuation")
    return text


def _check_frame(frame: str, where: str) -> str:
    """Return ``frame`` if it fills with the known slots, yields a well-styled sentence, and ends
    with any ``{gerund}`` or ``{when}`` slot it has.

    A gerund phrase or a when-clause can be long; words placed after it ("... being ignored again
    so much") attach to its last word, not to the sentence, so no frame may put words there.
    """
    try:
        filled = frame.format(phrase="x", gerund="x", clause="x", when="x")
    except (KeyError, IndexError, ValueError) as exc:
        raise AuditError(f"{where}: frame {frame!r} uses an unknown slot ({exc})") from exc
    _check_style(filled, where)
    for slot in _PHRASE_SLOTS:
        if f"{{{slot}}}" in frame and not frame.endswith(f"{{{slot}}}"):
            raise AuditError(f"{where}: frame {frame!r}: nothing may follow the {{{slot}}} slot")
    return frame


def _check_labels(labels: Sequence[str], known: Sequence[str], where: str) -> tuple[str, ...]:
    """Return ``labels`` in the model's label order if it is a non-empty set of model labels (one
    order, so that equal sets print and group alike)."""
    unknown = sorted(set(labels) - set(known))
    if not labels or unknown:
        raise AuditError(f"{where}: labels {sorted(labels)} must be a non-empty set of model labels"
                         + (f" (not model labels: {unknown})" if unknown else ""))
    return tuple(label for label in known if label in labels)


def _is_gerund_phrase(phrase: str) -> bool:
    """Whether ``phrase`` opens with an -ing word, or with "not" and one ("not getting invited")."""
    words = phrase.split()
    head = words[1] if words[0] == "not" and len(words) > 1 else words[0]
    return head.endswith("ing")


def _split_list(cell: str) -> list[str]:
    """The items of a comma-separated cell, stripped, empty ones dropped."""
    return [item.strip() for item in cell.split(",") if item.strip()]


def _negative_columns(row: Mapping[str, str], where: str) -> dict[str, Any]:
    """The ``universal`` flag and ``feelings`` words of a situation row.

    A negative situation says whether it is bad for anyone (``bad``: one of :data:`BADNESS`) and
    which feeling words its plain control may state, each with a reason of at least two words; a
    positive one has neither and puts ``-`` in those four columns.
    """
    columns = ("bad", "feelings", "bad_reason", "feelings_reason")
    if row["polarity"] != "negative":
        if any(row[c] != _NOT_APPLICABLE for c in columns):
            raise AuditError(f"{where}: a positive situation puts {_NOT_APPLICABLE!r} in {list(columns)}")
        return {}
    if row["bad"] not in BADNESS:
        raise AuditError(f"{where}: bad {row['bad']!r} must be one of {list(BADNESS)}")
    feelings = _split_list(row["feelings"])
    if not feelings or len(set(feelings)) != len(feelings):
        raise AuditError(f"{where}: feelings must be a non-empty list of distinct words")
    if any(len(row[c].split()) < 2 for c in ("bad_reason", "feelings_reason")):
        raise AuditError(f"{where}: bad_reason and feelings_reason must say why")
    return {"universal": row["bad"] == "universal", "feelings": tuple(feelings)}


def load_situations(path: Path, known: Sequence[str],
                    spans: frozenset[str]) -> tuple[tuple[Situation, ...], tuple[Situation, ...]]:
    """Read the situations TSV; return ``(negative, positive)`` situations in file order.

    A negative situation may not allow a positive label (reading it as joy or love is the literal
    trap); a positive one must allow one and no negative situation's label. Every situation's span
    must be one of ``spans`` (those the templates' phrase spans fit). Whether a negative
    situation's feeling words are declared and fit its labels is checked by :func:`load_data`,
    which has the templates.
    """
    split: dict[str, list[Situation]] = {"negative": [], "positive": []}
    seen: set[str] = set()
    for row in read_tsv(path, _SITUATION_COLUMNS):
        where = f"{path}: situation {row['id']!r}"
        if not _KEY_RE.match(row["id"]) or row["id"] in seen:
            raise AuditError(f"{where}: ids must be unique and match [a-z0-9_]+")
        seen.add(row["id"])
        if row["polarity"] not in split:
            raise AuditError(f"{where}: polarity must be 'negative' or 'positive'")
        if row["span"] not in spans:
            raise AuditError(f"{where}: span {row['span']!r} must be one of {sorted(spans)}")
        labels = _check_labels(_split_list(row["labels"]), known, where)
        forms = {form: _check_style(row[form], where) for form in _FORMS}
        if not _is_gerund_phrase(forms["gerund"]):
            raise AuditError(f"{where}: gerund {forms['gerund']!r} must start with an -ing word")
        split[row["polarity"]].append(Situation(row["id"], labels, row["span"], **forms,
                                                **_negative_columns(row, where)))
    negative, positive = tuple(split["negative"]), tuple(split["positive"])
    if not negative or not positive:
        raise AuditError(f"{path}: needs at least one negative and one positive situation")
    negative_labels = {label for s in negative for label in s.labels}
    for s in negative:
        if set(s.labels) & set(POSITIVE_LABELS):
            raise AuditError(f"{path}: negative situation {s.key!r} may not allow {sorted(POSITIVE_LABELS)}")
    for s in positive:
        if not set(s.labels) & set(POSITIVE_LABELS) or set(s.labels) & negative_labels:
            raise AuditError(f"{path}: positive situation {s.key!r} must allow joy or love and no "
                             f"negative situation's label")
    return negative, positive


def _string_lists(raw: Any, what: str, where: str) -> dict[str, tuple[str, ...]]:
    """A non-empty mapping of keys in [a-z0-9_]+ to non-empty lists of strings (the ``spans`` and
    ``tones`` of the templates file)."""
    if not isinstance(raw, dict) or not raw:
        raise AuditError(f"{where}: needs a non-empty '{what}' mapping")
    out = {}
    for key, values in raw.items():
        if not _KEY_RE.match(str(key)) or not isinstance(values, list) or not values:
            raise AuditError(f"{where}: '{what}' entry {key!r} must map a key in [a-z0-9_]+ to a "
                             "non-empty list")
        out[str(key)] = tuple(str(v) for v in values)
    return out


def _load_tones(raw: Any, known: Sequence[str], where: str) -> dict[str, Tone]:
    """The declared tones and the labels each reads as: never a positive one, and always
    :data:`EXASPERATION` (when the model has that label)."""
    tones = {}
    for name, labels in _string_lists(raw, "tones", where).items():
        checked = _check_labels(labels, known, f"{where} tone {name}")
        if set(checked) & set(POSITIVE_LABELS):
            raise AuditError(f"{where} tone {name}: may not read as {sorted(POSITIVE_LABELS)}")
        if EXASPERATION in known and EXASPERATION not in checked:
            raise AuditError(f"{where} tone {name}: must read as {EXASPERATION!r}: every sarcastic "
                             "remark is exasperated")
        tones[name] = Tone(name, checked)
    return tones


def _phrases(entry: Mapping[str, Any], field: str, where: str, spans: Mapping[str, tuple[str, ...]],
             tones: Mapping[str, Tone] | None) -> tuple[Phrase, ...]:
    """A kind's non-empty mapping of phrases (in the data's style) to their tags.

    Every phrase names its ``span``; a sarcastic phrase (``tones`` given) names its ``tone`` and
    its ``marker`` (one of :data:`MARKERS`) too, and a sincere one (``tones`` None) may not: it is
    meant as it is said and marks no sarcasm.
    """
    raw = entry.get(field)
    if not isinstance(raw, dict) or not raw:
        raise AuditError(f"{where}: needs a non-empty '{field}' mapping of phrase to tags")
    allowed = {"span", "tone", "marker"} if tones is not None else {"span"}
    phrases = []
    for text, tags in raw.items():
        text = _check_style(str(text), where)
        if not isinstance(tags, dict) or set(tags) != allowed:
            raise AuditError(f"{where}: {field} phrase {text!r} needs exactly the tags {sorted(allowed)}")
        if tags["span"] not in spans:
            raise AuditError(f"{where}: phrase {text!r}: span {tags['span']!r} must be one of {sorted(spans)}")
        if tones is not None and tags["tone"] not in tones:
            raise AuditError(f"{where}: phrase {text!r}: tone {tags['tone']!r} must be one of {sorted(tones)}")
        if tones is not None and tags["marker"] not in MARKERS:
            raise AuditError(f"{where}: phrase {text!r}: marker {tags['marker']!r} must be one of {list(MARKERS)}")
        phrases.append(Phrase(text, tags["span"], frozenset(spans[tags["span"]]),
                              tones[tags["tone"]] if tones is not None else None,
                              tones is not None and tags["marker"] == "strong"))
    return tuple(phrases)


def _contains(phrase: str, part: str) -> bool:
    """Whether ``part`` occurs in ``phrase`` as a run of whole words."""
    return f" {part} " in f" {phrase} "


def _load_feelings(raw: Any, known: Sequence[str], where: str) -> dict[str, Feeling]:
    """The declared feeling words of the plain controls.

    Each word maps to its ``labels`` (never a positive one: a plain control states a negative
    emotion), a non-empty list of ``templates`` that each state the word, and a ``reason``.
    """
    if not isinstance(raw, dict) or not raw:
        raise AuditError(f"{where}: needs a non-empty 'feelings' mapping of word to labels and templates")
    feelings = {}
    for word, entry in raw.items():
        at = f"{where} feeling {word!r}"
        if not _KEY_RE.match(str(word)) or not isinstance(entry, dict) \
                or set(entry) != {"labels", "templates", "reason"}:
            raise AuditError(f"{at}: must be a word in [a-z0-9_]+ with exactly 'labels', 'templates' "
                             "and 'reason'")
        labels = _check_labels([str(x) for x in entry["labels"] or []], known, at)
        if set(labels) & set(POSITIVE_LABELS):
            raise AuditError(f"{at}: may not allow {sorted(POSITIVE_LABELS)}")
        if not isinstance(entry["templates"], list) or not entry["templates"] \
                or len(str(entry["reason"] or "").split()) < 2:
            raise AuditError(f"{at}: needs a non-empty 'templates' list and a 'reason'")
        templates = tuple(_check_frame(str(t), at) for t in entry["templates"])
        unsaid = [t for t in templates if not _contains(t, str(word))]
        if unsaid:
            raise AuditError(f"{at}: template {unsaid[0]!r} does not state the word")
        feelings[str(word)] = Feeling(str(word), labels, templates)
    return feelings


def load_templates(path: Path, known: Sequence[str]) -> Templates:
    """Read the templates YAML: phrase spans, tones, phrase kinds and the plain controls' feeling
    words.

    No sincere phrase may contain a sarcastic phrase: a literal control opening with "oh great" is
    itself read as sarcasm.
    """
    raw = load_yaml_mapping(path)
    if not isinstance(raw.get("kinds"), dict):
        raise AuditError(f"{path}: expected a mapping 'kinds'")
    spans = _string_lists(raw.get("spans"), "spans", str(path))
    tones = _load_tones(raw.get("tones"), known, str(path))
    kinds = []
    for name, entry in raw["kinds"].items():
        where = f"{path} kind {name}"
        if not isinstance(entry, dict) or not isinstance(entry.get("frame"), str):
            raise AuditError(f"{where}: needs a 'frame' string")
        kinds.append(Kind(str(name), _check_frame(entry["frame"], where),
                          _phrases(entry, "sarcastic", where, spans, tones),
                          _phrases(entry, "sincere", where, spans, None)))
    sarcastic = [p.text for kind in kinds for p in kind.sarcastic]
    for kind in kinds:
        for phrase in kind.sincere:
            clash = [p for p in sarcastic if _contains(phrase.text, p)]
            if clash:
                raise AuditError(f"{path} kind {kind.name}: sincere phrase {phrase.text!r} contains the "
                                 f"sarcastic phrase {clash[0]!r}")
    feelings = _load_feelings(raw.get("feelings"), known, str(path))
    return Templates(tuple(kinds), feelings, frozenset(s for fits in spans.values() for s in fits))


def _check_feelings(situation: Situation, feelings: Mapping[str, Feeling], where: str) -> None:
    """Raise unless every feeling word ``situation`` declares is a declared word, names only labels
    the situation allows ("furious" is never said of loneliness), and has a template that reads
    naturally with the situation's clause."""
    for word in situation.feelings:
        at = f"{where}: situation {situation.key!r} feeling {word!r}"
        if word not in feelings:
            raise AuditError(f"{at}: not a declared feeling word ({sorted(feelings)})")
        if not set(feelings[word].labels) <= set(situation.labels):
            raise AuditError(f"{at}: its labels {list(feelings[word].labels)} must lie in the "
                             f"situation's {list(situation.labels)}")
        if not any(template_reads(t, situation) for t in feelings[word].templates):
            raise AuditError(f"{at}: no template of the word reads naturally with {situation.clause!r}")


def load_data(ctx: SuiteContext) -> SarcasmData:
    """Read the suite's data files and check that they fit together: every negative situation's
    feeling words fit it (:func:`_check_feelings`), it allows only :data:`SARCASTIC_LABELS`, and
    some sarcastic phrase fits it (in time span, tone and marker strength); and every kind has a
    sincere phrase that fits some positive situation."""
    params = ctx.spec.params
    templates = load_templates(ctx.data_path(params["templates"]), ctx.labels)
    negative, positive = load_situations(ctx.data_path(params["situations"]), ctx.labels, templates.spans)
    data = SarcasmData(templates.kinds, templates.feelings, negative, positive)
    where = f"suite {ctx.spec.name!r}"
    for s in negative:
        _check_feelings(s, data.feelings, where)
        unagreed = [label for label in s.labels if label not in SARCASTIC_LABELS]
        if unagreed:
            raise AuditError(f"{where}: situation {s.key!r} allows {unagreed}: a sarcastic case may allow only "
                             f"{list(SARCASTIC_LABELS)} (said sarcastically, a threat divides annotators "
                             "between fear and exasperation)")
        if not any(p.fits_situation(s) for k in data.kinds for p in k.sarcastic):
            raise AuditError(f"{where}: no sarcastic phrase fits situation {s.key!r} (span {s.span!r}, "
                             f"{'universal' if s.universal else 'contestable'}, labels {list(s.labels)})")
    for kind in data.kinds:
        if not _literals_for(kind, positive):
            raise AuditError(f"{where}: kind {kind.name!r}: no sincere phrase fits a positive situation's span")
    return data


def template_reads(template: str, situation: Situation) -> bool:
    """Whether a feeling template reads naturally around ``situation``: one that joins the clause
    with "and" ("{clause} and im furious") is not used with a clause that already joins two with
    "and" ("my laptop crashed and i lost all my work and im furious" runs on)."""
    return not ("{clause} and " in template and "and" in situation.clause.split())


def plain_options(feelings: Mapping[str, Feeling], situation: Situation) -> list[tuple[Feeling, str]]:
    """Every (feeling word, template) a plain control of ``situation`` may be drawn from: the
    words the situation declares, in the templates that read naturally with it."""
    return [(feelings[word], t) for word in situation.feelings
            for t in feelings[word].templates if template_reads(t, situation)]


def _literals_for(kind: Kind, positive: Sequence[Situation]) -> list[tuple[Phrase, Situation]]:
    """Every (sincere phrase, positive situation) of ``kind`` that fit in time span."""
    return [(p, s) for p in kind.sincere for s in positive if p.fits_situation(s)]


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


def _case(ctx: SuiteContext, role: str, group: str, text: str, labels: Sequence[str],
          meta: Mapping[str, Any]) -> Case:
    """One case of a group; the rule is its role, so per-rule pass rates are per role."""
    return Case(id=f"{ctx.spec.name}:{role}:{group}", text=text,
                expectation=Expectation("MFT", labels=tuple(labels)), rule=role,
                meta={"role": role, "group": group, **meta})


def _group(ctx: SuiteContext, data: SarcasmData, kind: Kind, phrase: Phrase, situation: Situation) -> list[Case]:
    """The sarcastic case of one fitting (phrase, situation) combination and its two controls."""
    group = _group_key(kind, phrase, situation)
    sincere, bright = _pick(ctx, "literal", group, _literals_for(kind, data.positive),
                            lambda option: f"{option[0].text}|{option[1].key}")
    feeling, template = _pick(ctx, "plain", group, plain_options(data.feelings, situation),
                              lambda option: option[1])
    meta = {"phrase_kind": kind.name, "situation": situation.key,
            "situation_labels": "+".join(situation.labels), "span": situation.span}
    return [
        _case(ctx, "sarcastic", group, kind.fill(phrase, situation), situation.labels,
              {**meta, "tone": phrase.tone.name if phrase.tone else "none"}),
        _case(ctx, "literal", group, kind.fill(sincere, bright), bright.labels,
              {**meta, "literal_situation": bright.key}),
        _case(ctx, "plain", group, template.format(**situation.slots()), feeling.labels,
              {**meta, "feeling": feeling.word}),
    ]


#: The ``params`` a suite declaration may give this generator, with their types.
PARAMS: dict[str, type] = {"templates": str, "situations": str, "n_sarcastic": int, "lexicon": str}


def combinations(data: SarcasmData) -> list[tuple[Kind, Phrase, Situation]]:
    """Every (kind, sarcastic phrase, negative situation) whose phrase fits the situation (in time
    span, its tone's labels among the situation's, and a weak marker only a situation bad for
    anyone): the combinations a sarcastic case may be drawn from."""
    return [(kind, phrase, situation) for kind in data.kinds for phrase in kind.sarcastic
            for situation in data.negative if phrase.fits_situation(situation)]


def generate(ctx: SuiteContext) -> GeneratedSuite:
    """Build ``params.n_sarcastic`` groups of (sarcastic, literal, plain) cases.

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
    return GeneratedSuite(cases=[case for combo in chosen for case in _group(ctx, data, *combo)])


# ---------------------------------------------------------------------------------------------
# Figures for results.json


def _pass_rate(records: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """Share of ``records`` that passed (prediction in the allowed set), with a Wilson CI."""
    return rate_with_ci(sum(bool(r["passed"]) for r in records), len(records))


def _trap_rate(records: Sequence[Mapping[str, Any]], positive: Sequence[str]) -> dict[str, Any]:
    """Share of ``records`` predicted as a positive emotion, with a Wilson CI."""
    return rate_with_ci(sum(r["pred"] in positive for r in records), len(records))


def _breakdown(records: Sequence[Mapping[str, Any]], key: str, positive: Sequence[str]) -> dict[str, Any]:
    """Pass rate and literal-trap rate of ``records`` grouped by ``meta[key]``."""
    groups: dict[str, list[Mapping[str, Any]]] = {}
    for r in records:
        groups.setdefault(str(r["meta"][key]), []).append(r)
    return {value: {"pass_rate": _pass_rate(rows), "literal_trap_rate": _trap_rate(rows, positive)}
            for value, rows in groups.items()}


def summarize(records: Sequence[Mapping[str, Any]], labels: Sequence[str]) -> dict[str, Any]:
    """Sarcasm figures for ``results.json``.

    - ``literal_trap_rate``: sarcastic cases predicted joy or love, i.e. taken at face value;
      judged apart from which negative emotion the model chose.
    - ``sarcastic_pass_rate``: sarcastic cases predicted with a label their situation allows.
    - ``control_pass_rate``: pass rate of the ``literal`` and of the ``plain`` controls.
    - ``literal_trap_rate_controls_passed`` / ``sarcastic_pass_rate_controls_passed``: the same
      over the groups whose two controls both pass, where a failure can only be a failure to
      read sarcasm.
    - ``sarcastic_predictions``: how the sarcastic cases were labelled.
    - ``by_phrase_kind`` and ``by_situation_labels``: pass rate and literal-trap rate per phrase
      kind and per situation label set (e.g. ``anger+sadness``).

    All rates carry a Wilson 95% interval.
    """
    positive = [label for label in POSITIVE_LABELS if label in labels]
    by_role: dict[str, list[Mapping[str, Any]]] = {role: [] for role in ROLES}
    for r in records:
        by_role[r["meta"]["role"]].append(r)
    sarcastic = by_role["sarcastic"]
    passed = {(r["meta"]["group"], r["meta"]["role"]) for r in records if r["passed"]}
    controlled = [r for r in sarcastic
                  if {(r["meta"]["group"], "literal"), (r["meta"]["group"], "plain")} <= passed]
    counts = Counter(r["pred"] for r in sarcastic)
    return {
        "n_groups": len(sarcastic),
        "literal_trap_rate": _trap_rate(sarcastic, positive),
        "sarcastic_pass_rate": _pass_rate(sarcastic),
        "control_pass_rate": {role: _pass_rate(by_role[role]) for role in ROLES[1:]},
        "literal_trap_rate_controls_passed": _trap_rate(controlled, positive),
        "sarcastic_pass_rate_controls_passed": _pass_rate(controlled),
        "sarcastic_predictions": {label: counts.get(label, 0) for label in labels},
        "by_phrase_kind": _breakdown(sarcastic, "phrase_kind", positive),
        "by_situation_labels": _breakdown(sarcastic, "situation_labels", positive),
    }


# ---------------------------------------------------------------------------------------------
# What the training data says


def _words(text: str) -> list[str]:
    """A text as lowercase words, apostrophes dropped ("Don't" -> "dont"), as the phrases are written."""
    return re.findall(r"[a-z0-9]+", text.lower().replace("'", "").replace("\u2019", ""))


def sarcasm_frame(text: str, kinds: Sequence[Kind], complaint: frozenset[str]) -> str | None:
    """The phrase kind whose frame ``text`` already fits, or None.

    A text fits when it opens with a sarcastic phrase of a phrase-first kind (or ends with one of a
    phrase-last kind) and the rest of it, where the situation would stand, holds a complaint word.
    """
    words = _words(text)
    for kind in kinds:
        for phrase in kind.sarcastic:
            phrase_words = phrase.text.split()
            size = len(phrase_words)
            if len(words) <= size:
                continue
            head, rest = ((words[:size], words[size:]) if kind.phrase_first
                          else (words[-size:], words[:-size]))
            if head == phrase_words and complaint & set(rest):
                return kind.name
    return None


def train_evidence(ctx: SuiteContext, train: SourceData) -> dict[str, Any]:
    """How the training texts that already fit a sarcasm frame are labelled.

    A training text fits when it opens (or closes) with one of the suite's sarcastic phrases and
    the rest names a complaint: a cue word, in ``params.lexicon``, of a label some negative
    situation allows. The suite expects such a text to carry one of those negative labels
    (``n_consistent``); a training label of joy or love is the reading it counts as a failure.
    """
    if "lexicon" not in ctx.spec.params:
        raise AuditError(f"suite {ctx.spec.name!r}: params.lexicon (complaint cue words) is needed "
                         "to look for sarcasm frames in training texts")
    data = load_data(ctx)
    lexicon = load_lexicon(ctx.data_path(ctx.spec.params["lexicon"]))
    negative = data.negative_labels
    complaint = frozenset(word for label in negative if label in lexicon for word in lexicon[label].cues)
    matched = [label for text, label in zip(train.texts, train.labels)
               if sarcasm_frame(text, data.kinds, complaint)]
    counts = Counter(label for label in matched if label is not None)
    n_consistent = sum(counts[label] for label in negative)
    n_positive = sum(counts[label] for label in POSITIVE_LABELS)
    if matched:
        texts = "text opens or closes" if len(matched) == 1 else "texts open or close"
        summary = (f"train: {len(matched)} {texts} with a sarcastic positive phrase around a complaint; "
                   f"{100 * n_positive / len(matched):.0f}% are labelled joy or love, which this suite "
                   f"counts as a failure")
    else:
        summary = ("train: no text opens or closes with a sarcastic positive phrase around a "
                   "complaint, so the training data sets no convention for this suite's cases")
    return {
        "n_train": len(train.texts),
        "n_matched": len(matched),
        "n_consistent": n_consistent,
        "consistent_rate": rate_with_ci(n_consistent, len(matched)) if matched else None,
        "label_counts": dict(counts),
        "summary": summary,
    }
