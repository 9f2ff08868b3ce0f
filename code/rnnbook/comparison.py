"""Comparing recurrent cells fairly: several models, several seeds, one data split, one budget.

"Which is faster, and which writes better?" has an answer only with its uncertainty. A
comparison trains every model of a list (:class:`ModelSpec`) once per seed, on the same split
and for the same number of epochs, with the course's recipe (:mod:`rnnbook.training`), and
keeps for each run (:class:`RunResult`) the training seconds and validation loss of every
epoch, the parameter count, the generation speed and a sample. The summaries
(:func:`summarize`) then report, per model:

- **time per epoch**: the median over epochs *after the first* (the first also traces and
  compiles the training step), then the median over seeds;
- **best validation loss**: mean ± standard deviation over seeds, in nats and bits per character;
- **time to a common validation loss**: the target is the lowest loss that *every* run reaches
  (:func:`common_target`); each run's training seconds until its validation loss first reaches
  it (:func:`time_to_loss`), median over seeds; and the same in epochs, which a busy machine
  cannot disturb;
- **generation speed**: characters per second of :func:`rnnbook.sampling.generate`.

:func:`quality_gap` says whether two models' best losses differ by more than the spread
between seeds, :func:`matched_units` widens a cell to another's parameter count, and
:func:`run_comparison` runs the whole experiment (models interleaved, so that a slow spell of
a shared machine is spread over all of them rather than charged to one).
"""

from __future__ import annotations

import datetime
import json
import logging
import math
import os
import platform
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from rnnbook.config import Profile
from rnnbook.costs import param_count
from rnnbook.sampling import generation_speed
from rnnbook.training import nats_to_bits

KINDS = ("rnn", "gru", "lstm")
COLORS = {"rnn": "C0", "gru": "C1", "lstm": "C2"}  # one colour per cell, in every figure
FORMAT = "rnnbook-comparison/1"


# ---------------------------------------------------------------- what is compared


@dataclass(frozen=True)
class ModelSpec:
    """One model of a comparison: a label for tables and legends, a cell kind and a width."""

    label: str
    kind: str
    units: int

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"kind must be one of {KINDS}; got {self.kind!r}")
        if int(self.units) != self.units or self.units < 1:
            raise ValueError(f"units must be a positive integer; got {self.units!r}")


def char_model_params(
    kind: str, units: int, vocab_size: int, embedding_dim: int | None = None
) -> int:
    """Parameters of a one-layer :func:`~rnnbook.models.build_char_model` model, by formula.

    Input (one-hot: none; embedding: ``vocab_size * embedding_dim``), the recurrent layer
    (:func:`rnnbook.costs.param_count`) and the softmax layer (``units * vocab_size + vocab_size``).
    """
    features = vocab_size if embedding_dim is None else embedding_dim
    embedding = 0 if embedding_dim is None else vocab_size * embedding_dim
    return embedding + param_count(kind, features, units) + units * vocab_size + vocab_size


def matched_units(
    kind: str, params: int, vocab_size: int, embedding_dim: int | None = None
) -> int:
    """The width of a ``kind`` character model whose parameter count is closest to ``params``.

    "The same width" favours the cell with more gates: an LSTM(128) has about four times the
    recurrent weights of a vanilla RNN(128). Matching parameters instead asks what each cell
    does with the same budget of weights.

    Args:
        kind: ``"rnn"``, ``"gru"`` or ``"lstm"``.
        params: the parameter count to match (e.g. an LSTM(128) model's ``count_params()``).
        vocab_size, embedding_dim: as for :func:`char_model_params`.

    Returns:
        The number of units (on a tie, the smaller).
    """
    if int(params) != params or params < 1:
        raise ValueError(f"params must be a positive integer; got {params!r}")
    count = lambda u: char_model_params(kind, u, vocab_size, embedding_dim)
    units = 1
    while count(units + 1) <= params:  # the count grows with the width: walk up to the target
        units += 1
    # `units` is the widest model not above the target; the next width may be closer
    return units if params - count(units) <= count(units + 1) - params else units + 1


