"""Fixtures shared by several test modules."""

import importlib.util
import os
import subprocess
import sys
from types import ModuleType

import keras
import pytest

from rnnbook import cells
from rnnbook.config import REPO_ROOT
from rnnbook.models import build_char_model
from rnnbook.text.vocabulary import Vocabulary
from rnnbook.text.windows import CharData, prepare_char_data
from rnnbook.training import distribute
from rnnbook.training.fitting import compile_char_model

# Two lines of sonnet 18: enough characters for a small vocabulary and short seeds.
SONNET_LINES = "shall i compare thee to a summer's day?\nthou art more lovely and more temperate:\n"


@pytest.fixture(scope="session")
def vocab() -> Vocabulary:
    """The vocabulary of :data:`SONNET_LINES`."""
    return Vocabulary.from_text(SONNET_LINES)


INSIDE_TEXT = SONNET_LINES * 3  # the text the tests of rnnbook.inside read


@pytest.fixture(scope="module", params=cells.KINDS)
def model(request, vocab):
    """An untrained 8-unit character model of each kind (the tests of rnnbook.inside)."""
    keras.utils.set_random_seed(1)
    return build_char_model(len(vocab), kind=request.param, units=8)


@pytest.fixture(scope="module")
def ids(vocab):
    """:data:`INSIDE_TEXT` as ids of :func:`vocab`."""
    return vocab.encode(INSIDE_TEXT)


@pytest.fixture(autouse=True)
def _no_user_checkpoint_dir(monkeypatch):
    """A reader's CHECKPOINT_DIR (a Drive folder) must not leak into the tests' runs."""
    monkeypatch.delenv("CHECKPOINT_DIR", raising=False)


# The first quatrain of sonnet 1, repeated: a text a tiny model learns something of in a few steps.
QUATRAIN = ("From fairest creatures we desire increase,\n"
            "That thereby beauty's rose might never die,\n"
            "But as the riper should by time decease,\n"
            "His tender heir might bear his memory:\n") * 8


def tiny_char_model(seq_len: int = 20) -> tuple[CharData, keras.Model]:
    """The recipe's data from :data:`QUATRAIN` and a compiled 8-unit model, seeded."""
    keras.utils.set_random_seed(0)
    data = prepare_char_data(QUATRAIN, seq_len=seq_len, context=5)
    model = build_char_model(len(data.vocab), units=8)
    return data, compile_char_model(model, learning_rate=1e-2)


def load_script(path: str) -> ModuleType:
    """A script of the repository that is not a module (``"benchmarks/compare_cells.py"``)."""
    spec = importlib.util.spec_from_file_location(path.rsplit("/", 1)[-1][:-3], REPO_ROOT / path)
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    return script


def stub(*args):
    """A learner's untouched exercise: the stub raises NotImplementedError."""
    raise NotImplementedError


# Keras before 3.8 cannot train data-parallel on TensorFlow: data_parallel refuses, clearly.
OLD_KERAS_ON_TF = distribute.keras_version() < distribute.TF_DATA_PARALLEL


def run_script(name: str, backend: str) -> subprocess.CompletedProcess:
    """``tests/<name>`` in a fresh Python on ``backend``, with two virtual CPU devices."""
    path = [str(REPO_ROOT / "code"), str(REPO_ROOT),
            *filter(None, [os.environ.get("PYTHONPATH")])]
    env = {**os.environ, "KERAS_BACKEND": backend, "PYTHONPATH": os.pathsep.join(path),
           "XLA_FLAGS": "--xla_force_host_platform_device_count=2"}  # JAX's way, read at start
    return subprocess.run([sys.executable, str(REPO_ROOT / "tests" / name)],
                          env=env, capture_output=True, text=True, timeout=300)
