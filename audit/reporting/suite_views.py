"""The report's view of one perturbation suite: its figures, per-rule table and charts, its
breakdowns, per-feature results where the suite reports them, and its most telling failures.

Rows inside a suite (rules, breakdown groups, features) are marked against the suite's pass-rate
floor in the gate policy (:meth:`audit.reporting.badges.Badges.row_level`): ``warn`` below it,
``pass`` at or above it. Pure functions of a suite's section and records.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from ..suite_trust import noop_rules, noop_sentence, train_view
from . import charts
from .badges import Badges
from .formatting import fmt_number, fmt_rate, title_case
from .tables import blocks, grid, table
from .views import confidence

#: Failures shown per suite.
N_FAILURES = 8
#: Keys of a suite's ``extra`` that :func:`suite_view` shows in its own tables, not generically.
_CURATED_EXTRA = ("by_feature", "by_rule")
_RULE = "suite_pass_rate"


def describe_expectation(expectation: Mapping[str, Any], gold: str | None) -> str:
    """What a case's prediction had to satisfy, in words."""
    kind = expectation.get("kind")
    if kind == "MFT":
        allowed = expectation.get("labels") or ([gold] if gold else [])
        if len(allowed) > 1:
            return "one of " + ", ".join(allowed)
        return f"= {allowed[0]}" if allowed else "—"
    if kind == "INV":
        return "= source prediction"
    parts = []
    if expectation.get("avoid"):
        parts.append("not " + ", ".join(expectation["avoid"]))
    if expectation.get("avoid_source"):
        parts.append("≠ source prediction")
    return "; ".join(parts) or "—"


def telling_failures(records: Sequence[Mapping[str, Any]], limit: int = N_FAILURES) -> list[dict[str, Any]]:
    """The most confident failures, spread over rules: each rule's most confident failure first,
    then each rule's second, and so on, most confident first within a round."""
    failed = sorted((r for r in records if r.get("passed") is False), key=lambda r: -confidence(r["probs"]))
    seen: dict[Any, int] = {}
    ranked = []
    for position, record in enumerate(failed):
        rank = seen[record.get("rule")] = seen.get(record.get("rule"), -1) + 1
        ranked.append((rank, position, record))
    return [{"id": r["id"], "rule": r.get("rule") or "—", "text": r["text"], "pred": r["pred"],
             "confidence": confidence(r["probs"]), "source_text": r.get("source_text"),
             "source_pred": r.get("source_pred"), "source_confidence": confidence(r.get("source_probs")),
             "gold": r.get("label"), "expected": describe_expectation(r.get("expectation") or {}, r.get("label"))}
            for _, _, r in sorted(ranked, key=lambda t: t[:2])[:limit]]


def rule_figures(section: Mapping[str, Any], rule: str) -> Mapping[str, Any]:
    """A rule's judged count, no-ops and pass rate: the suite's ``by_rule`` entry, else its
    ``extra.by_rule`` entry (rules inside a case's rule, e.g. the dialect suite's grammar rules
    within a variety), else nothing."""
    extra = section.get("extra") if isinstance(section.get("extra"), Mapping) else {}
    for source in (section.get("by_rule"), extra.get("by_rule")):
        if isinstance(source, Mapping) and isinstance(source.get(rule), Mapping):
            return source[rule]
    return {}


def rule_table(name: str, section: Mapping[str, Any],
               marks: Badges) -> tuple[dict[str, Any], list[tuple[str, Mapping[str, Any]]]]:
    """Per-rule coverage and pass rate, and the rules' pass rates for the chart."""
    coverage = section.get("coverage") or {}
    rules = list(dict.fromkeys([*coverage, *(section.get("by_rule") or {})]))
    noops = "n_noop" in section  # results from before no-op detection have no such column
    rows, levels, rates = [], [], []
    for rule in rules:
        cov, figures = coverage.get(rule, {}), rule_figures(section, str(rule))
        rate = figures.get("pass_rate")
        rows.append([str(rule), fmt_number(cov.get("n_candidates")), fmt_number(cov.get("n_changed")),
                     *([fmt_number(figures.get("n_noop", cov.get("n_noop")))] if noops else []),
                     fmt_number(figures.get("n_judged")), fmt_rate(rate)])
        levels.append(marks.row_level(_RULE, name, (rate or {}).get("value")))
        if rate and rate.get("value") is not None:
            rates.append((str(rule), rate))
    columns = ["Rule", "Texts tried", "Applied", *(["No-op (not judged)"] if noops else []), "Judged",
               "Pass rate [95% CI]"]
    return table(columns, rows, levels=levels), rates


