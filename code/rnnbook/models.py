"""Character-level Keras models: building, checking, saving and scoring them.

- :func:`build_char_model`: integer ids in, next-character probabilities at every position out
  (an LSTM, GRU or simple RNN layer between a one-hot or embedding input and a softmax).
- :func:`model_config`: the arguments that rebuild a model's architecture (what
  :class:`rnnbook.generation.stepper.CharStepper`, the model replayed in NumPy, reads from it).
- :func:`save_char_model` / :func:`load_char_model` / :func:`saved_models`: weights
  (``<name>.weights.h5``) plus a small JSON card (vocabulary, configuration, validation loss,
  hardware, backend) under ``data/models/``; :func:`saved_model_scores` scores them on the
  sonnets' held-out targets.

Their NumPy twin for fast generation is :class:`rnnbook.generation.stepper.CharStepper`.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import keras

from rnnbook import config, validate
from rnnbook.cells import KINDS, cell, kind_of_layer
from rnnbook.cells.attention import TransformerSize, build_char_transformer, size_dict, size_of
from rnnbook.metrics import nats_to_bits
from rnnbook.text import baselines
from rnnbook.text.corpora import load_corpus
from rnnbook.text.vocabulary import Vocabulary
from rnnbook.text.windows import SCORING_WINDOW, prepare_char_data


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
    layer = cell(kind).layer
    for arg, value in (("vocab_size", vocab_size), ("units", units), ("layers", layers)):
        validate.positive_int(arg, value)
    validate.integer("embedding_dim", embedding_dim, 1, none=True)
    validate.number("dropout", dropout, 0, 1, high_open=True)

    ids = keras.Input(shape=(None,), dtype="int32", name="ids")
    if embedding_dim is None:
        x = OneHot(vocab_size, name="one_hot")(ids)
    else:
        x = keras.layers.Embedding(vocab_size, embedding_dim, name="embedding")(ids)
    for i in range(layers):
        x = layer(units, return_sequences=True, name=f"{kind}_{i}")(x)
        if dropout:
            x = keras.layers.Dropout(dropout, name=f"dropout_{i}")(x)
    probs = keras.layers.Dense(vocab_size, activation="softmax", name="next_char")(x)
    return keras.Model(ids, probs, name=name or f"char_{kind}{units}")


def fused_kernel_blockers(layer: keras.layers.Layer) -> list[str]:
    """Why a recurrent layer would *not* run on the fused cuDNN kernel on a GPU (empty: it can).

    Keras takes the fused path only for an ``LSTM`` or ``GRU`` with ``tanh`` activation,
    ``sigmoid`` recurrent activation, no ``recurrent_dropout`` (input ``dropout`` is applied
    before the kernel and does not matter), no ``unroll``, a bias and, for a GRU,
    ``reset_after=True``. A mask on the input is allowed on TensorFlow when it is strictly
    right-padded; on JAX any mask means the generic loop (:func:`model_fused_kernel_blockers`
    reports masks). With ``use_cudnn="auto"`` (the default) anything else falls back to the
    generic step-by-step loop without a word, several times slower on a GPU; with
    ``use_cudnn=True`` Keras raises an error instead. Whether the fused kernel is then used also
    depends on the backend and the Keras version (chapter *Training for real*).
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
                reasons.append("a mask (Embedding(mask_zero=True) or Masking) reaches it: "
                               "the generic loop on JAX; on TensorFlow only a strictly "
                               "right-padded mask keeps the fused kernel")
            found[layer.name] = reasons
    return found


def recurrent_layers(model: keras.Model) -> list[keras.layers.Layer]:
    """The recurrent layers of a model (those of a kind :mod:`rnnbook.cells` knows), in order."""
    return [layer for layer in model.layers if kind_of_layer(layer) is not None]


def model_config(model: keras.Model) -> dict:
    """The :func:`build_char_model` arguments that rebuild ``model``'s architecture.

    Raises:
        ValueError: ``model`` is not shaped like a :func:`build_char_model` model.
    """
    recurrent = recurrent_layers(model)
    dense = model.layers[-1]
    if not recurrent or not isinstance(dense, keras.layers.Dense):
        raise validate.error_for("model", "be a character model built by build_char_model",
                                 received=f"{model.name}, not a character model")
    kind = kind_of_layer(recurrent[0])
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


