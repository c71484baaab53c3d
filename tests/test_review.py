"""The review loop: seeded stratified samples, annotated files read back, reviews attached to runs."""
from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np
import pytest
from statsmodels.stats.proportion import proportion_confint

from audit.cli import main
from audit.errors import AuditError
from audit.model import CallableClassifier
from audit.reporting.report import render_report
from audit.review import (SAMPLE_COLUMNS, allocate, expectation_words, generator_fingerprint, load_review,
                          sample_cases)
from audit.runner import evaluate
from audit.suite import Case, Expectation, load_spec
from audit.suite_trust import validity_view
from conftest import LABELS
from instrument_suite import user_suite, write_split  # noqa: F401  (fixture)


@pytest.mark.parametrize("sizes, n, expected", [
    ({"a": 50, "b": 30, "c": 20}, 10, {"a": 5, "b": 3, "c": 2}),         # proportional
    ({"a": 97, "b": 2, "c": 1}, 10, {"a": 8, "b": 1, "c": 1}),           # at least one per rule
    ({"a": 5, "b": 3, "c": 2}, 2, {"a": 1, "b": 1, "c": 0}),             # fewer draws than rules
    ({"a": 3, "b": 1}, 60, {"a": 3, "b": 1}),                            # the whole suite
    ({"a": 10, "b": 10, "c": 10}, 7, {"a": 3, "b": 2, "c": 2}),          # ties: earlier rules first
])
def test_allocate(sizes: dict[str, int], n: int, expected: dict[str, int]) -> None:
    assert allocate(sizes, n) == expected


def _cases(rule: str, k: int) -> list[Case]:
    return [Case(f"{rule}:{i}", f"text {i}", Expectation("INV"), rule=rule) for i in range(k)]


def test_sample_is_seeded_and_stratified() -> None:
    cases = _cases("a", 50) + _cases("b", 30) + _cases("c", 20)
    first = sample_cases("s", cases, 10, seed=1)
    assert [c.id for c in first] == [c.id for c in sample_cases("s", cases, 10, seed=1)]
    assert [c.id for c in first] != [c.id for c in sample_cases("s", cases, 10, seed=2)]
    assert [sum(c.rule == r for c in first) for r in "abc"] == [5, 3, 2]
    assert [c.id for c in first] == [c.id for c in cases if c in first]  # in suite order


@pytest.mark.parametrize("expectation, gold, words", [
    (Expectation("MFT", labels=("sadness", "anger")), None, "must be one of sadness, anger"),
    (Expectation("MFT", labels=("fear",)), "joy", "must be fear"),
    (Expectation("MFT"), "joy", "must be joy (the gold label)"),
    (Expectation("DIR", avoid=("joy", "love")), None, "must not be joy or love"),
    (Expectation("DIR", avoid=("joy", "love", "surprise")), None, "must not be joy, love or surprise"),
    (Expectation("DIR", avoid_source=True), None, "must differ from the prediction on the source text"),
    (Expectation("DIR", avoid=("joy",), avoid_source=True), None,
     "must not be joy, and must differ from the prediction on the source text"),
    (Expectation("INV"), "joy", "must keep the prediction on the source text"),
])
def test_expectation_words(expectation: Expectation, gold: str | None, words: str) -> None:
    assert expectation_words(expectation, gold) == words


def _sample(suites: Path, data: Path, out: Path, *extra: str) -> list[dict[str, str]]:
    assert main(["-q", "suites", "sample", "shout", "--data", str(data), "--suites-dir", str(suites),
                 "--n", "9", "--seed", "3", "-o", str(out), *extra]) == 0
    with out.open(encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def _write(path: Path, rows: list[dict[str, str]], columns: tuple[str, ...] = SAMPLE_COLUMNS,
           delimiter: str = ",") -> Path:
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=columns, delimiter=delimiter, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)
    return path


# Verdicts with known validity: 9 cases, 6 valid, 2 invalid, 1 unsure.
VERDICTS = ["valid", "invalid", "valid", "Valid", "unsure", "valid", "valid", " invalid ", "valid"]


def _annotated(rows: list[dict[str, str]]) -> list[dict[str, str]]:
    return [{**row, "verdict": verdict, "note": "ok"} for row, verdict in zip(rows, VERDICTS)]


