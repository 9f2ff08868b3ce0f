"""Checkers for the exercises of the LSTM chapter.

In the notebook::

    from rnnbook.exercises import lstm as check

    check.lstm_step(lstm_step)                # implement: one step in Keras's weight layout
    check.lstm_param_count(predicted)         # predict, then measure: parameters of a layer
    check.forget_bias_experiment(kept_per_step)  # experiment: forget-gate bias 0, 1, 2

Each checker runs the learner's answer against the course's reference
(:mod:`rnnbook.cells.numpy_rnn.lstm`, :func:`rnnbook.cells.costs.param_count`) and, where the answer
differs, names the typical mistake that gives that very answer.
"""

from __future__ import annotations

from collections.abc import Callable

import keras
import numpy as np

from rnnbook.cells import costs, gradients
from rnnbook.cells.numpy_rnn.activations import sigmoid
from rnnbook.cells.numpy_rnn.lstm import lstm_gates
from rnnbook.exercises import core
from rnnbook.inside import forget_gates
from rnnbook.training import tasks

STEP = "lstm_step"
PARAMS = "lstm_param_count"
FORGET = "forget_bias_experiment"

# Mistakes of an LSTM step: a name for the hint, and how the wrong step differs.
STEP_MISTAKES = {
    "gate order i, f, o, c~ (as in some papers) instead of Keras's i, f, c~, o: the third "
    "block of the weights is the candidate c~, the fourth the output gate o":
        {"order": (0, 1, 3, 2)},
    "gate order i, c~, f, o (TensorFlow 1's old LSTMCell) instead of Keras's i, f, c~, o: the "
    "second block of the weights is the forget gate":
        {"order": (0, 2, 1, 3)},
    "input and forget gates swapped: Keras's first block is the input gate i, the second the "
    "forget gate f":
        {"order": (1, 0, 2, 3)},
    "your cell state never forgets: is the forget gate multiplying c_{t-1}? "
    "(c_t = f_t * c_{t-1} + i_t * c~_t)":
        {"forget": False},
    "the tanh is missing on the output: h_t = o_t * tanh(c_t), not o_t * c_t":
        {"tanh_out": False},
    "h_t must use the new cell state c_t, not the previous one c_{t-1}":
        {"old_c": True},
    "the previous hidden state goes through the recurrent kernel U (recurrent_kernel), not "
    "the input kernel W (kernel)":
        {"recurrent": "kernel"},
    "the candidate c~ uses tanh, not a sigmoid (it must be able to lower the memory too)":
        {"candidate": "sigmoid"},
    "the bias is missing":
        {"bias_used": False},
    "you returned (c_t, h_t): return (h_t, c_t)":
        {"swap_outputs": True},
}


def reference_step(x_t, h_prev, c_prev, kernel, recurrent_kernel, bias):
    """The course's LSTM step (:func:`rnnbook.cells.numpy_rnn.lstm.lstm_gates`): ``(h_t, c_t)``."""
    step = lstm_gates(np.asarray(x_t, float), np.asarray(h_prev, float),
                      np.asarray(c_prev, float), [kernel, recurrent_kernel, bias])
    return step["h"], step["c"]


def mistaken_step(x_t, h_prev, c_prev, kernel, recurrent_kernel, bias, *, order=(0, 1, 2, 3),
                  forget=True, tanh_out=True, old_c=False, recurrent="recurrent_kernel",
                  candidate="tanh", bias_used=True, swap_outputs=False):
    """An LSTM step with one typical mistake switched on (the defaults give the right step).

    ``order`` says which of Keras's blocks the learner reads as (i, f, c~, o).
    """
    U = kernel if recurrent == "kernel" else recurrent_kernel
    z = x_t @ kernel + h_prev @ U + (bias if bias_used else 0.0)
    blocks = np.split(z, 4, axis=-1)
    z_i, z_f, z_c, z_o = (blocks[k] for k in order)
    i, f, o = sigmoid(z_i), sigmoid(z_f), sigmoid(z_o)
    g = sigmoid(z_c) if candidate == "sigmoid" else np.tanh(z_c)
    c = (f * c_prev if forget else c_prev) + i * g
    shown = c_prev if old_c else c
    h = o * (np.tanh(shown) if tanh_out else shown)
    return (c, h) if swap_outputs else (h, c)


