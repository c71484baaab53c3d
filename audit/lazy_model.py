"""A Transformers classifier that is loaded only when something must be predicted or tokenized.

Of the model, a re-run whose predictions all come from the cache needs only what ``results.json``
says about it and the keys of its caches: its labels, effective max length, description and
prediction cache key, and each text's token count and input key (:mod:`audit.noop`). Loading it
(torch, transformers, the weights, the fast-path probe) takes seconds. :class:`LazyClassifier`
keeps both in the cache folder's :class:`~audit.store.ArtifactStore`:

- the model's *facts* (labels, effective max length, batch geometry, whether the [CLS]-only last
  layer is on, ``describe()`` less the id), keyed by the sha256 of its config, tokenizer and
  weight files (and its code files when remote code is trusted), the loading settings, the
  versions of torch, transformers, tokenizers and safetensors, and this package's source;
- each text's token count (up to ``max_length + 1``) and a 16-byte digest of the token ids the
  model reads, keyed by the tokenizer's files, the effective max length, the same versions and
  source, and the text.

The first time something is missing it loads the model (:meth:`TransformersClassifier.load`, the
same checks and errors) and stores what it learnt; a model whose files, settings or libraries
changed has other keys, so it is loaded and described afresh. Without a store (``--no-cache``)
the model is loaded at once, as before.
"""
from __future__ import annotations

import hashlib
import struct
import time
from dataclasses import dataclass
from typing import Any, Hashable, Sequence

import numpy as np

from .errors import AuditError
from .model import TransformersClassifier
from .model_files import (check_settings, prediction_key, resolve_device, resolve_model_dir, sha256_files,
                          tokenizer_files, weight_files)
from .store import ArtifactStore, fingerprint, installed_versions, package_fingerprint

#: Libraries whose versions can change what loading gives.
_LIBRARIES = ("torch", "transformers", "tokenizers", "safetensors")
#: Artifact kinds: a model's facts, and the token counts and input keys of its texts.
FACTS = "model-facts"
TOKENS = "tokens"
#: Token count (unsigned 32-bit) and input key digest, per text.
_TOKEN_ROW = struct.Struct("<I16s")
_FACT_TYPES: dict[str, type | tuple[type, ...]] = {
    "labels": list, "max_length": int, "batch_size": int, "token_budget": int, "cls_only_last_layer": bool,
    "describe": dict}


@dataclass(frozen=True)
class LoadSettings:
    """How to load the model (the ``emotion-audit run`` model flags)."""

    device: str = "auto"
    dtype: str = "float32"
    max_length: int = 512
    batch_size: int | None = None
    offline: bool = False
    trust_remote_code: bool = False
    allow_pickle: bool = False
    progress: bool = True


def facts_of(clf: TransformersClassifier) -> dict[str, Any]:
    """What a loaded classifier's results and cache keys need of it (``describe()`` less the id)."""
    return {"labels": [str(label) for label in clf.labels], "max_length": clf.max_length,
            "batch_size": clf.batch_size, "token_budget": clf.token_budget,
            "cls_only_last_layer": clf.cls_only_last_layer,
            "describe": {k: v for k, v in clf.describe().items() if k != "id"}}


def _well_formed(facts: Any) -> bool:
    return isinstance(facts, dict) and set(facts) == set(_FACT_TYPES) and all(
        isinstance(facts[k], t) for k, t in _FACT_TYPES.items())


def input_digest(ids: Sequence[int]) -> bytes:
    """16 bytes standing for a sequence of token ids: equal ids, equal digests."""
    return hashlib.sha256(np.asarray(ids, dtype=np.int64).tobytes()).digest()[:16]


