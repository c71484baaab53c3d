"""Sarcasm suite (MFT): a positive phrase set against a negative situation.

Riloff et al. (2013), "Sarcasm as contrast between a positive sentiment and negative situation",
describe the commonest form of sarcasm on Twitter: upbeat words wrapped around something bad
("oh great im stuck in traffic again"). The emotion such a text expresses is the situation's
(anger, sadness or fear), not the joy its words spell out, so that is the gold label.

Each sarcastic case is one (phrase, frame, negative situation) combination drawn by seeded
sampling from the full product, and comes with two controls in the same ``meta["group"]``:

- ``literal``: the same phrase and frame around a positive situation ("i just love spending sunny
  days at the beach"), gold = that situation's emotion (joy). It shows the model reads the phrase.
- ``plain``: the negative situation with its emotion said outright ("im so annoyed about being
  stuck in traffic again"). It shows the model knows the situation.

A model that fails a sarcastic case while passing both of its controls is fooled by the surface
sentiment, which :func:`summarize` reports separately from plain inaccuracy. The phrases, frames,
situations and rephrases live in the suite's data files (``params.templates`` and
``params.situations``); every authored string must match the data's style (lowercase letters,
digits and spaces only).
"""
from __future__ import annotations

import csv
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping, Sequence


from ..errors import AuditError
from ..metrics import rate_with_ci
from ..suite import Case, Expectation, GeneratedSuite, SuiteContext, load_yaml_mapping

#: The roles of the cases in a group, in the order they are emitted.
ROLES: tuple[str, ...] = ("sarcastic", "literal", "plain")
#: Predictions that mean the model took the sarcastic words at face value.
POSITIVE_LABELS: tuple[str, ...] = ("joy", "love")
#: Sarcastic cases drawn when ``params.n_sarcastic`` is not given.
DEFAULT_N_SARCASTIC = 300

_STYLE_RE = re.compile(r"^[a-z0-9]+( [a-z0-9]+)*$")
_SITUATION_COLUMNS: tuple[str, ...] = ("polarity", "emotion", "gerund", "clause", "when")
_FORMS: tuple[str, ...] = ("gerund", "clause", "when")


@dataclass(frozen=True)
class Situation:
    """A situation in the three grammatical forms the frames need, with the emotion it evokes."""

    emotion: str
    gerund: str
    clause: str
    when: str

    def slots(self) -> dict[str, str]:
        """The values of the ``{gerund}``, ``{clause}`` and ``{when}`` slots."""
        return {"gerund": self.gerund, "clause": self.clause, "when": self.when}


@dataclass(frozen=True)
class PhraseFrame:
    """One positive phrase placed in one frame of its kind (e.g. ``"{phrase} {clause}"``)."""

    kind: str
    frame: str
    phrase: str

    def fill(self, situation: Situation) -> str:
        """The sentence this phrase and frame make around ``situation``."""
        return self.frame.format(phrase=self.phrase, **situation.slots())


@dataclass(frozen=True)
class SarcasmData:
    """Everything the suite is built from, read and checked from its data files."""

    phrase_frames: list[PhraseFrame]
    plain: dict[str, list[str]]
    negative: list[Situation]
    positive: list[Situation]


def _check_style(text: str, where: str) -> str:
    """Return ``text`` if it is written in the data's style, else raise naming ``where``."""
    if not _STYLE_RE.match(text):
        raise AuditError(f"{where}: {text!r} must be lowercase words without punctuation")
    return text


def _check_frame(frame: str, where: str) -> str:
    """Return ``frame`` if it fills with the known slots and yields a well-styled sentence."""
    try:
        filled = frame.format(phrase="x", gerund="x", clause="x", when="x")
    except (KeyError, IndexError, ValueError) as exc:
        raise AuditError(f"{where}: frame {frame!r} uses an unknown slot ({exc})") from exc
    _check_style(filled, where)
    return frame


def load_situations(path: Path) -> tuple[list[Situation], list[Situation]]:
    """Read the situations TSV; return ``(negative, positive)`` situations in file order."""
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle, delimiter="\t")
        missing = set(_SITUATION_COLUMNS) - set(reader.fieldnames or ())
        if missing:
            raise AuditError(f"{path}: missing columns {sorted(missing)}")
        rows = list(reader)
    split: dict[str, list[Situation]] = {"negative": [], "positive": []}
    for line, row in enumerate(rows, start=2):
        where = f"{path}:{line}"
        if row["polarity"] not in split:
            raise AuditError(f"{where}: polarity must be 'negative' or 'positive'")
        split[row["polarity"]].append(Situation(
            emotion=row["emotion"], **{form: _check_style(row[form], where) for form in _FORMS}))
    if not split["negative"] or not split["positive"]:
        raise AuditError(f"{path}: needs at least one negative and one positive situation")
    return split["negative"], split["positive"]


def load_templates(path: Path) -> tuple[list[PhraseFrame], dict[str, list[str]]]:
    """Read the templates YAML; return every (kind, frame, phrase) and the plain rephrases."""
    raw = load_yaml_mapping(path)
    if not isinstance(raw, dict) or not isinstance(raw.get("kinds"), dict) or not isinstance(raw.get("plain"), dict):
        raise AuditError(f"{path}: expected mappings 'kinds' and 'plain'")
    for kind, entry in raw["kinds"].items():
        if not isinstance(entry, dict) or not entry.get("frames") or not entry.get("phrases"):
            raise AuditError(f"{path}: kind {kind!r} needs non-empty 'frames' and 'phrases' lists")
    phrase_frames = [
        PhraseFrame(kind, _check_frame(frame, f"{path} kind {kind}"), _check_style(phrase, f"{path} kind {kind}"))
        for kind, entry in raw["kinds"].items()
        for frame in entry["frames"]
        for phrase in entry["phrases"]
    ]
    plain = {emotion: [_check_frame(t, f"{path} plain {emotion}") for t in templates]
             for emotion, templates in raw["plain"].items()}
    return phrase_frames, plain


