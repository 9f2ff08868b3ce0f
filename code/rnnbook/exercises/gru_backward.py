"""Checker for the GRU chapter's backward-step exercise (Keras's ``reset_after=False`` layout).

In the notebook::

    from rnnbook.exercises import gru_backward as check_backward

    check_backward.gru_step_backward(gru_step_backward)

The learner writes one step of backpropagation through a GRU cell, gate blocks z, r, h~. The
checker compares every gradient with the course's backward pass
(:func:`rnnbook.cells.numpy_rnn.gru.gru_backward` over one step) and with central differences, and
names the mistake whose gradients the answer equals.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from rnnbook.cells.numpy_rnn import gradcheck
from rnnbook.cells.numpy_rnn.activations import sigmoid
from rnnbook.cells.numpy_rnn.gru import gru_backward
from rnnbook.exercises import core

STEP = "gru_step_backward"
INPUTS = ("dh", "x_t", "h_prev", "kernel", "recurrent_kernel", "bias")
OUTPUTS = {"dx": "dx (dL/dx_t)", "dh_prev": "dh_prev (dL/dh_{t-1})",
           "dW": "dW (the kernel's gradient)", "dU": "dU (the recurrent kernel's gradient)",
           "db": "db (the bias's gradient)"}

MISTAKES = {
    "dz has the wrong sign: h_t = z * h_{t-1} + (1 - z) * h~, so dz = dh * (h_{t-1} - h~)":
        {"dz_sign": -1},
    "the direct path is missing from dh_prev: h_t = z * h_{t-1} + ..., so dh_prev gets dh * z "
    "besides what comes back through the gates": {"direct": False},
    "the candidate's recurrent weights multiply r * h_{t-1}: dU's third block is "
    "(r * h_prev).T @ da_h, not h_prev.T @ da_h": {"dU_h_from": "h_prev"},
    "the reset gate multiplies h_{t-1} inside the candidate: what reaches h_{t-1} through "
    "(r * h_{t-1}) U_h is (da_h @ U_h.T) * r": {"through_r": False},
    "a sigmoid's derivative is s(1 - s), not s": {"sigmoid_prime": "s"},
    "the gradient blocks concatenated as r, z, h~: Keras's GRU blocks are z, r, h~":
        {"order": (1, 0, 2)},
    "tanh' of the candidate is 1 - h~^2, not 1 - h_t^2": {"tanh_of": "h"},
}


def _split(kernel, recurrent_kernel, bias):
    return (np.split(kernel, 3, axis=-1), np.split(recurrent_kernel, 3, axis=-1),
            np.split(bias, 3))


def reference_step_backward(dh, x_t, h_prev, kernel, recurrent_kernel, bias):
    """The course's backward pass (:func:`gru_backward`) over this one step."""
    grads = gru_backward(x_t[:, None], [kernel, recurrent_kernel, bias], dh[:, None], h_prev,
                         reset_after=False)
    return {"dx": grads["x"][:, 0], "dh_prev": grads["h0"], "dW": grads["kernel"],
            "dU": grads["recurrent_kernel"], "db": grads["bias"]}


def mistaken_step_backward(dh, x_t, h_prev, kernel, recurrent_kernel, bias, *, dz_sign=1,
                           direct=True, dU_h_from="r*h_prev", through_r=True,
                           sigmoid_prime="s(1-s)", order=(0, 1, 2), tanh_of="candidate"):
    """A backward step with one typical mistake switched on (the defaults give the right one)."""
    (W_z, W_r, W_h), (U_z, U_r, U_h), (b_z, b_r, b_h) = _split(kernel, recurrent_kernel, bias)
    z = sigmoid(x_t @ W_z + h_prev @ U_z + b_z)
    r = sigmoid(x_t @ W_r + h_prev @ U_r + b_r)
    cand = np.tanh(x_t @ W_h + (r * h_prev) @ U_h + b_h)
    h = z * h_prev + (1 - z) * cand

    def prime(s):
        return s if sigmoid_prime == "s" else s * (1 - s)

    da_h = dh * (1 - z) * (1 - (cand if tanh_of == "candidate" else h) ** 2)
    d_rh = da_h @ U_h.T  # (batch, units): the gradient of r * h_prev
    da_z = dz_sign * dh * (h_prev - cand) * prime(z)
    da_r = d_rh * h_prev * prime(r)
    blocks = (da_z, da_r, da_h)
    da = np.concatenate([blocks[k] for k in order], axis=-1)  # (batch, 3 units)
    hh = r * h_prev if dU_h_from == "r*h_prev" else h_prev
    dU = np.concatenate([h_prev.T @ blocks[order[0]], h_prev.T @ blocks[order[1]],
                         hh.T @ blocks[order[2]]], axis=-1)
    dh_prev = (dh * z if direct else 0.0) + da_z @ U_z.T + da_r @ U_r.T + (
        d_rh * r if through_r else d_rh)
    return {"dx": da @ kernel.T, "dh_prev": dh_prev, "dW": x_t.T @ da, "dU": dU,
            "db": da.sum(axis=0)}


