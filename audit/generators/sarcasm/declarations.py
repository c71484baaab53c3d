"""What the sarcasm suite's data files declare, as typed records, and the style every declaration
must be written in.

A :class:`Situation` is said in three grammatical forms and allows a set of labels; a
:class:`Phrase` (sarcastic or sincere) fits some situation spans and, when sarcastic, has a
:class:`Tone` and a marker strength; a :class:`Kind` is one frame with its phrases; a
:class:`Feeling` is a word of the plain controls. The checks here (:func:`check_style`,
:func:`check_frame`, :func:`check_labels`) are the ones both data files share.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Mapping, Sequence

from ...errors import AuditError

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
_STYLE_RE = re.compile(r"^[a-z0-9]+( [a-z0-9]+)*$")
KEY_RE = re.compile(r"^[a-z0-9_]+$")
#: Slots whose filler is a phrase, not a clause: nothing may follow them in a frame.
_PHRASE_SLOTS: tuple[str, ...] = ("gerund", "when")


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


def check_style(text: str, where: str) -> str:
    """Return ``text`` if it is written in the data's style, else raise naming ``where``."""
    if not _STYLE_RE.match(text):
        raise AuditError(f"{where}: {text!r} must be lowercase words without punctuation")
    return text


def check_frame(frame: str, where: str) -> str:
    """Return ``frame`` if it fills with the known slots, yields a well-styled sentence, and ends
    with any ``{gerund}`` or ``{when}`` slot it has.

    A gerund phrase or a when-clause can be long; words placed after it ("... being ignored again
    so much") attach to its last word, not to the sentence, so no frame may put words there.
    """
    try:
        filled = frame.format(phrase="x", gerund="x", clause="x", when="x")
    except (KeyError, IndexError, ValueError) as exc:
        raise AuditError(f"{where}: frame {frame!r} uses an unknown slot ({exc})") from exc
    check_style(filled, where)
    for slot in _PHRASE_SLOTS:
        if f"{{{slot}}}" in frame and not frame.endswith(f"{{{slot}}}"):
            raise AuditError(f"{where}: frame {frame!r}: nothing may follow the {{{slot}}} slot")
    return frame


def check_labels(labels: Sequence[str], known: Sequence[str], where: str) -> tuple[str, ...]:
    """Return ``labels`` in the model's label order if it is a non-empty set of model labels (one
    order, so that equal sets print and group alike)."""
    unknown = sorted(set(labels) - set(known))
    if not labels or unknown:
        raise AuditError(f"{where}: labels {sorted(labels)} must be a non-empty set of model labels"
                         + (f" (not model labels: {unknown})" if unknown else ""))
    return tuple(label for label in known if label in labels)
