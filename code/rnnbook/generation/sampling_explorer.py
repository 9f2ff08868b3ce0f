"""The sampling explorer: an ipywidgets panel to generate text from a character model by hand.

Pick a model, type a seed, choose a strategy (ancestral, top-k, top-p, greedy, beam) and its
settings, press *Generate*. A bar chart shows the distribution the next character is drawn
from after the seed, as the strategy reshapes it (the model's own probabilities in grey behind),
and follows every change of the temperature, ``k`` or ``p``.

Everything runs in the notebook's kernel with :mod:`rnnbook.generation.sampling`'s NumPy stepper,
so a
click answers in well under a second on a laptop CPU. In a static HTML page no kernel runs:
the panel shows its last state only.

The text shown always continues the seed in the box. A front end may deliver the seed box's new
value and the button's click on different threads of the kernel (JupyterLab handles each comm
target on its own thread), in either order: a generation reads its settings once, under a lock
that every change of a control also takes, shows the seed it used, and a seed that changes
after the text was generated (the click handled first) generates the text again for the new
seed.
"""

from __future__ import annotations

import html
import sys
import threading
import time
import warnings
from collections.abc import Mapping
from typing import Any

import ipywidgets as widgets
import numpy as np

from rnnbook.config import SEED
from rnnbook.generation import sampling
from rnnbook.models import load_char_model, saved_models
from rnnbook.text.vocabulary import Vocabulary

DEFAULT_SEED_TEXT = "shall i compare thee to a summer's day?\n"
STRATEGY_TIPS = {  # the buttons' tooltips: what each strategy does
    "ancestral": "ancestral sampling: draw every character from the model's distribution, "
                 "sharpened or flattened by the temperature",
    "top-k": "top-k: draw from the k most likely characters only",
    "top-p": "top-p (nucleus): draw from the fewest characters whose probability adds up to p",
    "greedy": "greedy: always the most likely character",
    "beam": "beam search: keep the most likely continuations, return the best one",
}
CHART_BARS = 12  # characters shown in the next-character chart
_VISIBLE = {"\n": "⏎", " ": "␣", "\t": "⇥"}  # characters a bar label could not show


def _enable_colab_widgets() -> None:
    """In Colab, let ipywidgets 8 render (Colab treats it like a third-party widget library).

    Colab's own ipywidgets 7 renders with its built-in manager: nothing to do there.
    """
    if "google.colab" in sys.modules and int(widgets.__version__.split(".")[0]) >= 8:
        try:
            from google.colab import output  # only in Colab: an optional module, found there

            output.enable_custom_widget_manager()
        except Exception:  # an older Colab without the call: its built-in manager is used
            pass


def _label(char: str) -> str:
    return html.escape(_VISIBLE.get(char, char))


def bar_chart_html(
    chars: tuple[str, ...] | list[str],
    shaped: np.ndarray,
    raw: np.ndarray | None = None,
    bars: int = CHART_BARS,
    title: str = "",
    legend: str | None = None,
) -> str:
    """An HTML bar chart of the ``bars`` most likely characters under ``shaped``.

    Args:
        chars: the vocabulary's characters, in id order.
        shaped: (vocab,) the distribution the next character is drawn from.
        raw: (vocab,) the model's own distribution, drawn as a grey bar behind; optional.
        bars: how many characters to show.
        title: a caption above the chart, kept to one line.
        legend: the line under the chart; by default it names the two bars.
    """
    order = np.argsort(-shaped, kind="stable")[:bars]
    rows = []
    for i in order:
        width = 100.0 * float(shaped[i])
        behind = (
            f'<div style="position:absolute;left:0;top:0;height:100%;width:{100 * raw[i]:.1f}%;'
            'background:#ccc"></div>' if raw is not None else ""
        )
        rows.append(
            '<div style="display:flex;align-items:center;margin:1px 0;font-family:monospace">'
            f'<span style="width:2em;text-align:center">{_label(chars[i])}</span>'
            '<div style="position:relative;width:220px;height:14px;background:#f4f4f4">'
            f'{behind}<div style="position:absolute;left:0;top:3px;height:8px;width:{width:.1f}%;'
            'background:#1f77b4"></div></div>'
            f'<span style="margin-left:6px">{shaped[i]:.3f}</span></div>'
        )
    caption = (
        '<div style="white-space:nowrap;overflow:hidden;text-overflow:ellipsis" '
        f'title="{html.escape(title)}"><b>{html.escape(title)}</b></div>' if title else "")
    if legend is None:
        legend = "blue: drawn from; grey: the model's own" if raw is not None else ""
    note = (f'<div style="font-size:smaller;color:#555">{html.escape(legend)}</div>'
            if legend else "")
    return caption + "".join(rows) + note


