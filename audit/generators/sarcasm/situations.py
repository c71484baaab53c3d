"""Reading the situations file (``sarcasm_situations.tsv``): every situation in its three forms,
with its labels, span, and for a negative one whether it is bad for anyone and which feeling
words its plain control may state, each with a reason.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any, Mapping, Sequence

from ...errors import AuditError
from ..lexicon import read_tsv
from .declarations import POSITIVE_LABELS, KEY_RE, Situation, check_labels, check_style

_FORMS: tuple[str, ...] = ("gerund", "clause", "when")
_SITUATION_COLUMNS: tuple[str, ...] = ("id", "polarity", "labels", "span", "bad", "feelings", *_FORMS,
                                       "reason", "bad_reason", "feelings_reason")
#: Values of a negative situation's ``bad`` column: bad for anyone, or open to a sincere liking.
BADNESS: tuple[str, ...] = ("universal", "contestable")
#: What a positive situation puts in the columns that only a negative one fills.
_NOT_APPLICABLE = "-"


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
        if not KEY_RE.match(row["id"]) or row["id"] in seen:
            raise AuditError(f"{where}: ids must be unique and match [a-z0-9_]+")
        seen.add(row["id"])
        if row["polarity"] not in split:
            raise AuditError(f"{where}: polarity must be 'negative' or 'positive'")
        if row["span"] not in spans:
            raise AuditError(f"{where}: span {row['span']!r} must be one of {sorted(spans)}")
        labels = check_labels(_split_list(row["labels"]), known, where)
        forms = {form: check_style(row[form], where) for form in _FORMS}
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
