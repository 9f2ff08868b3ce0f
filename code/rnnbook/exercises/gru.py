"""Checkers for the exercises of the GRU chapter.

In the notebook::

    from rnnbook.exercises import gru as check

    check.gru_step(gru_step)              # implement: one reset_after=False step
    check.gru_lstm_ratio(predicted)       # predict, then measure: GRU/LSTM parameter ratio
    check.perfect_memory(memory_weights)  # implement: a GRU that copies its state for 50 steps

Each checker runs the learner's answer against the course's reference
(:mod:`rnnbook.cells.numpy_rnn.gru`, :func:`rnnbook.cells.costs.param_count`) and, where the answer
differs, names the typical mistake that gives that very answer.
"""

from __future__ import annotations

from collections.abc import Callable

import keras
import numpy as np

from rnnbook.cells import costs
from rnnbook.cells.numpy_rnn.activations import sigmoid
from rnnbook.cells.numpy_rnn.gru import gru_forward, split_weights
from rnnbook.cells.numpy_rnn.gru import gru_step as course_gru_step
from rnnbook.exercises import core

STEP = "gru_step"
RATIO = "gru_lstm_ratio"
MEMORY = "perfect_memory"

STEP_MISTAKES = {
    "the reset gate is applied after the matrix product, r_t * (h_{t-1} U_h) (that is "
    "reset_after=True): with reset_after=False it scales h_{t-1} first, (r_t * h_{t-1}) U_h":
        {"reset": "after"},
    "z and 1 - z are swapped: in Keras's convention z_t keeps the old state, "
    "h_t = z_t * h_{t-1} + (1 - z_t) * h~_t":
        {"swap_z": True},
    "the reset gate is missing: the candidate sees (r_t * h_{t-1}) U_h, not h_{t-1} U_h":
        {"reset": "none"},
    "gate order: Keras's columns are z, r, h~ (update gate first, then reset gate)":
        {"order": (1, 0, 2)},
    "the previous state goes through the recurrent kernel U (recurrent_kernel), not the input "
    "kernel W (kernel)":
        {"recurrent": "kernel"},
    "the candidate h~ uses tanh, not a sigmoid":
        {"candidate": "sigmoid"},
    "the bias is missing":
        {"bias_used": False},
}


def reference_step(x_t, h_prev, kernel, recurrent_kernel, bias):
    """The course's GRU step with ``reset_after=False``."""
    return course_gru_step(np.asarray(x_t, float), np.asarray(h_prev, float),
                           [kernel, recurrent_kernel, bias], reset_after=False)


def mistaken_step(x_t, h_prev, kernel, recurrent_kernel, bias, *, order=(0, 1, 2),
                  reset="before", swap_z=False, recurrent="recurrent_kernel",
                  candidate="tanh", bias_used=True):
    """A ``reset_after=False`` GRU step with one typical mistake (the defaults are right).

    ``order`` says which of Keras's column blocks the learner reads as (z, r, h~).
    """
    U = kernel if recurrent == "kernel" else recurrent_kernel
    b = bias if bias_used else np.zeros_like(bias)
    Wb, Ub, bb = (np.split(a, 3, axis=-1) for a in (kernel, U, b))
    W_z, W_r, W_h = (Wb[k] for k in order)
    U_z, U_r, U_h = (Ub[k] for k in order)
    b_z, b_r, b_h = (bb[k] for k in order)
    z = sigmoid(x_t @ W_z + h_prev @ U_z + b_z)
    r = sigmoid(x_t @ W_r + h_prev @ U_r + b_r)
    if reset == "after":
        recur = r * (h_prev @ U_h)
    elif reset == "none":
        recur = h_prev @ U_h
    else:
        recur = (r * h_prev) @ U_h
    pre = x_t @ W_h + recur + b_h
    h_tilde = sigmoid(pre) if candidate == "sigmoid" else np.tanh(pre)
    return (1 - z) * h_prev + z * h_tilde if swap_z else z * h_prev + (1 - z) * h_tilde


