"""Classifiers behind one small interface: ``labels`` and ``predict_proba(texts)``.

- :class:`TransformersClassifier` wraps any ``AutoModelForSequenceClassification`` (DistilBERT,
  BERT, RoBERTa ...) loaded from a local folder or the Hugging Face Hub, and runs it in batches
  of equally long texts whose shape depends only on that length, so a text's probabilities are
  the same bits whatever else is predicted with it, under ``torch.inference_mode``; for
  BERT and DistilBERT the last layer runs only where the head reads it (:mod:`audit.fastpath`).
- :class:`CallableClassifier` adapts any callable ``texts -> probabilities`` (a scikit-learn
  pipeline's ``predict_proba``, a lexicon baseline) so it is audited the same way.

Security defaults: ``trust_remote_code`` stays off unless the caller passes it, and only
safetensors weights are loaded unless pickle weights are explicitly allowed.
"""
from __future__ import annotations

import re
import sys
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Hashable, Protocol, Sequence

import numpy as np

from .errors import AuditError
from .model_files import (check_settings, pick_device, prediction_key, resolve_model_dir, sha256_files, tokenizer_files,
                          weight_files)

DEFAULT_MODEL = "Sathwik3/distilbert-emotion-classifier"
#: Default tokens per batch (batch rows x token length). Every batch holds texts of one token
#: length and exactly ``token_budget // length`` rows (see ``predict_proba``), so the last batch of
#: each length is topped up with filler rows; on CPU 1,024 tokens was fastest once those are paid
#: (2,048 computes 24% filler tokens on the full reference audit, 1,024 13%). A GPU wants large batches.
TOKEN_BUDGET = {"cpu": 1024, "cuda": 65536}
#: Default cap on texts per batch by device (the token budget usually binds first).
BATCH_SIZE = {"cpu": 64, "cuda": 1024}
#: Characters of a text tokenized per token of the length limit before the rest is cut off, so
#: tokenizing a huge text costs time and memory bounded by --max-length (see ``encode``).
CHARS_PER_TOKEN = 32
#: How far past the cut to look for whitespace to cut at (a cut inside a word could change it).
_CUT_WINDOW = 1000
_SPACE = re.compile(r"\s")


class Classifier(Protocol):
    """What the audit needs of a model."""

    labels: Sequence[str]

    def predict_proba(self, texts: Sequence[str]) -> np.ndarray:
        """Probabilities, shape ``(len(texts), len(labels))``, rows summing to 1."""

    def describe(self) -> dict[str, Any]:
        """Provenance for ``results.json``'s ``model`` section (id, sha256, device, dtype ...)."""

    def input_key(self, texts: Sequence[str]) -> list[Hashable]:
        """What the model reads of each text, as a hashable key: two texts with equal keys are the
        same input, so a case whose key equals its source's cannot test anything (a no-op).
        Optional: a classifier without it is compared on :func:`whitespace_key`."""

    def cache_key(self) -> str | None:
        """What every prediction depends on besides the text (weights, tokenizer, settings): the
        key of its rows in the prediction cache. Optional: a classifier without it, or whose key
        is None, is never cached (a callable's behaviour cannot be hashed)."""

    def token_lengths(self, texts: Sequence[str]) -> list[int]:
        """Each text's length in model tokens, counted up to ``max_length + 1`` (enough to tell
        which texts are truncated). Optional: without it ``dataset.n_truncated`` is null."""


def cache_key_of(classifier: Classifier) -> str | None:
    """The classifier's prediction cache key, or None when it has none (see :class:`Classifier`)."""
    key = getattr(classifier, "cache_key", None)
    return key() if key is not None else None


def whitespace_key(text: str) -> str:
    """The text with runs of whitespace made one space and the ends stripped: what any
    word-based model is assumed to read. Case is kept, since a callable may be case-sensitive."""
    return " ".join(text.split())


