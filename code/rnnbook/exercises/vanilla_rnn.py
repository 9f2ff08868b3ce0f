"""Checkers for the exercises of the chapter on vanilla RNNs (``chapters/vanilla_rnn.ipynb``).

- :func:`rnn_step_backward`: the backward pass of one tanh step, against
  :func:`rnnbook.cells.numpy_rnn.rnn_backward` run on a sequence of one step.
- :func:`tenfold`: predict, then measure, after how many steps back a tanh RNN with spectral
  radius 0.8 has lost 10x of its gradient; the learner's measuring function runs on the
  checker's draws (radii 0.5, 0.8, 0.9) and each answer is compared with the checker's own.
- :func:`clip_global_norm`: global-norm clipping, against
  :func:`rnnbook.cells.gradients.clip_by_norm`.
- :func:`irnn_scales`: the experiment with an IRNN whose identity is scaled by c: the
  learner's ``left_after(x, w_in, c)`` runs on the checker's inputs, against its measurement.

Usage in the chapter: ``from rnnbook.exercises import vanilla_rnn as check``, then
``check.rnn_step_backward(rnn_step_backward)`` and so on.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from rnnbook.cells import gradients
from rnnbook.cells.numpy_rnn import rnn_backward
from rnnbook.exercises import core
from rnnbook.training import tasks

UNITS, STEPS = 32, 100  # the chapter's probe: 32 units, 100 steps of the adding problem
TENFOLD_RADIUS = 0.8
TENFOLD_TOLERANCE = 2  # steps: what another draw of the matrices and inputs can move
REFERENCE_SEEDS = range(7)


# --- 1. the backward pass of one step -------------------------------------------------------

STEP_BACKWARD = "rnn_step_backward"
_STEP_OUTPUTS = ("dW", "dU", "db", "dh_prev")


def step_backward_reference(dh, x_t, h_prev, h, weights):
    """``(dW, dU, db, dh_prev)`` of one tanh step, from the package's BPTT on one step.

    ``h`` is the step's output ``tanh(x_t W + h_prev U + b)``; ``dh`` is dL/dh.
    """
    grads = rnn_backward(x_t[:, None], weights, dh[:, None], h0=h_prev)
    del h  # the package recomputes it
    return grads["kernel"], grads["recurrent_kernel"], grads["bias"], grads["h0"]


def _step_case(rng: np.random.Generator, batch: int, features: int, units: int):
    W = rng.normal(0, 0.6, (features, units))
    U = rng.normal(0, 0.6, (units, units))
    b = rng.normal(0, 0.2, units)
    x_t = rng.normal(size=(batch, features))
    h_prev = rng.normal(0, 0.8, (batch, units))
    h = np.tanh(x_t @ W + h_prev @ U + b)
    dh = rng.normal(size=(batch, units))
    return dh, x_t, h_prev, h, [W, U, b]


def _step_mistakes(dh, x_t, h_prev, h, weights) -> dict[str, dict[str, np.ndarray]]:
    """For each output, the answer each typical mistake gives, keyed by the hint."""
    _, U, _ = weights
    da = dh * (1 - h**2)
    no_slope = "you left out the tanh derivative: da = dh * (1 - h**2) comes before any product"
    slope_1_h = "the tanh derivative is 1 - h**2 (h squared), not 1 - h"
    da_1_h = dh * (1 - h)
    return {
        "dW": {no_slope: x_t.T @ dh, slope_1_h: x_t.T @ da_1_h,
               "dW is x_t transposed times da (x_t.T @ da), summed over the batch, not averaged":
                   x_t.T @ da / len(dh)},
        "dU": {no_slope: h_prev.T @ dh, slope_1_h: h_prev.T @ da_1_h,
               "dU is h_prev.T @ da; you computed its transpose, da.T @ h_prev": da.T @ h_prev,
               "dU multiplies da by the previous state h_prev, not by the new state h":
                   h.T @ da},
        "db": {"db must be summed over the batch (da.sum(axis=0)): the same bias served every "
               "example": da,
               "db is summed over the batch, not averaged: da.sum(axis=0)": da.mean(axis=0),
               no_slope: dh.sum(axis=0)},
        "dh_prev": {"dh_prev = da @ U.T: the transpose of U is missing": da @ U,
                    no_slope: dh @ U.T, slope_1_h: da_1_h @ U.T},
    }


@core.checker(STEP_BACKWARD)
def rnn_step_backward(fn: Callable) -> bool:
    """Check ``fn(dh, x_t, h_prev, h, weights) -> (dW, dU, db, dh_prev)`` for a tanh step."""
    rng = np.random.default_rng(13)
    cases = [("batch 4, 3 features, 5 units", (4, 3, 5)),
             ("batch 1, 2 features, 3 units", (1, 2, 3)),
             ("batch 6, 7 features, 4 units", (6, 7, 4))]
    for case, sizes in cases:
        args = _step_case(rng, *sizes)
        given = core.copies(*args)
        got = core.call(fn, *given)
        core.unchanged(STEP_BACKWARD, ("dh", "x_t", "h_prev", "h", "weights"), given, args)
        core.expect(STEP_BACKWARD, isinstance(got, (tuple, list)) and len(got) == 4,
                    f"return the four gradients (dW, dU, db, dh_prev); got {type(got).__name__}"
                    + (f" of length {len(got)}" if isinstance(got, (tuple, list)) else ""))
        expected = step_backward_reference(*args)
        mistakes = _step_mistakes(*args)
        for name, g, e in zip(_STEP_OUTPUTS, got, expected, strict=True):
            axes = {"dW": ("feature", "unit"), "dU": ("unit of h_prev", "unit of h"),
                    "db": ("unit",), "dh_prev": ("example", "unit")}[name]
            core.compare(STEP_BACKWARD, name, g, e, atol=1e-8, axes=axes, mistakes=mistakes[name],
                         case=case)
    return core.passed(STEP_BACKWARD, "dW, dU, db and dh_prev match the package's BPTT on "
                       f"{len(cases)} cases, including a batch of one.")


# --- 2. predict, then measure: ten times smaller after how many steps? ----------------------

TENFOLD = "tenfold"


def probe(seed: int) -> tuple[np.ndarray, np.ndarray, np.random.Generator]:
    """The chapter's probe: adding-problem inputs (16, 100, 2) and input weights (2, 32)."""
    rng = np.random.default_rng(seed)
    x, _ = tasks.adding_problem(16, STEPS, rng)
    return x.astype(np.float64), rng.normal(0, 0.5, (2, UNITS)), rng


