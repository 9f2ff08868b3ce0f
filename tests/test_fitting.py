"""The course's recipe: compiling, fitting, the best epoch kept."""

import math

import numpy as np
import pytest

from rnnbook.fitting import compile_char_model, fit_char_model
from rnnbook.models import build_char_model
from rnnbook.windows import prepare_char_data
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