@dataclass
class CallableClassifier:
    """Adapt ``fn(texts) -> probabilities`` (label order ``labels``) to the :class:`Classifier` API.

    ``normalize`` maps a text to what ``fn`` actually reads (e.g. ``str.lower`` for a pipeline
    that lowercases), for no-op detection; by default :func:`whitespace_key`.
    """

    fn: Callable[[list[str]], Any]
    labels: Sequence[str]
    name: str = "callable"
    version: str | None = None
    normalize: Callable[[str], Hashable] | None = None

    def predict_proba(self, texts: Sequence[str]) -> np.ndarray:
        probs = np.asarray(self.fn(list(texts)), dtype=np.float64)
        if probs.shape != (len(texts), len(self.labels)):
            raise AuditError(f"classifier {self.name!r} returned shape {probs.shape}, expected "
                             f"({len(texts)}, {len(self.labels)})")
        return probs

    def describe(self) -> dict[str, Any]:
        return {"id": self.name, "sha256": self.version, "type": "callable", "device": "cpu",
                "dtype": "float64"}

    def input_key(self, texts: Sequence[str]) -> list[Hashable]:
        """Each text as ``normalize`` (default :func:`whitespace_key`) gives it."""
        normalize = self.normalize or whitespace_key
        return [normalize(text) for text in texts]


