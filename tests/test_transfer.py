"""Pretraining on the plays and fine-tuning on the sonnets, on a tiny plan and tiny plays."""

import json

import keras
import pytest

from rnnbook.config import Profile
from rnnbook.models import load_char_model, save_char_model
from rnnbook.text import plays
from rnnbook.text.vocabulary import sonnets_vocabulary
from rnnbook.training import distribute, transfer
from tests.conftest import OLD_KERAS_ON_TF, run_script
from tests.test_plays import SAMPLE

TINY = transfer.TransferPlan(units=8, layers=1, embedding_dim=4, seq_len=50, batch_size=4,
                             pretrain_epochs=2, finetune_epochs=2)


@pytest.fixture
def tiny_plays(monkeypatch):
    verse = SAMPLE.replace("Who's there?", "Who's there? " + "shall i compare thee " * 40)
    corpus = {name: verse for name in (*plays.HELD_OUT, "hamlet", "othello")}
    monkeypatch.setattr(plays, "load_plays", lambda: corpus)
    return corpus


def test_plays_data_holds_out_whole_plays_and_counts_what_it_changed(tiny_plays):
    vocab = sonnets_vocabulary()
    corpus = transfer.plays_data(vocab, TINY)
    one_play = len(plays.for_vocabulary(plays.to_plain_text(tiny_plays["hamlet"]), vocab).text)
    assert corpus.train_characters == 2 * one_play
    assert corpus.held_out_characters == len(plays.HELD_OUT) * one_play
    assert corpus.dropped == {} and corpus.replaced == {}
    assert corpus.split.held_out_plays == plays.HELD_OUT
    assert corpus.split.train_plays == ("hamlet", "othello")
    assert corpus.data.stream.seq_len == 50 and corpus.data.stream.batch_size == 4


def test_pretrain_then_fine_tune_records_every_figure(tiny_plays, tmp_path):
    vocab = sonnets_vocabulary()
    model, log, record = transfer.pretrain(TINY, vocab, checkpoint_dir=tmp_path / "ckpt",
                                           progress=None)
    assert [r["epoch"] for r in log.records] == [1, 2]
    assert record["pretrain_epochs"] == 2 and record["peak_memory_mb"] > 0
    assert record["pretrain_held_out_plays_nats"] == pytest.approx(log.best_val_loss)
    # A second call finds the finished checkpoint and trains no further.
    _, again, _ = transfer.pretrain(TINY, vocab, checkpoint_dir=tmp_path / "ckpt",
                                    progress=None)
    assert again.resumed_from == 2
    tuned = transfer.fine_tune(model, vocab, TINY, progress=None)
    assert len(tuned["finetune_dev_losses"]) == TINY.finetune_epochs
    assert 1 <= tuned["finetune_epochs"] <= TINY.finetune_epochs
    assert tuned["best_val_loss_nats"] < tuned["zero_shot_nats"]
    card = save_char_model(model, vocab, tmp_path / "tiny", {**record, **tuned})
    _, loaded_vocab, info = load_char_model(card.with_suffix(""))
    assert loaded_vocab == vocab and info["finetune_epochs"] == tuned["finetune_epochs"]


def test_the_smoke_plan_is_small():
    smoke, cpu = (transfer.plan_for(Profile(name)) for name in ("smoke", "cpu"))
    assert smoke.plays_limit is not None and smoke.units < cpu.units
    assert cpu.plays_limit is None and cpu == transfer.plan_for(Profile("gpu"))


def test_pretraining_runs_data_parallel_on_two_virtual_devices():
    backend = keras.backend.backend()
    if backend not in distribute.BACKENDS:  # PyTorch: transfer trains on one device
        pytest.skip(f"no data parallelism on {backend}")
    if backend == "tensorflow" and OLD_KERAS_ON_TF:
        pytest.skip(f"Keras {keras.__version__} trains on one device only with TensorFlow")
    done = run_script("distribute_pretrain.py", backend)
    assert done.returncode == 0, done.stderr[-3000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result == {"devices": ["cpu:0", "cpu:1"], "epochs": 1, "finite": True}
