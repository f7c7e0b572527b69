"""The quality benchmark of the embedded default (or any config): `yayi-batch bench` over the
public held-out splits of benchmarks/ie_sets.yaml, with the spaCy baseline where it applies.

    python benchmarks/ie_quality.py [--config configs/local.yaml] [--set model.source=...] [--only conll2003-test]

Writes benchmarks/results/ie_quality-{model}.json (with the machine) and prints the table.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from job_vs_engine import _machine  # the same machine record as the other benchmarks

from yayi_batch.evaluation.bench_cli import main as bench

HERE = Path(__file__).resolve().parent


def main(argv: list[str]) -> int:
    label = next((a.split("=", 1)[1] for a in argv if a.startswith("model.source=")), "embedded:yayi-ie-gemma3-270m")
    results = HERE / "results" / f"ie_quality-{label.split(':')[-1].replace('/', '_')}.json"
    code = bench(["--sets", str(HERE / "ie_sets.yaml"), "--baseline", "spacy", "--work", "bench-work", "--results", str(results), *argv])
    if code == 0:
        data = json.loads(results.read_text())
        data["machine"] = _machine()
        results.write_text(json.dumps(data, ensure_ascii=False, indent=2))
    return code


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
