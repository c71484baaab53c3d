"""What an audit found, as ranked plain sentences: the one source of the report's "Top findings",
the model card's limitations and the summary ``emotion-audit run`` prints, so the three cannot
disagree.

:func:`findings` reads ``results.json`` (and the gate policy, for what counts as a failure) and
returns :class:`Finding` objects, most severe first, at most :data:`MAX_FINDINGS`. Each is one
sentence with its number and interval, and the anchor of the report section that shows the
evidence. Its ``level`` is the badge of what it describes (:mod:`audit.reporting.badges`): ``fail``
when a gate floor of severity error fails, ``warn`` when a warning floor fails, an interval
reaches past its floor, a group gap's interval excludes 0 or a test is significant, ``info`` for a
fact no check judges (the weakest class, a suite's pass rate within its floor, suspected label
errors). Within a level, the larger effect comes first (:attr:`Finding.weight`).

:func:`caveats` are the sentences about what the figures cannot show (truncated or skipped texts,
an assumed label mapping, unreviewed suites, the data they describe); :func:`limitations` is every
finding followed by the caveats, as the card lists them.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from .gate import Check
from .metric_registry import METRICS, headline_metrics
from .metrics import rate_with_ci
from .policy import Policy
from .reporting.badges import ECE_GOOD, ORDER, Badges, badges, excludes_zero
from .reporting.bias_view import anchor, attribute_headline, display
from .reporting.formatting import fmt_rate, fmt_score
from .reporting.summaries import (class_hits, clean_metrics, main_confusion, per_class, suite_summaries,
                                  weakest_class)
from .suite_trust import trust_limitations

#: Findings the report's block, the card's first limitations and the CLI summary hold at most.
MAX_FINDINGS = 7
#: What a passing case did, by suite test type.
_PASSED = {"MFT": "{k:,} of {n:,} cases get a label the case allows",
           "INV": "{k:,} of {n:,} rewritten texts keep the prediction of their source text",
           "DIR": "{k:,} of {n:,} cases move the prediction the way the change requires"}


@dataclass(frozen=True)
class Finding:
    """One finding: its badge ``level``, its sentence, the report section (``#id``) with the
    evidence, and its ``weight`` (the size of the effect) for ranking within a level."""

    level: str
    text: str
    anchor: str
    weight: float = 0.0


def findings(results: Mapping[str, Any], policy: Policy | None = None,
             limit: int | None = MAX_FINDINGS) -> list[Finding]:
    """The audit's findings, most severe first (``limit`` of them; all with ``None``), judged
    against ``policy`` (the shipped default gate policy when None)."""
    marks = badges(results, policy)
    found = [*_headline_findings(results, marks), *_class_findings(results, marks),
             *_calibration_findings(results), *_suite_findings(results, marks), *_bias_findings(results, marks),
             *_slice_findings(results, marks), *_label_issue_findings(results)]
    found.sort(key=lambda f: (ORDER.index(f.level), -f.weight))
    return found if limit is None else found[:limit]


def _against(check: Check, what: str = "", *, percent: bool = False) -> str:
    """Where a check's value stands against its limit: ``"below the policy's floor of 0.85"``
    (``percent``: ``"of 85%"``), or for a passing check whose interval disagrees, ``"at or above
    the policy's floor of 0.85, but its interval reaches below it"``."""
    limit = f"{check.limit:.0%}" if percent else f"{check.limit:.2f}"
    upper = not check.metric.higher_is_better
    bound = f"the policy's {what + ' ' if what else ''}{'maximum' if upper else 'floor'} of {limit}"
    side = "above" if upper else "below"
    if check.failed:
        return f"{side} {bound}"
    return f"{'within' if upper else 'at or above'} {bound}, but its interval reaches {side} it"


def _headline_findings(results: Mapping[str, Any], marks: Badges) -> list[Finding]:
    """The clean split's accuracy, macro and weighted F1 where their badge is not a pass."""
    metrics = clean_metrics(results)
    out = []
    for key in headline_metrics():
        level = marks.level(key, None, metrics[key]) if metrics else "info"
        check = marks.find(key)
        if level in ("fail", "warn") and check is not None:
            out.append(Finding(level, f"{METRICS[key].title} on the clean {results['dataset']['split']} split is "
                                      f"{fmt_score(metrics[key], 3)}, {_against(check)}.", "#results",
                               max(check.excess, 0.0)))
    return out


def _class_findings(results: Mapping[str, Any], marks: Badges) -> list[Finding]:
    """The weakest class, and in one more sentence the other classes whose F1 the policy's
    per-class floor marks."""
    metrics = clean_metrics(results)
    weakest = weakest_class(metrics) if metrics else None
    if weakest is None:
        return []
    label, row = weakest
    recall = rate_with_ci(class_hits(metrics, label), row["support"])
    text = (f"Weakest class: {label}, F1 {row['f1']:.3f} on {row['support']:,} test texts; {recall['successes']:,} of "
            f"{recall['n']:,} recognised ({fmt_rate(recall, counts=False)})")
    confusion = main_confusion(metrics, label)
    if confusion:
        text += f", most often mistaken for {confusion[0]} ({confusion[1]:,})"
    level, check = marks.level("per_class_f1", label), marks.find("per_class_f1", label)
    marked = level in ("fail", "warn") and check is not None
    out = [Finding(level if marked else "info", text + (f"; {_against(check, 'F1')}." if marked else "."),
                   "#per-class", 1 - row["f1"])]
    others = [(other, r, marks.level("per_class_f1", other)) for other, r in per_class(metrics)
              if other != label and r["support"] and marks.level("per_class_f1", other) in ("fail", "warn")]
    if others:
        out.append(Finding(min((lv for *_, lv in others), key=ORDER.index),
                           f"{len(others)} more {'class is' if len(others) == 1 else 'classes are'} marked against "
                           f"the policy's per-class F1 floor: " + ", ".join(
                               f"{other} F1 {r['f1']:.3f} ({r['support']:,} texts)" for other, r, _ in others) + ".",
                           "#per-class", 1 - min(r["f1"] for _, r, _ in others)))
    return out


def _calibration_findings(results: Mapping[str, Any]) -> list[Finding]:
    """Miscalibration: an expected calibration error above :data:`ECE_GOOD`."""
    metrics = clean_metrics(results)
    calib = (metrics or {}).get("calibration")
    if not calib or calib["ece"] <= ECE_GOOD:
        return []
    return [Finding("warn", f"Confidence is miscalibrated: expected calibration error {calib['ece']:.3f} over "
                            f"{calib['n_bins']} bins; treat the scores as rankings, not probabilities.",
                    "#calibration", calib["ece"])]


def _suite_findings(results: Mapping[str, Any], marks: Badges) -> list[Finding]:
    """Each suite's pass rate that is short of 100%, and the largest drop from clean accuracy."""
    out = []
    summaries = suite_summaries(results, marks)
    for s in summaries:
        rate = s["pass_rate"]
        if not rate or rate.get("value") is None or (s["level"] not in ("fail", "warn") and rate["value"] >= 1):
            continue
        passed = _PASSED.get(s["test_type"], "{k:,} of {n:,} judged cases pass")
        passed = passed.format(k=rate["successes"], n=rate["n"])
        text = f"The {s['name']} suite ({s['test_type']}): {passed} ({fmt_rate(rate, counts=False)})"
        check = marks.find("suite_pass_rate", s["name"])
        if s["level"] in ("fail", "warn") and check is not None:
            text += f"; {_against(check, 'suite', percent=True)}"
        weight = max(check.excess, 0.0) if check is not None else 0.0
        out.append(Finding(s["level"] if s["level"] in ("fail", "warn") else "info", text + ".",
                           f"#suite-{s['name']}", weight or 1 - rate["value"]))
    drops = [s for s in summaries if s["drop"] is not None and s["drop"] > 0]
    if drops:
        worst = max(drops, key=lambda s: s["drop"])
        clean = clean_metrics(results)["accuracy"]["value"]
        out.append(Finding("info", f"Largest drop from clean accuracy: the {worst['name']} suite, accuracy "
                                   f"{fmt_score(worst['accuracy'], 3)} against {clean:.3f} on the clean "
                                   f"{results['dataset']['split']} split ({-worst['drop']:+.3f}).",
                           f"#suite-{worst['name']}", worst["drop"]))
    return out


def _attributes(results: Mapping[str, Any]) -> list[tuple[str, Mapping[str, Any]]]:
    """``(name, section)`` of every audited attribute of the bias section."""
    bias = results.get("bias")
    attributes = bias.get("attributes") if isinstance(bias, Mapping) else None
    return [(k, v) for k, v in (attributes or {}).items() if isinstance(v, Mapping)]


def bias_lines(results: Mapping[str, Any]) -> list[str]:
    """``"<attribute> (<source>): <headline>"`` for every audited attribute: the card's bias list."""
    out = []
    for name, section in _attributes(results):
        where = f" ({section['source']})" if section.get("source") else ""
        out.append(f"{name}{where}: {attribute_headline(section)}")
    return out


def _bias_findings(results: Mapping[str, Any], marks: Badges) -> list[Finding]:
    """Per audited attribute with a significant probability shift or a group gap the policy
    marks: the bias section's headline sentence for it, and any gate maximum it exceeds."""
    out = []
    for name, section in _attributes(results):
        significant = [abs(t["mean_diff"]) for t in section.get("tests") or []
                       if isinstance(t, Mapping) and t.get("significant") is True and t.get("mean_diff") is not None]
        gaps = section.get("gaps") or {}
        checked = [(c, gaps.get(c.scope.split("/", 1)[1])) for c in marks.checks
                   if c.rule == "group_gap" and c.scope and c.scope.split("/", 1)[0] == name]
        levels = [marks.level("group_gap", c.scope, gap) for c, gap in checked] + ["warn"] * bool(significant)
        if not {"fail", "warn"} & set(levels):
            continue
        sentence = attribute_headline(section).rstrip(".")
        for (check, gap), level in zip(checked, levels):
            if level in ("fail", "warn") and (check.failed or not excludes_zero(gap)):
                quoted = "" if fmt_score(gap, 3) in sentence else f", {fmt_score(gap, 3)},"  # not twice
                metric = check.scope.split("/", 1)[1].replace("_", " ")
                sentence += f"; the largest {metric} gap{quoted} is {_against(check)}"
        weight = max(significant + [c.value for c, _ in checked if c.value is not None], default=0.0)
        out.append(Finding(min(levels, key=ORDER.index), f"{display(name).capitalize()}: "
                           f"{sentence[:1].lower()}{sentence[1:]}.", f"#{anchor(name)}", weight))
    return out


def _slice_findings(results: Mapping[str, Any], marks: Badges) -> list[Finding]:
    """Discovered slices significantly worse than the rest of the split, the worst named."""
    section = results.get("slices")
    if not isinstance(section, Mapping) or not section.get("significant"):
        return []
    top = section["significant"][0]
    level = marks.level("worst_slice") if marks.find("worst_slice") else "warn"
    text = (f"{len(section['significant'])} of {section['n_tested']:,} discovered slices are significantly worse "
            f"than the rest of the split; the largest gap: {top['name']} ({top['n']:,} texts), accuracy "
            f"{fmt_rate(top['accuracy'], counts=False)} against {fmt_rate(top['rest_accuracy'], counts=False)} "
            f"for the rest (adjusted p = {top['p_adjusted']:.2g}).")
    return [Finding("warn" if level == "pass" else level, text, "#slices", -top["difference"])]


def _label_issue_findings(results: Mapping[str, Any]) -> list[Finding]:
    """Suspected label errors in the split, with the sensitivity of accuracy to them."""
    section = results.get("label_issues")
    if not isinstance(section, Mapping) or section.get("skipped") or not section.get("n"):
        return []
    text = (f"{section['n']:,} of {section['n_scored']:,} test labels ({fmt_rate(section['rate'], counts=False)}) "
            "are suspected label errors (cleanlab confident learning)")
    sensitivity, metrics = section.get("sensitivity"), clean_metrics(results)
    if sensitivity and metrics:
        text += (f"; without them accuracy would be {sensitivity['accuracy']['value']:.4f} instead of "
                 f"{metrics['accuracy']['value']:.4f}")
    return [Finding("info", text + ".", "#label-issues", section["rate"]["value"])]


def caveats(results: Mapping[str, Any], dataset_name: str | None = None) -> list[str]:
    """What the figures cannot show: an assumed label mapping, truncated or skipped texts, the
    suites' trust limitations, and the data they describe (named ``dataset_name``, by default as
    the results name it)."""
    dataset = results["dataset"]
    out = []
    if results["model"].get("label_mapping_assumed"):
        out.append("The model's label names were not recognised; the label mapping was assumed: "
                   f"{results['model'].get('label_mapping_note') or 'see the provenance section'}.")
    if dataset.get("n_truncated"):
        out.append(f"{dataset['n_truncated']:,} texts were longer than the {results['config']['max_length']}-token "
                   "limit and were truncated.")
    if dataset.get("n_empty_skipped"):
        out.append(f"{dataset['n_empty_skipped']:,} empty texts were skipped.")
    out += trust_limitations(results)
    out.append(f"All figures describe {dataset_name or dataset['name']} ({dataset['split']} split, "
               f"{dataset['size']:,} texts) and the suites listed; other domains, languages and writing styles "
               "were not measured.")
    return out


def limitations(results: Mapping[str, Any], policy: Policy | None = None,
                dataset_name: str | None = None) -> list[str]:
    """Every finding's sentence, most severe first (the first :data:`MAX_FINDINGS` are the top
    findings), then the :func:`caveats`: the card's list of measured limitations."""
    return [f.text for f in findings(results, policy, limit=None)] + caveats(results, dataset_name)


def summary_lines(found: Sequence[Finding]) -> list[str]:
    """The findings as the CLI prints them: ``"1. WARN  <sentence>"``."""
    return [f"{i}. {f.level.upper():<4}  {f.text}" for i, f in enumerate(found, 1)]
