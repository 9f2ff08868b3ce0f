"""Drawings of recurrent cells, made with matplotlib from a few reusable primitives.

A cell drawing is built on a :func:`canvas` (data coordinates, no axes) from

- :func:`gate` : a box holding a layer with its activation (``sigma`` or ``tanh``), labelled
  with the symbol its equation gives it (``$f_t$``);
- :func:`op` : a circle for an element-wise operation (``"×"``, ``"+"``, ``"tanh"``, ``"1−"``);
- :func:`wire` : a polyline carrying a vector, with an arrowhead at its end and an optional
  label (``$c_{t-1}$``);
- :func:`dot` : a junction where one wire splits into two.

Every symbol is the one the chapter's equations use, so the reader can match a box to a line
of math and a line of the package's code.
"""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib.pyplot as plt
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import Circle, FancyArrowPatch, FancyBboxPatch

from rnnbook import validate

Point = tuple[float, float]

GATE_COLOR = "#f6d55c"  # the learned layers (gates and candidate)
OP_COLOR = "#f4a6a6"  # the element-wise operations
CELL_COLOR = "#c0392b"  # the cell-state line, the LSTM's "conveyor belt"
WIRE_COLOR = "#333333"
BOX_SIZE = (1.1, 0.7)  # width, height of a gate box in data units
OP_RADIUS = 0.32


def canvas(
    xlim: tuple[float, float], ylim: tuple[float, float], *, title: str, scale: float = 0.75
) -> tuple[Figure, Axes]:
    """A figure whose axes are a blank drawing board with the given data limits."""
    width, height = (xlim[1] - xlim[0]) * scale, (ylim[1] - ylim[0]) * scale
    fig, ax = plt.subplots(figsize=(width, height))
    ax.set_xlim(*xlim)
    ax.set_ylim(*ylim)
    ax.set_aspect("equal")
    ax.axis("off")
    ax.set_title(title)
    return fig, ax


def frame(ax: Axes, xy: Point, width: float, height: float, *, label: str | None = None) -> None:
    """The rounded outline of one cell (one time step), lower-left corner at ``xy``."""
    ax.add_patch(FancyBboxPatch(xy, width, height, boxstyle="round,pad=0.05,rounding_size=0.4",
                                facecolor="#f4f6f7", edgecolor="#7f8c8d", lw=1.5, zorder=0))
    if label:
        ax.text(xy[0] + 0.2, xy[1] + height - 0.3, label, fontsize=10, color="#7f8c8d",
                va="top", ha="left", zorder=1)


def gate(ax: Axes, xy: Point, activation: str, symbol: str | None = None, *,
         symbol_offset: Point = (0.0, 0.75)) -> tuple[Point, Point]:
    """A learned layer drawn as a box centred at ``xy``, e.g. ``gate(ax, (2, 2), "σ", "$f_t$")``.

    Args:
        activation: the text in the box (``"σ"`` for a sigmoid gate, ``"tanh"``).
        symbol: the equation's name for its output, drawn near the box's top.
        symbol_offset: where the symbol goes, relative to the box centre.

    Returns:
        The (bottom, top) mid-points of the box, where wires attach.
    """
    w, h = BOX_SIZE
    ax.add_patch(FancyBboxPatch((xy[0] - w / 2, xy[1] - h / 2), w, h,
                                boxstyle="round,pad=0.02,rounding_size=0.12",
                                facecolor=GATE_COLOR, edgecolor=WIRE_COLOR, lw=1.2, zorder=3))
    ax.text(*xy, activation, ha="center", va="center", fontsize=13, zorder=4)
    if symbol:
        ax.text(xy[0] + symbol_offset[0] + 0.12, xy[1] + symbol_offset[1], symbol,
                ha="left", va="center", fontsize=13, zorder=4)
    return (xy[0], xy[1] - h / 2), (xy[0], xy[1] + h / 2)


