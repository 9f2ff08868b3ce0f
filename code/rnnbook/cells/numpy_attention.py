"""The character Transformer's arithmetic in NumPy: the twin of :mod:`rnnbook.cells.attention`.

- :func:`causal_mask`: which positions each position may read (itself and those before it);
- :func:`attention`: scores, the mask, a softmax over the keys, the weighted sum of values;
- :func:`multi_head_attention`: the same per head, with the weights Keras's layer holds;
- :func:`cached_attention_step`: one new position against a key/value cache (generation);
- :func:`transformer_forward`: the whole model over a window, equal to Keras's ``predict``;
- :func:`attention_maps`: what every head of every block reads, for a line of text.

The weights are read once from a Keras model by :meth:`TransformerWeights.from_model`.
"""

from __future__ import annotations

from dataclasses import dataclass

import keras
import numpy as np

from rnnbook import validate
from rnnbook.cells.attention import LN_EPSILON, sinusoidal_table, size_of
from rnnbook.cells.numpy_rnn.activations import softmax

NEG_INF = -np.inf


def causal_mask(length: int) -> np.ndarray:
    """(length, length) booleans: row t is True at the positions t may read, 0..t."""
    length = validate.positive_int("length", length)
    return np.tril(np.ones((length, length), dtype=bool))  # (query, key)