@dataclass
class TransformersClassifier:
    """A Hugging Face sequence classifier run in sorted token-budget batches.

    ``labels`` are the model's own ``id2label`` names, in output order; the audit maps them to the
    data's label names without changing them (see :mod:`audit.labels`).
    """

    model_id: str
    folder: Path
    model: Any
    tokenizer: Any
    device: str
    dtype: str
    max_length: int
    batch_size: int
    token_budget: int
    weights_sha256: str
    safetensors: bool
    labels: Sequence[str] = ()
    progress: bool = True
    cls_only_last_layer: bool = False
    n_truncated: int = 0
    stats: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def load(
        cls,
        model: str,
        *,
        device: str = "auto",
        dtype: str = "float32",
        max_length: int = 512,
        batch_size: int | None = None,
        token_budget: int | None = None,
        offline: bool = False,
        trust_remote_code: bool = False,
        allow_pickle: bool = False,
        progress: bool = True,
        weights_sha256: str | None = None,
    ) -> "TransformersClassifier":
        """Load tokenizer and model from a local folder or Hub id onto ``device``
        (``weights_sha256``: the weight files' hash, when the caller has just computed it)."""
        import torch
        from transformers import AutoModelForSequenceClassification, AutoTokenizer
        from transformers.utils import logging as hf_logging

        from . import fastpath  # torch, like transformers, is imported only when a model loads

        check_settings(max_length=max_length, batch_size=batch_size, dtype=dtype)
        dtypes = {"float32": torch.float32, "float16": torch.float16, "bfloat16": torch.bfloat16}
        device = pick_device(device)
        folder = resolve_model_dir(model, offline=offline)
        files, safetensors = weight_files(folder, allow_pickle)
        hf_logging.set_verbosity_error()
        hf_logging.disable_progress_bar()
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                tokenizer = AutoTokenizer.from_pretrained(folder, trust_remote_code=trust_remote_code)
                net = AutoModelForSequenceClassification.from_pretrained(
                    folder, trust_remote_code=trust_remote_code, use_safetensors=safetensors, dtype=dtypes[dtype])
        except Exception as exc:  # corrupt files, unknown architectures, remote code refused
            reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            raise AuditError(f"cannot load model from {folder}: {reason[:300]}") from exc
        net.to(device).eval()
        _check_vocabulary(tokenizer, net, folder)
        try:
            cls_only = fastpath.enable(net, lambda: {k: v.to(device) for k, v in tokenizer(
                ["i feel happy today", "a longer text so that the batch needs padding and a mask"],
                padding=True, return_tensors="pt").items() if k in ("input_ids", "attention_mask")})
        except (RuntimeError, IndexError, ValueError, TypeError) as exc:
            reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            raise AuditError(f"the model in {folder} fails on a two-text probe batch: {reason[:300]}") from exc
        max_length = min(max_length, tokenizer.model_max_length,
                         getattr(net.config, "max_position_embeddings", max_length))
        labels = [str(net.config.id2label[i]) for i in range(net.config.num_labels)]
        return cls(model_id=model, folder=folder, model=net, tokenizer=tokenizer, device=device, dtype=dtype,
                   max_length=max_length, batch_size=batch_size or BATCH_SIZE[device],
                   token_budget=token_budget or TOKEN_BUDGET[device], weights_sha256=weights_sha256 or sha256_files(files),
                   safetensors=safetensors, labels=labels, progress=progress, cls_only_last_layer=cls_only)

    def cache_key(self, device: str | None = None) -> str:
        """The prediction cache key (:func:`~audit.model_files.prediction_key`); ``device``: the
        key this model would have on another device, as a Ray engine's actors run it."""
        return prediction_key(weights_sha256=self.weights_sha256, tokenizer_sha256=self.tokenizer_sha256(),
                              max_length=self.max_length, dtype=self.dtype, device=device or self.device,
                              cls_only_last_layer=self.cls_only_last_layer, batch_size=self.batch_size,
                              token_budget=self.token_budget)

    def tokenizer_sha256(self) -> str:
        """sha256 of the tokenizer's files."""
        return sha256_files(tokenizer_files(self.folder))

    def describe(self) -> dict[str, Any]:
        config = self.model.config
        return {"id": self.model_id, "sha256": self.weights_sha256, "type": "transformers",
                "architecture": (config.architectures or [type(self.model).__name__])[0],
                "model_type": config.model_type, "num_parameters": int(sum(p.numel() for p in self.model.parameters())),
                "weights_format": "safetensors" if self.safetensors else "pickle",
                "device": self.device, "dtype": self.dtype, "cls_only_last_layer": self.cls_only_last_layer}

    def input_key(self, texts: Sequence[str]) -> list[Hashable]:
        """The token ids the model reads for each text (special tokens included, truncated at
        ``max_length``): casing for an uncased tokenizer, symbols that all become ``[UNK]`` and
        whitespace leave them unchanged."""
        return [tuple(ids) for ids in self.encode(texts)]

    def token_lengths(self, texts: Sequence[str]) -> list[int]:
        """Token counts with special tokens, up to ``max_length + 1``: enough to tell which texts
        are truncated, at a cost bounded by the limit however long a text is."""
        return [len(ids) for ids in self.encode(texts, self.max_length + 1)]

    def encode(self, texts: Sequence[str], limit: int | None = None) -> list[list[int]]:
        """Token ids with special tokens, truncated at ``limit`` (default ``max_length``), in time
        and memory bounded by the limit, not by the texts' length.

        A text longer than ``limit * CHARS_PER_TOKEN`` characters is cut there (at the next
        whitespace, when there is one within 1,000 characters) before tokenizing. When the cut
        text gives no more than ``limit`` tokens (mostly whitespace, or characters the tokenizer
        drops), the cut is widened four-fold until it gives more or the whole text is used, so the
        ids are those of the whole text truncated at ``limit``.
        """
        limit = limit or self.max_length
        texts = list(texts)
        chars = limit * CHARS_PER_TOKEN
        ids = self.tokenizer([cut_text(t, chars) for t in texts], truncation=True, max_length=limit,
                             verbose=False)["input_ids"]
        for i, text in enumerate(texts):
            if len(text) > chars:
                ids[i] = self._long_ids(text, limit)
        return ids

    def _long_ids(self, text: str, limit: int) -> list[int]:
        """Ids of a text longer than the first cut: widen the cut until it gives more than
        ``limit`` tokens (so the truncated ids cannot change) or is the whole text."""
        chars = limit * CHARS_PER_TOKEN
        cut = cut_text(text, chars)
        while len(cut) < len(text) and len(self._ids(cut, limit + 1)) <= limit:
            chars *= 4
            cut = cut_text(text, chars)
        return self._ids(cut, limit)

    def _ids(self, text: str, limit: int) -> list[int]:
        return self.tokenizer([text], truncation=True, max_length=limit, verbose=False)["input_ids"][0]

    def batch_rows(self, length: int) -> int:
        """Rows in every batch of texts ``length`` tokens long: the token budget's share, capped
        at ``batch_size``. A function of the length alone, so a text's batch shape never depends
        on what else is predicted with it."""
        return max(1, min(self.batch_size, self.token_budget // max(length, 1)))

    def predict_proba(self, texts: Sequence[str]) -> np.ndarray:
        """Probabilities for ``texts``, each computed in a batch whose shape depends only on the
        text's own token length, so a text gets the same bits whatever else is predicted with it.

        Texts are grouped by exact token length (no row is ever padded) and run longest-first in
        batches of exactly :meth:`batch_rows` rows; the last batch of a length is filled with
        copies of its last text, whose outputs are dropped. Float rounding in a matrix product
        depends on the shape of the batch (the kernel the BLAS picks for it) but not on the other
        rows it holds, so cached, uncached, resumed and shared-cache runs give identical
        probabilities (tests/test_determinism.py). The filler rows are the price: at most one
        batch per distinct length (README, Speed).
        """
        import torch

        texts = list(texts)
        out = np.zeros((len(texts), len(self.labels)), dtype=np.float64)
        if not texts:
            return out
        ids = self.encode(texts)
        groups: dict[int, list[int]] = {}
        for i, row in enumerate(ids):
            groups.setdefault(len(row), []).append(i)
        progress = _progress(len(texts), self.progress)
        for length in sorted(groups, reverse=True):
            members = groups[length]
            start = 0
            while start < len(members):
                size = self.batch_rows(length)
                rows = members[start:start + size]
                batch = [ids[i] for i in rows] + [ids[rows[-1]]] * (size - len(rows))
                try:
                    probs = self._forward(batch, torch)
                except torch.cuda.OutOfMemoryError:
                    self._halve_rows(size, torch)
                    continue
                out[rows] = probs[:len(rows)]
                start += len(rows)
                progress.update(len(rows))
        progress.close()
        return out

    def _halve_rows(self, size: int, torch: Any) -> None:
        """After CUDA ran out of memory on a batch of ``size`` rows: cap batches at half that many
        rows for the rest of the run (batch shapes, and so the last bits of later results, change)."""
        if size == 1:
            raise AuditError("CUDA out of memory on a single text; use --device cpu or a smaller --max-length")
        torch.cuda.empty_cache()
        self.batch_size = max(1, size // 2)
        self.stats["oom_halvings"] = self.stats.get("oom_halvings", 0) + 1

    def _forward(self, rows: list[list[int]], torch: Any) -> np.ndarray:
        """One batch of equally long rows through the model (no padding: the attention mask is all
        ones); softmax on the device, one copy back."""
        input_ids = torch.tensor(rows, dtype=torch.long, device=self.device)
        with torch.inference_mode():
            logits = self.model(input_ids=input_ids, attention_mask=torch.ones_like(input_ids)).logits
            return torch.softmax(logits.float(), dim=-1).cpu().numpy().astype(np.float64)


def cut_text(text: str, chars: int) -> str:
    """``text`` cut after about ``chars`` characters, at whitespace when one follows soon (also
    used to bound per-text work elsewhere, e.g. :mod:`audit.slices`)."""
    if len(text) <= chars:
        return text
    space = _SPACE.search(text, chars, chars + _CUT_WINDOW)
    return text[:space.start() if space else chars]


def _check_vocabulary(tokenizer: Any, net: Any, folder: Path) -> None:
    """Refuse a tokenizer whose ids reach past the model's embedding table: the first text using
    such an id would crash the model (an index error deep in torch)."""
    embeddings = net.get_input_embeddings()
    rows = getattr(embeddings, "num_embeddings", None)
    if rows is not None and len(tokenizer) > rows:
        raise AuditError(f"the tokenizer in {folder} has {len(tokenizer)} token ids but the model's embedding "
                         f"table has {rows} rows: they do not belong together")


def _progress(total: int, enabled: bool) -> Any:
    """A tqdm bar on stderr, silent when disabled or when stderr is not a terminal."""
    from tqdm.auto import tqdm

    return tqdm(total=total, unit="text", desc="inference", file=sys.stderr,
                disable=not enabled or not sys.stderr.isatty(), leave=False)