def test_sample_file(user_suite, tmp_path: Path) -> None:  # noqa: F811
    suites, data = user_suite
    rows = _sample(suites, data, tmp_path / "review.csv")
    assert list(rows[0]) == list(SAMPLE_COLUMNS)
    assert [r["rule"] for r in rows].count("upper") == 3 and len(rows) == 9
    first = rows[0]
    assert first["expectation"] == "must keep the prediction on the source text"
    assert first["text"] != first["source_text"] and first["gold"] in LABELS
    assert first["verdict"] == first["note"] == "" and first["suite"] == "shout" and first["suite_seed"] == "0"
    assert len({(r["cases_sha256"], r["data_sha256"]) for r in rows}) == 1
    assert _sample(suites, data, tmp_path / "again.csv") == rows


def test_review_of_annotated_sample(user_suite, tmp_path: Path) -> None:  # noqa: F811
    suites, data = user_suite
    rows = _sample(suites, data, tmp_path / "review.csv")
    annotated = _write(tmp_path / "annotated.csv", _annotated(rows))
    assert main(["-q", "suites", "review", str(annotated), "--data", str(data), "--suites-dir", str(suites)]) == 0
    review = json.loads((suites / "reviews" / "shout.json").read_text())  # default: beside the suite YAML
    assert (review["n_reviewed"], review["n_valid"], review["n_invalid"], review["n_unsure"]) == (9, 6, 2, 1)
    low, high = proportion_confint(6, 9, alpha=0.05, method="wilson")
    assert review["valid_rate"]["value"] == pytest.approx(6 / 9)
    assert (review["valid_rate"]["ci_low"], review["valid_rate"]["ci_high"]) == pytest.approx((low, high))
    by_rule = {rule: (r["n_reviewed"], r["n_valid"]) for rule, r in review["by_rule"].items()}
    expected: dict[str, list[int]] = {}
    for row, verdict in zip(rows, VERDICTS):
        counts = expected.setdefault(row["rule"], [0, 0])
        counts[0] += 1
        counts[1] += verdict.strip().lower() == "valid"
    assert by_rule == {rule: tuple(c) for rule, c in expected.items()}
    assert review["cases_sha256"] == rows[0]["cases_sha256"] and review["data_sha256"] == rows[0]["data_sha256"]
    assert review["generator"]["fingerprint"] == generator_fingerprint(load_spec(suites / "shout.yaml"))
    assert len(review["reviewed_on"]) == 10 and review["suite_seed"] == 0 and review["n_cases"] == 36
    assert load_review(suites / "reviews" / "shout.json") == review


def test_review_reads_semicolon_files_saved_by_spreadsheets(user_suite, tmp_path: Path) -> None:  # noqa: F811
    suites, data = user_suite
    rows = _annotated(_sample(suites, data, tmp_path / "review.csv"))
    saved = _write(tmp_path / "saved.csv", rows, delimiter=";")
    saved.write_bytes(b"\xef\xbb\xbf" + saved.read_bytes())  # with a byte-order mark, as Excel writes
    out = tmp_path / "r.json"
    assert main(["-q", "suites", "review", str(saved), "--data", str(data), "--suites-dir", str(suites),
                 "-o", str(out)]) == 0
    assert json.loads(out.read_text())["n_valid"] == 6


def test_two_annotated_files_pool(user_suite, tmp_path: Path) -> None:  # noqa: F811
    suites, data = user_suite
    rows = _annotated(_sample(suites, data, tmp_path / "review.csv"))
    a, b = _write(tmp_path / "a.csv", rows[:4]), _write(tmp_path / "b.csv", rows[4:])
    out = tmp_path / "r.json"
    assert main(["-q", "suites", "review", str(a), str(b), "--data", str(data), "--suites-dir", str(suites),
                 "-o", str(out)]) == 0
    assert json.loads(out.read_text())["n_reviewed"] == 9


def _edit(field: str, value: str, row: int | None = 0):
    def apply(rows: list[dict[str, str]]) -> list[dict[str, str]]:
        return [{**r, field: value} if row is None or i == row else r for i, r in enumerate(rows)]
    return apply


