"""Dialect suite: test texts rewritten into varieties of English (INV, gold label kept).

Each variety (African American English, Indian English, Singapore English, British spelling,
internet slang) is a list of rewrite rules from ``dialect_rules``, each tagged with its eWAVE
feature numbers in ``suites/data/dialect_varieties.yaml``. Design:

- **One case per text and variety.** A variety applies all of its rules that match, in order, as a
  speaker of the variety would write the whole text; a text that no rule of the variety matches
  yields no case. Case ids are ``dialect:<variety>:<source id>`` and the case's ``rule`` is the
  variety, so ``by_rule`` and the ``variety`` breakdown give pass rates per variety.
- **Per-rule coverage.** Every case's ``meta`` names the rules that applied (``rules``, in order),
  their eWAVE numbers (``ewave``, merged) and ``ewave_by_rule``. ``coverage`` has one entry per
  variety (``aae``: texts it changed) and one per rule (``aae.zero_copula``: texts the rule
  rewrote within its variety), each over all source texts. :func:`summarize` adds per-rule
  accuracy and flip rate, also over the cases where the rule applied alone, which attributes
  flips to single rules.

Cases keep the gold label, so the suite reports accuracy on dialect text (the MFT view) beside the
invariance pass rate; ``params.breakdown: [variety]`` gives both per variety.
"""
from __future__ import annotations

import random
from pathlib import Path
from typing import Any, Callable, Mapping, Sequence


from ..errors import AuditError
from ..metrics import rate_with_ci
from ..suite import Expectation, GeneratedSuite, SuiteContext, load_yaml_mapping
from .base import Perturbation, Perturbed, derive_cases
from .lexicon import read_tsv
from .dialect_rules import (
    Abbreviation, AintBe, AintHave, BritishSpelling, ClauseFinalTag, CompletiveDone, Finna,
    HabitualBe, InvariantDont, Lengthening, NegativeConcord, StativeProgressive, TokenRule,
    VerbForms, VerbTable, ZeroCopula, ZeroThirdPerson,
)

#: Keys a rule entry of the varieties file may carry (all but rule/ewave/params document it).
_RULE_KEYS = {"rule", "ewave", "params", "feature", "example", "note", "attested"}


class Variety(Perturbation):
    """All rules of one variety applied in order; ``name`` is the variety (e.g. ``aae``)."""

    def __init__(self, name: str, rules: Sequence[TokenRule]) -> None:
        self.name = name
        self.rules = tuple(rules)
        self.meta = {"variety": name}

    def apply(self, text: str, rng: random.Random) -> tuple[str, list[TokenRule]]:
        """The rewritten text and the rules that changed it."""
        fired: list[TokenRule] = []
        for rule in self.rules:
            new = rule.perturb(text, rng)
            if new is not None:
                text = new
                fired.append(rule)
        return text, fired

    def perturb(self, text: str, rng: random.Random) -> Perturbed | None:
        """The rewrite, with ``rules``, ``ewave`` and ``ewave_by_rule`` naming the rules that fired."""
        new, fired = self.apply(text, rng)
        if not fired:
            return None
        by_rule = {rule.name: list(rule.meta["ewave"]) for rule in fired}
        return Perturbed(new, {"rules": list(by_rule), "ewave_by_rule": by_rule,
                               "ewave": sorted({n for nums in by_rule.values() for n in nums})})


VERB_COLUMNS = ("base", "third", "past", "participle", "ing")


def load_verbs(path: Path) -> VerbTable:
    """The verb table: base, third, past, participle and ing forms."""
    return VerbTable(VerbForms(**row) for row in read_tsv(path, VERB_COLUMNS))


def load_slang(path: Path) -> dict[tuple[str, ...], tuple[str, ...]]:
    """The slang table: phrase -> alternatives (``|``-separated)."""
    return {tuple(row["phrase"].split()): tuple(row["slang"].split("|")) for row in read_tsv(path, ("phrase", "slang"))}


