"""Shared fixtures: the reference data and model beside the project, and a tiny model built here."""
from __future__ import annotations

import string
from pathlib import Path

import pytest

from audit.suite import SourceData

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
EMOTION_DATA = SHARED / "data" / "emotion"
REFERENCE_MODEL = SHARED / "models" / "emotion-minilm"
SEED_CARD = SHARED / "seed" / "README.md"
LABELS = ["sadness", "joy", "love", "anger", "fear", "surprise"]

_WORDS = ("i feel felt am im was not dont didnt happy sad angry love scared surprised so very "
          "really today it the a and to my me he she they you is of").split()


def read_split(folder: Path, split: str = "test") -> SourceData:
    """A ``text;label`` split file as the suites' SourceData (ids ``<split>-<row>``), split on each
    line's last semicolon, header skipped."""
    lines = (folder / f"{split}.txt").read_text(encoding="utf-8").splitlines()[1:]
    rows = [line.rsplit(";", 1) for line in lines if line]
    return SourceData([f"{split}-{k}" for k in range(len(rows))], [r[0] for r in rows], [r[1] for r in rows])


def _need(path: Path) -> Path:
    if not path.exists():
        pytest.skip(f"reference files not present: {path}")
    return path


@pytest.fixture(scope="session")
def emotion_data() -> Path:
    """Folder with the emotion train/validation/test files (skips when absent)."""
    return _need(EMOTION_DATA)


@pytest.fixture(scope="session")
def reference_model() -> Path:
    """Folder of the reference fine-tuned classifier (skips when absent)."""
    return _need(REFERENCE_MODEL)


@pytest.fixture(scope="session")
def seed_card() -> Path:
    """The seed model's card, markdown (skips when absent)."""
    return _need(SEED_CARD)


def build_tiny_model(folder: Path, *, generic_labels: bool = False, seed: int = 0) -> Path:
    """Save a tiny random DistilBERT classifier with a small WordPiece vocabulary to ``folder``."""
    import torch
    from transformers import DistilBertConfig, DistilBertForSequenceClassification, DistilBertTokenizer

    folder.mkdir(parents=True, exist_ok=True)
    vocab = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", *string.ascii_lowercase, *string.digits,
             *(f"##{c}" for c in string.ascii_lowercase), *_WORDS]
    tokenizer = DistilBertTokenizer(vocab={w: i for i, w in enumerate(dict.fromkeys(vocab))},
                                    do_lower_case=True)
    id2label = {i: (f"LABEL_{i}" if generic_labels else name) for i, name in enumerate(LABELS)}
    config = DistilBertConfig(vocab_size=len(tokenizer), dim=32, hidden_dim=64, n_layers=2, n_heads=2,
                              max_position_embeddings=128, num_labels=6, id2label=id2label,
                              label2id={v: k for k, v in id2label.items()})
    torch.manual_seed(seed)
    model = DistilBertForSequenceClassification(config).eval()
    model.save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    return folder


@pytest.fixture(scope="session")
def tiny_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A tiny random DistilBERT classifier with the six emotion labels, saved to a temp folder."""
    return build_tiny_model(tmp_path_factory.mktemp("tiny-model"))


@pytest.fixture(scope="session")
def reference_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A prediction cache shared by the session's runs of the reference model."""
    return tmp_path_factory.mktemp("reference-cache")


@pytest.fixture(scope="session")
def reference_audit(reference_model: Path, emotion_data: Path, reference_cache: Path,
                    tmp_path_factory: pytest.TempPathFactory):
    """One full audit of the reference model (test split and every suite), shared by all tests.

    Returns ``(audit, out_dir)`` with results.json and predictions.jsonl written to ``out_dir``.
    """
    from audit.results import write_outputs
    from audit.runner import evaluate

    audit = evaluate(str(reference_model), str(emotion_data), suites=["all"], device="cpu",
                     cache_dir=reference_cache, progress=False)
    out = tmp_path_factory.mktemp("reference-audit")
    write_outputs(out, audit.results, audit.records)
    return audit, out
