"""The report's bias section as a reader wants it: per attribute, what was found, in one sentence.

:func:`bias_view` reads ``results["bias"]`` by its documented schema (:mod:`audit.bias`; the
README's ``bias`` entry) and returns the plain dictionary the partial ``reports/bias.html.j2``
renders. Keys outside that schema are not shown: nothing is rendered by guessing what an
unknown key means. Per attribute the view holds

- ``headline``: one sentence naming the largest significant probability shifts (with their
  intervals and Holm-adjusted p) and any group gap whose interval excludes 0, or saying that
  neither was found, with the largest effect and its interval;
- ``flip``: the counterfactual flip rate (Wilson interval) over pairs and distinct source texts;
- ``forest``: the significant tests and the largest effects, as an inline-SVG forest plot;
- ``groups``: accuracy and macro F1 per group with intervals, as a dot-and-whisker chart;
- ``gaps``: the largest accuracy and macro F1 gaps and whether their intervals exclude 0;
- the full tables (tests, groups, per-class F1 gaps, flip rates by origin and group), which the
  partial puts in ``<details>`` elements.

The interval of a mean probability change is the t-interval that
:func:`audit.counterfactual.paired_t_test` recorded with its test (scipy's
``ttest_rel(...).confidence_interval``), so it excludes 0 exactly when the unadjusted test rejects
at that level; results written before it was recorded show none. Significance (the marked rows)
is the Holm-adjusted verdict the results record, which is stricter: an unmarked row can have an
interval that excludes 0. Numbers and names are formatted by :mod:`.bias_format`.

Pure: the same results give the same view (the charts are deterministic SVG).
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from markupsafe import Markup

from ..metrics import ALPHA, CI_LEVEL
from .bias_charts import forest_plot, group_dots
from .bias_format import anchor, display, fmt_change, fmt_p, interval_verdict
from .formatting import fmt_rate, fmt_score

#: Non-significant rows a forest plot adds: the largest effects by absolute size.
N_LARGEST = 5
#: Rows a forest plot holds at most (the full table in ``<details>`` lists every test).
MAX_FOREST_ROWS = 16
#: Significant shifts a headline sentence cites.
N_CITED = 2
#: Gaps shown per attribute, with their names in sentences.
GAP_METRICS = (("accuracy", "accuracy"), ("macro_f1", "macro F1"))


# --------------------------------------------------------------------------- paired tests

def change_interval(test: Mapping[str, Any]) -> tuple[float | None, float | None]:
    """The recorded t-interval of a paired test's mean change (``ci_low``, ``ci_high``: schema
    1.2, computed by :func:`audit.counterfactual.paired_t_test` with scipy); ``(None, None)`` for a file
    written before it, or with fewer than two pairs."""
    return test.get("ci_low"), test.get("ci_high")


def effect(test: Mapping[str, Any]) -> dict[str, Any]:
    """One paired test, normalized: its cell, emotion, size and interval, p-values, verdict."""
    low, high = change_interval(test)
    sign = test.get("sign_test") or {}
    return {
        "origin": test.get("origin"), "source_group": test.get("source_group"), "group": test.get("group"),
        "label": test.get("label"), "n": test.get("n"), "value": test.get("mean_diff"),
        "ci_low": low, "ci_high": high, "t": test.get("t_statistic"),
        "p_value": test.get("p_value"), "p_adjusted": test.get("p_adjusted"),
        "sign_p": sign.get("p_value"), "sign_p_adjusted": sign.get("p_adjusted"),
        "significant": test.get("significant") is True,
    }


def _pair(e: Mapping[str, Any], with_origin: bool) -> str:
    """``"european american → african american"``, with ``" in test texts"`` when the origin varies."""
    text = f"{display(e.get('source_group'))} → {display(e.get('group'))}"
    return f"{text} in {e.get('origin')} texts" if with_origin else text


def row_label(e: Mapping[str, Any], with_origin: bool) -> str:
    """A forest row's label: ``"european american → african american: p(anger)"``."""
    return f"{_pair(e, with_origin)}: p({e['label']})"