class SamplingExplorer(widgets.VBox):
    """An ipywidgets panel: model, seed, strategy and settings in; generated text out.

    Args:
        models: extra models to offer, ``{name: (model, vocab)}`` (e.g. one just trained).
        include_saved: also offer every model saved under ``data/models/``
            (:func:`rnnbook.models.saved_models`), loaded when first picked.
        seed_text: the initial seed.
        length: the initial number of characters to generate.
        seed: seed of the explorer's random generator (reproducible sessions).

    Attributes (the controls, for use from code and tests): ``model``, ``seed``, ``length``,
    ``strategy``, ``temperature``, ``top_k``, ``top_p``, ``beam_width``, ``button``, and
    ``output`` (HTML of the seed and the text), ``status``, ``chart``; ``text`` holds the
    last generated text.

    Raises:
        ValueError: no model to offer.
    """

    def __init__(
        self,
        models: Mapping[str, tuple[Any, Vocabulary]] | None = None,
        *,
        include_saved: bool = True,
        seed_text: str = DEFAULT_SEED_TEXT,
        length: int = 200,
        seed: int = SEED,
    ) -> None:
        _enable_colab_widgets()
        self._models: dict[str, tuple[Any, Vocabulary] | None] = {}
        self._cards: dict[str, dict] = {}
        if include_saved:
            self._models.update({name: None for name in saved_models()})
        self._models.update(dict(models or {}))
        if not self._models:
            raise ValueError(
                "models: nothing to explore; pass {name: (model, vocab)} or save a model with "
                "rnnbook.models.save_char_model"
            )
        self.rng = np.random.default_rng(seed)
        self.text = ""
        # Every handler runs under this lock: the front end may call them on several threads.
        self._lock = threading.RLock()
        self._shown_seed: str | None = None  # the seed the text on screen continues

        wide = widgets.Layout(width="98%")
        style = {"description_width": "initial"}
        self.model = widgets.Dropdown(options=list(self._models), description="Model", style=style)
        self.strategy = widgets.ToggleButtons(
            options=list(sampling.STRATEGIES), value="ancestral", description="Strategy",
            tooltips=[STRATEGY_TIPS[name] for name in sampling.STRATEGIES],
            style={**style, "button_width": "auto"},
        )
        self.seed = widgets.Textarea(value=seed_text, description="Seed text", rows=2,
                                     continuous_update=False, layout=wide, style=style)
        self.length = widgets.IntSlider(value=length, min=0, max=1000, step=10,
                                        description="Length", style=style)
        self.temperature = widgets.FloatSlider(value=1.0, min=0.0, max=2.0, step=0.05,
                                               description="Temperature", style=style)
        self.top_k = widgets.IntSlider(value=5, min=1, max=40, description="k", style=style)
        self.top_p = widgets.FloatSlider(value=0.9, min=0.05, max=1.0, step=0.05,
                                         description="p", style=style)
        self.beam_width = widgets.IntSlider(value=5, min=1, max=20, description="Beam width",
                                            style=style)
        self.button = widgets.Button(description="Generate", button_style="primary",
                                     icon="play")
        self.status = widgets.HTML()
        self.output = widgets.HTML(layout=wide)
        self.chart = widgets.HTML()

        self.button.on_click(self._on_generate)
        self.model.observe(self._on_context, names="value")
        self.seed.observe(self._on_seed, names="value")
        for control in (self.strategy, self.temperature, self.top_k, self.top_p,
                        self.beam_width, self.length):
            control.observe(self._on_settings, names="value")

        controls = widgets.VBox([
            self.model, self.seed, self.strategy,
            widgets.HBox([self.length, self.temperature]),
            widgets.HBox([self.top_k, self.top_p, self.beam_width]),
            widgets.HBox([self.button, self.status]),
        ], layout=widgets.Layout(flex="3 1 0%"))
        chart = widgets.VBox([self.chart], layout=widgets.Layout(flex="1 1 0%", min_width="320px"))
        super().__init__([widgets.HBox([controls, chart]), self.output])
        self._on_context()

    # ----------------------------------------------------------------------------- models

    def add_model(self, name: str, model: Any, vocab: Vocabulary, select: bool = True) -> None:
        """Offer another model (e.g. one trained in this session) and optionally pick it."""
        self._models[name] = (model, vocab)
        self.model.options = list(self._models)
        if select:
            self.model.value = name
        self._on_context()

    def current(self) -> tuple[Any, Vocabulary]:
        """The picked ``(model, vocab)``, loading a saved model the first time it is picked."""
        name = self.model.value
        if self._models[name] is None:
            model, vocab, card = load_char_model(name)
            self._models[name], self._cards[name] = (model, vocab), card
        return self._models[name]

    # ----------------------------------------------------------------------------- settings

    def settings(self) -> dict:
        """The keyword arguments of :func:`sampling.generate` the controls stand for now."""
        strategy = self.strategy.value
        return {
            "temperature": 0.0 if strategy == "greedy" else float(self.temperature.value),
            "top_k": int(self.top_k.value) if strategy == "top-k" else None,
            "top_p": float(self.top_p.value) if strategy == "top-p" else None,
        }

    def _sync_enabled(self) -> None:
        strategy = self.strategy.value
        self.temperature.disabled = strategy in ("greedy", "beam")
        self.top_k.disabled = strategy != "top-k"
        self.top_p.disabled = strategy != "top-p"
        self.beam_width.disabled = strategy != "beam"

    def _on_context(self, change: Any = None) -> None:
        """Model or seed changed: fit the k slider to the vocabulary, redraw the chart."""
        with self._lock:
            try:
                _, vocab = self.current()
            except (OSError, ValueError) as exc:
                self.status.value = f'<span style="color:#b00">{html.escape(str(exc))}</span>'
                return
            self.top_k.max = len(vocab)
            self._on_settings()

    def _on_seed(self, change: Any = None) -> None:
        """The seed changed: redraw, and continue the new seed if a text is on screen.

        A text on screen that continues another seed would be stale. It is there when the
        click was handled before the seed's new value (on another thread): the reader asked for
        the new seed, so it is generated again.
        """
        with self._lock:
            self._on_context()
            if self._shown_seed is not None and self._shown_seed != self.seed.value:
                self.generate()

    def _on_settings(self, change: Any = None) -> None:
        with self._lock:
            self.status.value = ""  # the last run's message belongs to the old settings
            self._sync_enabled()
            self.update_chart()

    def next_char_probs(self) -> np.ndarray:
        """The picked model's distribution of the next character after the seed.

        Computed from the model's current weights on every call (a few milliseconds), so a
        model that trained since is seen afresh.
        """
        model, vocab = self.current()
        return sampling.next_char_probs(model, vocab, self.seed.value)

    def update_chart(self) -> None:
        """Redraw the next-character chart for the current model, seed and settings."""
        try:
            _, vocab = self.current()
            raw = self.next_char_probs()
        except (OSError, ValueError) as exc:
            self.chart.value = f'<span style="color:#b00">{html.escape(str(exc))}</span>'
            return
        if self.strategy.value == "beam":
            shaped, title = raw, "Next character: the model's own (beam)"
            legend, raw = "beam search ranks whole continuations by these log-probabilities", None
        else:
            shaped = sampling.distribution(raw, **self.settings())
            title = (f"Next character ({self.strategy.value}), entropy "
                     f"{sampling.entropy(shaped):.2f} bits")
            legend = None
        self.chart.value = bar_chart_html(vocab.chars, shaped, raw, title=title, legend=legend)

    # ----------------------------------------------------------------------------- generate

    def generate(self) -> str:
        """Generate with the current settings; show it in ``output``; return the text.

        The settings are read once, under the explorer's lock, and the seed shown is the one
        the text continues.
        """
        with self._lock:
            return self._generate()

    def _generate(self) -> str:
        seed_text, length, strategy = self.seed.value, self.length.value, self.strategy.value
        beam_width, settings = self.beam_width.value, self.settings()
        self.status.value = "generating…"
        try:
            model, vocab = self.current()
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always", sampling.SeedTextWarning)
                start = time.perf_counter()
                if strategy == "beam":
                    text, log_prob = sampling.beam_search(model, vocab, seed_text, length,
                                                          beam_width)
                    extra = f", log-probability {log_prob:.1f} nats"
                else:
                    text = sampling.generate(model, vocab, seed_text, length, rng=self.rng,
                                             **settings)
                    extra = ""
                seconds = time.perf_counter() - start
        except (OSError, ValueError) as exc:
            self.status.value = f'<span style="color:#b00">{html.escape(str(exc))}</span>'
            return ""
        self.text, self._shown_seed = text, seed_text
        seed_ids, _ = sampling.prepare_seed(vocab, seed_text, warn=False)
        self.output.value = (
            '<pre style="white-space:pre-wrap;font-size:1.05em">'
            f'<span style="color:#777">{html.escape(vocab.decode(seed_ids))}</span>'
            f"<b>{html.escape(text)}</b></pre>"
        )
        notes = [html.escape(str(w.message)) for w in caught
                 if issubclass(w.category, sampling.SeedTextWarning)]
        self.status.value = " ".join(
            [f"{len(text)} characters in {seconds:.2f} s{extra}.", *notes])
        return text

    def _on_generate(self, button: widgets.Button) -> None:
        self.generate()
