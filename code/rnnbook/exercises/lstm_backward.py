"""Checker for the LSTM chapter's backward-step exercise.

In the notebook::

    from rnnbook.exercises import lstm_backward as check_backward

    check_backward.lstm_step_backward(lstm_step_backward)

The learner writes one step of backpropagation through an LSTM cell in Keras's weight layout
(gate blocks i, f, c~, o). The checker compares every gradient with the course's backward pass
(:func:`rnnbook.cells.numpy_rnn.lstm.lstm_backward` run over one step) and with central differences
(:mod:`rnnbook.cells.numpy_rnn.gradcheck`), and names the mistake whose gradients the answer equals.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from rnnbook.cells.numpy_rnn import gradcheck
from rnnbook.cells.numpy_rnn.lstm import lstm_backward, lstm_gates
from rnnbook.exercises import core

STEP = "lstm_step_backward"
INPUTS = ("dh", "dc_next", "x_t", "h_prev", "c_prev", "kernel", "recurrent_kernel", "bias")
OUTPUTS = {  # the learner's keys, in the order of a returned tuple, and what each is
    "dx": "dx (dL/dx_t)", "dh_prev": "dh_prev (dL/dh_{t-1})", "dc_prev": "dc_prev (dL/dc_{t-1})",
    "dW": "dW (the kernel's gradient)", "dU": "dU (the recurrent kernel's gradient)",
    "db": "db (the bias's gradient)",
}

# A typical mistake: the hint, and the switches of :func:`mistaken_step_backward` that make it.
MISTAKES = {
    "the gradient arriving along the cell state from step t+1 is missing: dc = dc_next + "
    "dh * o * (1 - tanh(c_t)^2), the dc_prev = dc * f path of the step after":
        {"cell_path": False},
    "dc_prev is dc * f: the forget gate multiplies c_{t-1}, so it multiplies its gradient too":
        {"forget_in_dc_prev": False},
    "tanh' of the wrong quantity: h_t = o * tanh(c_t), so dh reaches c_t through "
    "1 - tanh(c_t)^2, not 1 - c_t^2":
        {"tanh_of": "c"},
    "tanh' of the wrong quantity: the candidate's derivative is 1 - c~^2 (c~ = tanh of its "
    "pre-activation), not 1 - c_t^2":
        {"candidate_of": "c"},
    "a sigmoid's derivative is s(1 - s), not s: each gate's pre-activation gradient is "
    "(its product's gradient) * s * (1 - s)":
        {"sigmoid_prime": "s"},
    "the four pre-activation gradients concatenated as i, f, o, c~: Keras's blocks are i, f, "
    "c~, o (dz = [dz_i, dz_f, dz_c, dz_o])":
        {"order": (0, 1, 3, 2)},
    "the four pre-activation gradients concatenated as f, i, c~, o: Keras's first block is the "
    "input gate i, the second the forget gate f":
        {"order": (1, 0, 2, 3)},
    "dU from x: the recurrent kernel multiplies h_{t-1}, so dU = h_prev.T @ dz, not x_t.T @ dz":
        {"dU_from": "x"},
    "the dh contribution to dc without o: h_t = o * tanh(c_t), so dc gets dh * o * "
    "(1 - tanh(c_t)^2)":
        {"o_in_dc": False},
    "dh_prev goes back through the recurrent kernel: dh_prev = dz @ U.T, not dz @ W.T":
        {"dh_prev_through": "kernel"},
    "the output gate's gradient uses c_t: o multiplies tanh(c_t), so dz_o = dh * tanh(c_t) * "
    "o * (1 - o)":
        {"output_uses": "c"},
    "db is the sum of dz over the batch (axis 0), one number per unit and gate":
        {"db_summed": False},
}


def _forward(x_t, h_prev, c_prev, kernel, recurrent_kernel, bias) -> dict[str, np.ndarray]:
    return lstm_gates(x_t, h_prev, c_prev, [kernel, recurrent_kernel, bias])


def reference_step_backward(dh, dc_next, x_t, h_prev, c_prev, kernel, recurrent_kernel,
                            bias) -> dict[str, np.ndarray]:
    """The course's backward pass (:func:`lstm_backward`) over this one step."""
    grads = lstm_backward(x_t[:, None], [kernel, recurrent_kernel, bias], dh[:, None],
                          h_prev, c_prev, dc_last=dc_next)
    return {"dx": grads["x"][:, 0], "dh_prev": grads["h0"], "dc_prev": grads["c0"],
            "dW": grads["kernel"], "dU": grads["recurrent_kernel"], "db": grads["bias"]}


def mistaken_step_backward(dh, dc_next, x_t, h_prev, c_prev, kernel, recurrent_kernel, bias, *,
                           cell_path=True, forget_in_dc_prev=True, tanh_of="tanh_c",
                           candidate_of="g", sigmoid_prime="s(1-s)", order=(0, 1, 2, 3),
                           dU_from="h_prev", o_in_dc=True, dh_prev_through="recurrent_kernel",
                           output_uses="tanh_c", db_summed=True) -> dict[str, np.ndarray]:
    """A backward step with one typical mistake switched on (the defaults give the right one)."""
    s = _forward(x_t, h_prev, c_prev, kernel, recurrent_kernel, bias)
    squashed = s["tanh_c"] if tanh_of == "tanh_c" else s["c"]
    dc = dh * (s["o"] if o_in_dc else 1.0) * (1 - squashed ** 2)
    if cell_path:
        dc = dc + dc_next

    def prime(gate):
        return gate if sigmoid_prime == "s" else gate * (1 - gate)

    dz_i = dc * s["g"] * prime(s["i"])
    dz_f = dc * c_prev * prime(s["f"])
    dz_g = dc * s["i"] * (1 - (s["g"] if candidate_of == "g" else s["c"]) ** 2)
    dz_o = dh * (s["tanh_c"] if output_uses == "tanh_c" else s["c"]) * prime(s["o"])
    blocks = (dz_i, dz_f, dz_g, dz_o)
    dz = np.concatenate([blocks[k] for k in order], axis=-1)  # (batch, 4 units)
    through = kernel if dh_prev_through == "kernel" else recurrent_kernel
    return {"dx": dz @ kernel.T, "dh_prev": dz @ through.T,
            "dc_prev": dc * s["f"] if forget_in_dc_prev else dc,
            "dW": x_t.T @ dz, "dU": (x_t if dU_from == "x" else h_prev).T @ dz,
            "db": dz.sum(axis=0) if db_summed else dz}