def _step_cases(rng: np.random.Generator) -> list[tuple[str, tuple]]:
    cases = []
    for label, batch, features, units, scale in (
        ("4 features and 4 units, random weights and state", 3, 4, 4, 0.8),
        ("3 features and 5 units, random weights and state", 2, 3, 5, 0.8),
        ("2 features and 3 units, large inputs that saturate the gates", 4, 2, 3, 3.0),
    ):
        kernel = rng.normal(scale=0.7, size=(features, 3 * units))
        recurrent = rng.normal(scale=0.9, size=(units, 3 * units))
        bias = rng.normal(scale=0.5, size=3 * units)
        h = rng.uniform(-1, 1, size=(batch, units))
        x = rng.normal(scale=scale, size=(batch, features))
        cases.append((label, (x, h, kernel, recurrent, bias)))
    return cases


@core.checker(STEP)
def gru_step(fn: Callable) -> bool:
    """Check ``fn(x_t, h_prev, kernel, recurrent_kernel, bias) -> h_t``, ``reset_after=False``.

    Keras's layout: ``kernel`` (features, 3 units), ``recurrent_kernel`` (units, 3 units),
    ``bias`` (3 units,), column blocks in the order z, r, h~.
    """
    cases = _step_cases(np.random.default_rng(20251))
    names = ("x_t", "h_prev", "kernel", "recurrent_kernel", "bias")
    for label, args in cases:
        given = core.copies(*args)
        got = core.call(fn, *given)
        core.unchanged(STEP, names, given, args)
        got = core.as_array(STEP, "h_t", got)
        core.not_alias(STEP, "h_t", got, names, given)
        wrong = {}
        for hint, switches in STEP_MISTAKES.items():
            try:
                wrong[hint] = mistaken_step(*args, **switches)
            except ValueError:  # a wrong matrix that cannot multiply in this case
                continue
        core.compare(STEP, "h_t", got, reference_step(*args),
                     axes=("example", "unit"), case=label, mistakes=wrong)
    return core.passed(STEP, f"h_t matches the course's GRU (reset_after=False) in all "
                       f"{len(cases)} cases.")


def ratio_mistakes(features: int, units: int) -> dict[str, float]:
    """Ratios that typical slips give, each with the slip in words."""
    n, u = features, units
    lstm = costs.param_count("lstm", n, u)
    gru = costs.param_count("gru", n, u)
    return {
        "exactly 3/4 counts one bias per block: Keras's default GRU (reset_after=True) has two, "
        "one on the input side and one on the recurrent side": 0.75,
        "that is the LSTM's count over the GRU's: the question asks GRU / LSTM": lstm / gru,
        "that counts two blocks for the GRU: it has three (z, r and the candidate h~)":
            2 * u * (n + u + 2) / lstm,
    }



@core.checker(RATIO)
def gru_lstm_ratio(predicted, features: int = 39, units: int = 256,
                   atol: float = 5e-4) -> bool:
    """Compare a predicted GRU/LSTM parameter ratio with Keras's layers (default GRU)."""
    if core.is_stub(predicted):
        return core.not_attempted(RATIO, how="Replace the `...` with your prediction")

    counts = {}
    for kind, layer in (("gru", keras.layers.GRU(units)), ("lstm", keras.layers.LSTM(units))):
        layer.build((None, None, features))
        counts[kind] = layer.count_params()
        core.expect(RATIO, counts[kind] == costs.param_count(kind, features, units),
                    f"Keras counts {counts[kind]:,} for the {kind.upper()} but the course's "
                    f"formula gives {costs.param_count(kind, features, units):,}")
    measured = counts["gru"] / counts["lstm"]
    got = core.as_number(RATIO, "your prediction", predicted)
    if abs(got - measured) > atol:
        hint = next((h for h, v in ratio_mistakes(features, units).items()
                     if abs(got - v) <= atol), "")
        core.expect(RATIO, False,
                    f"you predicted {got:.4f}; Keras counts {counts['gru']:,} parameters for "
                    f"GRU({units}) and {counts['lstm']:,} for LSTM({units}) on {features} "
                    f"inputs, a ratio of {measured:.4f}", hint)
    return core.passed(RATIO, f"GRU / LSTM = {counts['gru']:,} / {counts['lstm']:,} = "
                       f"{measured:.4f} = 3({features} + {units} + 2) / "
                       f"4({features} + {units} + 1).")


