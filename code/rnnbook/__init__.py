"""Code shared by the chapters of the course *Recurrent neural networks, from vanishing
gradients to Shakespeare*.

One concept per module: :mod:`rnnbook.config` (profiles, recipes, seeds, paths),
:mod:`rnnbook.data` (corpora, vocabulary, windows), :mod:`rnnbook.cells` (the registry of cell
kinds), and the modules for the cells' equations, gradients, tasks, models, the training recipe
(:mod:`rnnbook.windows`, :mod:`rnnbook.callbacks`, :mod:`rnnbook.fitting`), sampling and
widgets. The module map is in ``CONTRIBUTING.md``.
"""

from rnnbook import config  # noqa: F401 (first: it sets TensorFlow's log level before any Keras import)

__version__ = "0.1.0"
