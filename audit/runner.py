"""The audit itself: load, generate suites, one deduplicated inference pass, score, assemble.

:func:`evaluate` is the Python API behind ``emotion-audit run``. It returns the ``results.json``
document and the per-case records of ``predictions.jsonl``; writing them is the caller's choice.
"""
from __future__ import annotations

import platform
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from importlib import metadata
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from . import __version__
from .cache import PredictionCache, default_cache_dir, predict_unique
from .data import DEFAULT_DATASET, Dataset, load_data
from .errors import AuditError
from .labels import dataset_label_order, gold_indices, model_labels
from .metrics import classification_metrics
from .model import DEFAULT_MODEL, Classifier, TransformersClassifier
from .resources import resource_dir
from .results import SCHEMA_VERSION
from .suite import SourceData, SuiteSpec, all_texts, discover, generate, generator_module, score_suite

_VERSIONED = ("torch", "transformers", "tokenizers", "numpy", "scipy", "scikit-learn", "datasets")


@dataclass
class Audit:
    """The outcome of :func:`evaluate`: the ``results.json`` document and the per-case records."""

    results: dict[str, Any]
    records: list[dict[str, Any]]


def available_suites(suites_dirs: Sequence[Path] = ()) -> dict[str, SuiteSpec]:
    """Built-in suite declarations plus those in ``suites_dirs`` (which override by name)."""
    return discover([resource_dir("suites"), *map(Path, suites_dirs)])


def select_suites(names: Sequence[str], specs: dict[str, SuiteSpec]) -> list[SuiteSpec]:
    """Resolve ``--suites`` (names, or ``all``) against the available declarations."""
    if list(names) == ["all"]:
        return list(specs.values())
    unknown = [n for n in names if n not in specs]
    if unknown:
        raise AuditError(f"unknown suite {unknown[0]!r} (available: {', '.join(sorted(specs)) or 'none'}, or all)")
    return [specs[n] for n in dict.fromkeys(names)]


def library_versions() -> dict[str, str]:
    """Versions of Python and the libraries whose behaviour the numbers depend on."""
    versions = {"python": platform.python_version(), "emotion-audit": __version__}
    for name in _VERSIONED:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
    return versions


