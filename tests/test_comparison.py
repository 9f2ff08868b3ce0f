"""The cell comparison: parameter matching, plans per profile, the runs and their file."""


import numpy as np
import pytest

from rnnbook.config import Profile
from rnnbook.training import comparison
from rnnbook.training.comparison import (
    ModelSpec,
    Plan,
    char_model_params,
    comparison_specs,
    load_results,
    matched_units,
    save_results,
)
from rnnbook.training.summaries import RunResult
from tests.conftest import load_script


def run(label="GRU 8", seed=1, seconds=(5.0, 1.0, 2.0, 3.0), val_loss=(3.0, 2.0, 1.5, 1.6),
        kind="gru", units=8, speed=100.0):
    return RunResult(label=label, kind=kind, units=units, seed=seed, params=10,
                     seconds=list(seconds), val_loss=list(val_loss), chars_per_second=speed)


@pytest.mark.parametrize("kind", comparison.KINDS)
@pytest.mark.parametrize("embedding_dim", [None, 7])
def test_char_model_params_is_keras_count(kind, embedding_dim):
    from rnnbook.models import build_char_model

    for units in (1, 5, 33):
        model = build_char_model(39, kind=kind, units=units, embedding_dim=embedding_dim)
        assert char_model_params(kind, units, 39, embedding_dim) == model.count_params()


def test_matched_units_is_the_closest_width():
    target = char_model_params("lstm", 128, 39)
    for kind in ("gru", "rnn"):
        units = matched_units(kind, target, 39)
        gap = abs(char_model_params(kind, units, 39) - target)
        for other in (units - 1, units + 1):
            assert gap <= abs(char_model_params(kind, other, 39) - target)
    # a cell matched to its own count is itself; the wider cells need fewer units
    assert matched_units("lstm", target, 39) == 128
    assert 128 < matched_units("gru", target, 39) < matched_units("rnn", target, 39)
    with pytest.raises(ValueError, match="params"):
        matched_units("gru", 0, 39)


def test_comparison_specs_hold_same_width_and_matched_models():
    specs = comparison_specs(39)
    assert [s.kind for s in specs] == ["rnn", "gru", "lstm", "gru", "rnn"]
    assert [s.units for s in specs[:3]] == [128, 128, 128]
    lstm = char_model_params("lstm", 128, 39)
    for spec in specs[3:]:
        assert spec.label == f"{spec.kind.upper()} {spec.units}"
        assert abs(char_model_params(spec.kind, spec.units, 39) - lstm) / lstm < 0.01
    with pytest.raises(ValueError, match="kind"):
        ModelSpec("x", "transformer", 3)
    with pytest.raises(ValueError, match="units"):
        ModelSpec("x", "gru", 0)


def test_plans_from_profiles():
    plans = {name: comparison.plan_for(Profile(name)) for name in ("smoke", "cpu", "gpu")}
    assert len(plans["smoke"].seeds) == 1
    assert len(plans["cpu"].seeds) >= 3 and len(plans["gpu"].seeds) >= 3
    assert plans["smoke"].epochs < plans["cpu"].epochs < plans["gpu"].epochs
    for name, plan in plans.items():  # the course's recipe for the profile
        recipe = Profile(name).recipe
        assert (plan.seq_len, plan.batch_size, plan.learning_rate, plan.dropout) == (
            recipe.seq_len, recipe.batch_size, recipe.learning_rate, recipe.dropout)


def test_results_file_round_trip(tmp_path):
    runs = [run("GRU 8", 1), run("GRU 8", 2, val_loss=(3.0, 2.0, 1.9, 1.8))]
    plan = Plan(seeds=(1, 2), epochs=4)
    env = {"hardware": "x86_64, 2 cores", "backend": "tensorflow", "profile": "cpu"}
    path = save_results(tmp_path / "r" / comparison.results_name(env), runs, plan, env)
    assert path.name == "compare_cells-cpu-tensorflow-cpu.json"
    loaded, plan2, env2 = load_results(path)
    assert loaded == runs and plan2 == plan and env2 == env
    bad = tmp_path / "bad.json"
    bad.write_text("{}")
    with pytest.raises(ValueError, match="not a comparison"):
        load_results(bad)
    bad.write_text("{")
    with pytest.raises(ValueError, match="not valid JSON"):
        load_results(bad)


