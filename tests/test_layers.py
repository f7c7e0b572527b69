"""The pure layers import none of ray, vllm, torch, transformers: each module is imported in a
fresh interpreter and `sys.modules` is checked (as Ray's own lazy-import tests do)."""

from __future__ import annotations

import json
import pkgutil
import subprocess
import sys

import pytest

import yayi_batch

HEAVY = ("ray", "vllm", "torch", "transformers")

# Everything but these is pure. They are where Ray or vLLM belong (or the model is loaded).
ENGINE_SIDE = {
    "yayi_batch.cli",  # imports the run lazily, but `run` and `demo` need Ray
    "yayi_batch.generate.engine",
    "yayi_batch.read.dataset",
    "yayi_batch.write.sink",
    "yayi_batch.finalize.ray_ops",  # finalize and the retry prompts as Ray Data operations
    "yayi_batch.shuffle",  # sizes Ray Data key shuffles
    "yayi_batch.run",
    "yayi_batch.run.job",
    "yayi_batch.run.passes",
    "yayi_batch.run.checkpoint",
    "yayi_batch.run.context",  # resolves the model (transformers, lazily) and lists inputs
    "yayi_batch.vllm_plugin",
    "yayi_batch.vllm_plugin.baichuan",
    "yayi_batch.vllm_plugin.config",
    "yayi_batch.model.check",
    "yayi_batch.model.chat_template",  # loads the tokenizer (transformers, lazily)
    "yayi_batch.model.resolve",
    "yayi_batch.model.yayi_tokenizer",
    "yayi_batch.model.node",
    "yayi_batch.testing",
    "yayi_batch.testing.standin",
    "yayi_batch.testing.tiny_model",  # torch, transformers (inside its function)
    "yayi_batch.publish.iceberg",  # Ray Data's Iceberg writer
    "yayi_batch.plan.count",  # the plan's counts in Ray Data
    "yayi_batch.plan.cli",
    "yayi_batch.testing.standin_text",
}


def _all_modules() -> list[str]:
    return sorted(m.name for m in pkgutil.walk_packages(yayi_batch.__path__, "yayi_batch."))


PURE = [m for m in _all_modules() if m not in ENGINE_SIDE]


def test_the_pure_list_covers_the_named_layers():
    """chunk, prompts, parse, ground, schema, config, the stage adapters and the engine's row processing."""
    for layer in (
        "yayi_batch.chunk.split",
        "yayi_batch.chunk.token_count",
        "yayi_batch.prompts.build",
        "yayi_batch.parse.lenient",
        "yayi_batch.ground.find",
        "yayi_batch.ground.records",
        "yayi_batch.schema.tables",
        "yayi_batch.config",
        "yayi_batch.parse.rows",
        "yayi_batch.chunk.rows",
        "yayi_batch.prompts.rows",
        "yayi_batch.schema.columns",
        "yayi_batch.generate.rows",
        "yayi_batch.generate.endpoint",
        "yayi_batch.write.paths",
        "yayi_batch.write.staged",
        "yayi_batch.labelled.formats",
        "yayi_batch.parse.confidence",
        "yayi_batch.parse.calibration",
        "yayi_batch.plan.estimate",
        "yayi_batch.publish.reader",
        "yayi_batch.publish.iceberg_tables",
        "yayi_batch.write.tables",
        "yayi_batch.finalize.documents",
        "yayi_batch.publish.commit",
    ):
        assert layer in PURE, layer


def test_engine_side_names_are_real_modules():
    assert ENGINE_SIDE <= set(_all_modules())


@pytest.mark.parametrize("module", PURE)
def test_pure_module_imports_no_engine_stack(module):
    code = f"import json, sys; import {module}; print(json.dumps(sorted(m for m in {HEAVY!r} if m in sys.modules)))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout.strip().splitlines()[-1]) == [], f"{module} pulls in the engine stack"


def test_io_layers_do_not_import_the_stage_adapters():
    """write/ and publish/ move files; they must not depend on the per-batch stage adapters."""
    adapters = ("yayi_batch.chunk.rows", "yayi_batch.prompts.rows", "yayi_batch.parse.rows", "yayi_batch.chunk.retry")
    code = (
        "import sys; import yayi_batch.write.paths, yayi_batch.write.tables, yayi_batch.write.staged, yayi_batch.publish.commit; "
        f"print(sorted(m for m in sys.modules if m in {adapters!r}))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"
