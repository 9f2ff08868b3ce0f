"""Drawings for the text chapters: the two window layouts, and the tree a beam search grows.

- :func:`window_layouts`: one target per window (the tutorial's layout) against a target at
  every position (the course's), with, for a few targets, the characters each one sees;
- :func:`beam_tree`: the continuations a beam search keeps at every step, from the trace
  :func:`rnnbook.generation.sampling.beam_search` records, the best one highlighted.
"""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

from rnnbook import validate
from rnnbook.book.diagrams import CELL_COLOR
from rnnbook.text.vocabulary import Vocabulary

INPUT_COLOR = "#d6eaf8"
SEEN_COLOR = "#5dade2"
TARGET_COLOR = "#f5b041"


def _show(char: str) -> str:
    return {"\n": "⏎", " ": "␣"}.get(char, char)


def _row(ax, text: str, y: float, x0: int = 0, *, seen: range | None = None,
         target: int | None = None) -> None:
    """One row of character boxes; ``seen`` positions darker, ``target`` in orange."""
    for k, char in enumerate(text):
        color = INPUT_COLOR
        if seen is not None and k in seen:
            color = SEEN_COLOR
        if target is not None and k == target:
            color = TARGET_COLOR
        ax.add_patch(Rectangle((x0 + k, y), 0.92, 0.8, facecolor=color, edgecolor="#7f8c8d",
                               lw=0.6))
        ax.text(x0 + k + 0.46, y + 0.4, _show(char), ha="center", va="center", fontsize=9,
                family="monospace")


def window_layouts(text: str, seq_len: int = 8, windows: int = 3) -> Figure:
    """The two layouts of *Text as data* on the first characters of ``text``.

    Left: next-character windows of ``seq_len`` characters, sliding by one, each with the
    single target after it; every target sees exactly ``seq_len`` characters. Right: one
    window of ``seq_len`` characters whose targets are the same characters shifted by one; its
    k-th target is predicted from its first k characters only (the state starts from zero at
    the window's start).
    """
    seq_len = validate.integer("seq_len", seq_len, 2)
    windows = validate.positive_int("windows", windows)
    if len(text) < seq_len + windows:
        raise validate.error_for("text", f"hold at least seq_len + windows = {seq_len + windows} "
                             "characters", received=f"{len(text)} characters")
    rows = max(windows, 4)
    fig, (left, right) = plt.subplots(1, 2, figsize=(15, 0.5 * rows + 1.8))

    left.set_title(f"One target per window: {seq_len} characters in, the next one out\n"
                   f"(every target sees exactly {seq_len} characters)", fontsize=11)
    for w in range(windows):
        y = rows - 1 - w
        _row(left, text[w:w + seq_len], y, x0=w, seen=range(seq_len))
        _row(left, text[w + seq_len], y, x0=w + seq_len + 1, target=0)
        left.annotate("", xy=(w + seq_len + 1, y + 0.4), xytext=(w + seq_len, y + 0.4),
                      arrowprops={"arrowstyle": "->", "color": "#555555"})
        left.text(-0.4, y + 0.4, f"window {w + 1}", ha="right", va="center", fontsize=9)

    right.set_title(f"A target at every position: {seq_len} in, {seq_len} out\n"
                    "(its k-th target is predicted from its first k characters)",
                    fontsize=11)
    shown = [0, seq_len // 2, seq_len - 1]
    for r, k in enumerate(shown):
        y = rows - 1 - r
        _row(right, text[:seq_len], y, seen=range(k + 1))
        right.text(-0.4, y + 0.4, f"target {k + 1}", ha="right", va="center", fontsize=9)
        _row(right, text[k + 1], y, x0=seq_len + 1, target=0)
        right.text(seq_len + 2.3, y + 0.4, f"sees {k + 1}", ha="left", va="center", fontsize=9)
    y = rows - 1 - len(shown)
    right.text(-0.4, y + 0.4, "its targets", ha="right", va="center", fontsize=9)
    _row(right, text[1:seq_len + 1], y, target=None)
    for k in range(seq_len):
        right.add_patch(Rectangle((k, y), 0.92, 0.8, facecolor=TARGET_COLOR, alpha=0.5,
                                  edgecolor="none"))

    for ax, width in ((left, seq_len + windows + 1), (right, seq_len + 5)):
        ax.set_xlim(-3.2, width + 0.5)
        ax.set_ylim(min(-0.5, rows - 1 - len(shown) - 0.3), rows + 0.2)
        ax.set_aspect("equal")
        ax.axis("off")
    handles = [Rectangle((0, 0), 1, 1, facecolor=c, edgecolor="#7f8c8d")
               for c in (SEEN_COLOR, INPUT_COLOR, TARGET_COLOR)]
    fig.legend(handles, ["read before the target", "in the window, not yet read", "target"],
               loc="lower center", ncol=3, frameon=False, fontsize=9)
    fig.tight_layout(rect=(0, 0.06, 1, 1))
    return fig


def beam_tree(trace: Sequence[tuple[np.ndarray, np.ndarray, np.ndarray]], vocab: Vocabulary,
              seed_text: str = "") -> Figure:
    """The beams a beam search kept at every step, as a tree; the best continuation in red.

    Args:
        trace: the list :func:`rnnbook.generation.sampling.beam_search` fills when given
            ``trace=[]``.
        vocab: the model's vocabulary (to print each character).
        seed_text: the seed, written at the root (its last characters).
    """
    if not trace:
        raise validate.error_for("trace", "hold at least one step of a beam search",
                             received="an empty trace")
    width = max(len(chars) for _, chars, _ in trace)
    fig, ax = plt.subplots(figsize=(1.9 * (len(trace) + 1) + 1, 0.8 * width + 1.6))
    ys = [np.array([(width - 1) / 2])]  # the root's height, then each step's beams
    for _, chars, _ in trace:  # beam 0 (the best so far) on top
        ys.append(np.linspace(width - 1, 0, len(chars)) if len(chars) > 1
                  else np.array([(width - 1) / 2]))
    on_best = [set() for _ in range(len(trace) + 1)]  # the best path, followed back from beam 0
    beam = 0
    for step in range(len(trace), 0, -1):
        on_best[step].add(beam)
        beam = int(trace[step - 1][0][beam])
    on_best[0].add(0)

    ax.text(0, ys[0][0], f"…{seed_text[-12:]!r}", ha="right", va="center", fontsize=10,
            family="monospace")
    for step, (parents, chars, scores) in enumerate(trace, start=1):
        for b, (parent, char, score) in enumerate(zip(parents, chars, scores, strict=True)):
            best = b in on_best[step] and int(parent) in on_best[step - 1]
            color = CELL_COLOR if best else "#7f8c8d"
            ax.plot([step - 1, step], [ys[step - 1][int(parent)], ys[step][b]], color=color,
                    lw=2.2 if best else 0.9, zorder=1)
            ax.text(step, ys[step][b], f" {_show(vocab.decode([int(char)]))}  {score:.2f}",
                    ha="left", va="center", fontsize=9, family="monospace",
                    color=color, bbox={"facecolor": "white", "edgecolor": color, "lw": 0.6,
                                       "boxstyle": "round,pad=0.2"}, zorder=2)
    ax.set_xlim(-1.6, len(trace) + 0.9)
    ax.set_ylim(-0.7, width - 0.3)
    ax.axis("off")
    ax.set_title(f"A beam of {width}: the continuations kept at each step, with their "
                 "log-probability so far (nats);\nred: the best one at the end, followed back",
                 fontsize=11)
    fig.tight_layout()
    return fig
