"""Choosing between models: ``emotion-audit compare RUN RUN ... -o compare.html``.

Each RUN is a ``results.json`` (or the folder holding it) with its ``predictions.jsonl`` beside
it, read and checked as the gate reads a run (:func:`audit.gate.load_run`). All runs must be on
the same test set: the same label names in the same order, the same ``dataset.sha256`` and the
same case ids with the same gold labels; otherwise the comparison is refused (exit 2, one line
with the reason).

What is compared, for every pair of runs (first against second, in the order given):

- accuracy: McNemar's test on per-case correctness (:func:`audit.stats.mcnemar`: exact binomial
  when fewer than 25 cases changed, else chi-square with continuity correction);
- macro F1: a paired bootstrap of the difference (cases resampled jointly for both runs,
  :func:`audit.stats.paired_bootstrap`), its 95% percentile interval and a two-sided p-value
  from the bootstrap standard error (:func:`two_sided_bootstrap`);
- every suite both runs ran on the same cases (same ``cases_sha256`` and case ids): McNemar's test
  on per-case pass / fail. Suites that differ are shown but not tested, with the reason.

All p-values of all pairs form one family, adjusted with Holm's method
(:func:`audit.stats.holm`); a difference is significant when its adjusted p-value is below
alpha (0.05). Each pair ends in one sentence: "B is better than A on macro F1 by 0.031 [0.012,
0.050], p = 0.002 (accuracy +0.0150, p = 0.004); no suite is significantly worse." Beside the
tests: each run's headline metrics with their intervals, every suite's pass rate, the bias
section's headlines, the number of suspected label errors and of significantly worse slices.

Outputs: the sentences on stdout; ``-o`` an HTML page (static, no JavaScript, the report's
style), ``--json`` the comparison document, ``--markdown`` a table for a pull-request comment.
"""
from __future__ import annotations

import itertools
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Mapping, Sequence

import numpy as np

from .errors import AuditError
from .gate import SPLIT, Run, SplitPairs, cases_problem, discordant, load_run
from .metric_registry import METRICS, headline_metrics
from .metrics import ALPHA, macro_f1_from_confusion
from .results import RESULTS_FILE, dumps, write_text_atomic
from .stats import EXACT_BELOW, holm, mcnemar, paired_bootstrap

FORMAT = 1
#: Bootstrap defaults: as many resamples as the gate's default policy.
DEFAULT_RESAMPLES = 2000
MIN_RESAMPLES = 1000
_HEADLINE = tuple((name, METRICS[name].title) for name in headline_metrics())


@dataclass(frozen=True)
class Entry:
    """One run in the comparison: its display ``name`` and the loaded :class:`~audit.gate.Run`."""

    name: str
    run: Run


# --- loading ----------------------------------------------------------------------------------

def results_path(path: Path) -> Path:
    """A RUN argument as a results file: a folder means the ``results.json`` inside it."""
    return path / RESULTS_FILE if path.is_dir() else path


def _names(runs: Sequence[Run], paths: Sequence[Path]) -> list[str]:
    """Display names: the model id's last part; where two are equal, with the run's folder; where
    still equal, numbered."""
    names = [str(r.results["model"]["id"]).rstrip("/").split("/")[-1] or "model" for r in runs]
    names = [f"{n} ({p.resolve().parent.name})" if names.count(n) > 1 else n for n, p in zip(names, paths)]
    return [f"{n} #{i + 1}" if names.count(n) > 1 else n for i, n in enumerate(names)]


def load_entries(paths: Sequence[Path]) -> list[Entry]:
    """Load every run (results.json and the predictions beside it) and check that all are on
    the same test set; anything else is an :class:`AuditError` with the reason."""
    if len(paths) < 2:
        raise AuditError(f"compare needs at least two runs, got {len(paths)}")
    files = [results_path(Path(p)) for p in paths]
    runs = [load_run(f) for f in files]
    for run in runs:  # compare tests accuracy and macro F1 on the split: it needs gold labels
        if "metrics" not in run.results["suites"][SPLIT]:
            raise AuditError(f"cannot compare {run.source}: its test split has no labelled rows, so no "
                             f"accuracy or F1 to compare")
    entries = [Entry(name, run) for name, run in zip(_names(runs, files), runs)]
    first = entries[0]
    for other in entries[1:]:
        problem = _test_set_problem(first.run, other.run)
        if problem:
            raise AuditError(f"cannot compare {other.run.source} with {first.run.source}: {problem}")
    return entries


