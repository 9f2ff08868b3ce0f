"""The recipe's callbacks: resuming after an interruption, samples after each epoch."""

import json
import os
import re
import stat

import keras
import numpy as np
import pytest

from rnnbook.models import build_char_model
from rnnbook.training.callbacks import (
    Progress,
    SampleCallback,
    StopAfter,
    restore_checkpoint,
)
from rnnbook.training.fitting import compile_char_model, fit_char_model, steps_per_epoch
from tests.conftest import tiny_char_model


class _Interrupt(keras.callbacks.Callback):
    """Stands in for a dropped Colab session: stops training when epoch `at` (0-based) begins."""

    def __init__(self, at):
        super().__init__()
        self.at = at

    def on_epoch_begin(self, epoch, logs=None):
        if epoch == self.at:
            raise KeyboardInterrupt("session lost")


def test_training_resumes_after_an_interruption_with_no_epoch_lost_or_repeated(tmp_path):
    folder = tmp_path / "checkpoint"
    data, model = tiny_char_model()
    steps = steps_per_epoch(data, 8)
    model.optimizer.learning_rate = 0.0123  # as if lowered on a plateau: must survive too
    with pytest.raises(KeyboardInterrupt):  # the Stop button's interrupt is never swallowed
        fit_char_model(model, data, epochs=5, batch_size=8, checkpoint_dir=folder,
                       callbacks=[_Interrupt(at=2)])
    progress = json.loads((folder / "progress.json").read_text())
    assert progress["epochs_done"] == 2
    weights_at_interruption = model.get_weights()
    rate_at_interruption = float(model.optimizer.learning_rate)

    # A new process: the model is built and compiled afresh, and the same call resumes.
    keras.utils.set_random_seed(1)
    fresh = compile_char_model(build_char_model(len(data.vocab), units=8), learning_rate=1e-2)
    seen = []

    class Watch(keras.callbacks.Callback):
        def on_epoch_begin(self, epoch, logs=None):
            seen.append(epoch + 1)
            if epoch == 2:  # the resumed model starts from the weights of the interruption
                for a, b in zip(self.model.get_weights(), weights_at_interruption, strict=True):
                    np.testing.assert_array_equal(a, b)
                assert float(self.model.optimizer.learning_rate) == rate_at_interruption

    log = fit_char_model(fresh, data, epochs=5, batch_size=8, checkpoint_dir=folder,
                         callbacks=[Watch()])
    assert seen == [3, 4, 5]  # epochs 1 and 2 are not repeated, none is skipped
    assert log.resumed_from == 2
    assert [r["epoch"] for r in log.records] == [1, 2, 3, 4, 5]
    assert log.records[:2] == progress["records"]
    assert int(fresh.optimizer.iterations) == 5 * steps  # Adam's state continued too
    assert log.best_val_loss == pytest.approx(log.column("val_loss").min())
    assert data.held_out.loss(fresh) == pytest.approx(log.best_val_loss, abs=1e-5)
    # Old checkpoints are cleaned up: one state and one best-weights file remain.
    assert sorted(p.name for p in folder.iterdir()) == sorted(
        ["progress.json", "epoch-5.weights.h5", f"best-{log.best_epoch}.npz"])

    # Calling again once all epochs are done trains nothing and restores the best weights.
    again = compile_char_model(build_char_model(len(data.vocab), units=8))
    log2 = fit_char_model(again, data, epochs=5, batch_size=8, checkpoint_dir=folder)
    assert log2.resumed_from == 5 and len(log2.records) == 5
    assert data.held_out.loss(again) == pytest.approx(log.best_val_loss, abs=1e-5)


def test_a_damaged_checkpoint_gives_a_clear_error(tmp_path):
    data, model = tiny_char_model()
    with pytest.raises(ValueError, match="no checkpoint"):
        restore_checkpoint(model, tmp_path)
    (tmp_path / "progress.json").write_text("{oops")
    with pytest.raises(ValueError, match="damaged"):
        fit_char_model(model, data, 1, checkpoint_dir=tmp_path)
    (tmp_path / "progress.json").write_text("{}")
    with pytest.raises(ValueError, match="not a checkpoint"):
        fit_char_model(model, data, 1, checkpoint_dir=tmp_path)
    # A checkpoint of another architecture (more units) is refused by name.
    folder = tmp_path / "other"
    bigger = compile_char_model(build_char_model(len(data.vocab), units=9))
    fit_char_model(bigger, data, 1, batch_size=8, checkpoint_dir=folder)
    with pytest.raises(ValueError, match="does not fit this model"):
        fit_char_model(model, data, 2, batch_size=8, checkpoint_dir=folder)


