"""Checkers for the exercises of the Shakespeare chapters (*The tutorial's program and its three
flaws*: temperature from logits; *A recipe that measures itself*: a variant of the model).

In a notebook::

    from rnnbook.exercises import shakespeare_lstm as check
    check.temperature_softmax(temperature_softmax)
    check.variant_experiment(build_variant, data, epochs=2, recipe=RECIPE)

(The exercise "a temperature that repeats itself" lives in the sampling explorer, checked by
:mod:`rnnbook.exercises.sampling_explorer`.)
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable

import keras
import numpy as np

from rnnbook.cells.numpy_rnn.activations import softmax
from rnnbook.config import Recipe
from rnnbook.exercises import core
from rnnbook.metrics import nats_to_bits
from rnnbook.models import build_char_model
from rnnbook.training import fitting

# ---------------------------------------------------------------- temperature from logits

TEMPERATURE = "temperature sampling"



def reference_temperature_softmax(logits: np.ndarray, temperature: float) -> np.ndarray:
    """``softmax(logits / T)``, computed without overflow."""
    return softmax(np.asarray(logits, dtype=np.float64) / temperature)


def _temperature_cases() -> list[tuple[np.ndarray, float, str]]:
    rng = np.random.default_rng(0)
    logits = rng.normal(0.0, 2.0, size=9)
    return [
        (logits, 0.5, "T = 0.5 (sharper)"),
        (logits, 2.0, "T = 2 (flatter)"),
        (rng.normal(0.0, 1.0, size=(3, 6)), 0.7, "a batch of 3 rows, T = 0.7"),
        (np.array([1000.0, 998.0, 990.0, 0.0]), 1.0, "large logits (1000), T = 1"),
        (np.array([[1000.0, 999.0, 990.0], [-1000.0, -1001.0, -1010.0], [2.0, 2.0, -3.0]]), 1.0,
         "rows of very different sizes (1000, -1000) and a tie, T = 1"),
    ]


@core.checker(TEMPERATURE)
def temperature_softmax(fn: Callable) -> bool:
    """Check ``fn(logits, temperature) -> probabilities`` (along the last axis)."""
    for logits, temperature, case in _temperature_cases():
        given = logits.copy()
        got = core.call(fn, given, temperature)
        core.unchanged(TEMPERATURE, ("logits",), (given,), (logits,))
        got = core.as_array(TEMPERATURE, "the probabilities", got)
        expected = reference_temperature_softmax(logits, temperature)
        p = softmax(logits)
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            raw = np.exp(logits / temperature)
            naive = raw / raw.sum(axis=-1, keepdims=True)
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            shifted = np.exp((logits - logits.max()) / temperature)
            one_max = shifted / shifted.sum(axis=-1, keepdims=True)
        nan = np.isnan(got)
        if logits.ndim == 2 and nan.any() and np.array_equal(nan, np.isnan(one_max)):
            core.expect(TEMPERATURE, False, f"the probabilities contain NaN ({case})",
                        "subtract each row's own largest logit (logits.max(axis=-1, "
                        "keepdims=True)), not the largest of the whole batch: a row far below "
                        "it underflows to 0 / 0")
        if nan.any() and np.isnan(naive).any():
            core.expect(TEMPERATURE, False, f"the probabilities contain NaN ({case})",
                        "exp(1000) overflows: subtract the largest logit before exp "
                        "(softmax does not change when a constant is subtracted)")
        mistakes = {
            "you divided the probabilities by T and renormalised: that cancels out, the "
            "temperature changes nothing; divide the logits by T, then take the softmax": p,
            "you divided the probabilities by T: divide the logits, then take the softmax":
                p / temperature,
            "you applied the softmax twice: once to logits / T is all it takes":
                softmax(expected),
            "you multiplied by the temperature: T divides the logits (a low T sharpens)":
                softmax(logits * temperature),
            "the probabilities are not normalised: divide exp(...) by its sum": raw,
        }
        core.compare(TEMPERATURE, "the probabilities", got, expected, atol=1e-6,
                     axes=("row", "character") if logits.ndim == 2 else ("character",),
                     mistakes=mistakes, case=case)
    return core.passed(TEMPERATURE, "softmax(logits / T) on 5 cases, including batches (rows "
                       "of very different sizes, a tie) and logits large enough to overflow a "
                       "naive exp.")


# ---------------------------------------------------------------- an Embedding, a second layer

VARIANT = "an Embedding and a second layer"


def _all_layers(model) -> list:
    """Every layer of ``model``, those of nested models (a Sequential inside) included."""
    out = []
    for layer in model.layers:
        out.append(layer)
        if hasattr(layer, "layers"):
            out.extend(_all_layers(layer))
    return out


def _recurrent_depth(model) -> int:
    """Recurrent layers stacked in ``model``: each RNN layer counts its cells (a
    ``keras.layers.RNN`` of two stacked cells is two layers)."""
    depth = 0
    for layer in _all_layers(model):
        if isinstance(layer, keras.layers.RNN):
            depth += len(getattr(layer.cell, "cells", [layer.cell]))
    return depth


def _has_embedding(model) -> bool:
    return any(isinstance(layer, keras.layers.Embedding) for layer in _all_layers(model))


def _probs(variant, ids: np.ndarray) -> np.ndarray:
    """The variant's output on ``ids``, or a one-line hint if it cannot read them."""
    try:
        return keras.ops.convert_to_numpy(variant(ids))
    except Exception as error:  # noqa: BLE001 - any failure of the learner's model, in one line
        raise core.ExerciseError(
            f"{VARIANT}: the variant cannot read a batch of ids of shape {ids.shape} "
            f"({type(error).__name__}: {str(error).splitlines()[0][:200]})\nLikely mistake: "
            "its input should be integer ids of any length, keras.Input(shape=(None,), "
            "dtype='int32'), as the course's model reads them") from None


