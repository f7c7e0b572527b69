"""The graph built from a published output on S3 (moto's server on 127.0.0.1)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from kg_rows import date1_rows, date2_rows

from yayi_batch.kg.cli import main
from yayi_batch.testing.fake_output import build_fake_output

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "integration"))
from yayi_batch.testing.s3 import moto_s3  # noqa: E402


@pytest.mark.slow
@pytest.mark.s3
def test_graph_from_s3_output(tmp_path: Path, capsys) -> None:
    local = build_fake_output(tmp_path / "out", date1_rows(), run_id="run-1", run_date="2024-05-01")
    build_fake_output(local, date2_rows(), run_id="run-2", run_date="2024-05-02")
    with moto_s3("lake") as (fs, options):
        fs.put(str(local), "lake/out", recursive=True)
        endpoint = options["client_kwargs"]["endpoint_url"]
        args = ["s3://lake/out", "--graph", str(tmp_path / "g"), "--storage-option", "key=testing",
                "--storage-option", "secret=testing", "--storage-option", f"client_kwargs.endpoint_url={endpoint}"]  # fmt: skip
        assert main(args) == 0
        printed = capsys.readouterr().out
        assert "dates staged 2024-05-01, 2024-05-02" in printed
        assert "nodes: 8" in printed and "RELATION:works for: 3" in printed
        assert main(args) == 0  # unchanged objects (same etags): nothing restaged
        assert "unchanged 2024-05-01, 2024-05-02 (nothing to rebuild)" in capsys.readouterr().out
