"""The [CLS]-only last layer gives the unmodified model's outputs, or is not used at all."""
from __future__ import annotations

import pytest
import torch
from transformers import BertConfig, BertForSequenceClassification, DistilBertConfig, \
    DistilBertForSequenceClassification, RobertaConfig, RobertaForSequenceClassification

from audit import fastpath


def _inputs() -> dict[str, torch.Tensor]:
    """Three texts of different lengths, right-padded, with the padding masked out."""
    torch.manual_seed(1)
    ids = torch.randint(5, 90, (3, 12))
    mask = torch.ones(3, 12, dtype=torch.long)
    mask[1, 7:] = 0
    mask[2, 3:] = 0
    ids[mask == 0] = 0
    return {"input_ids": ids, "attention_mask": mask}


def _models() -> list[torch.nn.Module]:
    torch.manual_seed(0)
    small = dict(vocab_size=100, num_labels=6)
    return [
        DistilBertForSequenceClassification(DistilBertConfig(dim=32, hidden_dim=64, n_layers=2, n_heads=4, **small)),
        BertForSequenceClassification(BertConfig(hidden_size=32, intermediate_size=64, num_hidden_layers=2,
                                                 num_attention_heads=4, **small)),
    ]


@pytest.mark.parametrize("model", _models(), ids=["distilbert", "bert"])
def test_shortcut_matches_the_full_forward(model: torch.nn.Module) -> None:
    model.eval()
    inputs = _inputs()
    with torch.inference_mode():
        full = torch.softmax(model(**inputs).logits, -1)
    assert fastpath.enable(model, _inputs)
    layer = fastpath._last_layer(model)[0]
    assert "forward" in vars(layer)  # the shortcut is installed on the instance
    with torch.inference_mode():
        fast = torch.softmax(model(**inputs).logits, -1)
        # padding must not leak in: a text alone equals the same text in the padded batch
        alone = torch.softmax(model(input_ids=inputs["input_ids"][2:, :3]).logits, -1)
    assert torch.allclose(fast, full, atol=1e-6)
    assert torch.allclose(alone[0], fast[2], atol=1e-6)


def test_unknown_architecture_is_left_alone() -> None:
    torch.manual_seed(0)
    model = RobertaForSequenceClassification(RobertaConfig(vocab_size=100, hidden_size=32, intermediate_size=64,
                                                           num_hidden_layers=2, num_attention_heads=4, num_labels=6))
    assert not fastpath.enable(model.eval(), _inputs)


def test_a_failed_check_restores_the_original_forward(monkeypatch: pytest.MonkeyPatch) -> None:
    model = _models()[0].eval()
    monkeypatch.setattr(fastpath, "TOLERANCE", -1.0)  # nothing can pass
    assert not fastpath.enable(model, _inputs)
    assert "forward" not in vars(fastpath._last_layer(model)[0])
