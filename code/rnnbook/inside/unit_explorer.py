"""The unit explorer: an ipywidgets panel to look at one unit of a recorded model over a passage.

Pick a model, an array (hidden state, cell state, a gate) and a unit, and a passage of the
recorded text shows coloured by that unit's activation. Or type a regular expression: the
explorer finds the unit whose activation correlates most with "inside a match" over the whole
recording, selects it and says its correlation.

Everything runs in the notebook's kernel on recordings made by
:func:`rnnbook.inside.anatomy.record`;
in a static HTML page the panel shows its last state only, so a chapter shows the lesson with
:func:`rnnbook.inside.anatomy.colored_text_html` too. The status line always describes the view: the
unit a search found while that unit is shown, else the unit shown; an error for a bad pattern
lasts while the model, array and unit stay as they were. A pattern that arrives after a search
made with an older one (the front end may deliver it on another thread than the click) is
searched for again.
"""

from __future__ import annotations

import html
import threading
from collections.abc import Mapping

import ipywidgets as widgets
import numpy as np

from rnnbook import validate
from rnnbook.cells import ARRAY_TITLES
from rnnbook.generation.sampling_explorer import tip
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
        self._lock = threading.RLock()  # the front end may call the handlers on two threads
        self._found: dict | None = None  # the last search: pattern, the view it left, result
        first = next(iter(self.recordings.values()))
        self.model = widgets.Dropdown(options=list(self.recordings), description="model")
        self.array = widgets.Dropdown(description="array")
        self.unit = widgets.BoundedIntText(value=0, min=0, max=first.units - 1,
                                           description="unit")
        self.start = widgets.IntSlider(value=0, min=0, max=len(text) - self.passage_length,
                                       step=10, description="passage at", continuous_update=False,
                                       layout=widgets.Layout(width="auto", min_width="300px",
                                                             max_width="640px"))
        self.pattern = widgets.Text(value=r"\n", description="regex", continuous_update=False,
                                    placeholder="a regular expression over the text")
        self.find = widgets.Button(description="find unit")
        for control, said in (
            (self.model, "The recorded model whose units are shown."),
            (self.array, "The array of the model to look into: its hidden state, cell state "
                         "or a gate."),
            (self.unit, "The unit shown: its activation colours the passage."),
            (self.start, "Where the passage shown starts in the recorded text."),
            (self.pattern, "A regular expression over the text; the button finds the unit "
                           "that follows its matches best."),
            (self.find, "Select the unit of this array whose activation correlates most with "
                        "being inside a match of the regular expression."),
        ):
            tip(control, said)
        self.status = widgets.HTML()
        self.view = widgets.HTML()
        self._set_arrays()
        self.model.observe(self._on_model, names="value")
        for control in (self.array, self.unit, self.start):
            control.observe(lambda change: self.update(), names="value")
        self.pattern.observe(self._on_pattern, names="value")
        self.find.on_click(lambda button: self.find_unit())
        wrap = widgets.Layout(flex_flow="row wrap")
        super().__init__([widgets.HBox([self.model, self.array, self.unit], layout=wrap),
                          self.start, widgets.HBox([self.pattern, self.find], layout=wrap),
                          self.status, self.view])
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
        with self._lock:
            self._set_arrays()
            self.update()

    def _on_pattern(self, change=None) -> None:
        """A new pattern: search again if the view shows the answer to an older one."""
        with self._lock:
            if self._found is not None and self._found["pattern"] != self.pattern.value \
                    and self._found["view"] == self._selection():
                self.find_unit()
            else:
                self.update()

    def _selection(self) -> tuple:
        return self.model.value, self.array.value, self.unit.value

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

    def status_html(self) -> str:
        """The status line for the view shown: the search that found its unit, or the unit."""
        found = self._found
        if found is not None and found["view"] == self._selection():
            if "error" in found:
                return f'<span style="color:#a00">{html.escape(found["error"])}</span>'
            return (f"unit {found['unit']} of {html.escape(found['array'])} follows "
                    f"<code>{html.escape(found['pattern'])}</code> best: r = {found['r']:+.2f} "
                    f"over {len(self.text):,} characters ({found['inside']:,} inside a match)")
        values = self.activations()
        return (f"unit {self.unit.value} of {html.escape(self.array.value)} "
                f"({html.escape(ARRAY_TITLES.get(self.array.value, self.array.value))}) in "
                f"{html.escape(self.model.value)}: from {values.min():+.2f} to "
                f"{values.max():+.2f} over {len(self.text):,} characters")

    def update(self) -> None:
        """Redraw the passage and the status line."""
        with self._lock:
            self.view.value = self.html()
            self.status.value = self.status_html()

    def find_unit(self, pattern: str | None = None) -> tuple[int, float] | None:
        """Select the unit of the current array most correlated with matches of ``pattern``.

        Returns ``(unit, r)``, or ``None`` (with the reason shown) for a bad pattern.
        """
        with self._lock:
            if pattern is not None and pattern != self.pattern.value:
                self._found = None  # the pattern's observer must not search on its own
                self.pattern.value = pattern
            try:
                feature = regex_feature(self.text, self.pattern.value)
            except ValueError as error:  # shown while the view stays as it is
                self._found = {"pattern": self.pattern.value, "view": self._selection(),
                               "error": str(error)}
                self.update()
                return None
            unit, r = best_unit(self.recording[self.array.value], feature)
            self._found = {"array": self.array.value, "pattern": self.pattern.value,
                           "unit": unit, "r": r, "inside": int(feature.sum()),
                           "view": (self.model.value, self.array.value, unit)}
            self.unit.value = unit  # redraws, when the unit changes
            self.update()
            return unit, r
