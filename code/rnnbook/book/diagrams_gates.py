"""The LSTM and the GRU gate by gate: one panel per gate, its path highlighted, its equation beside.

Each panel draws the whole cell with :mod:`rnnbook.book.diagrams`' primitives, in the places of
:func:`~rnnbook.book.diagrams.lstm_cell_figure` and
:func:`~rnnbook.book.diagrams.gru_cell_figure`; the
parts a gate uses are drawn in colour, the rest is faded, and the gate's equation, in the
symbols of the chapters, is written under it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence

import matplotlib.pyplot as plt
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from rnnbook import validate
from rnnbook.book.diagrams import BOX_SIZE, CELL_COLOR, OP_RADIUS, dot, gate, op, wire

HIGHLIGHT = "#1f77b4"  # the wires a panel's gate uses
FADED_ALPHA = 0.18

Part = Callable[[Axes, str], None]  # draws one part of a cell on an axes, in a wire colour


def _draw(ax: Axes, part: Part, on: bool, base: str = "#333333") -> None:
    """Draw ``part``; fade every artist it adds unless it is ``on``."""
    before = {name: len(getattr(ax, name)) for name in ("patches", "texts", "lines")}
    part(ax, (HIGHLIGHT if base != CELL_COLOR else CELL_COLOR) if on else base)
    if not on:
        for name, start in before.items():
            for artist in list(getattr(ax, name))[start:]:
                artist.set_alpha(FADED_ALPHA)


def _panel(ax: Axes, parts: dict[str, tuple[Part, str]], active: Iterable[str], title: str,
           equations: Sequence[str], xlim: tuple[float, float], ylim: tuple[float, float]) -> None:
    active = set(active)
    unknown = active - set(parts)
    if unknown:
        raise validate.error_for("active", f"name parts of the cell, among {sorted(parts)}",
                             received=sorted(unknown))
    ax.set_xlim(*xlim)
    ax.set_ylim(*ylim)
    ax.set_aspect("equal")
    ax.axis("off")
    ax.set_title(title, fontsize=12)
    for name, (part, base) in parts.items():
        _draw(ax, part, name in active, base)
    for k, line in enumerate(equations):
        ax.text((xlim[0] + xlim[1]) / 2, ylim[0] + 0.35 + 0.75 * (len(equations) - 1 - k), line,
                ha="center", va="center", fontsize=12)


def _grid(panels: int, title: str, size: tuple[float, float]) -> tuple[Figure, list[Axes]]:
    fig, axes = plt.subplots(1, panels, figsize=size)
    fig.suptitle(title, fontsize=13)
    return fig, list(axes)


# The LSTM: the places of diagrams.lstm_cell_figure
TOP, BOTTOM, Y_GATE, Y_MIX, Y_OUT = 5.2, 0.5, 2.3, 3.9, 2.3
XF, XI, XG, XO, XH = 2.0, 3.6, 5.2, 6.8, 8.6
WIDE = 2.6  # line width of the state line


def _lstm_parts() -> dict[str, tuple[Part, str]]:
    def inputs(ax, color):
        wire(ax, [(-0.6, BOTTOM), (XO, BOTTOM)], arrow=False, color=color,
             label="$h_{t-1}, x_t$", label_offset=(-0.2, -0.45))

    def c_in(ax, color):
        wire(ax, [(-0.6, TOP), (XF - OP_RADIUS, TOP)], color=color, lw=WIDE,
             label="$c_{t-1}$", label_offset=(0.0, 0.35))

    def layer(x, activation, symbol):
        def draw(ax, color):
            wire(ax, [(x, BOTTOM), (x, Y_GATE - BOX_SIZE[1] / 2)], color=color)
            gate(ax, (x, Y_GATE), activation, symbol, symbol_offset=(0.45, 0.55))
        return draw

    def forget(ax, color):
        wire(ax, [(XF, Y_GATE + BOX_SIZE[1] / 2), (XF, TOP - OP_RADIUS)], color=color)
        op(ax, (XF, TOP), "×")

    def write(ax, color):
        wire(ax, [(XI, Y_GATE + BOX_SIZE[1] / 2), (XI, Y_MIX), (XG - OP_RADIUS, Y_MIX)],
             color=color)
        wire(ax, [(XG, Y_GATE + BOX_SIZE[1] / 2), (XG, Y_MIX - OP_RADIUS)], color=color)
        op(ax, (XG, Y_MIX), "×")
        wire(ax, [(XG, Y_MIX + OP_RADIUS), (XG, TOP - OP_RADIUS)], color=color)

    def c_out(ax, color):
        wire(ax, [(XF + OP_RADIUS, TOP), (XG - OP_RADIUS, TOP)], color=color, lw=WIDE)
        op(ax, (XG, TOP), "+")
        wire(ax, [(XG + OP_RADIUS, TOP), (10.2, TOP)], color=color, lw=WIDE,
             label="$c_t$", label_at=1, label_offset=(-0.5, 0.35))

    def output(ax, color):
        wire(ax, [(XO + BOX_SIZE[0] / 2, Y_OUT), (XH - OP_RADIUS, Y_OUT)], color=color)
        dot(ax, (XH, TOP))
        wire(ax, [(XH, TOP), (XH, 3.7 + OP_RADIUS)], color=color)
        op(ax, (XH, 3.7), "tanh")
        wire(ax, [(XH, 3.7 - OP_RADIUS), (XH, Y_OUT + OP_RADIUS)], color=color)
        op(ax, (XH, Y_OUT), "×")
        wire(ax, [(XH, Y_OUT - OP_RADIUS), (XH, 1.2), (10.2, 1.2)], color=color,
             label="$h_t$", label_at=2, label_offset=(-0.5, 0.35))

    return {"inputs": (inputs, "#333333"), "c_in": (c_in, CELL_COLOR),
            "f": (layer(XF, "σ", "$f_t$"), "#333333"), "i": (layer(XI, "σ", "$i_t$"), "#333333"),
            "g": (layer(XG, "tanh", r"$\tilde{c}_t$"), "#333333"),
            "o": (layer(XO, "σ", "$o_t$"), "#333333"), "forget": (forget, "#333333"),
            "write": (write, "#333333"), "c_out": (c_out, CELL_COLOR),
            "output": (output, "#333333")}


LSTM_PANELS = (
    ("1. Forget gate: how much of $c_{t-1}$ to keep", ("inputs", "f", "forget", "c_in"),
     (r"$f_t = \sigma(x_t W_f + h_{t-1} U_f + b_f)$",)),
    ("2. Input gate and candidate: what to write", ("inputs", "i", "g", "write"),
     (r"$i_t = \sigma(x_t W_i + h_{t-1} U_i + b_i)$",
      r"$\tilde c_t = \tanh(x_t W_c + h_{t-1} U_c + b_c)$")),
    ("3. The new cell state: keep, then add", ("c_in", "forget", "write", "c_out"),
     (r"$c_t = f_t \odot c_{t-1} + i_t \odot \tilde c_t$",)),
    ("4. Output gate: what to show of $c_t$", ("inputs", "o", "output"),
     (r"$o_t = \sigma(x_t W_o + h_{t-1} U_o + b_o)$", r"$h_t = o_t \odot \tanh(c_t)$")),
)


def lstm_gates_figure() -> Figure:
    """The LSTM in four panels: forget, input and candidate, the new cell state, output."""
    fig, axes = _grid(len(LSTM_PANELS), "The LSTM, gate by gate", (24, 5.6))
    parts = _lstm_parts()
    for ax, (title, active, equations) in zip(axes, LSTM_PANELS, strict=True):
        _panel(ax, parts, active, title, equations, (-0.8, 10.6), (-1.6, 6.2))
    fig.tight_layout()
    return fig


# The GRU: the places of diagrams.gru_cell_figure
G_TOP, G_YH, G_YX, G_YGATE, G_YMIX = 5.2, 0.9, 0.2, 2.3, 3.7
GZ, GR, GM, GC, G_SPLIT, G_ONE = 2.2, 3.6, 5.0, 6.4, 0.8, 4.3


def _gru_parts() -> dict[str, tuple[Part, str]]:
    def h_in(ax, color):
        wire(ax, [(-0.6, G_TOP), (GZ - OP_RADIUS, G_TOP)], color=color, lw=WIDE,
             label="$h_{t-1}$", label_offset=(0.0, 0.35))

    def inputs(ax, color):
        dot(ax, (G_SPLIT, G_TOP))
        wire(ax, [(G_SPLIT, G_TOP), (G_SPLIT, G_YH), (GR, G_YH)], arrow=False, color=color)
        wire(ax, [(1.3, -0.5), (1.3, G_YX), (GR, G_YX)], arrow=False, color=color,
             label="$x_t$", label_offset=(-0.75, 0.05))

    def layer(x, activation, symbol, offset):
        def draw(ax, color):
            dot(ax, (x, G_YX))
            dot(ax, (x, G_YH))
            wire(ax, [(x, G_YX), (x, G_YGATE - BOX_SIZE[1] / 2)], color=color)
            gate(ax, (x, G_YGATE), activation, symbol, symbol_offset=offset)
        return draw

    def candidate(ax, color):
        wire(ax, [(GR, G_YH), (GM, G_YH), (GM, G_YGATE - OP_RADIUS)], color=color)
        op(ax, (GM, G_YGATE), "×")
        wire(ax, [(GR + BOX_SIZE[0] / 2, G_YGATE), (GM - OP_RADIUS, G_YGATE)], color=color)
        wire(ax, [(GR, G_YX), (GC, G_YX), (GC, G_YGATE - BOX_SIZE[1] / 2)], color=color)
        wire(ax, [(GM + OP_RADIUS, G_YGATE), (GC - BOX_SIZE[0] / 2, G_YGATE)], color=color)
        gate(ax, (GC, G_YGATE), "tanh", r"$\tilde{h}_t$", symbol_offset=(0.1, 0.75))

    def keep(ax, color):
        wire(ax, [(GZ, G_YGATE + BOX_SIZE[1] / 2), (GZ, G_TOP - OP_RADIUS)], color=color)
        op(ax, (GZ, G_TOP), "×")

    def mix(ax, color):
        dot(ax, (GZ, G_YMIX))
        op(ax, (G_ONE, G_YMIX), "1−")
        wire(ax, [(GZ, G_YMIX), (G_ONE - OP_RADIUS, G_YMIX)], color=color)
        op(ax, (GC, G_YMIX), "×")
        wire(ax, [(G_ONE + OP_RADIUS, G_YMIX), (GC - OP_RADIUS, G_YMIX)], color=color)
        wire(ax, [(GC, G_YGATE + BOX_SIZE[1] / 2), (GC, G_YMIX - OP_RADIUS)], color=color)
        wire(ax, [(GC, G_YMIX + OP_RADIUS), (GC, G_TOP - OP_RADIUS)], color=color)

    def h_out(ax, color):
        wire(ax, [(GZ + OP_RADIUS, G_TOP), (GC - OP_RADIUS, G_TOP)], color=color, lw=WIDE)
        op(ax, (GC, G_TOP), "+")
        wire(ax, [(GC + OP_RADIUS, G_TOP), (8.8, G_TOP)], color=color, lw=WIDE,
             label="$h_t$", label_at=1, label_offset=(-0.5, 0.35))

    return {"h_in": (h_in, CELL_COLOR), "inputs": (inputs, "#333333"),
            "z": (layer(GZ, "σ", "$z_t$", (-0.95, 0.6)), "#333333"),
            "r": (layer(GR, "σ", "$r_t$", (0.0, 0.6)), "#333333"),
            "candidate": (candidate, "#333333"), "keep": (keep, "#333333"),
            "mix": (mix, "#333333"), "h_out": (h_out, CELL_COLOR)}


GRU_PANELS = (
    ("1. Reset gate: how much of $h_{t-1}$ the candidate sees", ("inputs", "r", "candidate"),
     (r"$r_t = \sigma(x_t W_r + h_{t-1} U_r + b_r)$",)),
    ("2. Candidate: a new state from $x_t$ and $r_t \\odot h_{t-1}$", ("inputs", "candidate"),
     (r"$\tilde h_t = \tanh(x_t W_h + (r_t \odot h_{t-1})\, U_h + b_h)$",)),
    ("3. Update gate: keep $h_{t-1}$ or take the candidate", ("inputs", "z", "keep", "mix"),
     (r"$z_t = \sigma(x_t W_z + h_{t-1} U_z + b_z)$",)),
    ("4. The new state: a weighted average", ("h_in", "keep", "mix", "h_out"),
     (r"$h_t = z_t \odot h_{t-1} + (1 - z_t) \odot \tilde h_t$",)),
)


def gru_gates_figure() -> Figure:
    """The GRU in four panels: reset gate, candidate, update gate, the new state.

    The equations are the ``reset_after=False`` form (the reset gate before the product), the
    one the drawing shows; the chapter gives Keras's default beside it.
    """
    fig, axes = _grid(len(GRU_PANELS), "The GRU, gate by gate", (22, 5.6))
    parts = _gru_parts()
    for ax, (title, active, equations) in zip(axes, GRU_PANELS, strict=True):
        _panel(ax, parts, active, title, equations, (-0.8, 9.2), (-2.1, 6.2))
    fig.tight_layout()
    return fig
