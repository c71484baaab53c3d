"""No-op detection: a derived case whose model input equals its source's is not a test.

Upper-casing a text cannot change what an uncased model reads, ten different emoji all become
``[UNK]``, and extra spaces vanish in tokenization: such a case "passes" an invariance test
without testing anything, and would inflate the pass rate. The audit compares what the model
reads of a case and of its source (:meth:`~audit.model.Classifier.input_key`: token ids for a
transformers model, whitespace-normalized text for a callable), marks equal pairs ``no_op``, and
leaves them out of every pass rate, flip rate and metric, counting them instead.
"""
from __future__ import annotations

from typing import Hashable, Iterable, Sequence

from .cache import CHUNK
from .model import Classifier, whitespace_key
from .suite import Case

#: Why a case's input equals its source's, in the order they are tried.
CAUSES: tuple[str, ...] = ("whitespace", "casing", "tokenizer")
#: A rule is "mostly" no-ops from this share of its cases on.
MOSTLY = 0.5


def input_keys(classifier: Classifier, texts: Iterable[str]) -> dict[str, Hashable]:
    """What ``classifier`` reads of each distinct text, by text (chunks of :data:`CHUNK`)."""
    unique = list(dict.fromkeys(texts))
    key_of = getattr(classifier, "input_key", None)
    keys: list[Hashable] = []
    for start in range(0, len(unique), CHUNK):
        chunk = unique[start:start + CHUNK]
        keys += key_of(chunk) if key_of is not None else [whitespace_key(t) for t in chunk]
    return dict(zip(unique, keys))


def noop_ids(cases: Sequence[Case], keys: dict[str, Hashable]) -> frozenset[str]:
    """Ids of the cases with a source text whose input key equals the source's."""
    return frozenset(c.id for c in cases if c.source_text is not None and keys[c.text] == keys[c.source_text])


def cause(text: str, source: str) -> str:
    """Why two texts the model reads alike differ (see :data:`CAUSES`): only in whitespace, only
    in letter case (besides whitespace), or in something else the tokenizer discards or maps to
    the same tokens (symbols read as ``[UNK]``, accents an uncased model strips)."""
    if whitespace_key(text) == whitespace_key(source):
        return "whitespace"
    if whitespace_key(text).lower() == whitespace_key(source).lower():
        return "casing"
    return "tokenizer"
