"""The audit itself: load, generate suites, one deduplicated inference pass, score, assemble.

:func:`evaluate` is the Python API behind ``emotion-audit run``. It returns the ``results.json``
document and the per-case records of ``predictions.jsonl`` (with ``stream=True``, the split's
made on demand, :class:`Audit`); writing them is the caller's choice.
"""
from __future__ import annotations

import platform
import time
from contextlib import contextmanager
from dataclasses import dataclass, replace
from functools import partial
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable, Iterator, Mapping, Sequence

import numpy as np

from . import __version__
from .bias import combine as combine_bias
from .checklist_adapter import checklist_texts, run_checklist_suite
from .cache import CHUNK, PredictionCache, default_cache_dir, predict_unique
from .data import DEFAULT_DATASET, Dataset, load_data
from .disaggregation import disaggregate
from .engines import Engine, make_engine
from .errors import AuditError
from .label_issues import find_label_issues
from .labels import LabelMapping, dataset_label_order, gold_indices, model_labels
from .metric_registry import SPLIT
from .lazy_model import LazyClassifier
from .model import DEFAULT_MODEL, Classifier, cache_key_of
from .options import Options
from .noop import input_keys, noop_ids
from .resources import resource_dir
from .results import SCHEMA_VERSION
from .review import load_review, review_path, source_sha256, validity
from .slices import discover_slices
from .split_records import SplitRecords, report_sample, split_section, stack_probs
from .store import ArtifactStore, fingerprint, installed_versions, memoized, package_fingerprint, tree_fingerprint
from .suite import (GeneratedSuite, SourceData, SuiteContext, SuiteSpec, all_texts, discover, generator_module,
                    score_suite)
from .suite_cache import cached_evidence, cached_generate
from .train_check import describe_train, find_train_split, has_hook, train_source

_VERSIONED = ("torch", "transformers", "tokenizers", "numpy", "scipy", "scikit-learn", "datasets")


@dataclass
class Audit:
    """The outcome of :func:`evaluate`: the ``results.json`` document and the per-case records.

    ``records`` holds every case's record, split first, in ``predictions.jsonl`` order; with
    ``stream=True`` it holds the suites' records and only the split's records the report shows
    (:func:`~audit.split_records.report_sample`), and ``streamed`` makes the split's records on
    demand. :meth:`per_case` gives every record either way: write that, not ``records`` (the
    writers refuse predictions whose split is not whole, :func:`audit.results.whole_split`)."""

    results: dict[str, Any]
    records: list[dict[str, Any]]
    streamed: SplitRecords | None = None

    def per_case(self) -> Iterator[dict[str, Any]]:
        """Every case's record, in ``predictions.jsonl`` order (the split's made as they are taken)."""
        if self.streamed is None:
            yield from self.records
            return
        yield from self.streamed
        yield from (r for r in self.records if r["suite"] != SPLIT)


@dataclass
class Plan:
    """Everything decided before inference: data, model, labels, generated suites, texts to run,
    and the artifact store (None without the cache) that suites and evidence are kept in."""

    dataset: Dataset
    classifier: Classifier
    mapping: LabelMapping
    gold: list[int | None]
    generated: list[tuple[SuiteSpec, GeneratedSuite]]
    texts: list[str]
    timings: dict[str, float]
    source: SourceData
    store: ArtifactStore | None
    data_sha256: str

    @property
    def labels(self) -> list[str]:
        return list(self.mapping.labels)


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


def library_versions(names: Sequence[str] = _VERSIONED) -> dict[str, str]:
    """Versions of Python and the libraries whose behaviour the numbers depend on (``names``)."""
    installed = {name: version for name, version in installed_versions(names).items() if version is not None}
    return {"python": platform.python_version(), "emotion-audit": __version__, **installed}


def plan_audit(model: str | Classifier, data: str | Dataset, options: Options) -> Plan:
    """Load data and model, map labels and generate the suites: everything before inference.

    A model named by a string is a :class:`~audit.lazy_model.LazyClassifier`: with the cache,
    loaded only when something is not in it. The caller's classifier is used as it is (its
    ``labels`` are never changed: the mapped names are the plan's)."""
    o = options
    timings: dict[str, float] = {}
    started = time.perf_counter()
    store = ArtifactStore(o.cache_dir or default_cache_dir()) if o.use_cache else None
    dataset = data if isinstance(data, Dataset) else load_data(
        data, split=o.split, text_column=o.text_column, label_column=o.label_column,
        group_columns=o.group_columns, offline=o.offline, strict=o.strict)
    clf: Classifier = model if not isinstance(model, str) else LazyClassifier(model, o.loading, store)
    order = dataset_label_order(dataset.labels, o.label_names or dataset.label_names)
    mapping = model_labels(dict(enumerate(clf.labels)), order)
    labels = list(mapping.labels)
    gold = gold_indices(dataset.labels, labels, order)
    timings["load_s"] = time.perf_counter() - started - _loading(clf)

    with _timed(timings, "generate_s", clf):
        source = source_of(dataset, labels, gold)
        data_sha = source_sha256(source)
        specs = select_suites(o.suites, available_suites(o.suites_dirs)) if o.suites else []
        generated = [(spec, cached_generate(spec, source, labels, o.seed, store, data_sha)) for spec in specs]
        texts = list(dataset.texts)
        for _, suite in generated:
            texts += all_texts(suite.cases)
    return Plan(dataset, clf, mapping, gold, generated, texts, timings, source, store, data_sha)