def load_words(path: Path) -> frozenset[str]:
    """One word a line; ``#`` starts a comment."""
    lines = path.read_text(encoding="utf-8").splitlines()
    return frozenset(w for line in lines if (w := line.split("#", 1)[0].strip()))


def british_respeller() -> Callable[[str], str]:
    """breame's US -> UK spelling function (imported here: only the ``brit`` variety needs it)."""
    try:
        from breame.spelling import get_british_spelling
    except ImportError as exc:
        raise AuditError("the dialect suite's 'brit' variety needs the breame package "
                         "(pip install breame==0.1.2)") from exc
    return get_british_spelling


class _Resources:
    """Word data shared by the rules, read from the files named in the suite's params."""

    def __init__(self, ctx: SuiteContext) -> None:
        self.ctx = ctx
        self.verbs = load_verbs(self.path("verbs"))

    def path(self, key: str) -> Path:
        """The data file named by ``params.<key>``."""
        if key not in self.ctx.spec.params:
            raise AuditError(f"suite {self.ctx.spec.name!r}: params.{key} is missing")
        return self.ctx.data_path(self.ctx.spec.params[key])

    def slang(self) -> dict[tuple[str, ...], tuple[str, ...]]:
        return load_slang(self.path("slang"))

    def british_exclusions(self) -> frozenset[str]:
        return load_words(self.path("british_exclude"))


_Factory = Callable[[str, dict, dict, _Resources], TokenRule]
_FACTORIES: dict[str, _Factory] = {
    "aint_be": lambda name, meta, p, res: AintBe(name, meta, **p),
    "aint_have": lambda name, meta, p, res: AintHave(name, meta, res.verbs, **p),
    "invariant_dont": lambda name, meta, p, res: InvariantDont(name, meta, **p),
    "negative_concord": lambda name, meta, p, res: NegativeConcord(name, meta, **p),
    "completive_done": lambda name, meta, p, res: CompletiveDone(name, meta, res.verbs, **p),
    "habitual_be": lambda name, meta, p, res: HabitualBe(name, meta, res.verbs, **p),
    "finna": lambda name, meta, p, res: Finna(name, meta, res.verbs, **p),
    "zero_copula": lambda name, meta, p, res: ZeroCopula(name, meta, res.verbs, **p),
    "zero_third_person": lambda name, meta, p, res: ZeroThirdPerson(name, meta, res.verbs, **p),
    "stative_progressive": lambda name, meta, p, res: StativeProgressive(name, meta, res.verbs, **p),
    "invariant_tag": lambda name, meta, p, res: ClauseFinalTag(name, meta, **p),
    "discourse_particle": lambda name, meta, p, res: ClauseFinalTag(name, meta, **p),
    "lengthening": lambda name, meta, p, res: Lengthening(name, meta, **p),
    "abbreviation": lambda name, meta, p, res: Abbreviation(name, meta, res.slang(), **p),
    "british_spelling": lambda name, meta, p, res: BritishSpelling(
        name, meta, british_respeller(), res.british_exclusions(), **p),
}


def build_variety(name: str, spec: Mapping[str, Any], resources: _Resources) -> Variety:
    """A :class:`Variety` from its entry in the varieties file; rule names are ``<variety>.<rule>``."""
    rules = []
    for entry in spec.get("rules") or []:
        unknown = set(entry) - _RULE_KEYS
        kind = entry.get("rule")
        if unknown or kind not in _FACTORIES:
            raise AuditError(f"dialect variety {name!r}: bad rule entry {entry!r} "
                             f"(rules: {', '.join(_FACTORIES)}; keys: {', '.join(sorted(_RULE_KEYS))})")
        meta = {"variety": name, "ewave": [int(n) for n in entry.get("ewave") or []]}
        try:
            rules.append(_FACTORIES[kind](f"{name}.{kind}", meta, dict(entry.get("params") or {}), resources))
        except TypeError as exc:
            raise AuditError(f"dialect variety {name!r}, rule {kind!r}: bad params: {exc}") from exc
    return Variety(name, rules)


