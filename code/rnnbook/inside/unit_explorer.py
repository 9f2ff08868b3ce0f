"""The unit explorer: an ipywidgets panel to look at one unit of a recorded model over a passage.

Pick a model, an array (hidden state, cell state, a gate) and a unit, and a passage of the
recorded text shows coloured by that unit's activation. Or type a regular expression: the
explorer finds the unit whose activation correlates most with "inside a match" over the whole
recording, selects it and says its correlation.

Everything runs in the notebook's kernel on recordings made by
:func:`rnnbook.inside.anatomy.record`;
in a static HTML page the panel shows its last state only, so a chapter shows the lesson with
:func:`rnnbook.inside.anatomy.colored_text_html` too.
"""

from __future__ import annotations

import html
from collections.abc import Mapping

import ipywidgets as widgets
import numpy as np

from rnnbook import validate
from rnnbook.cells import ARRAY_TITLES
from rnnbook.inside.anatomy import (
    Recording,
    best_unit,
    colored_text_html,
    regex_feature,
)


class UnitExplorer(widgets.VBox):
    """A panel to show one unit over a passage, or to find the unit that tracks a pattern.

    Args:
        recordings: label -> :class:`~rnnbook.inside.anatomy.Recording`, all over the same ``text``.
        text: the characters the recordings read (one per step).
        passage: how many characters to show at once.
    """

    def __init__(self, recordings: Mapping[str, Recording], text: str, passage: int = 400):
        if not recordings:
            raise validate.error_for("recordings", "name at least one recording", recordings)
        for label, rec in recordings.items():
            if len(rec.ids) != len(text):
                raise validate.error_for("recordings", f"have one step per character of text "
                                         f"({len(text)})",
                                         received=f"recordings[{label!r}] has {len(rec.ids)} steps")
        passage = validate.positive_int("passage", passage)
        self.recordings, self.text = dict(recordings), text
        self.passage_length = min(passage, len(text))
        first = next(iter(self.recordings.values()))
        self.model = widgets.Dropdown(options=list(self.recordings), description="model")
        self.array = widgets.Dropdown(description="array")
        self.unit = widgets.BoundedIntText(value=0, min=0, max=first.units - 1,
                                           description="unit")
        self.start = widgets.IntSlider(value=0, min=0, max=len(text) - self.passage_length,
                                       step=10, description="passage at", continuous_update=False)
        self.pattern = widgets.Text(value=r"\n", description="regex",
                                    placeholder="a regular expression over the text")
        self.find = widgets.Button(description="find unit")
        self.status = widgets.HTML()
        self.view = widgets.HTML()
        self._set_arrays()
        self.model.observe(self._on_model, names="value")
        for control in (self.array, self.unit, self.start):
            control.observe(lambda change: self.update(), names="value")
        self.find.on_click(lambda button: self.find_unit())
        super().__init__([widgets.HBox([self.model, self.array, self.unit]), self.start,
                          widgets.HBox([self.pattern, self.find]), self.status, self.view])
        self.update()

    @property
    def recording(self) -> Recording:
        return self.recordings[self.model.value]

    def _set_arrays(self) -> None:
        names = list(self.recording.values)
        self.array.options = [(f"{ARRAY_TITLES.get(n, n)} ({n})", n) for n in names]
        self.array.value = "c" if "c" in names else "h"
        self.unit.max = self.recording.units - 1

    def _on_model(self, change=None) -> None:
        self._set_arrays()
        self.update()

    def activations(self) -> np.ndarray:
        """The selected unit's values at every step of the recording."""
        return self.recording[self.array.value][:, self.unit.value]

    def html(self) -> str:
        """The passage coloured by the selected unit (what the panel shows)."""
        lo, hi = self.start.value, self.start.value + self.passage_length
        title = f"{self.model.value}, {ARRAY_TITLES.get(self.array.value)} unit {self.unit.value}"
        values = self.activations()
        return colored_text_html(self.text[lo:hi], values[lo:hi],
                                 scale=float(np.max(np.abs(values))) or 1.0, title=title)

    def update(self) -> None:
        self.view.value = self.html()

    def find_unit(self, pattern: str | None = None) -> tuple[int, float] | None:
        """Select the unit of the current array most correlated with matches of ``pattern``.

        Returns ``(unit, r)``, or ``None`` (with the reason shown) for a bad pattern.
        """
        if pattern is not None:
            self.pattern.value = pattern
        try:
            feature = regex_feature(self.text, self.pattern.value)
        except ValueError as error:
            self.status.value = f'<span style="color:#a00">{html.escape(str(error))}</span>'
            return None
        unit, r = best_unit(self.recording[self.array.value], feature)
        self.unit.value = unit
        self.status.value = (f"unit {unit} of {html.escape(self.array.value)} follows "
                             f"<code>{html.escape(self.pattern.value)}</code> best: r = {r:+.2f} "
                             f"over {len(self.text):,} characters ({int(feature.sum()):,} inside "
                             "a match)")
        self.update()
        return unit, r