def _loading(classifier: Classifier) -> float:
    """Seconds the classifier has spent loading its model (a
    :class:`~audit.lazy_model.LazyClassifier`'s ``load_s``; 0 for a classifier given loaded)."""
    return float(getattr(classifier, "load_s", 0.0))


@contextmanager
def _timed(timings: dict[str, float], name: str, classifier: Classifier) -> Iterator[None]:
    """Time the block into ``timings[name]``, less the seconds the classifier spent loading its
    model in it, which ``model_load_s`` counts instead."""
    started, loading = time.perf_counter(), _loading(classifier)
    yield
    timings[name] = time.perf_counter() - started - (_loading(classifier) - loading)


def source_of(dataset: Dataset, labels: Sequence[str], gold: Sequence[int | None]) -> SourceData:
    """The split as suites see it: its ids, texts and gold label names (``gold`` indexes ``labels``)."""
    return SourceData(ids=dataset.ids, texts=dataset.texts,
                      labels=[labels[g] if g is not None else None for g in gold])


def load_source(data: str, *, split: str = "test", text_column: str = "text", label_column: str = "label",
                offline: bool = False) -> tuple[SourceData, list[str]]:
    """A split as suites see it, without a model (``suites sample`` and ``review``): gold labels
    named in the data's own label order (its declared names, dair-ai/emotion's order for those
    names, else sorted), which the reference models share."""
    dataset = load_data(data, split=split, text_column=text_column, label_column=label_column, offline=offline)
    order = dataset_label_order(dataset.labels, dataset.label_names)
    labels = order or sorted({label for label in dataset.labels if label is not None})
    return source_of(dataset, labels, gold_indices(dataset.labels, labels, order)), labels


def plan_engine(plan: Plan, options: Options) -> Engine:
    """The inference engine ``options.engine`` for the plan's classifier (:mod:`audit.engines`)."""
    o = options
    return make_engine(o.engine, plan.classifier, ray=o.ray, offline=o.offline, trust_remote_code=o.trust_remote_code,
                       allow_pickle=o.allow_pickle, progress=o.progress)


def predict_plan(plan: Plan, options: Options, engine: Engine | None = None) -> tuple[dict[str, np.ndarray], dict[str, int]]:
    """The one deduplicated inference pass over every text the plan needs, through the cache, on
    ``engine`` (default: :func:`plan_engine`)."""
    engine = engine or plan_engine(plan, options)
    cache = None
    key = engine.cache_key()
    if options.use_cache and key is not None:
        cache = PredictionCache(options.cache_dir or default_cache_dir(), key, len(plan.labels))
    try:
        return predict_unique(plan.classifier, plan.texts, cache, run=engine.run)
    finally:
        if cache is not None:
            cache.close()


