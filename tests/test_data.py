"""Loaders for every local format, their errors, and the Hub path with no network."""
from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from audit.data import load_data
from audit.errors import AuditError

ROWS = [("i feel happy; really", "joy"), ("im so scared", "fear"), ("i didnt feel humiliated", "sadness")]


def _write(tmp_path: Path, name: str, content: str | bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(content if isinstance(content, bytes) else content.encode())
    return path


@pytest.mark.parametrize("header", [True, False])
def test_semicolon_txt_splits_on_last_semicolon(tmp_path: Path, header: bool) -> None:
    body = "".join(f"{t};{l}\n" for t, l in ROWS)
    path = _write(tmp_path, "test.txt", ("text;label_name\n" if header else "") + body)
    ds = load_data(str(path))
    assert ds.texts == [t for t, _ in ROWS]
    assert ds.labels == [l for _, l in ROWS]
    assert ds.split == "test" and ds.ids == ["test-0", "test-1", "test-2"]


def test_csv_tsv_jsonl_parquet_give_the_same_dataset(tmp_path: Path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    csv = "text,label\n" + "".join(f'"{t}",{l}\n' for t, l in ROWS)
    tsv = "text\tlabel\n" + "".join(f"{t}\t{l}\n" for t, l in ROWS)
    jsonl = "".join(json.dumps({"text": t, "label": l}) + "\n" for t, l in ROWS)
    paths = [_write(tmp_path, "a.csv", csv), _write(tmp_path, "a.tsv", tsv), _write(tmp_path, "a.jsonl", jsonl)]
    pq.write_table(pa.table({"text": [t for t, _ in ROWS], "label": [l for _, l in ROWS]}), tmp_path / "a.parquet")
    paths.append(tmp_path / "a.parquet")
    hashes = set()
    for path in paths:
        ds = load_data(str(path))
        assert (ds.texts, ds.labels) == ([t for t, _ in ROWS], [l for _, l in ROWS]), path.suffix
        hashes.add(ds.sha256())
    assert len(hashes) == 1


def test_custom_columns_integer_labels_and_groups(tmp_path: Path) -> None:
    path = _write(tmp_path, "g.csv", "sentence,emotion,gender\nhe is happy,1,male\nshe is sad,0,female\nthey,,\n")
    ds = load_data(str(path), text_column="sentence", label_column="emotion", group_columns=["gender"])
    assert ds.labels == ["1", "0", None]
    assert ds.groups == {"gender": ["male", "female", None]}


def test_folder_picks_the_split_file(tmp_path: Path) -> None:
    _write(tmp_path, "validation.txt", "a;joy\n")
    _write(tmp_path, "test.jsonl", json.dumps({"text": "b", "label": "fear"}) + "\n")
    assert load_data(str(tmp_path)).texts == ["b"]
    assert load_data(str(tmp_path), split="validation").texts == ["a"]
    with pytest.raises(AuditError, match="no train file"):
        load_data(str(tmp_path), split="train")


def test_empty_texts_are_skipped_and_counted_or_rejected_when_strict(tmp_path: Path) -> None:
    path = _write(tmp_path, "e.jsonl", '{"text": "ok", "label": "joy"}\n{"text": "   ", "label": "joy"}\n')
    ds = load_data(str(path))
    assert ds.texts == ["ok"] and ds.n_empty == 1
    with pytest.raises(AuditError, match="row 2: empty text"):
        load_data(str(path), strict=True)


@pytest.mark.parametrize("name,content,message", [
    ("test.txt", "fine;joy\nno separator here\n", r"line 2: no ';'"),
    ("test.txt", "", "file is empty"),
    ("test.txt", b"ok;joy\n\xff\xfe bad;joy\n", "line 2 is not valid UTF-8"),
    ("a.csv", "sentence,label\nx,joy\n", "no text column 'text'"),
    ("a.jsonl", '{"text": "x"}\n{bad json\n', "line 2: not valid JSON"),
    ("a.xml", "<x/>", "unsupported file type"),
    ("a.parquet", "not parquet", "cannot read parquet"),
])
def test_bad_files_name_the_problem(tmp_path: Path, name: str, content: str | bytes, message: str) -> None:
    path = _write(tmp_path, name, content)
    with pytest.raises(AuditError, match=message):
        load_data(str(path))


def test_missing_path_and_missing_group_column(tmp_path: Path) -> None:
    with pytest.raises(AuditError, match="data path not found"):
        load_data(str(tmp_path / "nope.txt"))
    path = _write(tmp_path, "a.csv", "text,label\nx,joy\n")
    with pytest.raises(AuditError, match="group column 'race' not found"):
        load_data(str(path), group_columns=["race"])


def test_hub_dataset_offline_fails_fast_naming_local_alternatives(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("HF_DATASETS_CACHE", "/nonexistent-cache-for-test")
    start = time.perf_counter()
    with pytest.raises(AuditError, match="pass a local path instead"):
        load_data("dair-ai/emotion")
    assert time.perf_counter() - start < 20


def test_reference_split_loads(emotion_data: Path) -> None:
    ds = load_data(str(emotion_data))
    assert len(ds.texts) == 2000
    counts = {l: ds.labels.count(l) for l in set(ds.labels)}
    assert counts == {"sadness": 581, "joy": 695, "love": 159, "anger": 275, "fear": 224, "surprise": 66}


# --- hostile inputs: each refused with the line, or read as a careful reader would ----------------

def test_texts_of_only_invisible_characters_are_skipped_and_counted(tmp_path: Path) -> None:
    """Zero-width spaces and joiners, RTL/LTR marks, BOM and NUL leave nothing for a model to read
    (before: they were evaluated as texts)."""
    invisible = ["\u200b\u200c\u200d", "\u200f\u200e", "\x00\x00", "\ufeff \u2060", "\u202e\t"]
    path = _write(tmp_path, "test.txt", "".join(f"{t};joy\n" for t in ["i feel fine", *invisible]))
    ds = load_data(str(path))
    assert ds.texts == ["i feel fine"] and ds.n_empty == len(invisible)
    with pytest.raises(AuditError, match="row 2: empty text"):
        load_data(str(path), strict=True)


def test_jsonl_nan_and_null_texts_are_missing_not_the_word_nan(tmp_path: Path) -> None:
    path = _write(tmp_path, "a.jsonl", '{"text": "ok", "label": "joy"}\n{"text": NaN, "label": "joy"}\n'
                                       '{"text": null, "label": "joy"}\n')
    ds = load_data(str(path))
    assert ds.texts == ["ok"] and ds.n_empty == 2


def test_non_string_texts_are_an_error(tmp_path: Path) -> None:
    path = _write(tmp_path, "a.jsonl", '{"text": "ok", "label": "joy"}\n{"text": 5, "label": "joy"}\n')
    with pytest.raises(AuditError, match="row 2: text is not a string"):
        load_data(str(path))


def test_labels_written_as_floats_with_gaps_are_integers(tmp_path: Path) -> None:
    """pandas writes an integer column with missing values as floats: 1.0, NaN."""
    path = _write(tmp_path, "a.jsonl", '{"text": "a", "label": 1.0}\n{"text": "b", "label": NaN}\n'
                                       '{"text": "c", "label": 0}\n')
    assert load_data(str(path)).labels == ["1", None, "0"]


def test_a_lone_surrogate_in_jsonl_is_an_error_with_the_line(tmp_path: Path) -> None:
    path = _write(tmp_path, "a.jsonl", '{"text": "ok", "label": "joy"}\n\n{"text": "x \\udc80 y", "label": "joy"}\n')
    with pytest.raises(AuditError, match=r"line 3: 'text' holds a lone surrogate \('\\udc80'\)"):
        load_data(str(path))


@pytest.mark.parametrize("content,line,reason", [
    ('text,label\ni feel fine,joy\n"i am sad,sadness\ni am ok,joy\n', 3, "unterminated quoted field"),
    ('text,label\ni feel fine,joy\n"i am" sad,sadness\n', 3, "',' expected after '\"'"),
])
def test_malformed_csv_is_an_error_with_the_line(tmp_path: Path, content: str, line: int, reason: str) -> None:
    """Before: the unterminated quote swallowed the rest of the file as one unlabelled text."""
    path = _write(tmp_path, "a.csv", content)
    with pytest.raises(AuditError, match=f"line {line}: malformed CSV: {reason}"):
        load_data(str(path))


@pytest.mark.parametrize("name,template", [("a.csv", "text,label\n{},joy\n"), ("a.tsv", "text\tlabel\n{}\tjoy\n"),
                                           ("test.txt", "{};joy\n")])
def test_a_text_over_131072_characters_loads_in_every_format(tmp_path: Path, name: str, template: str) -> None:
    long = "i feel happy " * 20_000
    assert len(long) > 131_072
    assert load_data(str(_write(tmp_path, name, template.format(long)))).texts == [long]


def test_a_relative_path_with_one_slash_says_the_path_does_not_exist(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """``data/tset.txt`` is also a valid Hub id: the error must lead with the missing path."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "data").mkdir()
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    for spec in ("data/tset.txt", "data/split", "elsewhere/test.csv"):
        with pytest.raises(AuditError, match=f"^data path not found: {spec} \\(the path does not exist; it was "
                                             f"also tried as a Hub dataset id"):
            load_data(spec)


@pytest.mark.parametrize("raw", ["\u00b2", "\u2460", "-1", "6", "1.5", "\u0661\u0662"])
def test_labels_that_are_not_plain_indices_are_unknown_labels(raw: str) -> None:
    """``'²'.isdigit()`` is true but ``int('²')`` fails (before: a ValueError traceback)."""
    from audit.labels import EMOTION_LABELS, gold_indices

    assert gold_indices(["1", "5", "joy"], list(EMOTION_LABELS)) == [1, 5, 1]
    with pytest.raises(AuditError, match="dataset labels not known to the model"):
        gold_indices([raw], list(EMOTION_LABELS))
