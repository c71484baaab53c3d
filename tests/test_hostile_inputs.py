"""Hostile inputs outside results.json: duplicate names in data files and --label-names, bad
numbers on the command line, a gate policy naming an unknown metric, a model card with unreadable
front matter, JSONL rows without a text, and outputs that would overwrite an input. Each is exit 2
with one line naming the problem (or, for a blank text, a skipped row), built here."""
from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from audit.cli import main
from audit.data import load_data
from audit.errors import AuditError
from audit.results import RESULTS_FILE
from test_validate import assert_refused


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize("name,text,needle", [
    ("d.csv", "text,label,text\ni feel sad,sadness,i feel glad\n", "line 1: CSV header: duplicate name 'text'"),
    ("d.tsv", "text\tlabel\tlabel\ni feel sad\tsadness\tjoy\n", "line 1: TSV header: duplicate name 'label'"),
    ("d.jsonl", '{"text": "i feel sad", "label": "sadness"}\n{"text": "ok", "label": "joy", "label": "fear"}\n',
     "line 2: JSON object: duplicate name 'label'"),
])
def test_duplicate_columns_and_keys_are_refused(tmp_path: Path, name: str, text: str, needle: str) -> None:
    """Before: the last of two equal columns or keys silently won."""
    with pytest.raises(AuditError, match=needle):
        load_data(str(_write(tmp_path, name, text)))


