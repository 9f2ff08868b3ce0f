"""Long-range synthetic tasks: the adding problem (and the copy task), and one shared experiment.

The adding problem (Hochreiter & Schmidhuber 1997, in the form of Le, Jaitly & Hinton 2015):
each step carries two numbers, a value drawn from U(0, 1) and a marker that is 1 at exactly two
steps (one in each half of the sequence) and 0 elsewhere. The target is the sum of the two
marked values. A network that ignores its input does best by always answering 1, whose mean
squared error is the variance of a sum of two U(0, 1) values: 1/6 (:data:`ADDING_BASELINE_MSE`).
To beat it, a network must carry the first marked value across about half the sequence.

:func:`train_adding` is the experiment the vanilla RNN, LSTM and GRU chapters share: the same
data, the same model shape (one recurrent layer and a ``Dense(1)``), the same optimizer and the
same budget (:func:`adding_budget`), so their tables can be compared line by line.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import keras
import numpy as np

from rnnbook import validate
from rnnbook.cells import KINDS, cell
from rnnbook.config import SEED
from rnnbook.training.callbacks import Progress

__all__ = ["ADDING_BASELINE_MSE", "KINDS", "AddingBudget", "AddingResult", "adding_budget",
           "adding_problem", "adding_table", "build_adding_model", "copy_task", "run_adding",
           "train_adding"]

ADDING_BASELINE_MSE = 1 / 6  # Var(u1 + u2) for u1, u2 ~ U(0, 1): the MSE of always answering 1


def adding_problem(
    batch_size: int, seq_len: int, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """A batch of the adding problem.

    Args:
        batch_size: number of sequences.
        seq_len: steps per sequence (at least 2: one marker in each half).
        rng: the NumPy Generator the values and marker positions are drawn from.

    Returns:
        ``(x, y)``: ``x`` (batch_size, seq_len, 2) float32, channel 0 the values and channel 1
        the markers; ``y`` (batch_size, 1) float32, the sum of the two marked values.
    """
    validate.positive_int("batch_size", batch_size)
    validate.positive_int("seq_len", seq_len)
    if seq_len < 2:
        raise validate.error_for("seq_len", "be at least 2 (one marker in each half)", seq_len)
    half = seq_len // 2
    values = rng.uniform(0.0, 1.0, size=(batch_size, seq_len))
    first = rng.integers(0, half, size=batch_size)  # one marker in the first half
    second = rng.integers(half, seq_len, size=batch_size)  # and one in the second
    markers = np.zeros((batch_size, seq_len))
    rows = np.arange(batch_size)
    markers[rows, first] = 1.0
    markers[rows, second] = 1.0
    x = np.stack([values, markers], axis=-1).astype(np.float32)
    y = (values[rows, first] + values[rows, second])[:, None].astype(np.float32)
    return x, y


def copy_task(
    batch_size: int, seq_len: int, rng: np.random.Generator, n_symbols: int = 8, delay: int = 10
) -> tuple[np.ndarray, np.ndarray]:
    """A batch of the copy (memory) task: remember ``seq_len`` symbols across ``delay`` blanks.

    The input is ``seq_len`` random symbols from 1..n_symbols, then ``delay`` blanks (0), then a
    go marker (n_symbols + 1), then ``seq_len - 1`` blanks; the target is blanks everywhere
    except the last ``seq_len`` steps, which repeat the symbols.

    Returns:
        ``(x, y)``: int32 arrays (batch_size, 2 * seq_len + delay) of symbol ids (0 = blank,
        n_symbols + 1 = go), ``y`` holding the symbols to repeat in its last ``seq_len`` steps.
    """
    validate.positive_int("batch_size", batch_size)
    validate.positive_int("seq_len", seq_len)
    validate.positive_int("n_symbols", n_symbols)
    validate.integer("delay", delay, 0)
    total = 2 * seq_len + delay
    symbols = rng.integers(1, n_symbols + 1, size=(batch_size, seq_len))
    x = np.zeros((batch_size, total), dtype=np.int32)
    y = np.zeros((batch_size, total), dtype=np.int32)
    x[:, :seq_len] = symbols
    x[:, seq_len + delay] = n_symbols + 1
    y[:, -seq_len:] = symbols
    return x, y


@dataclass(frozen=True)
class AddingBudget:
    """The training budget of the adding-problem experiment (the same for every cell kind).

    Attributes:
        lengths: the sequence lengths to train on, shortest first.
        units: recurrent units of the one recurrent layer.
        train_size: number of training sequences (drawn once per run).
        epochs: passes over them; ``steps`` = epochs * ceil(train_size / batch_size).
        batch_size: sequences per step.
        learning_rate: Adam's step size.
        clipnorm: global gradient-norm clipping (Keras ``global_clipnorm``).
        test_size: fresh sequences the final MSE is measured on.
        seed: seeds the data and the weights.
    """

    lengths: tuple[int, ...]
    units: int
    train_size: int
    epochs: int
    batch_size: int
    learning_rate: float
    clipnorm: float = 1.0
    test_size: int = 1000
    seed: int = SEED

    @property
    def steps(self) -> int:
        """Optimizer steps per run."""
        return self.epochs * -(-self.train_size // self.batch_size)


def adding_budget(profile) -> AddingBudget:
    """The budget for a profile (an :class:`rnnbook.config.Profile`).

    Chosen so that, on a 2-core CPU, the ``cpu`` budget lets a vanilla RNN beat the baseline at
    the shortest length and not at the longest, while an LSTM with the same budget solves the
    longest one; ``smoke`` only checks that everything runs.
    """
    return profile.pick(
        smoke=AddingBudget(lengths=(10, 40), units=16, train_size=512, epochs=2, batch_size=64,
                           learning_rate=1e-2, test_size=256),
        # measured on 2 shared cores: RNN 0.002 / 0.155 / 0.161, LSTM 0.0004 at 100 (~1 min)
        cpu=AddingBudget(lengths=(10, 50, 100), units=32, train_size=10_000, epochs=10,
                         batch_size=64, learning_rate=5e-3),
        gpu=AddingBudget(lengths=(10, 50, 100, 200), units=64, train_size=20_000, epochs=20,
                         batch_size=64, learning_rate=5e-3),
    )


@dataclass
class AddingResult:
    """One run of :func:`train_adding`.

    Attributes:
        kind: ``"rnn"``, ``"lstm"`` or ``"gru"``.
        seq_len: the sequence length trained on.
        final_mse: MSE on fresh test sequences after training.
        history: test MSE after each epoch.
        seconds: wall-clock training time.
        steps: optimizer steps taken.
        model: the trained ``keras.Sequential`` (its layer 0 is the recurrent layer), so that a
            chapter can take its weights back into the NumPy cells; left out of ``repr`` and of
            ``==``, which compare the measurements only.
    """

    kind: str
    seq_len: int
    final_mse: float
    history: list[float] = field(default_factory=list)
    seconds: float = 0.0
    steps: int = 0
    model: Any = field(default=None, repr=False, compare=False)

    @property
    def solved(self) -> bool:
        """Whether the run beat the baseline by a wide margin (MSE below a third of 1/6)."""
        return self.final_mse < ADDING_BASELINE_MSE / 3


def build_adding_model(kind: str, seq_len: int, units: int):
    """One recurrent layer (``SimpleRNN``, ``LSTM`` or ``GRU``) and a ``Dense(1)`` on its last
    state, for inputs (batch, seq_len, 2)."""
    layer = cell(kind).layer
    return keras.Sequential(
        [keras.Input((seq_len, 2)), layer(units), keras.layers.Dense(1)],
        name=f"adding_{kind}_{seq_len}",
    )


def _zero_forget_bias(model) -> None:
    """Set the forget-gate block of an adding model's LSTM bias to 0 (Keras starts it at 1)."""
    layer = model.layers[0]
    kernel, recurrent, bias = layer.get_weights()
    units = recurrent.shape[0]
    bias[units:2 * units] = 0.0  # the forget block (Keras order: i, f, c, o)
    layer.set_weights([kernel, recurrent, bias])


