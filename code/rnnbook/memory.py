"""Looking inside a recurrent layer trained on the adding problem: what it kept, and how.

:func:`rnnbook.tasks.train_adding` reports a trained model's error and lets the model go.
:func:`train_adding_model` runs the same experiment (same data, model, optimizer and budget; a
test checks that both give the same error) and keeps the model, so that a chapter can take its
recurrent layer's weights back into the NumPy cells of :mod:`rnnbook.numpy_rnn` and measure what
training did to them: how much gradient now reaches the early steps
(:func:`rnnbook.gradients.gradient_norms`), and how open an LSTM's forget gates are
(:func:`forget_gates`).

It adds one option to the experiment, ``unit_forget_bias``, to measure the effect of starting
the LSTM's forget-gate bias at 1 (Keras's default; Gers et al. 2000, Jozefowicz et al. 2015)
rather than at 0.
"""

from __future__ import annotations

import time

import numpy as np

from rnnbook import tasks


def train_adding_model(
    kind: str,
    seq_len: int,
    budget: tasks.AddingBudget,
    seed: int | None = None,
    unit_forget_bias: bool = True,
):
    """:func:`rnnbook.tasks.train_adding`, returning the trained Keras model as well.

    Args:
        kind: ``"rnn"``, ``"lstm"`` or ``"gru"``.
        seq_len: the sequence length.
        budget: sizes, from :func:`rnnbook.tasks.adding_budget`.
        seed: overrides ``budget.seed`` (data and weights).
        unit_forget_bias: for ``"lstm"`` only: start the forget-gate bias at 1 (True, Keras's
            default) or at 0 (False).

    Returns:
        ``(result, model)``: a :class:`rnnbook.tasks.AddingResult` and the trained
        ``keras.Sequential`` (its layer 0 is the recurrent layer).
    """
    import keras

    if kind not in tasks.KINDS:
        raise ValueError(f"kind must be one of {tasks.KINDS}, got {kind!r}")
    if not unit_forget_bias and kind != "lstm":
        raise ValueError(f"unit_forget_bias=False applies to the lstm only, not {kind!r}")
    seed = budget.seed if seed is None else seed
    keras.utils.set_random_seed(seed)
    rng = np.random.default_rng(seed)
    x, y = tasks.adding_problem(budget.train_size, seq_len, rng)
    x_test, y_test = tasks.adding_problem(budget.test_size, seq_len, rng)
    model = tasks.build_adding_model(kind, seq_len, budget.units)
    if not unit_forget_bias:
        layer = model.layers[0]
        kernel, recurrent, bias = layer.get_weights()
        units = recurrent.shape[0]
        bias[units:2 * units] = 0.0  # the forget block (Keras order: i, f, c, o)
        layer.set_weights([kernel, recurrent, bias])
    model.compile(
        optimizer=keras.optimizers.Adam(budget.learning_rate, global_clipnorm=budget.clipnorm),
        loss="mse",
    )
    start = time.perf_counter()
    fit = model.fit(x, y, batch_size=budget.batch_size, epochs=budget.epochs,
                    validation_data=(x_test, y_test), verbose=0)
    seconds = time.perf_counter() - start
    history = [float(v) for v in fit.history["val_loss"]]
    result = tasks.AddingResult(kind, seq_len, history[-1], history, seconds, budget.steps)
    return result, model


def recurrent_weights(model) -> list[np.ndarray]:
    """The recurrent layer's ``get_weights()`` (what the NumPy cells take), in float64."""
    return [np.asarray(w, np.float64) for w in model.layers[0].get_weights()]


def forget_gates(x: np.ndarray, weights) -> np.ndarray:
    """The forget gate f_t of an LSTM at every step, (batch, time, units).

    Args:
        x: inputs, (batch, time, features).
        weights: ``[kernel, recurrent_kernel, bias]`` of ``keras.layers.LSTM``.
    """
    from rnnbook.numpy_rnn.lstm import lstm_gates

    x = np.asarray(x, np.float64)
    if x.ndim != 3:
        raise ValueError(f"x: expected (batch, time, features), got shape {x.shape}")
    units = np.asarray(weights[1]).shape[0]
    h = c = np.zeros((x.shape[0], units))
    gates = []
    for t in range(x.shape[1]):
        step = lstm_gates(x[:, t], h, c, weights)
        h, c = step["h"], step["c"]
        gates.append(step["f"])
    return np.stack(gates, axis=1)
