"""Calibrated confidence: raw confidence -> the precision observed at that confidence, per task.
Pure module.

Fit on held-out labelled data (`yayi-batch eval --fit-calibration`): the predictions of a task,
sorted by raw confidence, each with 1 when it matches the gold and 0 when not, are smoothed into a
non-decreasing step function by isotonic regression (pool adjacent violators), and kept as knots.
Applying it interpolates between knots. A model ships its calibration beside its adapter
(`calibration.json`), or the config names one (`model.calibration`).
"""

from __future__ import annotations

import json
from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from yayi_batch.schema import EventRecord, Record

CALIBRATION_FILE = "calibration.json"


def isotonic(xs: Sequence[float], ys: Sequence[float]) -> tuple[list[float], list[float]]:
    """Pool adjacent violators over points sorted by x: (knot x, fitted y) of each pooled block,
    x the block's mean raw confidence, y its observed precision (non-decreasing)."""
    order = sorted(range(len(xs)), key=lambda i: xs[i])
    blocks: list[list[float]] = []  # [sum x, sum y, n, largest x]
    for i in order:
        if blocks and blocks[-1][3] == xs[i]:  # one knot per distinct confidence
            blocks[-1][:3] = [blocks[-1][0] + xs[i], blocks[-1][1] + ys[i], blocks[-1][2] + 1.0]
        else:
            blocks.append([xs[i], ys[i], 1.0, xs[i]])
        while len(blocks) > 1 and blocks[-2][1] / blocks[-2][2] > blocks[-1][1] / blocks[-1][2]:
            x, y, n, top = blocks.pop()
            blocks[-1] = [blocks[-1][0] + x, blocks[-1][1] + y, blocks[-1][2] + n, top]
    return [b[0] / b[2] for b in blocks], [b[1] / b[2] for b in blocks]


@dataclass(frozen=True)
class Calibration:
    knots: dict[str, tuple[tuple[float, ...], tuple[float, ...]]] = field(default_factory=dict)  # task -> (xs, ys)
    source: str = ""  # what it was fit on

    def value(self, task: str, raw: float | None) -> float | None:
        if raw is None or task not in self.knots:
            return raw
        xs, ys = self.knots[task]
        if raw <= xs[0]:
            return round(ys[0], 6)
        if raw >= xs[-1]:
            return round(ys[-1], 6)
        i = bisect_right(xs, raw) - 1
        t = (raw - xs[i]) / (xs[i + 1] - xs[i]) if xs[i + 1] > xs[i] else 0.0
        return round(ys[i] + t * (ys[i + 1] - ys[i]), 6)

    def records(self, task: str, records: Sequence[Record]) -> list[Record]:
        if task not in self.knots and not (task == "ee_args" and "ee" in self.knots):
            return list(records)
        key = "ee" if task == "ee_args" else task
        out: list[Record] = []
        for r in records:
            r = replace(r, confidence=self.value(key, r.confidence))
            if isinstance(r, EventRecord):
                r = replace(r, arguments=tuple(replace(a, confidence=self.value(key, a.confidence)) for a in r.arguments))
            out.append(r)
        return out

    @classmethod
    def fit(cls, points: dict[str, tuple[Sequence[float], Sequence[float]]], source: str = "") -> Calibration:
        return cls({task: tuple(map(tuple, isotonic(xs, ys))) for task, (xs, ys) in points.items() if xs}, source)  # type: ignore[misc]

    def dump(self, path: str | Path) -> None:
        Path(path).write_text(
            json.dumps({"source": self.source, "knots": {t: {"x": list(x), "y": list(y)} for t, (x, y) in self.knots.items()}}, indent=1)
            + "\n"
        )

    @classmethod
    def load(cls, path: str | Path) -> Calibration:
        data = json.loads(Path(path).read_text())
        return cls({t: (tuple(k["x"]), tuple(k["y"])) for t, k in data.get("knots", {}).items()}, data.get("source", ""))
