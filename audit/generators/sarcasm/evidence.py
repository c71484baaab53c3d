"""What the training data says: how training texts that already fit a sarcasm frame are labelled.
"""
from __future__ import annotations

import re
from collections import Counter
from typing import Any, Sequence

from ...errors import AuditError
from ...metrics import rate_with_ci
from ...suite import SourceData, SuiteContext
from ..lexicon import load_lexicon
from .data import load_data
from .declarations import POSITIVE_LABELS, Kind


def _words(text: str) -> list[str]:
    """A text as lowercase words, apostrophes dropped ("Don't" -> "dont"), as the phrases are written."""
    return re.findall(r"[a-z0-9]+", text.lower().replace("'", "").replace("\u2019", ""))


def sarcasm_frame(text: str, kinds: Sequence[Kind], complaint: frozenset[str]) -> str | None:
    """The phrase kind whose frame ``text`` already fits, or None.

    A text fits when it opens with a sarcastic phrase of a phrase-first kind (or ends with one of a
    phrase-last kind) and the rest of it, where the situation would stand, holds a complaint word.
    """
    words = _words(text)
    for kind in kinds:
        for phrase in kind.sarcastic:
            phrase_words = phrase.text.split()
            size = len(phrase_words)
            if len(words) <= size:
                continue
            head, rest = ((words[:size], words[size:]) if kind.phrase_first
                          else (words[-size:], words[:-size]))
            if head == phrase_words and complaint & set(rest):
                return kind.name
    return None


def train_evidence(ctx: SuiteContext, train: SourceData) -> dict[str, Any]:
    """How the training texts that already fit a sarcasm frame are labelled.

    A training text fits when it opens (or closes) with one of the suite's sarcastic phrases and
    the rest names a complaint: a cue word, in ``params.lexicon``, of a label some negative
    situation allows. The suite expects such a text to carry one of those negative labels
    (``n_consistent``); a training label of joy or love is the reading it counts as a failure.
    """
    if "lexicon" not in ctx.spec.params:
        raise AuditError(f"suite {ctx.spec.name!r}: params.lexicon (complaint cue words) is needed "
                         "to look for sarcasm frames in training texts")
    data = load_data(ctx)
    lexicon = load_lexicon(ctx.data_path(ctx.spec.params["lexicon"]))
    negative = data.negative_labels
    complaint = frozenset(word for label in negative if label in lexicon for word in lexicon[label].cues)
    matched = [label for text, label in zip(train.texts, train.labels)
               if sarcasm_frame(text, data.kinds, complaint)]
    counts = Counter(label for label in matched if label is not None)
    n_consistent = sum(counts[label] for label in negative)
    n_positive = sum(counts[label] for label in POSITIVE_LABELS)
    if matched:
        texts = "text opens or closes" if len(matched) == 1 else "texts open or close"
        summary = (f"train: {len(matched)} {texts} with a sarcastic positive phrase around a complaint; "
                   f"{100 * n_positive / len(matched):.0f}% are labelled joy or love, which this suite "
                   f"counts as a failure")
    else:
        summary = ("train: no text opens or closes with a sarcastic positive phrase around a "
                   "complaint, so the training data sets no convention for this suite's cases")
    return {
        "n_train": len(train.texts),
        "n_matched": len(matched),
        "n_consistent": n_consistent,
        "consistent_rate": rate_with_ci(n_consistent, len(matched)) if matched else None,
        "label_counts": dict(counts),
        "summary": summary,
    }
