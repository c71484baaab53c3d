"""The model card: an existing card (or the built-in template) filled with measured results.

:func:`fill_card` takes a card's markdown and ``results.json`` and returns the card with

- its placeholder evaluation lines (``- Test set: [... placeholder]``, ``- Test set size: [...]``,
  ``- Distribution: [...]``) replaced by the evaluated split's description, size and classes;
- its ``| Metric | Value |`` results table replaced by the measured scores with 95% intervals,
  followed by per-class scores, calibration, a short robustness-and-bias subsection and the measured
  limitations (all rendered from ``reports/card_results.md.j2``; appended to the Evaluation section,
  or as a new one, when the card has no such table);
- its YAML front matter merged with the Hub's ``model-index`` (task text-classification; accuracy,
  and F1 averaged macro and weighted, on the evaluated dataset and split) through
  :class:`huggingface_hub.ModelCardData`, keeping every other key and any results reported for
  other datasets.

Without a card, the built-in template ``reports/model_card.md.j2`` provides the structure (model
description, uses, limitations, evaluation, technical details) filled from the results.

The dataset the card names: ``dataset_id`` when given; else a Hub id the audit loaded by name;
else, for a local copy, the Hub dataset whose content hash it matches (:data:`KNOWN_SPLITS`);
else the local file or folder name, marked as local data. Text from the data or the model goes into
markdown table cells with its ``|`` escaped, and everywhere with ``&`` and ``<`` written as HTML
entities, so a label name or a file name cannot become HTML where the card is rendered.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import PurePath
from typing import Any, Mapping

import yaml
from huggingface_hub import EvalResult, ModelCard, ModelCardData
from jinja2 import Environment

from ..data import LOCAL_FORMATS
from ..errors import AuditError
from ..findings import bias_lines, limitations
from ..hub import is_hub_id
from ..policy import Policy, load_policy
from .badges import badges
from .formatting import fmt_value
from .jinja import environment
from .summaries import class_counts, clean_metrics, per_class, suite_summaries

#: Content hashes (:meth:`audit.data.Dataset.sha256`) of the splits of the text-file release of
#: dair-ai/emotion (``split`` configuration, labels as names), so a local copy is named as the
#: Hub dataset it is.
KNOWN_SPLITS: dict[str, tuple[str, str]] = {
    "145fa93001797d92db975ba7247342286f725647e6a2e0d77d4b00c56ce7c2fc": ("dair-ai/emotion", "split"),
    "b803804a5b1a25e8bd442355522d6a39d5c528c9ffdda6b9e02a0c91bb587807": ("dair-ai/emotion", "split"),
    "fc053cab8134c9ea2f6d62b6fda9998f43f8051d6e8547890f13e2286fdd31a3": ("dair-ai/emotion", "split"),
}
TASK = ("text-classification", "Text Classification")

#: Placeholder keys of the seed card's Testing Data lines and the context field that fills each.
_FIELDS = {"test set": "test_set", "test set size": "test_size", "distribution": "distribution",
           "class distribution": "distribution"}
_PLACEHOLDER = re.compile(r"^(?P<lead>[ \t]*[-*][ \t]*)(?P<key>[^:\n]+?)[ \t]*:[ \t]*\[[^\]\n]*placeholder[^\]\n]*\][ \t]*$",
                          re.IGNORECASE | re.MULTILINE)
_RESULTS_TABLE = re.compile(r"^\|[ \t]*Metric[ \t]*\|[ \t]*Value[ \t]*\|.*\n(?:\|.*(?:\n|$))*", re.IGNORECASE | re.MULTILINE)
_EVALUATION = re.compile(r"^##[ \t]+Evaluation\b.*$", re.IGNORECASE | re.MULTILINE)
_H2 = re.compile(r"^##[ \t]", re.MULTILINE)
_H1 = re.compile(r"^#[ \t]+(.+?)[ \t]*#*[ \t]*$", re.MULTILINE)
_FRONT_MATTER = re.compile(r"^\s*---[ \t]*\r?\n")


@dataclass(frozen=True)
class DatasetRef:
    """How the card names the evaluated dataset."""

    id: str
    on_hub: bool
    config: str | None = None

    @property
    def label(self) -> str:
        """The name as written in the card's prose."""
        return self.id if self.on_hub else f"{self.id} (local data)"