def comparison_specs(vocab_size: int, units: int = 128) -> list[ModelSpec]:
    """The chapter's models: RNN, GRU and LSTM at ``units``, and the GRU and RNN widened to the
    LSTM's parameter count (labelled with their widths)."""
    lstm_params = char_model_params("lstm", units, vocab_size)
    gru_units = matched_units("gru", lstm_params, vocab_size)
    rnn_units = matched_units("rnn", lstm_params, vocab_size)
    return [
        ModelSpec(f"RNN {units}", "rnn", units),
        ModelSpec(f"GRU {units}", "gru", units),
        ModelSpec(f"LSTM {units}", "lstm", units),
        ModelSpec(f"GRU {gru_units}", "gru", gru_units),
        ModelSpec(f"RNN {rnn_units}", "rnn", rnn_units),
    ]


@dataclass(frozen=True)
class Plan:
    """The sizes of a comparison (one per profile, :func:`plan_for`).

    Attributes:
        seeds: one run of every model per seed.
        epochs: the budget, the same for every model.
        batch_size, learning_rate, seq_len, dropout: the course's recipe
            (:func:`rnnbook.training.recipe`).
        text_fraction: the leading fraction of the corpus used (1.0: all of it).
        units: the width of the same-width comparison.
        temperature, sample_length: the samples shown (same seed text for every model).
        speed_length: characters generated to measure the generation speed.
    """

    seeds: tuple[int, ...]
    epochs: int
    batch_size: int = 64
    learning_rate: float = 1e-2
    seq_len: int = 100
    dropout: float = 0.0
    text_fraction: float = 1.0
    units: int = 128
    temperature: float = 0.7
    sample_length: int = 200
    speed_length: int = 500


def plan_for(profile: Profile) -> Plan:
    """The comparison's sizes for a profile: ``smoke`` one seed and a tiny budget; ``cpu``
    three seeds and under a minute per model; ``gpu`` five seeds and a long budget. The window,
    batch, learning rate and dropout are the course's recipe for the profile
    (:func:`rnnbook.training.recipe`)."""
    from rnnbook.training import recipe

    sizes = profile.pick(
        smoke={"seeds": (1,), "epochs": 3, "text_fraction": 0.15, "sample_length": 60,
               "speed_length": 100},
        cpu={"seeds": (1, 2, 3), "epochs": 10},
        gpu={"seeds": (1, 2, 3, 4, 5), "epochs": 40},
    )
    course = recipe(profile.name)
    return Plan(**sizes, seq_len=course["seq_len"], batch_size=course["batch_size"],
                learning_rate=course["learning_rate"], dropout=course.get("dropout", 0.0))


# ---------------------------------------------------------------- what a run leaves


@dataclass
class RunResult:
    """One training run of one model with one seed.

    Attributes:
        label, kind, units: the :class:`ModelSpec` trained.
        seed: the seed of the weights' initialisation and the batches' order.
        params: trainable parameters.
        seconds: training seconds of every epoch (validation not included).
        val_loss: validation loss after every epoch, in nats per character.
        loss: training loss of every epoch, in nats per character.
        chars_per_second: generation speed of the trained model (``nan`` if not measured).
        sample: generated text (the plan's seed text and temperature).
    """

    label: str
    kind: str
    units: int
    seed: int
    params: int
    seconds: list[float]
    val_loss: list[float]
    loss: list[float] = field(default_factory=list)
    chars_per_second: float = math.nan
    sample: str = ""

    def __post_init__(self) -> None:
        if not self.seconds or len(self.seconds) != len(self.val_loss):
            raise ValueError(
                f"seconds and val_loss need one value per epoch; got {len(self.seconds)} and "
                f"{len(self.val_loss)} for {self.label!r}"
            )

    @property
    def elapsed(self) -> np.ndarray:
        """Training seconds at the end of every epoch (epochs, )."""
        return np.cumsum(self.seconds)

    @property
    def best(self) -> float:
        """The lowest validation loss of the run, in nats per character."""
        return float(np.min(self.val_loss))


def median_epoch_seconds(seconds: Sequence[float]) -> float:
    """Median training time of an epoch, leaving out the first (which also compiles the step).

    A single epoch is returned as it is.
    """
    s = np.asarray(seconds, dtype=float)
    if s.size == 0:
        raise ValueError("seconds must hold at least one epoch")
    return float(np.median(s[1:] if s.size > 1 else s))


