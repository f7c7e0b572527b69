"""Token rows -> padded batches of similar length, the loss on answer tokens only. Pure module
(lists of ints in, lists of ints out; the trainer turns them into tensors).

Length grouping: examples are shuffled (seeded), cut into windows of 32 batches, sorted by
length inside a window, batched, and the batches shuffled again, so padding is small and the
order still mixes sources and tasks.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

IGNORE = -100  # the label of a token the loss skips (prompt and padding): torch's CrossEntropy default


@dataclass(frozen=True)
class TokenRow:
    input_ids: tuple[int, ...]
    labels: tuple[int, ...]


def token_row(prompt_ids: list[int], answer_ids: list[int]) -> TokenRow:
    return TokenRow(tuple(prompt_ids + answer_ids), tuple([IGNORE] * len(prompt_ids) + answer_ids))


def batch_order(rows: list[TokenRow], batch_size: int, seed: int, epoch: int, window: int = 32) -> list[list[int]]:
    rng = random.Random(f"{seed}:{epoch}")
    idx = list(range(len(rows)))
    rng.shuffle(idx)
    batches = []
    span = batch_size * window
    for w in range(0, len(idx), span):
        chunk = sorted(idx[w : w + span], key=lambda i: len(rows[i].input_ids))
        batches += [chunk[b : b + batch_size] for b in range(0, len(chunk), batch_size)]
    rng.shuffle(batches)
    return batches


def pad(rows: list[TokenRow], pad_id: int) -> tuple[list[list[int]], list[list[int]], list[list[int]], int]:
    """(input_ids, attention_mask, labels, answer_width), LEFT-padded to the longest row.

    Left padding puts every row's answer at the end, so the model computes logits for the last
    `answer_width` positions only: on a 262k-token vocabulary the output layer is most of the
    cost of a token, and the prompt's logits would be thrown away.
    """
    width = max(len(r.input_ids) for r in rows)
    ids, mask, labels = [], [], []
    for r in rows:
        n = width - len(r.input_ids)
        ids.append([pad_id] * n + list(r.input_ids))
        mask.append([0] * n + [1] * len(r.input_ids))
        labels.append([IGNORE] * n + list(r.labels))
    answer_width = max(sum(1 for x in r.labels if x != IGNORE) for r in rows)
    return ids, mask, labels, answer_width


def positions(mask: list[list[int]]) -> list[list[int]]:
    """Position ids that start at 0 on each row's first real token (left padding gets 0)."""
    out = []
    for row in mask:
        pos, p = [], 0
        for m in row:
            pos.append(p if m else 0)
            p += m
        out.append(pos)
    return out
