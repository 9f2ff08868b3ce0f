"""Character-level Keras models, their NumPy twin for fast generation, and saving them.

- :func:`build_char_model`: integer ids in, next-character probabilities at every position out
  (an LSTM, GRU or simple RNN layer between a one-hot or embedding input and a softmax).
- :class:`CharStepper`: the same model replayed in NumPy one character at a time, carrying the
  recurrent state, with the course's own cells (:mod:`rnnbook.numpy_rnn`). Generating a
  character costs a few small matrix products instead of a whole ``model.predict`` call.
- :func:`save_char_model` / :func:`load_char_model` / :func:`saved_models`: weights
  (``<name>.weights.h5``) plus a small JSON card (vocabulary, configuration, validation loss,
  hardware, backend) under ``data/models/``.
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import keras
import numpy as np

from rnnbook import config
from rnnbook.data import Vocabulary
from rnnbook.numpy_rnn import gru_step, lstm_step, rnn_step

KINDS = ("lstm", "gru", "rnn")
_LAYERS = {"lstm": keras.layers.LSTM, "gru": keras.layers.GRU, "rnn": keras.layers.SimpleRNN}


@keras.saving.register_keras_serializable(package="rnnbook")
class OneHot(keras.layers.Layer):
    """Integer ids (batch, time) -> one-hot float vectors (batch, time, depth), built on the fly.

    The tutorial stores its inputs one-hot (windows x 40 x vocabulary booleans); building them
    inside the model keeps the data as compact int32 ids, with the same arithmetic.
    """

    def __init__(self, depth: int, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.depth = int(depth)

    def call(self, ids):
        return keras.ops.one_hot(keras.ops.cast(ids, "int32"), self.depth, dtype=self.compute_dtype)

    def compute_output_shape(self, input_shape):
        return (*input_shape, self.depth)

    def get_config(self) -> dict:
        return {**super().get_config(), "depth": self.depth}


def build_char_model(
    vocab_size: int,
    kind: str = "lstm",
    units: int = 128,
    embedding_dim: int | None = None,
    layers: int = 1,
    dropout: float = 0.0,
    name: str | None = None,
) -> keras.Model:
    """A character model: ids of any length in, next-character probabilities at each position out.

    The recurrent layers keep Keras' defaults (tanh, sigmoid gates, a bias, GRU
    ``reset_after=True``, no ``recurrent_dropout``, no ``unroll``, no mask) so that on a GPU
    the LSTM and GRU can run on the fused cuDNN kernel. ``dropout`` is applied *between*
    layers (a separate ``Dropout`` layer), which leaves the fused kernel alone.

    Args:
        vocab_size: number of distinct characters (the softmax width).
        kind: ``"lstm"``, ``"gru"`` or ``"rnn"`` (``SimpleRNN``).
        units: state size of each recurrent layer.
        embedding_dim: size of a learned ``Embedding``; ``None`` feeds one-hot vectors built on
            the fly (the tutorial's input, without storing it).
        layers: number of stacked recurrent layers.
        dropout: dropout rate after each recurrent layer, in [0, 1).
        name: the model's name (default ``char_<kind><units>``).

    Returns:
        An uncompiled ``keras.Model``: input int32 ids (batch, time), output float32
        probabilities (batch, time, vocab_size) that sum to one over the last axis.

    Raises:
        ValueError: a ``kind`` that is not one of :data:`KINDS`, or a non-positive size.
    """
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {', '.join(map(repr, KINDS))}; got {kind!r}")
    for arg, value in (("vocab_size", vocab_size), ("units", units), ("layers", layers)):
        if int(value) != value or value < 1:
            raise ValueError(f"{arg} must be a positive integer; got {value!r}")
    if embedding_dim is not None and (int(embedding_dim) != embedding_dim or embedding_dim < 1):
        raise ValueError(f"embedding_dim must be None or a positive integer; got {embedding_dim!r}")
    if not 0.0 <= dropout < 1.0:
        raise ValueError(f"dropout must lie in [0, 1); got {dropout!r}")

    ids = keras.Input(shape=(None,), dtype="int32", name="ids")
    if embedding_dim is None:
        x = OneHot(vocab_size, name="one_hot")(ids)
    else:
        x = keras.layers.Embedding(vocab_size, embedding_dim, name="embedding")(ids)
    for i in range(layers):
        x = _LAYERS[kind](units, return_sequences=True, name=f"{kind}_{i}")(x)
        if dropout:
            x = keras.layers.Dropout(dropout, name=f"dropout_{i}")(x)
    probs = keras.layers.Dense(vocab_size, activation="softmax", name="next_char")(x)
    return keras.Model(ids, probs, name=name or f"char_{kind}{units}")


def fused_kernel_blockers(layer: keras.layers.Layer) -> list[str]:
    """Why a recurrent layer would *not* run on the fused cuDNN kernel on a GPU (empty: it can).

    Keras takes the fused path only for an ``LSTM`` or ``GRU`` with ``tanh`` activation,
    ``sigmoid`` recurrent activation, no ``recurrent_dropout``, no ``unroll``, a bias, (GRU)
    ``reset_after=True``, and no mask on its input. Anything else silently falls back to the
    generic step-by-step loop, several times slower on a GPU. Whether the fused kernel is then
    used also depends on the backend and the Keras version (see the chapter on training the
    character LSTM).
    """
    if not isinstance(layer, (keras.layers.LSTM, keras.layers.GRU)):
        return [f"{type(layer).__name__} has no fused kernel (only LSTM and GRU have)"]
    reasons = []
    if layer.activation is not keras.activations.tanh:
        reasons.append(f"activation={layer.activation.__name__!r} (must be 'tanh')")
    if layer.recurrent_activation is not keras.activations.sigmoid:
        reasons.append(f"recurrent_activation={layer.recurrent_activation.__name__!r} "
                       "(must be 'sigmoid')")
    if layer.recurrent_dropout:
        reasons.append(f"recurrent_dropout={layer.recurrent_dropout} (must be 0)")
    if layer.unroll:
        reasons.append("unroll=True")
    if not layer.use_bias:
        reasons.append("use_bias=False")
    if isinstance(layer, keras.layers.GRU) and not layer.reset_after:
        reasons.append("reset_after=False")
    if getattr(layer, "use_cudnn", "auto") is False:
        reasons.append("use_cudnn=False")
    return reasons


def model_fused_kernel_blockers(model: keras.Model) -> dict[str, list[str]]:
    """:func:`fused_kernel_blockers` of every recurrent layer, plus masks that reach them."""
    found = {}
    masked = any(getattr(layer, "mask_zero", False) for layer in model.layers)
    for layer in model.layers:
        if isinstance(layer, keras.layers.RNN):
            reasons = fused_kernel_blockers(layer)
            if masked:
                reasons.append("a mask (Embedding(mask_zero=True) or Masking) reaches it")
            found[layer.name] = reasons
    return found


def model_config(model: keras.Model) -> dict:
    """The :func:`build_char_model` arguments that rebuild ``model``'s architecture.

    Raises:
        ValueError: ``model`` is not shaped like a :func:`build_char_model` model.
    """
    recurrent = [layer for layer in model.layers if isinstance(layer, tuple(_LAYERS.values()))]
    dense = model.layers[-1]
    if not recurrent or not isinstance(dense, keras.layers.Dense):
        raise ValueError(f"{model.name} is not a character model built by build_char_model")
    kind = next(k for k, cls in _LAYERS.items() if type(recurrent[0]) is cls)
    embedding = [layer for layer in model.layers if isinstance(layer, keras.layers.Embedding)]
    dropout = [layer.rate for layer in model.layers if isinstance(layer, keras.layers.Dropout)]
    return {
        "vocab_size": int(dense.units),
        "kind": kind,
        "units": int(recurrent[0].units),
        "embedding_dim": int(embedding[0].output_dim) if embedding else None,
        "layers": len(recurrent),
        "dropout": float(dropout[0]) if dropout else 0.0,
    }


def _softmax(logits: np.ndarray) -> np.ndarray:
    z = np.exp(logits - logits.max(axis=-1, keepdims=True))
    return z / z.sum(axis=-1, keepdims=True)


class CharStepper:
    """A NumPy replica of a :func:`build_char_model` model that reads one character per step.

    It carries the recurrent state (``h``, and ``c`` for an LSTM) between calls, so generating
    ``n`` characters costs ``n`` steps of a few small matrix products, with no Keras call: the
    "fast stateful generator". The cells are the course's own
    (:func:`~rnnbook.numpy_rnn.lstm_step`, :func:`~rnnbook.numpy_rnn.gru_step`,
    :func:`~rnnbook.numpy_rnn.rnn_step`), fed the weights the Keras layers hold.

    The state is a tuple with one array per recurrent layer (LSTM: two, ``h`` then ``c``),
    each of shape (batch, units).

    Example::

        stepper = CharStepper.from_model(model)
        probs, state = stepper.feed(vocab.encode("shall i compare thee")[None], None)
        probs, state = stepper.step(np.array([next_id]), state)
    """

    def __init__(
        self,
        kind: str,
        input_table: np.ndarray,
        cells: list[list[np.ndarray]],
        dense: tuple[np.ndarray, np.ndarray],
        one_hot: bool,
        dtype: type = np.float32,
    ) -> None:
        if kind not in KINDS:
            raise ValueError(f"kind must be one of {', '.join(map(repr, KINDS))}; got {kind!r}")
        self.kind = kind
        self.dtype = np.dtype(dtype)
        self.one_hot = one_hot
        # One-hot input: the identity, so x_t is a one-hot row; embedding: the embedding matrix.
        self.input_table = np.asarray(input_table, self.dtype)
        self.cells = [[np.asarray(w, self.dtype) for w in ws] for ws in cells]
        self.dense_kernel, self.dense_bias = (np.asarray(w, self.dtype) for w in dense)
        self.units = [ws[1].shape[0] for ws in self.cells]

    @classmethod
    def from_model(cls, model: keras.Model, dtype: type = np.float32) -> CharStepper:
        """Copy the weights of a :func:`build_char_model` model (any backend).

        Raises:
            ValueError: ``model`` is not shaped like a :func:`build_char_model` model.
        """
        cfg = model_config(model)
        vocab_size = cfg["vocab_size"]
        if cfg["embedding_dim"] is None:
            table = np.eye(vocab_size)
        else:
            table = model.get_layer("embedding").get_weights()[0]
        cells = [
            layer.get_weights() for layer in model.layers
            if isinstance(layer, tuple(_LAYERS.values()))
        ]
        dense = tuple(model.layers[-1].get_weights())
        return cls(cfg["kind"], table, cells, dense, cfg["embedding_dim"] is None, dtype)

    @property
    def vocab_size(self) -> int:
        """Number of characters (the width of the probabilities)."""
        return int(self.dense_bias.shape[0])

    def initial_state(self, batch_size: int = 1) -> tuple[np.ndarray, ...]:
        """Zero state (Keras' default initial state): a tuple of (batch, units) arrays."""
        if int(batch_size) != batch_size or batch_size < 1:
            raise ValueError(f"batch_size must be a positive integer; got {batch_size!r}")
        per_layer = 2 if self.kind == "lstm" else 1
        return tuple(
            np.zeros((batch_size, units), self.dtype)
            for units in self.units for _ in range(per_layer)
        )

    def step(
        self, ids: np.ndarray, state: tuple[np.ndarray, ...] | None = None
    ) -> tuple[np.ndarray, tuple[np.ndarray, ...]]:
        """Read one character per sequence.

        Args:
            ids: (batch,) integer ids.
            state: the state returned by the previous call, or ``None`` for the zero state.

        Returns:
            ``(probs, new_state)``: probs (batch, vocab_size) of the next character.
        """
        ids = np.asarray(ids)
        if ids.ndim != 1 or not np.issubdtype(ids.dtype, np.integer):
            got = f"{ids.dtype} {ids.shape}"
            raise ValueError(f"ids must be a 1-D integer array (batch,); got {got}")
        if ids.size and (ids.min() < 0 or ids.max() >= self.vocab_size):
            lo, hi = ids.min(), ids.max()
            raise ValueError(f"ids must lie in [0, {self.vocab_size}); got {lo}..{hi}")
        state = self._check_state(state, len(ids))
        x = self.input_table[ids]  # (batch, features): a one-hot row or an embedding
        new_state = []
        for layer, weights in enumerate(self.cells):
            if self.kind == "lstm":
                h, c = lstm_step(x, state[2 * layer], state[2 * layer + 1], weights)
                new_state += [h, c]
            elif self.kind == "gru":
                h = gru_step(x, state[layer], weights)
                new_state.append(h)
            else:
                h = rnn_step(x, state[layer], weights)
                new_state.append(h)
            x = h
        probs = _softmax(x @ self.dense_kernel + self.dense_bias)
        return probs, tuple(new_state)

    def feed(
        self, ids: np.ndarray, state: tuple[np.ndarray, ...] | None = None
    ) -> tuple[np.ndarray, tuple[np.ndarray, ...]]:
        """Read a whole prefix, step by step (to prime the state with a seed text).

        Args:
            ids: (batch, time) integer ids, time >= 1.
            state: the state to start from, or ``None`` for the zero state.

        Returns:
            ``(probs, state)``: probs (batch, vocab_size) after the last character.
        """
        ids = np.asarray(ids)
        if ids.ndim != 2 or ids.shape[1] < 1:
            raise ValueError(f"ids must have shape (batch, time) with time >= 1; got {ids.shape}")
        probs = None
        for t in range(ids.shape[1]):
            probs, state = self.step(ids[:, t], state)
        return probs, state

    def _check_state(self, state, batch: int) -> tuple[np.ndarray, ...]:
        if state is None:
            return self.initial_state(batch)
        expected = self.initial_state(batch)
        if len(state) != len(expected) or any(
            np.shape(s) != e.shape for s, e in zip(state, expected, strict=False)
        ):
            raise ValueError(
                f"state must be {len(expected)} arrays of shape {expected[0].shape} "
                f"(from initial_state({batch}) or a previous step); got "
                f"{[np.shape(s) for s in state]}"
            )
        return tuple(np.asarray(s, self.dtype) for s in state)


# ---------------------------------------------------------------- saving and loading

_CARD_KEYS = ("format", "name", "chars", "vocab_size", "kind", "units", "embedding_dim", "layers",
              "weights_sha256")
_FORMAT = "rnnbook-char-model/1"


def models_dir() -> Path:
    """Where trained models live: ``<data dir>/models``."""
    return config.data_dir() / "models"


def _paths(name_or_path: str | os.PathLike) -> tuple[Path, Path]:
    """(weights, card) paths for a bare name (under :func:`models_dir`) or a path."""
    text = str(name_or_path)
    if not text:
        raise ValueError("name_or_path must name a model; got an empty string")
    for suffix in (".weights.h5", ".json"):
        if text.endswith(suffix):
            text = text[: -len(suffix)]
    base = Path(text)
    if not base.parent.parts and not base.is_absolute():  # a bare name
        base = models_dir() / text
    return base.with_name(base.name + ".weights.h5"), base.with_name(base.name + ".json")


def _file_sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def hardware() -> str:
    """A short description of the machine: processor, cores and GPUs the backend sees."""
    gpus = config.gpu_devices()
    cpu = platform.processor() or platform.machine()
    where = f"{cpu}, {os.cpu_count()} cores"
    return f"{where}; GPU: {', '.join(gpus)}" if gpus else where


def save_char_model(
    model: keras.Model,
    vocab: Vocabulary,
    path: str | os.PathLike,
    info: Mapping[str, Any] | None = None,
) -> Path:
    """Save weights (``<path>.weights.h5``) and a JSON card (``<path>.json``).

    The card holds the vocabulary's characters (in id order), the architecture
    (:func:`model_config`), the backend, Keras version and hardware, the SHA-256 of the weights
    file, and everything in ``info`` (e.g. ``best_val_loss_nats``, ``best_val_loss_bits``,
    ``epochs``, training sizes). Only the layers' weights are saved, not the optimizer's state.

    Args:
        model: a :func:`build_char_model` model.
        vocab: the vocabulary it was trained with (``len(vocab)`` must equal its softmax width).
        path: a bare name (saved under :func:`models_dir`) or a path without suffix.
        info: extra JSON-serialisable facts for the card.

    Returns:
        The path of the JSON card.
    """
    cfg = model_config(model)
    if len(vocab) != cfg["vocab_size"]:
        raise ValueError(
            f"vocab has {len(vocab)} characters but the model predicts {cfg['vocab_size']}"
        )
    weights_path, card_path = _paths(path)
    weights_path.parent.mkdir(parents=True, exist_ok=True)
    # A fresh copy holds the layers' weights only (no optimizer slots): a smaller file.
    clean = build_char_model(**cfg, name=model.name)
    clean.set_weights(model.get_weights())
    clean.save_weights(str(weights_path))
    card = {
        "format": _FORMAT,
        "name": card_path.name[: -len(".json")],
        **cfg,
        "chars": vocab.to_list(),
        "parameters": int(model.count_params()),
        "backend": keras.backend.backend(),
        "keras_version": keras.__version__,
        "hardware": hardware(),
        **dict(info or {}),
        "weights_sha256": _file_sha256(weights_path),
    }
    card_path.write_text(json.dumps(card, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    return card_path


def read_card(name_or_path: str | os.PathLike) -> dict:
    """The JSON card of a saved model, checked against its weights file.

    Raises:
        FileNotFoundError: the card or the weights file is missing (the message lists the
            saved models).
        ValueError: the card is not valid JSON, lacks a field, disagrees with itself, or the
            weights file's SHA-256 is not the one the card recorded.
    """
    weights_path, card_path = _paths(name_or_path)
    if not card_path.is_file():
        raise FileNotFoundError(
            f"no model card {card_path} (saved models: {', '.join(saved_models()) or 'none'})"
        )
    if not weights_path.is_file():
        raise FileNotFoundError(f"{card_path} has no weights file beside it ({weights_path})")
    try:
        card = json.loads(card_path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ValueError(f"{card_path} is not a valid JSON model card: {exc}") from exc
    if not isinstance(card, dict):
        raise ValueError(f"{card_path} is not a model card of this course (not a JSON object)")
    missing = [key for key in _CARD_KEYS if key not in card]
    if missing:
        raise ValueError(f"{card_path} lacks {', '.join(missing)}: not a model card of this course")
    if card["format"] != _FORMAT:
        raise ValueError(f"{card_path}: format {card['format']!r} is not {_FORMAT!r}")
    if len(card["chars"]) != card["vocab_size"] or len(set(card["chars"])) != len(card["chars"]):
        raise ValueError(
            f"{card_path}: {len(card['chars'])} characters listed for vocab_size "
            f"{card['vocab_size']} (or repeated characters)"
        )
    if card["kind"] not in KINDS:
        raise ValueError(f"{card_path}: unknown kind {card['kind']!r}")
    if _file_sha256(weights_path) != card["weights_sha256"]:
        raise ValueError(
            f"{weights_path} does not match its card {card_path.name} (SHA-256 differs): "
            "the weights were replaced or damaged; save the model again"
        )
    return card


def load_char_model(name_or_path: str | os.PathLike) -> tuple[keras.Model, Vocabulary, dict]:
    """Load a model saved by :func:`save_char_model`.

    Args:
        name_or_path: a name from :func:`saved_models`, or a path (with or without suffix).

    Returns:
        ``(model, vocab, info)``: the rebuilt model with its weights, its vocabulary, and the
        whole card as a dict.

    Raises:
        FileNotFoundError, ValueError: see :func:`read_card`; also ValueError when the weights
            do not fit the architecture the card describes.
    """
    card = read_card(name_or_path)
    weights_path, _ = _paths(name_or_path)
    model = build_char_model(
        card["vocab_size"], kind=card["kind"], units=card["units"],
        embedding_dim=card["embedding_dim"], layers=card["layers"],
        dropout=card.get("dropout", 0.0),
    )
    try:
        model.load_weights(str(weights_path))
    except Exception as exc:  # Keras raises ValueError or KeyError, depending on the version
        raise ValueError(
            f"{weights_path} does not fit the architecture its card describes "
            f"({card['kind']}, {card['units']} units, vocabulary {card['vocab_size']}): {exc}"
        ) from exc
    return model, Vocabulary.from_list(card["chars"]), card


def saved_models() -> list[str]:
    """Names of the models saved under :func:`models_dir` (a card and a weights file each)."""
    folder = models_dir()
    if not folder.is_dir():
        return []
    return sorted(
        p.name[: -len(".json")] for p in folder.glob("*.json")
        if (folder / (p.name[: -len(".json")] + ".weights.h5")).is_file()
    )
