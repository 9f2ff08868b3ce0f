"""Checkers for the exercises of the chapter "Stacked and bidirectional RNNs".

In a notebook::

    from rnnbook.exercises import stacked_and_bidirectional as check
    check.stack_params(stack_params)
    check.bidirectional(bidirectional_rnn)
    check.matched_units(prediction)

Each checker compares the learner's answer with :mod:`rnnbook.training.deep` and
:mod:`rnnbook.cells.numpy_rnn` (the course's references), and names the typical mistake when the
answer matches one.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from rnnbook.cells import param_count
from rnnbook.cells.numpy_rnn import rnn_forward
from rnnbook.exercises import core
from rnnbook.training import deep

# ---------------------------------------------------------------- parameters of a stack

PARAMS = "parameters of a stack"
PARAM_CASES = ((39, 128, 1), (39, 79, 2), (39, 64, 3), (65, 200, 2), (10, 7, 4))


@core.checker(PARAMS)
def stack_params(fn: Callable) -> bool:
    """Check ``fn(vocab_size, units, layers)`` against
    :func:`rnnbook.training.deep.char_model_params`."""
    for vocab, units, layers in PARAM_CASES:
        got = core.as_number(PARAMS, f"the count for vocab_size={vocab}, units={units}, "
                             f"layers={layers}", core.call(fn, vocab, units, layers), whole=True)
        expected = deep.char_model_params(vocab, units, layers)
        if got == expected:
            continue
        first, later = param_count("lstm", vocab, units), param_count("lstm", units, units)
        hints = (
            (layers * first + (units + 1) * vocab,
             "only the first layer reads the one-hot characters; every later layer reads the "
             "units of the layer below (features = units)"),
            (first + (layers - 1) * later,
             "count the softmax read-out too: (units + 1) * vocab_size"),
            (4 * units * (vocab + units) + (layers - 1) * 4 * units * 2 * units
             + units * vocab, "each of the four blocks of every layer has a bias of units "
             "numbers, and so has the read-out"),
            (first + (layers - 1) * later + units * vocab,
             "the read-out has a bias too: (units + 1) * vocab_size"),
            (units * (vocab + units + 1) + (layers - 1) * units * (2 * units + 1)
             + (units + 1) * vocab, "an LSTM layer has four blocks (three gates and the "
             "candidate): 4 * units * (features + units + 1)"),
        )
        hint = next((h for value, h in hints if value == got), "")
        core.expect(PARAMS, False, f"your formula gives {got:,} for vocab_size={vocab}, "
                    f"units={units}, layers={layers}; Keras counts {expected:,}", hint)
    return core.passed(PARAMS, f"your formula gives Keras's count on {len(PARAM_CASES)} stacks "
                       "(1 to 4 layers).")


# ---------------------------------------------------------------- a bidirectional layer

BIDIRECTIONAL = "bidirectional layer"


def reference_bidirectional(x: np.ndarray, forward: list, backward: list) -> np.ndarray:
    """Both directions' states at every position, side by side: (batch, time, 2 units)."""
    h_fw, _ = rnn_forward(x, forward)  # (batch, time, units): h_t has read x_1 .. x_t
    h_bw, _ = rnn_forward(x[:, ::-1], backward)  # read from the end
    return np.concatenate([h_fw, h_bw[:, ::-1]], axis=-1)  # h_bw aligned: read x_t .. x_T


def _weights(rng: np.random.Generator, features: int, units: int) -> list:
    return [rng.normal(0, 0.5, (features, units)), rng.normal(0, 0.5, (units, units)),
            rng.normal(0, 0.1, units)]


@core.checker(BIDIRECTIONAL)
def bidirectional(fn: Callable) -> bool:
    """Check ``fn(x, forward_weights, backward_weights)`` -> (batch, time, 2 units)."""
    rng = np.random.default_rng(0)
    for batch, time, features, units in ((2, 5, 3, 4), (1, 7, 2, 3)):
        x = rng.normal(size=(batch, time, features))
        fw, bw = _weights(rng, features, units), _weights(rng, features, units)
        given = core.copies(x, fw, bw)
        got = core.call(fn, *given)
        core.unchanged(BIDIRECTIONAL, ("x", "forward_weights", "backward_weights"), given,
                       (x, fw, bw))
        expected = reference_bidirectional(x, fw, bw)
        got = core.as_array(BIDIRECTIONAL, "the states", got)
        h_fw, _ = rnn_forward(x, fw)
        h_bw, _ = rnn_forward(x[:, ::-1], bw)
        mistakes = {
            "the backward states are still in reading order: reverse them again "
            "(h_bw[:, ::-1]) so that position t holds the state that has read x_t .. x_T":
                np.concatenate([h_fw, h_bw], axis=-1),
            "the backward direction must read the sequence reversed, x[:, ::-1], not x":
                np.concatenate([h_fw, rnn_forward(x, bw)[0]], axis=-1),
            "the backward direction has weights of its own: use backward_weights for it":
                np.concatenate([h_fw, rnn_forward(x[:, ::-1], fw)[0][:, ::-1]], axis=-1),
            "the forward states come first, then the backward ones (as Keras's "
            "Bidirectional concatenates them)": np.concatenate([h_bw[:, ::-1], h_fw], axis=-1),
        }
        core.compare(BIDIRECTIONAL, "the states", got, expected, atol=1e-8,
                     axes=("example", "position", "unit"), mistakes=mistakes,
                     case=f"batch {batch}, {time} steps, {units} units")
    return core.passed(BIDIRECTIONAL, "both directions, aligned by position, on two cases.")


# ---------------------------------------------------------------- predict: a deeper stack

MATCHED = "units of a matched stack"


@core.checker(MATCHED)
def matched_units(prediction, layers: int = 3, units: int = 128, vocab_size: int = 39) -> bool:
    """Check a predicted width for a ``layers``-deep stack with the parameters of one layer."""
    if core.is_stub(prediction):
        return core.not_attempted(MATCHED, how="Replace the `...` with your prediction")
    width = core.as_number(MATCHED, "your prediction (units per layer)", prediction, whole=True)
    core.expect(MATCHED, width >= 1, f"your prediction is {width} units per layer: a layer "
                "has at least one unit", "predict the width of each of the layers, a positive "
                "whole number")
    exact = deep.matched_units(vocab_size, units, layers)
    target = deep.char_model_params(vocab_size, units, 1)
    got = deep.char_model_params(vocab_size, width, layers)
    off = (got - target) / target
    core.expect(MATCHED, abs(off) <= 0.05,
                f"{layers} layers of {width} units have {got:,} parameters, "
                f"{off:+.0%} from one layer of {units} ({target:,}); the closest width is {exact}",
                "the recurrent weights grow as units squared, and every layer after the first "
                "has 4 * u * (u + u + 1): solve for u, or try a few widths with your formula")
    return core.passed(MATCHED, f"{layers} x {width} units: {got:,} parameters, "
                       f"{off:+.1%} from one layer of {units} (the closest width is {exact}).")
