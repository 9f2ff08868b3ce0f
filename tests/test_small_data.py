"""The regularised sonnets-only model: candidates scored on the dev split, the best refit."""

import pytest

from rnnbook.text.vocabulary import sonnets_vocabulary
from rnnbook.text.windows import SCORING_WINDOW, sonnets_and_dev
from rnnbook.training import small_data

TINY = (small_data.Candidate(units=8, layers=1, embedding_dim=4, dropout=0.1),
        small_data.Candidate(units=8, layers=1, embedding_dim=4, dropout=0.1, weight_decay=0.05))


def test_select_scores_every_candidate_on_the_dev_split_and_refit_replays_its_rates():
    vocab = sonnets_vocabulary()
    results = small_data.select(vocab, TINY, epochs=2, progress=None)
    assert [r["label"] for r in results] == ["1x8, dropout 0.1",
                                             "1x8, dropout 0.1, weight decay 0.05"]
    for r in results:
        assert len(r["dev_losses"]) == len(r["rates"]) == 2
        assert r["best_dev_loss"] == pytest.approx(min(r["dev_losses"]))
        assert r["rates"][0] == pytest.approx(1e-2)
    choice = small_data.best(results)
    assert choice["best_dev_loss"] == min(r["best_dev_loss"] for r in results)
    model, scores = small_data.refit(vocab, choice)
    assert scores["epochs"] == choice["best_epoch"]
    sonnets, _ = sonnets_and_dev(vocab, SCORING_WINDOW)  # scored as every sonnet model is
    assert scores["best_val_loss_nats"] == pytest.approx(sonnets.held_out.loss(model), abs=1e-6)


def test_the_dev_split_lies_inside_the_training_text():
    sonnets, dev = sonnets_and_dev(sonnets_vocabulary(), 50)
    assert sonnets.train_text == dev.train_text + dev.val_text  # the test text stays apart
