"""The local engine: the classifier in this process, in chunks of :data:`audit.cache.CHUNK` texts."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterator, Sequence

import numpy as np

from ..cache import predict_chunks
from ..model import Classifier, TransformersClassifier


@dataclass
class LocalEngine:
    """Run ``classifier`` here (:func:`audit.cache.predict_chunks`)."""

    classifier: Classifier

    def run(self, texts: Sequence[str]) -> Iterator[tuple[list[str], np.ndarray]]:
        return predict_chunks(self.classifier, texts)

    def cache_key(self) -> str | None:
        """The classifier's own key; only Transformers classifiers are cached (a callable's
        behaviour cannot be hashed)."""
        return self.classifier.cache_key() if isinstance(self.classifier, TransformersClassifier) else None

    def describe(self) -> dict[str, Any]:
        return {"name": "local"}