def _step_cases(rng: np.random.Generator) -> list[tuple[str, tuple]]:
    """Inputs for the step checker: square first (so a wrong matrix still runs), then others."""
    cases = []
    for label, batch, features, units, scale, states in (
        ("4 features and 4 units, random weights and states", 3, 4, 4, 0.7, "random"),
        ("3 features and 5 units, random weights and states", 2, 3, 5, 0.7, "random"),
        ("2 features and 3 units, zero initial states, Keras's forget bias of 1", 2, 2, 3,
         0.5, "zero"),
        ("3 features and 2 units, large inputs that saturate the gates", 4, 3, 2, 3.0,
         "random"),
    ):
        kernel = rng.normal(scale=0.6, size=(features, 4 * units))
        recurrent = rng.normal(scale=0.6, size=(units, 4 * units))
        bias = rng.normal(scale=0.5, size=4 * units)
        if states == "zero":
            bias = np.zeros(4 * units)
            bias[units:2 * units] = 1.0
            h = c = np.zeros((batch, units))
        else:
            h = rng.uniform(-1, 1, size=(batch, units))
            c = rng.normal(scale=1.5, size=(batch, units))
        x = rng.normal(scale=scale, size=(batch, features))
        cases.append((label, (x, h, c, kernel, recurrent, bias)))
    return cases


def _pair(exercise: str, out, what: str) -> tuple[np.ndarray, np.ndarray]:
    core.expect(exercise, isinstance(out, (tuple, list)) and len(out) == 2,
                f"should return the pair {what}, got {type(out).__name__}",
                "end the function with `return h_t, c_t`" if exercise == STEP else "")
    first, second = what.strip("()").split(", ")
    return (core.as_array(exercise, first, out[0]), core.as_array(exercise, second, out[1]))


@core.checker(STEP)
def lstm_step(fn: Callable) -> bool:
    """Check ``fn(x_t, h_prev, c_prev, kernel, recurrent_kernel, bias) -> (h_t, c_t)``.

    The weights are in Keras's layout: ``kernel`` (features, 4 units), ``recurrent_kernel``
    (units, 4 units), ``bias`` (4 units,), gate blocks in the order i, f, c~, o.
    """
    cases = _step_cases(np.random.default_rng(20250))
    names = ("x_t", "h_prev", "c_prev", "kernel", "recurrent_kernel", "bias")
    for label, args in cases:
        given = core.copies(*args)
        out = core.call(fn, *given)
        core.unchanged(STEP, names, given, args)
        h_got, c_got = _pair(STEP, out, "(h_t, c_t)")
        core.not_alias(STEP, "h_t", np.asarray(out[0]), names, given)
        core.not_alias(STEP, "c_t", np.asarray(out[1]), names, given)
        h_ref, c_ref = reference_step(*args)
        wrong = {}
        for hint, switches in STEP_MISTAKES.items():
            try:
                wrong[hint] = mistaken_step(*args, **switches)
            except ValueError:  # a wrong matrix that cannot multiply in this case
                continue
        axes = ("example", "unit")
        core.compare(STEP, "c_t (the new cell state)", c_got, c_ref, axes=axes, case=label,
                     mistakes={hint: out[1] for hint, out in wrong.items()})
        core.compare(STEP, "h_t (the new hidden state)", h_got, h_ref, axes=axes, case=label,
                     mistakes={hint: out[0] for hint, out in wrong.items()})
    return core.passed(STEP, f"h_t and c_t match the course's LSTM in all {len(cases)} cases "
                       "(square and non-square weights, zero states, saturated gates).")



def param_mistakes(features: int, units: int) -> dict[str, int]:
    """Counts that typical slips give, each with the slip in words."""
    n, u = features, units
    return {
        "the biases are missing: each of the four blocks has u biases": 4 * u * (n + u),
        "that counts one block only: an LSTM has four (i, f, c~ and o)": u * (n + u + 1),
        "that counts three blocks, as for a GRU: an LSTM has four (i, f, c~ and o)":
            3 * u * (n + u + 1),
        "the recurrent weights are missing: every block also reads h_{t-1}, u x u weights":
            4 * u * (n + 1),
        "one bias vector for the whole layer: each of the four blocks has its own":
            4 * u * (n + u) + u,
        "the input weights are missing: every block also reads x_t, n x u weights":
            4 * u * (u + 1),
    }



