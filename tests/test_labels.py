"""Label mapping between model outputs and gold labels."""
from __future__ import annotations

import pytest

from audit.errors import AuditError
from audit.labels import EMOTION_LABELS, dataset_label_order, gold_indices, model_labels

NAMED = dict(enumerate(EMOTION_LABELS))
GENERIC = {i: f"LABEL_{i}" for i in range(6)}


def test_named_model_labels_are_used_as_is() -> None:
    m = model_labels(NAMED, None)
    assert m.labels == EMOTION_LABELS and not m.assumed


def test_generic_labels_map_by_index_onto_dataset_order_and_say_so() -> None:
    m = model_labels(GENERIC, list(EMOTION_LABELS))
    assert m.labels == EMOTION_LABELS and m.assumed
    assert "LABEL_2=love" in m.note


def test_generic_labels_without_an_order_or_of_another_size_are_errors() -> None:
    with pytest.raises(AuditError, match="pass --label-names"):
        model_labels(GENERIC, None)
    with pytest.raises(AuditError, match="6 generic labels .* names 4"):
        model_labels(GENERIC, ["a", "b", "c", "d"])


def test_string_labels_of_the_emotion_set_imply_its_order() -> None:
    assert dataset_label_order(["joy", "Fear", None], None) == list(EMOTION_LABELS)
    assert dataset_label_order(["pos", "neg"], None) is None
    assert dataset_label_order(["pos"], ["neg", "pos"]) == ["neg", "pos"]


def test_gold_labels_by_name_case_insensitive_index_or_missing() -> None:
    assert gold_indices(["Joy", "fear", "3", None], EMOTION_LABELS) == [1, 4, 3, None]


def test_integer_labels_follow_the_declared_order() -> None:
    declared = ["joy", "sadness"]  # the dataset's own order differs from the model's
    assert gold_indices(["0", "1"], EMOTION_LABELS, declared) == [1, 0]


def test_subset_of_labels_is_fine_but_unknown_labels_list_both_sets() -> None:
    assert gold_indices(["anger", "fear"], EMOTION_LABELS) == [3, 4]
    with pytest.raises(AuditError, match=r"not known to the model: disgust, neutral \(model labels: sadness, joy"):
        gold_indices(["neutral", "disgust", "joy"], EMOTION_LABELS)
    with pytest.raises(AuditError, match="not known to the model: 6"):
        gold_indices(["6"], EMOTION_LABELS)
