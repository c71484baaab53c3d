"""The prediction cache cannot lie: a row whose checksum or values do not hold is dropped,
recomputed and counted, never served; a damaged or foreign cache file is moved aside and rebuilt;
model outputs that are not finite are an error naming the texts and are never cached.

Each damaged cache is built here by writing into the SQLite file of a cache filled by a run.
"""
from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import numpy as np
import pytest

from audit.cache import FILE_NAME, PredictionCache, predict_unique, row_checksum
from audit.cli import main
from audit.errors import AuditError
from audit.model import CallableClassifier

LABELS = ["sadness", "joy", "love", "anger", "fear", "surprise"]
TEXTS = [f"text number {i}" for i in range(12)]
KEY = "model-key"


def _probs(text: str) -> np.ndarray:
    """Deterministic probabilities of a text (a peak on one class)."""
    row = np.full(6, 0.05)
    row[int(text.split()[-1]) % 6] = 0.75
    return row


class Counting(CallableClassifier):
    """A classifier that records how many texts it was asked to predict."""

    def __init__(self, fn=lambda texts: np.stack([_probs(t) for t in texts])) -> None:
        super().__init__(fn, LABELS, name="counting")
        self.calls: list[str] = []

    def predict_proba(self, texts):  # type: ignore[no-untyped-def]
        self.calls += list(texts)
        return super().predict_proba(texts)


def _filled(folder: Path) -> Path:
    """A cache folder holding every text of TEXTS; returns the SQLite file."""
    cache = PredictionCache(folder, KEY, len(LABELS))
    predict_unique(Counting(), TEXTS, cache)
    cache.close()
    return folder / FILE_NAME


def _rerun(folder: Path) -> tuple[dict[str, np.ndarray], dict[str, int], Counting]:
    clf = Counting()
    cache = PredictionCache(folder, KEY, len(LABELS))
    try:
        probs, counts = predict_unique(clf, TEXTS, cache)
    finally:
        cache.close()
    return probs, counts, clf


def _assert_true_values(probs: dict[str, np.ndarray]) -> None:
    for text in TEXTS:
        assert np.array_equal(probs[text], _probs(text)), text


def _rows(db_path: Path) -> list[tuple[str, bytes, bytes]]:
    with sqlite3.connect(db_path) as db:
        return db.execute("SELECT text, probs, checksum FROM predictions ORDER BY text").fetchall()


def _update(db_path: Path, key: str, blob: bytes, *, checksum: bool) -> None:
    """Replace one row's probabilities, recomputing its checksum or not."""
    with sqlite3.connect(db_path) as db:
        if checksum:
            db.execute("UPDATE predictions SET probs = ?, checksum = ? WHERE text = ?",
                       (blob, row_checksum(KEY, key, blob), key))
        else:
            db.execute("UPDATE predictions SET probs = ? WHERE text = ?", (blob, key))
    db.close()


def test_a_clean_cache_is_served_without_recomputing(tmp_path: Path) -> None:
    _filled(tmp_path)
    probs, counts, clf = _rerun(tmp_path)
    assert clf.calls == [] and counts["cached"] == len(TEXTS) and counts["rejected"] == 0
    _assert_true_values(probs)


def _flip_bit(blob: bytes) -> bytes:
    data = bytearray(blob)
    data[3] ^= 0x10  # a low mantissa bit of the first probability: still a valid-looking number
    return bytes(data)


def _swap_classes(blob: bytes) -> bytes:
    """Another valid distribution (sums to 1): the label changes."""
    return np.frombuffer(blob, dtype=np.float64)[::-1].copy().tobytes()


@pytest.mark.parametrize("damage,checksum", [
    pytest.param(_flip_bit, False, id="bit-flip"),
    pytest.param(_swap_classes, False, id="rewritten-valid-distribution"),
    pytest.param(lambda b: b[:-8], True, id="short-blob-with-checksum"),
    pytest.param(lambda b: b + b[:8], True, id="long-blob-with-checksum"),
    pytest.param(lambda b: np.full(6, np.nan).tobytes(), True, id="nan-blob-with-checksum"),
    pytest.param(lambda b: np.full(6, 0.125).tobytes(), True, id="sums-to-0.75-with-checksum"),
    pytest.param(lambda b: np.array([1.25, 0, 0, 0, 0, 0]).tobytes(), True, id="above-one-with-checksum"),
    pytest.param(lambda b: "text".encode(), True, id="not-floats"),
])
def test_a_damaged_row_is_dropped_recomputed_and_counted(damage, checksum: bool, tmp_path: Path) -> None:
    """Before: the damaged blob was served as the prediction (labels changed, sums of 0.75)."""
    db_path = _filled(tmp_path)
    key, blob, _ = _rows(db_path)[0]
    _update(db_path, key, damage(blob), checksum=checksum)
    probs, counts, clf = _rerun(tmp_path)
    assert counts["rejected"] == 1 and counts["computed"] == 1 and len(clf.calls) == 1
    _assert_true_values(probs)
    probs, counts, clf = _rerun(tmp_path)  # the recomputed row was stored again, intact
    assert clf.calls == [] and counts["rejected"] == 0


