"""Confidence in the eval: observed precision per bucket, thresholds, and a calibration fit,
on a synthetic source whose confidence is calibrated by construction."""

import random

import polars as pl
import pytest

from yayi_batch.evaluation.metrics import METRICS, calibration_points, confidence_report
from yayi_batch.parse.calibration import Calibration


def synthetic(n=4000, seed=3, skew=lambda c: c):
    """n predicted entities with confidence c, each right with probability skew(c)."""
    rng = random.Random(seed)
    gold, pred = [], []
    for i in range(n):
        c = rng.random()
        right = rng.random() < skew(c)
        pred.append({"doc_id": f"d{i}", "type": "person", "text": f"name{i}", "confidence": c})
        gold.append({"doc_id": f"d{i}", "type": "person", "text": f"name{i}" if right else f"other{i}"})
    return pl.DataFrame(gold), pl.DataFrame(pred)


def test_a_calibrated_source_has_monotone_precision_and_a_small_ece():
    gold, pred = synthetic()
    report = confidence_report(gold, pred, METRICS["ner"])
    precisions = [b["precision"] for b in report["buckets"]]
    assert all(a < b for a, b in zip(precisions, precisions[1:]))  # monotone
    for b in report["buckets"]:
        assert abs(b["precision"] - b["mean_confidence"]) < 0.06
    assert report["ece"] < 0.03
    kept = [t["kept"] for t in report["thresholds"]]
    precision = [t["precision"] for t in report["thresholds"]]
    assert kept == sorted(kept, reverse=True) and precision == sorted(precision)  # higher threshold: fewer, more precise
    assert report["thresholds"][-1]["recall"] < report["thresholds"][0]["recall"]


def test_a_fit_calibration_corrects_an_overconfident_source():
    gold, pred = synthetic(skew=lambda c: c * c)  # says c, is right with c^2: overconfident
    before = confidence_report(gold, pred, METRICS["ner"])["ece"]
    cal = Calibration.fit({"ner": calibration_points(gold, pred, METRICS["ner"])})
    test_gold, test_pred = synthetic(seed=4, skew=lambda c: c * c)
    fixed = test_pred.with_columns(pl.col("confidence").map_elements(lambda c: cal.value("ner", c), return_dtype=pl.Float64))
    after = confidence_report(test_gold, fixed, METRICS["ner"])["ece"]
    assert before > 0.1 and after < 0.04


def test_predictions_without_confidence_give_no_report():
    gold, pred = synthetic(n=10)
    assert confidence_report(gold, pred.drop("confidence"), METRICS["ner"]) is None
    assert confidence_report(gold, pred.with_columns(pl.lit(None, pl.Float64).alias("confidence")), METRICS["ner"]) is None


@pytest.mark.parametrize("raw", [0.0, 0.5, 1.0])
def test_calibration_round_trips_through_its_file(tmp_path, raw):
    cal = Calibration.fit({"ner": ([0.2, 0.5, 0.8], [0.0, 1.0, 1.0])}, source="x")
    cal.dump(tmp_path / "calibration.json")
    assert Calibration.load(tmp_path / "calibration.json").value("ner", raw) == cal.value("ner", raw)