def load_varieties(ctx: SuiteContext) -> list[Variety]:
    """The varieties named in ``params.varieties`` (default: all in the varieties file)."""
    resources = _Resources(ctx)
    path = resources.path("rules")
    declared = load_yaml_mapping(path).get("varieties") or {}
    names = ctx.spec.params.get("varieties") or list(declared)
    missing = [n for n in names if n not in declared]
    if missing:
        raise AuditError(f"suite {ctx.spec.name!r}: unknown dialect varieties {missing} "
                         f"(declared in {path.name}: {', '.join(declared)})")
    return [build_variety(name, declared[name], resources) for name in names]


#: The ``params`` a suite declaration may give this generator, with their types.
PARAMS: dict[str, type] = {"varieties": list, "rules": str, "verbs": str, "slang": str, "british_exclude": str}


def generate(ctx: SuiteContext) -> GeneratedSuite:
    """One INV case per (test text, variety) where at least one of the variety's rules applies,
    with coverage per variety and per rule.

    Each case draws from its own rng (seeded by variety and source id), so choosing other
    varieties or other texts leaves its cases as they are.
    """
    cases, coverage = [], {}
    n_texts = len(ctx.source.texts)
    for variety in load_varieties(ctx):
        part = derive_cases(ctx.spec.name, ctx.source, [variety],
                            lambda *_: Expectation("INV"), ctx.seed, keep_label=True)
        cases += part.cases
        coverage.update(part.coverage)
        for rule in variety.rules:
            changed = sum(rule.name in case.meta["rules"] for case in part.cases)
            coverage[rule.name] = {"n_candidates": n_texts, "n_changed": changed}
    return GeneratedSuite(cases=cases, coverage=coverage, n_candidates=n_texts)


def _figures(rows: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """Accuracy on the rewritten texts and on their sources (same texts), and the flip rate."""
    gold = [r for r in rows if r["label"] is not None and r["source_pred"] is not None]
    accuracy = rate_with_ci(sum(r["pred"] == r["label"] for r in gold), len(gold))
    source = rate_with_ci(sum(r["source_pred"] == r["label"] for r in gold), len(gold))
    paired = [r for r in rows if r["source_pred"] is not None]
    change = (accuracy["value"] - source["value"]) if gold else None
    return {"accuracy": accuracy, "source_accuracy": source, "accuracy_change": change,
            "flip_rate": rate_with_ci(sum(r["pred"] != r["source_pred"] for r in paired), len(paired))}


def summarize(records: Sequence[Mapping[str, Any]], labels: Sequence[str]) -> dict[str, Any]:
    """Per variety and per rule: accuracy (rewritten vs. source text), flip rate and coverage.

    A rule's ``n_changed`` is the number of texts it rewrote (as in ``coverage``);
    ``share_of_variety`` the fraction of its variety's cases it took part in; ``alone`` the
    figures over the cases where it was the only rule applied.
    """
    varieties: dict[str, list[Mapping[str, Any]]] = {}
    rules: dict[str, list[Mapping[str, Any]]] = {}
    for record in records:
        varieties.setdefault(record["meta"]["variety"], []).append(record)
        for rule in record["meta"]["rules"]:
            rules.setdefault(rule, []).append(record)
    per_rule = {}
    for rule, rows in sorted(rules.items()):
        variety = rows[0]["meta"]["variety"]
        alone = [r for r in rows if r["meta"]["rules"] == [rule]]
        per_rule[rule] = {
            "variety": variety, "ewave": rows[0]["meta"]["ewave_by_rule"][rule],
            "n_changed": len(rows), "share_of_variety": len(rows) / len(varieties[variety]),
            **_figures(rows), "alone": {"n": len(alone), **_figures(alone)},
        }
    return {"varieties": {v: {"n": len(rows), **_figures(rows)} for v, rows in varieties.items()},
            "rules": per_rule}