def evaluate(model: str | Classifier = DEFAULT_MODEL, data: str | Dataset = DEFAULT_DATASET,
             options: Options | None = None, *, checklist: Mapping[str, Any] | None = None,
             **overrides: Any) -> Audit:
    """Audit ``model`` on ``data``'s split and the chosen suites.

    ``model`` is a Hub id, a local folder, or any :class:`~audit.model.Classifier` (for example a
    :class:`~audit.model.CallableClassifier` around a scikit-learn pipeline). ``data`` is a Hub
    dataset id, a local path, or a loaded :class:`~audit.data.Dataset`. Settings come from
    ``options`` and/or keyword ``overrides`` of :class:`Options` fields, e.g.
    ``evaluate("my-model", "data/", suites=["all"], seed=1)``. ``checklist`` maps names to
    CheckList ``TestSuite`` objects (or single tests), run with the same batched inference; each
    lands in ``results["suites"]["checklist_<name>"]`` (needs the ``checklist`` extra).

    Every suite section also says how far its figures can be trusted: cases the model reads
    exactly like their source are no-ops, counted and not judged (:mod:`audit.noop`); the suite's
    shipped review is attached as ``validity`` (:mod:`audit.review`); and its generator's
    ``train_evidence`` hook, run on the training split, as ``train_evidence``
    (:mod:`audit.train_check`).
    """
    try:
        o = replace(options or Options(), **overrides)
    except TypeError as exc:
        raise AuditError(f"evaluate: {exc}") from exc
    started = time.perf_counter()
    checklist = dict(checklist or {})
    plan = plan_audit(model, data, o)
    timings = plan.timings
    for checklist_suite in checklist.values():  # predicted in the one pass, through the cache
        plan.texts += checklist_texts(checklist_suite)
    with _timed(timings, "inference_s", plan.classifier):
        engine = plan_engine(plan, o)
        probs_by_text, counts = predict_plan(plan, o, engine)

    with _timed(timings, "metrics_s", plan.classifier):
        split = SplitRecords(plan.dataset.ids, plan.dataset.texts, plan.gold, plan.labels, probs_by_text)
        sections, records = _score_suites(plan, split, o)
        for name, checklist_suite in checklist.items():
            section, suite_records = run_checklist_suite(
                checklist_suite, partial(stack_probs, probs_by_text, len(plan.labels)), plan.labels,
                suite_name=f"checklist_{name}", input_keys=partial(input_keys, plan.classifier))
            sections[f"checklist_{name}"] = section
            records += suite_records
        bias = _bias_section(plan, sections, split, o)
        dataset = {**_dataset_section(plan, o), "train": _train_evidence(plan, data, sections, o)}
    discoveries = _discoveries(plan, split, o, timings)
    started_records = time.perf_counter()  # the records the run holds: part of scoring
    held = report_sample(split, discoveries) if o.stream else list(split)
    timings["metrics_s"] += time.perf_counter() - started_records
    timings["model_load_s"] = _loading(plan.classifier)
    timings["total_s"] = time.perf_counter() - started
    results = _document(plan, o, run={"created_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
                                       "durations": {k: round(v, 3) for k, v in timings.items()},
                                       "inference": counts, "engine": engine.describe()},
                        dataset=dataset, sections=sections)
    if bias is not None:
        results["bias"] = bias
    results.update(discoveries)
    return Audit(results=results, records=held + records, streamed=split if o.stream else None)


def _document(plan: Plan, o: Options, *, run: dict[str, Any], dataset: dict[str, Any],
              sections: dict[str, Any]) -> dict[str, Any]:
    """``results.json`` without its optional ``bias`` and discovery sections."""
    if plan.store is not None:
        run["artifacts"] = {"rejected": plan.store.rejected, "rebuilt": plan.store.rebuilt}
    return {
        "schema_version": SCHEMA_VERSION,
        "tool": {"name": "emotion-audit", "version": __version__},
        "run": run,
        "model": {**plan.classifier.describe(), "labels": plan.labels,
                  "label_mapping_assumed": plan.mapping.assumed, "label_mapping_note": plan.mapping.note},
        "dataset": dataset,
        "config": {"seed": o.seed, "stream": o.stream, "batch_size": getattr(plan.classifier, "batch_size", o.batch_size),
                   "max_length": getattr(plan.classifier, "max_length", o.max_length),
                   "bootstrap_resamples": o.n_resamples, "suites": [spec.name for spec, _ in plan.generated],
                   "versions": library_versions()},
        "suites": sections,
    }


