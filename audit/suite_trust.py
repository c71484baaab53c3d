"""How far each suite's figures can be trusted: findings the report and the model card share.

Three instruments feed it (all read from ``results.json``, plus ``predictions.jsonl`` records
where given):

- the review of the suite's expectations (``suites.<name>.validity``, :mod:`audit.review`): the
  share of reviewed cases whose expectation a careful annotator would accept, and whether the
  review describes this version of the suite;
- no-ops (``coverage.<rule>.n_noop``, :mod:`audit.noop`): rules whose cases the model read
  exactly like their source texts, so they tested nothing;
- training evidence (``suites.<name>.train_evidence``, :mod:`audit.train_check`): how the
  training split labels texts that already show the suite's pattern.

A results file from before these instruments (schema 1.0) has none of the keys, and nothing is
said about them.
"""
from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from typing import Any

from .noop import MOSTLY, cause
from .train_check import disagrees

#: A reviewed suite is ``pass`` when at least this share of its expectations are valid (at most
#: 2% wrong), ``warn`` from :data:`VALID_FAIR`, ``fail`` below.
VALID_GOOD = 0.98
VALID_FAIR = 0.90
#: Why a rule's cases read like their sources, by :func:`audit.noop.cause`.
_CAUSE_WORDS = {"casing": "this model is case-blind", "whitespace": "they differ only in whitespace",
                "tokenizer": "the tokenizer reads both alike (e.g. symbols it does not know)"}


def validity_view(section: Mapping[str, Any]) -> dict[str, Any] | None:
    """The suite's review as shown beside its pass rate: ``status`` (``current``, ``stale`` or
    ``missing``), the valid rate, a badge ``level`` and a plain ``caveat`` when the review is
    missing or stale; ``None`` for results that predate reviews."""
    if "validity" not in section:
        return None
    validity = section["validity"]
    if validity is None:
        return {"status": "missing", "rate": None, "level": "info", "short": "not reviewed",
                "caveat": "Not reviewed: nobody has checked a sample of this suite's expectations, so some "
                          "of its failures may be wrong expectations rather than model errors."}
    rate = validity["valid_rate"]
    view = {"rate": rate, "n_reviewed": validity["n_reviewed"], "reviewed_on": validity["reviewed_on"],
            "basis": validity.get("basis")}
    if not validity["current"]:
        return {**view, "status": "stale", "level": "info", "short": "not reviewed for this version",
                "caveat": f"Not reviewed for this version: the review of {validity['reviewed_on']} was of "
                          f"{'another version of its cases' if validity.get('basis') == 'cases' else 'another version of its generator'}."}
    value = rate.get("value")
    level = "info" if value is None else "pass" if value >= VALID_GOOD else "warn" if value >= VALID_FAIR else "fail"
    note = " (drawn on other data, same generator version)" if validity.get("basis") == "generator" else ""
    return {**view, "status": "current", "level": level, "short": None,
            "caveat": f"Share of {validity['n_reviewed']:,} reviewed cases whose expectation a reviewer "
                      f"judged valid; review of {validity['reviewed_on']}{note}."}


def _rule_sizes(section: Mapping[str, Any]) -> dict[str, int]:
    """Cases per rule: the coverage's ``n_changed`` where given, else judged plus no-op cases."""
    coverage = section.get("coverage") or {}
    by_rule = section.get("by_rule") or {}
    sizes = {str(rule): counts.get("n_changed") for rule, counts in coverage.items()}
    for rule, row in by_rule.items():
        if sizes.get(str(rule)) is None:
            sizes[str(rule)] = row.get("n_judged", 0) + row.get("n_noop", 0)
    return {rule: n for rule, n in sizes.items() if n}


def noop_rules(section: Mapping[str, Any], records: Sequence[Mapping[str, Any]] | None = None) -> list[dict[str, Any]]:
    """Rules whose cases were all or mostly (from :data:`audit.noop.MOSTLY`) no-ops for this
    model: ``rule``, ``n_noop``, ``n``, ``all`` and, from the records, the ``cause`` when every
    no-op of the rule has the same one."""
    coverage = section.get("coverage") or {}
    by_rule = section.get("by_rule") or {}
    out = []
    for rule, n in _rule_sizes(section).items():
        n_noop = (coverage.get(rule) or by_rule.get(rule) or {}).get("n_noop") or 0
        if n_noop and n_noop >= MOSTLY * n:
            causes = Counter(cause(r["text"], r["source_text"]) for r in records or ()
                             if r.get("no_op") and str(r.get("rule")) == rule)
            out.append({"rule": rule, "n_noop": n_noop, "n": n, "all": n_noop >= n,
                        "cause": next(iter(causes)) if len(causes) == 1 else None})
    return out


def noop_sentence(row: Mapping[str, Any]) -> str:
    """"case_upper: 500 of 500 cases identical to their source after tokenization — this model
    is case-blind; not tested." """
    why = f"{_CAUSE_WORDS[row['cause']]}; " if row.get("cause") else ""
    tested = "not tested" if row["all"] else f"only {row['n'] - row['n_noop']:,} tested"
    return (f"{row['rule']}: {row['n_noop']:,} of {row['n']:,} cases identical to their source after "
            f"tokenization — {why}{tested}.")


def train_view(section: Mapping[str, Any]) -> dict[str, Any] | None:
    """The suite's training evidence as shown under it, or ``None`` when there is none."""
    found = section.get("train_evidence")
    if not found:
        return None
    return {"summary": found["summary"], "rate": found.get("consistent_rate"), "n_matched": found["n_matched"],
            "n_train": found["n_train"], "disagrees": disagrees(found)}


def trust_limitations(results: Mapping[str, Any]) -> list[str]:
    """Plain sentences for the limitations list: rules that tested nothing, suites whose
    training labels contradict their expectation, and suites whose expectations are not
    reviewed (for this version) or fall short of :data:`VALID_GOOD` valid."""
    out = []
    suites = {name: s for name, s in results["suites"].items() if s.get("kind") == "suite"}
    for name, section in suites.items():
        rows = noop_rules(section)
        if rows:
            out.append(f"Not tested for this model in the {name} suite (the cases' input equals their source's "
                       "after tokenization): " + "; ".join(f"{r['rule']} ({r['n_noop']:,} of {r['n']:,} cases)"
                                                           for r in rows) + ".")
        train = train_view(section)
        if train and train["disagrees"]:
            out.append(f"Training labels disagree with the {name} suite's expectation — {train['summary'].rstrip('.')}. "
                       "Its failures partly reflect a labelling convention the model learned, not only a model defect.")
    views = {name: validity_view(s) for name, s in suites.items()}
    for status, text in (("missing", "Expectations not reviewed"), ("stale", "Expectations not reviewed for this version")):
        names = [name for name, v in views.items() if v and v["status"] == status]
        if names:
            out.append(f"{text}: {', '.join(names)}; a failure there may be a wrong expectation, not a model error.")
    short = [f"{name} ({v['rate']['successes']:,} of {v['rate']['n']:,} valid)" for name, v in views.items()
             if v and v["status"] == "current" and v["level"] in ("warn", "fail")]
    if short:
        out.append(f"Reviewed expectations fall short of {VALID_GOOD:.0%} valid: {', '.join(short)}.")
    return out