def op(ax: Axes, xy: Point, symbol: str, *, radius: float = OP_RADIUS) -> None:
    """An element-wise operation drawn as a circle centred at ``xy`` (``"×"``, ``"+"``, ...)."""
    ax.add_patch(Circle(xy, radius, facecolor=OP_COLOR, edgecolor=WIRE_COLOR, lw=1.2, zorder=3))
    size = 15 if len(symbol) == 1 else 9
    ax.text(*xy, symbol, ha="center", va="center", fontsize=size, zorder=4)


def dot(ax: Axes, xy: Point) -> None:
    """A junction: the vector on this wire is copied to two places."""
    ax.add_patch(Circle(xy, 0.07, facecolor=WIRE_COLOR, edgecolor=WIRE_COLOR, zorder=3))


def wire(
    ax: Axes,
    points: Sequence[Point],
    *,
    label: str | None = None,
    label_at: int = 0,
    label_offset: Point = (0.1, 0.25),
    arrow: bool = True,
    color: str = WIRE_COLOR,
    lw: float = 1.6,
) -> None:
    """A polyline through ``points`` with an arrowhead on its last segment.

    Args:
        label: text drawn near point ``label_at`` (shifted by ``label_offset``), e.g. ``"$x_t$"``.
        arrow: draw the arrowhead (False for a wire that ends in a junction).
    """
    if len(points) < 2:
        raise validate.error_for("points", "hold at least two points (a wire)",
                                 received=f"{len(points)} point(s)")
    xs, ys = zip(*points, strict=True)
    ax.plot(xs[:-1], ys[:-1], color=color, lw=lw, zorder=2, solid_capstyle="round")
    style = "-|>,head_length=6,head_width=3" if arrow else "-"
    ax.add_patch(FancyArrowPatch(points[-2], points[-1], arrowstyle=style, color=color, lw=lw,
                                 shrinkA=0, shrinkB=0, zorder=2))
    if label:
        x, y = points[label_at]
        ax.text(x + label_offset[0], y + label_offset[1], label, fontsize=13, color=color,
                ha="left", va="center", zorder=4)


