"""A NumPy character Transformer that reads one character per step, with a key/value cache.

The recurrent :class:`~rnnbook.generation.stepper.CharStepper` carries a state of fixed size;
this stepper carries the keys and values of every character read so far (per block), which
grow by one position per step. Each step then costs one position's projections and one row of
attention over the cache, instead of the whole window again (:meth:`full_step`, for
comparison). Both give the same probabilities (tested).

Example::

    stepper = TransformerStepper.from_model(model)
    probs, cache = stepper.feed(vocab.encode("shall i compare thee")[None], None)
    probs, cache = stepper.step(np.array([next_id]), cache)
"""

from __future__ import annotations

import keras
import numpy as np

from rnnbook import validate
from rnnbook.cells.numpy_attention import (
    TransformerWeights,
    cached_attention_step,
    layer_norm,
    merge_heads,
    mlp_forward,
    project,
    transformer_forward,
)
from rnnbook.cells.numpy_rnn.activations import softmax
from rnnbook.generation.stepper import check_ids, feed_ids

Cache = tuple  # (t, per block (keys, values) each (batch, heads, t, d), ids read (batch, t))


class TransformerStepper:
    """Generation with a Transformer, one character per call, like ``CharStepper``.

    The "state" is the cache: ``(t, [(keys, values) per block], ids read)`` after t characters;
    ``None`` before the first. With learned positions the model reads at most ``window``
    characters: when the cache is full, the stepper keeps the latest ``window // 2`` characters
    and reads them again from position 0, so a prediction always sees between ``window // 2``
    and ``window`` characters (like the windows the model was trained on).
    """

    def __init__(self, weights: TransformerWeights) -> None:
        self.weights = weights
        self.limit = weights.window if weights.positions == "learned" else None

    def initial_state(self, batch_size: int = 1) -> None:
        """The empty cache (``None``), as ``CharStepper.initial_state`` gives a zero state."""
        validate.positive_int("batch_size", batch_size)
        return None

    @classmethod
    def from_model(cls, model: keras.Model, dtype: type = np.float32) -> TransformerStepper:
        """Copy the weights of a :func:`~rnnbook.cells.attention.build_char_transformer` model."""
        return cls(TransformerWeights.from_model(model, dtype))

    @property
    def vocab_size(self) -> int:
        return int(self.weights.head[1].shape[0])

    def step(self, ids: np.ndarray, cache: Cache | None = None) -> tuple[np.ndarray, Cache]:
        """Read one character per sequence: ids (batch,) -> (probs (batch, vocab), new cache)."""
        ids = check_ids(ids, self.vocab_size)
        if cache is not None and cache[0] == self.limit:  # full: keep the latest half, re-read
            _, cache = self.feed(cache[2][:, -(self.limit // 2):], None)
        t, kv, read = cache if cache is not None else (
            0, [None] * len(self.weights.blocks), np.zeros((len(ids), 0), ids.dtype))
        w = self.weights
        x = w.embedding[ids][:, None] + w.position_rows(t, 1)[None]  # (batch, 1, dim)
        new_kv = []
        for block, block_cache in zip(w.blocks, kv, strict=True):
            a = block["attention"]
            h = layer_norm(x, *block["norm1"])  # (batch, 1, dim)
            q, k, v = (project(h, a[f"{n}_kernel"], a[f"{n}_bias"]) for n in "qkv")  # (b, h, 1, d)
            out, block_cache = cached_attention_step(q, k, v, block_cache)  # (b, h, 1, d)
            new_kv.append(block_cache)
            x = x + merge_heads(out, a["o_kernel"], a["o_bias"])  # (batch, 1, dim)
            x = x + mlp_forward(layer_norm(x, *block["norm2"]), block)  # (batch, 1, dim)
        kernel, bias = w.head
        probs = softmax(layer_norm(x[:, 0], *w.final_norm) @ kernel + bias)  # (batch, vocab)
        return probs, (t + 1, new_kv, np.concatenate([read, ids[:, None]], axis=1))

    def feed(self, ids: np.ndarray, cache: Cache | None = None) -> tuple[np.ndarray, Cache]:
        """Read a prefix (batch, time), step by step; probs (batch, vocab) after the last."""
        return feed_ids(self.step, ids, cache)

    def full_step(self, context: np.ndarray) -> np.ndarray:
        """Without a cache: the whole context (batch, time) again, for the next character's
        probabilities (batch, vocab)."""
        return transformer_forward(self.weights, context)[:, -1]
