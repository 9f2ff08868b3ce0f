"""Data-parallel training on several devices with Keras' own distribution machinery.

- :func:`data_parallel`: build, compile and fit a model inside it to train on several devices
  (``keras.distribution.DataParallel`` on JAX, ``tf.distribute.MirroredStrategy`` on
  TensorFlow). Each device holds a copy of the weights and takes an equal share of every batch;
  the gradients are averaged over the devices before each update, so a step equals one device's.
- :func:`available_devices`, :func:`virtual_cpu_devices` (CPU devices to test it on);
  :data:`SEVERAL_GPUS`, the lines to run on a machine with several GPUs.
"""

from __future__ import annotations

import contextlib
import functools
import warnings
from collections.abc import Iterator, Sequence

import keras

from rnnbook import config, validate

BACKENDS = ("jax", "tensorflow")  # those Keras can train data-parallel
TF_DATA_PARALLEL = (3, 8)  # the first Keras whose MirroredStrategy step equals one device's


def keras_version() -> tuple[int, int]:
    """Keras' (major, minor) version."""
    major, minor = keras.__version__.split(".")[:2]
    return int(major), int(minor)

# The few lines to run on a machine with several GPUs (the batch given to fit is the global one).
SEVERAL_GPUS = """\
# KERAS_BACKEND=jax (or tensorflow) python train.py, on a machine with several GPUs
from rnnbook import models

from rnnbook.training import distribute, fitting
with distribute.data_parallel() as devices:  # every GPU the backend sees
    batch_size = 128 * len(devices)  # the global batch: 128 windows for each GPU
    model = models.build_char_model(vocab_size, units=512, embedding_dim=64, layers=2)
    fitting.compile_char_model(model, learning_rate=3e-3)
    whole = len(x) // batch_size * batch_size  # JAX splits every batch, the last one too
    model.fit(x[:whole], y[:whole], batch_size=batch_size, epochs=10)  # (windows, time) ids
"""


def available_devices(kind: str | None = None) -> list[str]:
    """The devices the Keras backend can train on, as ``"gpu:0"``, ``"cpu:1"``, ...

    ``kind`` is ``"cpu"``, ``"gpu"`` or ``"tpu"``; ``None`` gives the accelerators if there are
    any, else the CPUs (as ``keras.distribution.list_devices`` does).
    """
    backend = keras.backend.backend()
    if backend not in BACKENDS:  # no distribution support: the one device Keras trains on
        gpus = [] if kind == "cpu" else [f"gpu:{i}" for i in range(len(config.gpu_devices()))]
        return gpus or (["cpu:0"] if kind in (None, "cpu") else [])
    try:
        return keras.distribution.list_devices(kind)
    except RuntimeError:  # JAX has no backend of that kind on this machine
        return []


def virtual_cpu_devices(n: int = 2) -> list[str]:
    """Split the CPU into ``n`` devices, to test data-parallel training on a one-CPU machine.

    Call it before the backend runs anything. On TensorFlow it sets ``n`` logical CPU devices
    (``tf.config.set_logical_device_configuration``); on JAX it sets ``jax_num_cpu_devices``, or
    start Python with ``XLA_FLAGS=--xla_force_host_platform_device_count=2`` (read as JAX starts).

    Raises:
        RuntimeError: the backend already runs with another number of CPU devices.
    """
    validate.positive_int("n", n)
    backend = keras.backend.backend()
    if backend not in BACKENDS:
        raise validate.error_for("KERAS_BACKEND", f"be one of {BACKENDS} for virtual devices",
                                 backend)
    try:
        if backend == "tensorflow":
            import tensorflow as tf  # optional backend, imported only when in use

            cpu = tf.config.list_physical_devices("CPU")[0]
            tf.config.set_logical_device_configuration(
                cpu, [tf.config.LogicalDeviceConfiguration()] * n)
        else:
            import jax  # optional backend, imported only when in use

            if hasattr(jax.config, "jax_num_cpu_devices"):  # older JAX: XLA_FLAGS only
                jax.config.update("jax_num_cpu_devices", n)
    except RuntimeError:  # the backend already runs: fine if it has the devices anyway
        pass
    found = available_devices("cpu")
    if len(found) != n:
        raise RuntimeError(
            f"virtual_cpu_devices({n}) must run before {backend} starts (it runs with "
            f"{len(found)} CPU devices): call it first in a fresh process, or on JAX set "
            f"XLA_FLAGS=--xla_force_host_platform_device_count={n} before Python starts.")
    return found


