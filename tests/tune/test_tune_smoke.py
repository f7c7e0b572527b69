"""`yayi-batch tune` for a few steps through real Ray Train, peft and transformers, on a tiny
random Llama with SmolLM2's tokenizer (seconds, not the recipe): it trains, checkpoints,
resumes with its loss history whole, exports a small adapter, and the adapter merges into
the base with the same outputs the unmerged adapter gives."""

from __future__ import annotations

import json

import pytest

torch = pytest.importorskip("torch")
ray = pytest.importorskip("ray")


def tune(out, base, steps):
    from yayi_batch.tune.cli import main

    return main(
        ["--config", "tests/tune/fixtures/tune.yaml", "--output", str(out), "--max-steps", str(steps), "--set", f"base_model={base}"]
    )


@pytest.mark.slow
def test_tune_checkpoints_resumes_exports_and_merges(tmp_path, tiny_model, local_ray):
    out = tmp_path / "tune"
    assert tune(out, tiny_model, 2) == 0
    first = [json.loads(line) for line in (out / "metrics.jsonl").read_text().splitlines()]
    assert [h["step"] for h in first] == [1, 2]
    assert all(h["tokens"] > 0 and h["loss"] > 0 for h in first)

    assert tune(out, tiny_model, 4) == 0  # the same output and run name: resumes at step 2
    history = [json.loads(line) for line in (out / "metrics.jsonl").read_text().splitlines()]
    assert [h["step"] for h in history] == [1, 2, 3, 4]
    assert history[:2] == first  # carried in the checkpoint, not trained again
    summary = json.loads((out / "summary.json").read_text())
    assert summary["steps"] == 4 and summary["data"]["news-en"]["train_pairs"] == 9
    assert summary["heldout_loss"] and summary["heldout_loss"][-1]["step"] == 4  # measured at the end
    report = (out / "report.html").read_text()
    assert report.count('class="bar"') >= 4 and "msra" in report  # the loss curve and the data table

    adapter = out / "adapter"
    assert {p.name for p in adapter.iterdir()} == {"adapter_config.json", "adapter_model.safetensors"}
    assert (adapter / "adapter_model.safetensors").stat().st_size < 200_000

    from peft import PeftModel
    from transformers import AutoModelForCausalLM

    from yayi_batch.model.resolve import merge_adapter

    merged_dir = tmp_path / "merged"
    merge_adapter(tiny_model, adapter, merged_dir)
    ids = torch.tensor([[1, 200, 300, 400, 500]])
    with torch.no_grad():
        base = AutoModelForCausalLM.from_pretrained(str(tiny_model)).eval()
        plain = base(ids).logits
        unmerged = PeftModel.from_pretrained(base, str(adapter)).eval()(ids).logits
        merged = AutoModelForCausalLM.from_pretrained(str(merged_dir)).eval()(ids).logits
    assert torch.allclose(merged, unmerged, atol=1e-4)
    assert not torch.allclose(merged, plain, atol=1e-6)  # the adapter changed the model
