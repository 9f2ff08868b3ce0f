"""The look inside a trained model: every step recorded and the units that track text features
(``anatomy``), how far back it looks (``lookback``), the ipywidgets unit explorer, and what a
recurrent layer trained on the adding problem kept (``forget_gates``)."""