def test_run_result_needs_one_loss_per_epoch():
    with pytest.raises(ValueError, match="one value per epoch"):
        run(seconds=(1.0, 2.0), val_loss=(1.0,))


def test_run_comparison_trains_every_model_and_seed(tmp_path, monkeypatch):
    text = 10 * "shall i compare thee to a summer's day?\nthou art more lovely and temperate:\n"
    plan = Plan(seeds=(1, 2), epochs=2, batch_size=4, seq_len=50, sample_length=5, speed_length=5)
    specs = [ModelSpec("RNN 4", "rnn", 4), ModelSpec("GRU 3", "gru", 3)]
    lines = []
    monkeypatch.setenv("CHECKPOINT_DIR", str(tmp_path))  # a reader's folder, e.g. on Drive
    runs = comparison.run_comparison(specs, text, plan, seed_text="thou ", progress=lines.append)
    assert [(r.seed, r.label) for r in runs] == [(1, "RNN 4"), (1, "GRU 3"), (2, "RNN 4"),
                                                 (2, "GRU 3")]
    assert len(lines) == 5 and "the time left is estimated after the first run" in lines[0]
    assert "run 1 of 4, about " in lines[1] and lines[4].endswith("run 4 of 4, done")
    assert sorted(p.name for p in (tmp_path / "comparison").iterdir()) == [
        "GRU 3-seed1", "GRU 3-seed2", "RNN 4-seed1", "RNN 4-seed2"]
    monkeypatch.delenv("CHECKPOINT_DIR")
    for r in runs:
        assert len(r.seconds) == len(r.val_loss) == len(r.loss) == 2
        assert r.params == char_model_params(r.kind, r.units, len(set(text)))
        assert len(r.sample) == 5 and r.chars_per_second > 0
    # the same seed gives the same run (weights, batches), a different seed another
    again = comparison.run_comparison(specs[:1], text, Plan(seeds=(1,), epochs=2, batch_size=4,
                                      seq_len=50, sample_length=5, speed_length=5),
                                      seed_text="thou ", progress=None)
    np.testing.assert_allclose(again[0].val_loss, runs[0].val_loss, rtol=1e-5)
    assert again[0].sample == runs[0].sample
    assert not np.allclose(runs[0].val_loss, runs[2].val_loss)


def test_benchmark_script_writes_its_data_file(tmp_path, monkeypatch, capsys):
    script = load_script("benchmarks/compare_cells.py")
    tiny = Plan(seeds=(1,), epochs=1, batch_size=8, seq_len=50, text_fraction=0.03,
                sample_length=5, speed_length=5)
    monkeypatch.setattr(comparison, "plan_for", lambda profile: tiny)
    monkeypatch.setattr(comparison, "comparison_specs", lambda vocab_size, units: [
        ModelSpec("RNN 4", "rnn", 4), ModelSpec("GRU 4", "gru", 4), ModelSpec("LSTM 4", "lstm", 4),
        ModelSpec("GRU 5", "gru", 5)])
    monkeypatch.setenv("RNNBOOK_PROFILE", "smoke")  # restored afterwards (main sets it too)
    assert script.main(["--profile", "smoke", "--out", str(tmp_path)]) == 0
    printed = capsys.readouterr().out
    assert "| LSTM 4 |" in printed and "same parameters" in printed
    (path,) = tmp_path.glob("compare_cells-smoke-*.json")
    runs, plan, env = load_results(path)
    assert plan == tiny and [r.label for r in runs] == ["RNN 4", "GRU 4", "LSTM 4", "GRU 5"]
    assert env["profile"] == "smoke" and env["backend"] and env["hardware"]
    assert env["wall_seconds"] > 0