def time_to_loss(val_loss: Sequence[float], seconds: Sequence[float], target: float) -> float:
    """Training seconds until the validation loss first reaches ``target``.

    The loss is known at the end of each epoch; between two epochs it is taken to fall along a
    straight line in time, so a run that crosses the target early in an epoch is not charged the
    whole epoch. Reached in the first epoch: that epoch's end.

    Args:
        val_loss: (epochs,) validation loss after each epoch.
        seconds: (epochs,) training seconds of each epoch.
        target: the loss to reach.

    Returns:
        Seconds, or ``nan`` if the run never reaches ``target``.
    """
    loss = np.asarray(val_loss, dtype=float)
    elapsed = np.cumsum(np.asarray(seconds, dtype=float))
    if loss.shape != elapsed.shape or loss.ndim != 1:
        raise ValueError(f"val_loss and seconds must be 1-D and alike; got {loss.shape}, "
                         f"{elapsed.shape}")
    hit = np.flatnonzero(loss <= target)
    if hit.size == 0:
        return math.nan
    k = int(hit[0])
    if k == 0:
        return float(elapsed[0])
    fraction = (loss[k - 1] - target) / (loss[k - 1] - loss[k])  # where the line meets target
    return float(elapsed[k - 1] + fraction * (elapsed[k] - elapsed[k - 1]))


def common_target(runs: Iterable[RunResult]) -> float:
    """The lowest validation loss that every run reaches: the largest of their best losses."""
    bests = [run.best for run in runs]
    if not bests:
        raise ValueError("runs is empty")
    return max(bests)


def _mean_sd(values: Sequence[float]) -> tuple[float, float]:
    """Mean and sample standard deviation (0 for a single value)."""
    v = np.asarray(values, dtype=float)
    return float(v.mean()), float(v.std(ddof=1)) if v.size > 1 else 0.0


def _median_if_all(values: Sequence[float]) -> float:
    """The median, or ``nan`` if any value is ``nan`` (a run that never got there)."""
    return math.nan if any(map(math.isnan, values)) else float(np.median(values))


@dataclass(frozen=True)
class Summary:
    """One model of a comparison, over its seeds (see the module's docstring for each measure).

    Attributes:
        label, kind, units, params: the model.
        seeds: number of runs.
        epoch_seconds: median over seeds of each run's median epoch time.
        best_nats, best_nats_sd: mean and standard deviation over seeds of the best validation
            loss (nats per character); ``best_bits``, ``best_bits_sd`` the same in bits.
        best_range: (lowest, highest) best validation loss over seeds.
        target: the common validation loss of :attr:`time_to_target`.
        time_to_target: median over seeds of the training seconds to reach ``target`` (``nan``
            if a run never reaches it); the first epoch's time, compilation included, counts.
        epochs_to_target: the same in epochs (fractional: interpolated within an epoch).
        chars_per_second: median generation speed.
    """

    label: str
    kind: str
    units: int
    params: int
    seeds: int
    epoch_seconds: float
    best_nats: float
    best_nats_sd: float
    best_range: tuple[float, float]
    target: float
    time_to_target: float
    epochs_to_target: float
    chars_per_second: float

    @property
    def best_bits(self) -> float:
        return nats_to_bits(self.best_nats)

    @property
    def best_bits_sd(self) -> float:
        return nats_to_bits(self.best_nats_sd)


def group_runs(runs: Iterable[RunResult]) -> dict[str, list[RunResult]]:
    """Runs by label, labels in order of first appearance."""
    groups: dict[str, list[RunResult]] = {}
    for run in runs:
        groups.setdefault(run.label, []).append(run)
    return groups