def train_adding(
    kind: str,
    seq_len: int,
    budget: AddingBudget,
    seed: int | None = None,
    unit_forget_bias: bool = True,
    progress: Callable[[str], Any] | None = print,
) -> AddingResult:
    """Train one cell kind on the adding problem with Keras and measure its final MSE.

    Adam with global norm clipping, mean squared error, ``fit(..., verbose=0)``.

    Args:
        kind: ``"rnn"`` (``SimpleRNN``, tanh), ``"lstm"`` or ``"gru"``.
        seq_len: the sequence length.
        budget: sizes, from :func:`adding_budget`.
        seed: overrides ``budget.seed`` (data and weights).
        unit_forget_bias: for ``"lstm"`` only: start the forget-gate bias at 1 (True, Keras's
            default; Gers et al. 2000, Jozefowicz et al. 2015) or at 0 (False).
        progress: called with one line per epoch (test MSE, seconds, the time left),
            ``print`` by default; ``None``: silent.

    Returns:
        An :class:`AddingResult`, the trained network included.
    """
    cell(kind)
    if not unit_forget_bias and kind != "lstm":
        raise validate.error_for("unit_forget_bias", "be True for a cell without a forget gate "
                                 "(only the lstm has one)", received=f"unit_forget_bias=False for "
                                 f"kind={kind!r}")
    validate.positive_int("seq_len", seq_len)
    seed = budget.seed if seed is None else seed
    keras.utils.set_random_seed(seed)
    rng = np.random.default_rng(seed)
    x, y = adding_problem(budget.train_size, seq_len, rng)
    x_test, y_test = adding_problem(budget.test_size, seq_len, rng)
    model = build_adding_model(kind, seq_len, budget.units)
    if not unit_forget_bias:
        _zero_forget_bias(model)
    model.compile(
        optimizer=keras.optimizers.Adam(budget.learning_rate, global_clipnorm=budget.clipnorm),
        loss="mse",
    )
    start = time.perf_counter()
    shown = [] if progress is None else [
        Progress(progress, label=f"{kind}, {seq_len} steps", unit="MSE")]
    fit = model.fit(x, y, batch_size=budget.batch_size, epochs=budget.epochs,
                    validation_data=(x_test, y_test), callbacks=shown, verbose=0)
    seconds = time.perf_counter() - start
    history = [float(v) for v in fit.history["val_loss"]]
    return AddingResult(kind, seq_len, history[-1], history, seconds, budget.steps, model=model)


def run_adding(
    kinds: Iterable[str], budget: AddingBudget, lengths: Sequence[int] | None = None,
    progress: Callable[[str], Any] | None = print,
) -> list[AddingResult]:
    """Train every kind at every length (``budget.lengths`` by default), kinds outermost."""
    lengths = budget.lengths if lengths is None else tuple(lengths)
    return [train_adding(kind, n, budget, progress=progress) for kind in kinds for n in lengths]


def adding_table(results: Iterable[AddingResult]) -> str:
    """A Markdown table of results: kind, length, final MSE, its ratio to the baseline, time."""
    lines = ["| cell | length | final MSE | MSE / baseline | solved | seconds |",
             "| --- | ---: | ---: | ---: | :---: | ---: |"]
    for r in results:
        lines.append(f"| {r.kind} | {r.seq_len} | {r.final_mse:.4f} | "
                     f"{r.final_mse / ADDING_BASELINE_MSE:.2f} | {'yes' if r.solved else 'no'} | "
                     f"{r.seconds:.0f} |")
    return "\n".join(lines)
