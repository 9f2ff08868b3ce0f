"""The plays pretraining on two virtual CPU devices, on tiny plays: one JSON line of its record.

Run by ``tests/test_transfer.py`` in a fresh process (the devices must exist before the backend
starts).
"""

import json
import math

from rnnbook.text import plays
from rnnbook.training import distribute, transfer

SPEECH = "**HAMLET**  \nWho's there? " + "shall i compare thee to a summer's day? " * 40 + "\n"


def main() -> None:
    distribute.virtual_cpu_devices(2)  # first: before the backend starts
    plays.load_plays = lambda: {name: SPEECH for name in (*plays.HELD_OUT, "hamlet", "othello")}
    plan = transfer.TransferPlan(units=8, layers=1, embedding_dim=4, seq_len=50, batch_size=4,
                                 pretrain_epochs=1)
    _, log, record = transfer.pretrain(plan, progress=None, devices=2)
    print(json.dumps({"devices": record["devices"], "epochs": len(log.records),
                      "finite": math.isfinite(log.best_val_loss)}))


if __name__ == "__main__":
    main()