def attention(q: np.ndarray, k: np.ndarray, v: np.ndarray,
              allowed: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Scaled dot-product attention; returns ``(output, weights)``.

    q (..., queries, d), k and v (..., keys, d); ``allowed`` (queries, keys) booleans (e.g.
    :func:`causal_mask`), ``None``: every key. A masked score is -inf before the softmax, so its
    weight is exactly 0.
    """
    keys_t = np.ascontiguousarray(np.swapaxes(k, -1, -2))  # (..., d, keys): contiguous for BLAS
    scores = q @ keys_t / np.sqrt(q.shape[-1])  # (..., queries, keys)
    if allowed is not None:
        scores = np.where(allowed, scores, NEG_INF)
    weights = softmax(scores, axis=-1)  # (..., queries, keys), rows sum to one
    return weights @ np.ascontiguousarray(v), weights  # (..., queries, d)


def layer_norm(x: np.ndarray, gamma: np.ndarray, beta: np.ndarray,
               epsilon: float = LN_EPSILON) -> np.ndarray:
    """Each position's vector to mean 0 and variance 1, then scaled and shifted: x's shape."""
    mean = x.mean(axis=-1, keepdims=True)
    var = x.var(axis=-1, keepdims=True)
    return (x - mean) / np.sqrt(var + epsilon) * gamma + beta


def erf(x: np.ndarray) -> np.ndarray:
    """The error function to about 1e-7 (Abramowitz and Stegun 7.1.26), NumPy only."""
    s, a = np.sign(x), np.abs(x)
    t = 1.0 / (1.0 + 0.3275911 * a)
    poly = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027
                                                                           + t * 1.061405429))))
    return s * (1.0 - poly * np.exp(-a * a))


def gelu(x: np.ndarray) -> np.ndarray:
    """GELU, exact form (Keras's ``"gelu"``): x * P(N(0, 1) < x)."""
    return 0.5 * x * (1.0 + erf(x / np.sqrt(2.0)))


def project(x: np.ndarray, kernel: np.ndarray, bias: np.ndarray) -> np.ndarray:
    """x (batch, time, dim) through a (dim, heads, d) kernel: (batch, heads, time, d)."""
    dim, heads, d = kernel.shape
    y = x @ kernel.reshape(dim, heads * d) + bias.reshape(heads * d)  # (batch, time, heads * d)
    return y.reshape(*x.shape[:2], heads, d).transpose(0, 2, 1, 3)  # (batch, heads, time, d)


def merge_heads(out: np.ndarray, kernel: np.ndarray, bias: np.ndarray) -> np.ndarray:
    """Heads (batch, heads, time, d) through the (heads, d, dim) output kernel: (b, t, dim)."""
    batch, heads, time, d = out.shape
    joined = out.transpose(0, 2, 1, 3).reshape(batch, time, heads * d)  # (batch, time, h * d)
    return joined @ kernel.reshape(heads * d, -1) + bias  # (batch, time, dim)


def multi_head_attention(x: np.ndarray, w: dict, causal: bool = True,
                         maps: list | None = None) -> np.ndarray:
    """Self-attention of Keras's ``MultiHeadAttention`` (weights ``w``) on x (batch, time, dim).

    ``maps``: a list the attention weights (batch, heads, time, time) are appended to."""
    q, k, v = (project(x, w[f"{n}_kernel"], w[f"{n}_bias"]) for n in "qkv")  # (b, h, t, d)
    allowed = causal_mask(x.shape[1]) if causal else None
    out, weights = attention(q, k, v, allowed)  # (batch, heads, time, d)
    if maps is not None:
        maps.append(weights)
    return merge_heads(out, w["o_kernel"], w["o_bias"])  # (batch, time, dim)


def cached_attention_step(q_t: np.ndarray, k_t: np.ndarray, v_t: np.ndarray,
                          cache: tuple[np.ndarray, np.ndarray] | None
                          ) -> tuple[np.ndarray, tuple[np.ndarray, np.ndarray]]:
    """Attention for one new position, reusing the keys and values of the earlier ones.

    q_t, k_t, v_t (batch, heads, 1, d); ``cache`` the (keys, values) of positions 0..t-1, each
    (batch, heads, t, d), or ``None`` at t = 0. The new key and value join the cache; the new
    query reads all of it, so no mask is needed (there is no later position yet). Returns
    ``(output (batch, heads, 1, d), cache (batch, heads, t + 1, d) twice)``.
    """
    if cache is None:
        keys, values = k_t, v_t
    else:
        keys = np.concatenate([cache[0], k_t], axis=2)  # (batch, heads, t + 1, d)
        values = np.concatenate([cache[1], v_t], axis=2)  # (batch, heads, t + 1, d)
    out, _ = attention(q_t, keys, values)  # (batch, heads, 1, d)
    return out, (keys, values)


@dataclass
class TransformerWeights:
    """A :func:`~rnnbook.cells.attention.build_char_transformer` model's weights as arrays."""

    embedding: np.ndarray
    positions: str | None
    position_table: np.ndarray | None
    blocks: list[dict]
    final_norm: tuple[np.ndarray, np.ndarray]
    head: tuple[np.ndarray, np.ndarray]
    window: int

    @classmethod
    def from_model(cls, model: keras.Model, dtype: type = np.float32) -> TransformerWeights:
        """Copy the weights of a character Transformer (any backend)."""
        size = size_of(model)

        def arrays(name: str) -> list[np.ndarray]:
            return [np.asarray(w, dtype) for w in model.get_layer(name).get_weights()]

        blocks = []
        for i in range(size.blocks):
            qk, qb, kk, kb, vk, vb, ok, ob = arrays(f"block_{i}_attention")
            blocks.append({
                "norm1": tuple(arrays(f"block_{i}_norm1")),
                "attention": {"q_kernel": qk, "q_bias": qb, "k_kernel": kk, "k_bias": kb,
                              "v_kernel": vk, "v_bias": vb, "o_kernel": ok, "o_bias": ob},
                "norm2": tuple(arrays(f"block_{i}_norm2")),
                "up": tuple(arrays(f"block_{i}_mlp_up")),
                "down": tuple(arrays(f"block_{i}_mlp_down")),
            })
        table = arrays("positions")[0] if size.positions == "learned" else None
        return cls(arrays("embedding")[0], size.positions, table, blocks,
                   tuple(arrays("final_norm")), tuple(arrays("next_char")), size.window)

    def position_rows(self, start: int, length: int) -> np.ndarray:
        """The vectors added at positions start .. start+length-1: (length, dim)."""
        dim = self.embedding.shape[1]
        if self.positions is None:
            return np.zeros((length, dim), self.embedding.dtype)
        if self.positions == "learned":
            if start + length > self.window:
                raise validate.error_for("ids", f"be at most window={self.window} long with "
                                         "learned positions",
                                         received=f"position {start + length - 1}")
            return self.position_table[start:start + length]
        table = np.asarray(sinusoidal_table(start + length, dim))
        return table[start:].astype(self.embedding.dtype)


def mlp_forward(x: np.ndarray, block: dict) -> np.ndarray:
    """The block's position-wise MLP on x (..., dim)."""
    (up_k, up_b), (down_k, down_b) = block["up"], block["down"]
    return gelu(x @ up_k + up_b) @ down_k + down_b


def transformer_forward(weights: TransformerWeights, ids: np.ndarray,
                        maps: list | None = None) -> np.ndarray:
    """Next-character probabilities at every position: ids (batch, time) -> (batch, time, vocab).

    ``maps``: a list each block's attention weights (batch, heads, time, time) are appended to."""
    ids = np.asarray(ids)
    x = weights.embedding[ids] + weights.position_rows(0, ids.shape[1])[None]  # (b, t, dim)
    for block in weights.blocks:
        x = x + multi_head_attention(layer_norm(x, *block["norm1"]), block["attention"],
                                     maps=maps)
        x = x + mlp_forward(layer_norm(x, *block["norm2"]), block)  # (batch, time, dim)
    kernel, bias = weights.head
    return softmax(layer_norm(x, *weights.final_norm) @ kernel + bias)  # (batch, time, vocab)


def attention_maps(weights: TransformerWeights, ids: np.ndarray) -> np.ndarray:
    """How much each position reads each earlier one, per block and head, for ids (time,):
    (blocks, heads, time, time), row t (the query) summing to one over columns 0..t."""
    maps: list[np.ndarray] = []
    transformer_forward(weights, np.asarray(ids)[None], maps=maps)
    return np.stack([m[0] for m in maps])  # (blocks, heads, time, time)
