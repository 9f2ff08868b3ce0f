"""One training step on one device, and the same step on two virtual CPU devices in parallel.

Run by ``tests/test_distribute.py`` in a fresh process, since the virtual devices must exist
before the backend starts: ``KERAS_BACKEND=jax python tests/distribute_step.py``. It prints
one JSON line per optimizer: both losses and the largest weight difference after the step.
"""

import json

import keras
import numpy as np

from rnnbook.models import build_char_model
from rnnbook.training import distribute
from rnnbook.training.fitting import compile_char_model

VOCAB, BATCH, TIME = 12, 8, 10


def one_step(weights: list[np.ndarray], x: np.ndarray, y: np.ndarray,
             optimizer: str) -> tuple[float, list[np.ndarray], int]:
    """One ``fit`` step over the global batch ``(x, y)``: its loss, the weights, the replicas."""
    model = build_char_model(VOCAB, units=16, embedding_dim=8)  # no dropout: a determined step
    model.set_weights(weights)
    if optimizer == "adam":  # the course's recipe: Adam with global gradient clipping
        compile_char_model(model, learning_rate=1e-2)
    else:
        model.compile(optimizer=keras.optimizers.SGD(0.5),
                      loss=keras.losses.SparseCategoricalCrossentropy())
    history = model.fit(x, y, batch_size=BATCH, epochs=1, shuffle=False, verbose=0)
    return float(history.history["loss"][0]), model.get_weights(), replicas(model)


def replicas(model: keras.Model) -> int:
    """On how many devices the model's weights live (a copy on each)."""
    if keras.backend.backend() == "jax":
        return len(model.weights[0].value.sharding.device_set)
    import tensorflow as tf  # the backend in use

    return tf.distribute.get_strategy().num_replicas_in_sync


def largest_difference(first: list[np.ndarray], second: list[np.ndarray]) -> float:
    """The largest absolute difference between two models' weights."""
    return max(float(np.max(np.abs(a - b))) for a, b in zip(first, second, strict=True))


def main() -> None:
    devices = distribute.virtual_cpu_devices(2)  # first: before the backend starts
    keras.utils.set_random_seed(0)
    weights = build_char_model(VOCAB, units=16, embedding_dim=8).get_weights()
    ids = np.random.default_rng(0).integers(0, VOCAB, (BATCH, TIME + 1)).astype("int32")
    x, y = ids[:, :-1], ids[:, 1:]  # (8, 10) each: a fixed global batch
    for optimizer in ("sgd", "adam"):
        loss_one, after_one, replicas_one = one_step(weights, x, y, optimizer)
        with distribute.data_parallel(2, batch_size=BATCH) as used:
            loss_two, after_two, replicas_two = one_step(weights, x, y, optimizer)
        print(json.dumps({
            "backend": keras.backend.backend(), "optimizer": optimizer, "devices": list(used),
            "cpu_devices": devices,
            "replicas": [replicas_one, replicas_two], "loss_one": loss_one, "loss_two": loss_two,
            "loss_diff": abs(loss_one - loss_two),
            "weight_diff": largest_difference(after_one, after_two),
            "weight_change": largest_difference(after_one, weights),
        }))


if __name__ == "__main__":
    main()