@core.checker(PARAMS)
def lstm_param_count(predicted, features: int = 39, units: int = 256) -> bool:
    """Compare a predicted parameter count of ``keras.layers.LSTM(units)`` with Keras's.

    The default sizes are the course's character model read with a wider layer: 39 one-hot
    inputs, 256 units.
    """
    if core.is_stub(predicted):
        return core.not_attempted(PARAMS, how="Replace the `...` with your prediction")

    layer = keras.layers.LSTM(units)
    layer.build((None, None, features))
    measured = layer.count_params()
    expected = costs.param_count("lstm", features, units)
    core.expect(PARAMS, measured == expected,
                f"Keras counts {measured:,} but the course's formula gives {expected:,}")
    got = core.as_number(PARAMS, "your prediction", predicted, whole=True)
    if got != expected:
        hint = next((h for h, v in param_mistakes(features, units).items() if v == got), "")
        core.expect(PARAMS, False,
                    f"you predicted {got:,} parameters for LSTM({units}) on {features} inputs; "
                    f"Keras counts {measured:,} (off by {got - measured:+,})", hint)
    return core.passed(PARAMS, f"LSTM({units}) on {features} inputs has {measured:,} "
                       f"parameters = 4 x {units} x ({features} + {units} + 1), as Keras counts.")


def measure_kept_per_step(forget_bias: float, *, length: int = 100, units: int = 32,
                          near: int = 5, far: int = 20, seed: int = 1234) -> float:
    """The reference measurement: gradient kept per step along the cell state, at init.

    An adding-problem LSTM as Keras initialises it (``tasks.build_adding_model``), its
    forget-gate bias set to ``forget_bias``, on adding-problem inputs of ``length`` steps; the
    geometric mean factor of ``||dL/dc_t||`` per step between distances ``near`` and ``far``.
    """
    keras.utils.set_random_seed(seed)
    weights = forget_gates.recurrent_weights(tasks.build_adding_model("lstm", length, units))
    weights[2][units:2 * units] = forget_bias  # the forget block: Keras's order i, f, c~, o
    x, _ = tasks.adding_problem(32, length, np.random.default_rng(seed))
    norms = gradients.gradient_norms("lstm", x.astype(np.float64), weights, state="c")
    return float((norms[-1 - far] / norms[-1 - near]) ** (1 / (far - near)))


@core.checker(FORGET)
def forget_bias_experiment(kept_per_step: Callable[[float], float],
                           biases: tuple[float, ...] = (0.0, 1.0, 2.0)) -> bool:
    """Run the learner's measurement for each forget bias and check the direction of the result.

    ``kept_per_step(b)`` returns the share of the gradient one step passes back along the cell
    state at initialisation with forget-gate bias ``b``. Its values must be positive and grow
    with the bias (the direction holds for any seed); the sizes of the effect are printed, not
    checked, because they depend on the learner's set-up (near a bias of 3 a step can even pass
    on slightly more than it received, through the hidden-state path).
    """
    kept = {b: core.as_number(FORGET, f"kept_per_step({b})", core.call(kept_per_step, b))
            for b in biases}
    for b, value in kept.items():
        core.expect(FORGET, float(value) > 0,
                    f"kept_per_step({b}) = {float(value):.4g}: a share kept per step is a "
                    "positive number",
                    "the factor is (norm at the far distance / norm at the near one) ** "
                    "(1 / (far - near)), with far > near")
    values = [float(kept[b]) for b in biases]
    inverted = all(v > 1 for v in values) and all(
        later < earlier for earlier, later in zip(values[:-1], values[1:], strict=True))
    for k in range(1, len(biases)):
        (b0, v0), (b1, v1) = (biases[k - 1], values[k - 1]), (biases[k], values[k])
        core.expect(FORGET, v1 > v0,
                    f"with forget bias {b1:g} a step keeps {v1:.3f}, not more than {v0:.3f} "
                    f"with bias {b0:g}",
                    "every share is above 1 and falls as the bias grows: the ratio is "
                    "inverted; the share kept is (norm at the far distance / norm at the near "
                    "one) ** (1 / (far - near))" if inverted else
                    "is it the forget gate's block of the bias, bias[units:2*units], that you "
                    "set? Keras's order is i, f, c~, o")
    table = ", ".join(f"bias {b:g}: {v:.3f}" for b, v in zip(biases, values, strict=True))
    far = 20
    return core.passed(FORGET, f"a step keeps more of the gradient as the forget bias grows "
                       f"({table}); {far} steps back, bias {biases[1]:g} leaves "
                       f"{(values[1] / values[0]) ** far:,.0f} times as much as bias "
                       f"{biases[0]:g}.")