MALFORMED = {
    "missing column": (lambda rows: rows, ("id", "rule", "text", "suite", "suite_seed", "cases_sha256", "data_sha256"),
                       "missing column(s) verdict"),
    "bad verdict": (_edit("verdict", "yes"), SAMPLE_COLUMNS, "verdict 'yes' is not one of valid, invalid, unsure"),
    "empty verdict": (_edit("verdict", " ", row=4), SAMPLE_COLUMNS, "line 6: case"),
    "unknown id": (_edit("id", "shout:upper:nope"), SAMPLE_COLUMNS, "has no case 'shout:upper:nope'"),
    "repeated id": (lambda rows: rows + rows[:1], SAMPLE_COLUMNS, "is reviewed twice"),
    "mixed samples": (_edit("cases_sha256", "0" * 64), SAMPLE_COLUMNS, "rows from different samples"),
    "suite changed": (_edit("cases_sha256", "0" * 64, row=None), SAMPLE_COLUMNS, "changed since the sample was drawn"),
    "other data": (_edit("data_sha256", "f" * 64, row=None), SAMPLE_COLUMNS, "was drawn from other data"),
    "bad seed": (_edit("suite_seed", "zero", row=None), SAMPLE_COLUMNS, "suite_seed 'zero' is not an integer"),
    "unknown suite": (_edit("suite", "nosuch", row=None), SAMPLE_COLUMNS, "unknown suite 'nosuch'"),
}


@pytest.mark.parametrize("name", MALFORMED)
def test_malformed_review_files(name: str, user_suite, tmp_path: Path, capsys: pytest.CaptureFixture) -> None:  # noqa: F811
    suites, data = user_suite
    edit, columns, message = MALFORMED[name]
    rows = _sample(suites, data, tmp_path / "review.csv")
    bad = _write(tmp_path / "bad.csv", edit(_annotated(rows)), columns)
    capsys.readouterr()
    code = main(["suites", "review", str(bad), "--data", str(data), "--suites-dir", str(suites), "-o",
                 str(tmp_path / "r.json")])
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1 and err.startswith("emotion-audit: error: ")
    assert message in err
    assert not (tmp_path / "r.json").exists()


@pytest.mark.parametrize("content, message", [
    (None, "review file not found"),
    ("caf\xe9".encode("cp1252"), "not UTF-8 text"),
    (b"", "no header line"),
    (",".join(SAMPLE_COLUMNS).encode() + b"\n", "no reviewed rows"),
])
def test_unreadable_review_files(content: bytes | None, message: str, user_suite, tmp_path: Path,  # noqa: F811
                                 capsys: pytest.CaptureFixture) -> None:
    suites, data = user_suite
    path = tmp_path / "r.csv"
    if content is not None:
        path.write_bytes(content)
    code = main(["suites", "review", str(path), "--data", str(data), "--suites-dir", str(suites)])
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1 and message in err


def test_fingerprint_follows_generator_code_and_data_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from instrument_suite import write_suite

    monkeypatch.syspath_prepend(str(tmp_path))
    suites, package = write_suite(tmp_path)
    spec = load_spec(suites / "shout.yaml")
    before = generator_fingerprint(spec)
    (tmp_path / "unrelated.py").write_text("x = 1\n")
    assert generator_fingerprint(spec) == before
    rules = tmp_path / package / "rules.py"
    rules.write_text(rules.read_text() + "\n# a comment\n")
    assert generator_fingerprint(spec) != before
    # A data file named in params counts; a sibling module the generator imports counts too.
    (tmp_path / package / "helper.py").write_text("WORDS = ['a']\n")
    rules.write_text("from .helper import WORDS\n" + rules.read_text())
    with_helper = generator_fingerprint(spec)
    (tmp_path / package / "helper.py").write_text("WORDS = ['b']\n")
    assert generator_fingerprint(spec) != with_helper
    (suites / "words.txt").write_text("a\n")
    (suites / "shout.yaml").write_text((suites / "shout.yaml").read_text().replace("'zzz'", "words.txt"))
    with_file = generator_fingerprint(load_spec(suites / "shout.yaml"))
    (suites / "words.txt").write_text("b\n")
    assert generator_fingerprint(load_spec(suites / "shout.yaml")) != with_file


def test_builtin_fingerprint_includes_shared_generator_modules() -> None:
    from audit.review import _module_files
    from audit.suite import generator_module
    from audit.runner import available_suites

    spec = available_suites()["robustness"]
    names = set(_module_files(generator_module(spec)))
    assert {"audit.generators.robustness", "audit.generators.base"} <= names and "audit.suite" not in names


def _clf() -> CallableClassifier:
    return CallableClassifier(lambda texts: np.eye(6)[[len(t) % 6 for t in texts]], LABELS, name="lengths")


