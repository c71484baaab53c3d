"""On-disk prediction cache and the one deduplicated inference pass of an audit.

Predictions are stored in a SQLite file (standard library; transactional, so a run killed midway
keeps every chunk it finished and the next run resumes from there). Rows are keyed by the
classifier's cache key (weights hash, tokenizer, max length, dtype, device) and the sha256 of the
text: any change to the weights invalidates them.

The cache never serves a row it cannot vouch for. Each row stores a sha256 over its key and its
probabilities; on reading, a row is used only if the checksum matches and the probabilities are
``n_labels`` finite numbers in [0, 1] summing to 1 (within :data:`SUM_TOLERANCE`). A row that
fails is deleted, recomputed and counted (``rejected``). A file that is not a cache of this
format (garbage pages, another program's tables, an older layout) is moved aside to
``predictions.sqlite.corrupt`` and rebuilt (counted in ``rebuilt``; :class:`audit.store.SqliteFile`,
which the cache folder's other file, ``artifacts.sqlite``, shares). The checksum detects
corruption and edits that do not recompute it; it is not a defence against a forger who does.
"""
from __future__ import annotations

import hashlib
import os
import sqlite3
from functools import partial
from pathlib import Path
from typing import Callable, Iterable, Iterator, Sequence

import numpy as np

from .errors import AuditError
from .model import Classifier
from .store import SqliteFile, blob_checksum, key_batches

#: Texts tokenized and predicted at a time, and stored per cache transaction: bounds memory and
#: the work an interrupted run loses.
CHUNK = 2048
#: Layout version, stored as SQLite's ``user_version``; a file with another one is rebuilt.
SCHEMA_VERSION = 2
#: Largest distance of a cached row's sum from 1 (float32 softmax rounding is about 1e-7).
SUM_TOLERANCE = 1e-5
FILE_NAME = "predictions.sqlite"
#: Texts named in the error about non-finite model outputs.
_SHOWN = 3


def default_cache_dir() -> Path:
    """``$EMOTION_AUDIT_CACHE`` or ``$XDG_CACHE_HOME/emotion-audit`` (``~/.cache/emotion-audit``)."""
    env = os.environ.get("EMOTION_AUDIT_CACHE")
    if env:
        return Path(env)
    return Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "emotion-audit"