def test_duplicate_parquet_columns_are_refused(tmp_path: Path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pa.Table.from_arrays([pa.array(["i feel sad"]), pa.array(["sadness"]), pa.array(["joy"])],
                                 names=["text", "label", "label"])
    pq.write_table(table, tmp_path / "d.parquet")
    with pytest.raises(AuditError, match="columns: duplicate name 'label'"):
        load_data(str(tmp_path / "d.parquet"))


def test_jsonl_row_without_the_text_key_is_malformed_but_a_blank_text_is_skipped(tmp_path: Path) -> None:
    """Before: ``{"txt": ...}`` was counted as an empty text."""
    rows = [{"text": "i feel sad", "label": "sadness"}, {"txt": "i feel glad", "label": "joy"}]
    path = _write(tmp_path, "d.jsonl", "\n".join(json.dumps(r) for r in rows) + "\n")
    with pytest.raises(AuditError, match=r"line 2: no 'text' key \(keys: txt, label\)"):
        load_data(str(path))
    rows[1] = {"text": "  ", "label": "joy"}
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\n", encoding="utf-8")
    data = load_data(str(path))
    assert (data.texts, data.n_empty) == (["i feel sad"], 1)


def test_csv_row_shorter_than_the_header_lacks_its_text(tmp_path: Path) -> None:
    path = _write(tmp_path, "d.csv", "label,text\nsadness,i feel sad\njoy\n")
    with pytest.raises(AuditError, match="line 3: row has no 'text' field"):
        load_data(str(path))


@pytest.mark.parametrize("argv,needle", [
    (["run", "--label-names", "joy,joy,love,anger,fear,sadness", "--out", "o"], "--label-names: 'joy' appears more"),
    (["run", "--label-names", "Joy,joy", "--out", "o"], "appears more than once"),
    (["run", "--seed", "-1", "--out", "o"], "argument --seed: must be an integer >= 0, got '-1'"),
    (["run", "--max-length", "0", "--out", "o"], "argument --max-length: must be an integer >= 2"),
    (["run", "--batch-size", "x", "--out", "o"], "argument --batch-size: must be an integer >= 1, got 'x'"),
    (["run", "--bootstrap", "10", "--out", "o"], "argument --bootstrap: must be an integer >= 1000"),
    (["run", "--ray-gpus-per-actor", "nan", "--out", "o"], "argument --ray-gpus-per-actor: must be a number >= 0"),
    (["suites", "sample", "negation", "--suite-seed", "-1", "-o", "s.csv"], "argument --suite-seed: must be"),
    (["suites", "sample", "negation", "--n", "0", "-o", "s.csv"], "argument --n: must be an integer >= 1"),
    (["compare", "a", "b", "--seed", "-3"], "argument --seed: must be an integer >= 0"),
])
def test_bad_arguments_are_one_line_usage_errors(argv: list[str], needle: str,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    """Before: ``--seed -1`` reached numpy and ended as an internal error; duplicate label names
    merged two classes."""
    assert_refused(capsys, argv, needle)


def test_policy_naming_an_unknown_metric_is_refused(synthetic_run: Path, tmp_path: Path,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    """Before: ``metrics: [macro-f1]`` made the gap check skip silently."""
    policy = _write(tmp_path, "p.yaml", "version: 1\nfloors:\n  group_gap: {max: 0.1, metrics: [macro-f1]}\n")
    assert_refused(capsys, ["report", str(synthetic_run), "--policy", str(policy), "-o", str(tmp_path / "r.html")],
                   "floors.group_gap.metrics: unknown metric 'macro-f1'", "did you mean 'macro_f1'?")
    policy.write_text("version: 1\nfloors:\n  group_gap: {max: 0.1, metrics: [fairness]}\n", encoding="utf-8")
    line = assert_refused(capsys, ["report", str(synthetic_run), "--policy", str(policy), "-o",
                                   str(tmp_path / "r.html")], "unknown metric 'fairness'")
    assert "did you mean" not in line


@pytest.mark.parametrize("front", ["license: [unclosed", "license: !!python/object/apply:os.system ['true']"])
def test_card_with_unreadable_front_matter_names_the_card(front: str, synthetic_run: Path, tmp_path: Path,
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    """Before: an internal error."""
    card = _write(tmp_path, "bad.md", f"---\n{front}\n---\n# My model\n")
    assert_refused(capsys, ["card", str(synthetic_run), "--card", str(card), "-o", str(tmp_path / "c.md")],
                   f"model card {card}: front matter is not valid YAML metadata")


def _outputs(run: Path, other: Path, baseline: Path) -> list[list[str]]:
    results, folder = run / RESULTS_FILE, run
    return [["report", str(results), "-o", str(results)],
            ["report", str(results), "-o", str(folder / "predictions.jsonl")],
            ["card", str(results), "-o", str(folder / "link.json")],
            ["gate", str(results), "--baseline", str(baseline), "--summary", str(results)],
            ["gate", str(results), "--baseline", str(baseline), "--junit", str(baseline)],
            ["gate", str(results), "--baseline", str(baseline), "--junit", str(run / "x"), "--summary", str(run / "x")],
            ["baseline", str(results), "-o", str(results)],
            ["compare", str(run), str(other), "--json", str(results)],
            ["compare", str(run), str(other), "-o", str(run / "x.html"), "--json", str(run / "x.html")]]


def test_outputs_that_overwrite_an_input_or_each_other_are_refused(synthetic_run: Path, tmp_path: Path,
                                                                   capsys: pytest.CaptureFixture[str]) -> None:
    """Before: ``report R/results.json -o R/results.json`` replaced the run with HTML."""
    run, other = tmp_path / "run", tmp_path / "other"
    shutil.copytree(synthetic_run.parent, run)
    shutil.copytree(synthetic_run.parent, other)
    os.symlink(run / RESULTS_FILE, run / "link.json")  # a symlink to an input is that input
    baseline = tmp_path / "baseline.json"
    assert main(["baseline", str(run / RESULTS_FILE), "-o", str(baseline), "-q"]) == 0
    before = (run / RESULTS_FILE).read_bytes()
    for argv in _outputs(run, other, baseline):
        assert_refused(capsys, argv, "is the same file as the ")
    assert (run / RESULTS_FILE).read_bytes() == before


def test_model_folder_without_tokenizer_vocabulary_is_refused(tiny_model: Path, tmp_path: Path,
                                                              capsys: pytest.CaptureFixture[str]) -> None:
    """Before: transformers built a tokenizer of five special tokens, every word became [UNK],
    and the run reported an accuracy over texts the model never read."""
    folder = tmp_path / "no-vocab"
    shutil.copytree(tiny_model, folder)
    for path in folder.iterdir():
        if "token" in path.name or path.name == "vocab.txt":
            path.unlink()
    data = _write(tmp_path, "t.txt", "text;label\ni feel happy;joy\n")
    assert main(["run", "--model", str(folder), "--data", str(data), "--out", str(tmp_path / "o"), "-q"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "has no tokenizer vocabulary" in err
    assert not (tmp_path / "o" / RESULTS_FILE).exists()


def test_two_suite_files_of_one_folder_with_one_name_are_refused(tmp_path: Path,
                                                                  capsys: pytest.CaptureFixture[str]) -> None:
    """Before: the later file silently replaced the earlier one."""
    spec = "name: twin\ndescription: d\ngenerator: short\ntest_type: MFT\n"
    _write(tmp_path, "a.yaml", spec)
    _write(tmp_path, "b.yaml", spec)
    assert main(["suites", "list", "--suites-dir", str(tmp_path)]) == 2
    err = capsys.readouterr().err.strip()
    assert "both declare the suite 'twin'" in err and len(err.splitlines()) == 1
