"""The adding problem, the copy task and the shared adding-problem experiment."""

import dataclasses

import numpy as np
import pytest

from rnnbook.config import Profile
from rnnbook.training.tasks import (
    ADDING_BASELINE_MSE,
    AddingBudget,
    AddingResult,
    adding_budget,
    adding_problem,
    adding_table,
    build_adding_model,
    copy_task,
    train_adding,
)


def test_adding_problem_shapes_and_types():
    x, y = adding_problem(5, 12, np.random.default_rng(0))
    assert x.shape == (5, 12, 2) and x.dtype == np.float32
    assert y.shape == (5, 1) and y.dtype == np.float32


def test_adding_problem_target_is_the_sum_of_the_marked_values():
    x, y = adding_problem(200, 20, np.random.default_rng(1))
    markers = x[..., 1]
    np.testing.assert_array_equal(markers.sum(axis=1), 2)  # exactly two markers
    assert np.all(markers[:, :10].sum(axis=1) == 1)  # one in each half
    np.testing.assert_allclose(y[:, 0], (x[..., 0] * markers).sum(axis=1), rtol=1e-6)
    assert 0 <= x[..., 0].min() and x[..., 0].max() < 1


def test_adding_problem_is_seeded():
    a = adding_problem(3, 8, np.random.default_rng(7))
    b = adding_problem(3, 8, np.random.default_rng(7))
    np.testing.assert_array_equal(a[0], b[0])


def test_baseline_mse_of_answering_one_is_one_sixth():
    _, y = adding_problem(200_000, 10, np.random.default_rng(2))
    assert ADDING_BASELINE_MSE == pytest.approx(1 / 6)
    assert np.mean((y - 1.0) ** 2) == pytest.approx(ADDING_BASELINE_MSE, abs=2e-3)
    # and 1 is the best constant answer: the mean of the target
    assert np.mean(y) == pytest.approx(1.0, abs=5e-3)


def test_adding_problem_rejects_bad_sizes():
    rng = np.random.default_rng(0)
    with pytest.raises(ValueError, match="seq_len"):
        adding_problem(2, 1, rng)
    with pytest.raises(ValueError, match="batch_size"):
        adding_problem(0, 10, rng)


def test_copy_task_repeats_the_symbols_after_the_go_marker():
    x, y = copy_task(4, 5, np.random.default_rng(3), n_symbols=8, delay=3)
    assert x.shape == y.shape == (4, 13)
    np.testing.assert_array_equal(y[:, -5:], x[:, :5])
    assert np.all(x[:, 8] == 9)  # the go marker, after 5 symbols and 3 blanks
    assert np.all(y[:, :-5] == 0)
    assert x[:, :5].min() >= 1 and x[:, :5].max() <= 8
    with pytest.raises(ValueError, match="delay"):
        copy_task(1, 2, np.random.default_rng(0), delay=-1)


def test_budgets_exist_for_every_profile():
    for name in ("smoke", "cpu", "gpu"):
        budget = adding_budget(Profile(name))
        assert list(budget.lengths) == sorted(budget.lengths) and len(budget.lengths) >= 2
        assert budget.steps == budget.epochs * -(-budget.train_size // budget.batch_size)


def test_build_adding_model_uses_the_kind_asked_for():
    model = build_adding_model("gru", 6, 3)
    assert [layer.__class__.__name__ for layer in model.layers] == ["GRU", "Dense"]
    assert model.output_shape == (None, 1)
    with pytest.raises(ValueError, match="kind"):
        build_adding_model("cnn", 6, 3)


def test_train_adding_runs_a_few_steps_and_reports():
    budget = AddingBudget(lengths=(5,), units=4, train_size=64, epochs=2, batch_size=32,
                          learning_rate=1e-2, test_size=32)
    result = train_adding("rnn", 5, budget)
    assert result.kind == "rnn" and result.seq_len == 5 and result.steps == 4
    assert len(result.history) == 2 and result.final_mse == result.history[-1]
    assert np.isfinite(result.final_mse) and result.seconds > 0
    again = train_adding("rnn", 5, budget)
    assert again.final_mse == pytest.approx(result.final_mse, rel=1e-2)  # seeded
    with pytest.raises(ValueError, match="kind"):
        train_adding("mlp", 5, budget)


def test_train_adding_keeps_the_trained_model():
    budget = AddingBudget(lengths=(5,), units=4, train_size=64, epochs=1, batch_size=32,
                          learning_rate=1e-2, test_size=32)
    result = train_adding("lstm", 5, budget)
    assert [layer.__class__.__name__ for layer in result.model.layers] == ["LSTM", "Dense"]
    rng = np.random.default_rng(budget.seed)  # the run's data: training set, then test set
    adding_problem(budget.train_size, 5, rng)
    x_test, y_test = adding_problem(budget.test_size, 5, rng)
    mse = float(np.mean((result.model.predict(x_test, verbose=0) - y_test) ** 2))
    assert mse == pytest.approx(result.final_mse, rel=1e-4)  # the model that was measured
    assert "model" not in repr(result)  # the measurements only
    assert result == dataclasses.replace(result, model=None)


TINY = dataclasses.replace(adding_budget(Profile("smoke")), train_size=64, test_size=32,
                           epochs=1, learning_rate=1e-3)


@pytest.mark.parametrize("unit_forget_bias,start", [(True, 1.0), (False, 0.0)])
def test_forget_bias_starts_where_asked(unit_forget_bias, start):
    model = train_adding("lstm", 10, TINY, unit_forget_bias=unit_forget_bias).model
    kernel, recurrent, bias = model.layers[0].get_weights()
    units = recurrent.shape[0]
    b_f = bias[units:2 * units]
    # one epoch of Adam at 1e-3 moves each bias by at most about steps * 1e-3
    assert np.all(np.abs(b_f - start) <= TINY.steps * 1e-3 + 1e-6)


def test_forget_bias_option_is_for_the_lstm_only():
    with pytest.raises(ValueError, match="unit_forget_bias"):
        train_adding("rnn", 10, TINY, unit_forget_bias=False)
    with pytest.raises(ValueError, match="unit_forget_bias"):
        train_adding("gru", 10, TINY, unit_forget_bias=False)
    with pytest.raises(ValueError, match="kind"):
        train_adding("transformer", 10, TINY)


def test_adding_table_lists_every_result():
    table = adding_table([AddingResult("rnn", 10, 0.01), AddingResult("rnn", 60, 0.17)])
    assert table.count("\n") == 3
    assert "| rnn | 10 | 0.0100 | 0.06 | yes |" in table
    assert "| rnn | 60 | 0.1700 | 1.02 | no |" in table
