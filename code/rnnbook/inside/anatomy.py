"""Inside a trained character model: every step's gates and states, units that mean something.

- :func:`record`: run a :func:`~rnnbook.models.build_char_model` model over a text with
  :class:`~rnnbook.generation.stepper.CharStepper` (the course's NumPy cells, fed the weights
  the Keras layers hold) and keep every step's gates, candidate and states, the arrays
  :attr:`rnnbook.cells.Cell.arrays` names (a :class:`Recording`).
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
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import keras
import numpy as np

from rnnbook import validate
from rnnbook.cells import cell
from rnnbook.generation.stepper import CharStepper


@dataclass(frozen=True)
class Recording:
    """Every step of one recurrent layer over a text.

    Attributes:
        kind: ``"lstm"``, ``"gru"`` or ``"rnn"``.
        ids: (time,) the characters read, as ids.
        values: name -> (time, units) array, for every name of the kind's
            :attr:`rnnbook.cells.Cell.arrays`. Row ``t`` is the value after reading character ``t``.
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
        """The names of the recorded gates (values in (0, 1)): the kind's ``gate_arrays``."""
        return cell(self.kind).gate_arrays


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
        raise validate.error_for("ids", "be a non-empty 1-D integer array (time,)",
                                 received=f"ids.dtype={ids.dtype}, ids.shape={ids.shape}")
    stepper = CharStepper.from_model(model)
    if ids.min() < 0 or ids.max() >= stepper.vocab_size:
        raise validate.error_for("ids", f"lie in [0, {stepper.vocab_size})",
                             received=f"ids from {ids.min()} to {ids.max()}")
    depth = len(stepper.weights)
    try:
        keep = range(depth)[layer]
    except (IndexError, TypeError):
        raise validate.error_for("layer", f"be the index of a recurrent layer, in [-{depth}, "
                                 f"{depth})", layer) from None
    steps: dict[str, list[np.ndarray]] = {name: [] for name in stepper.cell.arrays}
    probs, state = [], None
    for t in range(len(ids)):
        p, state, arrays = stepper.step_arrays(ids[t:t + 1], state)
        for name in steps:
            steps[name].append(arrays[keep][name][0])
        probs.append(p[0])
    values = {name: np.stack(v).astype(np.float32) for name, v in steps.items()}
    return Recording(stepper.kind, ids.copy(), values, np.stack(probs).astype(np.float32), keep)


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
        raise validate.error_for("pattern", "be a valid regular expression", pattern,
                                 hint=f"The parser says: {error}.") from error
    feature = np.zeros(len(text))
    for match in compiled.finditer(text):
        feature[match.start():match.end()] = 1.0
    if not feature.any():
        raise validate.error_for("pattern", "match at least one character of the text", pattern)
    return feature


# ---------------------------------------------------------------- units and features


def correlations(activations: np.ndarray, feature: np.ndarray) -> np.ndarray:
    """Pearson's r between every unit (column of ``activations``, (time, units)) and ``feature``.

    A unit (or a feature) that never changes has r = 0, not NaN.
    """
    a = np.asarray(activations, dtype=np.float64)
    f = np.asarray(feature, dtype=np.float64)
    if a.ndim != 2:
        raise validate.shape_error_for("activations", a, "be (time, units)")
    if f.shape != (a.shape[0],):
        raise validate.shape_error_for("feature", f, f"be (time,) = ({a.shape[0]},), one value "
                                       "per row of activations")
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
        raise validate.shape_error_for("gate", gate, "be a non-empty (time, units) array")
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
        raise validate.shape_error_for("values", values, f"have one entry per character of text: "
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
