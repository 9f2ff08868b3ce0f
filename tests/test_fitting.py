"""The course's recipe: compiling, fitting, the best epoch kept."""

import math

import keras
import numpy as np
import pytest

from rnnbook.models import build_char_model
from rnnbook.text.streams import StreamData, WindowStream
from rnnbook.text.windows import prepare_char_data
from rnnbook.training.fitting import compile_char_model, fit_char_model, steps_per_epoch
from tests.conftest import QUATRAIN, tiny_char_model


def test_compile_rejects_bad_settings():
    model = build_char_model(5, units=4)
    with pytest.raises(ValueError, match="learning_rate"):
        compile_char_model(model, learning_rate=0)
    with pytest.raises(ValueError, match="clipnorm"):
        compile_char_model(model, clipnorm=-1)
    with pytest.raises(ValueError, match="lr_drop"):
        fit_char_model(compile_char_model(model), prepare_char_data(QUATRAIN, 50), 1, lr_drop=1.5)
    with pytest.raises(ValueError, match="compile"):
        fit_char_model(build_char_model(5, units=4), prepare_char_data(QUATRAIN), 1)


def test_fit_records_epochs_keeps_best_and_reports_bits():
    data, model = tiny_char_model()
    log = fit_char_model(model, data, epochs=3, batch_size=8)
    assert [r["epoch"] for r in log.records] == [1, 2, 3]
    for r in log.records:
        assert r["val_bits"] == pytest.approx(r["val_loss"] / math.log(2))
        assert r["seconds"] > 0
    assert np.all(np.diff(log.column("elapsed")) > 0)
    assert log.best_val_loss == pytest.approx(log.column("val_loss").min())
    # The model holds the best epoch's weights at the end.
    assert data.held_out.loss(model) == pytest.approx(log.best_val_loss, abs=1e-5)
    assert log.time_to(log.best_val_loss) == log.records[log.best_epoch - 1]["elapsed"]
    assert log.time_to(-1.0) is None
    assert "best validation loss" in log.summary()


def test_fit_on_a_stream_trains_on_windows_cut_on_the_fly():
    data, model = tiny_char_model()
    ids = data.vocab.encode(data.train_text * 3)
    stream_data = StreamData(WindowStream(ids, seq_len=20, batch_size=4), data.held_out)
    assert steps_per_epoch(stream_data, batch_size=999) == len(stream_data.stream)
    before = data.held_out.loss(model)
    log = fit_char_model(model, stream_data, epochs=2, progress=None)
    assert [r["epoch"] for r in log.records] == [1, 2]
    assert log.best_val_loss < before


def test_compile_with_a_cosine_decay_and_weight_decay():
    model = build_char_model(5, units=4)
    compile_char_model(model, learning_rate=1e-2, decay_steps=100, weight_decay=1e-3)
    optimizer = model.optimizer
    assert isinstance(optimizer, keras.optimizers.AdamW)
    assert optimizer.weight_decay == pytest.approx(1e-3)
    assert float(keras.ops.convert_to_numpy(optimizer.learning_rate)) == pytest.approx(1e-2)
    optimizer.iterations.assign(100)  # as after 100 steps
    rate = float(keras.ops.convert_to_numpy(optimizer.learning_rate))
    assert rate == pytest.approx(1e-3)  # down to a tenth at the end
    assert isinstance(compile_char_model(model).optimizer, keras.optimizers.Adam)
    with pytest.raises(ValueError, match="Argument `decay_steps` must"):
        compile_char_model(model, decay_steps=0)
    with pytest.raises(ValueError, match="Argument `weight_decay` must"):
        compile_char_model(model, weight_decay=-1.0)
