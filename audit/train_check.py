"""What the training data says: is a suite's failure a model defect or a label convention?

A model trained on data whose annotators labelled "i didnt feel humiliated" as sadness learns
to do the same; a negation suite then counts that faithful learning as a failure. For each suite
whose generator module has the optional hook ``train_evidence(ctx, train)``, the audit looks in
the training split for texts that already show the suite's pattern (with the suite's own
matchers) and reports how they are labelled relative to the suite's expectation:
``suites.<name>.train_evidence``. The training split is ``--train-data``, else the ``train``
split of ``--data`` when that is a folder or a Hub dataset that has one; ``--no-train-check``
skips it.

The hook returns ``{"n_train", "n_matched", "n_consistent", "consistent_rate" (a rate with a
Wilson interval, or None when nothing matched), "label_counts", "summary"}`` (see
:data:`EVIDENCE_KEYS`); evidence and expectation *disagree* (:func:`disagrees`) when even the
interval's upper bound of the consistent share lies below :data:`DISAGREE_BELOW`.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any, Mapping, Sequence

from . import hub
from .data import LOCAL_FORMATS, Dataset, load_data
from .errors import AuditError
from .labels import dataset_label_order, gold_indices
from .suite import SourceData, SuiteContext, SuiteSpec, generator_module

#: The keys a ``train_evidence`` hook must return, with their types.
EVIDENCE_KEYS: dict[str, type | tuple[type, ...]] = {
    "n_train": int, "n_matched": int, "n_consistent": int, "consistent_rate": (dict, type(None)),
    "label_counts": dict, "summary": str}
#: Evidence disagrees with a suite's expectation when the upper bound of the consistent share's
#: 95% interval is below this: most training texts with the pattern carry a label the suite
#: would count as a failure.
DISAGREE_BELOW = 0.5
_AUTO_HINT = "the train split was picked up automatically; pass --no-train-check to skip it"


def find_train_split(data: str | Dataset, train_data: str | Dataset | None, *, text_column: str = "text",
                     label_column: str = "label", offline: bool = False) -> tuple[Dataset | None, bool]:
    """The training split and whether it was picked up automatically.

    ``train_data`` (a path, Hub id or loaded :class:`Dataset`) is used when given; otherwise the
    ``train`` split of ``data`` when ``data`` is a local folder with a train file or a Hub dataset
    that has (or has cached) a train split; otherwise ``None``.
    """
    options = {"split": "train", "text_column": text_column, "label_column": label_column, "offline": offline}
    if isinstance(train_data, Dataset):
        return train_data, False
    if train_data is not None:
        return load_data(str(train_data), **options), False
    if isinstance(data, Dataset):
        return None, True
    folder = Path(data).expanduser()
    if folder.is_dir():
        has_train = any((folder / f"train{ending}").is_file() for ending in LOCAL_FORMATS)
        return (_load_auto(str(folder), options) if has_train else None), True
    if hub.is_hub_id(data):
        try:
            return load_data(data, **options), True
        except AuditError:  # no train split, or not reachable: nothing to check against
            return None, True
    return None, True


def _load_auto(data: str, options: Mapping[str, Any]) -> Dataset:
    """Load an automatically found train split; its errors say how to skip it."""
    try:
        return load_data(data, **options)
    except AuditError as exc:
        raise AuditError(f"{exc} ({_AUTO_HINT})") from exc


def train_source(train: Dataset, labels: Sequence[str], label_names: Sequence[str] | None,
                 automatic: bool) -> SourceData:
    """The training split as suites see it: gold labels named in the model's labels."""
    order = dataset_label_order(train.labels, label_names or train.label_names)
    try:
        gold = gold_indices(train.labels, labels, order)
    except AuditError as exc:
        raise AuditError(f"training data {train.name}: {exc}" + (f" ({_AUTO_HINT})" if automatic else "")) from exc
    return SourceData(train.ids, train.texts, [labels[g] if g is not None else None for g in gold])


def has_hook(spec: SuiteSpec) -> bool:
    """Whether the suite's generator offers ``train_evidence``."""
    return callable(getattr(generator_module(spec), "train_evidence", None))


def evidence(ctx: SuiteContext, train: SourceData) -> dict[str, Any]:
    """The suite's ``train_evidence(ctx, train)``, checked (:func:`check_evidence`)."""
    return check_evidence(ctx.spec.name, generator_module(ctx.spec).train_evidence(ctx, train))


def check_evidence(name: str, found: Any) -> dict[str, Any]:
    """``found`` if it is suite ``name``'s evidence as :data:`EVIDENCE_KEYS` says, else an
    :class:`AuditError` naming what is wrong."""
    if not isinstance(found, dict):
        raise AuditError(f"suite {name!r}: train_evidence returned {type(found).__name__}, not a dict")
    for key, typ in EVIDENCE_KEYS.items():
        if key not in found:
            raise AuditError(f"suite {name!r}: train_evidence result has no {key!r}")
        if not isinstance(found[key], typ) or isinstance(found[key], bool):
            raise AuditError(f"suite {name!r}: train_evidence {key!r} has the wrong type "
                             f"({type(found[key]).__name__})")
    if not 0 <= found["n_consistent"] <= found["n_matched"] <= found["n_train"]:
        raise AuditError(f"suite {name!r}: train_evidence counts must satisfy "
                         f"0 <= n_consistent <= n_matched <= n_train")
    return found


def disagrees(found: Mapping[str, Any] | None) -> bool:
    """Whether training evidence contradicts the suite's expectation (see :data:`DISAGREE_BELOW`)."""
    rate = (found or {}).get("consistent_rate")
    return bool(rate) and rate.get("value") is not None and rate["ci_high"] < DISAGREE_BELOW


def describe_train(train: Dataset, source: SourceData) -> dict[str, Any]:
    """``results.json``'s ``dataset.train``: which training split the evidence comes from."""
    return {"name": train.name, "split": train.split, "size": len(train.texts),
            "n_labeled": sum(label is not None for label in source.labels), "sha256": train.sha256()}
