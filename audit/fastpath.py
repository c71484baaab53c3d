"""Skip the work a sequence classifier never reads: the last layer for positions other than [CLS].

BERT-style classifiers (BERT, DistilBERT) read only the first position of the last encoder layer.
In that layer every token still needs its key and value, but the query, the attention output
projection and the feed-forward block are only needed at position 0. Computing just those cuts
about a seventh of the encoder's FLOPs for tweet-length texts, with no change to the model: the
same weights, the same operations, the same numbers up to float rounding. :func:`enable` checks
that on a probe batch against the unmodified forward and leaves the model untouched when the
outputs differ by more than ``1e-5`` or the architecture is not one it knows.
"""
from __future__ import annotations

import math
from typing import Any, Callable

import torch

#: Largest probability difference from the unmodified forward accepted on the probe batch.
TOLERANCE = 1e-5


def _key_mask(mask: torch.Tensor | None) -> torch.Tensor | None:
    """The attention mask row of query position 0, in a form scaled_dot_product_attention takes."""
    if mask is None:
        return None
    if mask.dim() == 2:  # (batch, keys), 1 = attend
        return mask[:, None, None, :].bool()
    return mask[..., :1, :]  # (batch, 1, queries, keys), boolean or additive


def _attend(q: torch.Tensor, k: torch.Tensor, v: torch.Tensor, heads: int, mask: torch.Tensor | None) -> torch.Tensor:
    """Multi-head attention of one query position over all keys; returns ``(batch, 1, hidden)``.

    Written as elementwise products and sums rather than ``scaled_dot_product_attention``, whose
    CPU kernel for a single query rounds a row differently depending on its place in the batch;
    these reductions run within a row, so a text's result does not depend on its batch-mates.
    """
    batch, length, hidden = k.shape
    size = hidden // heads
    q = q.view(batch, heads, 1, size)
    k = k.view(batch, length, heads, size).transpose(1, 2)
    v = v.view(batch, length, heads, size).transpose(1, 2)
    scores = (q * k).sum(-1) / math.sqrt(size)  # (batch, heads, keys)
    keep = _key_mask(mask)
    if keep is not None:
        keep = keep[:, :, 0, :]
        scores = scores.masked_fill(~keep, float("-inf")) if keep.dtype == torch.bool else scores + keep
    weights = torch.softmax(scores, dim=-1)
    return (weights.unsqueeze(-1) * v).sum(-2).reshape(batch, 1, hidden)


def _distilbert_block(block: Any) -> Callable[..., torch.Tensor]:
    att = block.attention

    def forward(hidden_states: torch.Tensor, attention_mask: torch.Tensor | None = None, *_: Any, **__: Any) -> torch.Tensor:
        cls = hidden_states[:, :1]
        out = att.out_lin(_attend(att.q_lin(cls), att.k_lin(hidden_states), att.v_lin(hidden_states),
                                  att.n_heads, attention_mask))
        x = block.sa_layer_norm(out + cls)
        return block.output_layer_norm(block.ffn(x) + x)

    return forward


def _bert_layer(layer: Any) -> Callable[..., torch.Tensor]:
    att = layer.attention.self

    def forward(hidden_states: torch.Tensor, attention_mask: torch.Tensor | None = None, *_: Any, **__: Any) -> torch.Tensor:
        cls = hidden_states[:, :1]
        context = _attend(att.query(cls), att.key(hidden_states), att.value(hidden_states),
                          att.num_attention_heads, attention_mask)
        x = layer.attention.output(context, cls)
        return layer.output(layer.intermediate(x), x)

    return forward


def _last_layer(model: Any) -> tuple[Any, Callable[[Any], Callable[..., torch.Tensor]]] | None:
    """The last encoder layer and the builder of its [CLS]-only forward, for known architectures."""
    kind = type(model).__name__
    if kind == "DistilBertForSequenceClassification":
        return model.distilbert.transformer.layer[-1], _distilbert_block
    if kind == "BertForSequenceClassification" and not model.config.is_decoder:
        return model.bert.encoder.layer[-1], _bert_layer
    return None


def enable(model: Any, probe: Callable[[], dict[str, torch.Tensor]]) -> bool:
    """Give ``model``'s last layer a [CLS]-only forward if it matches the full one on ``probe()``
    (a batch of model inputs with padding). Returns whether the shortcut is on."""
    found = _last_layer(model)
    if found is None:
        return False
    layer, build = found
    inputs = probe()
    with torch.inference_mode():
        full = torch.softmax(model(**inputs).logits.float(), dim=-1)
        layer.forward = build(layer)
        try:
            fast = torch.softmax(model(**inputs).logits.float(), dim=-1)
            same = fast.shape == full.shape and float((fast - full).abs().max()) <= TOLERANCE
        except (RuntimeError, TypeError, AttributeError, ValueError):
            same = False
    if not same:
        del layer.forward  # back to the class's own forward
    return same