def lstm_cell_figure() -> Figure:
    """The LSTM cell of :mod:`rnnbook.cells.numpy_rnn.lstm`, with the symbols of its six equations.

    The cell state runs along the top, touched only by a product (the forget gate) and a sum
    (the gated candidate); the four learned layers sit in a row below it, all fed by
    ``[h_{t-1}, x_t]``.
    """
    fig, ax = canvas((-1.6, 12.2), (-1.4, 7.0), title="One step of an LSTM cell")
    frame(ax, (0.0, -0.2), 10.6, 6.4)
    top, bottom = 5.2, 0.5  # heights of the cell-state line and of the [h_{t-1}, x_t] line
    xf, xi, xg, xo, xh = 2.0, 3.6, 5.2, 6.8, 8.6  # columns of f, i, c~, o and of tanh(c_t)
    y_gate, y_mix, y_out = 2.3, 3.9, 2.3

    # the cell state: c_{t-1} -> x f_t -> + i_t c~_t -> c_t
    wire(ax, [(-1.3, top), (xf - OP_RADIUS, top)], color=CELL_COLOR, lw=2.6,
         label="$c_{t-1}$", label_offset=(0.0, 0.3))
    op(ax, (xf, top), "×")
    wire(ax, [(xf + OP_RADIUS, top), (xg - OP_RADIUS, top)], color=CELL_COLOR, lw=2.6)
    op(ax, (xg, top), "+")
    wire(ax, [(xg + OP_RADIUS, top), (11.9, top)], color=CELL_COLOR, lw=2.6,
         label="$c_t$", label_at=1, label_offset=(-0.6, 0.3))
    ax.text(6.0, top + 0.55, "cell state: only × and + touch it", fontsize=9,
            color=CELL_COLOR, ha="left")

    # the shared input [h_{t-1}, x_t]: h_{t-1} from the left, x_t from below
    wire(ax, [(-1.3, bottom), (xo, bottom)], arrow=False, label="$h_{t-1}$",
         label_offset=(0.0, 0.3))
    wire(ax, [(0.8, -1.3), (0.8, bottom)], arrow=False, label="$x_t$", label_offset=(0.15, 0.2))
    dot(ax, (0.8, bottom))
    for x in (xf, xi, xg):
        dot(ax, (x, bottom))  # the same vector goes to every gate
    for x in (xf, xi, xg, xo):
        wire(ax, [(x, bottom), (x, y_gate - BOX_SIZE[1] / 2)])

    # the four learned layers, in the order of the equations
    _, f_top = gate(ax, (xf, y_gate), "σ", "$f_t$")
    _, i_top = gate(ax, (xi, y_gate), "σ", "$i_t$")
    _, g_top = gate(ax, (xg, y_gate), "tanh", r"$\tilde{c}_t$")
    _, o_top = gate(ax, (xo, y_gate), "σ", "$o_t$", symbol_offset=(0.45, 0.55))

    wire(ax, [f_top, (xf, top - OP_RADIUS)])  # f_t scales the old cell state
    op(ax, (xg, y_mix), "×")  # i_t * c~_t
    wire(ax, [i_top, (xi, y_mix), (xg - OP_RADIUS, y_mix)])
    wire(ax, [g_top, (xg, y_mix - OP_RADIUS)])
    wire(ax, [(xg, y_mix + OP_RADIUS), (xg, top - OP_RADIUS)])

    # the output: h_t = o_t * tanh(c_t)
    dot(ax, (xh, top))
    op(ax, (xh, 3.7), "tanh")
    wire(ax, [(xh, top), (xh, 3.7 + OP_RADIUS)])
    op(ax, (xh, y_out), "×")
    wire(ax, [(xh, 3.7 - OP_RADIUS), (xh, y_out + OP_RADIUS)])
    wire(ax, [(xo + BOX_SIZE[0] / 2, y_out), (xh - OP_RADIUS, y_out)])
    y_h = 1.2  # h_t leaves below the output gate, apart from the incoming h_{t-1}
    wire(ax, [(xh, y_out - OP_RADIUS), (xh, y_h), (11.9, y_h)],
         label="$h_t$", label_at=2, label_offset=(-0.6, 0.3))
    dot(ax, (9.7, y_h))
    wire(ax, [(9.7, y_h), (9.7, 6.8)], label="$h_t$", label_at=1,
         label_offset=(0.12, -0.3))

    legend = [FancyBboxPatch((0, 0), 1, 1, facecolor=GATE_COLOR, edgecolor=WIRE_COLOR),
              Circle((0, 0), 1, facecolor=OP_COLOR, edgecolor=WIRE_COLOR)]
    ax.legend(legend, ["learned layer (weights W, U, b)", "element-wise operation"],
              loc="lower right", fontsize=9, frameon=False, bbox_to_anchor=(1.0, -0.05))
    return fig


