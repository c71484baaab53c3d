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

import hashlib
import re
import sys
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Hashable, Protocol, Sequence

import numpy as np

from . import hub
from .errors import AuditError

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
_PICKLE_WEIGHTS = ("pytorch_model.bin", "pytorch_model.bin.index.json", "tf_model.h5", "flax_model.msgpack")


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


def sha256_files(paths: Sequence[Path]) -> str:
    """sha256 over the files' names and bytes, in name order."""
    h = hashlib.sha256()
    for path in sorted(paths, key=lambda p: p.name):
        h.update(path.name.encode() + b"\0")
        with path.open("rb") as fh:
            for chunk in iter(lambda: fh.read(1 << 20), b""):
                h.update(chunk)
    return h.hexdigest()


def resolve_model_dir(model: str, *, offline: bool = False, revision: str | None = None) -> Path:
    """A local folder holding the model: ``model`` itself, or a Hub snapshot downloaded to the cache."""
    path = Path(model).expanduser()
    if path.exists():
        if not path.is_dir():
            raise AuditError(f"model path is not a folder: {model}")
        if not (path / "config.json").is_file():
            raise AuditError(f"model folder has no config.json: {model}")
        return path
    if not hub.is_hub_id(model):
        raise AuditError(f"model path not found: {model}")
    online = hub.prepare(offline)
    try:
        from huggingface_hub import snapshot_download

        return Path(snapshot_download(model, revision=revision,
                                      allow_patterns=["*.json", "*.safetensors", "*.txt", "*.model",
                                                      "*.bin", "*.bin.index.json"]))
    except Exception as exc:  # network errors, missing repos and gated repos all end here
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        where = "" if online else "the Hub is not reachable or offline mode is on, and it is not cached; "
        raise AuditError(f"cannot load model {model!r} from the Hub: {where}{reason[:200]}; "
                         f"pass a local model folder with --model") from exc


def weight_files(folder: Path, allow_pickle: bool) -> tuple[list[Path], bool]:
    """The weight files to load and whether they are safetensors; refuses pickle unless allowed."""
    safe = sorted(folder.glob("*.safetensors"))
    if safe:
        return safe, True
    pickled = [folder / name for name in _PICKLE_WEIGHTS if (folder / name).is_file()]
    pickled += sorted(folder.glob("pytorch_model-*.bin"))
    if not pickled:
        raise AuditError(f"no model weights in {folder} (expected model.safetensors)")
    if not allow_pickle:
        raise AuditError(f"{folder} has only pickle weights ({pickled[0].name}), which can run code when "
                         f"loaded; convert them to safetensors or pass --allow-pickle if you trust them")
    return pickled, False


def pick_device(device: str) -> str:
    """``auto`` means CUDA when available, else CPU; an explicit ``cuda`` without a GPU is an error."""
    import torch

    if device == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    if device == "cuda" and not torch.cuda.is_available():
        raise AuditError("--device cuda was asked for but no CUDA device is available")
    if device not in ("cpu", "cuda"):
        raise AuditError(f"unknown device {device!r} (use auto, cpu or cuda)")
    return device


@dataclass
class TransformersClassifier:
    """A Hugging Face sequence classifier run in sorted token-budget batches.

    ``labels`` is set by the caller after label mapping (see :mod:`audit.labels`); before that it
    holds the model's own ``id2label`` names.
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
    ) -> "TransformersClassifier":
        """Load tokenizer and model from a local folder or Hub id onto ``device``."""
        import torch
        from transformers import AutoModelForSequenceClassification, AutoTokenizer
        from transformers.utils import logging as hf_logging

        from . import fastpath  # torch, like transformers, is imported only when a model loads

        if max_length < 2:
            raise AuditError(f"--max-length must be at least 2, got {max_length}")
        if batch_size is not None and batch_size < 1:
            raise AuditError(f"--batch-size must be at least 1, got {batch_size}")
        dtypes = {"float32": torch.float32, "float16": torch.float16, "bfloat16": torch.bfloat16}
        if dtype not in dtypes:
            raise AuditError(f"unknown dtype {dtype!r} (use {', '.join(dtypes)})")
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
                   token_budget=token_budget or TOKEN_BUDGET[device], weights_sha256=sha256_files(files),
                   safetensors=safetensors, labels=labels, progress=progress, cls_only_last_layer=cls_only)

    def cache_key(self) -> str:
        """What the predictions depend on besides the text: weights, tokenizer, max length, dtype,
        device, and the batch shapes (which set the last bits of every probability)."""
        tok_files = [p for p in self.folder.iterdir()
                     if p.is_file() and ("token" in p.name or p.name in ("vocab.txt", "merges.txt", "spm.model"))]
        parts = [self.weights_sha256, sha256_files(tok_files), str(self.max_length), self.dtype, self.device,
                 "cls-only" if self.cls_only_last_layer else "full", f"rows={self.batch_size}/{self.token_budget}"]
        return hashlib.sha256("|".join(parts).encode()).hexdigest()

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
                    self._halve_budget(size, torch)
                    continue
                out[rows] = probs[:len(rows)]
                start += len(rows)
                progress.update(len(rows))
        progress.close()
        return out

    def _halve_budget(self, size: int, torch: Any) -> None:
        """After CUDA ran out of memory on a batch of ``size`` rows: halve the token budget for
        the rest of the run (batch shapes, and so the last bits of later results, change)."""
        if size == 1:
            raise AuditError("CUDA out of memory on a single text; use --device cpu or a smaller --max-length")
        torch.cuda.empty_cache()
        self.batch_size = max(1, size // 2)
        self.stats["oom_halvings"] = self.stats.get("oom_halvings", 0) + 1

    def _forward(self, rows: list[list[int]], torch: Any) -> np.ndarray:
        """One batch of equally long rows through the model (no padding, so no attention mask);
        softmax on the device, one copy back."""
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
