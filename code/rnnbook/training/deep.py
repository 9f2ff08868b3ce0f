"""Stacked and bidirectional recurrent layers: the two experiments of their chapter.

- :func:`stack_experiment`: one LSTM layer against a stack of two at (nearly) the same number
  of parameters, trained on the sonnets' training text with the same budget, each scored once
  on the course's held-out targets (nats per character).
- :func:`tagging_experiment`: a per-character tagging task where the future helps (does a line
  end after this character?), solved by a unidirectional and by a bidirectional layer.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, replace

import keras
import numpy as np

from rnnbook import config, validate
from rnnbook.cells import param_count
from rnnbook.models import OneHot, build_char_model
from rnnbook.text.vocabulary import Vocabulary
from rnnbook.text.windows import sonnets_and_dev, sonnets_test
from rnnbook.training.fitting import compile_char_model, fit_char_model


def char_model_params(vocab_size: int, units: int, layers: int = 1, kind: str = "lstm") -> int:
    """Weights of :func:`~rnnbook.models.build_char_model` with one-hot input, by formula."""
    validate.positive_int("layers", layers)
    recurrent = param_count(kind, vocab_size, units) + \
        (layers - 1) * param_count(kind, units, units)
    return recurrent + (units + 1) * vocab_size  # the softmax read-out V, c


def matched_units(vocab_size: int, units: int, layers: int = 2, kind: str = "lstm") -> int:
    """Units per layer of a ``layers``-deep stack with about the parameters of one layer of
    ``units`` (the closest count)."""
    target = char_model_params(vocab_size, units, 1, kind)
    return min(range(1, units + 1),
               key=lambda u: abs(char_model_params(vocab_size, u, layers, kind) - target))


def tagger_params(vocab_size: int, units: int, bidirectional: bool) -> int:
    """Weights of :func:`build_tagger`, by formula: one LSTM per direction and a sigmoid."""
    directions = 2 if bidirectional else 1
    return directions * (param_count("lstm", vocab_size, units) + units) + 1


@dataclass(frozen=True)
class StackRun:
    """One model of :func:`stack_experiment`: its shape, size, score and time."""

    layers: int
    units: int
    params: int
    test_nats: float
    dev_nats: float
    best_epoch: int
    seconds: float

    @property
    def label(self) -> str:
        return f"{self.layers} x LSTM({self.units})"


def stack_experiment(vocab: Vocabulary, units: int, epochs: int, *, seed: int = config.SEED,
                     recipe: config.Recipe = config.CPU_RECIPE,
                     train_windows: int | None = None) -> list[StackRun]:
    """One LSTM layer of ``units`` against two layers of matched size, same budget.

    Each model trains on the first 90% of the sonnets' training text, keeps the epoch with the
    lowest loss on the last 10% (the *dev* text; the course's rule: no choice on the test), and
    is then scored once on the sonnets' held-out targets, as every sonnet model of the course.
    ``train_windows`` keeps only the first windows of the training text (a quick run).
    """
    validate.positive_int("units", units)
    validate.positive_int("epochs", epochs)
    validate.integer("train_windows", train_windows, 1, none=True)
    _, dev = sonnets_and_dev(vocab, recipe.seq_len)
    if train_windows is not None:
        dev = replace(dev, x_train=dev.x_train[:train_windows], y_train=dev.y_train[:train_windows])
    test = sonnets_test(vocab)
    runs = []
    for layers, size in ((1, units), (2, matched_units(len(vocab), units, 2))):
        config.set_seed(seed)
        model = compile_char_model(build_char_model(len(vocab), "lstm", size, layers=layers),
                                   recipe.learning_rate, recipe.clipnorm)
        began = time.perf_counter()
        log = fit_char_model(model, dev, epochs, recipe.batch_size, progress=None)
        seconds = time.perf_counter() - began
        runs.append(StackRun(layers, size, model.count_params(), test.loss(model),
                             log.best_val_loss, log.best_epoch, seconds))
    return runs


def line_end_tags(ids: np.ndarray, newline: int) -> np.ndarray:
    """1 where the *next* character is a line break (this character ends its line), else 0.

    The last position has no next character and is tagged 0; the windows of
    :func:`tagging_windows` never score it.
    """
    ids = np.asarray(ids)
    tags = np.zeros(len(ids), np.float32)
    tags[:-1] = ids[1:] == newline
    return tags


def tagging_windows(ids: np.ndarray, newline: int, seq_len: int) -> tuple[np.ndarray, np.ndarray]:
    """Non-overlapping windows of ``seq_len`` ids and the tags of their first ``seq_len - 1``
    positions (the last position's answer lies outside the window, for either direction).

    Returns:
        x (windows, seq_len) int32, y (windows, seq_len - 1, 1) float32.
    """
    validate.integer("seq_len", seq_len, 2)
    tags = line_end_tags(ids, newline)
    n = (len(ids) - 1) // seq_len
    if n < 1:
        raise validate.error_for("ids", f"hold more than one window of {seq_len} ids",
                             received=f"{len(ids)} ids")
    x = np.asarray(ids[:n * seq_len], np.int32).reshape(n, seq_len)  # (windows, seq_len)
    y = tags[:n * seq_len].reshape(n, seq_len)[:, :-1, None]  # (windows, seq_len - 1, 1)
    return x, y


def build_tagger(vocab_size: int, units: int, bidirectional: bool) -> keras.Model:
    """One-hot characters, one LSTM layer (both directions, or forwards only), a sigmoid per
    position; the last position is cropped (its tag is never scored)."""
    ids = keras.Input(shape=(None,), dtype="int32")
    x = OneHot(vocab_size)(ids)  # (batch, time, vocab)
    layer = keras.layers.LSTM(units, return_sequences=True)
    x = keras.layers.Bidirectional(layer)(x) if bidirectional else layer(x)
    x = keras.layers.Cropping1D((0, 1))(x)  # (batch, time - 1, units or 2 units)
    out = keras.layers.Dense(1, activation="sigmoid")(x)  # (batch, time - 1, 1)
    return keras.Model(ids, out, name="bi_tagger" if bidirectional else "tagger")


@dataclass(frozen=True)
class TagRun:
    """One tagger of :func:`tagging_experiment`, scored on held-out text."""

    name: str
    units: int
    params: int
    nats: float  # mean binary cross-entropy per scored character
    recall: float  # share of the line ends found (probability > 0.5)
    precision: float  # share of the positions flagged that are line ends
    seconds: float


def binary_nats(p: np.ndarray, y: np.ndarray) -> float:
    """Mean binary cross-entropy, in nats, of probabilities ``p`` against 0/1 tags ``y``."""
    p = np.clip(np.asarray(p, np.float64), 1e-12, 1 - 1e-12)
    y = np.asarray(y, np.float64)
    return float(-(y * np.log(p) + (1 - y) * np.log1p(-p)).mean())


def tagging_experiment(train_ids: np.ndarray, held_ids: np.ndarray, vocab: Vocabulary,
                       units: int, epochs: int, *, seq_len: int = 50, batch_size: int = 32,
                       seed: int = config.SEED, train_windows: int | None = None) -> list[TagRun]:
    """A forwards LSTM and a bidirectional one, at matched parameters, tag every line end.

    The bidirectional layer has ``units`` per direction; the forwards layer has the units that
    give it about as many parameters. Both train with Adam on the same windows for ``epochs``
    (a fixed budget, nothing chosen on the held-out text) and are scored on ``held_ids``.
    ``train_windows`` keeps only the first training windows (a quick run).
    """
    validate.positive_int("units", units)
    validate.positive_int("epochs", epochs)
    validate.integer("train_windows", train_windows, 1, none=True)
    newline = vocab.encode("\n")[0]
    x, y = tagging_windows(train_ids, newline, seq_len)
    x, y = x[:train_windows], y[:train_windows]
    hx, hy = tagging_windows(held_ids, newline, seq_len)
    target = tagger_params(len(vocab), units, bidirectional=True)
    forward_units = min(range(1, 4 * units),
                        key=lambda u: abs(tagger_params(len(vocab), u, False) - target))
    runs = []
    for name, bidirectional, size in (("forwards", False, forward_units),
                                      ("bidirectional", True, units)):
        config.set_seed(seed)
        model = build_tagger(len(vocab), size, bidirectional)
        model.compile(optimizer=keras.optimizers.Adam(1e-2, global_clipnorm=1.0),
                      loss="binary_crossentropy")
        began = time.perf_counter()
        model.fit(x, y, batch_size=batch_size, epochs=epochs, shuffle=True, verbose=0)
        seconds = time.perf_counter() - began
        p = model.predict(hx, batch_size=256, verbose=0)
        flagged, ends = p > 0.5, hy > 0.5
        runs.append(TagRun(name, size, model.count_params(), binary_nats(p, hy),
                           float((flagged & ends).sum() / max(ends.sum(), 1)),
                           float((flagged & ends).sum() / max(flagged.sum(), 1)), seconds))
    return runs


def constant_nats(y: np.ndarray) -> float:
    """The binary cross-entropy of always answering the tags' own rate: the entropy of a coin
    with that rate, the score of a tagger that reads nothing."""
    rate = float(np.mean(y))
    return -(rate * math.log(rate) + (1 - rate) * math.log(1 - rate))


def build_bidirectional_char_model(vocab_size: int, units: int) -> keras.Model:
    """A next-character model with a bidirectional LSTM: the model that must not be built.

    The output at position t would read the backward state that has seen ``x_t .. x_T``, the
    answer ``x_{t+1}`` included.
    """
    ids = keras.Input(shape=(None,), dtype="int32")
    x = OneHot(vocab_size)(ids)  # (batch, time, vocab)
    x = keras.layers.Bidirectional(keras.layers.LSTM(units, return_sequences=True))(x)
    out = keras.layers.Dense(vocab_size, activation="softmax")(x)  # (batch, time, vocab)
    return keras.Model(ids, out, name="bidirectional_char_model")


def outputs_that_change(model: keras.Model, ids: np.ndarray, position: int) -> np.ndarray:
    """Which positions' outputs move when the input at ``position`` is replaced by another id.

    Returns:
        A (time,) bool array: True where the model's output changed. A model that reads only
        the past changes from ``position`` on; one that reads the future changes before it too.
    """
    ids = np.asarray(ids, np.int32)
    validate.integer("position", position, 0)
    if ids.ndim != 1 or position >= len(ids):
        raise validate.error_for("position", f"index the 1-D ids (0 .. {len(ids) - 1})", position)
    other = ids.copy()
    other[position] = (ids[position] + 1) % model.output_shape[-1]  # any other character
    # called, not predict: one small batch, and no new traced function for each model
    both = keras.ops.convert_to_numpy(model(np.stack([ids, other]), training=False))  # (2, time, .)
    return np.abs(both[0] - both[1]).reshape(len(ids), -1).max(axis=1) > 0
