"""The gradient of a character model's loss with respect to its one-hot inputs, any backend.

Keras 3 computes gradients inside ``fit`` but has no backend-neutral call for the gradient of a
loss with respect to an input, so :func:`input_gradients` asks the backend itself:
``tf.GradientTape``, ``jax.grad`` or ``torch.autograd``, the one of the loaded backend.
"""

from __future__ import annotations

import keras
import numpy as np
from keras import ops

from rnnbook import validate


def _gradient(loss, x: np.ndarray) -> np.ndarray:
    """d loss(x) / d x for a scalar ``loss`` of a float32 array, with the loaded backend."""
    backend = keras.backend.backend()
    if backend == "tensorflow":
        import tensorflow as tf

        tensor = tf.convert_to_tensor(x)
        with tf.GradientTape() as tape:
            tape.watch(tensor)
            value = loss(tensor)
        return tape.gradient(value, tensor).numpy()
    if backend == "jax":
        import jax

        return np.asarray(jax.grad(loss)(x))
    if backend == "torch":
        import torch

        tensor = torch.tensor(x, requires_grad=True)
        loss(tensor).backward()
        return tensor.grad.detach().cpu().numpy()
    raise validate.error_for("backend", "be tensorflow, jax or torch", backend)


def input_gradients(model: keras.Model, windows: np.ndarray, targets: np.ndarray,
                    batch: int = 64) -> np.ndarray:
    """d(-log p(target) after the last character of each window) / d(each one-hot input).

    windows (n, length) ids, targets (n,) ids; returns (n, length, vocab), differentiated
    ``batch`` windows at a time (the memory of the backward pass). The model's first layer
    after its input is a one-hot or an ``Embedding`` (both of the course's builders).
    """
    windows, targets = np.asarray(windows), np.asarray(targets)
    first = model.layers[1]
    if not isinstance(first, keras.layers.Embedding) and first.name != "one_hot":
        raise validate.error_for("model", "start with an embedding or a one-hot layer",
                                 received=f"{type(first).__name__} {first.name!r}")
    tail = keras.Model(first.output, model.output)  # from the input vectors to probabilities

    def chunk(ids: np.ndarray, wanted: np.ndarray) -> np.ndarray:
        x = keras.ops.convert_to_numpy(first(ids)).astype(np.float32)  # (b, length, width)

        def loss(vectors):
            probs = tail(vectors, training=False)[:, -1]  # (b, vocab)
            picked = ops.take_along_axis(probs, ops.convert_to_tensor(wanted[:, None]), axis=1)
            return -ops.sum(ops.log(picked))  # each row's loss depends on its own window only

        return _gradient(loss, x)  # (b, length, width)

    grads = np.concatenate([chunk(windows[i:i + batch], targets[i:i + batch])
                            for i in range(0, len(windows), batch)])  # (n, length, width)
    if isinstance(first, keras.layers.Embedding):
        table = keras.ops.convert_to_numpy(first.embeddings)  # (vocab, width)
        grads = grads @ table.T  # (n, length, vocab): through x = one-hot @ table
    return grads
