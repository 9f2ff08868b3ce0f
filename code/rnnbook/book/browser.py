"""The book's in-page tools, as HTML a chapter displays: they run in the reader's browser.

On the built book's pages (static HTML, from a web host or opened from disk, network off) the
output of :func:`explorer_html` becomes the sampling explorer and :func:`colouring_html` the
live colouring of a unit, both computed by ``book_static/rnnbook.js`` (the JavaScript mirror
of :class:`rnnbook.generation.stepper.CharStepper`) from the models
``python -m rnnbook.generation.web_export`` wrote beside the pages. In a notebook (Jupyter,
Colab), where the book's static files are not there, and in a browser with JavaScript off, the
output is one line saying where the tool runs.
"""

from __future__ import annotations

import html

from rnnbook import validate

STATIC = "../_static/"  # the chapters' pages sit one folder below the book's _static/
SCRIPTS = ("rnnbook.js", "rnnbook-models/index.js", "rnnbook-ui.js")


def _scripts() -> str:
    return "".join(f'<script src="{STATIC}{name}"></script>' for name in SCRIPTS)


def _box(kind: str, fallback: str, **data: object) -> str:
    attrs = "".join(f' data-{key}="{html.escape(str(value), quote=True)}"'
                    for key, value in data.items() if value is not None)
    return (f'<div class="rnnbook-live" data-rnnbook="{kind}"{attrs} '
            'style="border:1px solid #ddd;padding:8px;font-family:sans-serif">'
            f'<em style="color:#555">{html.escape(fallback)}</em></div>{_scripts()}')


def explorer_html(seed_text: str = "shall i compare thee to a summer's day?\n",
                  model: str | None = None, length: int = 200) -> str:
    """The in-page sampling explorer: model menu, seed, strategy, Generate, chart.

    Args:
        seed_text: the seed shown first.
        model: the model picked first (default: the first exported one).
        length: characters to generate, first.
    """
    validate.integer("length", length, 0)
    return _box("explorer", "The explorer that runs in your browser is on the course's web "
                "pages (it needs JavaScript); here, use the explorer above.",
                seed=seed_text, model=model, length=length)


def colouring_html(text: str, model: str | None = None, array: str = "h", unit: int = 0,
                   layer: int = 0) -> str:
    """The in-page colouring: ``text`` coloured by one unit, recomputed as the reader types.

    Args:
        text: the text shown first.
        model: the model picked first; array, unit, layer: the unit coloured first.
    """
    validate.integer("unit", unit, 0)
    validate.integer("layer", layer, 0)
    return _box("colouring", "The live colouring runs on the course's web pages (it needs "
                "JavaScript); here, the unit explorer above does the same.",
                text=text, model=model, array=array, unit=unit, layer=layer)