def evaluate(
    model: str | Classifier = DEFAULT_MODEL,
    data: str | Dataset = DEFAULT_DATASET,
    *,
    split: str = "test",
    text_column: str = "text",
    label_column: str = "label",
    group_columns: Sequence[str] = (),
    label_names: Sequence[str] | None = None,
    suites: Sequence[str] = (),
    suites_dirs: Sequence[Path] = (),
    device: str = "auto",
    dtype: str = "float32",
    batch_size: int = 64,
    max_length: int = 512,
    seed: int = 0,
    n_resamples: int = 1000,
    cache_dir: Path | None = None,
    use_cache: bool = True,
    offline: bool = False,
    trust_remote_code: bool = False,
    allow_pickle: bool = False,
    strict: bool = False,
    progress: bool = True,
) -> Audit:
    """Audit ``model`` on ``data``'s ``split`` and the named suites.

    ``model`` is a Hub id, a local folder, or any :class:`~audit.model.Classifier` (for example a
    :class:`~audit.model.CallableClassifier` around a scikit-learn pipeline). ``data`` is a Hub
    dataset id, a local path, or a loaded :class:`~audit.data.Dataset`. Every random choice derives
    from ``seed``. See the README for the meaning of every field of the result.
    """
    if n_resamples < 1000:
        raise AuditError(f"--bootstrap must be at least 1000 resamples, got {n_resamples}")
    timings: dict[str, float] = {}
    started = time.perf_counter()

    dataset = data if isinstance(data, Dataset) else load_data(
        data, split=split, text_column=text_column, label_column=label_column,
        group_columns=group_columns, offline=offline, strict=strict)
    clf: Classifier = model if not isinstance(model, str) else TransformersClassifier.load(
        model, device=device, dtype=dtype, max_length=max_length, batch_size=batch_size,
        offline=offline, trust_remote_code=trust_remote_code, allow_pickle=allow_pickle, progress=progress)
    order = dataset_label_order(dataset.labels, label_names or dataset.label_names)
    mapping = model_labels(dict(enumerate(clf.labels)), order)
    clf.labels = list(mapping.labels)
    labels = list(mapping.labels)
    gold = gold_indices(dataset.labels, labels, order)
    timings["load_s"] = time.perf_counter() - started

    t = time.perf_counter()
    source = SourceData(ids=dataset.ids, texts=dataset.texts,
                        labels=[labels[g] if g is not None else None for g in gold])
    specs = select_suites(suites, available_suites(suites_dirs)) if suites else []
    generated = [(spec, generate(spec, source, labels, seed)) for spec in specs]
    timings["generate_s"] = time.perf_counter() - t

    t = time.perf_counter()
    texts = list(dataset.texts)
    for _, suite in generated:
        texts += all_texts(suite.cases)
    cache = None
    if use_cache and isinstance(clf, TransformersClassifier):
        cache = PredictionCache(cache_dir or default_cache_dir(), clf.cache_key())
    try:
        probs_by_text, counts = predict_unique(clf, texts, cache)
    finally:
        if cache is not None:
            cache.close()
    timings["inference_s"] = time.perf_counter() - t

    t = time.perf_counter()
    probs = np.stack([probs_by_text[x] for x in dataset.texts])
    preds = probs.argmax(axis=1)
    labelled = np.array([g is not None for g in gold])
    y_true = np.array([g if g is not None else -1 for g in gold])
    test_section: dict[str, Any] = {"kind": "split", "n": int(labelled.sum()), "n_unlabeled": int((~labelled).sum())}
    if labelled.any():
        test_section["metrics"] = classification_metrics(
            y_true[labelled], preds[labelled], labels, probs[labelled], n_resamples=n_resamples, seed=seed)
    records = [
        {"suite": "test", "id": cid, "text": text, "label": labels[g] if g is not None else None,
         "pred": labels[int(p)], "probs": [float(x) for x in row]}
        for cid, text, g, p, row in zip(dataset.ids, dataset.texts, gold, preds, probs)
    ]
    suite_sections = {"test": test_section}
    for spec, suite in generated:
        module = generator_module(spec)
        section, suite_records = score_suite(
            spec, suite, labels, probs_by_text.__getitem__, seed=seed, n_resamples=n_resamples,
            breakdown=spec.params.get("breakdown", ()), extra=getattr(module, "summarize", None))
        suite_sections[spec.name] = section
        records += suite_records
    timings["metrics_s"] = time.perf_counter() - t
    timings["total_s"] = time.perf_counter() - started

    n_truncated = None
    if isinstance(clf, TransformersClassifier):
        n_truncated = int(sum(n > clf.max_length for n in clf.token_lengths(dataset.texts)))
    distribution = {label: int(np.sum(y_true == i)) for i, label in enumerate(labels)}
    results: dict[str, Any] = {
        "schema_version": SCHEMA_VERSION,
        "tool": {"name": "emotion-audit", "version": __version__},
        "run": {"created_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
                "durations": {k: round(v, 3) for k, v in timings.items()}, "inference": counts},
        "model": {**clf.describe(), "labels": labels, "label_mapping_assumed": mapping.assumed,
                  "label_mapping_note": mapping.note},
        "dataset": {"name": dataset.name, "split": dataset.split, "size": len(dataset.texts),
                    "n_labeled": int(labelled.sum()), "sha256": dataset.sha256(),
                    "class_distribution": distribution, "n_empty_skipped": dataset.n_empty,
                    "n_truncated": n_truncated, "group_columns": list(group_columns)},
        "config": {"seed": seed, "batch_size": batch_size, "max_length": max_length,
                   "bootstrap_resamples": n_resamples, "suites": [s.name for s in specs],
                   "versions": library_versions()},
        "suites": suite_sections,
    }
    return Audit(results=results, records=records)
