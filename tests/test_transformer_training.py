"""The Transformer on the LSTM's pretraining path: the plays, then the sonnets, a CPU budget."""

import json

import pytest

from rnnbook.cells.attention import transformer_parameters
from rnnbook.config import Profile
from rnnbook.models import load_char_model
from rnnbook.text.vocabulary import sonnets_vocabulary
from rnnbook.training import transformer
from tests.test_transfer import tiny_plays  # noqa: F401 (a fixture)

TINY = transformer.TransformerPlan(dim=8, heads=2, blocks=1, seq_len=50, batch_size=4,
                                   pretrain_epochs=2, finetune_epochs=2, dropout=0.0)


def test_the_default_plan_matches_the_lstm_within_ten_percent():
    plan = transformer.plan_for(Profile("cpu"))
    count = transformer_parameters(len(sonnets_vocabulary()), plan.size)
    assert abs(count - transformer.LSTM256_PARAMETERS) / transformer.LSTM256_PARAMETERS < 0.10
    assert plan.size.window >= 100  # the sonnets are scored in windows of 100
    assert transformer.plan_for(Profile("smoke")).plays_limit is not None


def test_pretrain_then_fine_tune_the_transformer(tiny_plays, tmp_path):  # noqa: F811
    vocab = sonnets_vocabulary()
    model, log, record = transformer.pretrain(TINY, vocab, tmp_path / "ckpt", progress=None)
    assert [r["epoch"] for r in log.records] == [1, 2]
    assert record["parameters"] == transformer_parameters(len(vocab), TINY.size)
    assert record["pretrain_cpu_seconds"] > 0 and not record["pretrain_stopped_by_budget"]
    assert record["pretrain_steps"] > 0
    tuned = transformer.fine_tune(model, vocab, TINY, progress=None)
    assert 1 <= tuned["finetune_epochs"] <= 2 and tuned["finetune_cpu_seconds"] > 0
    assert tuned["best_val_loss_nats"] < tuned["zero_shot_nats"]


def test_the_cpu_budget_ends_the_pretraining_and_survives_a_resume(tiny_plays, tmp_path):  # noqa: F811
    vocab = sonnets_vocabulary()
    plan = transformer.TransformerPlan(**{**TINY.__dict__, "cpu_seconds": 1e-6})
    _, log, record = transformer.pretrain(plan, vocab, tmp_path / "ckpt", progress=None)
    assert record["pretrain_stopped_by_budget"] and record["pretrain_steps"] == 1
    assert len(log.records) == 1  # the epoch under way ends, validated
    saved = json.loads((tmp_path / "ckpt" / transformer.CpuBudget.FILE).read_text())
    assert saved["stopped"] and saved["steps"] == 1
    _, again, record = transformer.pretrain(plan, vocab, tmp_path / "ckpt", progress=None)
    assert again.resumed_from == 1 and record["pretrain_steps"] == 1  # nothing more trained


def test_the_command_pretrains_fine_tunes_and_saves(tmp_path, capsys):
    """End to end on the real plays (their first 20,000 characters) under the smoke plan."""
    assert transformer.main(["--plays-limit", "20000", "--epochs", "1", "--cpu-minutes", "5",
                             "--positions", "sinusoidal",
                             "--save", str(tmp_path / "tiny_transformer")]) == 0
    out = capsys.readouterr().out
    assert "pretrained:" in out and "fine-tuned:" in out
    model, vocab, card = load_char_model(tmp_path / "tiny_transformer")
    assert card["stage"] == "fine-tuned" and card["plan"]["plays_limit"] == 20000
    assert card["positions"] == "sinusoidal"
    assert card["pretrain_characters"] == 20000 and len(vocab) == card["vocab_size"]
    assert model.count_params() == card["parameters"]
    pretrained = json.loads((tmp_path / "tiny_transformer_plays.json").read_text())
    assert pretrained["stage"] == "pretrained"


def test_bad_budget_is_refused_in_the_one_form():
    with pytest.raises(ValueError, match="Argument `cpu_seconds`"):
        transformer.CpuBudget(-1)


def test_the_lstm_is_timed_the_same_way_and_minutes_follow_the_steps(tiny_plays):  # noqa: F811
    from rnnbook.training import transfer
    vocab = sonnets_vocabulary()
    plan = transfer.TransferPlan(units=8, layers=1, embedding_dim=4, seq_len=50, batch_size=4,
                                 pretrain_epochs=2)
    model, log, record = transformer.pretrain(plan, vocab, progress=None,
                                              build=transfer.build_plan_model)
    assert model.name.startswith("shakespeare_lstm") and record["pretrain_cpu_seconds"] > 0
    per_epoch = transformer.steps_per_epoch(record)
    assert record["pretrain_steps"] == 2 * per_epoch  # no budget: every step of both epochs
    minutes = transformer.cpu_minutes_by_epoch(record)
    assert minutes == pytest.approx([record["pretrain_cpu_seconds"] / 120,
                                     record["pretrain_cpu_seconds"] / 60])
    # a record without CPU seconds (the committed LSTM's) needs a measured rate
    bare = {k: v for k, v in record.items() if k != "pretrain_cpu_seconds"}
    assert transformer.cpu_minutes_by_epoch(bare, 0.6) == pytest.approx(
        [per_epoch * 0.6 / 60, 2 * per_epoch * 0.6 / 60])
    with pytest.raises(ValueError, match="cpu_seconds_per_step"):
        transformer.cpu_minutes_by_epoch(bare)
