"""Left padding, positions, the answer width the loss reads, and the batch order."""

from __future__ import annotations

from yayi_batch.tune.batches import IGNORE, batch_order, pad, positions, token_row


def test_left_pad_puts_answers_at_the_end():
    rows = [token_row([5, 6, 7], [8, 9]), token_row([5], [8, 9, 10])]
    ids, mask, labels, width = pad(rows, pad_id=0)
    assert ids == [[5, 6, 7, 8, 9], [0, 5, 8, 9, 10]]
    assert mask == [[1, 1, 1, 1, 1], [0, 1, 1, 1, 1]]
    assert labels == [[IGNORE, IGNORE, IGNORE, 8, 9], [IGNORE, IGNORE, 8, 9, 10]]
    assert width == 3  # the longest answer: the loss reads labels[:, -3:]
    assert all(x == IGNORE for row in labels for x in row[:-width])
    assert positions(mask) == [[0, 1, 2, 3, 4], [0, 0, 1, 2, 3]]


def test_batch_order_covers_every_row_once_and_is_seeded():
    rows = [token_row([1] * (i % 17 + 1), [2]) for i in range(100)]
    order = batch_order(rows, 8, seed=1, epoch=0)
    flat = [i for b in order for i in b]
    assert sorted(flat) == list(range(100))
    assert order == batch_order(rows, 8, seed=1, epoch=0) and order != batch_order(rows, 8, seed=1, epoch=1)
    spread = sum(max(len(rows[i].input_ids) for i in b) - min(len(rows[i].input_ids) for i in b) for b in order)
    shuffled = [list(range(k, min(k + 8, 100))) for k in range(0, 100, 8)]
    naive = sum(max(len(rows[i].input_ids) for i in b) - min(len(rows[i].input_ids) for i in b) for b in shuffled)
    assert spread < naive / 2  # length grouping: far less padding than batches in corpus order