def ranked(effects: Sequence[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    """Effects with a size, largest absolute change first (ties by label, for a stable order)."""
    sized = [e for e in effects if e["value"] is not None]
    return sorted(sized, key=lambda e: (-abs(e["value"]), row_label(e, True)))


def forest_rows(effects: Sequence[Mapping[str, Any]], *, n_largest: int = N_LARGEST,
                max_rows: int = MAX_FOREST_ROWS) -> tuple[list[Mapping[str, Any]], int]:
    """The rows of a forest plot: every significant effect and the ``n_largest`` largest ones,
    largest first, at most ``max_rows``; and how many significant effects that cap left out."""
    order = ranked(effects)
    top = {id(e) for e in order[:n_largest]}
    chosen = [e for e in order if e["significant"] or id(e) in top]
    shown = chosen[:max_rows]
    return shown, sum(e["significant"] for e in chosen[max_rows:])


def _shift(e: Mapping[str, Any]) -> str:
    """``"lowers p(anger) by 0.027 [0.020, 0.034]"``: the size and interval of the change."""
    verb = "lowers" if e["value"] < 0 else "raises"
    flip = -1 if e["value"] < 0 else 1
    low, high = sorted((flip * e["ci_low"], flip * e["ci_high"])) if e["ci_low"] is not None else (None, None)
    return f"{verb} p({e['label']}) by {fmt_change(abs(e['value']), low, high)}"


def shift_clause(cited: Sequence[Mapping[str, Any]], with_origin: bool) -> str:
    """The cited effects as one clause, grouped by the swap that causes them: ``"replacing
    european american with african american lowers p(anger) by ... and raises p(fear) by ...
    (Holm-adjusted p ≤ 1.1e-08)"``."""
    swaps: dict[tuple, list[Mapping[str, Any]]] = {}
    for e in cited:
        swaps.setdefault((e["origin"], e["source_group"], e["group"]), []).append(e)
    parts = []
    for (origin, source, group), rows in swaps.items():
        where = f" in {origin} texts" if with_origin else ""
        parts.append(f"replacing {display(source)} with {display(group)}{where} "
                     + " and ".join(_shift(e) for e in rows))
    p_max = max((e["p_adjusted"] for e in cited if e["p_adjusted"] is not None), default=None)
    return "; ".join(parts) + (f" (Holm-adjusted p ≤ {fmt_p(p_max)})" if p_max is not None else "")


# --------------------------------------------------------------------------- gaps and groups

def gap_view(metric: str, name: str, gap: Mapping[str, Any] | None) -> dict[str, Any]:
    """The largest gap of one metric: its numbers, whether its interval excludes 0, and a line."""
    if not gap or gap.get("value") is None:
        return {"metric": metric, "excludes_zero": None, "value": None,
                "text": f"Largest {name} gap: not judged (fewer than two groups large enough)."}
    out = {"metric": metric, "value": gap["value"], "ci_low": gap.get("ci_low"), "ci_high": gap.get("ci_high"),
           "high_group": gap.get("high_group"), "low_group": gap.get("low_group"),
           "n_groups": gap.get("n_groups"), "excludes_zero": interval_verdict(gap)}
    verdict = {True: "its interval excludes 0", False: "its interval includes 0: no gap detectable at this size",
               None: "no interval"}[out["excludes_zero"]]
    out["text"] = (f"Largest {name} gap: {display(out['high_group'])} over {display(out['low_group'])} by "
                   f"{fmt_score(gap, places=3)} "
                   f"({out['n_groups']} groups judged); {verdict}.")
    return out


def gap_clause(gap: Mapping[str, Any], name: str) -> str:
    """``"accuracy is 0.035 [0.019, 0.050] lower for female than for male"``."""
    return (f"{name} is {fmt_score(gap, places=3)} lower for "
            f"{display(gap['low_group'])} than for {display(gap['high_group'])}")


def _score(value: Mapping[str, Any] | None) -> tuple[float, float, float] | None:
    """``(value, low, high)`` of a bootstrap score, the interval collapsed onto the value when absent."""
    if not value or value.get("value") is None:
        return None
    low, high = value.get("ci_low"), value.get("ci_high")
    return (value["value"], value["value"] if low is None else low, value["value"] if high is None else high)


def group_rows(groups: Mapping[str, Mapping[str, Any]], labels: Sequence[str]) -> list[dict[str, Any]]:
    """One row per group: size, whether it is judged, accuracy and macro F1 with intervals, and
    per-class F1 in label order."""
    rows = []
    for name, g in groups.items():
        f1 = g.get("per_class_f1") or {}
        rows.append({"name": display(name), "n": g.get("n"), "too_small": g.get("too_small") is True,
                     "accuracy": _score(g.get("accuracy")), "macro_f1": _score(g.get("macro_f1")),
                     "accuracy_text": fmt_score(g.get("accuracy"), 3), "macro_f1_text": fmt_score(g.get("macro_f1"), 3),
                     "per_class_f1": ["—" if f1.get(k) is None else f"{f1[k]:.3f}" for k in labels]})
    return rows


def group_chart(key: str, title: str, rows: Sequence[Mapping[str, Any]]) -> Markup:
    """The dot-and-whisker chart of :func:`group_rows` (accuracy and macro F1 panels)."""
    text = f"{title}, with bootstrap intervals: " + "; ".join(
        f"{r['name']}{' (too small to judge)' if r['too_small'] else ''}: accuracy {r['accuracy_text']}, "
        f"macro F1 {r['macro_f1_text']}" for r in rows) + "."
    return group_dots(key, [r["name"] for r in rows],
                      [("accuracy", [r["accuracy"] for r in rows]), ("macro F1", [r["macro_f1"] for r in rows])],
                      [not r["too_small"] for r in rows], title=title, text=text)


def groups_view(name: str, section: Mapping[str, Any], labels: Sequence[str], *, chart: bool) -> dict[str, Any]:
    """Groups, the two headline gaps and the per-class F1 gaps of an attribute or intersection,
    and (with ``chart``, when any group has a score) the groups' chart."""
    groups = section.get("groups") or {}
    rows = group_rows(groups, labels) if isinstance(groups, Mapping) else []
    gaps = section.get("gaps") or {}
    class_gaps = gaps.get("per_class_f1") or {}
    drawn = chart and any(r["accuracy"] or r["macro_f1"] for r in rows)
    return {
        "rows": rows,
        "chart": group_chart(f"bias-groups-{anchor(name)}", f"{name}: accuracy and macro F1 per group", rows)
                 if drawn else None,
        "excluded": [display(g) for g in section.get("excluded_groups") or []],
        "gaps": [gap_view(metric, name, gaps.get(metric)) for metric, name in GAP_METRICS],
        "class_gaps": [{"label": k, **gap_view("per_class_f1", f"F1 ({k})", class_gaps.get(k))}
                       for k in labels if k in class_gaps],
    }


# --------------------------------------------------------------------------- counterfactual flips

def flip_summary(part: Mapping[str, Any]) -> dict[str, Any] | None:
    """Flip rate, pairs and distinct sources of one counterfactual summary (or its breakdown)."""
    rate = part.get("flip_rate")
    if not rate or rate.get("value") is None:
        return None
    return {"rate": rate, "rate_text": fmt_rate(rate, counts=False), "n": part.get("n"), "n_sources": part.get("n_sources"),
            "flips": rate.get("successes")}


def flip_view(cf: Mapping[str, Any] | None, labels: Sequence[str]) -> dict[str, Any] | None:
    """The counterfactual flip rate with its sentence, and its breakdowns by origin and group."""
    overall = flip_summary(cf) if isinstance(cf, Mapping) else None
    if overall is None:
        return None
    n, sources = overall["n"], overall["n_sources"]
    text = f"The predicted emotion changes in {overall['rate_text']} of {n:,} counterfactual pairs"
    if overall["flips"] is not None:
        text += f" ({overall['flips']:,} flips)"
    if sources is not None:
        text += f", made from {sources:,} distinct source texts"
    if sources is not None and sources < n:
        text += " (a text swapped to several groups gives several pairs that are not independent)"
    change = cf.get("mean_abs_change") or {}
    return {**overall, "text": text + ".",
            "by_origin": [{"name": k, **s} for k, v in (cf.get("by_origin") or {}).items() if (s := flip_summary(v))],
            "by_group": [{"name": display(k), **s} for k, v in (cf.get("by_group") or {}).items() if (s := flip_summary(v))],
            "mean_abs_change": [{"label": k, "text": f"{change[k]:.4f}"} for k in labels if change.get(k) is not None]}


# --------------------------------------------------------------------------- one attribute

def forest_view(name: str, effects: Sequence[Mapping[str, Any]], level: float, with_origin: bool) -> dict[str, Any] | None:
    """The forest plot of an attribute's tests (``None`` without tests)."""
    rows, hidden = forest_rows(effects)
    if not rows:
        return None
    labels = [row_label(e, with_origin) for e in rows]
    swaps = {_pair(e, with_origin) for e in rows}
    # one swap for every row (race, gender): named once in the title, the rows name the emotion
    shown = [f"p({e['label']})" for e in rows] if len(swaps) == 1 else labels
    subject = f"{name} ({swaps.pop()})" if len(swaps) == 1 else name
    notes = [fmt_change(e["value"], e["ci_low"], e["ci_high"], signed=True) + (" *" if e["significant"] else "")
             for e in rows]
    pct = f"{100 * level:g}%"
    text = (f"{name}: mean change in each emotion's probability when the group is swapped, {pct} t-interval; "
            f"* significant after Holm correction. " + "; ".join(f"{lab} {note}" for lab, note in zip(labels, notes)) + ".")
    chart = forest_plot(f"bias-forest-{anchor(name)}", shown, [e["value"] for e in rows],
                        [e["value"] if e["ci_low"] is None else e["ci_low"] for e in rows],
                        [e["value"] if e["ci_high"] is None else e["ci_high"] for e in rows],
                        [e["significant"] for e in rows], notes=notes,
                        title=f"{subject}: change in p(emotion), {pct} interval (* significant, Holm)",
                        xlabel="mean change in probability (group minus source)", text=text)
    return {"rows": [{**e, "label_text": lab, "note": note} for e, lab, note in zip(rows, labels, notes)],
            "chart": chart, "n_hidden_significant": hidden}


def table_of_tests(effects: Sequence[Mapping[str, Any]], with_origin: bool) -> list[dict[str, Any]]:
    """Every test of an attribute as table cells, in the results' order."""
    return [{"swap": _pair(e, with_origin), "label": e["label"], "n": e["n"],
             "change": "—" if e["value"] is None else fmt_change(e["value"], e["ci_low"], e["ci_high"], signed=True),
             "t": "—" if e["t"] is None else f"{e['t']:.2f}", "p": fmt_p(e["p_value"]),
             "p_adjusted": fmt_p(e["p_adjusted"]), "sign_p_adjusted": fmt_p(e["sign_p_adjusted"]),
             "significant": e["significant"]} for e in effects]


def headline(effects: Sequence[Mapping[str, Any]], gaps: Sequence[Mapping[str, Any]], with_origin: bool) -> str:
    """The attribute's one sentence: the largest significant shifts and any gap whose interval
    excludes 0; else that none was found, with the largest effect or gap and its interval."""
    significant = [e for e in ranked(effects) if e["significant"]]
    clauses = []
    if significant:
        clause = shift_clause(significant[:N_CITED], with_origin)
        if len(significant) > N_CITED:
            clause += f"; {len(significant)} of {len(effects)} tests are significant after Holm correction"
        clauses.append(clause)
    firm = next((g for g in gaps if g["excludes_zero"]), None)
    if firm is not None:
        clauses.append(gap_clause(firm, dict(GAP_METRICS)[firm["metric"]]))
    if not clauses:
        clauses.append(_nothing_found(effects, gaps, with_origin))
    sentence = "; ".join(clauses)
    return sentence[:1].upper() + sentence[1:] + "."


def _nothing_found(effects: Sequence[Mapping[str, Any]], gaps: Sequence[Mapping[str, Any]], with_origin: bool) -> str:
    """The headline when no shift is significant and no gap's interval excludes 0."""
    parts = []
    if effects:
        top = ranked(effects)
        parts.append(f"no emotion's probability shifts significantly ({len(effects)} tests, Holm-corrected)"
                     + (f"; the largest change, {row_label(top[0], with_origin)}, is "
                        f"{fmt_change(top[0]['value'], top[0]['ci_low'], top[0]['ci_high'], signed=True)}" if top else ""))
    judged = [g for g in gaps if g["value"] is not None]
    if judged:
        g = judged[0]
        parts.append(f"no group gap's interval excludes 0 (largest {dict(GAP_METRICS)[g['metric']]} gap "
                     f"{fmt_score(g, places=3)})")
    return "; ".join(parts) or "not judged: no paired tests and fewer than two groups large enough to compare"


def attribute_headline(section: Mapping[str, Any]) -> str:
    """The one sentence about an audited attribute (its largest significant probability shifts,
    a gap whose interval excludes 0, or that neither was found): the section's headline, and the
    line the card and the findings state."""
    effects = [effect(t) for t in section.get("tests") or [] if isinstance(t, Mapping)]
    gaps = section.get("gaps") or {}
    return headline(effects, [gap_view(m, words, gaps.get(m)) for m, words in GAP_METRICS],
                    len({e["origin"] for e in effects}) > 1)


def attribute_view(name: str, section: Mapping[str, Any], labels: Sequence[str], level: float) -> dict[str, Any]:
    """One attribute of the bias section (see the module docstring)."""
    effects = [effect(t) for t in section.get("tests") or [] if isinstance(t, Mapping)]
    with_origin = len({e["origin"] for e in effects}) > 1
    groups = groups_view(name, section, labels, chart=True)
    return {
        "name": name, "anchor": anchor(name), "source": section.get("source"),
        "headline": attribute_headline(section),
        "flip": flip_view(section.get("counterfactual"), labels),
        "forest": forest_view(name, effects, level, with_origin),
        "n_tests": len(effects), "n_significant": sum(e["significant"] for e in effects),
        "tests": table_of_tests(effects, with_origin),
        "untested": [f"{_pair(u, True)} ({u.get('n')} pairs)"
                     for u in section.get("untested") or [] if isinstance(u, Mapping)],
        "groups": groups,
    }


def intersection_view(name: str, section: Mapping[str, Any], labels: Sequence[str]) -> dict[str, Any]:
    """One intersection (``gender x race``): its groups and gaps, without a chart (the table
    in ``<details>`` holds the groups; the gap lines say what matters)."""
    return {"name": name, "anchor": anchor(name), "source": section.get("source"),
            "groups": groups_view(name, section, labels, chart=False)}


# --------------------------------------------------------------------------- the section

def method_note(bias: Mapping[str, Any]) -> str:
    """How to read the section's intervals and tests, from its ``ci``, ``correction`` and
    ``min_group_size``."""
    ci = bias.get("ci") or {}
    level = ci.get("level", CI_LEVEL)
    how = ", ".join(filter(None, [ci.get("method"), f"{ci['resamples']:,} resamples" if ci.get("resamples") else None]))
    parts = [f"Group scores: {100 * level:g}% intervals" + (f" ({how})" if how else "") + "."]
    if bias.get("min_group_size") is not None:
        parts.append(f"Groups with fewer than {bias['min_group_size']} labelled cases are shown but left out of gaps.")
    parts.append("A gap is the best minus the worst judged group; its interval does not correct for "
                 "having picked the two extremes.")
    correction = bias.get("correction")
    if correction:
        parts.append(f"Probability changes: paired t-tests with {100 * level:g}% t-intervals (unadjusted); "
                     f"significant means {correction.get('method', 'holm').title()}-adjusted p < "
                     f"{correction.get('alpha', ALPHA):g} over {correction.get('n_tests', 0):,} tests.")
    parts.append("Flip rates: Wilson intervals.")
    return " ".join(parts)


def bias_view(results: Mapping[str, Any]) -> dict[str, Any] | None:
    """The template's ``bias`` variable: ``None`` when the results hold no bias section with an
    attribute or intersection; else ``{"note", "attributes", "intersections", "labels"}``."""
    bias = results.get("bias")
    if not isinstance(bias, Mapping):
        return None
    attributes = {k: v for k, v in (bias.get("attributes") or {}).items() if isinstance(v, Mapping)}
    intersections = {k: v for k, v in (bias.get("intersections") or {}).items() if isinstance(v, Mapping)}
    if not attributes and not intersections:
        return None
    labels = list(bias.get("labels") or [])
    level = (bias.get("ci") or {}).get("level", CI_LEVEL)
    return {
        "note": method_note(bias),
        "labels": labels,
        "attributes": [attribute_view(name, section, labels, level) for name, section in attributes.items()],
        "intersections": [intersection_view(name, section, labels) for name, section in intersections.items()],
    }