def gru_cell_figure() -> Figure:
    """The GRU cell of :mod:`rnnbook.cells.numpy_rnn.gru`, with the symbols of its four equations.

    One state, h, runs along the top, touched only by a product with the update gate z_t and a
    sum with (1 - z_t) times the candidate (Keras's convention: z_t keeps the old state). The
    reset gate r_t scales the previous state on its way into the candidate; with Keras's
    default ``reset_after=True`` it scales ``h_{t-1} U_h + b`` instead, after the product.
    """
    fig, ax = canvas((-1.6, 10.4), (-1.7, 7.0), title="One step of a GRU cell")
    frame(ax, (0.0, -0.2), 8.6, 6.4)
    top, y_h, y_x = 5.2, 0.9, 0.2  # heights of the state line, the h_{t-1} and x_t lines
    xz, xr, xm, xc = 2.2, 3.6, 5.0, 6.4  # columns of z, r, the reset product and h~
    y_gate, y_mix, x_split, x_out = 2.3, 3.7, 0.8, 7.6

    # the state: h_{t-1} -> x z_t -> + (1 - z_t) h~_t -> h_t
    wire(ax, [(-1.3, top), (xz - OP_RADIUS, top)], color=CELL_COLOR, lw=2.6,
         label="$h_{t-1}$", label_offset=(0.0, 0.3))
    op(ax, (xz, top), "×")
    wire(ax, [(xz + OP_RADIUS, top), (xc - OP_RADIUS, top)], color=CELL_COLOR, lw=2.6)
    op(ax, (xc, top), "+")
    wire(ax, [(xc + OP_RADIUS, top), (10.1, top)], color=CELL_COLOR, lw=2.6,
         label="$h_t$", label_at=1, label_offset=(-0.6, 0.3))
    ax.text(xz + 0.5, top + 0.55, "state: only × and + touch it", fontsize=9,
            color=CELL_COLOR, ha="left")
    dot(ax, (x_out, top))
    wire(ax, [(x_out, top), (x_out, 6.8)], label="$h_t$", label_at=1, label_offset=(0.12, -0.3))

    # h_{t-1} also drops to the gates; x_t comes in from below
    dot(ax, (x_split, top))
    wire(ax, [(x_split, top), (x_split, y_h), (xm, y_h), (xm, y_gate - OP_RADIUS)])
    wire(ax, [(1.3, -1.4), (1.3, y_x), (xc, y_x), (xc, y_gate - BOX_SIZE[1] / 2)],
         label="$x_t$", label_offset=(0.15, 0.25))
    for x in (xz, xr):  # each gate sees [h_{t-1}, x_t]
        dot(ax, (x, y_x))
        dot(ax, (x, y_h))
        wire(ax, [(x, y_x), (x, y_gate - BOX_SIZE[1] / 2)])

    _, z_top = gate(ax, (xz, y_gate), "σ", "$z_t$", symbol_offset=(-0.95, 0.6))
    gate(ax, (xr, y_gate), "σ", "$r_t$", symbol_offset=(0.0, 0.6))
    _, c_top = gate(ax, (xc, y_gate), "tanh", r"$\tilde{h}_t$", symbol_offset=(0.1, 0.75))

    # the reset gate scales the previous state before it enters the candidate
    op(ax, (xm, y_gate), "×")
    wire(ax, [(xr + BOX_SIZE[0] / 2, y_gate), (xm - OP_RADIUS, y_gate)])
    wire(ax, [(xm + OP_RADIUS, y_gate), (xc - BOX_SIZE[0] / 2, y_gate)])

    # z_t keeps the old state; 1 - z_t lets the candidate in
    wire(ax, [z_top, (xz, top - OP_RADIUS)])
    dot(ax, (xz, y_mix))
    op(ax, (4.3, y_mix), "1−")
    wire(ax, [(xz, y_mix), (4.3 - OP_RADIUS, y_mix)])
    op(ax, (xc, y_mix), "×")
    wire(ax, [(4.3 + OP_RADIUS, y_mix), (xc - OP_RADIUS, y_mix)])
    wire(ax, [c_top, (xc, y_mix - OP_RADIUS)])
    wire(ax, [(xc, y_mix + OP_RADIUS), (xc, top - OP_RADIUS)])

    ax.text(2.0, -1.0, "reset_after=True (Keras's default): $r_t$ scales $h_{t-1}U_h + b$,\n"
            "after the product, instead of $h_{t-1}$ before it", fontsize=8, va="center",
            color="#555555", ha="left")
    legend = [FancyBboxPatch((0, 0), 1, 1, facecolor=GATE_COLOR, edgecolor=WIRE_COLOR),
              Circle((0, 0), 1, facecolor=OP_COLOR, edgecolor=WIRE_COLOR)]
    ax.legend(legend, ["learned layer (weights W, U, b)", "element-wise operation"],
              loc="lower right", fontsize=9, frameon=False, bbox_to_anchor=(1.0, -0.05))
    return fig


