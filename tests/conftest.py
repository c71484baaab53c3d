"""Shared fixtures: the reference data and model beside the project, and a tiny model built here."""
from __future__ import annotations

import copy
import string
from pathlib import Path

import pytest

from audit.suite import SourceData
from audit.validate import Invalid, check_results

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


def write_synthetic_run(folder: Path) -> Path:
    """``results.json`` and ``predictions.jsonl`` of an audit of a synthetic classifier, with no
    model: a 120-text split with gold labels, calibration and a group column (so a ``bias``
    section), and a suite ``toy`` of INV cases with source texts, two rules and a breakdown, so
    every kind of section the report, the card and the gate read is present; two of its cases are
    no-ops (counted, never scored). Returns results.json."""
    import numpy as np

    from audit.data import Dataset
    from audit.model import CallableClassifier
    from audit.results import RESULTS_FILE, write_outputs
    from audit.runner import evaluate
    from audit.suite import Case, Expectation, GeneratedSuite, SuiteSpec, score_suite

    def pred(text: str) -> int:
        i = int(text.split()[1])
        return (i + (1 if i % 7 == 0 or (text.isupper() and i % 5 == 0) else 0)) % 6

    def fn(texts: list[str]) -> np.ndarray:
        probs = np.full((len(texts), 6), 0.06)
        for row, text in enumerate(texts):
            probs[row, pred(text)] = 0.7
        return probs

    clf = CallableClassifier(fn, LABELS, name="synthetic")
    n = 120
    texts = [f"case {i} text" for i in range(n)]
    data = Dataset("synthetic", "test", texts, [LABELS[i % 6] for i in range(n)],
                   groups={"group": ["a" if i % 3 else "b" for i in range(n)]})
    audit = evaluate(clf, data, group_columns=["group"], progress=False)
    cases = [Case(f"toy:{rule}:{i}", make(texts[i]), Expectation("INV"), source_id=f"test-{i}",
                  source_text=texts[i], rule=rule, meta={"form": rule})
             for rule, make in (("upper", str.upper), ("exclaim", lambda t: t + " !")) for i in range(0, n, 2)]
    spec = SuiteSpec("toy", "synthetic suite", "toy", "INV", {}, Path("toy.yaml"))
    section, records = score_suite(spec, GeneratedSuite(cases, coverage={"upper": {"n_candidates": n, "n_changed": n // 2}}),
                                   LABELS, lambda text: clf.predict_proba([text])[0], seed=0, n_resamples=1000,
                                   breakdown=("form",), noop={"toy:upper:2", "toy:exclaim:4"})
    audit.results["suites"]["toy"] = section
    write_outputs(folder, audit.results, audit.records + records)
    return folder / RESULTS_FILE


@pytest.fixture(scope="session")
def synthetic_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """``results.json`` of :func:`write_synthetic_run` (predictions.jsonl beside it); copy it
    before changing it."""
    return write_synthetic_run(tmp_path_factory.mktemp("synthetic-run"))


def assert_section_refused(results: dict, section: str, edit, where: str) -> None:
    """``edit`` applied to a copy of ``results[section]`` makes the validator refuse the document
    with an error starting at the key path ``where``."""
    bad = copy.deepcopy(results)
    edit(bad[section])
    with pytest.raises(Invalid) as exc:
        check_results(bad)
    assert str(exc.value).startswith(where)