def steps_to_tenfold(norms: np.ndarray) -> int | None:
    """Steps back from the last step until the gradient norm is below 1/10 of where it started.

    ``norms`` is what :func:`rnnbook.cells.gradients.gradient_norms` returns (entry ``T - 1`` is the
    last step); None if it never gets there.
    """
    back = np.asarray(norms)[::-1]
    below = back < 0.1 * back[0]
    return int(np.argmax(below)) if below.any() else None


def tenfold_reference(radius: float = TENFOLD_RADIUS, activation: str = "tanh") -> int:
    """The median over a few draws of the chapter's probe of :func:`steps_to_tenfold`."""
    counts = []
    for seed in REFERENCE_SEEDS:
        x, w_in, rng = probe(seed)
        weights = [w_in, gradients.recurrent_matrix(UNITS, radius, rng), np.zeros(UNITS)]
        counts.append(steps_to_tenfold(
            gradients.gradient_norms("rnn", x, weights, activation=activation)))
    return int(np.median(counts))


def tenfold_bound(radius: float = TENFOLD_RADIUS) -> int:
    """At most this many steps: each step back shrinks the gradient by at least ``radius``."""
    return int(np.ceil(np.log(10) / np.log(1 / radius)))


def measure_reference(x: np.ndarray, w_in: np.ndarray, radius: float, rng: np.random.Generator,
                      *, activation: str = "tanh", mistake: str = "") -> int | None:
    """The chapter's measurement on given inputs: steps back until a tenth is left.

    ``mistake`` gives what a typical slip measures instead: ``"from_start"`` (the norms not
    reversed), ``"time_step"`` (the step t, not the distance back), ``"bound"`` (the formula).
    """
    if mistake == "bound":
        return tenfold_bound(radius)
    weights = [w_in, gradients.recurrent_matrix(UNITS, radius, rng), np.zeros(UNITS)]
    norms = gradients.gradient_norms("rnn", x, weights, activation=activation)
    if mistake == "from_start":
        return int(np.argmax(norms < 0.1))
    steps = steps_to_tenfold(norms)
    if mistake == "time_step":
        return None if steps is None else len(norms) - 1 - steps
    return steps