def per_device_batch(batch_size: int, replicas: int) -> int:
    """The windows each device takes from a global batch of ``batch_size`` over ``replicas``."""
    validate.positive_int("batch_size", batch_size)
    if batch_size % validate.positive_int("replicas", replicas):
        raise validate.error_for(
            "batch_size", f"be a multiple of the number of devices ({replicas})", batch_size,
            hint="The batch given to fit is the global batch, split evenly over the devices.")
    return batch_size // replicas


def _chosen(devices: int | Sequence[str] | None) -> list[str]:
    """The device names that ``devices`` (a count, names, or ``None`` for all) stands for."""
    found = available_devices()
    if devices is None:
        return found
    if isinstance(devices, str) or not isinstance(devices, Sequence):
        count = validate.positive_int("devices", devices)
        if count > len(found):
            raise validate.error_for(
                "devices", f"be at most the {len(found)} devices available ({', '.join(found)})",
                devices, hint="On a CPU, virtual_cpu_devices(n) makes n devices for a test.")
        return found[:count]
    names = [str(d).lower() for d in devices]
    known = {d for kind in {n.split(":")[0] for n in names} for d in available_devices(kind)}
    if not names or any(n not in known for n in names) or len(set(names)) < len(names):
        raise validate.error_for("devices", "be distinct names of available devices, such as "
                                 f"{', '.join(found)}", devices)
    return names


@functools.cache
def _mirrored(devices: tuple[str, ...]):
    """One ``MirroredStrategy`` per set of devices: a second one in the same process can clash
    with the first one's collective operations (TensorFlow 2.21: shapes mismatch in all-reduce)."""
    import tensorflow as tf  # optional backend, imported only when in use

    return tf.distribute.MirroredStrategy([f"/{name}" for name in devices])


@contextlib.contextmanager
def data_parallel(devices: int | Sequence[str] | None = None, *,
                  batch_size: int | None = None) -> Iterator[tuple[str, ...]]:
    """Build, compile and fit a model inside this context to train it on several devices.

    The batch given to ``fit`` is the *global* batch: each of the N devices takes 1/N of it
    (``batch_size``, if given, is checked to divide by N; on JAX every batch must, the last of
    an epoch and of an evaluation too). Build the model inside: the weights are placed on the
    devices when they are made. On JAX the distribution in force before is restored on exit.
    On a backend without data parallelism in Keras (PyTorch), it warns and trains on one
    device; asking such a backend for more devices is an error.

    Args:
        devices: how many of :func:`available_devices` to use (the first ones), their names
            (``["gpu:0", "gpu:1"]``), or ``None`` for all of them.
        batch_size: the global batch, checked against the number of devices.

    Yields:
        The names of the devices the model trains on.
    """
    backend = keras.backend.backend()
    if backend not in BACKENDS:
        if devices not in (None, 1):
            raise validate.error_for(
                "devices", f"be None or 1 on the {backend} backend", devices,
                hint="Keras trains data-parallel on JAX and TensorFlow only (KERAS_BACKEND).")
        warnings.warn(f"Keras has no data-parallel training on the {backend} backend: "
                      "the model trains on one device.", stacklevel=3)
        chosen = available_devices()[:1]
    else:
        chosen = _chosen(devices)
    if batch_size is not None:
        per_device_batch(batch_size, len(chosen))
    if backend == "tensorflow" and len(chosen) > 1 and keras_version() < TF_DATA_PARALLEL:
        raise validate.error_for(
            "devices", "be 1 with Keras older than 3.8 on TensorFlow", devices,
            hint=f"Keras {keras.__version__} under a MirroredStrategy does not update the "
                 "weights as one device would (3.6) or fails to build them (3.7); install "
                 "keras>=3.8 to train on several devices.")
    if backend == "jax":
        previous = keras.distribution.distribution()
        keras.distribution.set_distribution(keras.distribution.DataParallel(devices=chosen))
        try:
            yield tuple(chosen)
        finally:
            keras.distribution.set_distribution(previous)
    elif backend == "tensorflow":
        with _mirrored(tuple(chosen)).scope():
            yield tuple(chosen)
    else:
        yield tuple(chosen)
