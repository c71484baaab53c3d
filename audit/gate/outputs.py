"""The gate's outputs for people and CI: a fixed-width table for a terminal, GitHub workflow
annotations, and a markdown summary for ``$GITHUB_STEP_SUMMARY``."""
from __future__ import annotations

from typing import Sequence

from .check import POWER, VERDICTS, Check, GateResult, fmt_num, fmt_p

#: Most GitHub annotations printed (GitHub shows at most ten of each kind per step).
ANNOTATION_LIMIT = 10
#: GitHub's limit on a step summary is 1 MiB; stay clearly under it.
SUMMARY_LIMIT = 1_000_000
_ICON = {"fail": "❌ fail", "warn": "⚠️ warn", "inconclusive": "❔ inconclusive", "skip": "⏭️ skip",
         "pass": "✅ pass"}


def ordered(checks: Sequence[Check]) -> list[Check]:
    """Most severe first: failures, warnings, inconclusive drops (each the furthest past its
    limit first), then skipped checks and passes in policy order."""
    return sorted(checks, key=lambda c: (VERDICTS.index(c.verdict), -c.excess if c.failed or c.inconclusive else 0.0))


def human_table(result: GateResult) -> str:
    """A short fixed-width table for a terminal."""
    rows = [("check", "value", "baseline", "drop", "limit", "p", "adj p", "verdict")]
    rows += [(c.name, fmt_num(c.value), fmt_num(c.baseline), fmt_num(c.drop, True), c.limit_text(),
              fmt_p(c.p_value), fmt_p(c.p_adjusted), c.verdict.upper()) for c in result.checks]
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    lines = ["  ".join(cell.ljust(w) if i == 0 else cell.rjust(w) for i, (cell, w) in enumerate(zip(row, widths)))
             for row in rows]
    lines += [f"note: {note}" for note in result.notes]
    lines += [f"skipped {c.name}: {c.skipped}" for c in result.with_verdict("skip")]
    lines += [f"{c.name}: {c.undecided()}" for c in result.checks if c.inconclusive]
    return "\n".join(lines + [result.headline()])


def escape_data(text: str) -> str:
    """A workflow command's message, escaped as GitHub's toolkit does."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def annotations(result: GateResult, limit: int = ANNOTATION_LIMIT) -> list[str]:
    """GitHub workflow commands: ``::error`` for failed error checks, ``::warning`` for failed
    warning checks, inconclusive drops, skipped checks and notes; most severe first, at most
    ``limit``."""
    items = [("error" if c.verdict == "fail" else "warning", c.name, c.message())
             for c in ordered(result.checks) if c.verdict != "pass"]
    items += [("warning", "gate policy", note) for note in result.notes]
    lines = [f"::{level} title={_escape_property('emotion-audit gate: ' + title)}::{escape_data(text)}"
             for level, title, text in items[:limit]]
    if len(items) > limit:
        lines.append(f"({len(items) - limit} more problems in the gate summary)")
    return lines


def cell(text: str) -> str:
    """Text for one markdown table cell."""
    return text.replace("|", "\\|").replace("\n", " ")


def _title(result: GateResult) -> str:
    fails, undecided = result.with_verdict("fail"), result.with_verdict("inconclusive")
    if fails:
        return f"❌ {len(fails)} failed check(s)"
    return f"❔ {len(undecided)} inconclusive check(s)" if undecided else "✅ pass"


def _rule_text(result: GateResult) -> str:
    """How the checks are decided, for the summary's opening paragraph."""
    flag = "fails the gate" if result.fail_on_inconclusive else "does not fail the gate"
    return (f"A drop fails when it is larger than its margin **and** its Holm-adjusted p-value is below "
            f"α = {result.policy.alpha:g}; a drop larger than its margin that is not significant is "
            f"inconclusive and {flag}, and the cases that would decide it are given at {POWER:.0%} power "
            f"and level α/m = {result.power_level:.3g}; warnings never fail the gate.")


def markdown_summary(result: GateResult, max_bytes: int = SUMMARY_LIMIT) -> str:
    """A markdown report for ``$GITHUB_STEP_SUMMARY``; rows beyond ``max_bytes`` are left out,
    least severe first, with a line saying how many."""
    head = [f"## emotion-audit gate: {_title(result)}", "",
            (f"Run `{result.run_source}` against baseline `{result.baseline_source}`, policy "
             f"`{result.policy.source}`. {_rule_text(result)}"), "",
            "| Check | Severity | Value | Baseline | Drop | Limit | p | Adj. p | Test | Verdict |",
            "|---|---|---:|---:|---:|---|---:|---:|---|---|"]
    rows = [f"| `{cell(c.name)}` | {c.severity} | {fmt_num(c.value)} | {fmt_num(c.baseline)} | {fmt_num(c.drop, True)} "
            f"| {c.limit_text()} | {fmt_p(c.p_value)} | {fmt_p(c.p_adjusted)} | {cell(_test_text(c))} "
            f"| {_ICON[c.verdict]} |" for c in ordered(result.checks)]
    tail = [""] + [f"- {cell(note)}" for note in result.notes] + ["", result.headline(), ""]
    budget = max_bytes - sum(len(line.encode()) + 1 for line in head + tail) - 200  # room for the "left out" line
    kept = 0
    for row in rows:
        budget -= len(row.encode()) + 1
        if budget < 0:
            break
        kept += 1
    if kept < len(rows):
        tail.insert(1, f"_{len(rows) - kept} more checks left out (see the JUnit report)._")
    return "\n".join(head + rows[:kept] + tail)


def _test_text(check: Check) -> str:
    """The summary's Test cell: the skip reason, or the test and, when undecided, why."""
    if check.skipped:
        return check.skipped
    return f"{check.method}; {check.undecided()}" if check.inconclusive else check.method