def _text_key(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def row_checksum(model_key: str, text_key: str, blob: bytes) -> bytes:
    """sha256 binding a row's probabilities to its model and text (a blob moved to another row fails)."""
    return blob_checksum(model_key, text_key, blob=blob)


def valid_probs(probs: np.ndarray, n_labels: int) -> bool:
    """``n_labels`` finite probabilities in [0, 1] summing to 1 within :data:`SUM_TOLERANCE`."""
    return (probs.shape == (n_labels,) and bool(np.isfinite(probs).all()) and bool((probs >= 0).all())
            and bool((probs <= 1).all()) and abs(float(probs.sum()) - 1.0) <= SUM_TOLERANCE)


class PredictionCache(SqliteFile):
    """Probabilities by (model key, text) in ``<folder>/predictions.sqlite``.

    ``rejected`` counts rows refused on reading; ``rebuilt`` counts files moved aside and rebuilt.
    """

    FILE_NAME = FILE_NAME
    WHAT = "prediction cache"
    TABLE = "predictions"
    COLUMNS = (("model", "TEXT"), ("text", "TEXT"), ("probs", "BLOB"), ("checksum", "BLOB"))
    SCHEMA_VERSION = SCHEMA_VERSION

    def __init__(self, folder: Path, model_key: str, n_labels: int) -> None:
        self.model_key = model_key
        self.n_labels = n_labels
        self.rejected = 0
        super().__init__(folder)

    def get(self, texts: Iterable[str]) -> dict[str, np.ndarray]:
        """Cached probabilities for whichever of ``texts`` are present and intact; rows that fail
        their checks are deleted (and so recomputed by the caller) and counted in ``rejected``."""
        keys = {_text_key(t): t for t in texts}
        try:
            return self._get(keys)
        except sqlite3.Error as exc:
            self.recover(exc)
            return {}

    def _get(self, keys: dict[str, str]) -> dict[str, np.ndarray]:
        found: dict[str, np.ndarray] = {}
        bad: list[str] = []
        for part in key_batches(list(keys)):
            marks = ",".join("?" * len(part))
            rows = self.db.execute(f"SELECT text, probs, checksum FROM predictions WHERE model = ? AND text IN ({marks})",
                                   [self.model_key, *part]).fetchall()
            for key, blob, checksum in rows:
                probs = self._intact(key, blob, checksum)
                if probs is None:
                    bad.append(key)
                else:
                    found[keys[key]] = probs
        if bad:
            self.rejected += len(bad)
            with self.db:
                self.db.executemany("DELETE FROM predictions WHERE model = ? AND text = ?",
                                    [(self.model_key, key) for key in bad])
        return found

    def _intact(self, key: str, blob: object, checksum: object) -> np.ndarray | None:
        """The row's probabilities if its checksum and values hold, else ``None``."""
        if not isinstance(blob, bytes) or not isinstance(checksum, bytes):
            return None
        if checksum != row_checksum(self.model_key, key, blob) or len(blob) != 8 * self.n_labels:
            return None
        probs = np.frombuffer(blob, dtype=np.float64)
        return probs if valid_probs(probs, self.n_labels) else None

    def put(self, texts: Sequence[str], probs: np.ndarray) -> None:
        """Store one chunk in a single transaction (only rows that are valid probabilities)."""
        rows = []
        for text, row in zip(texts, probs):
            row = np.ascontiguousarray(row, dtype=np.float64)
            if valid_probs(row, self.n_labels):
                key, blob = _text_key(text), row.tobytes()
                rows.append((self.model_key, key, blob, row_checksum(self.model_key, key, blob)))
        self.write("INSERT OR REPLACE INTO predictions VALUES (?, ?, ?, ?)", rows)


def check_finite(texts: Sequence[str], probs: np.ndarray) -> None:
    """Refuse model outputs that are not finite numbers, naming the texts (nothing is cached)."""
    bad = [i for i, row in enumerate(np.asarray(probs, dtype=np.float64)) if not np.isfinite(row).all()]
    if bad:
        shown = ", ".join(repr(texts[i][:60] + ("…" if len(texts[i]) > 60 else "")) for i in bad[:_SHOWN])
        more = f" and {len(bad) - _SHOWN} more" if len(bad) > _SHOWN else ""
        raise AuditError(f"the model gave NaN or infinite probabilities for {len(bad)} text(s): {shown}{more}; "
                         f"its weights may be damaged, or the --dtype too narrow (try --dtype float32); "
                         f"nothing was cached")


def predict_chunks(classifier: Classifier, texts: Sequence[str]) -> Iterator[tuple[list[str], np.ndarray]]:
    """``(chunk, probabilities)`` for ``texts`` in chunks of :data:`CHUNK`, in this process (the
    local engine). Chunks bound both memory (one chunk's token ids at a time) and what an
    interrupted run loses."""
    for start in range(0, len(texts), CHUNK):
        chunk = list(texts[start:start + CHUNK])
        yield chunk, classifier.predict_proba(chunk)


def predict_unique(
    classifier: Classifier, texts: Sequence[str], cache: PredictionCache | None = None,
    run: Callable[[Sequence[str]], Iterable[tuple[list[str], np.ndarray]]] | None = None,
) -> tuple[dict[str, np.ndarray], dict[str, int]]:
    """Predict every distinct text once, reusing and filling the cache.

    ``run`` is the engine's pass over the texts still needed (default :func:`predict_chunks`,
    in this process; see :mod:`audit.engines`); each chunk it yields is checked and cached before
    the next is asked for. Returns ``(probs_by_text, counts)`` with counts of ``requested``,
    ``unique``, ``cached`` and ``computed`` texts, and with a cache, of ``rejected`` cache rows and
    ``rebuilt`` cache files.
    """
    unique = list(dict.fromkeys(texts))
    found = cache.get(unique) if cache is not None else {}
    todo = [t for t in unique if t not in found]
    # Longest first across chunks, so every chunk's batches hold texts of similar length.
    todo.sort(key=len, reverse=True)
    for chunk, probs in (run or partial(predict_chunks, classifier))(todo):
        check_finite(chunk, probs)
        if cache is not None:
            cache.put(chunk, probs)
        found.update(zip(chunk, probs))
    counts = {"requested": len(texts), "unique": len(unique), "cached": len(unique) - len(todo),
              "computed": len(todo)}
    if cache is not None:
        counts.update(rejected=cache.rejected, rebuilt=cache.rebuilt)
    return found, counts
