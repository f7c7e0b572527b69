"""Sentences -> passages of one to several sentences, as the job's chunks are. Pure module.

Consecutive sentences of one document (or of a corpus without document boundaries) are joined
with the language's separator, mention offsets shifted, relations and events united. The length
of each passage is drawn (seeded): a share are single sentences, the rest fill up to a drawn
number of characters, so the model reads every length the job sends it.
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Iterator

from yayi_batch.labelled.join import join
from yayi_batch.labelled.records import LabelledText


def passages(
    texts: Iterable[LabelledText], rng: random.Random, *, max_chars: int, max_sentences: int, single_share: float
) -> Iterator[LabelledText]:
    """Passages in corpus order; a sentence longer than `max_chars` stays alone."""
    pending: list[LabelledText] = []
    target = 0

    def draw() -> int:
        return 0 if rng.random() < single_share else rng.randint(1, max(1, max_chars))

    for t in texts:
        if pending and (
            t.group != pending[0].group or len(pending) >= max_sentences or sum(len(p.text) + 1 for p in pending) + len(t.text) > target
        ):
            yield join(pending)
            pending = []
        if not pending:
            target = draw()
        pending.append(t)
    if pending:
        yield join(pending)
