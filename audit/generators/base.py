"""Shared pieces of the generators: the perturbation interface and the derive-from-split loop."""
from __future__ import annotations

import random
from abc import ABC, abstractmethod
from typing import Any, Callable, Iterable, Mapping

from ..suite import Case, Expectation, GeneratedSuite, SourceData


class Perturbation(ABC):
    """A named, seeded text transformation (in the manner of HELM's perturbations).

    ``perturb`` returns the new text, or ``None`` when the rule does not apply to ``text``
    (the case is then counted as not applicable, never forced). It must be a pure function of
    ``text`` and the state of ``rng``.
    """

    #: Short identifier, used as the case's ``rule`` and in coverage tables.
    name: str = ""
    #: Tags copied into every case's ``meta`` (e.g. ``{"variety": "aae", "ewave": 172}``).
    meta: Mapping[str, Any] = {}

    @abstractmethod
    def perturb(self, text: str, rng: random.Random) -> str | None:
        """Return the perturbed text or ``None`` if the rule does not apply."""


def derive_cases(
    suite_name: str,
    source: SourceData,
    rules: Iterable[Perturbation],
    expectation: Callable[[Perturbation, str, str | None], Expectation],
    rng: random.Random,
    *,
    keep_label: bool,
    extra_meta: Callable[[Perturbation, str, str | None], Mapping[str, Any]] | None = None,
) -> GeneratedSuite:
    """Apply every rule to every source text; one case per (text, rule) where the rule applies.

    ``expectation(rule, source_text, source_label)`` builds each case's expectation. With
    ``keep_label`` the case keeps the source's gold label (label-preserving rewrites such as
    dialect or typos); otherwise its label is ``None`` (e.g. negation changes the emotion) and the
    source label is kept in ``meta["source_label"]``. A rule that returns ``None`` or the text
    unchanged counts as not applicable. Coverage per rule is recorded.
    """
    rules = list(rules)
    cases: list[Case] = []
    coverage = {rule.name: {"n_candidates": 0, "n_changed": 0} for rule in rules}
    for sid, text, label in zip(source.ids, source.texts, source.labels):
        for rule in rules:
            coverage[rule.name]["n_candidates"] += 1
            new = rule.perturb(text, rng)
            if new is None or new == text:
                continue
            coverage[rule.name]["n_changed"] += 1
            meta = {**rule.meta, "source_label": label}
            if extra_meta is not None:
                meta.update(extra_meta(rule, text, label))
            cases.append(Case(
                id=f"{suite_name}:{rule.name}:{sid}", text=new,
                expectation=expectation(rule, text, label),
                label=label if keep_label else None, source_id=sid, source_text=text,
                rule=rule.name, meta=meta,
            ))
    return GeneratedSuite(cases=cases, coverage=coverage, n_candidates=len(source.texts))
