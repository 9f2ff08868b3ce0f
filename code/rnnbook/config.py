"""Run profiles, seeds and paths: the one place a chapter's sizes come from.

Three profiles trade time for fidelity without editing a chapter:

- ``smoke``: every chapter in a minute or two, for the test suite;
- ``cpu``: meaningful results on a laptop in minutes;
- ``gpu``: the full recipes (the tutorial's 100 epochs and more).

``RNNBOOK_PROFILE`` picks one; otherwise ``gpu`` when the active Keras backend sees a GPU,
else ``cpu``. A chapter states its sizes once, for all three, with :meth:`Profile.pick`::

    EPOCHS = PROFILE.pick(smoke=1, cpu=10, gpu=100)
"""

from __future__ import annotations

import os
import platform
import random
import sys
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TypeVar

import numpy as np

PROFILES = ("smoke", "cpu", "gpu")
SEED = 1234  # every chapter seeds from here, so reruns print the same numbers

T = TypeVar("T")

# TensorFlow's C++ start-up chatter (CUDA probes on a CPU machine) would fill every chapter.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

# The repository root when the package runs from a checkout (code/rnnbook/config.py).
REPO_ROOT = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class Profile:
    """A named run profile.

    Attributes:
        name: one of ``"smoke"``, ``"cpu"``, ``"gpu"``.
        source: how it was chosen: ``"RNNBOOK_PROFILE"`` or ``"detected"``.
    """

    name: str
    source: str = "detected"

    def pick(self, *, smoke: T, cpu: T, gpu: T) -> T:
        """Return the value given for this profile."""
        return {"smoke": smoke, "cpu": cpu, "gpu": gpu}[self.name]

    def __str__(self) -> str:
        return f"{self.name} ({self.source})"


def keras_backend() -> str:
    """The Keras backend in use (``tensorflow``, ``jax`` or ``torch``), without importing Keras."""
    if "keras" in sys.modules:
        import keras

        return keras.backend.backend()
    return os.environ.get("KERAS_BACKEND", "tensorflow")


def gpu_devices() -> list[str]:
    """Names of the GPUs the active Keras backend can use (empty on a CPU-only machine)."""
    backend = keras_backend()
    try:
        if backend == "tensorflow":
            import tensorflow as tf

            return [d.name for d in tf.config.list_physical_devices("GPU")]
        if backend == "jax":
            import jax

            return [str(d) for d in jax.devices() if d.platform == "gpu"]
        if backend == "torch":
            import torch

            count = torch.cuda.device_count() if torch.cuda.is_available() else 0
            return [torch.cuda.get_device_name(i) for i in range(count)]
    except Exception:  # a backend that fails to start has no usable GPU
        return []
    return []


@lru_cache(maxsize=1)
def _detected_profile() -> str:
    return "gpu" if gpu_devices() else "cpu"


def active_profile() -> Profile:
    """The profile in force: ``RNNBOOK_PROFILE`` if set, else detected from the hardware.

    Raises:
        ValueError: if ``RNNBOOK_PROFILE`` names no known profile.
    """
    requested = os.environ.get("RNNBOOK_PROFILE", "").strip().lower()
    if requested:
        if requested not in PROFILES:
            choices = ", ".join(PROFILES)
            raise ValueError(f"RNNBOOK_PROFILE={requested!r}: choose one of {choices}")
        return Profile(requested, "RNNBOOK_PROFILE")
    return Profile(_detected_profile(), "detected")


def set_seed(seed: int = SEED) -> np.random.Generator:
    """Seed Python, NumPy and the Keras backend; return a NumPy Generator seeded the same way."""
    random.seed(seed)
    np.random.seed(seed)  # noqa: NPY002 (code that still uses the global generator)
    import keras

    keras.utils.set_random_seed(seed)
    return np.random.default_rng(seed)


def data_dir() -> Path:
    """Where corpora and trained models live.

    ``RNNBOOK_DATA_DIR`` if set; else ``data/`` of the repository checkout the package runs from;
    else ``~/.cache/rnnbook`` (a non-editable install has no checkout around it).
    """
    if os.environ.get("RNNBOOK_DATA_DIR"):
        return Path(os.environ["RNNBOOK_DATA_DIR"]).expanduser()
    if (REPO_ROOT / "pyproject.toml").is_file() and (REPO_ROOT / "code" / "rnnbook").is_dir():
        return REPO_ROOT / "data"
    return Path.home() / ".cache" / "rnnbook"


def describe() -> str:
    """One line for the top of every chapter: profile, Keras backend and versions, device."""
    import keras

    gpus = gpu_devices()
    device = f"GPU: {', '.join(gpus)}" if gpus else f"CPU ({os.cpu_count()} cores)"
    return (
        f"profile: {active_profile()} | Keras {keras.__version__} on {keras.backend.backend()} "
        f"| Python {platform.python_version()} | {device}"
    )
