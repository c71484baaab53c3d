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
  rewrote within its variety), each over all source texts. :func:`summarize` adds judged
  counts, pass and flip rates and accuracy per variety, per rule (also over the cases where the
  rule applied alone, which attributes flips to single rules) and per eWAVE feature, so a reader
  sees which grammatical features break a model, and the share of cases per variety that only
  add a clause-final tag or particle.
- **Tags and particles only where a speaker would put them**: after a short main declarative
  clause, and a particle chosen by what the clause says (``ClauseFinalTag``), so a variety's
  score rests mostly on its grammar.
- **Training evidence.** :func:`train_evidence` counts the training texts that already show one
  of the varieties' features, found by the rules' own detectors.

Cases keep the gold label, so the suite reports accuracy on dialect text (the MFT view) beside the
invariance pass rate; ``params.breakdown: [variety]`` gives both per variety.
"""
from __future__ import annotations

import random
from collections import Counter
from pathlib import Path
from typing import Any, Callable, Mapping, Sequence


from ..errors import AuditError
from ..metrics import rate_with_ci
from ..suite import Expectation, GeneratedSuite, SourceData, SuiteContext, load_yaml_mapping
from .base import Perturbation, Perturbed, derive_cases
from .lexicon import read_tsv
from .dialect_rules import (
    Abbreviation, AintBe, AintHave, AlreadyPerfect, BritishSpelling, ClauseFinalTag,
    CompletiveDone, DegreeWord, ExistentialGot, Finna, HabitualBe, InvariantDont,
    InformalGate, InvertedIndirectQuestion, NegativeConcord, RegisterGate, StativeProgressive, TokenRule,
    VerbForms, VerbTable,
    ZeroArticle, ZeroCopula, ZeroThirdPerson, words_of,
)

#: Keys a rule entry of the varieties file may carry (rule/ewave/params/skip_registers/
#: max_text_words configure it, the others document it).
_RULE_KEYS = {"rule", "ewave", "params", "skip_registers", "max_text_words", "feature", "example",
              "note", "attested"}


class Variety(Perturbation):
    """All rules of one variety applied in order; ``name`` is the variety (e.g. ``aae``).

    A case whose only rules are clause-final tags or particles (:class:`ClauseFinalTag`) is
    marked ``tag_only``: it tests a pragmatic addition, not the variety's grammar, and the
    summary reports the share of such cases per variety."""

    def __init__(self, name: str, rules: Sequence[TokenRule], gate: InformalGate | None = None) -> None:
        self.name = name
        self.rules = tuple(rules)
        self.gate = gate
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
        """The rewrite, with ``rules``, ``ewave`` and ``ewave_by_rule`` naming the rules that fired
        and ``tag_only`` saying whether they only added a tag or particle. Where the variety's
        informal gate rejects the text, the result carries only ``register_skip``, the reason
        (the case is then skipped)."""
        new, fired = self.apply(text, rng)
        if not fired:
            return None
        skip = None if self.gate is None else self.gate.reason(words_of(text))
        if skip is not None:
            return Perturbed(new, {"register_skip": skip})
        by_rule = {rule.name: list(rule.meta["ewave"]) for rule in fired}
        return Perturbed(new, {"rules": list(by_rule), "ewave_by_rule": by_rule,
                               "ewave": sorted({n for nums in by_rule.values() for n in nums}),
                               "tag_only": all(isinstance(rule, ClauseFinalTag) for rule in fired)})


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


def british_respellers() -> tuple[Callable[[str], str], Callable[[str], str]]:
    """breame's US -> UK and UK -> US spelling functions (imported here: only the ``brit``
    variety needs them)."""
    try:
        from breame.spelling import get_american_spelling, get_british_spelling
    except ImportError as exc:
        raise AuditError("the dialect suite's 'brit' variety needs the breame package "
                         "(pip install breame==0.1.2)") from exc
    return get_british_spelling, get_american_spelling


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
    "negative_concord": lambda name, meta, p, res: NegativeConcord(name, meta, res.verbs, **p),
    "completive_done": lambda name, meta, p, res: CompletiveDone(name, meta, res.verbs, **p),
    "habitual_be": lambda name, meta, p, res: HabitualBe(name, meta, res.verbs, **p),
    "finna": lambda name, meta, p, res: Finna(name, meta, res.verbs, **p),
    "zero_copula": lambda name, meta, p, res: ZeroCopula(name, meta, res.verbs, **p),
    "zero_third_person": lambda name, meta, p, res: ZeroThirdPerson(name, meta, res.verbs, **p),
    "stative_progressive": lambda name, meta, p, res: StativeProgressive(name, meta, res.verbs, **p),
    "inverted_indirect_question": lambda name, meta, p, res: InvertedIndirectQuestion(
        name, meta, res.verbs, **p),
    "already_perfect": lambda name, meta, p, res: AlreadyPerfect(name, meta, res.verbs, **p),
    "existential_got": lambda name, meta, p, res: ExistentialGot(name, meta, **p),
    "zero_article": lambda name, meta, p, res: ZeroArticle(name, meta, **p),
    "too_much": lambda name, meta, p, res: DegreeWord(name, meta, **p),
    "invariant_tag": lambda name, meta, p, res: ClauseFinalTag(name, meta, **p),
    "discourse_particle": lambda name, meta, p, res: ClauseFinalTag(name, meta, verbs=res.verbs, **p),
    "lengthening": lambda name, meta, p, res: DegreeWord(name, meta, **p),
    "abbreviation": lambda name, meta, p, res: Abbreviation(name, meta, res.slang(), **p),
    "british_spelling": lambda name, meta, p, res: BritishSpelling(
        name, meta, *british_respellers(), res.british_exclusions(), **p),
}


def load_registers(declared: Mapping[str, Any]) -> dict[str, RegisterGate]:
    """The register gates of the varieties file (``registers``: name -> ``words`` and ``phrases``
    marking a formal, public or solemn text)."""
    gates = {}
    for name, entry in declared.items():
        unknown = set(entry or {}) - {"words", "phrases"}
        if unknown:
            raise AuditError(f"dialect register {name!r}: unknown keys {sorted(unknown)} (keys: words, phrases)")
        gates[name] = RegisterGate(frozenset(entry.get("words") or ()),
                                   tuple(tuple(p.split()) for p in entry.get("phrases") or ()))
    return gates


def register_gate(entry: Mapping[str, Any], registers: Mapping[str, RegisterGate]) -> RegisterGate | None:
    """The gate of a rule entry: the union of the registers it names in ``skip_registers`` and
    its ``max_text_words``; ``None`` when it has neither."""
    names = list(entry.get("skip_registers") or [])
    missing = [n for n in names if n not in registers]
    if missing:
        raise AuditError(f"dialect rule {entry.get('rule')!r}: unknown registers {missing} "
                         f"(declared: {', '.join(registers)})")
    max_words = entry.get("max_text_words")
    if not names and max_words is None:
        return None
    return RegisterGate(frozenset().union(*(registers[n].words for n in names)),
                        tuple(p for n in names for p in registers[n].phrases),
                        None if max_words is None else int(max_words))


def load_informal_gate(declared: Mapping[str, Any]) -> InformalGate:
    """The informal-writing gate of the varieties file (``informal``)."""
    keys = {"max_words", "formal_words", "long_word", "max_long_words", "reporter_verbs",
            "not_names", "reporter_phrases", "markup", "markup_phrases", "scripted"}
    if set(declared) != keys:
        raise AuditError(f"dialect informal gate: keys must be {sorted(keys)}, got {sorted(declared)}")

    def phrases(key: str) -> tuple[tuple[str, ...], ...]:
        return tuple(tuple(p.split()) for p in declared[key])

    return InformalGate(int(declared["max_words"]), frozenset(declared["formal_words"]),
                        int(declared["long_word"]), int(declared["max_long_words"]),
                        frozenset(declared["reporter_verbs"]), frozenset(declared["not_names"]),
                        phrases("reporter_phrases"), tuple(declared["markup"]), phrases("markup_phrases"),
                        phrases("scripted"))


def build_variety(name: str, spec: Mapping[str, Any], resources: _Resources,
                  registers: Mapping[str, RegisterGate], gate: InformalGate | None = None) -> Variety:
    """A :class:`Variety` from its entry in the varieties file; rule names are ``<variety>.<rule>``.
    A rule entry's ``skip_registers``/``max_text_words`` restrict that rule further; ``gate``
    restricts the whole variety to informal personal writing unless the entry says
    ``any_register: true`` (spelling, which every register shares)."""
    rules = []
    for entry in spec.get("rules") or []:
        unknown = set(entry) - _RULE_KEYS
        kind = entry.get("rule")
        if unknown or kind not in _FACTORIES:
            raise AuditError(f"dialect variety {name!r}: bad rule entry {entry!r} "
                             f"(rules: {', '.join(_FACTORIES)}; keys: {', '.join(sorted(_RULE_KEYS))})")
        meta = {"variety": name, "ewave": [int(n) for n in entry.get("ewave") or []]}
        try:
            rule = _FACTORIES[kind](f"{name}.{kind}", meta, dict(entry.get("params") or {}), resources)
        except TypeError as exc:
            raise AuditError(f"dialect variety {name!r}, rule {kind!r}: bad params: {exc}") from exc
        rule_gate = register_gate(entry, registers)
        rules.append(rule if rule_gate is None else rule.gated(rule_gate))
    return Variety(name, rules, None if spec.get("any_register") else gate)


def load_varieties(ctx: SuiteContext) -> list[Variety]:
    """The varieties named in ``params.varieties`` (default: all in the varieties file)."""
    resources = _Resources(ctx)
    path = resources.path("rules")
    data = load_yaml_mapping(path)
    declared = data.get("varieties") or {}
    registers = load_registers(data.get("registers") or {})
    names = ctx.spec.params.get("varieties") or list(declared)
    missing = [n for n in names if n not in declared]
    if missing:
        raise AuditError(f"suite {ctx.spec.name!r}: unknown dialect varieties {missing} "
                         f"(declared in {path.name}: {', '.join(declared)})")
    gate = load_informal_gate(data.get("informal") or {})
    return [build_variety(name, declared[name], resources, registers, gate) for name in names]


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
        reasons: Counter[str] = Counter()

        def expect(_rule: Perturbation, _text: str, _label: str | None, result: Perturbed) -> Expectation | None:
            """INV, or ``None`` (skipped, reason counted) where the text is not informal writing."""
            skip = result.meta.get("register_skip")
            if skip:
                reasons[skip] += 1
                return None
            return Expectation("INV")

        part = derive_cases(ctx.spec.name, ctx.source, [variety], expect, ctx.seed, keep_label=True)
        cases += part.cases
        coverage.update(part.coverage)
        if reasons:
            coverage[variety.name]["skip_reasons"] = dict(sorted(reasons.items()))
        for rule in variety.rules:
            changed = sum(rule.name in case.meta["rules"] for case in part.cases)
            coverage[rule.name] = {"n_candidates": n_texts, "n_changed": changed}
    return GeneratedSuite(cases=cases, coverage=coverage, n_candidates=n_texts)


def _figures(rows: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """Cases, judged cases and their pass rate, the flip rate, and accuracy on the rewritten
    texts and on their sources (same texts)."""
    judged = [r for r in rows if r.get("passed") is not None]
    gold = [r for r in rows if r["label"] is not None and r["source_pred"] is not None]
    accuracy = rate_with_ci(sum(r["pred"] == r["label"] for r in gold), len(gold))
    source = rate_with_ci(sum(r["source_pred"] == r["label"] for r in gold), len(gold))
    paired = [r for r in rows if r["source_pred"] is not None]
    change = (accuracy["value"] - source["value"]) if gold else None
    return {"n": len(rows), "n_judged": len(judged),
            "pass_rate": rate_with_ci(sum(bool(r["passed"]) for r in judged), len(judged)),
            "flip_rate": rate_with_ci(sum(r["pred"] != r["source_pred"] for r in paired), len(paired)),
            "accuracy": accuracy, "source_accuracy": source, "accuracy_change": change}


def summarize(records: Sequence[Mapping[str, Any]], labels: Sequence[str]) -> dict[str, Any]:
    """Pass and flip rates per variety, per rule and per eWAVE feature, from the records' ``meta``.

    - ``varieties``: per variety, and ``tag_only_share``: the share of its cases whose only
      rules are clause-final tags or particles (no grammatical change).
    - ``by_rule``: per rule (a case with several rules counts for each), with its variety, eWAVE
      numbers, ``share_of_variety`` (fraction of its variety's cases it took part in) and
      ``alone``, the figures over the cases where it was the only rule applied.
    - ``by_feature``: per eWAVE feature number (as a string key), over the cases where a rule
      implementing it applied, with the rules and varieties that implement it.
    """
    varieties: dict[str, list[Mapping[str, Any]]] = {}
    rules: dict[str, list[Mapping[str, Any]]] = {}
    features: dict[int, list[Mapping[str, Any]]] = {}
    for record in records:
        meta = record["meta"]
        varieties.setdefault(meta["variety"], []).append(record)
        for rule in meta["rules"]:
            rules.setdefault(rule, []).append(record)
        for number in meta["ewave"]:
            features.setdefault(int(number), []).append(record)
    by_rule = {}
    for rule, rows in sorted(rules.items()):
        variety = rows[0]["meta"]["variety"]
        alone = [r for r in rows if r["meta"]["rules"] == [rule]]
        by_rule[rule] = {
            "variety": variety, "ewave": rows[0]["meta"]["ewave_by_rule"][rule],
            "share_of_variety": len(rows) / len(varieties[variety]),
            **_figures(rows), "alone": _figures(alone),
        }
    by_feature = {}
    for number, rows in sorted(features.items()):
        implementing = sorted({rule for r in rows for rule, nums in r["meta"]["ewave_by_rule"].items()
                               if number in nums})
        by_feature[str(number)] = {"ewave": number, "rules": implementing,
                                   "varieties": sorted({r["meta"]["variety"] for r in rows}),
                                   **_figures(rows)}
    return {
        "varieties": {v: {**_figures(rows),
                          "tag_only_share": sum(bool(r["meta"].get("tag_only")) for r in rows) / len(rows)}
                      for v, rows in varieties.items()},
        "by_rule": by_rule,
        "by_feature": by_feature,
    }


def train_evidence(ctx: SuiteContext, train: SourceData) -> dict[str, Any]:
    """How many training texts already show a feature of the suite's varieties, found with the
    rules' own detectors (:meth:`~audit.generators.dialect_rules.TokenRule.shows`: ain't,
    negative concord, finna, habitual be, lah/leh/lor, a non-concord "isnt it", British
    spellings, ...), per rule and per variety, with the gold labels of those texts.

    The suite is INV and sets no expected label, so every matched text counts as consistent
    (``n_consistent == n_matched``) and ``consistent_rate`` is ``None``: the evidence says how much
    of each variety the model has seen in training, not how such texts are labelled.
    """
    rules = [rule for variety in load_varieties(ctx) for rule in variety.rules]
    by_rule = dict.fromkeys((rule.name for rule in rules), 0)
    by_variety = dict.fromkeys((rule.meta["variety"] for rule in rules), 0)
    label_counts: Counter[str] = Counter()
    n_matched = 0
    for text, label in zip(train.texts, train.labels):
        words = words_of(text)
        hits = [rule for rule in rules if rule.shows(words)]
        for rule in hits:
            by_rule[rule.name] += 1
        for variety in {rule.meta["variety"] for rule in hits}:
            by_variety[variety] += 1
        if hits:
            n_matched += 1
            if label is not None:
                label_counts[label] += 1
    return {"n_train": len(train.texts), "n_matched": n_matched, "n_consistent": n_matched,
            "consistent_rate": None, "label_counts": dict(label_counts),
            "by_variety": by_variety, "by_rule": by_rule,
            "summary": _evidence_sentence(len(train.texts), n_matched, by_variety, by_rule)}


def _evidence_sentence(n_train: int, n_matched: int, by_variety: Mapping[str, int],
                       by_rule: Mapping[str, int]) -> str:
    """One sentence: matched texts overall, per variety with its most frequent features."""
    parts = []
    for variety, count in by_variety.items():
        top = sorted(((n, rule) for rule, n in by_rule.items()
                      if rule.startswith(f"{variety}.") and n), reverse=True)[:3]
        features = ", ".join(f"{rule.split('.', 1)[1].replace('_', ' ')} {n:,}" for n, rule in top)
        parts.append(f"{variety} {count:,}" + (f" ({features})" if features else ""))
    return (f"train: {n_matched:,} of {n_train:,} texts already show a feature of these varieties "
            f"({'; '.join(parts)}); the suite is INV and sets no label, so this measures how much "
            "of each variety the model saw in training")
