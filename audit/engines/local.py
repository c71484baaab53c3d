"""The local engine: the classifier in this process, in chunks of :data:`audit.cache.CHUNK` texts."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterator, Sequence

import numpy as np

from ..cache import predict_chunks
from ..model import Classifier, cache_key_of


@dataclass
class LocalEngine:
    """Run ``classifier`` here (:func:`audit.cache.predict_chunks`)."""

    classifier: Classifier

    def run(self, texts: Sequence[str]) -> Iterator[tuple[list[str], np.ndarray]]:
        return predict_chunks(self.classifier, texts)

    def cache_key(self) -> str | None:
        """The classifier's own key, if it has one (a callable's behaviour cannot be hashed)."""
        return cache_key_of(self.classifier)

    def describe(self) -> dict[str, Any]:
        return {"name": "local"}