def feature_table(name: str, section: Mapping[str, Any], marks: Badges) -> dict[str, Any] | None:
    """Per-feature results (``extra.by_feature``, the dialect suite's eWAVE features): the rules
    and varieties implementing each, its cases, judged cases, pass and flip rates."""
    features = (section.get("extra") or {}).get("by_feature")
    if not isinstance(features, Mapping) or not features:
        return None
    ordered = sorted(features.items(), key=lambda item: int(item[0]) if str(item[0]).isdigit() else float("inf"))
    rows = [[f"eWAVE {key}", ", ".join(f.get("rules") or []), ", ".join(f.get("varieties") or []),
             fmt_number(f.get("n")), fmt_number(f.get("n_judged")), fmt_rate(f.get("pass_rate")),
             fmt_rate(f.get("flip_rate"))] for key, f in ordered]
    levels = [marks.row_level(_RULE, name, (f.get("pass_rate") or {}).get("value")) for _, f in ordered]
    return table(["Feature", "Rules", "Varieties", "Cases", "Judged", "Pass rate [95% CI]", "Flip rate [95% CI]"],
                 rows, title="By eWAVE feature", levels=levels)


def breakdown_tables(name: str, section: Mapping[str, Any], marks: Badges) -> list[dict[str, Any]]:
    """One table per ``meta`` key the suite breaks its cases down by."""
    out = []
    for key, groups in (section.get("breakdowns") or {}).items():
        levels = [marks.row_level(_RULE, name, (g.get("pass_rate") or {}).get("value")) for g in groups.values()]
        out.append(grid(groups, first=title_case(key), title=f"By {title_case(key).lower()}", levels=levels))
    return out


def _charts(name: str, section: Mapping[str, Any], rates: Sequence[tuple[str, Mapping[str, Any]]],
            marks: Badges) -> dict[str, Any]:
    """The per-rule pass-rate chart and the flip heat map of a suite."""
    flips = section.get("flip_matrix")
    return {
        "rules_chart": charts.bar_chart(
            f"rules-{name}", [r for r, _ in rates], [x["value"] for _, x in rates],
            low=[x["ci_low"] for _, x in rates], high=[x["ci_high"] for _, x in rates],
            levels=[marks.row_level(_RULE, name, x["value"]) for _, x in rates], percent=True,
            title=f"{name}: pass rate per rule", xlabel="pass rate (%) with 95% interval") if rates else None,
        "flip_chart": charts.heatmap(
            f"flips-{name}", flips["counts"], flips["labels"], title=f"{name}: prediction before → after",
            ylabel="prediction on the source text", xlabel="prediction on the case") if flips else None,
    }


def suite_view(summary: Mapping[str, Any], section: Mapping[str, Any], records: Sequence[Mapping[str, Any]] | None,
               marks: Badges) -> dict[str, Any]:
    """Everything shown for one perturbation suite."""
    name = summary["name"]
    rules, rates = rule_table(name, section, marks)
    extra = section.get("extra")
    rest = {k: v for k, v in extra.items() if k not in _CURATED_EXTRA} if isinstance(extra, Mapping) else extra
    return {
        **summary, **_charts(name, section, rates, marks),
        "n_candidates": section.get("n_candidates"), "n_applicable": section.get("n_applicable"),
        "macro_f1": (section.get("metrics") or {}).get("macro_f1"),
        "rules": rules, "features": feature_table(name, section, marks),
        "breakdowns": breakdown_tables(name, section, marks),
        "extra": blocks(rest) if rest else [],
        "failures": telling_failures(records) if records is not None else None,
        "n_failed": sum(r.get("passed") is False for r in records) if records is not None else None,
        "cases_sha256": section.get("cases_sha256"),
        "n_noop": section.get("n_noop"),
        "noop_notes": [noop_sentence(row) for row in noop_rules(section, records)],
        "train": train_view(section),
    }
