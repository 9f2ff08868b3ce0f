"""What a recurrent cell costs: parameters and work per step, counted by formula and measured.

For a layer with ``features`` inputs and ``units`` hidden units (f and u below)::

    cell   gates      parameters            multiply-adds per step and sequence
    rnn    1          u (f + u + 1)         u (f + u)
    lstm   4          4 u (f + u + 1)       4 u (f + u)
    gru    3          3 u (f + u + 2)       3 u (f + u)     reset_after=True (Keras's default)
    gru    3          3 u (f + u + 1)       3 u (f + u)     reset_after=False

Each gate is a small dense layer on ``[x_t, h_{t-1}]``; the GRU with ``reset_after=True`` has
a second bias per gate (one on the input side, one on the recurrent side). The multiply-adds
are those of the matrix products, which dominate: the element-wise work is O(u) per step and is
counted separately in :class:`StepCost`.

:func:`step_time` measures the other side of the story: seconds per time step of the NumPy
cells and of the Keras layers on this machine.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass

import numpy as np

KINDS = ("rnn", "lstm", "gru")
GATES = {"rnn": 1, "lstm": 4, "gru": 3}  # dense blocks that see [x_t, h_{t-1}]


def _check(kind: str, features: int, units: int) -> None:
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {KINDS}, got {kind!r}")
    for name, value in (("features", features), ("units", units)):
        if int(value) != value or value < 1:
            raise ValueError(f"{name} must be a positive integer, got {value!r}")


def param_count(
    kind: str, features: int, units: int, *, reset_after: bool = True, use_bias: bool = True
) -> int:
    """Trainable parameters of one Keras recurrent layer (``SimpleRNN``, ``LSTM`` or ``GRU``).

    Args:
        kind: ``"rnn"``, ``"lstm"`` or ``"gru"``.
        features: input size f.
        units: hidden size u.
        reset_after: the GRU's variant (ignored for the others); True adds a recurrent bias.
        use_bias: whether the layer has biases.

    Returns:
        gates * u * (f + u + biases), with biases 2 for a ``reset_after=True`` GRU, else 1.
    """
    _check(kind, features, units)
    biases = (2 if kind == "gru" and reset_after else 1) if use_bias else 0
    return GATES[kind] * units * (features + units + biases)


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
    f, u = features, units
    macs = GATES[kind] * u * (f + u)
    if kind == "rnn":
        return StepCost(macs, activations=u, products=0, serial_matmuls=1)
    if kind == "lstm":
        return StepCost(macs, activations=5 * u, products=3 * u, serial_matmuls=1)
    return StepCost(macs, activations=3 * u, products=3 * u,
                    serial_matmuls=1 if reset_after else 2)


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
    import keras

    init = {"kernel_initializer": keras.initializers.GlorotUniform(seed=seed),
            "recurrent_initializer": keras.initializers.Orthogonal(seed=seed + 1)}
    if kind == "rnn":
        return keras.layers.SimpleRNN(units, return_sequences=True, **init)
    if kind == "lstm":
        return keras.layers.LSTM(units, return_sequences=True, **init)
    return keras.layers.GRU(units, return_sequences=True, reset_after=reset_after, **init)


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
        if self.impl not in ("numpy", "keras"):
            raise ValueError(f"impl must be 'numpy' or 'keras', got {self.impl!r}")


def _runner(cell: TimedCell, seed: int):
    """A function x -> forward outputs, for the NumPy cell or a model holding only the layer."""
    import keras

    from rnnbook import numpy_rnn

    layer = _layer(cell.kind, cell.units, cell.reset_after, seed)
    inputs = keras.Input((None, cell.features))
    model = keras.Model(inputs, layer(inputs))
    weights = layer.get_weights()  # the NumPy run uses the very same weights
    if cell.impl == "keras":
        return model.predict_on_batch
    if cell.kind == "rnn":
        return lambda x: numpy_rnn.rnn_forward(x, weights)
    if cell.kind == "lstm":
        return lambda x: numpy_rnn.lstm_forward(x, weights)
    return lambda x: numpy_rnn.gru_forward(x, weights, reset_after=cell.reset_after)


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
        raise ValueError(f"lengths must be two increasing positive lengths, got {lengths!r}")
    if rounds < 1 or batch < 1:
        raise ValueError(f"rounds and batch must be positive, got {rounds} and {batch}")
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
    runs = [_runner(cell, seed) for cell in cells]
    inputs = {(c.features, n): rng.normal(size=(batch, n, c.features)).astype("float32")
              for c in cells for n in lengths}
    best = np.full((len(cells), 2), np.inf)
    for r in range(3 * rounds + 1):  # round 0 warms up
        if r > rounds and np.all(best[:, 1] > best[:, 0]):
            break  # extra rounds only while a burst of other work still hides a slope
        for i, (cell, run) in enumerate(zip(cells, runs, strict=True)):
            for j, n in enumerate(lengths):
                start = time.perf_counter()
                run(inputs[cell.features, n])
                if r:
                    best[i, j] = min(best[i, j], time.perf_counter() - start)
    per_step = (best[:, 1] - best[:, 0]) / (lengths[1] - lengths[0])
    return [StepTime(float(p), float(b[0] - p * lengths[0]), batch, (lengths[0], lengths[1]))
            for p, b in zip(per_step, best, strict=True)]


def step_time(kind: str, features: int, units: int, *, impl: str = "numpy",
              reset_after: bool = True, **kwargs) -> StepTime:
    """:func:`step_times` for one cell; keyword arguments as there."""
    return step_times([TimedCell(kind, features, units, impl, reset_after)], **kwargs)[0]