def dataset_ref(results: Mapping[str, Any], dataset_id: str | None = None) -> DatasetRef:
    """The dataset the card names (see the module docstring for the order of preference)."""
    if dataset_id:
        return DatasetRef(dataset_id, True)
    dataset = results["dataset"]
    known = KNOWN_SPLITS.get(dataset.get("sha256") or "")
    if known:
        return DatasetRef(known[0], True, known[1])
    name = str(dataset["name"])
    if is_hub_id(name) and not name.endswith(LOCAL_FORMATS):
        return DatasetRef(name, True)
    return DatasetRef(PurePath(name).name or name, False)


def html_escape(value: Any) -> Any:
    """Text with ``&`` and ``<`` as entities, so label names and data shown in the card cannot
    become HTML tags or entities when the markdown is rendered (no tag opens without ``<``; ``>``
    and quotes stay readable, and markdown renders the entities as the characters)."""
    if not isinstance(value, str):
        return value
    return value.replace("&", "&amp;").replace("<", "&lt;")


def md_cell(value: Any) -> str:
    """Text for a markdown table cell: pipes escaped, line breaks folded into spaces."""
    return " ".join(str(value).replace("|", "\\|").split())


def _distribution(results: Mapping[str, Any]) -> str:
    counts = class_counts(results)
    total = sum(counts.values()) or 1
    return ", ".join(f"{label} {n:,} ({n / total:.1%})" for label, n in counts.items())


def card_context(results: Mapping[str, Any], ref: DatasetRef, model_name: str, policy: Policy, *,
                 limitations_in_results: bool = True) -> dict[str, Any]:
    """Everything the card templates use; ``policy`` is the gate policy the findings follow;
    ``limitations_in_results`` lists the measured limitations in the results block (a card
    without its own list of them)."""
    dataset = results["dataset"]
    metrics = clean_metrics(results)
    return {
        "model_name": model_name, "model": results["model"], "dataset": dataset, "ref": ref,
        "config": results["config"], "tool": results.get("tool", {}), "run": results.get("run", {}),
        "test_set": f"{ref.label}, {dataset['split']} split"
                    + (f" (content sha256 {dataset['sha256'][:12]}…)" if dataset.get("sha256") else ""),
        "test_size": f"{dataset['size']:,} texts ({dataset.get('n_labeled', dataset['size']):,} with gold labels)",
        "distribution": _distribution(results) or "no gold labels",
        "metrics": metrics, "per_class": per_class(metrics) if metrics else [],
        "suites": suite_summaries(results, badges(results, policy)),
        "bias": bias_lines(results),
        "limitations": limitations(results, policy, ref.label), "limitations_in_results": limitations_in_results,
    }


def eval_results(results: Mapping[str, Any], ref: DatasetRef) -> list[EvalResult]:
    """The model-index entries: accuracy, macro F1 and weighted F1 on the evaluated split."""
    metrics = clean_metrics(results)
    if not metrics:
        return []
    common = {"task_type": TASK[0], "task_name": TASK[1], "dataset_type": ref.id, "dataset_name": ref.label,
              "dataset_config": ref.config, "dataset_split": results["dataset"]["split"]}
    return [
        EvalResult(**common, metric_type="accuracy", metric_name="Accuracy",
                   metric_value=round(metrics["accuracy"]["value"], 4)),
        EvalResult(**common, metric_type="f1", metric_name="Macro F1", metric_args={"average": "macro"},
                   metric_value=round(metrics["macro_f1"]["value"], 4)),
        EvalResult(**common, metric_type="f1", metric_name="Weighted F1", metric_args={"average": "weighted"},
                   metric_value=round(metrics["weighted_f1"]["value"], 4)),
    ]


def _as_list(value: Any) -> list[Any]:
    return [] if value is None else list(value) if isinstance(value, (list, tuple)) else [value]


