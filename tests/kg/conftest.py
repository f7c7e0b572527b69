"""tests/kg: the knowledge-graph step on fake published outputs (``tests/fake_run.py``)."""

from __future__ import annotations

import sys
from pathlib import Path

# fake_run.py lives one folder up; the other suites import it as a top-level module too.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
