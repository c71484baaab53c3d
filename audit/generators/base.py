"""Shared pieces of the generators: the perturbation interface and the derive-from-split loop."""
from __future__ import annotations

import random
from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Mapping

from ..suite import Case, Expectation, GeneratedSuite, SourceData, seeded_rng


@dataclass(frozen=True)
class Perturbed:
    """A perturbation's result: the new text and what the perturbation did.

    ``meta`` describes this application (e.g. ``{"rules": [...], "ewave": [...]}`` for a dialect
    rewrite, or the identity groups swapped) and is merged into the case's ``meta``, so nobody
    has to re-run the rule to learn which features fired (HELM returns a description the same
    way).
    """

    text: str
    meta: Mapping[str, Any] = field(default_factory=dict)


class Perturbation(ABC):
    """A named, seeded text transformation (in the manner of HELM's perturbations).

    ``perturb`` returns the new text (a ``str``, or a :class:`Perturbed` that also says what was
    done), or ``None`` when the rule does not apply to ``text`` (the case is then counted as not
    applicable, never forced). It must be a pure function of ``text`` and the state of ``rng``;
    :func:`derive_cases` gives every (rule, source text) its own ``rng``.
    """

    #: Short identifier, used as the case's ``rule`` and in coverage tables.
    name: str = ""
    #: Tags copied into every case's ``meta`` (e.g. ``{"variety": "aae", "ewave": 172}``).
    meta: Mapping[str, Any] = {}

    @abstractmethod
    def perturb(self, text: str, rng: random.Random) -> str | Perturbed | None:
        """Return the perturbed text or ``None`` if the rule does not apply."""


def as_perturbed(result: str | Perturbed | None) -> Perturbed | None:
    """A perturbation's return value as a :class:`Perturbed` (``None`` stays ``None``)."""
    return Perturbed(result) if isinstance(result, str) else result


def derive_cases(
    suite_name: str,
    source: SourceData,
    rules: Iterable[Perturbation],
    expectation: Callable[[Perturbation, str, str | None, Perturbed], Expectation | None],
    seed: int,
    *,
    keep_label: bool,
) -> GeneratedSuite:
    """Apply every rule to every source text; one case per (text, rule) where the rule applies.

    Each application gets its own rng, seeded from ``(seed, suite_name, rule.name, source id)``
    (:func:`~audit.suite.seeded_rng`), so a case does not depend on which other texts or rules
    the suite holds. ``expectation(rule, source_text, source_label, result)`` builds each case's
    expectation (``result`` is the :class:`Perturbed`, so it can use what the rule did);
    ``None`` means the text has no clean expectation under this rule and the case is skipped
    (counted in ``coverage[rule]["n_skipped"]``). With ``keep_label`` the case keeps the
    source's gold label (label-preserving rewrites such as dialect or typos); otherwise its label
    is ``None`` (e.g. negation changes the emotion) and the source label is kept in
    ``meta["source_label"]``. A rule that returns ``None`` or the text unchanged counts as not
    applicable. Coverage per rule is recorded.
    """
    rules = list(rules)
    cases: list[Case] = []
    coverage = {rule.name: {"n_candidates": 0, "n_changed": 0} for rule in rules}
    for sid, text, label in zip(source.ids, source.texts, source.labels):
        for rule in rules:
            coverage[rule.name]["n_candidates"] += 1
            result = as_perturbed(rule.perturb(text, seeded_rng(seed, suite_name, rule.name, sid)))
            if result is None or result.text == text:
                continue
            expected = expectation(rule, text, label, result)
            if expected is None:
                counts = coverage[rule.name]
                counts["n_skipped"] = counts.get("n_skipped", 0) + 1
                continue
            coverage[rule.name]["n_changed"] += 1
            cases.append(Case(
                id=f"{suite_name}:{rule.name}:{sid}", text=result.text, expectation=expected,
                label=label if keep_label else None, source_id=sid, source_text=text,
                rule=rule.name, meta={**rule.meta, **result.meta, "source_label": label},
            ))
    return GeneratedSuite(cases=cases, coverage=coverage, n_candidates=len(source.texts))