def numerical_step_backward(dh, dc_next, x_t, h_prev, c_prev, kernel, recurrent_kernel,
                            bias) -> dict[str, np.ndarray]:
    """Central differences of ``L = sum(dh * h_t) + sum(dc_next * c_t)`` (float64)."""
    arrays = {name: np.array(a, dtype=np.float64) for name, a in zip(
        ("x_t", "h_prev", "c_prev", "kernel", "recurrent_kernel", "bias"),
        (x_t, h_prev, c_prev, kernel, recurrent_kernel, bias), strict=True)}

    def loss() -> float:
        s = _forward(*arrays.values())
        return float(np.sum(dh * s["h"]) + np.sum(dc_next * s["c"]))

    numeric = {name: gradcheck.numerical_gradient(loss, a) for name, a in arrays.items()}
    return {"dx": numeric["x_t"], "dh_prev": numeric["h_prev"], "dc_prev": numeric["c_prev"],
            "dW": numeric["kernel"], "dU": numeric["recurrent_kernel"], "db": numeric["bias"]}


def _cases(rng: np.random.Generator) -> list[tuple[str, tuple]]:
    """Square weights first (so a wrong matrix still runs), then other shapes and regimes."""
    cases = []
    for label, batch, features, units, scale, dc_scale in (
        ("3 features and 3 units, random weights, states and incoming gradients", 2, 3, 3,
         0.7, 1.0),
        ("4 features and 2 units", 3, 4, 2, 0.7, 1.0),
        ("2 features and 5 units, one example", 1, 2, 5, 0.7, 1.0),
        ("3 features and 4 units, large inputs that saturate the gates", 4, 3, 4, 3.0, 1.0),
        ("2 features and 3 units, no gradient from step t+1 (dc_next = 0)", 2, 2, 3, 0.7, 0.0),
    ):
        kernel = rng.normal(scale=0.6, size=(features, 4 * units))
        recurrent = rng.normal(scale=0.6, size=(units, 4 * units))
        bias = rng.normal(scale=0.5, size=4 * units)
        x = rng.normal(scale=scale, size=(batch, features))
        h = rng.uniform(-1, 1, size=(batch, units))
        c = rng.normal(scale=1.5, size=(batch, units))
        dh = rng.normal(size=(batch, units))
        dc_next = dc_scale * rng.normal(size=(batch, units))
        cases.append((label, (dh, dc_next, x, h, c, kernel, recurrent, bias)))
    return cases


def _outputs(out) -> dict[str, object]:
    """The learner's six gradients from a dict with the six keys or a tuple in their order."""
    if isinstance(out, dict):
        missing = [k for k in OUTPUTS if k not in out]
        core.expect(STEP, not missing, f"the returned dict lacks {', '.join(missing)}",
                    f"return a dict with the keys {', '.join(OUTPUTS)}")
        return {k: out[k] for k in OUTPUTS}
    values = core.pair(STEP, out, tuple(OUTPUTS))
    return dict(zip(OUTPUTS, values, strict=True))


@core.checker(STEP)
def lstm_step_backward(fn: Callable) -> bool:
    """Check ``fn(dh, dc_next, x_t, h_prev, c_prev, kernel, recurrent_kernel, bias)``.

    It returns the gradients of ``L = sum(dh * h_t) + sum(dc_next * c_t)``: a dict with the keys
    ``dx, dh_prev, dc_prev, dW, dU, db`` (or a tuple in that order).
    """
    cases = _cases(np.random.default_rng(20251))
    worst = 0.0
    for number, (label, args) in enumerate(cases):
        given = core.copies(*args)
        got = _outputs(core.call(fn, *given))
        core.unchanged(STEP, INPUTS, given, args)
        ref = reference_step_backward(*args)
        wrong = {}
        for hint, switches in MISTAKES.items():
            try:
                wrong[hint] = mistaken_step_backward(*args, **switches)
            except ValueError:  # a wrong matrix that cannot multiply in this case
                continue
        for key, what in OUTPUTS.items():
            array = core.as_array(STEP, what, got[key])
            core.not_alias(STEP, what, array, INPUTS, given)
            core.compare(STEP, what, array, ref[key], atol=1e-7, case=label,
                         axes=("example", "unit") if key in ("dx", "dh_prev", "dc_prev")
                         else ("row", "column"),
                         mistakes={hint: out[key] for hint, out in wrong.items()})
        if number == 0:  # the course's reference itself, against central differences
            numeric = numerical_step_backward(*args)
            for key, what in OUTPUTS.items():
                error = gradcheck.relative_error(got[key], numeric[key])
                worst = max(worst, error)
                core.expect(STEP, error < 1e-6, f"{what} disagrees with central differences "
                            f"(relative error {error:.2g}) in the case {label}")
    return core.passed(STEP, f"all six gradients match the course's backward pass in "
                       f"{len(cases)} cases (square and non-square weights, one example, "
                       f"saturated gates, dc_next = 0), and central differences to a relative "
                       f"error of {worst:.1g}.")