def test_sample_callback_uses_the_fast_generator():
    data, model = tiny_char_model()
    lines = []
    cb = SampleCallback(data.vocab, "from fairest", length=15, every=2,
                                 printer=lines.append)
    log = fit_char_model(model, data, epochs=2, batch_size=8, callbacks=[cb])
    assert [epoch for epoch, _ in log.samples] == [2]
    assert len(log.samples[0][1]) == 15 and set(log.samples[0][1]) <= set(data.vocab.chars)
    assert lines[0].startswith("--- epoch 2 (val ")


def test_checkpoint_files_follow_the_user_s_umask(tmp_path):
    data, model = tiny_char_model()
    old = os.umask(0o027)
    try:
        fit_char_model(model, data, epochs=1, batch_size=8, checkpoint_dir=tmp_path / "ck")
    finally:
        os.umask(old)
    files = sorted((tmp_path / "ck").iterdir())
    assert {p.suffix for p in files} == {".json", ".h5", ".npz"}
    assert {p.name: stat.S_IMODE(p.stat().st_mode) for p in files} == {
        p.name: 0o640 for p in files}


def test_training_talks_one_line_per_epoch_with_the_time_left():
    data, model = tiny_char_model()
    lines = []
    log = fit_char_model(model, data, epochs=3, batch_size=8, progress=lines.append)
    assert lines[0].startswith("training epochs 1 to 3 of ") and "after the first epoch" in lines[0]
    epochs = lines[1:]
    assert len(epochs) == 3
    for n, (line, record) in enumerate(zip(epochs, log.records, strict=True), start=1):
        assert line.startswith(f"epoch {n}/3: loss ")
        held = f"held-out {record['val_loss']:.3f} nats = {record['val_bits']:.3f} bits/char"
        assert held in line
        assert re.search(r", \d+\.\d s, ", line)
    assert "left" in epochs[0] and "left" in epochs[1] and epochs[2].endswith("done")
    silent = []
    fit_char_model(model, data, epochs=1, batch_size=8, progress=None,
                   callbacks=[SampleCallback(data.vocab, printer=silent.append, length=5)])
    assert all(line.startswith("---") for line in silent)  # only the sample, no epoch line


def test_progress_estimates_the_time_left_from_the_epochs_done():
    progress = Progress(printer=None)
    progress.epoch_seconds = [10.0, 20.0]  # as two epochs of 10 s and 20 s leave it
    assert progress.line(2, 5, {"loss": 1.5, "val_loss": 1.0}, 20.0) == (
        "epoch 2/5: loss 1.5, held-out 1.000 nats = 1.443 bits/char, 20.0 s, "
        "about 45 s left")
    progress.unit, progress.label = "MSE", "lstm, 50 steps"
    assert progress.line(5, 5, {"loss": 0.01, "val_loss": 0.02}, 1.0) == (
        "lstm, 50 steps: epoch 5/5: loss 0.01, held-out 0.02 MSE, 1.0 s, done")


def test_a_simulated_disconnect_stops_cleanly_and_the_next_call_resumes(tmp_path):
    data, model = tiny_char_model()
    stop = StopAfter(2)
    first = fit_char_model(model, data, epochs=4, batch_size=8, checkpoint_dir=tmp_path,
                           callbacks=[stop], progress=None)
    assert stop.stopped_after == 2 and len(first.records) == 2
    assert json.loads((tmp_path / "progress.json").read_text())["epochs_done"] == 2
    # Started again with its folder holding a later checkpoint, it still stops one epoch on.
    second = fit_char_model(model, data, epochs=4, batch_size=8, checkpoint_dir=tmp_path,
                            callbacks=[StopAfter(2)], progress=None)
    assert second.resumed_from == 2 and len(second.records) == 3
    third = fit_char_model(model, data, epochs=4, batch_size=8, checkpoint_dir=tmp_path,
                           progress=None)
    assert third.resumed_from == 3 and [r["epoch"] for r in third.records] == [1, 2, 3, 4]

