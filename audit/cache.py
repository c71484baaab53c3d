"""On-disk prediction cache and the one deduplicated inference pass of an audit.

Predictions are stored in a SQLite file (standard library; transactional, so a run killed midway
keeps every chunk it finished and the next run resumes from there). Rows are keyed by the
classifier's cache key (weights hash, tokenizer, max length, dtype, device) and the sha256 of the
text: any change to the weights invalidates them.
"""
from __future__ import annotations

import hashlib
import os
import sqlite3
from pathlib import Path
from typing import Iterable, Sequence

import numpy as np

from .errors import AuditError
from .model import Classifier

#: Texts tokenized and predicted at a time, and stored per cache transaction: bounds memory and
#: the work an interrupted run loses.
CHUNK = 2048


def default_cache_dir() -> Path:
    """``$EMOTION_AUDIT_CACHE`` or ``$XDG_CACHE_HOME/emotion-audit`` (``~/.cache/emotion-audit``)."""
    env = os.environ.get("EMOTION_AUDIT_CACHE")
    if env:
        return Path(env)
    return Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "emotion-audit"


def _text_key(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


class PredictionCache:
    """Probabilities by (model key, text) in ``<folder>/predictions.sqlite``."""

    def __init__(self, folder: Path, model_key: str) -> None:
        try:
            folder.mkdir(parents=True, exist_ok=True)
            self.db = sqlite3.connect(folder / "predictions.sqlite")
            self.db.execute("CREATE TABLE IF NOT EXISTS probs (model TEXT, text TEXT, probs BLOB, "
                            "PRIMARY KEY (model, text))")
        except (OSError, sqlite3.Error) as exc:
            raise AuditError(f"cannot open prediction cache in {folder}: {exc}") from exc
        self.model_key = model_key

    def get(self, texts: Iterable[str]) -> dict[str, np.ndarray]:
        """Cached probabilities for whichever of ``texts`` are present."""
        found: dict[str, np.ndarray] = {}
        keys = {_text_key(t): t for t in texts}
        items = list(keys.items())
        for start in range(0, len(items), 500):
            part = dict(items[start:start + 500])
            marks = ",".join("?" * len(part))
            rows = self.db.execute(f"SELECT text, probs FROM probs WHERE model = ? AND text IN ({marks})",
                                   [self.model_key, *part])
            for key, blob in rows:
                found[part[key]] = np.frombuffer(blob, dtype=np.float64)
        return found

    def put(self, texts: Sequence[str], probs: np.ndarray) -> None:
        """Store one chunk in a single transaction."""
        try:
            with self.db:
                self.db.executemany("INSERT OR REPLACE INTO probs VALUES (?, ?, ?)",
                                    [(self.model_key, _text_key(t), np.ascontiguousarray(p, dtype=np.float64).tobytes())
                                     for t, p in zip(texts, probs)])
        except sqlite3.Error as exc:
            raise AuditError(f"cannot write prediction cache: {exc}") from exc

    def close(self) -> None:
        self.db.close()


def predict_unique(
    classifier: Classifier, texts: Sequence[str], cache: PredictionCache | None = None
) -> tuple[dict[str, np.ndarray], dict[str, int]]:
    """Predict every distinct text once, reusing and filling the cache.

    Returns ``(probs_by_text, counts)`` with counts of ``requested``, ``unique``, ``cached`` and
    ``computed`` texts.
    """
    unique = list(dict.fromkeys(texts))
    found = cache.get(unique) if cache is not None else {}
    todo = [t for t in unique if t not in found]
    # Longest first across chunks, so every chunk's batches hold texts of similar length. Chunks
    # bound both memory (one chunk's token ids at a time) and what an interrupted run loses.
    todo.sort(key=len, reverse=True)
    for chunk in (todo[i:i + CHUNK] for i in range(0, len(todo), CHUNK)):
        probs = classifier.predict_proba(chunk)
        if cache is not None:
            cache.put(chunk, probs)
        found.update(zip(chunk, probs))
    counts = {"requested": len(texts), "unique": len(unique), "cached": len(unique) - len(todo),
              "computed": len(todo)}
    return found, counts
