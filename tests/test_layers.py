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
    "yayi_batch.testing.standin_text",
}


def _all_modules() -> list[str]:
    return sorted(m.name for m in pkgutil.walk_packages(yayi_batch.__path__, "yayi_batch."))


PURE = [m for m in _all_modules() if m not in ENGINE_SIDE]


def test_the_pure_list_covers_the_named_layers():
    """chunk, prompts, parse, ground, schema, config, steps and the engine's row processing."""
    for layer in ("yayi_batch.chunk.split", "yayi_batch.chunk.token_count", "yayi_batch.prompts.build",
                  "yayi_batch.parse.lenient", "yayi_batch.ground.find", "yayi_batch.ground.records",
                  "yayi_batch.schema.tables", "yayi_batch.config", "yayi_batch.steps.answers",
                  "yayi_batch.steps.prepare", "yayi_batch.generate.rows", "yayi_batch.write.paths",
                  "yayi_batch.write.tables", "yayi_batch.finalize.documents", "yayi_batch.publish.commit"):
        assert layer in PURE, layer


def test_engine_side_names_are_real_modules():
    assert ENGINE_SIDE <= set(_all_modules())


@pytest.mark.parametrize("module", PURE)
def test_pure_module_imports_no_engine_stack(module):
    code = (f"import json, sys; import {module}; "
            f"print(json.dumps(sorted(m for m in {HEAVY!r} if m in sys.modules)))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout.strip().splitlines()[-1]) == [], f"{module} pulls in the engine stack"


def test_io_layers_do_not_import_steps():
    """write/ and publish/ move files; they must not depend on the per-batch steps."""
    code = ("import sys; import yayi_batch.write.paths, yayi_batch.write.tables, yayi_batch.publish.commit; "
            "print(sorted(m for m in sys.modules if m.startswith('yayi_batch.steps')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"