# ---------------------------------------------------------------- saving and loading

_FORMAT = "rnnbook-char-model/1"
TRANSFORMER_FORMAT = "rnnbook-char-transformer/1"
_COMMON_KEYS = ("format", "name", "chars", "vocab_size", "kind", "weights_sha256")
_ARCHITECTURE_KEYS = {_FORMAT: ("units", "embedding_dim", "layers"),
                      TRANSFORMER_FORMAT: tuple(size_dict(TransformerSize()))}


def is_transformer(model: Any) -> bool:
    """Whether ``model`` is a :func:`~rnnbook.cells.attention.build_char_transformer` model
    (``False`` for anything else, a recurrent model or a stepper)."""
    return isinstance(model, keras.Model) and any(
        isinstance(layer, keras.layers.MultiHeadAttention) for layer in model.layers)


def card_config(model: keras.Model) -> dict:
    """What a card records of ``model``'s architecture: its format, kind, vocabulary size and
    the arguments that rebuild it (:func:`model_config`, or a Transformer's size)."""
    if is_transformer(model):
        return {"format": TRANSFORMER_FORMAT, "kind": "transformer",
                "vocab_size": int(model.output_shape[-1]), **size_dict(size_of(model))}
    return {"format": _FORMAT, **model_config(model)}


def rebuild(card: Mapping[str, Any], name: str | None = None) -> keras.Model:
    """A fresh, untrained model of the architecture a card (or :func:`card_config`) records."""
    if card["kind"] == "transformer":
        size = TransformerSize(**{key: card[key] for key in _ARCHITECTURE_KEYS[TRANSFORMER_FORMAT]})
        return build_char_transformer(card["vocab_size"], size, name=name)
    return build_char_model(card["vocab_size"], kind=card["kind"], units=card["units"],
                            embedding_dim=card["embedding_dim"], layers=card["layers"],
                            dropout=card.get("dropout", 0.0), name=name)


def card_shape(card: Mapping[str, Any]) -> str:
    """A saved model's architecture, short: ``lstm(256) x2``, ``transformer(128x4)``."""
    if card["kind"] == "transformer":
        return f"transformer({card['dim']}x{card['blocks']})"
    return f"{card['kind']}({card['units']})" + (f" x{card['layers']}" if card["layers"] > 1
                                                 else "")


def models_dir() -> Path:
    """Where trained models live: ``<data dir>/models``."""
    return config.data_dir() / "models"


def _paths(name_or_path: str | os.PathLike) -> tuple[Path, Path]:
    """(weights, card) paths for a bare name (under :func:`models_dir`) or a path."""
    text = str(name_or_path)
    if not text:
        raise validate.error_for("name_or_path", "name a model", name_or_path)
    for suffix in (".weights.h5", ".json"):
        if text.endswith(suffix):
            text = text[: -len(suffix)]
    base = Path(text)
    if not base.parent.parts and not base.is_absolute():  # a bare name
        base = models_dir() / text
    return base.with_name(base.name + ".weights.h5"), base.with_name(base.name + ".json")


