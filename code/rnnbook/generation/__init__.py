"""Generation: a character model replayed in NumPy (``stepper``), the sampling rules and
``generate`` (``sampling``), and the ipywidgets sampling explorer (``sampling_explorer``)."""