def _score_suites(plan: Plan, split: SplitRecords,
                  o: Options) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The split's section and each generated suite's (with its review as ``validity``), and the
    per-case records of the suites."""
    probs_by_text = split.probs_by_text
    sections = {SPLIT: split_section(split, n_resamples=o.n_resamples, seed=o.seed, stream=o.stream)}
    records: list[dict[str, Any]] = []
    keys = input_keys(plan.classifier, (t for _, suite in plan.generated for t in all_texts(suite.cases)))
    for spec, suite in plan.generated:
        module = generator_module(spec)
        section, suite_records = score_suite(
            spec, suite, plan.labels, probs_by_text.__getitem__, seed=o.seed, n_resamples=o.n_resamples,
            breakdown=spec.params.get("breakdown", ()), extra=getattr(module, "summarize", None),
            noop=noop_ids(suite.cases, keys))
        section["validity"] = validity(load_review(review_path(spec)), spec, cases_sha256=section["cases_sha256"],
                                       data_sha256=plan.data_sha256, seed=o.seed)
        sections[spec.name] = section
        records += suite_records
    return sections, records


def _train_evidence(plan: Plan, data: str | Dataset, sections: dict[str, Any], o: Options) -> dict[str, Any] | None:
    """Set each suite's ``train_evidence`` (None where its generator has no hook or no training
    split was found); return ``dataset.train``, the training split used, or None."""
    hooked = []
    for spec, _ in plan.generated:
        sections[spec.name]["train_evidence"] = None
        if has_hook(spec):
            hooked.append(spec)
    if not hooked or not o.train_check:
        return None
    train, automatic = find_train_split(data, o.train_data, text_column=o.text_column,
                                        label_column=o.label_column, offline=o.offline)
    if train is None:
        return None
    source = train_source(train, plan.labels, o.label_names, automatic)
    train_sha = source_sha256(source)
    for spec in hooked:
        sections[spec.name]["train_evidence"] = cached_evidence(
            SuiteContext(spec, plan.source, plan.labels, o.seed), source, plan.store, data_sha256=plan.data_sha256,
            train_sha256=train_sha)
    return describe_train(train, source)


def _discoveries(plan: Plan, split: SplitRecords, o: Options, timings: dict[str, float]) -> dict[str, Any]:
    """``label_issues`` (None when ``o.label_issues`` is off) and ``slices`` of the split, each
    timed into ``timings``. Both depend only on the predictions, the data, the seed (and for slices
    the shipped word lists), so with a cacheable model they are kept in the artifact store: the
    imports of cleanlab and scipy.stats alone take well over a second."""
    probs = split.probs()
    model_key = cache_key_of(plan.classifier)
    inputs = {"model": model_key, "data": plan.data_sha256, "labels": plan.labels, "seed": o.seed,
              "n_resamples": o.n_resamples, "code": package_fingerprint(),
              "versions": library_versions((*_VERSIONED, "cleanlab"))}

    def through_store(kind: str, make: Callable[[], Any], **more: Any) -> Any:
        key = None if model_key is None else fingerprint({**inputs, **more})
        return memoized(plan.store, kind, key, make, encode=lambda found: found, decode=lambda found: found)

    out: dict[str, Any] = {"label_issues": None}
    t = time.perf_counter()
    if o.label_issues:
        out["label_issues"] = through_store("label-issues", lambda: find_label_issues(
            plan.dataset.ids, plan.gold, probs, plan.labels, seed=o.seed, n_resamples=o.n_resamples))
        timings["label_issues_s"] = time.perf_counter() - t
    t = time.perf_counter()
    max_length = getattr(plan.classifier, "max_length", o.max_length)
    out["slices"] = through_store("slices", lambda: discover_slices(
        plan.dataset.ids, plan.dataset.texts, plan.gold, probs, plan.labels, seed=o.seed, n_resamples=o.n_resamples,
        max_length=max_length), max_length=max_length, word_lists=tree_fingerprint(resource_dir("suites")))
    timings["slices_s"] = time.perf_counter() - t
    return out


def _bias_section(plan: Plan, sections: dict[str, Any], split: SplitRecords, o: Options) -> dict[str, Any] | None:
    """Combine the counterfactual summary of the suite that ``feeds: bias`` (moved out of its suite
    section) with metrics disaggregated by the data's group columns."""
    counterfactual = None
    for spec, _ in plan.generated:
        if spec.feeds == "bias":
            counterfactual = sections[spec.name].pop("extra", None)
    data = None
    if o.group_columns:
        preds = split.probs().argmax(axis=1).tolist()
        data = disaggregate([g if g is not None else -1 for g in plan.gold], preds,
                            plan.dataset.groups, plan.labels, seed=o.seed, n_resamples=o.n_resamples)
    return combine_bias(counterfactual, data)


def _dataset_section(plan: Plan, o: Options) -> dict[str, Any]:
    """``results.json``'s ``dataset``: identity, size, hash and class distribution of the split."""
    dataset, clf = plan.dataset, plan.classifier
    n_truncated = None
    token_lengths = getattr(clf, "token_lengths", None)
    if token_lengths is not None:
        limit = getattr(clf, "max_length", o.max_length)
        n_truncated = sum(int(n > limit) for start in range(0, len(dataset.texts), CHUNK)
                          for n in token_lengths(dataset.texts[start:start + CHUNK]))
    return {"name": dataset.name, "split": dataset.split, "size": len(dataset.texts),
            "n_labeled": sum(g is not None for g in plan.gold), "sha256": dataset.sha256(),
            "texts_sha256": dataset.texts_sha256(),
            "class_distribution": {label: sum(g == i for g in plan.gold) for i, label in enumerate(plan.labels)},
            "n_empty_skipped": dataset.n_empty, "n_truncated": n_truncated,
            "group_columns": list(o.group_columns)}
