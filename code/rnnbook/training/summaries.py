"""Summaries of a comparison: per model, over its seeds, with their uncertainty.

:func:`summarize` reports, per model (:class:`Summary`):

- **time per epoch**: the median over epochs *after the first* (the first also traces and
  compiles the training step), then the median over seeds;
- **best validation loss**: mean ± standard deviation over seeds, in nats and bits per character;
- **time to a common validation loss**: the target is the lowest loss that *every* run reaches
  (:func:`common_target`); each run's training seconds until its validation loss first reaches
  it (:func:`time_to_loss`), median over seeds; and the same in epochs, which a busy machine
  cannot disturb;
- **generation speed**: characters per second of :func:`rnnbook.generation.sampling.generate`.

:func:`quality_gap` says whether two models' best losses differ by more than the spread
between seeds, :func:`speedup` compares epoch times, :func:`format_table` writes the table and
:func:`loss_band` the curves that :func:`rnnbook.book.plots.plot_loss` draws. The runs come from
:func:`rnnbook.training.comparison.run_comparison`, one :class:`RunResult` each (defined here,
below the comparison that makes them and the plots that read them).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np

from rnnbook import validate
from rnnbook.metrics import nats_to_bits, perplexity


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
            raise validate.error_for(
                "seconds and val_loss", "hold one value per epoch each",
                received=f"{len(self.seconds)} and {len(self.val_loss)} values for {self.label!r}")

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
        raise validate.error_for("seconds", "hold at least one epoch", received="seconds=[]")
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
        raise validate.error_for("val_loss and seconds", "be 1-D and alike",
                                 received=f"shapes {loss.shape} and {elapsed.shape}")
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
        raise validate.error_for("runs", "hold at least one run", received="no run")
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
            raise validate.error_for("labels", f"name models that have runs ({list(groups)})",
                                     received=f"labels without runs {missing}")
        groups = {label: groups[label] for label in labels}
    if not groups:
        raise validate.error_for("runs", "hold at least one run", received="no run")
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
    """A Markdown table of summaries: one row per model, every measure of :class:`Summary`, and
    the perplexity (e^nats) of the mean best loss."""
    rows = list(summaries.values()) if isinstance(summaries, dict) else list(summaries)
    if not rows:
        raise validate.error_for("summaries", "hold at least one summary", received="none")
    target = rows[0].target
    lines = [
        f"| model | parameters | s/epoch | epochs to {target:.3f} nats | s to {target:.3f} nats "
        "| best val nats | best val bits/char | perplexity | seeds | chars/s |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
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
            f"| {perplexity(s.best_nats):.2f} | {s.seeds} | {speed} |"
        )
    return "\n".join(lines)



def loss_band(runs: Sequence[RunResult], x: str = "epoch") -> tuple[np.ndarray, ...]:
    """Validation loss of one model over its seeds: ``(x, mean, lowest, highest)``, per epoch.

    Args:
        runs: the runs of one model (same number of epochs).
        x: ``"epoch"`` (1, 2, ...) or ``"seconds"`` (training seconds at each epoch's end,
            averaged over the seeds).
    """
    validate.one_of("x", x, ("epoch", "seconds"))
    if not runs:
        raise validate.error_for("runs", "hold at least one run", received="no run")
    epochs = {len(run.val_loss) for run in runs}
    if len(epochs) != 1:
        raise validate.error_for("runs", "be the runs of one model, with as many epochs each",
                                 received=f"epochs {sorted(epochs)}")
    loss = np.array([run.val_loss for run in runs], dtype=float)  # (seeds, epochs)
    if x == "epoch":
        xs = np.arange(1, loss.shape[1] + 1, dtype=float)
    else:
        xs = np.mean([run.elapsed for run in runs], axis=0)
    return xs, loss.mean(axis=0), loss.min(axis=0), loss.max(axis=0)

