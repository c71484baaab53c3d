"""The sarcasm figures for ``results.json``: pass and literal-trap rates, over all groups and over
the groups whose two controls pass, per phrase kind and per situation label set.
"""
from __future__ import annotations

from collections import Counter
from typing import Any, Mapping, Sequence

from ...metrics import rate_with_ci
from .declarations import POSITIVE_LABELS, ROLES


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
    - ``control_pass_rate``: pass rate of the ``literal`` and of the ``plain`` controls (each
      distinct control text is one case, however many groups it controls).
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
    passed = {r["id"] for r in records if r["passed"]}
    controlled = [r for r in sarcastic if {r["meta"]["literal_id"], r["meta"]["plain_id"]} <= passed]
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