def test_rows_moved_between_texts_are_rejected(tmp_path: Path) -> None:
    """Each checksum binds the row to its text: swapping two rows' blobs and checksums fails both."""
    db_path = _filled(tmp_path)
    (key_a, blob_a, sum_a), (key_b, blob_b, sum_b) = _rows(db_path)[:2]
    with sqlite3.connect(db_path) as db:
        db.execute("UPDATE predictions SET probs = ?, checksum = ? WHERE text = ?", (blob_b, sum_b, key_a))
        db.execute("UPDATE predictions SET probs = ?, checksum = ? WHERE text = ?", (blob_a, sum_a, key_b))
    db.close()
    probs, counts, _ = _rerun(tmp_path)
    assert counts["rejected"] == 2
    _assert_true_values(probs)


def _garbage_file(db_path: Path) -> None:
    db_path.write_bytes(b"this is not a database at all " * 400)


def _garbage_pages(db_path: Path) -> None:
    """Overwrite everything after the first page (the header stays valid)."""
    data = bytearray(db_path.read_bytes())
    page = int.from_bytes(data[16:18], "big")
    data[page:] = bytes((i * 37 + 11) % 256 for i in range(len(data) - page))
    db_path.write_bytes(bytes(data))


def _foreign_probs_table(db_path: Path) -> None:
    """Another program's (or an older layout's) table in the cache file."""
    db_path.unlink()
    with sqlite3.connect(db_path) as db:
        db.execute("CREATE TABLE probs (model TEXT, text TEXT, probs BLOB)")
        db.execute("INSERT INTO probs VALUES ('x', 'y', 'z')")
    db.close()


def _foreign_predictions_table(db_path: Path) -> None:
    db_path.unlink()
    with sqlite3.connect(db_path) as db:
        db.execute("CREATE TABLE predictions (a INTEGER)")
    db.close()


@pytest.mark.parametrize("damage", [_garbage_file, _garbage_pages, _foreign_probs_table, _foreign_predictions_table])
def test_a_damaged_or_foreign_cache_file_is_rebuilt(damage, tmp_path: Path) -> None:
    db_path = _filled(tmp_path)
    damage(db_path)
    probs, counts, _ = _rerun(tmp_path)
    _assert_true_values(probs)
    assert counts["rebuilt"] == 1 and counts["cached"] == 0
    assert (tmp_path / (FILE_NAME + ".corrupt")).is_file()
    probs, counts, clf = _rerun(tmp_path)  # the rebuilt file serves the next run
    assert clf.calls == [] and counts["rebuilt"] == 0


def test_a_cache_folder_that_is_a_file_is_one_error(tmp_path: Path) -> None:
    path = tmp_path / "cache"
    path.write_text("a file")
    with pytest.raises(AuditError, match="prediction cache") as exc:
        PredictionCache(path, KEY, len(LABELS))
    assert "\n" not in str(exc.value)


@pytest.mark.parametrize("bad", [np.nan, np.inf])
def test_non_finite_model_outputs_are_an_error_naming_the_texts_and_never_cached(bad: float, tmp_path: Path) -> None:
    def broken(texts: list[str]) -> np.ndarray:
        probs = np.stack([_probs(t) for t in texts])
        probs[[i for i, t in enumerate(texts) if t.endswith(("3", "7"))]] = bad
        return probs

    cache = PredictionCache(tmp_path, KEY, len(LABELS))
    with pytest.raises(AuditError, match=r"NaN or infinite probabilities for 2 text\(s\): .*nothing was cached") as exc:
        predict_unique(Counting(broken), TEXTS, cache)
    cache.close()
    assert "'text number 3'" in str(exc.value) and "'text number 7'" in str(exc.value)
    assert _rows(tmp_path / FILE_NAME) == []


def test_a_run_reports_rejected_rows_in_results(tiny_model: Path, tmp_path: Path,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    """End to end: a tampered row is recomputed, the run says so, and the labels are the model's."""
    data = tmp_path / "test.txt"
    data.write_text("text;label\ni feel happy;joy\ni feel sad;sadness\nim scared;fear\n", encoding="utf-8")
    argv = ["run", "--model", str(tiny_model), "--data", str(data), "--device", "cpu",
            "--cache-dir", str(tmp_path / "cache"), "--bootstrap", "1000"]
    assert main([*argv, "--out", str(tmp_path / "first"), "-q"]) == 0
    db_path = tmp_path / "cache" / FILE_NAME
    key, blob, _ = _rows(db_path)[0]
    _update(db_path, key, _swap_classes(blob), checksum=False)
    capsys.readouterr()
    assert main([*argv, "--out", str(tmp_path / "second")]) == 0
    assert "1 damaged row(s) rejected and recomputed" in capsys.readouterr().out
    first, second = (json.loads((tmp_path / o / "results.json").read_text()) for o in ("first", "second"))
    assert second["run"]["inference"]["rejected"] == 1
    preds = [[r["pred"] for r in map(json.loads, (tmp_path / o / "predictions.jsonl").read_text().splitlines())]
             for o in ("first", "second")]
    assert preds[0] == preds[1]