def unrolled_rnn(steps: int = 4, *, backward: bool = True) -> Figure:
    """A vanilla RNN unrolled over ``steps`` time steps, with the paths of BPTT.

    Forward (black): at each step ``x_t`` enters through ``W``, the previous state ``h_{t-1}``
    through ``U``, the cell computes ``h_t = f(x_t W + h_{t-1} U + b)``, and a read-out gives
    ``y_t`` (and the loss term ``l_t``). Backward (red, dashed, when ``backward``): the gradient
    of each loss term comes down into ``h_t``, and the gradient at ``h_t`` goes back to
    ``h_{t-1}`` multiplied by ``diag(f'(a_t)) U^T``, once per step: the product that vanishes or
    explodes. The same ``W``, ``U`` and ``b`` are drawn at every step, because they are shared.
    """
    steps = validate.positive_int("steps", steps)
    grad_color = CELL_COLOR
    gap = 3.4  # horizontal distance between two steps
    width = 1.2 + gap * steps
    fig, ax = canvas((-1.4, width), (-2.1, 5.6), scale=0.8,
                     title=f"A vanilla RNN unrolled over {steps} steps"
                     + (": forward (black) and backward (red)" if backward else ""))
    y_x, y_h, y_y = -0.9, 2.0, 4.7  # heights of the inputs, the cells and the outputs
    w, h = BOX_SIZE

    def back(start: Point, end: Point, label: str | None = None,
             offset: Point = (0.0, 0.0)) -> None:
        ax.add_patch(FancyArrowPatch(start, end, arrowstyle="-|>,head_length=6,head_width=3",
                                     color=grad_color, lw=1.6, linestyle="--", shrinkA=0,
                                     shrinkB=0, zorder=2))
        if label:
            mid = ((start[0] + end[0]) / 2 + offset[0], (start[1] + end[1]) / 2 + offset[1])
            ax.text(*mid, label, fontsize=9.5, color=grad_color, ha="center", va="center",
                    zorder=4)

    ax.text(-0.9, y_h, "$h_0$", fontsize=13, ha="center", va="center")
    for step in range(1, steps + 1):
        xc = gap * (step - 1) + 1.4  # the column of step t
        gate(ax, (xc, y_h), "tanh", f"$h_{{{step}}}$", symbol_offset=(-0.85, 0.62))
        # forward: x_t -> W -> cell -> y_t, and h_{t-1} -> U -> cell
        ax.text(xc, y_x - 0.25, f"$x_{{{step}}}$", fontsize=13, ha="center", va="top")
        wire(ax, [(xc, y_x), (xc, y_h - h / 2)], label="$W$", label_offset=(0.12, 0.9))
        wire(ax, [(xc, y_h + h / 2), (xc, y_y - 0.3)], label="$V$", label_offset=(0.12, 0.9))
        ax.text(xc, y_y, f"$y_{{{step}}}$,  $\\ell_{{{step}}}$", fontsize=13, ha="center",
                va="bottom")
        left = -0.6 if step == 1 else xc - gap + w / 2
        wire(ax, [(left, y_h + 0.12), (xc - w / 2, y_h + 0.12)], label="$U$",
             label_offset=((xc - w / 2 - left) / 2 - 0.25, 0.3))
        if backward:
            # the loss term's own gradient comes down into h_t ...
            back((xc + 0.45, y_y - 0.3), (xc + 0.45, y_h + h / 2),
                 r"$\partial \ell_{" + str(step) + r"} / \partial h_{" + str(step) + "}$",
                 offset=(0.75, 0.0))
            # ... and the gradient at h_t goes back to h_{t-1} through U^T
            back((xc - w / 2, y_h - 0.18), (left, y_h - 0.18),
                 r"$\times\,\mathrm{diag}(f'(a_{" + str(step) + r"}))\,U^{\top}$",
                 offset=(0.0, -0.5))
    if backward:
        ax.text(-1.3, -2.05, "dashed red: the gradient of the loss flows back; every step back "
                "multiplies it by the Jacobian of one step", fontsize=9, color=grad_color,
                ha="left", va="bottom")
    return fig