def _test_set_problem(a: Run, b: Run) -> str | None:
    """Why two runs are not on the same test set (labels, data hash, case ids, gold labels)."""
    if a.results["model"]["labels"] != b.results["model"]["labels"]:
        return f"label names or order differ ({a.results['model']['labels']} vs {b.results['model']['labels']})"
    sha_a, sha_b = a.results["dataset"].get("sha256"), b.results["dataset"].get("sha256")
    if sha_a is None or sha_a != sha_b:
        return f"the test data differ (dataset.sha256 {str(sha_a)[:12]} vs {str(sha_b)[:12]})"
    problem = cases_problem(a.cases.get(SPLIT, {}), b.cases.get(SPLIT, {}))
    return f"test split: {problem}" if problem else None


def _suite_problem(a: Run, b: Run, suite: str) -> str | None:
    """Why a suite cannot be paired between two runs, or None."""
    sa, sb = a.results["suites"].get(suite), b.results["suites"].get(suite)
    if sa is None or sb is None:
        return "not run in both"
    if sa.get("cases_sha256") != sb.get("cases_sha256"):
        return "other cases (cases_sha256 differs)"
    return cases_problem(a.cases.get(suite, {}), b.cases.get(suite, {}))


# --- tests ------------------------------------------------------------------------------------

def two_sided_bootstrap(statistic: Callable[[np.ndarray], np.ndarray], n: int, *, n_resamples: int,
                        seed: int) -> tuple[float, float, float, float]:
    """``(observed, ci_low, ci_high, p)`` of a paired statistic (a difference of two runs' metric
    on the same resampled cases), resampled by :func:`audit.stats.paired_bootstrap`.

    The interval is the 95% percentile interval. The two-sided p-value of H0: no difference is
    ``2 * (1 - Phi(|observed| / sd))`` with ``sd`` the standard deviation of the resampled
    statistic (the bootstrap standard error): a percentile p-value could not go below
    ``2 / (n_resamples + 1)``, which Holm's correction over many pairs and suites would push
    above alpha however large the difference. When every resample is equal (``sd`` 0) the
    p-value is 1 for no difference, else that smallest percentile p-value.
    """
    resampled: list[np.ndarray] = []

    def recorded(idx: np.ndarray) -> np.ndarray:
        values = np.asarray(statistic(idx), dtype=np.float64)
        resampled.append(values)
        return values

    test = paired_bootstrap(recorded, n, margin=0.0, n_resamples=n_resamples, seed=seed)
    sd = float(np.concatenate(resampled[1:]).std(ddof=1))  # resampled[0] is the observed statistic
    if sd > 0:
        from scipy import stats  # imported where used: scipy loads only when a test runs

        p = float(2 * stats.norm.sf(abs(test.drop) / sd))
    else:
        p = 1.0 if test.drop == 0 else 2 / (n_resamples + 1)
    return test.drop, test.ci_low, test.ci_high, min(1.0, p)


def _mcnemar_entry(first: Run, second: Run, suite: str, key: str) -> dict[str, Any]:
    """McNemar on per-case ``key`` of one suite (``correct`` on the split, ``passed`` in suites)."""
    b, c = discordant(first.cases.get(suite, {}), second.cases.get(suite, {}), key)
    exact = b + c < EXACT_BELOW
    _, p = mcnemar(b, c, exact=exact)
    return {"test": f"McNemar {'exact' if exact else 'chi-square'}", "only_first": b, "only_second": c,
            "p_value": p}


def _value(results: Mapping[str, Any], suite: str, metric: str) -> float | None:
    section = results["suites"][suite]
    node = section["metrics"][metric] if suite == SPLIT else section.get("pass_rate")
    return None if not node else node.get("value")


