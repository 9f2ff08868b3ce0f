"""A stand-in for Colab's ``google.colab``: the parts the course and its libraries touch.

Colab imports the package at start-up, with its submodules: ``google.colab.drive`` mounts the
reader's Google Drive (the checkpoints of the Shakespeare chapter), ``google.colab.output``
enables the widget manager ipywidgets 8 needs (:mod:`rnnbook.generation.sampling_explorer`),
and JAX imports it when it finds ``google.colab`` loaded. There is no ``google/__init__.py``:
``google`` stays a namespace package, as ``google.protobuf`` needs.
``tests/test_colab_stand_in.py`` checks that every name the course imports from
``google.colab`` is here.
"""

from google.colab import drive, output

__all__ = ["drive", "output"]