def _run(suites: Path, data: Path | str, **options) -> dict:
    audit = evaluate(_clf(), str(data), suites=["shout"], suites_dirs=[suites], progress=False, use_cache=False,
                     train_check=False, **options)
    return audit.results


def test_run_attaches_the_review(user_suite, tmp_path: Path) -> None:  # noqa: F811
    suites, data = user_suite
    assert _run(suites, data)["suites"]["shout"]["validity"] is None
    rows = _sample(suites, data, tmp_path / "review.csv")
    annotated = _write(tmp_path / "annotated.csv", _annotated(rows))
    assert main(["-q", "suites", "review", str(annotated), "--data", str(data), "--suites-dir", str(suites)]) == 0

    results = _run(suites, data)
    validity = results["suites"]["shout"]["validity"]
    assert validity["current"] is True and validity["basis"] == "cases"
    assert validity["n_reviewed"] == 9 and validity["valid_rate"]["successes"] == 6
    html = render_report(results)
    assert "66.7% [35.4, 87.9] (6/9)" in html and "not reviewed" not in html
    assert "Reviewed expectations fall short of 98% valid: shout (6 of 9 valid)." in html

    # Other data, same generator: judged by the generator fingerprint.
    other = tmp_path / "other"
    other.mkdir()
    write_split(other / "test.txt", [("i feel fine", "joy"), ("i feel low", "sadness")])
    validity = _run(suites, other)["suites"]["shout"]["validity"]
    assert validity["current"] is True and validity["basis"] == "generator"
    # Another seed on the same data is also another draw.
    assert _run(suites, data, seed=5)["suites"]["shout"]["validity"]["basis"] == "generator"

    # The suite changes (another marker word): its cases and its fingerprint no longer match.
    (suites / "shout.yaml").write_text((suites / "shout.yaml").read_text().replace("'zzz'", "'qqq'"))
    results = _run(suites, data)
    assert results["suites"]["shout"]["validity"]["current"] is False
    assert _run(suites, other)["suites"]["shout"]["validity"]["current"] is False
    html = render_report(results)
    assert "not reviewed for this version" in html
    assert "Expectations not reviewed for this version: shout" in html


def test_missing_review_is_said_plainly(user_suite) -> None:  # noqa: F811
    suites, data = user_suite
    results = _run(suites, data)
    assert validity_view(results["suites"]["shout"])["status"] == "missing"
    html = render_report(results)
    assert "Expectations not reviewed: shout" in html
    # Results from before reviews existed say nothing about them.
    del results["suites"]["shout"]["validity"]
    assert validity_view(results["suites"]["shout"]) is None
    assert "not reviewed" not in render_report(results)


def test_malformed_stored_review_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "r.json"
    assert load_review(path) is None
    path.write_text('{"suite": "x"}')
    with pytest.raises(AuditError, match="not a review file"):
        load_review(path)
    path.write_text("{")
    with pytest.raises(AuditError, match="cannot read review"):
        load_review(path)


def test_builtin_reviews_are_well_formed() -> None:
    """Every shipped review names its suite and agrees with its own counts."""
    from audit.resources import resource_dir

    for path in sorted((resource_dir("suites") / "reviews").glob("*.json")):
        review = load_review(path)
        assert review["suite"] == path.stem
        assert review["n_valid"] + review["n_invalid"] + review["n_unsure"] == review["n_reviewed"]
        assert sum(r["n_reviewed"] for r in review["by_rule"].values()) == review["n_reviewed"]


def test_generator_fingerprint_does_not_depend_on_hash_order() -> None:
    """Modules of one generator package share file names (``__init__.py``, ``text.py``); they were
    ordered by file name alone, so ties fell in set order, which changes with PYTHONHASHSEED, and a
    current review could read as stale in another process."""
    import os
    import subprocess
    import sys

    code = ("from pathlib import Path; from audit.review import generator_fingerprint; "
            "from audit.suite import load_spec; "
            "print(generator_fingerprint(load_spec(Path('suites/identity.yaml'))))")
    root = Path(__file__).resolve().parents[1]
    prints = {subprocess.run([sys.executable, "-c", code], cwd=root, capture_output=True, text=True, check=True,
                             env={**os.environ, "PYTHONHASHSEED": str(seed)}).stdout for seed in range(4)}
    assert len(prints) == 1
