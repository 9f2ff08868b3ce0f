"""Tests of rnnbook.training.distribute: one step on two virtual CPU devices equals one step on
one."""

import ast
import importlib.util
import json
import os
import subprocess
import sys

import keras
import numpy as np
import pytest

from rnnbook.config import REPO_ROOT
from rnnbook.training import distribute
from tests.conftest import OLD_KERAS_ON_TF, run_script

BACKENDS = ("tensorflow", "jax")


def run_step_script(backend: str) -> list[dict]:
    """``tests/distribute_step.py`` in a fresh Python on ``backend``: its JSON lines."""
    done = run_script("distribute_step.py", backend)
    assert done.returncode == 0, done.stderr[-3000:]
    return [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]


def test_old_keras_on_tensorflow_refuses_several_devices_clearly():
    if importlib.util.find_spec("tensorflow") is None or not OLD_KERAS_ON_TF:
        pytest.skip(f"Keras {keras.__version__} with TensorFlow trains data-parallel")
    done = run_script("distribute_step.py", "tensorflow")
    assert done.returncode != 0
    assert "Argument `devices` must be 1 with Keras older than 3.8 on TensorFlow" in done.stderr


@pytest.mark.parametrize("backend", BACKENDS)
def test_two_devices_take_the_same_step_as_one(backend):
    if importlib.util.find_spec(backend) is None:
        pytest.skip(f"{backend} is not installed in this environment")
    if backend == "tensorflow" and OLD_KERAS_ON_TF:
        pytest.skip(f"Keras {keras.__version__} refuses (tested above)")
    results = run_step_script(backend)
    assert [r["optimizer"] for r in results] == ["sgd", "adam"]
    for r in results:
        assert r["backend"] == backend and r["devices"] == ["cpu:0", "cpu:1"]
        assert r["replicas"] == [1, 2]  # a copy of the weights on each device
        assert r["weight_change"] > 1e-3  # the step moved the weights...
        assert r["loss_diff"] < 1e-5 and r["weight_diff"] < 1e-5, r  # ...the same way


def test_the_global_batch_must_split_evenly():
    assert distribute.per_device_batch(8, 2) == 4
    with pytest.raises(ValueError, match=r"Argument `batch_size` must be a multiple of the "
                                         r"number of devices \(2\)\. Received: batch_size=7"):
        distribute.per_device_batch(7, 2)


def test_data_parallel_checks_batch_and_devices_before_it_starts(monkeypatch):
    backend = keras.backend.backend()
    if backend not in distribute.BACKENDS:  # one device there, whatever the batch (see below)
        pytest.skip(f"no data parallelism on {backend}")
    monkeypatch.setattr(distribute, "available_devices", lambda kind=None: ["cpu:0", "cpu:1"])
    with pytest.raises(ValueError, match=r"Argument `batch_size` .* Received: batch_size=7"):
        with distribute.data_parallel(batch_size=7):
            pass
    with pytest.raises(ValueError, match=r"Argument `devices` must be at most the 2 devices "
                                         r"available \(cpu:0, cpu:1\)\. Received: devices=3"):
        with distribute.data_parallel(3):
            pass
    for bad in (0, True, ["cpu:7"], ["cpu:0", "cpu:0"], []):
        with pytest.raises(ValueError, match=r"Argument `devices` .* Received: devices="):
            with distribute.data_parallel(bad):
                pass


def test_data_parallel_on_one_device_uses_the_backends_machinery():
    backend = keras.backend.backend()
    if backend not in distribute.BACKENDS:
        pytest.skip(f"no data parallelism on {backend}")
    before = keras.distribution.distribution() if backend == "jax" else None
    with distribute.data_parallel(1, batch_size=3) as used:
        assert used == tuple(distribute.available_devices()[:1])
        if backend == "jax":
            assert isinstance(keras.distribution.distribution(), keras.distribution.DataParallel)
        else:
            import tensorflow as tf  # the backend in use here

            assert tf.distribute.has_strategy()
    if backend == "jax":
        assert keras.distribution.distribution() is before  # restored on exit


def test_an_unsupported_backend_warns_and_trains_on_one_device(monkeypatch):
    monkeypatch.setattr(keras.backend, "backend", lambda: "torch")
    with pytest.warns(UserWarning, match="no data-parallel training on the torch backend"):
        with distribute.data_parallel(batch_size=7) as used:
            assert len(used) == 1
    with pytest.raises(ValueError, match=r"Argument `devices` must be None or 1 on the torch "
                                         r"backend\. Received: devices=2\. Keras trains"):
        with distribute.data_parallel(2):
            pass


@pytest.mark.skipif(importlib.util.find_spec("torch") is None, reason="torch is not installed")
def test_torch_itself_warns_and_trains_on_one_device():
    code = ("import warnings, keras\nfrom rnnbook.training import distribute\n"
            "with warnings.catch_warnings(record=True) as seen:\n"
            "    warnings.simplefilter('always')\n"
            "    with distribute.data_parallel() as used:\n"
            "        keras.layers.Dense(2)(keras.ops.ones((2, 3)))\n"
            "print(len(used), seen[0].message)\n")
    env = {**os.environ, "KERAS_BACKEND": "torch", "PYTHONPATH": str(REPO_ROOT / "code")}
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.startswith("1 Keras has no data-parallel training on the torch backend")


def test_virtual_devices_come_too_late_once_the_backend_runs():
    backend = keras.backend.backend()
    if backend not in distribute.BACKENDS:
        pytest.skip(f"no virtual devices on {backend}")
    count = len(distribute.available_devices("cpu"))  # starts the backend
    assert distribute.virtual_cpu_devices(count) == distribute.available_devices("cpu")
    with pytest.raises(RuntimeError, match="must run before"):
        distribute.virtual_cpu_devices(count + 1)


def test_the_several_gpus_recipe_runs_here_shrunk():
    tree = ast.parse(distribute.SEVERAL_GPUS)
    calls = {node.func.attr for node in ast.walk(tree)
             if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)}
    assert {"data_parallel", "build_char_model", "compile_char_model", "fit"} <= calls
    if keras.backend.backend() not in distribute.BACKENDS:
        pytest.skip(f"no data parallelism on {keras.backend.backend()}")
    small = (distribute.SEVERAL_GPUS.replace("units=512, embedding_dim=64, layers=2", "units=4")
             .replace("128 * len", "2 * len").replace("epochs=10", "epochs=1, verbose=0"))
    assert small.count("units=4") == small.count("epochs=1,") == 1
    ids = np.random.default_rng(0).integers(0, 5, (7, 6)).astype("int32")
    scope = {"vocab_size": 5, "x": ids[:, :-1], "y": ids[:, 1:]}
    exec(compile(small, "SEVERAL_GPUS", "exec"), scope)
    assert scope["model"].history.params["steps"] == 7 // scope["batch_size"]  # whole batches