def pair_tests(first: Entry, second: Entry, suites: Sequence[str], *, n_resamples: int,
               seed: int) -> list[dict[str, Any]]:
    """The raw (uncorrected) tests of one pair: accuracy, macro F1, every pairable suite."""
    a, b = first.run, second.run
    pair = [first.name, second.name]
    out = []
    for metric in ("accuracy", "macro_f1"):
        entry: dict[str, Any] = {"pair": pair, "scope": SPLIT, "metric": metric,
                                 "first": _value(a.results, SPLIT, metric), "second": _value(b.results, SPLIT, metric)}
        if metric == "accuracy":
            entry.update(_mcnemar_entry(a, b, SPLIT, "correct"))
        else:
            split = SplitPairs.build(b, a)  # its "drop", baseline minus new, is second minus first
            diff, low, high, p = two_sided_bootstrap(split.drop_statistic(macro_f1_from_confusion), len(split.gold),
                                                     n_resamples=n_resamples, seed=seed)
            entry.update(test=f"paired bootstrap, {n_resamples} resamples", ci_low=low, ci_high=high, p_value=p)
        entry["difference"] = (None if entry["first"] is None or entry["second"] is None
                               else entry["second"] - entry["first"])
        out.append(entry)
    for suite in suites:
        if _suite_problem(a, b, suite) is None:
            entry = {"pair": pair, "scope": suite, "metric": "pass_rate",
                     "first": _value(a.results, suite, "pass_rate"), "second": _value(b.results, suite, "pass_rate"),
                     **_mcnemar_entry(a, b, suite, "passed")}
            entry["difference"] = (None if entry["first"] is None or entry["second"] is None
                                   else entry["second"] - entry["first"])
            out.append(entry)
    return out


# --- the comparison document ------------------------------------------------------------------

def _run_view(entry: Entry, suites: Sequence[str]) -> dict[str, Any]:
    """One run's side of the tables: headline metrics, pass rates, bias and discovery headlines."""
    results = entry.run.results
    metrics = results["suites"][SPLIT].get("metrics") or {}
    issues = results.get("label_issues")
    slices = results.get("slices")
    return {
        "name": entry.name, "source": entry.run.source, "model_id": results["model"]["id"],
        "model_sha256": results["model"].get("sha256"),
        "headline": {key: metrics.get(key) for key, _ in _HEADLINE},
        "suites": {s: (results["suites"][s].get("pass_rate") if s in results["suites"] else None) for s in suites},
        "bias": bias_headlines(results.get("bias")),
        "label_issues": None if not issues or issues.get("skipped") else issues["n"],
        "slices_significant": None if not slices else slices["n_significant"],
    }


def bias_headlines(bias: Mapping[str, Any] | None) -> dict[str, Any]:
    """Per bias attribute: the counterfactual flip rate, the largest accuracy gap between groups
    and how many group-difference tests are significant."""
    out: dict[str, Any] = {}
    for attribute, section in ((bias or {}).get("attributes") or {}).items():
        tests = section.get("tests") or []
        out[attribute] = {
            "flip_rate": (section.get("counterfactual") or {}).get("flip_rate"),
            "accuracy_gap": (section.get("gaps") or {}).get("accuracy"),
            "significant_tests": sum(bool(t.get("significant")) for t in tests), "n_tests": len(tests),
        }
    return out


def fmt_p(p: float) -> str:
    """A p-value for a sentence: three decimals, or scientific notation below 0.001."""
    return f"{p:.1e}" if p < 0.001 else f"{p:.3f}"


def _suite_clause(tests: Sequence[Mapping[str, Any]], alpha: float, names: Sequence[str],
                  winner: str | None) -> str:
    """The suites part of a pair's sentence: the suites where a run is significantly worse (the
    winner's first, then those where it is better), each with both pass rates, the named run's
    first."""
    worse: dict[str, list[str]] = {name: [] for name in names}
    for t in tests:
        if t["metric"] != "pass_rate" or not t["p_adjusted"] < alpha or not t["difference"]:
            continue
        loser = 1 if t["difference"] < 0 else 0
        rates = (t["first"], t["second"]) if loser == 0 else (t["second"], t["first"])
        worse[names[loser]].append(f"{t['scope']} (pass rate {100 * rates[0]:.1f}% vs {100 * rates[1]:.1f}%, "
                                   f"p = {fmt_p(t['p_adjusted'])})")
    if winner is not None:
        other = names[1] if winner == names[0] else names[0]
        text = (f"but {winner} is significantly worse on " + ", ".join(worse[winner]) if worse[winner]
                else "no suite is significantly worse")
        return text + (f"; {other} is also significantly worse on " + ", ".join(worse[other]) if worse[other] else "")
    found = [f"{name} on {', '.join(hits)}" for name, hits in worse.items() if hits]
    return "significantly worse suites: " + "; ".join(found) if found else "no suite differs significantly"