def summarize(
    runs: Iterable[RunResult], target: float | None = None, labels: Sequence[str] | None = None
) -> dict[str, Summary]:
    """Summaries per model, in order of first appearance (or of ``labels``).

    Args:
        runs: the runs of a comparison (any number of seeds per label).
        target: the common validation loss; default :func:`common_target` of the runs kept.
        labels: keep only these models, in this order.

    Returns:
        ``{label: Summary}``.
    """
    groups = group_runs(runs)
    if labels is not None:
        missing = [label for label in labels if label not in groups]
        if missing:
            raise ValueError(f"labels {missing} have no runs; runs hold {list(groups)}")
        groups = {label: groups[label] for label in labels}
    if not groups:
        raise ValueError("runs is empty")
    if target is None:
        target = common_target(run for group in groups.values() for run in group)
    out = {}
    for label, group in groups.items():
        best = [run.best for run in group]
        mean, sd = _mean_sd(best)
        times = [time_to_loss(run.val_loss, run.seconds, target) for run in group]
        epochs = [time_to_loss(run.val_loss, np.ones(len(run.seconds)), target) for run in group]
        out[label] = Summary(
            label=label, kind=group[0].kind, units=group[0].units, params=group[0].params,
            seeds=len(group),
            epoch_seconds=float(np.median([median_epoch_seconds(run.seconds) for run in group])),
            best_nats=mean, best_nats_sd=sd, best_range=(min(best), max(best)),
            target=float(target),
            time_to_target=_median_if_all(times),
            epochs_to_target=_median_if_all(epochs),
            chars_per_second=float(np.median([run.chars_per_second for run in group])),
        )
    return out


@dataclass(frozen=True)
class QualityGap:
    """How two models' best validation losses compare with the spread between seeds.

    Attributes:
        difference: ``b``'s mean best loss minus ``a``'s (nats; positive: ``a`` is better).
        spread: the larger of the two standard deviations over seeds.
        separated: the two ranges of best losses over seeds do not overlap: every seed of one
            model beat every seed of the other (never with fewer than two seeds of each: a
            single run has no spread to compare with).
    """

    difference: float
    spread: float
    separated: bool


def quality_gap(a: Summary, b: Summary) -> QualityGap:
    """Is the difference between ``a`` and ``b`` larger than the spread between seeds?"""
    separated = min(a.seeds, b.seeds) >= 2 and (
        a.best_range[1] < b.best_range[0] or b.best_range[1] < a.best_range[0]
    )
    return QualityGap(b.best_nats - a.best_nats, max(a.best_nats_sd, b.best_nats_sd), separated)


def speedup(fast: Summary, slow: Summary) -> float:
    """How many times shorter ``fast``'s epoch is than ``slow``'s (median epoch times)."""
    return slow.epoch_seconds / fast.epoch_seconds


