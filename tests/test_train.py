"""The command line: python -m rnnbook.train."""

import math

import pytest

from rnnbook import train
from rnnbook.config import Profile
from rnnbook.data import Vocabulary
from rnnbook.models import load_char_model, saved_models

TEXT = ("From fairest creatures we desire increase,\nThat thereby beauty's rose might never die,\n"
        "But as the riper should by time decease,\nHis tender heir might bear his memory:\n") * 8


def test_train_command_saves_a_model_with_its_card(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("RNNBOOK_DATA_DIR", str(tmp_path))
    corpus = tmp_path / "poem.txt"
    corpus.write_text(TEXT, encoding="utf-8")
    assert train.main(["--text", str(corpus), "--kind", "gru", "--units", "4", "--epochs", "2",
                       "--seq-len", "30", "--sample-every", "0"]) == 0
    assert saved_models() == ["poem_gru4"]
    model, vocab, card = load_char_model("poem_gru4")
    assert card["kind"] == "gru" and card["epochs"] == 2 and card["seq_len"] == 30
    assert card["best_val_loss_bits"] == pytest.approx(card["best_val_loss_nats"] / math.log(2),
                                                       abs=1e-3)
    assert vocab == Vocabulary.from_text(TEXT.lower()) and len(card["history"]) == 2
    assert not (tmp_path / "checkpoints" / "poem_gru4").exists()  # removed once saved
    assert "saved" in capsys.readouterr().out
    with pytest.raises(SystemExit):
        train.parse_args(["--units", "0"])


def test_the_command_line_defaults_are_the_profile_s_recipe(monkeypatch):
    for name in ("cpu", "gpu"):
        monkeypatch.setenv("RNNBOOK_PROFILE", name)
        recipe = Profile(name).recipe
        args = train.parse_args([])
        assert (args.seq_len, args.batch_size, args.learning_rate, args.dropout, args.clipnorm,
                args.epochs) == (recipe.seq_len, recipe.batch_size, recipe.learning_rate,
                                 recipe.dropout, recipe.clipnorm, recipe.epochs)