def pair_sentence(tests: Sequence[Mapping[str, Any]], alpha: float) -> str:
    """One sentence for a pair from its (Holm-adjusted) tests."""
    names = tests[0]["pair"]
    f1 = next(t for t in tests if t["metric"] == "macro_f1")
    acc = next(t for t in tests if t["metric"] == "accuracy")
    d, low, high = f1["difference"], f1["ci_low"], f1["ci_high"]
    if f1["p_adjusted"] < alpha and d != 0:
        better, worse = (names[1], names[0]) if d > 0 else (names[0], names[1])
        sign = 1 if d > 0 else -1  # differences from here on: the better run minus the other
        size, lo, hi = (d, low, high) if d > 0 else (-d, -high, -low)
        head = (f"{better} is better than {worse} on macro F1 by {size:.3f} [{lo:.3f}, {hi:.3f}], "
                f"p = {fmt_p(f1['p_adjusted'])} (accuracy {sign * acc['difference']:+.4f}, "
                f"p = {fmt_p(acc['p_adjusted'])})")
        return f"{head}; {_suite_clause(tests, alpha, names, winner=better)}."
    head = (f"{names[0]} and {names[1]} do not differ significantly on macro F1 ({names[1]} - {names[0]} = "
            f"{d:+.3f} [{low:+.3f}, {high:+.3f}], p = {fmt_p(f1['p_adjusted'])}; accuracy {acc['difference']:+.4f}, "
            f"p = {fmt_p(acc['p_adjusted'])})")
    return f"{head}; {_suite_clause(tests, alpha, names, winner=None)}."


def compare(entries: Sequence[Entry], *, n_resamples: int = DEFAULT_RESAMPLES, seed: int = 0,
            alpha: float = ALPHA) -> dict[str, Any]:
    """The comparison document of runs already checked to share a test set (:func:`load_entries`)."""
    suites = list(dict.fromkeys(s for e in entries for s in e.run.results["suites"] if s != SPLIT))
    by_pair: list[list[dict[str, Any]]] = []
    unpaired = []
    for first, second in itertools.combinations(entries, 2):
        by_pair.append(pair_tests(first, second, suites, n_resamples=n_resamples, seed=seed))
        unpaired += [{"pair": [first.name, second.name], "suite": s, "reason": problem} for s in suites
                     if (problem := _suite_problem(first.run, second.run, s))]
    tests = [t for pair in by_pair for t in pair]
    for t, adjusted in zip(tests, holm([t["p_value"] for t in tests])):
        t["p_adjusted"] = adjusted
        t["significant"] = adjusted < alpha
    dataset = entries[0].run.results["dataset"]
    return {
        "format": FORMAT,
        "dataset": {k: dataset.get(k) for k in ("name", "split", "size", "sha256")},
        "labels": entries[0].run.results["model"]["labels"],
        "runs": [_run_view(e, suites) for e in entries],
        "suites": suites,
        "tests": tests,
        "unpaired_suites": unpaired,
        "correction": {"method": "holm", "alpha": alpha, "n_tests": len(tests)},
        "bootstrap": {"resamples": n_resamples, "seed": seed},
        "sentences": [pair_sentence(pair, alpha) for pair in by_pair],
    }


# --- rendering --------------------------------------------------------------------------------

def _estimate(node: Mapping[str, Any] | None) -> str:
    from .reporting.formatting import fmt_value

    return fmt_value(node) if node else "—"


def _gap(gap: Mapping[str, Any] | None) -> str:
    """A group gap: its value and interval, and the two groups it lies between."""
    from .reporting.formatting import fmt_score

    return f"{fmt_score(gap)} ({gap['high_group']} vs {gap['low_group']})" if gap else "—"


