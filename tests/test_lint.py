"""The tree passes ruff (lint, import order, formatting) and the type checker over the pure
layers, as configured in pyproject.toml: what CI runs with the suite."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _tool(name: str) -> str:
    path = shutil.which(name) or str(Path(sys.executable).parent / name)
    if not Path(path).exists():
        pytest.fail(f"{name} is not installed: bash scripts/install.sh --dev installs it")
    return path


@pytest.mark.parametrize("args", [["check"], ["format", "--check"]], ids=["check", "format"])
def test_ruff_passes(args):
    out = subprocess.run([_tool("ruff"), *args, str(ROOT)], capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert out.returncode == 0, out.stdout + out.stderr


@pytest.mark.slow
def test_the_pure_layers_type_check():
    out = subprocess.run([_tool("mypy")], capture_output=True, text=True, cwd=ROOT, timeout=600)
    assert out.returncode == 0, out.stdout + out.stderr
