"""What a recurrent cell costs: parameters and work per step, counted by formula and measured.

For a layer with ``features`` inputs and ``units`` hidden units (f and u below)::

    cell   blocks     parameters            multiply-adds per step and sequence
    rnn    1          u (f + u + 1)         u (f + u)
    lstm   4          4 u (f + u + 1)       4 u (f + u)
    gru    3          3 u (f + u + 2)       3 u (f + u)     reset_after=True (Keras's default)
    gru    3          3 u (f + u + 1)       3 u (f + u)     reset_after=False

Each block (a gate or the candidate) is a small dense layer on ``[x_t, h_{t-1}]``; the GRU
with ``reset_after=True`` has a second bias per block (one on the input side, one on the
recurrent side). The multiply-adds are those of the matrix products, which dominate: the
element-wise work is O(u) per step and is counted separately in :class:`StepCost`.

:func:`step_time` measures the other side of the story: seconds per time step of the NumPy
cells and of the Keras layers on this machine.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass

import keras
import numpy as np

from rnnbook import validate
from rnnbook.cells import BLOCKS, KINDS, cell, param_count

__all__ = ["BLOCKS", "KINDS", "StepCost", "StepTime", "TimedCell", "param_count", "step_cost",
           "step_time", "step_times"]


def _check(kind: str, features: int, units: int) -> None:
    cell(kind)
    validate.positive_int("features", features)
    validate.positive_int("units", units)


@dataclass(frozen=True)
class StepCost:
    """Forward work of one time step for one sequence.

    Attributes:
        macs: multiply-adds of the matrix products (x_t W and h_{t-1} U for every gate).
        activations: sigmoid and tanh evaluations.
        products: element-wise products (gating).
        serial_matmuls: matrix products with h_{t-1} that must run one after the other; a
            fused kernel can do all the others in one product.
    """

    macs: int
    activations: int
    products: int
    serial_matmuls: int


def step_cost(kind: str, features: int, units: int, *, reset_after: bool = True) -> StepCost:
    """The forward work of one step of a cell, from its equations (see the module table).

    LSTM: four gate pre-activations, three sigmoids and two tanh (candidate and tanh(c_t)),
    three products (f*c, i*c~, o*tanh(c)). GRU: three pre-activations, two sigmoids and one
    tanh, three products (the reset gate's, z*h and (1-z)*h~). With ``reset_after=False`` the
    candidate's product with U_h needs r_t first, so a step has two matrix products in a row.
    """
    _check(kind, features, units)
    c, f, u = cell(kind), features, units
    macs = BLOCKS[kind] * u * (f + u)
    # reset_after=False puts the reset gate between two matrix products (the GRU's option)
    serial = 1 if c.options_of(reset_after=reset_after).get("reset_after", True) else 2
    return StepCost(macs, activations=c.activations * u, products=c.products * u,
                    serial_matmuls=serial)


@dataclass(frozen=True)
class StepTime:
    """Measured forward time of a layer.

    Attributes:
        per_step: seconds per time step for the whole batch (slope of time against length).
        overhead: seconds a call costs whatever its length (the intercept; Keras's call set-up).
        batch: sequences per call.
        lengths: the two sequence lengths timed.
    """

    per_step: float
    overhead: float
    batch: int
    lengths: tuple[int, int]


def _layer(kind: str, units: int, reset_after: bool, seed: int):
    init = {"kernel_initializer": keras.initializers.GlorotUniform(seed=seed),
            "recurrent_initializer": keras.initializers.Orthogonal(seed=seed + 1)}
    c = cell(kind)
    return c.layer(units, return_sequences=True, **init, **c.options_of(reset_after=reset_after))


@dataclass(frozen=True)
class TimedCell:
    """One configuration for :func:`step_times`: a cell kind, its sizes and an implementation."""

    kind: str
    features: int
    units: int
    impl: str = "numpy"
    reset_after: bool = True

    def __post_init__(self) -> None:
        _check(self.kind, self.features, self.units)
        validate.one_of("impl", self.impl, ("numpy", "keras"))


def _runner(timed: TimedCell, seed: int):
    """A function x -> forward outputs, for the NumPy cell or a model holding only the layer."""
    layer = _layer(timed.kind, timed.units, timed.reset_after, seed)
    inputs = keras.Input((None, timed.features))
    model = keras.Model(inputs, layer(inputs))
    weights = layer.get_weights()  # the NumPy run uses the very same weights
    if timed.impl == "keras":
        return model.predict_on_batch
    c = cell(timed.kind)
    options = c.options_of(reset_after=timed.reset_after)
    return lambda x: c.forward(x, weights, **options)


def step_times(
    cells: list[TimedCell],
    *,
    batch: int = 32,
    lengths: tuple[int, int] = (20, 80),
    rounds: int = 5,
    seed: int = 0,
) -> list[StepTime]:
    """Measure the forward time per step of several cells, fairly, on this machine.

    Every cell is run once per length to warm up (Keras traces its function for a new shape).
    Then, ``rounds`` times, every cell is timed once at each length, cell after cell, so that
    a burst of other work on the machine hits all cells alike; the best time of each is kept
    (the least disturbed), and the time per step is the slope between the two lengths, so the
    fixed cost of a call cancels out. If a busy machine leaves some cell with no positive
    slope, up to ``2 * rounds`` more rounds are run.

    Args:
        cells: what to time.
        batch: sequences per call.
        lengths: two sequence lengths, shorter first.
        rounds: timed calls per cell and length (at least).
        seed: inputs and weights.

    Returns:
        One :class:`StepTime` per cell, in order.
    """
    if len(lengths) != 2 or not 0 < lengths[0] < lengths[1]:
        raise validate.error_for("lengths", "be two increasing positive lengths", lengths)
    validate.positive_int("rounds", rounds)
    validate.positive_int("batch", batch)
    rng = np.random.default_rng(seed)
    # Every new input length retraces a Keras predict function on purpose; TensorFlow would
    # warn about "excessive retracing" on its logger.
    tf_logger = logging.getLogger("tensorflow")
    level = tf_logger.level
    tf_logger.setLevel(logging.ERROR)
    try:
        return _time_cells(cells, rng, batch, lengths, rounds, seed)
    finally:
        tf_logger.setLevel(level)


def _time_cells(cells, rng, batch, lengths, rounds, seed) -> list[StepTime]:
    runs = [_runner(timed, seed) for timed in cells]
    inputs = {(c.features, n): rng.normal(size=(batch, n, c.features)).astype("float32")
              for c in cells for n in lengths}
    best = np.full((len(cells), 2), np.inf)
    for r in range(3 * rounds + 1):  # round 0 warms up
        if r > rounds and np.all(best[:, 1] > best[:, 0]):
            break  # extra rounds only while a burst of other work still hides a slope
        for i, (timed, run) in enumerate(zip(cells, runs, strict=True)):
            for j, n in enumerate(lengths):
                start = time.perf_counter()
                run(inputs[timed.features, n])
                if r:
                    best[i, j] = min(best[i, j], time.perf_counter() - start)
    per_step = (best[:, 1] - best[:, 0]) / (lengths[1] - lengths[0])
    return [StepTime(float(p), float(b[0] - p * lengths[0]), batch, (lengths[0], lengths[1]))
            for p, b in zip(per_step, best, strict=True)]


def step_time(kind: str, features: int, units: int, *, impl: str = "numpy",
              reset_after: bool = True, **kwargs) -> StepTime:
    """:func:`step_times` for one cell; keyword arguments as there."""
    return step_times([TimedCell(kind, features, units, impl, reset_after)], **kwargs)[0]