class LazyClassifier:
    """``model`` as a :class:`~audit.model.TransformersClassifier` with ``settings``, loaded on
    first need (see the module docs). Errors in the settings, the model path and the weight files
    are raised at once, as loading would raise them. ``load_s`` is the time spent loading."""

    def __init__(self, model: str, settings: LoadSettings, store: ArtifactStore | None = None) -> None:
        s = settings
        check_settings(max_length=s.max_length, batch_size=s.batch_size, dtype=s.dtype)
        self.model_id = model
        self.settings = settings
        self.store = store
        self.device = resolve_device(s.device)
        self.folder = resolve_model_dir(model, offline=s.offline)
        weights, _ = weight_files(self.folder, s.allow_pickle)
        self.load_s = 0.0
        self._model: TransformersClassifier | None = None
        self.facts: dict[str, Any] = {}
        self._inputs = {"weights": sha256_files(weights), "tokenizer": sha256_files(tokenizer_files(self.folder)),
                        "config": sha256_files([self.folder / "config.json"]),
                        "remote_code": sha256_files(sorted(self.folder.glob("*.py"))) if s.trust_remote_code else None,
                        "versions": installed_versions(_LIBRARIES), "code": package_fingerprint()}
        self._facts_key = fingerprint({**self._inputs, "device": self.device, "dtype": s.dtype,
                                       "max_length": s.max_length, "batch_size": s.batch_size})
        facts = store.get_json(FACTS, self._facts_key) if store is not None else None
        if facts is not None and not _well_formed(facts):
            store.drop(FACTS, self._facts_key)
            facts = None
        self.facts = facts if facts is not None else self._learn_facts()
        self._tokens_kind = f"{TOKENS}:{fingerprint({**self._inputs, 'weights': None, 'max_length': self.max_length})}"

    def _learn_facts(self) -> dict[str, Any]:
        facts = facts_of(self.load())
        if self.store is not None:
            self.store.put_json(FACTS, self._facts_key, facts)
        return facts

    def load(self) -> TransformersClassifier:
        """The loaded classifier (loaded now if it was not). A model that loads other than its
        stored facts say (a library changed its behaviour without changing its version) is an
        error, since predictions were already looked up under the facts' cache key."""
        if self._model is None:
            s = self.settings
            started = time.perf_counter()
            self._model = TransformersClassifier.load(  # the folder: a Hub id is not resolved twice
                str(self.folder), device=self.device, dtype=s.dtype, max_length=s.max_length, batch_size=s.batch_size,
                offline=s.offline, trust_remote_code=s.trust_remote_code, allow_pickle=s.allow_pickle,
                progress=s.progress, weights_sha256=self._inputs["weights"])
            self.load_s += time.perf_counter() - started
            if self.facts and self.facts != facts_of(self._model) and self.store is not None:
                self.store.drop(FACTS, self._facts_key)
                raise AuditError(f"the model in {self.folder} loaded differently from what the artifact cache "
                                 f"recorded for its files; the record was dropped: run the audit again")
        return self._model

    @property
    def labels(self) -> list[str]:
        return list(self.facts["labels"])

    @property
    def max_length(self) -> int:
        return int(self.facts["max_length"])

    @property
    def batch_size(self) -> int:
        """Rows per batch: the loaded model's (halved after running out of GPU memory), else the facts'."""
        return self._model.batch_size if self._model is not None else int(self.facts["batch_size"])

    @property
    def token_budget(self) -> int:
        return int(self.facts["token_budget"])

    @property
    def dtype(self) -> str:
        return self.settings.dtype

    @property
    def cls_only_last_layer(self) -> bool:
        return bool(self.facts["cls_only_last_layer"])

    def describe(self) -> dict[str, Any]:
        return {"id": self.model_id, **self.facts["describe"]}

    def cache_key(self, device: str | None = None) -> str:
        """The prediction cache key, the loaded model's (``device``: on another device)."""
        return prediction_key(weights_sha256=self._inputs["weights"], tokenizer_sha256=self._inputs["tokenizer"],
                              max_length=self.max_length, dtype=self.dtype, device=device or self.device,
                              cls_only_last_layer=self.cls_only_last_layer, batch_size=int(self.facts["batch_size"]),
                              token_budget=self.token_budget)

    def predict_proba(self, texts: Sequence[str]) -> np.ndarray:
        return self.load().predict_proba(texts)

    def input_key(self, texts: Sequence[str]) -> list[Hashable]:
        """A digest of the token ids the model reads of each text (:func:`input_digest`)."""
        return [digest for _, digest in self._token_rows(texts)]

    def token_lengths(self, texts: Sequence[str]) -> list[int]:
        """Token counts with special tokens, up to ``max_length + 1``."""
        return [length for length, _ in self._token_rows(texts)]

    def _token_rows(self, texts: Sequence[str]) -> list[tuple[int, bytes]]:
        """``(token count, input digest)`` of each text, from the store or the tokenizer."""
        keys = [hashlib.sha256(t.encode("utf-8", "surrogatepass")).hexdigest() for t in texts]
        found = self._stored_rows(keys)
        missing = {key: text for key, text in zip(keys, texts) if key not in found}
        if missing:
            computed = dict(zip(missing, self._tokenize(list(missing.values()))))
            if self.store is not None:
                self.store.put_many(self._tokens_kind, {key: _TOKEN_ROW.pack(*row) for key, row in computed.items()})
            found.update(computed)
        return [found[key] for key in keys]

    def _stored_rows(self, keys: list[str]) -> dict[str, tuple[int, bytes]]:
        if self.store is None:
            return {}
        blobs = self.store.get_many(self._tokens_kind, keys)
        return {key: _TOKEN_ROW.unpack(blob) for key, blob in blobs.items() if len(blob) == _TOKEN_ROW.size}

    def _tokenize(self, texts: list[str]) -> list[tuple[int, bytes]]:
        """One tokenizer pass at ``max_length + 1`` gives the counts; a text longer than
        ``max_length`` is read again at ``max_length`` for the ids the model reads."""
        model = self.load()
        ids = model.encode(texts, self.max_length + 1)
        long = [i for i, row in enumerate(ids) if len(row) > self.max_length]
        read = dict(zip(long, model.encode([texts[i] for i in long]))) if long else {}
        return [(len(row), input_digest(read.get(i, row))) for i, row in enumerate(ids)]