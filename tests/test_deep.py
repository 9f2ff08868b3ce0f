"""Stacked and bidirectional layers: parameter counts, the line-end tags, quick runs."""

import re

import numpy as np
import pytest

from rnnbook.models import build_char_model
from rnnbook.text.vocabulary import Vocabulary
from rnnbook.training import deep


@pytest.mark.parametrize("layers, units", [(1, 16), (2, 11), (3, 7)])
def test_param_formula_is_keras_count(layers, units):
    model = build_char_model(39, "lstm", units, layers=layers)
    assert deep.char_model_params(39, units, layers) == model.count_params()


def test_matched_units_give_the_closest_count():
    u = deep.matched_units(39, 128, layers=2)
    one = deep.char_model_params(39, 128, 1)
    gap = abs(deep.char_model_params(39, u, 2) - one)
    assert gap <= min(abs(deep.char_model_params(39, v, 2) - one) for v in (u - 1, u + 1))
    assert gap / one < 0.02 and u < 128


@pytest.mark.parametrize("bidirectional", [False, True])
def test_tagger_params_and_shapes(bidirectional):
    model = deep.build_tagger(10, 6, bidirectional)
    assert model.count_params() == deep.tagger_params(10, 6, bidirectional)
    out = model.predict(np.zeros((2, 7), np.int32), verbose=0)
    assert out.shape == (2, 6, 1) and np.all((out > 0) & (out < 1))


def test_line_end_tags_mark_the_character_before_each_break():
    vocab = Vocabulary.from_text("ab\nc\n")
    ids = vocab.encode("ab\nc\nab")
    newline = vocab.encode("\n")[0]
    np.testing.assert_array_equal(deep.line_end_tags(ids, newline), [0, 1, 0, 1, 0, 0, 0])
    x, y = deep.tagging_windows(ids, newline, 3)
    assert x.shape == (2, 3) and y.shape == (2, 2, 1)
    np.testing.assert_array_equal(y[..., 0], [[0, 1], [1, 0]])
    with pytest.raises(ValueError, match=re.escape("Argument `ids` must hold more than one")):
        deep.tagging_windows(ids[:3], newline, 3)
    with pytest.raises(ValueError, match="seq_len"):
        deep.tagging_windows(ids, newline, 1)


def test_binary_nats_and_the_constant_guess():
    y = np.array([0, 0, 0, 1.0])
    assert deep.binary_nats(np.full(4, 0.25), y) == pytest.approx(deep.constant_nats(y))
    assert deep.binary_nats(y, y) < 1e-9
    assert deep.constant_nats(y) == pytest.approx(-(0.25 * np.log(0.25) + 0.75 * np.log(0.75)))


def test_tagging_experiment_matches_parameters_and_reports_both():
    text = "".join(f"{'ab' * (k % 5 + 1)}\n" for k in range(300))
    vocab = Vocabulary.from_text(text)
    ids = vocab.encode(text)
    runs = deep.tagging_experiment(ids[:2000], ids[2000:], vocab, units=4, epochs=1, seq_len=20)
    forwards, bidirectional = runs
    assert (forwards.name, bidirectional.name) == ("forwards", "bidirectional")
    assert abs(forwards.params - bidirectional.params) / bidirectional.params < 0.1
    for run in runs:
        assert np.isfinite(run.nats) and 0 <= run.recall <= 1 and 0 <= run.precision <= 1


def test_stack_experiment_scores_both_models_on_the_test_targets():
    from rnnbook.text.vocabulary import sonnets_vocabulary

    runs = deep.stack_experiment(sonnets_vocabulary(), 16, 1, train_windows=16)
    assert [r.layers for r in runs] == [1, 2]
    assert abs(runs[0].params - runs[1].params) / runs[0].params < 0.05
    assert all(np.isfinite(r.test_nats) and r.best_epoch == 1 for r in runs)
    assert runs[1].label == f"2 x LSTM({runs[1].units})"
    with pytest.raises(ValueError, match="train_windows"):
        deep.stack_experiment(sonnets_vocabulary(), 8, 1, train_windows=0)


def test_only_a_bidirectional_model_reads_the_future():
    ids = np.arange(12) % 7
    forwards = build_char_model(7, "lstm", 4)
    moved = deep.outputs_that_change(forwards, ids, 5)
    assert not moved[:5].any() and moved[5:].all()
    both = deep.outputs_that_change(deep.build_bidirectional_char_model(7, 4), ids, 5)
    assert both.all()
    with pytest.raises(ValueError, match="Argument `position`"):
        deep.outputs_that_change(forwards, ids, 12)
