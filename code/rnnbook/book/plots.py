"""Matplotlib figures that more than one chapter draws.

Each function takes the data and an optional ``Axes`` (a new figure when ``None``), draws with a
title, labelled axes and a legend, and returns the ``Axes`` so a chapter can add to it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.ticker import MaxNLocator

from rnnbook import validate
from rnnbook.cells import CELLS
from rnnbook.generation.sampling import keep_top_p
from rnnbook.training.summaries import Summary, group_runs, loss_band
from rnnbook.training.tasks import ADDING_BASELINE_MSE

COLORS = {kind: c.color for kind, c in CELLS.items()}  # one colour per cell, in every figure


def _axes(ax, figsize=(6.4, 4.0)):
    if ax is not None:
        return ax
    _, ax = plt.subplots(figsize=figsize)
    return ax


def plot_gradient_norms(
    curves: Mapping[str, Sequence[float]],
    ax=None,
    title: str = "Gradient reaching step t from the loss at step T",
    ylabel: str = r"$\|\partial L / \partial h_t\|$",
):
    """Gradient norm against distance ``T - t``, log y, one labelled curve per entry.

    Args:
        curves: label -> norms indexed by step t, as :func:`rnnbook.cells.gradients.gradient_norms`
            returns them (the last entry is the step of the loss, distance 0). Non-finite values
            (an overflow) are left out of the line and counted in its legend entry.
        ax: the Axes to draw on.
        title, ylabel: the labels.

    Returns:
        The Axes.
    """
    ax = _axes(ax)
    for label, norms in curves.items():
        norms = np.asarray(norms, dtype=np.float64)
        distance = np.arange(len(norms))[::-1]
        finite = np.isfinite(norms) & (norms > 0)
        bad = int((~np.isfinite(norms)).sum())
        if bad:
            label = f"{label} (inf/nan at {bad} of {len(norms)} steps)"
        ax.plot(distance[finite], norms[finite], label=label)
    ax.set_yscale("log")
    ax.set_xlabel("distance T - t (steps back from the loss)")
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    ax.grid(True, which="major", alpha=0.3)
    ax.legend()
    return ax


def plot_mse_vs_length(
    results: Iterable,
    baseline: float | None = None,
    ax=None,
    title: str = "Adding problem: final test MSE against sequence length",
):
    """Final MSE against sequence length, one line per cell kind, the trivial baseline as a line.

    Args:
        results: :class:`rnnbook.training.tasks.AddingResult` objects (anything with ``kind``,
            ``seq_len`` and ``final_mse``), any kinds and lengths, in any order.
        baseline: the MSE of the trivial answer; :data:`rnnbook.training.tasks.ADDING_BASELINE_MSE`
        if
            ``None``.
        ax: the Axes to draw on.
        title: the title.

    Returns:
        The Axes (log y: a solved length is orders of magnitude below the baseline).
    """
    baseline = ADDING_BASELINE_MSE if baseline is None else baseline
    ax = _axes(ax)
    by_kind: dict[str, list[tuple[int, float]]] = {}
    for r in results:
        by_kind.setdefault(r.kind, []).append((r.seq_len, r.final_mse))
    for kind, points in by_kind.items():
        lengths, mse = zip(*sorted(points), strict=True)
        ax.plot(lengths, mse, "o-", label=CELLS[kind].title if kind in CELLS else kind)
    ax.axhline(baseline, color="grey", linestyle="--",
               label=f"always answer 1 (MSE {baseline:.3f})")
    ax.set_yscale("log")
    ax.set_xlabel("sequence length")
    ax.set_ylabel("final test MSE")
    ax.set_title(title)
    ax.grid(True, which="major", alpha=0.3)
    ax.legend()
    return ax


def plot_losses(
    curves: Mapping[str, Sequence[float]],
    ax=None,
    title: str = "Training loss",
    xlabel: str = "step",
    ylabel: str = "loss",
    baseline: float | None = None,
):
    """Loss curves, log y, one per label; a curve that turns inf/nan says so in the legend.

    Args:
        curves: label -> the loss at each step (or epoch).
        ax: the Axes to draw on.
        title, xlabel, ylabel: the labels.
        baseline: if given, drawn as a dashed horizontal line.

    Returns:
        The Axes.
    """
    ax = _axes(ax)
    for label, values in curves.items():
        values = np.asarray(values, dtype=np.float64)
        steps = np.arange(len(values))
        finite = np.isfinite(values)
        if not finite.all():
            label = f"{label} (inf/nan from step {int(np.argmin(finite))})"
        ax.plot(steps[finite], values[finite], label=label)
    if baseline is not None:
        ax.axhline(baseline, color="grey", linestyle="--", label=f"baseline {baseline:.3g}")
    ax.set_yscale("log")
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    ax.grid(True, which="major", alpha=0.3)
    ax.legend()
    return ax


def plot_epochs(curves: Mapping[str, Sequence[float]], ax=None, title: str = "",
                ylabel: str = "nats per character"):
    """Curves over epochs 1, 2, ...: one line with a marker per epoch for each label."""
    ax = _axes(ax)
    for label, values in curves.items():
        ax.plot(np.arange(1, len(values) + 1), values, marker="o", label=label)
    ax.set_xlabel("epoch")
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    ax.grid(True, alpha=0.3)
    ax.legend()
    return ax


# ---------------------------------------------------------------- a comparison of cells


def plot_loss(ax, runs: Iterable, x: str = "epoch", labels: Sequence[str] | None = None,
              target: float | None = None, title: str = "") -> None:
    """Validation loss of every model on one axis, the range over seeds shaded (one colour
    per kind of cell, :data:`COLORS`).

    Args:
        ax: a matplotlib axis.
        runs: the runs of a comparison.
        x: ``"epoch"`` or ``"seconds"`` (see :func:`rnnbook.training.summaries.loss_band`).
        labels: models to draw, in this order (default: all).
        target: draw the common validation loss as a dotted line.
        title: the axis title.
    """
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


def plot_stretching(matrix: np.ndarray, powers: Sequence[int] = (1, 2, 4, 8)) -> plt.Figure:
    """What a 2 x 2 matrix does to the unit circle, once and again and again.

    Left: the unit circle (rows ``v`` with ``||v|| = 1``) and its image ``v M``, an ellipse whose
    half-axes are the singular values ``sigma_1``, ``sigma_2`` of ``M``, drawn along the
    directions they stretch. Middle: the images under ``M^k`` for the ``powers``. Right: the
    half-axes of ``M^k`` against ``k`` (log scale) beside ``sigma_1(M)^k``, the bound.
    """
    m = np.asarray(matrix, dtype=float)
    if m.shape != (2, 2):
        raise validate.shape_error_for("matrix", m, "be 2 x 2")
    angle = np.linspace(0, 2 * np.pi, 200)
    circle = np.stack([np.cos(angle), np.sin(angle)], axis=1)  # (200, 2) unit rows
    _, sigma, vt = np.linalg.svd(m)  # v M stretches the rows of u^T by sigma along rows of vt
    fig, (left, middle, right) = plt.subplots(1, 3, figsize=(15, 4.6))

    image = circle @ m  # (200, 2)
    left.plot(*circle.T, color="gray", ls="--", lw=1, label=r"unit circle $\|v\| = 1$")
    left.plot(*image.T, color="C0", lw=2, label=r"its image $v M$")
    for k, color in ((0, "C3"), (1, "C2")):
        tip = sigma[k] * vt[k]
        left.annotate("", xy=tip, xytext=(0, 0),
                      arrowprops={"arrowstyle": "-|>", "color": color, "lw": 1.8})
        left.text(*(tip * 1.12), rf"$\sigma_{k + 1} = {sigma[k]:.2f}$", color=color,
                  ha="center", va="center", fontsize=11)
    reach = 1.35 * max(1.0, sigma[0])
    left.set(xlim=(-reach, reach), ylim=(-reach, reach), aspect="equal",
             title="One product: the circle becomes an ellipse")
    left.legend(loc="lower right", fontsize=8)

    for k, color in zip(powers, plt.cm.viridis(np.linspace(0, 0.85, len(powers))), strict=True):
        middle.plot(*(circle @ np.linalg.matrix_power(m, k)).T, color=color, lw=1.6,
                    label=f"$v M^{{{k}}}$")
    middle.plot(*circle.T, color="gray", ls="--", lw=1)
    middle.set(aspect="equal", title="Repeated products: the images of the circle")
    middle.legend(loc="lower right", fontsize=8)

    ks = np.arange(1, max(powers) + 1)
    axes_k = np.array([np.linalg.svd(np.linalg.matrix_power(m, k), compute_uv=False) for k in ks])
    right.semilogy(ks, axes_k[:, 0], "o-", color="C3", label=r"$\sigma_1(M^k)$")
    right.semilogy(ks, axes_k[:, 1], "o-", color="C2", label=r"$\sigma_2(M^k)$")
    right.semilogy(ks, sigma[0] ** ks, ":", color="C3", label=r"bound $\sigma_1(M)^k$")
    right.set(xlabel="k (products)", ylabel="half-axis of the ellipse (log scale)",
              title="The half-axes of $M^k$ against the bound")
    right.xaxis.set_major_locator(MaxNLocator(integer=True))
    right.legend(fontsize=8)
    right.grid(alpha=0.3)
    fig.tight_layout()
    return fig


def plot_top_p_cut(probs: np.ndarray, top_p: float, chars: Sequence[str], ax=None, shown: int = 20):
    """The top-p (nucleus) cut on a distribution sorted from the most likely character down.

    Bars: the probabilities, sorted; line: their running sum. The characters that
    :func:`rnnbook.generation.sampling.keep_top_p` keeps are coloured: the smallest set whose mass
    reaches
    ``top_p`` (a dotted line); the rest, grey, is never drawn.
    """
    p = np.asarray(probs, dtype=float)
    ax = _axes(ax, figsize=(9, 4))
    order = np.argsort(-p, kind="stable")[:shown]
    kept = keep_top_p(p, top_p)[order] > 0
    ax.bar(range(len(order)), p[order], color=np.where(kept, "C0", "lightgray"))
    ax.step(range(len(order)), np.cumsum(p[order]), where="mid", color="C1",
            label="running sum of the sorted probabilities")
    ax.axhline(top_p, color="C1", ls=":", lw=1, label=f"p = {top_p:g}")
    ax.axvline(kept.sum() - 0.5, color="C3", lw=1.2,
               label=f"the cut: {int(kept.sum())} characters kept")
    labels = [{"\n": "⏎", " ": "␣"}.get(chars[i], chars[i]) for i in order]
    ax.set_xticks(range(len(order)), labels, family="monospace")
    ax.set(xlabel="next character, most likely first", ylabel="probability",
           ylim=(0, 1.05), title=f"Top-p with p = {top_p:g}: the smallest set that reaches p")
    ax.legend(fontsize=8, loc="center right")
    return ax
