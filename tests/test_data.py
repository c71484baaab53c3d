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