def _table_rows(doc: Mapping[str, Any]) -> dict[str, list[list[str]]]:
    """The side-by-side tables as rows of text cells (shared by HTML and markdown)."""
    runs = doc["runs"]
    headline = [[name, *(_estimate(r["headline"].get(key)) for r in runs)] for key, name in _HEADLINE]
    headline.append(["Suspected label errors", *("—" if r["label_issues"] is None else f"{r['label_issues']:,}"
                                                  for r in runs)])
    headline.append(["Significantly worse slices", *("—" if r["slices_significant"] is None
                                                      else str(r["slices_significant"]) for r in runs)])
    suites = [[s, *(_estimate(r["suites"].get(s)) for r in runs)] for s in doc["suites"]]
    attributes = list(dict.fromkeys(a for r in runs for a in r["bias"]))
    bias = []
    for attribute in attributes:
        cells = [r["bias"].get(attribute) for r in runs]
        bias.append([f"{attribute}: flip rate", *(_estimate(c and c["flip_rate"]) for c in cells)])
        bias.append([f"{attribute}: largest accuracy gap", *(_gap(c and c["accuracy_gap"]) for c in cells)])
        bias.append([f"{attribute}: significant tests", *("—" if not c or not c["n_tests"]
                                                          else f"{c['significant_tests']} of {c['n_tests']}"
                                                          for c in cells)])
    tests = [[" vs ".join(t["pair"]), t["scope"] if t["metric"] == "pass_rate" else t["metric"], t["test"],
              "—" if t["difference"] is None else f"{t['difference']:+.4f}"
              + (f" [{t['ci_low']:+.4f}, {t['ci_high']:+.4f}]" if "ci_low" in t else ""),
              fmt_p(t["p_value"]), fmt_p(t["p_adjusted"]), "yes" if t["significant"] else "no"]
             for t in doc["tests"]]
    return {"headline": headline, "suites": suites, "bias": bias, "tests": tests}


TEST_COLUMNS = ["Pair", "Metric or suite", "Test", "Second - first [95% CI]", "p", "Holm p", "Significant"]


def render_html(doc: Mapping[str, Any]) -> str:
    """The comparison as one static HTML page (``reports/compare.html.j2``)."""
    from .reporting.jinja import html_environment

    return html_environment().get_template("compare.html.j2").render(doc=doc, rows=_table_rows(doc),
                                                                  test_columns=TEST_COLUMNS)


def _md_cell(text: Any) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def _md_table(columns: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    lines = ["| " + " | ".join(map(_md_cell, columns)) + " |", "|" + "---|" * len(columns)]
    return lines + ["| " + " | ".join(map(_md_cell, row)) + " |" for row in rows]


def render_markdown(doc: Mapping[str, Any]) -> str:
    """The comparison as markdown for a pull-request comment: sentences first, then the tables."""
    names = [r["name"] for r in doc["runs"]]
    rows = _table_rows(doc)
    data = doc["dataset"]
    lines = [f"## emotion-audit compare: {', '.join(names)}", "",
             f"{data['name']} ({data['split']} split, {data['size']:,} texts). Paired tests on the same cases, "
             f"Holm-adjusted over all {doc['correction']['n_tests']} tests (alpha {doc['correction']['alpha']:g}).", ""]
    lines += [f"- {s}" for s in doc["sentences"]] + [""]
    lines += _md_table(["Metric", *names], rows["headline"]) + [""]
    if rows["suites"]:
        lines += ["### Suite pass rates", ""] + _md_table(["Suite", *names], rows["suites"]) + [""]
    if rows["bias"]:
        lines += ["### Bias", ""] + _md_table(["Attribute", *names], rows["bias"]) + [""]
    lines += ["### Paired tests", ""] + _md_table(TEST_COLUMNS, rows["tests"]) + [""]
    lines += [f"- {u['suite']} ({' vs '.join(u['pair'])}): not tested, {u['reason']}" for u in doc["unpaired_suites"]]
    return "\n".join(lines).rstrip() + "\n"


# --- command line -----------------------------------------------------------------------------

def compare_command(runs: Sequence[Path], *, html: Path | None, json_out: Path | None, markdown: Path | None,
                    n_resamples: int, seed: int, quiet: bool) -> int:
    """``emotion-audit compare``: compare ``runs`` and write the outputs named (none is written
    when its path is ``None``); the pair sentences on stdout unless ``quiet``."""
    doc = compare(load_entries(runs), n_resamples=n_resamples, seed=seed)
    outputs = {html: render_html, json_out: dumps, markdown: render_markdown}
    texts = {path: render(doc) for path, render in outputs.items() if path is not None}
    for path, text in texts.items():
        write_text_atomic(path, text)
    if not quiet:
        print("\n".join(doc["sentences"]))
        for path in texts:
            print(f"wrote {path}")
    return 0
