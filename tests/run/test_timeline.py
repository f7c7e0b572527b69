"""run/timeline.py: pass windows and operator windows as seconds from the run's start."""

from __future__ import annotations

from types import SimpleNamespace

from yayi_batch.run.timeline import Timeline, operators


def _op(name, start, end, sub=False):
    return SimpleNamespace(
        operator_name=name,
        is_sub_operator=sub,
        earliest_start_time=start,
        latest_end_time=end,
        wall_time=SimpleNamespace(sum=1.234),
        output_num_rows=SimpleNamespace(sum=7),
    )


def test_operators_walk_parents_first_and_skip_sub_operators():
    parent = SimpleNamespace(parents=[], operators_stats=[_op("ReadParquet", 10.0, 11.0)])
    child = SimpleNamespace(parents=[parent], operators_stats=[_op("MapBatches(Parse)", 11.0, 15.0), _op("inner", 11, 12, sub=True)])
    ds = SimpleNamespace(get_stats_summary=lambda: child)
    got = operators(ds)
    assert [o["operator"] for o in got] == ["ReadParquet", "MapBatches(Parse)"]
    assert got[1] == {"operator": "MapBatches(Parse)", "start": 11.0, "end": 15.0, "task_wall_s": 1.23, "rows_out": 7}


def test_a_dataset_without_stats_gives_no_operators():
    def broken():
        raise RuntimeError("not executed")

    assert operators(SimpleNamespace(get_stats_summary=broken)) == []


def test_windows_are_relative_to_the_run_start():
    t = Timeline()
    t.started = 100.0
    t.add_pass("extract", 102.0, 130.5, [{"operator": "vLLMEngineStage", "start": 104.0, "end": 129.0, "task_wall_s": 20.0, "rows_out": 5}])
    rel = t.relative()
    assert rel[0] == {"pass": "extract", "operator": None, "start": 2.0, "end": 30.5, "task_wall_s": None, "rows_out": None}
    assert (rel[1]["start"], rel[1]["end"], rel[1]["operator"]) == (4.0, 29.0, "vLLMEngineStage")