TENFOLD_MISTAKES = {
    "from_start": "gradient_norms is indexed by time step, with the loss at the last entry "
    "(norms[-1] = 1); counted from the first entry, where almost nothing is left, the first "
    "entry below a tenth is entry 0. Reverse the norms (norms[::-1]) so that the index is the "
    "distance back from the loss.",
    "time_step": "that is the time step t where the norm falls below a tenth; the question is "
    "the distance back from the last step, where the loss is: T - 1 - t, or the index in the "
    "reversed norms (norms[::-1]).",
    "bound": "that is the bound (ln 10 / ln(1/radius) rounded up), what a linear RNN would take: "
    "measure it with the tanh cell instead of computing it.",
    "relu": "that is what ReLU units measure: the question is about a tanh cell, "
    "gradient_norms' default activation.",
}
TENFOLD_SETUPS = ((0, TENFOLD_RADIUS), (1, TENFOLD_RADIUS), (2, 0.5), (3, 0.9))


@core.checker(TENFOLD)
def tenfold(prediction, measure: Callable) -> bool:
    """Run the learner's measurement on the checker's draws; report the prediction.

    ``measure(x, w_in, radius, rng)`` returns the steps back from the loss until the gradient of
    a tanh RNN with a random orthogonal recurrent matrix of spectral radius ``radius`` (drawn
    with ``gradients.recurrent_matrix(32, radius, rng)``) on inputs ``x`` with input weights
    ``w_in`` is ten times smaller. The checker runs it on its own draws and radii (0.8, and 0.5
    and 0.9, so that a number typed in or computed from a formula shows) and compares each
    answer with its own measurement of the same draw; the prediction is reported, right or
    wrong: it is a guess.
    """
    if prediction is None:
        core.call(measure, *probe(0)[:2], TENFOLD_RADIUS, probe(0)[2])  # a stub: not attempted
        core.expect(TENFOLD, False, "write down your prediction (a number of steps) before you "
                    "measure: the point is to compare the two.")
    prediction = core.as_number(TENFOLD, "your prediction", prediction)
    measured = None
    for seed, radius in TENFOLD_SETUPS:
        x, w_in, rng = probe(seed)
        got = core.call(measure, x.copy(), w_in.copy(), radius, rng)
        got = core.as_number(TENFOLD, f"measure(x, w_in, {radius}, rng)", got, whole=True)
        x, w_in, rng = probe(seed)
        expected = measure_reference(x, w_in, radius, rng)
        if got == expected:
            measured = got if measured is None else measured
            continue
        hint = ""
        for mistake, text in TENFOLD_MISTAKES.items():
            x, w_in, rng = probe(seed)
            value = (measure_reference(x, w_in, radius, rng, activation="relu")
                     if mistake == "relu" else
                     measure_reference(x, w_in, radius, rng, mistake=mistake))
            if value == got:
                hint = text
                break
        if not hint and got == round(prediction):
            hint = ("that is your prediction: the function must measure, on the inputs and the "
                    "rng it is given")
        core.expect(TENFOLD, False, f"your measurement with radius {radius:g} on the checker's "
                    f"draw {seed} is {got} steps; the same draw measures {expected}", hint)
    off = abs(prediction - measured)
    if off == 0:
        verdict = f"your prediction, {prediction:g}, was exactly that"
    elif off <= TENFOLD_TOLERANCE:
        steps = "step" if off == 1 else "steps"
        verdict = f"your prediction, {prediction:g}, was within {off:g} {steps} of it"
    else:
        bound = tenfold_bound()
        verdict = (f"your prediction, {prediction:g}, was {off:g} steps off. The bound says at "
                   f"most {bound} steps (each step back shrinks the gradient by at least 0.8), "
                   "and tanh's slope 1 - h^2 < 1 makes each step shrink it more")
    return core.passed(TENFOLD, f"your measurement agrees with the checker's on "
                       f"{len(TENFOLD_SETUPS)} draws (radii 0.5, 0.8 and 0.9); with radius 0.8 "
                       f"it measures {measured} steps, and {verdict}.")