def _reads_ahead(variant, vocab_size: int) -> int | None:
    """The first step whose prediction changes when only the last character changes (None:
    the variant reads left to right, as a generator must)."""
    ids = np.random.default_rng(0).integers(0, vocab_size, size=(2, 7)).astype(np.int32)
    other = ids.copy()
    other[:, -1] = (other[:, -1] + 1) % vocab_size
    first, second = _probs(variant, ids), _probs(variant, other)
    moved = np.flatnonzero(~np.isclose(first[:, :-1], second[:, :-1], atol=1e-6).all(axis=(0, 2)))
    return int(moved[0]) if moved.size else None


def _train(model, data, epochs: int, recipe: Recipe) -> tuple[float, float]:
    """Train with the course's recipe; return (held-out nats per character, seconds)."""
    fitting.compile_char_model(model, recipe.learning_rate)
    start = time.perf_counter()
    log = fitting.fit_char_model(model, data, epochs, batch_size=recipe.batch_size)
    return float(log.best_val_loss), time.perf_counter() - start


@core.checker(VARIANT)
def variant_experiment(build_variant: Callable, data, *, epochs: int, recipe: Recipe) -> bool:
    """Train the course's LSTM(128) and the learner's variant alike; report held-out nats.

    Checked: the variant builds, maps ids (batch, time) to probabilities (batch, time, vocab),
    has an ``Embedding`` or more than one recurrent layer, and both models learn (held-out loss
    below uniform guessing). Which of the two is better is reported, not checked: a few
    epochs on one seed do not settle it.
    """
    vocab_size = len(data.vocab)
    keras.utils.set_random_seed(3)
    variant = core.call(build_variant, vocab_size, recipe.dropout)
    core.expect(VARIANT, isinstance(variant, keras.Model),
                f"build_variant should return a keras.Model; got {type(variant).__name__}")
    probs = _probs(variant, np.zeros((2, 7), dtype=np.int32))
    core.expect(VARIANT, probs.shape[:2] == (2, 7),
                f"the variant maps ids (2, 7) to shape {probs.shape}, expected "
                f"(2, 7, {vocab_size})",
                "keep return_sequences=True on every recurrent layer: the model predicts a "
                "character at every step")
    core.expect(VARIANT, probs.shape == (2, 7, vocab_size),
                f"the variant maps ids (2, 7) to shape {probs.shape}, expected "
                f"(2, 7, {vocab_size}): one probability per character of the vocabulary",
                "build the model for the vocab_size it is given: its last layer is "
                "Dense(vocab_size, activation='softmax')")
    core.expect(VARIANT, bool(np.allclose(probs.sum(-1), 1.0, atol=1e-4)),
                "the variant's outputs do not sum to 1 over the vocabulary",
                "end with Dense(vocab_size, activation='softmax')")
    ahead = _reads_ahead(variant, vocab_size)
    core.expect(VARIANT, ahead is None,
                f"the variant's prediction at step {ahead} changes when only the character at "
                "step 6 changes: it reads characters after the one it predicts",
                "a Bidirectional layer (or a convolution with padding='same') sees the future, "
                "which a generator never has: use recurrent layers that read left to right")
    layers = _recurrent_depth(variant)
    core.expect(VARIANT, _has_embedding(variant) or layers > 1,
                f"the variant has no Embedding and {layers} recurrent layer(s): that is the "
                "course's model again", "build_char_model(..., embedding_dim=32) or layers=2")

    keras.utils.set_random_seed(3)
    baseline = build_char_model(vocab_size, "lstm", 128, dropout=recipe.dropout)
    rows = []
    for name, model in (("course's LSTM(128)", baseline), ("your variant", variant)):
        nats, seconds = _train(model, data, epochs, recipe)
        rows.append((name, model.count_params(), nats, seconds))
    print(f"{'model':20s} {'parameters':>10s} {'held-out nats':>13s} {'bits/char':>9s} "
          f"{'seconds':>8s}   ({epochs} epochs each)")
    for name, params, nats, seconds in rows:
        print(f"{name:20s} {params:10,d} {nats:13.3f} {nats_to_bits(nats):9.3f} {seconds:8.1f}")
    uniform = math.log(vocab_size)
    for name, _, nats, _ in rows:
        core.expect(VARIANT, math.isfinite(nats) and nats < uniform,
                    f"{name} ends at {nats:.3f} nats, no better than uniform guessing "
                    f"({uniform:.3f})", "check the learning rate and that the model trains")
    better = rows[1][2] < rows[0][2]
    print(f"after {epochs} epochs your variant is {abs(rows[1][2] - rows[0][2]):.3f} nats "
          f"{'better' if better else 'worse'} than the course's model on this seed")
    return core.passed(VARIANT, "the variant builds, trains and is measured on the held-out "
                       "characters.")
