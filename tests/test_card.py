"""The model card: placeholders and the results table filled with measured values, the built-in
template, the Hub model-index front matter, and how the evaluated dataset is named."""
from __future__ import annotations

import copy
import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from huggingface_hub import EvalResult, ModelCard, ModelCardData

from audit.reporting.card import KNOWN_SPLITS, dataset_ref, fill_card, md_cell
from audit.errors import AuditError
from audit.runner import evaluate
from conftest import LABELS

TEXTS = ["i feel happy today", "im so scared of the dark", "i love you", "i feel so angry", "i was surprised", "sad"]

# The evaluation part of a card in the seed card's layout, for runs without the seed card.
INLINE_CARD = """---
license: mit
tags: [demo]
---

# Demo | Classifier

## Evaluation

#### Testing Data

- Test set: [Description of test data - placeholder]
- Test set size: [Number of examples - placeholder]
- Distribution: [Class distribution information - placeholder]

### Results

| Metric | Value |
|---|---|
| Accuracy | 0.99 |
| Weighted F1 | 0.98 |
## Citation

Keep me.
"""


@pytest.fixture(scope="module")
def results(tiny_model: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    data = tmp_path_factory.mktemp("data") / "test.txt"
    data.write_text("text;label\n" + "".join(f"{t};{label}\n" for t in TEXTS for label in LABELS), encoding="utf-8")
    return evaluate(str(tiny_model), str(data), device="cpu", use_cache=False, progress=False).results


def _front_matter(card: str) -> dict[str, Any]:
    match = re.match(r"---\n(.*?)\n---\n", card, re.DOTALL)
    assert match, "card has no front matter"
    return yaml.safe_load(match[1])


def _check_measured(card: str, results: dict[str, Any]) -> None:
    """The results table, the model-index and the testing-data lines agree with ``results``."""
    metrics = results["suites"]["test"]["metrics"]
    for key, name in (("accuracy", "Accuracy"), ("macro_f1", "Macro F1"), ("weighted_f1", "Weighted F1")):
        m = metrics[key]
        assert f"| {name} | {m['value']:.4f} | {m['ci_low']:.4f} – {m['ci_high']:.4f} |" in card
    assert "placeholder" not in card.lower() and "{{" not in card and "{%" not in card
    dataset = results["dataset"]
    assert f"- Test set size: {dataset['size']:,} texts" in card
    assert f"on test.txt (local data), test split ({metrics['n']:,} labelled texts)" in card
    distribution = dataset["class_distribution"]
    assert "- Distribution: " + ", ".join(
        f"{k} {distribution[k]:,} ({distribution[k] / dataset['size']:.1%})" for k in LABELS) in card

    assert _front_matter(card)["model-index"][0]["results"][0]["dataset"]["split"] == "test"
    loaded = ModelCard(card)
    got = {(r.metric_type, (r.metric_args or {}).get("average")): r.metric_value for r in loaded.data.eval_results}
    assert got == {("accuracy", None): round(metrics["accuracy"]["value"], 4),
                   ("f1", "macro"): round(metrics["macro_f1"]["value"], 4),
                   ("f1", "weighted"): round(metrics["weighted_f1"]["value"], 4)}
    first = loaded.data.eval_results[0]
    assert (first.task_type, first.dataset_type, first.dataset_split) == ("text-classification", "test.txt", "test")


def test_fills_the_seed_card(seed_card: Path, results: dict[str, Any]) -> None:
    original = seed_card.read_text(encoding="utf-8")
    card = fill_card(results, original)
    _check_measured(card, results)
    meta = _front_matter(card)
    assert (meta["license"], meta["base_model"], meta["pipeline_tag"]) == ("apache-2.0", "distilbert-base-uncased",
                                                                          "text-classification")
    assert meta["model-index"][0]["name"] == "DistilBERT Emotion Classifier"
    assert "| Weighted F1 | 0.9292 |" not in card  # the unmeasured claim is gone
    assert "### Robustness and bias" in card and "No perturbation suite was run." in card
    evaluation = card[card.index("## Evaluation"):card.index("## Technical Specifications")]
    assert "#### Measured limitations" in evaluation
    assert card.count("## Citation") == 1 and "Mitchell et al. (2019)" in card


def test_fills_a_card_in_the_seed_layout(results: dict[str, Any]) -> None:
    card = fill_card(results, INLINE_CARD)
    _check_measured(card, results)
    meta = _front_matter(card)
    assert meta["license"] == "mit" and meta["tags"] == ["demo"] and "datasets" not in meta
    assert meta["model-index"][0]["name"] == "Demo | Classifier"
    assert card.index("#### Measured limitations") < card.index("## Citation") and card.endswith("Keep me.\n")


def test_built_in_template(results: dict[str, Any]) -> None:
    card = fill_card(results, None)
    _check_measured(card, results)
    for heading in ("## Model Description", "## Intended Uses", "## Out-of-Scope Use", "## Limitations and Bias",
                    "## Evaluation", "#### Testing Data", "### Results", "## Technical Specifications"):
        assert f"\n{heading}\n" in card
    assert card.count("Weakest class:") == 1  # listed once, under Limitations
    assert _front_matter(card)["model-index"][0]["name"] == Path(results["model"]["id"]).name


def test_card_without_results_table_gets_an_evaluation_section(results: dict[str, Any]) -> None:
    card = fill_card(results, "# Bare\n\nSome text.\n\n## Evaluation\n\nTo do.\n\n## Contact\n\nme\n")
    assert card.index("To do.") < card.index("| Accuracy |") < card.index("## Contact")
    card = fill_card(results, "# Bare\n\nSome text.\n")
    assert "\n## Evaluation\n" in card and "| Macro F1 |" in card
    assert _front_matter(card)["pipeline_tag"] == "text-classification"


def test_other_results_kept_same_dataset_replaced(results: dict[str, Any]) -> None:
    old = [EvalResult(task_type="text-classification", dataset_type="other/data", dataset_name="Other",
                      metric_type="accuracy", metric_value=0.5),
           EvalResult(task_type="text-classification", dataset_type="test.txt", dataset_name="test.txt (local data)",
                      dataset_split="test", metric_type="accuracy", metric_value=0.01)]
    data = ModelCardData(model_name="mine", eval_results=old)
    card = fill_card(results, f"---\n{data.to_yaml()}\n---\n# Mine\n")
    got = [(r.dataset_type, r.metric_value) for r in ModelCard(card).data.eval_results]
    assert ("other/data", 0.5) in got and ("test.txt", 0.01) not in got and len(got) == 4


def test_dataset_named_by_id_hash_or_file(results: dict[str, Any]) -> None:
    r = copy.deepcopy(results)
    assert dataset_ref(r).id == "test.txt" and not dataset_ref(r).on_hub
    r["dataset"]["name"] = "dair-ai/emotion"
    assert dataset_ref(r) == dataset_ref(r, None) and dataset_ref(r).on_hub and dataset_ref(r).config is None
    r["dataset"].update(name="/data/copy/emotion", sha256=next(iter(KNOWN_SPLITS)))
    assert (dataset_ref(r).id, dataset_ref(r).config) == ("dair-ai/emotion", "split")
    assert dataset_ref(r, "me/my-emotions").id == "me/my-emotions"
    card = fill_card(r, INLINE_CARD, dataset_id="me/my-emotions")
    assert _front_matter(card)["datasets"] == ["me/my-emotions"]


def test_bias_lines_in_card(results: dict[str, Any]) -> None:
    """One line per audited attribute: the bias section's headline (documented schema only)."""
    bias = {"attributes": {"dialect": {
        "source": "group column",
        "groups": {"sae": {"n": 50, "accuracy": {"value": 0.9, "ci_low": 0.8, "ci_high": 0.95}},
                   "aae": {"n": 50, "accuracy": {"value": 0.7, "ci_low": 0.6, "ci_high": 0.8}}},
        "gaps": {"accuracy": {"value": 0.2, "ci_low": 0.1, "ci_high": 0.3, "high_group": "sae", "low_group": "aae",
                              "n_groups": 2}},
        "tests": [], "guessed": {"chi2": {"p_value": 0.01}}}}}
    card = fill_card({**results, "bias": bias}, INLINE_CARD)
    assert "- dialect (group column): Accuracy is 0.200 [0.100, 0.300] lower for aae than for sae.\n" in card
    assert "chi2" not in card
    assert ("- Dialect: accuracy is 0.200 [0.100, 0.300] lower for aae than for sae; the largest accuracy gap is above "
            "the policy's maximum of 0.10.\n") in card  # a measured limitation


def test_limitations_follow_the_gate_policy(results: dict[str, Any], tmp_path: Path) -> None:
    """The card's limitations are the findings under the policy given: the tiny model's accuracy
    fails the default floor of 0.85, and not a floor of 0.01."""
    from audit.findings import findings
    from audit.policy import load_policy

    lenient = tmp_path / "lenient.yaml"
    lenient.write_text("version: 1\nfloors:\n  accuracy: {min: 0.01}\n", encoding="utf-8")
    default, relaxed = fill_card(results, None), fill_card(results, None, policy=load_policy(lenient))
    assert "below the policy's floor of 0.85" in default and "policy's floor" not in relaxed
    listed = default[default.index("## Limitations and Bias"):default.index("## Recommendations")]
    items = [line[2:] for line in listed.splitlines() if line.startswith("- ")]
    assert items[:len(findings(results))] == [f.text for f in findings(results)]


def test_unlabelled_data_gives_no_model_index(results: dict[str, Any]) -> None:
    r = copy.deepcopy(results)
    del r["suites"]["test"]["metrics"]
    card = fill_card(r, INLINE_CARD)
    assert "model-index" not in _front_matter(card) and "had no gold labels" in card
    assert "placeholder" not in card.lower()


def test_table_cells_escape_pipes() -> None:
    assert md_cell("a|b\nc  d") == "a\\|b c d"


def test_invalid_front_matter_is_an_audit_error(results: dict[str, Any]) -> None:
    with pytest.raises(AuditError, match="front matter"):
        fill_card(results, "---\n- a list\n---\n# x\n")
