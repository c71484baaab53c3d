"""emotion-audit: evaluation and bias audits for text emotion classifiers."""
from __future__ import annotations

__version__ = "0.1.0"
