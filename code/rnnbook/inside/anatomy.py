"""Inside a trained character model: every step's gates and states, units that mean something.

- :func:`record`: run a :func:`~rnnbook.models.build_char_model` model over a text with the
  course's NumPy cells (:mod:`rnnbook.cells.numpy_rnn`), fed the weights the Keras layers hold, and
  keep every step's gates, cell state and hidden state (a :class:`Recording`). The hidden
  states are the ones :class:`~rnnbook.generation.stepper.CharStepper` computes (a test checks it).
- :func:`text_features`: simple properties of every character (position in the line,
  characters to the end of the line, inside a word, ...), aligned with the recorded steps.
- :func:`correlations` / :func:`best_unit`: the Pearson correlation of every unit with a
  feature, and the unit that tracks it best (the search of Karpathy, Johnson & Fei-Fei, 2015).
- :func:`saturation`: how often each gate of each unit is nearly shut or nearly open.
- :func:`colored_text_html`: text coloured character by character by one unit's activation,
  as static HTML with inline styles (it shows in the built book, with no kernel).
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import keras
import numpy as np

from rnnbook import validate
from rnnbook.cells import State, cell
from rnnbook.cells.numpy_rnn import rnn_step
from rnnbook.cells.numpy_rnn.activations import softmax
from rnnbook.cells.numpy_rnn.gru import gru_gates
from rnnbook.cells.numpy_rnn.lstm import lstm_gates
from rnnbook.models import model_config, recurrent_layers

StepValues = tuple[State, dict[str, np.ndarray]]


def _lstm_values(x: np.ndarray, state: State, weights: Any) -> StepValues:
    out = lstm_gates(x, state[0], state[1], weights)
    return (out["h"], out["c"]), out


def _gru_values(x: np.ndarray, state: State, weights: Any, reset_after: bool = True) -> StepValues:
    z, r, h_tilde, _ = gru_gates(x, state[0], weights, reset_after)
    h = z * state[0] + (1 - z) * h_tilde  # as rnnbook.cells.numpy_rnn.gru_step
    return (h,), {"z": z, "r": r, "h_tilde": h_tilde, "h": h}


def _rnn_values(x: np.ndarray, state: State, weights: Any) -> StepValues:
    h = rnn_step(x, state[0], weights)
    return (h,), {"h": h}


@dataclass(frozen=True)
class Recorder:
    """What :func:`record` keeps of a step of one kind of cell (see :mod:`rnnbook.cells`).

    Attributes:
        arrays: the names of the arrays recorded (gates, candidate, states).
        gates: those of them that are gates, with values in (0, 1).
        step: ``(x_t, state, weights prepared by the cell, **its options) -> (new state,
            {name: array})``, the state as :attr:`rnnbook.cells.Cell.step` has it.
    """

    arrays: tuple[str, ...]
    gates: tuple[str, ...]
    step: Callable[..., StepValues]


# The arrays of every kind of cell in rnnbook.cells (a test checks that none is missing).
RECORDERS = {
    "lstm": Recorder(("i", "f", "g", "o", "c", "h"), ("i", "f", "o"), _lstm_values),
    "gru": Recorder(("z", "r", "h_tilde", "h"), ("z", "r"), _gru_values),
    "rnn": Recorder(("h",), (), _rnn_values),
}
RECORDED = {kind: r.arrays for kind, r in RECORDERS.items()}  # what a recording keeps
GATES = {kind: r.gates for kind, r in RECORDERS.items()}  # which of those are gates
GATE_NAMES = {"i": "input gate", "f": "forget gate", "o": "output gate", "g": "candidate",
              "c": "cell state", "h": "hidden state", "z": "update gate", "r": "reset gate",
              "h_tilde": "candidate"}


@dataclass(frozen=True)
class Recording:
    """Every step of one recurrent layer over a text.

    Attributes:
        kind: ``"lstm"``, ``"gru"`` or ``"rnn"``.
        ids: (time,) the characters read, as ids.
        values: name -> (time, units) array; the names are :data:`RECORDED` [kind]. Row ``t`` is
            the value after reading character ``t``.
        probs: (time, vocab) the model's next-character distribution after each character.
        layer: which recurrent layer (0 is the first).
    """

    kind: str
    ids: np.ndarray
    values: dict[str, np.ndarray]
    probs: np.ndarray
    layer: int = 0

    def __getitem__(self, name: str) -> np.ndarray:
        if name not in self.values:  # a KeyError, as a mapping raises, in the one form
            names = ", ".join(map(repr, self.values))
            raise KeyError(validate.message("name", f"be one of {names} (a {self.kind} "
                                            "recording)", f"name={name!r}"))
        return self.values[name]

    @property
    def units(self) -> int:
        return int(self.values["h"].shape[1])

    @property
    def gates(self) -> tuple[str, ...]:
        return GATES[self.kind]


def _weights(model: keras.Model):
    """(kind, input table, per-layer (units, prepared weights, options), dense kernel, bias)."""
    cfg = model_config(model)
    if cfg["embedding_dim"] is None:
        table = np.eye(cfg["vocab_size"], dtype=np.float32)
    else:
        table = model.get_layer("embedding").get_weights()[0]
    c = cell(cfg["kind"])
    layers = []
    for layer in recurrent_layers(model):
        weights = [np.asarray(w, np.float32) for w in layer.get_weights()]
        options = c.options_of(reset_after=bool(getattr(layer, "reset_after", True)))
        layers.append((weights[1].shape[0], c.prepare(weights, **options), options))
    kernel, bias = (np.asarray(w, np.float32) for w in model.layers[-1].get_weights())
    return cfg["kind"], np.asarray(table, np.float32), layers, kernel, bias


def record(model: keras.Model, ids: Sequence[int] | np.ndarray, layer: int = -1) -> Recording:
    """Run ``model`` over ``ids`` from the zero state, keeping every step of one layer.

    Args:
        model: a :func:`~rnnbook.models.build_char_model` model (any backend, any depth).
        ids: (time,) character ids, time >= 1.
        layer: the recurrent layer to keep (default the last, the one the softmax reads).

    Returns:
        A :class:`Recording` in float32, as :class:`~rnnbook.generation.stepper.CharStepper`
        computes.
    """
    ids = np.asarray(ids)
    if ids.ndim != 1 or len(ids) < 1 or not np.issubdtype(ids.dtype, np.integer):
        raise validate.error("ids", "be a non-empty 1-D integer array (time,)",
                             received=f"ids.dtype={ids.dtype}, ids.shape={ids.shape}")
    kind, table, layers, dense_kernel, dense_bias = _weights(model)
    if ids.min() < 0 or ids.max() >= dense_bias.shape[0]:
        raise validate.error("ids", f"lie in [0, {dense_bias.shape[0]})",
                             received=f"ids from {ids.min()} to {ids.max()}")
    try:
        keep = range(len(layers))[layer]
    except (IndexError, TypeError):
        raise validate.error("layer", f"be the index of a recurrent layer, in [-{len(layers)}, "
                             f"{len(layers)})", layer) from None
    recorder = RECORDERS[kind]
    size = cell(kind).state_size  # the LSTM carries h and c
    state = [tuple(np.zeros((1, units), np.float32) for _ in range(size))
             for units, _, _ in layers]
    steps: dict[str, list[np.ndarray]] = {name: [] for name in recorder.arrays}
    top = []
    for char in ids:
        x = table[char][None]
        for k, (_, weights, options) in enumerate(layers):
            state[k], out = recorder.step(x, state[k], weights, **options)
            if k == keep:
                for name in steps:
                    steps[name].append(out[name][0])
            x = state[k][0]  # h feeds the next layer
        top.append(x[0])
    logits = np.stack(top) @ dense_kernel + dense_bias
    probs = softmax(logits)
    values = {name: np.stack(v).astype(np.float32) for name, v in steps.items()}
    return Recording(kind, ids.copy(), values, probs.astype(np.float32), keep)


# ---------------------------------------------------------------- features of the text

PUNCTUATION = ",.;:!?"
FEATURES = ("position in line", "characters to line end", "inside a word", "space or newline",
            "since punctuation", "line in the sonnet")


def _is_letter(char: str) -> bool:
    return char.isalpha()


def text_features(text: str, start: int = 0) -> dict[str, np.ndarray]:
    """Simple properties of every character of ``text[start:]``, one float array each.

    They are computed on the whole ``text`` (so that a passage cut from the middle of a line or
    a sonnet still knows where it is) and returned for ``text[start:]``:

    - ``position in line``: the character's column, 0 for a line's first character (a newline
      gets the length of the line it ends);
    - ``characters to line end``: how many characters remain before the newline (0 on it);
    - ``inside a word``: 1 on letters and on an apostrophe or hyphen between two letters;
    - ``space or newline``: 1 on the characters between words;
    - ``since punctuation``: 1 from a punctuation mark (``,.;:!?``) up to the next letter;
    - ``line in the sonnet``: 0 on a sonnet's first line, 1 on its second, ...; sonnets are
      separated by blank lines.
    """
    n = len(text)
    column, to_end, line_no = np.zeros(n), np.zeros(n), np.zeros(n)
    inside, between, since = np.zeros(n), np.zeros(n), np.zeros(n)
    pos, line, after_punct = 0, 0, False
    line_start = 0
    for t, char in enumerate(text):
        if t == line_start:
            end = text.find("\n", t)
            length = (n if end < 0 else end) - t
        column[t], to_end[t], line_no[t] = pos, length - pos, line
        if _is_letter(char):
            inside[t], after_punct = 1.0, False
        elif char in "'-" and 0 < t < n - 1 and _is_letter(text[t - 1]) and _is_letter(text[t + 1]):
            inside[t] = 1.0
        between[t] = float(char in " \n")
        if char in PUNCTUATION:
            after_punct = True
        since[t] = float(after_punct)
        if char == "\n":
            line = 0 if pos == 0 else line + 1  # after a blank line, a new sonnet starts
            pos, line_start = 0, t + 1
        else:
            pos += 1
    features = {"position in line": column, "characters to line end": to_end,
                "inside a word": inside, "space or newline": between,
                "since punctuation": since, "line in the sonnet": line_no}
    return {name: values[start:] for name, values in features.items()}


def regex_feature(text: str, pattern: str) -> np.ndarray:
    """1.0 on every character inside a match of the regular expression ``pattern``, else 0.

    Raises:
        ValueError: ``pattern`` is not a valid regular expression, or matches nothing.
    """
    try:
        compiled = re.compile(pattern)
    except re.error as error:
        raise validate.error("pattern", "be a valid regular expression", pattern,
                             hint=f"The parser says: {error}.") from error
    feature = np.zeros(len(text))
    for match in compiled.finditer(text):
        feature[match.start():match.end()] = 1.0
    if not feature.any():
        raise validate.error("pattern", "match at least one character of the text", pattern)
    return feature


# ---------------------------------------------------------------- units and features


def correlations(activations: np.ndarray, feature: np.ndarray) -> np.ndarray:
    """Pearson's r between every unit (column of ``activations``, (time, units)) and ``feature``.

    A unit (or a feature) that never changes has r = 0, not NaN.
    """
    a = np.asarray(activations, dtype=np.float64)
    f = np.asarray(feature, dtype=np.float64)
    if a.ndim != 2:
        raise validate.shape("activations", a, "be (time, units)")
    if f.shape != (a.shape[0],):
        raise validate.shape("feature", f, f"be (time,) = ({a.shape[0]},), one value per row of "
                             "activations")
    a = a - a.mean(axis=0)
    f = f - f.mean()
    norm = np.sqrt((a * a).sum(axis=0) * (f * f).sum())
    cov = f @ a
    return np.divide(cov, norm, out=np.zeros_like(cov), where=norm > 0)


def best_unit(activations: np.ndarray, feature: np.ndarray) -> tuple[int, float]:
    """The unit whose activation correlates most strongly (largest |r|) with ``feature``."""
    r = correlations(activations, feature)
    unit = int(np.argmax(np.abs(r)))
    return unit, float(r[unit])


def best_units(recordings: Mapping[str, Recording], features: Mapping[str, np.ndarray],
               arrays: Sequence[str] = ("h", "c")) -> list[dict]:
    """For each model, feature and recorded array: the best unit and its r (a list of rows)."""
    rows = []
    for label, rec in recordings.items():
        for name, feature in features.items():
            for array in arrays:
                if array in rec.values:
                    unit, r = best_unit(rec[array], feature)
                    rows.append({"model": label, "feature": name, "array": array,
                                 "unit": unit, "r": r})
    return rows


def saturation(gate: np.ndarray, low: float = 0.1, high: float = 0.9) -> tuple[np.ndarray,
                                                                              np.ndarray]:
    """Per unit, the fraction of steps a gate is left-saturated (< low) and right- (> high).

    Args:
        gate: (time, units) gate values in (0, 1).

    Returns:
        ``(left, right)``: (units,) arrays of fractions in [0, 1].
    """
    gate = np.asarray(gate)
    if gate.ndim != 2 or len(gate) == 0:
        raise validate.shape("gate", gate, "be a non-empty (time, units) array")
    return (gate < low).mean(axis=0), (gate > high).mean(axis=0)


# ---------------------------------------------------------------- coloured text

_SHOWN = {"\n": "⏎\n", " ": " ", "\t": "⇥"}


def _colour(value: float) -> str:
    """White at 0, red towards +1, blue towards -1 (the colours of Karpathy et al.)."""
    v = float(np.clip(value, -1.0, 1.0))
    fade = int(round(255 * (1 - abs(v))))
    return f"rgb(255,{fade},{fade})" if v >= 0 else f"rgb({fade},{fade},255)"


def colored_text_html(text: str, values: Sequence[float] | np.ndarray, *,
                      scale: float | None = None, title: str = "") -> str:
    """``text`` with each character's background coloured by its value: static HTML.

    Args:
        text: the characters, one per value.
        values: (len(text),) activations; divided by ``scale`` (default: the largest |value|,
            so that the strongest character is fully coloured) and clipped to [-1, 1].
        title: a caption above the text.

    Returns:
        HTML with inline styles only (no script, no stylesheet): it shows in a notebook, in
        the built book and in any browser. Hovering a character shows its value.
    """
    values = np.asarray(values, dtype=float)
    if values.shape != (len(text),):
        raise validate.shape("values", values, f"have one entry per character of text: "
                             f"({len(text)},)")
    if scale is None:
        scale = float(np.max(np.abs(values))) if values.size else 1.0
    scale = scale or 1.0
    spans = []
    for char, value in zip(text, values, strict=True):
        shown = html.escape(_SHOWN.get(char, char))
        spans.append(f'<span title="{value:+.3f}" style="background-color:'
                     f'{_colour(value / scale)}">{shown}</span>')
    caption = (f'<div style="font-family:sans-serif;font-size:90%;margin-bottom:4px">'
               f'{html.escape(title)} <span style="color:#555">(blue: negative, white: 0, red: '
               f'positive; ±{scale:.2f} is full colour)</span></div>') if title else ""
    body = ('<div style="font-family:monospace;white-space:pre-wrap;line-height:1.45;'
            'color:#000;background:#fff;padding:4px;border:1px solid #ddd">'
            + "".join(spans) + "</div>")
    return f'<div class="rnnbook-unit">{caption}{body}</div>'
