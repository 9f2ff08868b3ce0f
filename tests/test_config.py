"""Profiles, seeds and paths."""

import dataclasses
import os

import numpy as np
import pytest

from rnnbook import config
from rnnbook.config import Profile


def test_profile_from_environment(monkeypatch):
    monkeypatch.setenv("RNNBOOK_PROFILE", "GPU ")
    profile = config.active_profile()
    assert profile.name == "gpu" and profile.source == "RNNBOOK_PROFILE"
    assert profile.pick(smoke=1, cpu=2, gpu=3) == 3


def test_unknown_profile_is_rejected(monkeypatch):
    monkeypatch.setenv("RNNBOOK_PROFILE", "fast")
    with pytest.raises(ValueError, match="Argument `RNNBOOK_PROFILE` must be one of 'smoke', "
                       "'cpu', 'gpu'. Received: RNNBOOK_PROFILE='fast'"):
        config.active_profile()


def test_detected_profile_without_a_gpu(monkeypatch):
    monkeypatch.delenv("RNNBOOK_PROFILE", raising=False)
    monkeypatch.setattr(config, "gpu_devices", lambda: [])
    config._detected_profile.cache_clear()
    assert config.active_profile() == config.Profile("cpu", "detected")
    config._detected_profile.cache_clear()


def test_seeds_make_reruns_identical():
    import keras

    first = config.set_seed(7).random(3), keras.random.uniform((3,)), np.random.rand()  # noqa: NPY002
    second = config.set_seed(7).random(3), keras.random.uniform((3,)), np.random.rand()  # noqa: NPY002
    np.testing.assert_array_equal(first[0], second[0])
    np.testing.assert_array_equal(np.asarray(first[1]), np.asarray(second[1]))
    assert first[2] == second[2]


def test_data_dir(monkeypatch, tmp_path):
    monkeypatch.setenv("RNNBOOK_DATA_DIR", str(tmp_path))
    assert config.data_dir() == tmp_path
    monkeypatch.delenv("RNNBOOK_DATA_DIR")
    assert config.data_dir() == config.REPO_ROOT / "data"


def test_checkpoint_dir_is_the_user_s_choice_first(monkeypatch, tmp_path):
    monkeypatch.delenv("CHECKPOINT_DIR", raising=False)
    assert config.checkpoint_dir("run") is None
    assert config.checkpoint_dir("run", default=tmp_path / "x") == tmp_path / "x"
    monkeypatch.setenv("CHECKPOINT_DIR", str(tmp_path / "drive"))
    assert config.checkpoint_dir("run", default=tmp_path / "x") == tmp_path / "drive" / "run"
    assert os.environ["CHECKPOINT_DIR"] == str(tmp_path / "drive")  # read, never rewritten


def test_describe_names_profile_and_backend(monkeypatch):
    monkeypatch.setenv("RNNBOOK_PROFILE", "smoke")  # whatever the profile of the run
    line = config.describe()
    assert "profile: smoke" in line and "Keras 3." in line


def test_recipe_per_profile():
    assert config.recipe_for("cpu").seq_len == 50
    assert config.recipe_for("smoke") == config.recipe_for("cpu")
    assert config.recipe_for("gpu").batch_size >= config.recipe_for("cpu").batch_size
    assert Profile("gpu").recipe is config.recipe_for("gpu")  # one object per profile
    recipe = config.recipe_for("cpu")
    with pytest.raises(dataclasses.FrozenInstanceError):
        recipe.seq_len = 1  # frozen: nobody can change the table
    assert config.recipe_for("cpu").seq_len == 50
    with pytest.raises(ValueError, match="Argument `profile` .* Received: profile='tpu'"):
        config.recipe_for("tpu")


def test_hardware_names_cores():
    assert f"{os.cpu_count()} cores" in config.hardware()