# --- 3. global-norm clipping ----------------------------------------------------------------

CLIP = "clip_global_norm"


def _clip_cases(rng: np.random.Generator) -> list[tuple[str, list[np.ndarray], float]]:
    big = [rng.normal(0, 8, (3, 4)), rng.normal(0, 0.3, (4, 4)), np.array([0.1, -30.0, 2.0])]
    lopsided = [np.full((2, 2), 20.0), rng.normal(0, 0.5, 5)]  # norms 40 and about 1
    small = [rng.normal(0, 0.2, (3, 3)), rng.normal(0, 0.2, 3)]  # global norm below 5
    big_norm, small_norm = gradients.global_norm(big), gradients.global_norm(small)
    return [(f"a gradient of global norm {big_norm:.3g}, threshold 5", big, 5.0),
            ("one large array and one small one, threshold 5", lopsided, 5.0),
            (f"a gradient of global norm {small_norm:.3g}, below the threshold 5", small, 5.0)]


def _clip_mistakes(grads: list[np.ndarray], max_norm: float) -> dict[str, list[np.ndarray]]:
    norm = gradients.global_norm(grads)
    return {
        "you clipped each entry to [-max_norm, max_norm] (clipping by value): clipping by norm "
        "rescales every array by the same factor max_norm / ||g||":
            [np.clip(g, -max_norm, max_norm) for g in grads],
        "you clipped each array by its own norm (Keras's clipnorm); the global norm is the norm "
        "of all the arrays together, sqrt(sum of every array's squared entries)":
            [g * min(1.0, max_norm / np.linalg.norm(g)) for g in grads],
        "a gradient whose norm is already below max_norm must be left as it is: rescale only "
        "when ||g|| > max_norm (you scaled it up)":
            [g * (max_norm / norm) for g in grads],
        "the norm is the square root of the sum of squares: you divided by the squared norm":
            [g * (max_norm / norm**2 if norm**2 > max_norm else 1.0) for g in grads],
    }


@core.checker(CLIP)
def clip_global_norm(fn: Callable) -> bool:
    """Check ``fn(grads: list of arrays, max_norm) -> list of arrays`` (global-norm clipping)."""
    rng = np.random.default_rng(5)
    for case, grads, max_norm in _clip_cases(rng):
        originals = [g.copy() for g in grads]
        got = core.call(fn, grads, max_norm)
        core.expect(CLIP, all(np.array_equal(g, o) for g, o in zip(grads, originals,
                                                                   strict=True)),
                    "your function changed the arrays it was given",
                    "return new arrays (g * scale), do not scale them in place (g *= scale): "
                    "the optimizer may still need the gradient as it was.")
        got = list(got) if isinstance(got, (tuple, list)) else got
        core.expect(CLIP, isinstance(got, list) and len(got) == len(grads),
                    f"return a list of {len(grads)} arrays, one per array given; got "
                    f"{type(got).__name__}" + (f" of length {len(got)}" if isinstance(
                        got, list) else ""))
        expected = gradients.clip_by_norm(grads, max_norm)
        mistakes = _clip_mistakes(grads, max_norm)
        for i, (g, e) in enumerate(zip(got, expected, strict=True)):
            core.compare(CLIP, f"array {i} of the clipped gradient", g, e, atol=1e-9,
                         axes=("row", "column") if np.ndim(e) == 2 else ("entry",),
                         mistakes={hint: wrong[i] for hint, wrong in mistakes.items()},
                         case=case)
    return core.passed(CLIP, "a large gradient is rescaled to norm 5 with its direction kept, "
                       "all arrays by the same factor, and a small one is left alone.")


