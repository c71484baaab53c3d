"""Matching a model's label names with a dataset's gold labels.

A model names its classes in ``config.id2label``. Fine-tuning scripts often leave the generic
``LABEL_0 .. LABEL_k`` there; the audit then maps them by index onto the dataset's ordered label
names and records that a mapping was assumed. Gold labels may be written as names (matched
case-insensitively) or as integer indices into the model's label order.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Mapping, Sequence

from .errors import AuditError

_GENERIC = re.compile(r"^label_?\d+$", re.IGNORECASE)
#: An integer label: ASCII digits only (``str.isdigit`` also accepts ``²`` and other digits that
#: ``int`` refuses).
_INDEX = re.compile(r"[0-9]+")

#: The label order of ``dair-ai/emotion`` (its ClassLabel) and of the seed model.
EMOTION_LABELS: tuple[str, ...] = ("sadness", "joy", "love", "anger", "fear", "surprise")


@dataclass(frozen=True)
class LabelMapping:
    """The label names used throughout the audit, in the model's output order."""

    labels: tuple[str, ...]
    assumed: bool
    note: str | None = None


def is_generic(names: Sequence[str]) -> bool:
    """True when every name is of the form ``LABEL_<i>``."""
    return all(_GENERIC.match(n) for n in names)


def model_labels(id2label: Mapping[int | str, str], dataset_names: Sequence[str] | None) -> LabelMapping:
    """Label names in output order, mapping generic ``LABEL_i`` names by index when needed.

    ``dataset_names`` is the dataset's own ordered label list (a Hub ClassLabel, ``--label-names``,
    or, for string-labelled data whose label set equals dair-ai/emotion's, that dataset's order).
    """
    names = [str(id2label[k]) for k in sorted(id2label, key=int)]
    if len(set(names)) != len(names):
        raise AuditError(f"model has duplicate label names: {names}")
    if not is_generic(names):
        return LabelMapping(tuple(names), assumed=False)
    if not dataset_names:
        raise AuditError(f"model labels are generic ({', '.join(names)}) and the dataset gives no label "
                         f"order to map them onto; pass --label-names")
    unique_names(dataset_names, "dataset label names")
    if len(dataset_names) != len(names):
        raise AuditError(f"model has {len(names)} generic labels ({', '.join(names)}) but the dataset names "
                         f"{len(dataset_names)}: {', '.join(dataset_names)}")
    note = "generic model labels mapped by index: " + ", ".join(f"{a}={b}" for a, b in zip(names, dataset_names))
    return LabelMapping(tuple(dataset_names), assumed=True, note=note)


def dataset_label_order(raw_labels: Sequence[str | None], declared: Sequence[str] | None) -> list[str] | None:
    """The dataset's ordered label names: declared ones, else dair-ai/emotion's order when the
    gold label set is a subset of its names, else ``None``."""
    if declared:
        return list(declared)
    present = {label.lower() for label in raw_labels if label is not None}
    if present and present <= set(EMOTION_LABELS):
        return list(EMOTION_LABELS)
    return None


def gold_indices(raw_labels: Sequence[str | None], labels: Sequence[str],
                 declared: Sequence[str] | None = None) -> list[int | None]:
    """Map raw gold labels (names or integer indices) to indices into ``labels``.

    Names match case-insensitively. Integers index the dataset's declared label order when it has
    one, else the model's order. ``None`` stays ``None`` (an unlabeled row). A label that matches
    neither is an error that lists both label sets.
    """
    by_name = {name.lower(): i for i, name in enumerate(labels)}
    order = [n.lower() for n in declared] if declared else [n.lower() for n in labels]
    out: list[int | None] = []
    unknown: set[str] = set()
    for raw in raw_labels:
        if raw is None:
            out.append(None)
            continue
        key = raw.strip().lower()
        if key in by_name:
            out.append(by_name[key])
        elif _INDEX.fullmatch(key) and int(key) < len(order) and order[int(key)] in by_name:
            out.append(by_name[order[int(key)]])
        else:
            unknown.add(raw)
            out.append(None)
    if unknown:
        shown = ", ".join(sorted(unknown)[:10]) + (" ..." if len(unknown) > 10 else "")
        raise AuditError(f"dataset labels not known to the model: {shown} "
                         f"(model labels: {', '.join(labels)}; indices 0-{len(labels) - 1} also accepted)")
    return out


def unique_names(names: Sequence[str], what: str) -> list[str]:
    """``names`` when no two are equal ignoring case (labels match case-insensitively, so a
    repeated name would merge two classes into one), else an :class:`AuditError` naming it
    (after ``what``, when given)."""
    seen: set[str] = set()
    for name in names:
        if name.lower() in seen:
            raise AuditError(f"{what + ': ' if what else ''}{name!r} appears more than once ({', '.join(names)}); each class needs "
                             f"its own name")
        seen.add(name.lower())
    return list(names)