def format_table(summaries: dict[str, Summary] | Iterable[Summary]) -> str:
    """A Markdown table of summaries: one row per model, every measure of :class:`Summary`."""
    rows = list(summaries.values()) if isinstance(summaries, dict) else list(summaries)
    if not rows:
        raise ValueError("summaries is empty")
    target = rows[0].target
    lines = [
        f"| model | parameters | s/epoch | epochs to {target:.3f} nats | s to {target:.3f} nats "
        "| best val nats | best val bits/char | seeds | chars/s |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for s in rows:
        to_target, epochs = (
            "not reached" if math.isnan(value) else f"{value:.1f}"
            for value in (s.time_to_target, s.epochs_to_target)
        )
        speed = "-" if math.isnan(s.chars_per_second) else f"{s.chars_per_second:,.0f}"
        lines.append(
            f"| {s.label} | {s.params:,} | {s.epoch_seconds:.2f} | {epochs} | {to_target} | "
            f"{s.best_nats:.3f} ± {s.best_nats_sd:.3f} | {s.best_bits:.3f} ± {s.best_bits_sd:.3f} "
            f"| {s.seeds} | {speed} |"
        )
    return "\n".join(lines)


# ---------------------------------------------------------------- curves and figures


def loss_band(runs: Sequence[RunResult], x: str = "epoch") -> tuple[np.ndarray, ...]:
    """Validation loss of one model over its seeds: ``(x, mean, lowest, highest)``, per epoch.

    Args:
        runs: the runs of one model (same number of epochs).
        x: ``"epoch"`` (1, 2, ...) or ``"seconds"`` (training seconds at each epoch's end,
            averaged over the seeds).
    """
    if x not in ("epoch", "seconds"):
        raise ValueError(f"x must be 'epoch' or 'seconds'; got {x!r}")
    if not runs:
        raise ValueError("runs is empty")
    epochs = {len(run.val_loss) for run in runs}
    if len(epochs) != 1:
        raise ValueError(f"the runs of one model must have as many epochs; got {sorted(epochs)}")
    loss = np.array([run.val_loss for run in runs], dtype=float)  # (seeds, epochs)
    if x == "epoch":
        xs = np.arange(1, loss.shape[1] + 1, dtype=float)
    else:
        xs = np.mean([run.elapsed for run in runs], axis=0)
    return xs, loss.mean(axis=0), loss.min(axis=0), loss.max(axis=0)


def plot_loss(ax, runs: Iterable[RunResult], x: str = "epoch", labels: Sequence[str] | None = None,
              target: float | None = None, title: str = "") -> None:
    """Validation loss of every model on one axis, the range over seeds shaded (one colour
    per kind of cell, :data:`COLORS`).

    Args:
        ax: a matplotlib axis.
        runs: the runs of a comparison.
        x: ``"epoch"`` or ``"seconds"`` (see :func:`loss_band`).
        labels: models to draw, in this order (default: all).
        target: draw the common validation loss as a dotted line.
        title: the axis title.
    """
    from matplotlib.ticker import MaxNLocator

    groups = group_runs(runs)
    for label in labels or list(groups):
        xs, mean, lo, hi = loss_band(groups[label], x)
        seeds = len(groups[label])
        color = COLORS[groups[label][0].kind]
        ax.plot(xs, mean, marker=".", color=color,
                label=f"{label} ({seeds} seed{'s' if seeds > 1 else ''})")
        ax.fill_between(xs, lo, hi, color=color, alpha=0.2)
    if x == "epoch":
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    if target is not None:
        ax.axhline(target, color="gray", linestyle=":", label=f"common target {target:.3f}")
    ax.set_xlabel("epoch" if x == "epoch" else "training seconds")
    ax.set_ylabel("validation loss (nats per character)")
    ax.set_title(title)
    ax.legend(fontsize=8)
    ax.grid(alpha=0.3)


def plot_epoch_seconds(ax, summaries: dict[str, Summary], title: str = "") -> None:
    """A bar chart of the median time per epoch of every model, with its value written on it."""
    labels = list(summaries)
    values = [summaries[label].epoch_seconds for label in labels]
    bars = ax.bar(labels, values, color=[COLORS[summaries[label].kind] for label in labels])
    ax.bar_label(bars, fmt="%.2f s")
    ax.set_xlabel("model")
    ax.set_ylabel("seconds per epoch (median after the first)")
    ax.set_title(title)


# ---------------------------------------------------------------- running it


def run_comparison(
    specs: Sequence[ModelSpec],
    text: str,
    plan: Plan,
    seed_text: str = "shall i compare thee to a summer's day?\n",
    progress: Callable[[str], Any] | None = print,
) -> list[RunResult]:
    """Train every model once per seed of ``plan`` with the course's recipe; measure each run.

    The seeds form the outer loop and the models the inner one, so the models take turns:
    a spell of other work on a shared machine slows all of them, not one. Every run starts from
    a cleared Keras session and the same seed for every model.

    Args:
        specs: the models.
        text: the corpus (the plan's ``text_fraction`` of it is used, then split as
            :func:`rnnbook.training.prepare_char_data` does; the vocabulary is always the
            whole text's, so the models and their parameter counts do not depend on the
            fraction).
        plan: sizes (:func:`plan_for`).
        seed_text: the text every sample continues.
        progress: called with one line per finished run (``None``: silent).

    Returns:
        One :class:`RunResult` per (seed, model), in the order run.
    """
    from rnnbook.data import Vocabulary
    from rnnbook.training import prepare_char_data

    if not specs:
        raise ValueError("specs is empty")
    if not 0 < plan.text_fraction <= 1:
        raise ValueError(f"plan.text_fraction must lie in (0, 1]; got {plan.text_fraction!r}")
    vocab = Vocabulary.from_text(text.lower())  # the whole text's: the same models at any size
    text = text[: round(len(text) * plan.text_fraction)]
    data = prepare_char_data(text, seq_len=plan.seq_len, vocab=vocab)
    results = []
    # Each new model traces its own functions; TensorFlow's warning about retracing is expected.
    tf_logger = logging.getLogger("tensorflow")
    level = tf_logger.level
    tf_logger.setLevel(logging.ERROR)
    try:
        for seed in plan.seeds:
            for spec in specs:
                results.append(train_run(spec, seed, data, plan, seed_text))
                if progress is not None:
                    run = results[-1]
                    progress(f"seed {seed} {spec.label:>9s}: best val {run.best:.3f} nats, "
                             f"{median_epoch_seconds(run.seconds):.2f} s/epoch")
    finally:
        tf_logger.setLevel(level)
    return results


def train_run(spec: ModelSpec, seed: int, data: Any, plan: Plan, seed_text: str) -> RunResult:
    """Train one model with one seed from a cleared Keras session, then measure it.

    Args:
        spec: the model.
        seed: seeds the weights, the batches' order and the sample.
        data: a :class:`rnnbook.training.CharData`.
        plan: the recipe's sizes (epochs, batch size, learning rate) and the sample's.
        seed_text: the text the sample continues.
    """
    import keras

    from rnnbook.config import set_seed
    from rnnbook.models import build_char_model
    from rnnbook.sampling import generate
    from rnnbook.training import compile_char_model, fit_char_model

    keras.backend.clear_session()
    set_seed(seed)
    model = build_char_model(len(data.vocab), kind=spec.kind, units=spec.units,
                             dropout=plan.dropout)
    compile_char_model(model, learning_rate=plan.learning_rate)
    log = fit_char_model(model, data, epochs=plan.epochs, batch_size=plan.batch_size)
    rng = np.random.default_rng(seed)
    sample = generate(model, data.vocab, seed_text, plan.sample_length,
                      temperature=plan.temperature, rng=rng)
    speed = generation_speed(model, data.vocab, seed_text, plan.speed_length, rng)
    return RunResult(
        label=spec.label, kind=spec.kind, units=spec.units, seed=seed,
        params=int(model.count_params()),
        seconds=[r["seconds"] for r in log.records],
        val_loss=[r["val_loss"] for r in log.records],
        loss=[r["loss"] for r in log.records],
        chars_per_second=speed, sample=sample,
    )


# ---------------------------------------------------------------- the data file


def environment(profile: Profile | None = None) -> dict:
    """Where a comparison ran: hardware, backend, Keras and Python versions, profile, date."""
    import keras

    from rnnbook.config import active_profile
    from rnnbook.models import hardware

    return {
        "hardware": hardware(),
        "backend": keras.backend.backend(),
        "keras_version": keras.__version__,
        "python": platform.python_version(),
        "profile": (profile or active_profile()).name,
        "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
    }


def save_results(path: str | os.PathLike, runs: Sequence[RunResult], plan: Plan,
                 env: dict) -> Path:
    """Write a comparison to a small JSON file: the environment, the plan and every run."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    payload = {"format": FORMAT, "environment": env, "plan": asdict(plan),
               "runs": [asdict(run) for run in runs]}
    path.write_text(json.dumps(payload, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    return path


def load_results(path: str | os.PathLike) -> tuple[list[RunResult], Plan, dict]:
    """Read a file written by :func:`save_results`: ``(runs, plan, environment)``.

    Raises:
        ValueError: the file is not a comparison of this course (with what is wrong).
    """
    path = Path(path)
    try:
        payload = json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ValueError(f"{path} is not valid JSON: {exc}") from exc
    if not isinstance(payload, dict) or payload.get("format") != FORMAT:
        raise ValueError(f"{path} is not a comparison file (format {FORMAT!r} expected)")
    for key in ("environment", "plan", "runs"):
        if key not in payload:
            raise ValueError(f"{path} lacks {key!r}")
    plan = payload["plan"]
    plan = Plan(**{**plan, "seeds": tuple(plan["seeds"])})
    runs = [RunResult(**run) for run in payload["runs"]]
    return runs, plan, payload["environment"]


def results_name(env: dict) -> str:
    """File name of a comparison: ``compare_cells-<profile>-<backend>-<gpu|cpu>.json``."""
    device = "gpu" if "GPU:" in env.get("hardware", "") else "cpu"
    return f"compare_cells-{env['profile']}-{env['backend']}-{device}.json"
