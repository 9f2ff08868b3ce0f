"""A small character Transformer in Keras 3: what the course sets beside its recurrent cells.

One concept per function:

- :class:`PositionEmbedding`: where each character stands (learned, sinusoidal, or none);
- :func:`causal_self_attention`: every position attends to itself and the positions before it,
  never after (Keras's ``MultiHeadAttention`` with ``use_causal_mask=True``);
- :func:`mlp`: the position-wise two-layer network;
- :func:`transformer_block`: both, each behind a layer norm (pre-norm) and a residual sum;
- :func:`build_char_transformer`: ids in, next-character probabilities at every position out,
  shaped like :func:`rnnbook.models.build_char_model`'s model, so the same fitting, streams and
  scorer train and score it.

:func:`transformer_parameters` counts the weights without building the model, and
:func:`match_parameters` picks the size whose count is closest to a target (e.g. the LSTM's).
The NumPy twin (mask, attention step, key/value cache) is :mod:`rnnbook.cells.numpy_attention`.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any

import keras
from keras import ops

from rnnbook import validate

POSITIONS = ("learned", "sinusoidal", None)
LN_EPSILON = 1e-5


def sinusoidal_table(length, dim: int):
    """The fixed positions of "Attention is all you need": sines on the first half, cosines on
    the second, wavelengths from 2*pi to 10000*2*pi. ``length`` may be a symbolic size."""
    position = ops.cast(ops.arange(length), "float32")[:, None]  # (length, 1)
    rate = ops.exp(ops.arange(dim // 2, dtype="float32") * (-math.log(10000.0) / (dim // 2)))
    angle = position * rate[None, :]  # (length, dim // 2)
    return ops.concatenate([ops.sin(angle), ops.cos(angle)], axis=-1)  # (length, dim)


@keras.saving.register_keras_serializable(package="rnnbook")
class PositionEmbedding(keras.layers.Layer):
    """Add a vector per position to the token embeddings (batch, time, dim).

    ``kind="learned"``: a trained table of ``window`` rows (inputs up to ``window`` long);
    ``"sinusoidal"``: :func:`sinusoidal_table`, no weights, any length; ``None``: nothing added
    (the model then sees a bag of earlier characters, not their order).
    """

    def __init__(self, window: int, dim: int, kind: str | None = "learned", **kwargs: Any):
        super().__init__(**kwargs)
        self.window, self.dim = int(window), int(dim)
        self.kind = validate.one_of("positions", kind, POSITIONS)

    def build(self, input_shape) -> None:
        if self.kind == "learned":
            self.table = self.add_weight(shape=(self.window, self.dim), name="table",
                                         initializer=keras.initializers.RandomNormal(0.0, 0.02))

    def compute_output_shape(self, input_shape):
        # said here, so that no backend traces call() on a made-up length to learn it (PyTorch
        # did, with a length past the window)
        return input_shape

    def call(self, x):
        if self.kind is None:
            return x
        length = ops.shape(x)[1]
        if isinstance(length, int) and self.kind == "learned" and length > self.window:
            raise validate.error_for("ids", f"be at most window={self.window} long with learned "
                                 "positions", received=f"{length} positions")
        if self.kind == "learned":
            table = ops.take(self.table, ops.arange(length), axis=0)  # (time, dim)
        else:
            table = sinusoidal_table(length, self.dim)  # (time, dim)
        return x + ops.cast(table, x.dtype)[None]  # (batch, time, dim)

    def get_config(self) -> dict:
        return {**super().get_config(), "window": self.window, "dim": self.dim, "kind": self.kind}


def causal_self_attention(x, heads: int, dropout: float, name: str):
    """Multi-head self-attention where position t sees positions 0..t only: (batch, time, dim)."""
    dim = x.shape[-1]
    attend = keras.layers.MultiHeadAttention(heads, dim // heads, dropout=dropout, name=name)
    return attend(x, x, use_causal_mask=True)  # (batch, time, dim)


def mlp(x, hidden: int, dropout: float, name: str):
    """The position-wise network: widen, GELU, narrow back (each position on its own)."""
    dim = x.shape[-1]
    h = keras.layers.Dense(hidden, activation="gelu", name=f"{name}_up")(x)  # (batch, time, hidden)
    h = keras.layers.Dense(dim, name=f"{name}_down")(h)  # (batch, time, dim)
    return keras.layers.Dropout(dropout, name=f"{name}_dropout")(h) if dropout else h


def transformer_block(x, heads: int, hidden: int, dropout: float, name: str):
    """Pre-norm block: x + attention(norm(x)), then + mlp(norm(...)): (batch, time, dim)."""
    a = keras.layers.LayerNormalization(epsilon=LN_EPSILON, name=f"{name}_norm1")(x)
    x = x + causal_self_attention(a, heads, dropout, f"{name}_attention")  # (batch, time, dim)
    m = keras.layers.LayerNormalization(epsilon=LN_EPSILON, name=f"{name}_norm2")(x)
    return x + mlp(m, hidden, dropout, f"{name}_mlp")  # (batch, time, dim)


@dataclass(frozen=True)
class TransformerSize:
    """A Transformer's sizes: width ``dim``, ``heads``, ``blocks``, MLP width ``mlp_ratio * dim``,
    ``window`` (the longest input with learned positions), ``positions`` (see POSITIONS)."""

    dim: int = 128
    heads: int = 4
    blocks: int = 4
    mlp_ratio: int = 4
    window: int = 100
    positions: str | None = "learned"


def build_char_transformer(vocab_size: int, size: TransformerSize = TransformerSize(),
                           dropout: float = 0.0, name: str | None = None) -> keras.Model:
    """A character Transformer: ids (batch, time) in, probabilities (batch, time, vocab) out.

    Raises:
        ValueError: a non-positive size, ``dim`` not a multiple of ``heads``, unknown positions.
    """
    for arg in ("dim", "heads", "blocks", "mlp_ratio", "window"):
        validate.positive_int(arg, getattr(size, arg))
    validate.positive_int("vocab_size", vocab_size)
    validate.number("dropout", dropout, 0, 1, high_open=True)
    validate.one_of("positions", size.positions, POSITIONS)
    if size.dim % size.heads or (size.positions == "sinusoidal" and size.dim % 2):
        raise validate.error_for("dim", f"be a multiple of heads={size.heads} (and even with "
                             "sinusoidal positions)", size.dim)
    ids = keras.Input(shape=(None,), dtype="int32", name="ids")
    x = keras.layers.Embedding(vocab_size, size.dim, name="embedding",
                               embeddings_initializer=keras.initializers.RandomNormal(0.0, 0.02)
                               )(ids)  # (batch, time, dim)
    x = PositionEmbedding(size.window, size.dim, size.positions, name="positions")(x)
    if dropout:
        x = keras.layers.Dropout(dropout, name="embedding_dropout")(x)
    for i in range(size.blocks):
        x = transformer_block(x, size.heads, size.mlp_ratio * size.dim, dropout, f"block_{i}")
    x = keras.layers.LayerNormalization(epsilon=LN_EPSILON, name="final_norm")(x)
    probs = keras.layers.Dense(vocab_size, activation="softmax", name="next_char")(x)
    return keras.Model(ids, probs, name=name or f"char_transformer{size.dim}x{size.blocks}")


def transformer_parameters(vocab_size: int, size: TransformerSize) -> int:
    """The weights :func:`build_char_transformer` creates, counted without building it."""
    d, hidden = size.dim, size.mlp_ratio * size.dim
    embeddings = vocab_size * d + (size.window * d if size.positions == "learned" else 0)
    attention = 4 * (d * d + d)  # query, key, value and output projections with biases
    block = 2 * 2 * d + attention + (d * hidden + hidden) + (hidden * d + d)
    return embeddings + size.blocks * block + 2 * d + d * vocab_size + vocab_size


def match_parameters(target: int, vocab_size: int, *, heads: int = 4, window: int = 100,
                     positions: str | None = "learned", dims=range(64, 257, 32),
                     blocks=range(2, 7)) -> TransformerSize:
    """The size (over ``dims`` x ``blocks``) whose parameter count is closest to ``target``."""
    validate.positive_int("target", target)
    sizes = [TransformerSize(d, heads, b, 4, window, positions)
             for d in dims for b in blocks if d % heads == 0]
    if not sizes:
        raise validate.error_for("dims", f"hold a multiple of heads={heads}", list(dims))
    return min(sizes, key=lambda s: abs(transformer_parameters(vocab_size, s) - target))


def size_of(model: keras.Model) -> TransformerSize:
    """The :class:`TransformerSize` that rebuilds a :func:`build_char_transformer` model."""
    attention = [layer for layer in model.layers
                 if isinstance(layer, keras.layers.MultiHeadAttention)]
    if not attention:
        raise validate.error_for("model", "be a character Transformer (build_char_transformer)",
                             received=f"{model.name}, without attention")
    positions = model.get_layer("positions")
    up = model.get_layer("block_0_mlp_up")
    return TransformerSize(positions.dim, attention[0].num_heads, len(attention),
                           up.units // positions.dim, positions.window, positions.kind)


def size_dict(size: TransformerSize) -> dict:
    """The size as plain JSON values (for a card or a record)."""
    return asdict(size)
