"""The sampling explorer: an ipywidgets panel to generate text from a character model by hand.

Pick a model, type a seed, choose a strategy (ancestral, top-k, top-p, greedy, beam) and its
settings, press *Generate*. A bar chart shows the distribution the next character is drawn
from after the seed, as the strategy reshapes it (the model's own probabilities in grey behind),
and follows every change of the temperature, ``k`` or ``p``.

Everything runs in the notebook's kernel with :mod:`rnnbook.generation.sampling`'s NumPy stepper,
so a
click answers in well under a second on a laptop CPU. In a static HTML page no kernel runs:
the panel shows its last state only.

The text on screen is always the one the controls ask for. A front end may deliver a control's
new value and the button's click on different threads of the kernel (JupyterLab handles each comm
target on its own thread), in either order, and ipywidgets sends a slider's last value only once
the previous one is answered: a generation reads every setting once, under a lock that every
change of a control also takes, remembers the settings it used, and a change that arrives once a
text is on screen generates it again for the settings now shown. The status line names them.
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
CONTROL_TIPS = {  # every other control's tooltip: what it does
    "model": "The character model that writes: every saved model, and any added from code.",
    "seed": "The text the model reads first; the generated text continues it.",
    "strategy": "How the next character is chosen from the model's distribution.",
    "length": "How many characters to generate after the seed.",
    "temperature": "Divides the model's logits: below 1 sharpens the distribution, above 1 "
                   "flattens it (ancestral, top-k and top-p).",
    "top_k": "Top-k: draw from the k most likely characters only.",
    "top_p": "Top-p: draw from the fewest most likely characters whose probabilities add up "
             "to at least p.",
    "beam_width": "Beam search: how many continuations are kept at every step.",
    "button": "Generate a text with the settings shown; once it is on screen, it follows "
              "every change of a setting.",
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


def tip(control: widgets.Widget, text: str) -> None:
    """Give ``control`` and its label the tooltip ``text`` (ipywidgets 8 and Colab's 7.7)."""
    if control.has_trait("tooltip"):  # ipywidgets 8 (every control), 7 (buttons)
        control.tooltip = text
    else:  # ipywidgets 7: the label's tooltip
        control.description_tooltip = text


def bar_chart_html(
    chars: tuple[str, ...] | list[str],
    shaped: np.ndarray,
    raw: np.ndarray | None = None,
    bars: int = CHART_BARS,
    title: str = "",
    legend: str | None = None,
) -> str:
    """An HTML bar chart of the ``bars`` most likely characters under ``shaped``.

    Characters ``shaped`` rules out (probability 0: greedy, top-k, top-p) get no bar of their
    own: one line counts them, with the share the model itself gave them when ``raw`` is given.

    Args:
        chars: the vocabulary's characters, in id order.
        shaped: (vocab,) the distribution the next character is drawn from.
        raw: (vocab,) the model's own distribution, drawn as a grey bar behind; optional.
        bars: how many characters to show at most.
        title: a caption above the chart (it wraps on a narrow screen).
        legend: the line under the chart; by default it names the two bars.
    """
    order = [i for i in np.argsort(-shaped, kind="stable")[:bars] if shaped[i] > 0]
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
    excluded = np.flatnonzero(shaped <= 0)
    if excluded.size:
        own = f"; the model gave them {float(raw[excluded].sum()):.3f}" if raw is not None else ""
        rows.append('<div style="font-family:monospace;color:#555">'
                    f"{excluded.size} others ruled out: 0{own}</div>")
    caption = (f'<div style="overflow-wrap:anywhere"><b>{html.escape(title)}</b></div>'
               if title else "")
    if legend is None:
        legend = "blue: drawn from; grey: the model's own" if raw is not None else ""
    note = (f'<div style="font-size:smaller;color:#555">{html.escape(legend)}</div>'
            if legend else "")
    return caption + "".join(rows) + note


def _shorten(text: str, chars: int = 24) -> str:
    """``text`` on one line, cut to ``chars`` characters with an ellipsis."""
    flat = "".join(_VISIBLE.get(c, c) if c in "\n\t" else c for c in text)
    return flat if len(flat) <= chars else flat[: chars - 1] + "…"


def describe(request: Mapping[str, Any]) -> str:
    """The settings of a generation in words, as the status line says them."""
    strategy = request["strategy"]
    parts = [str(request["model"]), strategy]
    if strategy == "top-k":
        parts.append(f"k {request['top_k']}")
    if strategy == "top-p":
        parts.append(f"p {request['top_p']:.2f}")
    if strategy in ("ancestral", "top-k", "top-p"):
        parts.append(f"temperature {request['temperature']:.2f}")
    if strategy == "beam":
        parts.append(f"width {request['beam_width']}")
    parts.append(f"{request['length']} characters after “{_shorten(request['seed_text'])}”")
    if request.get("draw") is not None:
        parts.append(f"random seed {request['draw']}")
    return ", ".join(parts)


# The seed box grows with its text where the browser can (CSS field-sizing).
_STYLE = "<style>.rnnbook-seed textarea{field-sizing:content;min-height:2.6em}</style>"


class SamplingExplorer(widgets.VBox):
    """An ipywidgets panel: model, seed, strategy and settings in; generated text out.

    Once a text is on screen it follows the controls: a change of any setting it depends on
    generates it again, so the text shown is always the one the controls ask for, and the
    status line names the settings that made it.

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
    last generated text and ``shown`` the settings it was made with (:meth:`request`, and
    ``draw``, the seed of its random generator).

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
        self.shown: dict | None = None  # the settings the text on screen was made with
        # Every handler runs under this lock: the front end may call them on several threads.
        self._lock = threading.RLock()

        style = {"description_width": "6.5em"}  # one label width: the tracks line up
        slider = dict(style=style, layout=widgets.Layout(flex="1 1 300px", min_width="300px",
                                                         max_width="520px"))
        self.model = widgets.Dropdown(options=list(self._models), description="Model",
                                      style=style, layout=widgets.Layout(width="auto",
                                                                         max_width="520px"))
        self.strategy = widgets.ToggleButtons(
            options=list(sampling.STRATEGIES), value="ancestral", description="Strategy",
            tooltips=[STRATEGY_TIPS[name] for name in sampling.STRATEGIES],
            style={**style, "button_width": "auto"},
        )
        self.seed = widgets.Textarea(value=seed_text, description="Seed text",
                                     rows=self._rows(seed_text), continuous_update=False,
                                     style=style, layout=widgets.Layout(width="auto"))
        self.seed.add_class("rnnbook-seed")
        self.length = widgets.IntSlider(value=length, min=0, max=1000, step=10,
                                        description="Length", **slider)
        self.temperature = widgets.FloatSlider(value=1.0, min=0.0, max=2.0, step=0.05,
                                               description="Temperature", **slider)
        self.top_k = widgets.IntSlider(value=5, min=1, max=40, description="k", **slider)
        self.top_p = widgets.FloatSlider(value=0.9, min=0.05, max=1.0, step=0.05,
                                         description="p", **slider)
        self.beam_width = widgets.IntSlider(value=5, min=1, max=20, description="Beam width",
                                            **slider)
        self.button = widgets.Button(description="Generate", button_style="primary",
                                     icon="play", layout=widgets.Layout(flex="0 0 auto",
                                                                        min_width="9em"))
        self.status = widgets.HTML(layout=widgets.Layout(flex="1 1 20em", margin="0 0 0 8px"))
        self.output = widgets.HTML(layout=widgets.Layout(width="auto"))
        self.chart = widgets.HTML()
        for name, text in CONTROL_TIPS.items():
            tip(getattr(self, name), text)

        self.button.on_click(self._on_generate)
        for control in (self.model, self.seed, self.strategy, self.temperature, self.top_k,
                        self.top_p, self.beam_width, self.length):
            control.observe(self._on_change, names="value")

        wrap = widgets.Layout(flex_flow="row wrap", align_items="center")
        controls = widgets.VBox([
            self.model, self.seed, self.strategy,
            widgets.HBox([self.length, self.temperature], layout=wrap),
            widgets.HBox([self.top_k, self.top_p, self.beam_width], layout=wrap),
            widgets.HBox([self.button, self.status], layout=wrap),
            self.output,
        ], layout=widgets.Layout(flex="3 1 460px", min_width="0"))
        chart = widgets.VBox([self.chart], layout=widgets.Layout(flex="1 1 320px",
                                                                 min_width="320px"))
        # Side by side on a wide screen; the chart goes below the controls on a narrow one.
        super().__init__([widgets.HTML(_STYLE),
                          widgets.HBox([controls, chart], layout=widgets.Layout(
                              flex_flow="row wrap", align_items="flex-start"))])
        self._on_change()

    # ----------------------------------------------------------------------------- models

    def add_model(self, name: str, model: Any, vocab: Vocabulary, select: bool = True) -> None:
        """Offer another model (e.g. one trained in this session) and optionally pick it."""
        with self._lock:
            self._models[name] = (model, vocab)
            self.model.options = list(self._models)
            if select:
                self.model.value = name
            self._on_change()

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

    def request(self) -> dict:
        """Everything a generation depends on, as the controls show it now.

        Settings the strategy ignores (k under top-p, say) are left out: changing them does
        not change the text.
        """
        strategy = self.strategy.value
        found = {"model": self.model.value, "seed_text": self.seed.value,
                 "length": int(self.length.value), "strategy": strategy}
        if strategy == "beam":
            found["beam_width"] = int(self.beam_width.value)
        else:
            found.update(self.settings())
        return found

    @staticmethod
    def _rows(text: str) -> int:
        """Rows that show ``text`` whole in a box about 60 characters wide (2 to 8)."""
        lines = sum(1 + len(line) // 60 for line in text.split("\n"))
        return max(2, min(8, lines))

    def _sync_enabled(self) -> None:
        strategy = self.strategy.value
        self.temperature.disabled = strategy in ("greedy", "beam")
        self.top_k.disabled = strategy != "top-k"
        self.top_p.disabled = strategy != "top-p"
        self.beam_width.disabled = strategy != "beam"

    def _on_change(self, change: Any = None) -> None:
        """A control changed: redraw the chart; a text on screen follows the new settings.

        The new value may arrive after a click that generated with the old one (the front end
        sends it on another thread, or late): the text on screen would be stale, so it is
        generated again; a value the last generation already used changes nothing.
        """
        with self._lock:
            self.seed.rows = self._rows(self.seed.value)
            self._sync_enabled()
            try:
                _, vocab = self.current()
            except (OSError, ValueError) as exc:  # a text of another model would be stale
                self.text, self.shown, self.output.value = "", None, ""
                self.status.value = f'<span style="color:#b00">{html.escape(str(exc))}</span>'
                return
            self.top_k.max = len(vocab)  # may clamp k: handled by a nested call
            self.update_chart()
            if self.shown is None:
                self.status.value = ""  # an old error belongs to the old settings
            elif {k: v for k, v in self.shown.items() if k != "draw"} != self.request():
                self._generate()

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
            legend = ("bars: the model's probabilities; beam search adds up their logarithms "
                      "along each continuation and keeps the best")
            raw = None
        else:
            shaped = sampling.distribution(raw, **self.settings())
            title = (f"Next character ({self.strategy.value}), entropy "
                     f"{sampling.entropy(shaped):.2f} bits")
            legend = None
        self.chart.value = bar_chart_html(vocab.chars, shaped, raw, title=title, legend=legend)

    # ----------------------------------------------------------------------------- generate

    def generate(self) -> str:
        """Generate with the current settings; show it in ``output``; return the text.

        The settings are read once, under the explorer's lock; ``shown`` and the status line
        keep them.
        """
        with self._lock:
            return self._generate()

    def _generate(self) -> str:
        request = self.request()
        request["draw"] = None if request["strategy"] in ("greedy", "beam") else int(
            self.rng.integers(2**31))
        self.status.value = "generating…"
        try:
            model, vocab = self.current()
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always", sampling.SeedTextWarning)
                start = time.perf_counter()
                if request["strategy"] == "beam":
                    text, log_prob = sampling.beam_search(
                        model, vocab, request["seed_text"], request["length"],
                        request["beam_width"])
                    extra = f", log-probability {log_prob:.1f} nats"
                else:
                    text = sampling.generate(
                        model, vocab, request["seed_text"], request["length"],
                        rng=np.random.default_rng(request["draw"]), **self.settings())
                    extra = ""
                seconds = time.perf_counter() - start
        except (OSError, ValueError) as exc:
            self.text, self.shown, self.output.value = "", None, ""
            self.status.value = f'<span style="color:#b00">{html.escape(str(exc))}</span>'
            return ""
        self.text, self.shown = text, request
        seed_ids, _ = sampling.prepare_seed(vocab, request["seed_text"], warn=False)
        self.output.value = (
            '<pre style="white-space:pre-wrap;font-size:1.05em;margin:4px 0">'
            f'<span style="color:#777">{html.escape(vocab.decode(seed_ids))}</span>'
            f"<b>{html.escape(text)}</b></pre>"
        )
        notes = [html.escape(str(w.message)) for w in caught
                 if issubclass(w.category, sampling.SeedTextWarning)]
        self.status.value = " ".join(
            [f"{html.escape(describe(request), quote=False)}{extra} ({seconds:.2f} s).", *notes])
        return text

    def _on_generate(self, button: widgets.Button) -> None:
        self.generate()