def merge_metadata(data: ModelCardData, results: Mapping[str, Any], ref: DatasetRef, model_name: str) -> ModelCardData:
    """Add the measured model-index to ``data``, replacing earlier results for the same task,
    dataset and split and keeping all else."""
    ours = eval_results(results, ref)
    if ours:
        kept = [r for r in data.eval_results or [] if r.unique_identifier != ours[0].unique_identifier]
        data.eval_results = kept + ours
        data.model_name = data.model_name or model_name
        data.metrics = list(dict.fromkeys([*_as_list(data.metrics), "accuracy", "f1"]))
    data.pipeline_tag = data.pipeline_tag or TASK[0]
    if ref.on_hub:
        data.datasets = list(dict.fromkeys([*_as_list(data.datasets), ref.id]))
    return data


def fill_body(text: str, block: str, ctx: Mapping[str, Any]) -> str:
    """Replace the placeholder lines and the results table of a card's markdown body."""
    def placeholder(match: re.Match[str]) -> str:
        field = _FIELDS.get(match["key"].strip().lower())
        return f"{match['lead']}{match['key'].strip()}: {html_escape(ctx[field])}" if field else match[0]

    text = _PLACEHOLDER.sub(placeholder, text)
    block = block.strip("\n") + "\n"
    table = _RESULTS_TABLE.search(text)
    if table:
        rest = text[table.end():]
        return text[:table.start()] + block + ("\n" + rest.lstrip("\n") if rest.strip() else "")
    block = "### Results\n\n" + block
    evaluation = _EVALUATION.search(text)
    if evaluation is None:
        return text.rstrip("\n") + "\n\n## Evaluation\n\n" + block
    following = _H2.search(text, evaluation.end())
    end = following.start() if following else len(text)
    return text[:end].rstrip("\n") + "\n\n" + block + ("\n" + text[end:] if following else "")


def _environment() -> Environment:
    """The card's environment: markdown, so no autoescape, but every value HTML-safe (:func:`html_escape`)."""
    env = environment(autoescape=False, finalize=html_escape, keep_trailing_newline=True)
    env.filters.update(cell=md_cell, value=fmt_value)
    return env


def parse_card(card_text: str, source: str = "model card") -> ModelCard:
    """The card as :class:`ModelCard` (an empty front matter is assumed when it has none); front
    matter that is not YAML (``license: [unclosed``), carries a tag (``!!python/...``, refused by
    the safe loader) or is not valid metadata is an :class:`AuditError` naming ``source``."""
    if not _FRONT_MATTER.match(card_text):
        card_text = "---\n{}\n---\n" + card_text
    try:
        return ModelCard(card_text)
    except (ValueError, TypeError, yaml.YAMLError) as exc:  # bad YAML, not a mapping, invalid metadata
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise AuditError(f"{source}: front matter is not valid YAML metadata: {reason}") from exc


def default_model_name(results: Mapping[str, Any]) -> str:
    """The model's name when the card gives none: the last part of its id."""
    model_id = str(results["model"]["id"])
    return PurePath(model_id).name or model_id


def fill_card(results: Mapping[str, Any], card_text: str | None = None, *, dataset_id: str | None = None,
              policy: Policy | None = None) -> str:
    """The card's markdown filled with the measured results (the built-in template when
    ``card_text`` is ``None``); ``dataset_id`` overrides the Hub dataset id the card names;
    ``policy`` is the gate policy the limitations follow (the shipped default when None)."""
    env = _environment()
    ref = dataset_ref(results, dataset_id)
    policy = load_policy() if policy is None else policy
    if card_text is None:
        name = default_model_name(results)
        ctx = card_context(results, ref, name, policy, limitations_in_results=False)
        card = parse_card(env.get_template("model_card.md.j2").render(**ctx))
    else:
        card = parse_card(card_text)
        title = _H1.search(card.text)
        name = card.data.model_name or (title[1] if title else default_model_name(results))
        ctx = card_context(results, ref, name, policy)
        card.text = fill_body(card.text, env.get_template("card_results.md.j2").render(**ctx), ctx)
    card.data = merge_metadata(card.data, results, ref, name)
    return str(card)