def load_data(ctx: SuiteContext) -> SarcasmData:
    """Read the suite's data files and check their labels against the model's."""
    params = ctx.spec.params
    phrase_frames, plain = load_templates(ctx.data_path(params["templates"]))
    negative, positive = load_situations(ctx.data_path(params["situations"]))
    emotions = {s.emotion for s in negative + positive} | set(plain)
    unknown = emotions - set(ctx.labels)
    if unknown:
        raise AuditError(f"suite {ctx.spec.name!r}: emotions {sorted(unknown)} are not model labels")
    unphrased = {s.emotion for s in negative} - set(plain)
    if unphrased:
        raise AuditError(f"suite {ctx.spec.name!r}: no plain rephrase for {sorted(unphrased)}")
    return SarcasmData(phrase_frames, plain, negative, positive)


def _case(suite: str, role: str, group: str, text: str, label: str, kind: str) -> Case:
    """One case of a group; the rule is its role, so per-rule pass rates are per-role accuracies."""
    return Case(id=f"{suite}:{role}:{group}", text=text, expectation=Expectation("MFT"), label=label,
                rule=role, meta={"role": role, "group": group, "phrase_kind": kind})


#: The ``params`` a suite declaration may give this generator, with their types.
PARAMS: dict[str, type] = {"templates": str, "situations": str, "n_sarcastic": int}


def generate(ctx: SuiteContext) -> GeneratedSuite:
    """Sample ``params.n_sarcastic`` sarcastic combinations and build each one's triple of cases."""
    data = load_data(ctx)
    combos = [(pf, s) for pf in data.phrase_frames for s in data.negative]
    n = min(int(ctx.spec.params.get("n_sarcastic", DEFAULT_N_SARCASTIC)), len(combos))
    chosen = sorted(ctx.rng("sarcastic").sample(range(len(combos)), n))
    literal_rng, plain_rng = ctx.rng("literal"), ctx.rng("plain")
    cases: list[Case] = []
    for number, index in enumerate(chosen):
        pf, situation = combos[index]
        group = f"g{number:04d}"
        bright = literal_rng.choice(data.positive)
        rephrase = plain_rng.choice(data.plain[situation.emotion])
        texts = {
            "sarcastic": (pf.fill(situation), situation.emotion),
            "literal": (pf.fill(bright), bright.emotion),
            "plain": (rephrase.format(**situation.slots()), situation.emotion),
        }
        cases += [_case(ctx.spec.name, role, group, *texts[role], pf.kind) for role in ROLES]
    return GeneratedSuite(cases=cases)


def _accuracy(records: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """Share of ``records`` whose prediction is the gold label, with a Wilson CI."""
    return rate_with_ci(sum(r["pred"] == r["label"] for r in records), len(records))


def _trap_rate(records: Sequence[Mapping[str, Any]], positive: Sequence[str]) -> dict[str, Any]:
    """Share of ``records`` predicted as a positive emotion, with a Wilson CI."""
    return rate_with_ci(sum(r["pred"] in positive for r in records), len(records))


def summarize(records: Sequence[Mapping[str, Any]], labels: Sequence[str]) -> dict[str, Any]:
    """Sarcasm figures for ``results.json``.

    - ``sarcastic_accuracy``: sarcastic cases predicted as the situation's emotion.
    - ``literal_trap_rate``: sarcastic cases predicted joy or love (taken at face value).
    - ``control_accuracy``: accuracy on the ``literal`` and on the ``plain`` controls.
    - ``sarcastic_accuracy_controls_correct``: sarcastic accuracy over the groups whose two
      controls are both right, i.e. where a failure can only be a failure to read sarcasm.
    - ``sarcastic_predictions``: how the sarcastic cases were labelled.
    - ``by_phrase_kind``: sarcastic accuracy and trap rate per phrase kind.

    All rates carry a Wilson 95% interval.
    """
    positive = [label for label in POSITIVE_LABELS if label in labels]
    by_role: dict[str, list[Mapping[str, Any]]] = {role: [] for role in ROLES}
    for r in records:
        by_role[r["meta"]["role"]].append(r)
    sarcastic = by_role["sarcastic"]
    right = {(r["meta"]["group"], r["meta"]["role"]) for r in records if r["pred"] == r["label"]}
    controlled = [r for r in sarcastic
                  if {(r["meta"]["group"], "literal"), (r["meta"]["group"], "plain")} <= right]
    kinds: dict[str, list[Mapping[str, Any]]] = {}
    for r in sarcastic:
        kinds.setdefault(r["meta"]["phrase_kind"], []).append(r)
    counts = Counter(r["pred"] for r in sarcastic)
    return {
        "n_groups": len(sarcastic),
        "sarcastic_accuracy": _accuracy(sarcastic),
        "literal_trap_rate": _trap_rate(sarcastic, positive),
        "control_accuracy": {role: _accuracy(by_role[role]) for role in ROLES[1:]},
        "sarcastic_accuracy_controls_correct": _accuracy(controlled),
        "sarcastic_predictions": {label: counts.get(label, 0) for label in labels},
        "by_phrase_kind": {kind: {"accuracy": _accuracy(rows), "literal_trap_rate": _trap_rate(rows, positive)}
                           for kind, rows in kinds.items()},
    }
