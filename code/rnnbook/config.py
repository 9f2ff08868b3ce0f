"""Run profiles, seeds and paths: the one place a chapter's sizes come from.

Three profiles trade time for fidelity without editing a chapter:

- ``smoke``: every chapter in a minute or two, for the test suite;
- ``cpu``: meaningful results on a laptop in minutes;
- ``gpu``: the full recipes (the tutorial's 100 epochs and more).

``RNNBOOK_PROFILE`` picks one; otherwise ``gpu`` when the active Keras backend sees a GPU,
else ``cpu``. A chapter states its sizes once, for all three, with :meth:`Profile.pick`::

    EPOCHS = PROFILE.pick(smoke=1, cpu=10, gpu=100)
The course's training recipe is one frozen :class:`Recipe` per profile, :attr:`Profile.recipe`
(also :func:`recipe_for` a profile's name), and :func:`hardware` describes the machine.

TensorFlow's log level is set here, the one place: ``import rnnbook`` imports this module
first, before any module of the package imports Keras.
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

from rnnbook import validate

PROFILES = ("smoke", "cpu", "gpu")
SEED = 1234  # every chapter seeds from here, so reruns print the same numbers

T = TypeVar("T")

# TensorFlow's C++ start-up chatter (CUDA probes on a CPU machine) would fill every chapter.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

# The repository root when the package runs from a checkout (code/rnnbook/config.py).
REPO_ROOT = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class Recipe:
    """The course's training recipe for one profile (frozen: one object per profile).

    On a CPU the cost of a step grows with its sequential length, so shorter windows (more,
    cheaper gradient steps) reach a given loss sooner; on a GPU a step costs about the same
    whatever the batch, so longer windows and bigger batches do.

    Attributes:
        seq_len: characters per window (the steps back-propagated through).
        batch_size: windows per gradient step.
        learning_rate: Adam's step size at the start.
        dropout: dropout after each recurrent layer.
        clipnorm: the largest global gradient norm.
        epochs: the command line's default number of epochs.
    """

    seq_len: int
    batch_size: int
    learning_rate: float = 1e-2
    dropout: float = 0.3
    clipnorm: float = 1.0
    epochs: int = 20


CPU_RECIPE = Recipe(seq_len=50, batch_size=32)
GPU_RECIPE = Recipe(seq_len=100, batch_size=64)


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

    @property
    def recipe(self) -> Recipe:
        """The course's training recipe for this profile (``smoke`` trains as ``cpu`` does)."""
        return self.pick(smoke=CPU_RECIPE, cpu=CPU_RECIPE, gpu=GPU_RECIPE)

    def __str__(self) -> str:
        return f"{self.name} ({self.source})"


def recipe_for(profile: Profile | str) -> Recipe:
    """The recipe of a profile, given as a :class:`Profile` or its name."""
    if isinstance(profile, str):
        profile = Profile(validate.one_of("profile", profile, PROFILES))
    return profile.recipe


def keras_backend() -> str:
    """The Keras backend in use (``tensorflow``, ``jax`` or ``torch``), without importing Keras."""
    if "keras" in sys.modules:
        keras = sys.modules["keras"]  # already imported by someone: ask it
        return keras.backend.backend()
    return os.environ.get("KERAS_BACKEND", "tensorflow")


def gpu_devices() -> list[str]:
    """Names of the GPUs the active Keras backend can use (empty on a CPU-only machine)."""
    backend = keras_backend()
    # Each backend is optional and imported only when it is the one in use.
    try:
        if backend == "tensorflow":
            import tensorflow as tf  # optional backend, imported only when in use

            return [d.name for d in tf.config.list_physical_devices("GPU")]
        if backend == "jax":
            import jax  # optional backend, imported only when in use

            return [str(d) for d in jax.devices() if d.platform == "gpu"]
        if backend == "torch":
            import torch  # optional backend, imported only when in use

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
            validate.one_of("RNNBOOK_PROFILE", requested, PROFILES)
        return Profile(requested, "RNNBOOK_PROFILE")
    return Profile(_detected_profile(), "detected")


def set_seed(seed: int = SEED) -> np.random.Generator:
    """Seed Python, NumPy and the Keras backend; return a NumPy Generator seeded the same way."""
    random.seed(seed)
    np.random.seed(seed)  # noqa: NPY002 (code that still uses the global generator)
    import keras  # here, not at the top: this module stays light (no Keras to read a profile)

    keras.utils.set_random_seed(seed)
    # Unseeded keras.random calls draw from a global SeedGenerator. Keras 3.13 and later reset
    # it in set_random_seed; older versions keep the one already made, so a second set_seed
    # would not repeat their draws. Dropping it makes Keras build a new one on the next call,
    # seeded from Python's generator, seeded above: the same draws on every supported Keras.
    try:  # Keras keeps the generator in its global state (no public setter before 3.13)
        from keras.src.backend.common import global_state
    except ImportError:  # a Keras without that module: set_random_seed is all there is
        return np.random.default_rng(seed)
    global_state.set_global_attribute("global_seed_generator", None)
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


def checkpoint_dir(name: str, default: str | os.PathLike | None = None) -> Path | None:
    """Where the checkpoint of the run ``name`` goes: the user's choice first.

    ``$CHECKPOINT_DIR/<name>`` when the environment variable ``CHECKPOINT_DIR`` is set (in
    Colab, a folder on Google Drive survives a dropped session), else ``default`` (which may be
    ``None``: no checkpoint). A chapter never overwrites the variable, it only reads it.
    """
    chosen = os.environ.get("CHECKPOINT_DIR", "").strip()
    if chosen:
        return Path(chosen).expanduser() / name
    return None if default is None else Path(default)


def describe() -> str:
    """One line for the top of every chapter: profile, Keras backend and versions, device."""
    import keras  # here, not at the top: this module stays light (no Keras to read a profile)

    gpus = gpu_devices()
    device = f"GPU: {', '.join(gpus)}" if gpus else f"CPU ({os.cpu_count()} cores)"
    return (
        f"profile: {active_profile()} | Keras {keras.__version__} on {keras.backend.backend()} "
        f"| Python {platform.python_version()} | {device}"
    )


def hardware() -> str:
    """A short description of the machine: processor, cores and GPUs the backend sees."""
    gpus = gpu_devices()
    cpu = platform.processor() or platform.machine()
    where = f"{cpu}, {os.cpu_count()} cores"
    return f"{where}; GPU: {', '.join(gpus)}" if gpus else where
