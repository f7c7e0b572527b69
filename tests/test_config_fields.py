"""Every field of the job config, given a bad value through `--set`, is refused in one line that
names the field, with exit code 2 and no traceback: generated from the config models themselves,
so a field added later is covered without a new test."""

from __future__ import annotations

import datetime as dt
import types
import typing
from enum import Enum

import pytest
from annotated_types import Ge, Gt, Le
from pydantic import BaseModel

from yayi_batch.cli import main
from yayi_batch.config import JobConfig

BASE = ["run", "--config", "configs/local.yaml"]


def _bad_values(annotation, metadata) -> list[str]:
    """Values (as `--set` text) that the field must refuse."""
    origin = typing.get_origin(annotation)
    args = [a for a in typing.get_args(annotation) if a is not type(None)]
    if origin in (typing.Union, types.UnionType):
        return _bad_values(args[0], metadata) if len(args) == 1 else ["{a: [1]}"]
    if origin is typing.Literal:
        return ["not-one-of-them"]
    if origin is list:
        return ["{a: 1}"] + (["[not-a-task]"] if args and isinstance(args[0], type) and issubclass(args[0], Enum) else [])
    if origin is dict:
        return ["[1, 2]"]
    if annotation is bool:
        return ["maybe"]
    if annotation in (int, float):
        out = ["many"]
        for m in metadata:
            if isinstance(m, Ge):
                out.append(str(m.ge - 1))
            elif isinstance(m, Gt):
                out.append(str(m.gt - (1 if annotation is int else 0)))
            elif isinstance(m, Le):
                out.append(str(m.le + 1))
        return out
    if annotation is dt.date:
        return ["2026-13-45", "yesterday"]
    if annotation is str:
        return ["[1, 2]"]
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return ["5"]
    return []


def _fields(model: type[BaseModel], prefix: str = ""):
    for name, info in model.model_fields.items():
        path = f"{prefix}{name}"
        annotation = info.annotation
        inner = [a for a in typing.get_args(annotation) if a is not type(None)]
        nested = annotation if isinstance(annotation, type) and issubclass(annotation, BaseModel) else None
        if nested is None and len(inner) == 1 and isinstance(inner[0], type) and issubclass(inner[0], BaseModel):
            nested = inner[0]
        if nested is not None:
            yield path, annotation, info.metadata
            yield from _fields(nested, f"{path}.")
        else:
            yield path, annotation, info.metadata


CASES = [(path, bad) for path, annotation, metadata in _fields(JobConfig) for bad in _bad_values(annotation, metadata)]


def test_every_leaf_field_has_a_bad_value():
    covered = {path for path, _ in CASES}
    leaves = {path for path, annotation, _ in _fields(JobConfig)}
    assert leaves - covered == set(), "a field type without a generated bad value: extend _bad_values"
    assert len(CASES) > 60


@pytest.mark.parametrize(("path", "bad"), CASES, ids=[f"{p}={b}" for p, b in CASES])
def test_a_bad_value_is_one_line_naming_the_field(capsys, path, bad):
    assert main([*BASE, "--set", f"{path}={bad}"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0, err  # one line
    assert err.startswith("yayi-batch: configs/local.yaml: invalid config: ")
    assert path in err and "Traceback" not in err
    if "storage_options" in path or "engine_kwargs" in path:
        assert bad.strip("[]{}") not in err.split(path, 1)[1] or bad == "[1, 2]"


def test_a_malformed_run_date_names_the_field_and_the_value(capsys):
    assert main([*BASE, "--run-date", "2026-13-45"]) == 2
    err = capsys.readouterr().err
    assert "field output.run_date" in err and "'2026-13-45'" in err and err.count("\n") == 1