# --- 4. experiment: the IRNN's identity, scaled ----------------------------------------------

IRNN = "irnn_scales"


def irnn_left(scale: float, seed: int = 0, activation: str = "relu", last: bool = False,
              kind: str = "identity") -> float:
    """The gradient left after 99 steps in an IRNN with ``scale`` times the identity."""
    x, w_in, _ = probe(seed)
    return _left(x, w_in, scale, activation=activation, last=last, kind=kind)


def _left(x, w_in, scale, *, activation="relu", last=False, kind="identity") -> float:
    matrix = (gradients.recurrent_matrix(UNITS, scale, kind="identity") if kind == "identity"
              else gradients.recurrent_matrix(UNITS, scale, np.random.default_rng(0)))
    norms = gradients.gradient_norms("rnn", x, [w_in, matrix, np.zeros(UNITS)],
                                     activation=activation)
    return float(norms[-1] if last else norms[0])


IRNN_SCALES = (0.9, 0.95, 1.0, 1.05, 1.1)
IRNN_MISTAKES = {
    "that is the last step, where the loss is (norms[-1]); the gradient 99 steps back is "
    "norms[0].": {"last": True},
    "these are a tanh cell's numbers (its slope 1 - h^2 is below 1, so the gradient vanishes "
    "even above c = 1): pass activation='relu' to gradient_norms.": {"activation": "tanh"},
    "the recurrent matrix is c times the identity, recurrent_matrix(UNITS, c, kind='identity'), "
    "not a random orthogonal matrix of radius c.": {"kind": "orthogonal"},
    "every scale gives the same number: is c passed to recurrent_matrix?": {"scale": 1.0},
}


@core.checker(IRNN)
def irnn_scales(left_after: Callable) -> bool:
    """Run ``left_after(x, w_in, c)`` (the gradient's norm 99 steps back from the loss in a ReLU
    RNN with c times the identity, on inputs ``x`` and input weights ``w_in``) on the checker's
    own probe for c = 0.9 ... 1.1, and compare each value with the checker's measurement of the
    same inputs (to 1e-4 relative)."""
    x, w_in, _ = probe(5)
    values = {}
    for c in IRNN_SCALES:
        got = core.call(left_after, x.copy(), w_in.copy(), c)
        values[c] = core.as_number(IRNN, f"left_after(x, w_in, {c:g})", got)
    for c in IRNN_SCALES:
        got, expected = values[c], _left(x, w_in, c)
        if abs(got - expected) <= 1e-4 * abs(expected):
            continue
        hint = ""
        for text, switches in IRNN_MISTAKES.items():
            wrong = [_left(x, w_in, switches.get("scale", k), **{
                key: v for key, v in switches.items() if key != "scale"}) for k in IRNN_SCALES]
            if all(abs(values[k] - w) <= 1e-4 * abs(w) for k, w in zip(IRNN_SCALES, wrong,
                                                                         strict=True)):
                hint = text
                break
        core.expect(IRNN, False, f"at scale {c:g} your function measures {got:.4g} left after 99 "
                    f"steps on the checker's inputs; the checker measures {expected:.4g}", hint)
    low, high = IRNN_SCALES[0], IRNN_SCALES[-1]
    return core.passed(IRNN, f"From scale {low:g} to {high:g} the gradient left after 99 steps "
                       f"goes from {values[low]:.2g} to {values[high]:.2g}: about c**99 "
                       f"({low ** 99:.2g} and {high ** 99:.2g}) times what is left at scale 1.")
