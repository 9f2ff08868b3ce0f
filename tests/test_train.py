"""The command line: python -m rnnbook.training.train."""

import math
import subprocess
import sys

import pytest

from rnnbook.config import Profile
from rnnbook.models import load_char_model, saved_models
from rnnbook.text.vocabulary import Vocabulary
from rnnbook.training import train

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


def test_the_checkpoint_goes_where_the_user_says(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("RNNBOOK_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("CHECKPOINT_DIR", str(tmp_path / "drive"))
    corpus = tmp_path / "poem.txt"
    corpus.write_text(TEXT, encoding="utf-8")
    argv = ["--text", str(corpus), "--units", "4", "--epochs", "1", "--seq-len", "30",
            "--sample-every", "0"]
    assert train.main(argv) == 0
    out = capsys.readouterr().out
    assert f"checkpoints go to {tmp_path / 'drive' / 'poem_lstm4'}" in out
    assert "epoch 1/1: loss " in out and "bits/char" in out  # training talks
    assert train.main([*argv, "--checkpoint-dir", str(tmp_path / "mine")]) == 0
    assert f"checkpoints go to {tmp_path / 'mine'}" in capsys.readouterr().out


def test_the_command_line_defaults_are_the_profile_s_recipe(monkeypatch):
    for name in ("cpu", "gpu"):
        monkeypatch.setenv("RNNBOOK_PROFILE", name)
        recipe = Profile(name).recipe
        args = train.parse_args([])
        assert (args.seq_len, args.batch_size, args.learning_rate, args.dropout, args.clipnorm,
                args.epochs) == (recipe.seq_len, recipe.batch_size, recipe.learning_rate,
                                 recipe.dropout, recipe.clipnorm, recipe.epochs)


def _fails_with_one_line(argv, capsys):
    with pytest.raises(SystemExit) as stop:
        train.main(argv)
    err = capsys.readouterr().err
    assert stop.value.code == 2
    assert err.count("\n") == 1 and err.startswith("python -m rnnbook.training.train: error: ")
    return err


def _file(name, content):
    def make(folder):
        (folder / name).write_bytes(content)
        return folder / name
    return make


@pytest.mark.parametrize("make, says", [
    (lambda folder: folder / "missing.txt", "no such file"),
    (_file("empty.txt", b""), "is empty"),
    (_file("latin1.txt", "thou art más".encode("latin-1")),
     "is not UTF-8 text (byte 0xe1 at offset 10)"),
    (lambda folder: folder, "is a directory"),
], ids=["missing", "empty", "not-utf8", "directory"])
def test_every_bad_text_is_one_line_and_exit_status_2(tmp_path, capsys, make, says):
    path = make(tmp_path)
    assert says in _fails_with_one_line(["--text", str(path)], capsys)


def test_a_bad_corpus_name_or_a_too_short_text_is_one_line_too(tmp_path, monkeypatch, capsys):
    assert "invalid choice: 'nope'" in _fails_with_one_line(["--corpus", "nope"], capsys)
    assert "--epochs must be a positive integer" in _fails_with_one_line(
        ["--epochs", "-1"], capsys)
    short = tmp_path / "short.txt"
    short.write_text("to be or not to be", encoding="utf-8")
    monkeypatch.setenv("RNNBOOK_DATA_DIR", str(tmp_path))
    assert "short.txt" in _fails_with_one_line(["--text", str(short), "--seq-len", "30"], capsys)


def test_the_real_command_answers_a_missing_file_without_a_traceback(tmp_path):
    # The process as a user starts it: one line on stderr, exit status 2, nothing else.
    result = subprocess.run([sys.executable, "-m", "rnnbook.training.train", "--text",
                             str(tmp_path / "nothing.txt")], capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        f"python -m rnnbook.training.train: error: argument --text: {tmp_path / 'nothing.txt'}: "
        "no such file (see --help)"]