def _file_sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def save_char_model(
    model: keras.Model,
    vocab: Vocabulary,
    path: str | os.PathLike,
    info: Mapping[str, Any] | None = None,
) -> Path:
    """Save weights (``<path>.weights.h5``) and a JSON card (``<path>.json``).

    The card holds the vocabulary's characters (in id order), the architecture
    (:func:`card_config`: a recurrent model's or a Transformer's), the backend, Keras version
    and hardware, the SHA-256 of the weights file, and everything in ``info`` (e.g.
    ``best_val_loss_nats``, ``best_val_loss_bits``, ``epochs``, training sizes). Only the
    layers' weights are saved, not the optimizer's state.

    Args:
        model: a :func:`build_char_model` or
            :func:`~rnnbook.cells.attention.build_char_transformer` model.
        vocab: the vocabulary it was trained with (``len(vocab)`` must equal its softmax width).
        path: a bare name (saved under :func:`models_dir`) or a path without suffix.
        info: extra JSON-serialisable facts for the card.

    Returns:
        The path of the JSON card.
    """
    cfg = card_config(model)
    if len(vocab) != cfg["vocab_size"]:
        raise ValueError(
            f"vocab has {len(vocab)} characters but the model predicts {cfg['vocab_size']}"
        )
    weights_path, card_path = _paths(path)
    weights_path.parent.mkdir(parents=True, exist_ok=True)
    # A fresh copy holds the layers' weights only (no optimizer slots): a smaller file.
    clean = rebuild(cfg, name=model.name)
    clean.set_weights(model.get_weights())
    clean.save_weights(str(weights_path))
    card = {
        "name": card_path.name[: -len(".json")],
        **cfg,
        "chars": vocab.to_list(),
        "parameters": int(model.count_params()),
        "backend": keras.backend.backend(),
        "keras_version": keras.__version__,
        "hardware": config.hardware(),
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
    missing = [key for key in _COMMON_KEYS + _ARCHITECTURE_KEYS.get(card.get("format"), ())
               if key not in card]
    if missing:
        raise ValueError(f"{card_path} lacks {', '.join(missing)}: not a model card of this course")
    if card["format"] not in _ARCHITECTURE_KEYS:
        raise ValueError(f"{card_path}: format {card['format']!r} is not one of "
                         f"{', '.join(map(repr, _ARCHITECTURE_KEYS))}")
    if len(card["chars"]) != card["vocab_size"] or len(set(card["chars"])) != len(card["chars"]):
        raise ValueError(
            f"{card_path}: {len(card['chars'])} characters listed for vocab_size "
            f"{card['vocab_size']} (or repeated characters)"
        )
    if card["kind"] not in (("transformer",) if card["format"] == TRANSFORMER_FORMAT else KINDS):
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
    model = rebuild(card)
    try:
        model.load_weights(str(weights_path))
    except Exception as exc:  # Keras raises ValueError or KeyError, depending on the version
        raise ValueError(
            f"{weights_path} does not fit the architecture its card describes "
            f"({card_shape(card)}, vocabulary {card['vocab_size']}): {exc}"
        ) from exc
    return model, Vocabulary.from_list(card["chars"]), card


def saved_models(transformers: bool = False) -> list[str]:
    """Names of the models saved under :func:`models_dir` (a card and a weights file each): the
    recurrent ones, and with ``transformers`` the character Transformers too."""
    folder = models_dir()
    if not folder.is_dir():
        return []
    names = sorted(p.name[: -len(".json")] for p in folder.glob("*.json")
                   if (folder / (p.name[: -len(".json")] + ".weights.h5")).is_file())
    return names if transformers else [n for n in names
                                       if _card_format(folder / f"{n}.json") != TRANSFORMER_FORMAT]


def _card_format(card_path: Path) -> str | None:
    """The format a card says it has (``None`` for a file that is no card)."""
    try:
        card = json.loads(card_path.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError):
        return None
    return card.get("format") if isinstance(card, dict) else None


def card_summary(card: Mapping[str, Any]) -> str:
    """One line on a saved model: its architecture, how it was trained, its held-out loss.

    A card records what its training knew: the loss and the epochs when the command that saved
    it had them, a ``stage`` (``"fine-tuned"``) when it was one of several trainings.
    """
    parts = [f"{card_shape(card)}, {card['parameters']:,} weights"]
    parts += [str(card[key]) for key in ("stage",) if key in card]
    if "epochs" in card:
        parts.append(f"{card['epochs']} epochs")
    if "best_val_loss_nats" in card:
        parts.append(f"held-out loss {card['best_val_loss_nats']:.3f} nats = "
                     f"{nats_to_bits(card['best_val_loss_nats']):.3f} bits/char")
    parts.append(f"Keras {card['keras_version']} on {card['backend']}, {card['hardware']}")
    return f"{card['name']}: " + "; ".join(parts)


def saved_model_scores(names: Iterable[str] | None = None, text: str | None = None,
                       seq_len: int = SCORING_WINDOW) -> list[dict]:
    """Held-out nats of saved models (default: all) on the sonnets' targets: rows of
    :func:`rnnbook.text.baselines.format_table`.

    Each model is scored with its own vocabulary by :meth:`rnnbook.text.windows.HeldOut.loss`.
    """
    text = load_corpus("sonnets") if text is None else text
    out = []
    for name in saved_models() if names is None else names:
        model, vocab, card = load_char_model(name)
        held = prepare_char_data(text, seq_len=seq_len, vocab=vocab).held_out
        out.append(baselines.row(name, f"model: {card_shape(card)}", held.loss(model)))
    return out