def copy_error(weights, *, steps: int = 50, seed: int = 20252) -> tuple[float, np.ndarray]:
    """How far a GRU (``reset_after=True`` weights) moves its state in ``steps`` steps.

    Returns the largest ``|h_T - h_0|`` over random states in (-1, 1) and random inputs, and
    the update gate of every step (batch, time, units).
    """
    rng = np.random.default_rng(seed)
    kernel = np.asarray(weights[0], float)
    features, units = kernel.shape[0], kernel.shape[1] // 3
    x = rng.normal(scale=1.5, size=(8, steps, features))
    h0 = rng.uniform(-1, 1, size=(8, units))
    h_seq, h_last = gru_forward(x, [np.asarray(w, float) for w in weights], h0)
    w = split_weights([np.asarray(a, float) for a in weights])
    h_prev = np.concatenate([h0[:, None], h_seq[:, :-1]], axis=1)
    z = sigmoid(x @ w.W_z + h_prev @ w.U_z + w.bx_z + w.bh_z)
    return float(np.max(np.abs(h_last - h0))), z


@core.checker(MEMORY)
def perfect_memory(fn: Callable, features: int = 3, units: int = 4, steps: int = 50,
                   tol: float = 1e-3) -> bool:
    """Check ``fn(features, units)``: GRU weights that keep the state for ``steps`` steps.

    The weights are Keras's ``reset_after=True`` layout (bias (2, 3 units)); with them the
    GRU must return, after ``steps`` steps of random inputs, the state it started from, within
    ``tol``, whatever that state was.
    """
    weights = core.call(fn, features, units)
    core.expect(MEMORY, isinstance(weights, (list, tuple)) and len(weights) == 3,
                "should return [kernel, recurrent_kernel, bias]")
    try:
        split_weights([np.asarray(a, float) for a in weights])
    except ValueError as error:
        core.expect(MEMORY, False, str(error),
                    f"Keras's GRU(reset_after=True) layout is kernel ({features}, {3 * units}), "
                    f"recurrent_kernel ({units}, {3 * units}), bias (2, {3 * units})")
    error, z = copy_error(weights, steps=steps)
    if error <= tol:
        return core.passed(MEMORY, f"after {steps} steps the state is back within {error:.1e} "
                           f"of where it started; the update gate never fell below "
                           f"{z.min():.6f}.")
    low = float(z.min())
    w = split_weights([np.asarray(a, float) for a in weights])
    if z.mean() < 0.5:
        hint = ("your update gate is near 0, which in Keras's convention replaces the state by "
                "the candidate at every step (the other convention's z): z must be near 1")
    elif np.abs(w.bx_r + w.bh_r).max() > 5 and np.abs(w.bx_z + w.bh_z).max() < 5:
        hint = ("you set the reset gate: it only decides what the candidate sees; the gate "
                "that keeps the state is the update gate z, columns 0:units")
    else:
        hint = (f"the update gate fell to {low:.4f}: after {steps} steps a state keeps about "
                f"z ** {steps} = {low ** steps:.3f} of itself; make z closer to 1 (a larger "
                "bias on the update gate, columns 0:units, and no input weights that can pull "
                "it down)")
    core.expect(MEMORY, False, f"after {steps} steps the state moved by up to {error:.3g} "
                f"(at most {tol:g} allowed)", hint)
    return False
