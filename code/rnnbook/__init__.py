"""Code shared by the chapters of the course *Recurrent neural networks, from vanishing
gradients to Shakespeare*.

Folders by the part of the course they serve, listed from the bottom up: each imports only the
ones listed before it (`models`, at the root, stands above cells and text, below generation):

- at the root, :mod:`rnnbook.validate` (the one message form), :mod:`rnnbook.config` (profiles,
  recipes, seeds, paths), :mod:`rnnbook.metrics` (units of the losses) and :mod:`rnnbook.models`
  (building, saving and scoring character models);
- :mod:`rnnbook.cells`: the registry of cell kinds, their NumPy twins, gradients, costs;
- :mod:`rnnbook.text`: corpora, vocabulary, windows, plays, streams, counting baselines;
- :mod:`rnnbook.generation`: the NumPy stepper, sampling, the sampling explorer;
- :mod:`rnnbook.training`: the recipe, callbacks, distribution, transfer, small data, tasks,
  comparisons and their summaries, the tutorial's program, the command line;
- :mod:`rnnbook.inside`: the look inside a trained model (anatomy, lookback, unit explorer,
  forget gates);
- :mod:`rnnbook.book`: the chapters' helpers (checks, display, diagrams, plots);
- :mod:`rnnbook.exercises`: the exercises' checkers.

The module map is in ``CONTRIBUTING.md``.
"""

from rnnbook import config  # noqa: F401 (first: it sets TensorFlow's log level before any Keras import)

__version__ = "0.1.0"
