"""The committed character models as static scripts for the built book: no kernel, no network.

The book's in-browser explorer (``book_static/rnnbook.js``) replays a model in JavaScript as
:class:`rnnbook.generation.stepper.CharStepper` does in NumPy. It needs each model's card,
vocabulary and float32 weights in the page. A page opened from disk (``file://``) may not
``fetch()`` a file beside it, but it may load a ``<script>``; so each model becomes one small
``.js`` file that registers itself on a global::

    globalThis.RNNBOOK_MODELS["sonnets_lstm128"] = {"name": ..., "arrays": {...}, ...};

with every weight array as the base64 of its little-endian float32 bytes (4 bytes a weight,
4/3 of that in base64; JSON numbers would take about three times as much). ``index.js`` lists
the models (name, one-line summary, size) so a page offers them all and loads one when picked.

Run by ``make book`` before the book is built::

    python -m rnnbook.generation.web_export _web/rnnbook-models
"""

from __future__ import annotations

import base64
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from rnnbook import validate
from rnnbook.cells import KINDS

GLOBAL = "RNNBOOK_MODELS"  # the global each model script registers itself on
INDEX_GLOBAL = "RNNBOOK_MODEL_INDEX"  # the list index.js sets
_CARD_DROPPED = ("history", "weights_sha256")  # long or meaningless in a page


def encode_array(array: np.ndarray) -> dict[str, Any]:
    """``{"shape": [...], "data": base64}`` of an array as little-endian float32, row-major."""
    a = np.ascontiguousarray(np.asarray(array, dtype="<f4"))
    return {"shape": list(a.shape), "data": base64.b64encode(a.tobytes()).decode("ascii")}


def decode_array(record: dict[str, Any]) -> np.ndarray:
    """The inverse of :func:`encode_array` (for tests)."""
    data = np.frombuffer(base64.b64decode(record["data"]), dtype="<f4")
    return data.reshape(record["shape"])


def model_record(
    name: str,
    kind: str,
    chars: Sequence[str],
    embedding: np.ndarray | None,
    cells: Sequence[Sequence[np.ndarray]],
    dense: Sequence[np.ndarray],
    *,
    reset_after: bool = True,
    card: dict | None = None,
) -> dict[str, Any]:
    """What the JavaScript stepper reads: the arguments of ``CharStepper``, encoded.

    Args:
        name: the model's name (its key in the global).
        kind: ``"rnn"``, ``"lstm"`` or ``"gru"``.
        chars: the vocabulary, in id order.
        embedding: (vocab, dim) embedding matrix, or None for one-hot input.
        cells: per recurrent layer, the Keras layer's ``get_weights()`` (kernel,
            recurrent_kernel, bias), in Keras's gate layout.
        dense: (kernel (units, vocab), bias (vocab,)) of the softmax head.
        reset_after: the GRU's variant (ignored for the other kinds).
        card: the model card (its long training history is left out).
    """
    kind = validate.one_of("kind", kind, KINDS)
    if len(dense) != 2 or np.shape(dense[1]) != (len(chars),):
        raise validate.error_for("dense", f"be (kernel, bias) with a bias of {len(chars)} "
                             "(one per character)", received=f"{len(dense)} arrays")
    return {
        "name": name,
        "kind": kind,
        "reset_after": bool(reset_after),
        "chars": list(chars),
        "units": [int(np.shape(ws[1])[0]) for ws in cells],
        "card": {k: v for k, v in (card or {}).items() if k not in _CARD_DROPPED},
        "arrays": {
            "embedding": None if embedding is None else encode_array(embedding),
            "cells": [[encode_array(w) for w in ws] for ws in cells],
            "dense": [encode_array(w) for w in dense],
        },
    }


def saved_model_record(name: str) -> dict[str, Any]:
    """:func:`model_record` of a model saved under ``data/models`` (loaded with Keras)."""
    from rnnbook.models import card_summary, load_char_model, model_config, recurrent_layers

    model, vocab, card = load_char_model(name)
    cfg = model_config(model)
    layers = recurrent_layers(model)
    embedding = (None if cfg["embedding_dim"] is None
                 else model.get_layer("embedding").get_weights()[0])
    record = model_record(
        name, cfg["kind"], vocab.to_list(), embedding, [layer.get_weights() for layer in layers],
        model.layers[-1].get_weights(),
        reset_after=bool(getattr(layers[0], "reset_after", True)), card=card)
    record["summary"] = card_summary(card)
    return record


def model_script(record: dict[str, Any]) -> str:
    """A classic script that registers ``record`` on ``globalThis.RNNBOOK_MODELS``."""
    body = json.dumps(record, ensure_ascii=True, separators=(",", ":"))
    return (f"(globalThis.{GLOBAL} = globalThis.{GLOBAL} || {{}})"
            f"[{json.dumps(record['name'])}] = {body};\n")


def index_script(entries: list[dict[str, Any]]) -> str:
    """``index.js``: the list of exported models (name, summary, kind, file, bytes)."""
    body = json.dumps(entries, ensure_ascii=True, indent=1)
    return f"globalThis.{INDEX_GLOBAL} = {body};\n"


def export(out_dir: str | Path, names: Sequence[str] | None = None) -> list[dict[str, Any]]:
    """Write ``<name>.js`` for each saved model (default: all of them) and ``index.js``.

    Returns:
        The index entries, with each file's size in bytes.
    """
    from rnnbook.models import saved_models

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    entries = []
    for name in names if names is not None else saved_models():
        record = saved_model_record(name)
        path = out / f"{name}.js"
        path.write_text(model_script(record), encoding="ascii")
        weights = sum(decode_array(a).size for ws in record["arrays"]["cells"] for a in ws)
        weights += sum(decode_array(a).size for a in record["arrays"]["dense"])
        if record["arrays"]["embedding"] is not None:
            weights += decode_array(record["arrays"]["embedding"]).size
        entries.append({"name": name, "file": path.name, "kind": record["kind"],
                        "summary": record["summary"], "weights": int(weights),
                        "bytes": path.stat().st_size})
    (out / "index.js").write_text(index_script(entries), encoding="ascii")
    return entries


def main(argv: Sequence[str] | None = None) -> None:
    """``python -m rnnbook.generation.web_export OUT``: export every saved model, print sizes."""
    args = list(sys.argv[1:] if argv is None else argv)
    if len(args) != 1:
        raise SystemExit("usage: python -m rnnbook.generation.web_export OUT_DIR")
    for entry in export(args[0]):
        print(f"{entry['file']:32} {entry['weights']:>9,} weights  "
              f"{entry['bytes'] / 1e6:6.2f} MB")
    print(f"model scripts written to {args[0]}")


if __name__ == "__main__":
    main()