def numerical_step_backward(dh, x_t, h_prev, kernel, recurrent_kernel, bias):
    """Central differences of ``L = sum(dh * h_t)`` (float64)."""
    arrays = [np.array(a, dtype=np.float64) for a in (x_t, h_prev, kernel, recurrent_kernel,
                                                      bias)]

    def loss() -> float:
        x, h, W, U, b = arrays
        (W_z, W_r, W_h), (U_z, U_r, U_h), (b_z, b_r, b_h) = _split(W, U, b)
        z = sigmoid(x @ W_z + h @ U_z + b_z)
        r = sigmoid(x @ W_r + h @ U_r + b_r)
        cand = np.tanh(x @ W_h + (r * h) @ U_h + b_h)
        return float(np.sum(dh * (z * h + (1 - z) * cand)))

    grads = [gradcheck.numerical_gradient(loss, a) for a in arrays]
    return dict(zip(("dx", "dh_prev", "dW", "dU", "db"), grads, strict=True))


def _cases(rng: np.random.Generator) -> list[tuple[str, tuple]]:
    cases = []
    for label, batch, features, units, scale in (
        ("3 features and 3 units", 2, 3, 3, 0.8), ("4 features and 2 units", 3, 4, 2, 0.8),
        ("2 features and 5 units, one example", 1, 2, 5, 0.8),
        ("3 features and 4 units, large inputs that saturate the gates", 4, 3, 4, 3.0),
    ):
        cases.append((label, (rng.normal(size=(batch, units)),
                              rng.normal(scale=scale, size=(batch, features)),
                              rng.uniform(-1, 1, size=(batch, units)),
                              rng.normal(scale=0.6, size=(features, 3 * units)),
                              rng.normal(scale=0.6, size=(units, 3 * units)),
                              rng.normal(scale=0.5, size=3 * units))))
    return cases


@core.checker(STEP)
def gru_step_backward(fn: Callable) -> bool:
    """Check ``fn(dh, x_t, h_prev, kernel, recurrent_kernel, bias)``: a dict with the keys
    ``dx, dh_prev, dW, dU, db``, the gradients of ``L = sum(dh * h_t)``."""
    worst = 0.0
    for number, (label, args) in enumerate(_cases(np.random.default_rng(20253))):
        given = core.copies(*args)
        got = core.call(fn, *given)
        core.unchanged(STEP, INPUTS, given, args)
        core.expect(STEP, isinstance(got, dict) and all(k in got for k in OUTPUTS),
                    f"should return a dict with the keys {', '.join(OUTPUTS)}, got "
                    f"{type(got).__name__}")
        ref = reference_step_backward(*args)
        wrong = {}
        for hint, switches in MISTAKES.items():
            try:
                wrong[hint] = mistaken_step_backward(*args, **switches)
            except ValueError:
                continue
        for key, what in OUTPUTS.items():
            array = core.as_array(STEP, what, got[key])
            core.not_alias(STEP, what, array, INPUTS, given)
            core.compare(STEP, what, array, ref[key], atol=1e-7, case=label,
                         mistakes={hint: out[key] for hint, out in wrong.items()})
        if number == 0:
            numeric = numerical_step_backward(*args)
            for key in OUTPUTS:
                worst = max(worst, gradcheck.relative_error(got[key], numeric[key]))
    return core.passed(STEP, f"all five gradients match the course's backward pass in 4 cases "
                       f"and central differences to a relative error of {worst:.1g}.")
