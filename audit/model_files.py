"""A model's files, before anything is loaded: where they are, which may be loaded, their hashes.

Nothing here imports torch or transformers (except :func:`pick_device`, which must ask torch), so
a run whose predictions all come from the cache can name and key its model without loading it
(:mod:`audit.lazy_model`); :class:`audit.model.TransformersClassifier` loads from the same files.
"""
from __future__ import annotations

import hashlib
import sys
from pathlib import Path
from typing import Sequence

from . import hub
from .errors import AuditError

#: The floating-point types a model may be run in.
DTYPES = ("float32", "float16", "bfloat16")
_PICKLE_WEIGHTS = ("pytorch_model.bin", "pytorch_model.bin.index.json", "tf_model.h5", "flax_model.msgpack")
_TOKENIZER_NAMES = ("vocab.txt", "merges.txt", "spm.model")
#: Files that hold a tokenizer's vocabulary (fast, WordPiece, BPE, SentencePiece). Without one,
#: transformers builds a tokenizer of a few special tokens that reads every word as [UNK], and the
#: audit's figures would be silently meaningless.
_VOCABULARY_NAMES = ("tokenizer.json", "vocab.txt", "vocab.json", "spm.model", "sentencepiece.bpe.model",
                     "tokenizer.model")
#: Device files of the GPU drivers torch can use on Linux (NVIDIA, AMD ROCm, WSL).
_GPU_DEVICE_FILES = ("nvidiactl", "kfd", "dxg")


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
        return require_vocabulary(path)
    if not hub.is_hub_id(model):
        raise AuditError(f"model path not found: {model}")
    online = hub.prepare(offline)
    try:
        from huggingface_hub import snapshot_download

        folder = Path(snapshot_download(model, revision=revision,
                                        allow_patterns=["*.json", "*.safetensors", "*.txt", "*.model",
                                                        "*.bin", "*.bin.index.json"]))
    except Exception as exc:  # network errors, missing repos and gated repos all end here
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        where = "" if online else "the Hub is not reachable or offline mode is on, and it is not cached; "
        raise AuditError(f"cannot load model {model!r} from the Hub: {where}{reason[:200]}; "
                         f"pass a local model folder with --model") from exc
    return require_vocabulary(folder)


def require_vocabulary(folder: Path) -> Path:
    """``folder``, after checking it holds a tokenizer vocabulary file (see ``_VOCABULARY_NAMES``)."""
    if not any((folder / name).is_file() for name in _VOCABULARY_NAMES):
        raise AuditError(f"model folder {folder} has no tokenizer vocabulary (expected one of "
                         f"{', '.join(_VOCABULARY_NAMES)})")
    return folder


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


def check_settings(*, max_length: int, batch_size: int | None, dtype: str) -> None:
    """Refuse loading settings no model can take, before anything is loaded."""
    if max_length < 2:
        raise AuditError(f"--max-length must be at least 2, got {max_length}")
    if batch_size is not None and batch_size < 1:
        raise AuditError(f"--batch-size must be at least 1, got {batch_size}")
    if dtype not in DTYPES:
        raise AuditError(f"unknown dtype {dtype!r} (use {', '.join(DTYPES)})")


def tokenizer_files(folder: Path) -> list[Path]:
    """The files a tokenizer is loaded from (``tokenizer.json``, ``tokenizer_config.json``,
    ``vocab.txt`` ...)."""
    return [p for p in folder.iterdir() if p.is_file() and ("token" in p.name or p.name in _TOKENIZER_NAMES)]


def prediction_key(*, weights_sha256: str, tokenizer_sha256: str, max_length: int, dtype: str, device: str,
                   cls_only_last_layer: bool, batch_size: int, token_budget: int) -> str:
    """The prediction cache key: what the predictions depend on besides the text (weights,
    tokenizer, max length, dtype, device, and the batch shapes, which set the last bits of every
    probability)."""
    parts = [weights_sha256, tokenizer_sha256, str(max_length), dtype, device,
             "cls-only" if cls_only_last_layer else "full", f"rows={batch_size}/{token_budget}"]
    return hashlib.sha256("|".join(parts).encode()).hexdigest()


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


def resolve_device(device: str, dev: Path = Path("/dev")) -> str:
    """:func:`pick_device`, without importing torch where the answer is known without it: ``cpu``
    is the CPU, and on Linux with no GPU driver's device file in ``/dev`` (CUDA cannot run without
    one) ``auto`` is the CPU and ``cuda`` the same error as torch would give."""
    if device == "cpu":
        return device
    if device in ("auto", "cuda") and sys.platform.startswith("linux") and dev.is_dir() \
            and not any((dev / name).exists() for name in _GPU_DEVICE_FILES):
        if device == "cuda":
            raise AuditError("--device cuda was asked for but no CUDA device is available")
        return "cpu"
    return pick_device(device)
