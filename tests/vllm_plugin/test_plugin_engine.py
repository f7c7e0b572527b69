"""vLLM with the Baichuan 2 plugin vs a plain-PyTorch reference, on the tiny stand-ins.

One engine per layout (module-scoped, parametrized: pytest finishes one layout and tears its
engine down before starting the next). fp32, eager, block size 32; prompts of 5, 40 and 70
tokens in one batch cross zero, one and two KV-cache blocks. `logprobs_mode="raw_logits"` makes
vLLM return raw logits for prompt positions and for each greedy decode step, so they are
compared directly with the reference logits.
"""

from __future__ import annotations

import gc
import json
import math
from pathlib import Path

import pytest
from baichuan_reference import baichuan_interleave

torch = pytest.importorskip("torch")
pytest.importorskip("vllm")


PROMPT_LENGTHS = (5, 40, 70)
DECODE_TOKENS = 6
TOP_K = 20
TOLERANCE = 1e-3
MEASURED: dict[str, float] = {}


# ---- reference: Baichuan 2 from the published modeling code, in float64 -------------------


def load_checkpoint(model_dir: Path) -> dict:
    from safetensors.torch import load_file

    files = sorted(model_dir.glob("*.safetensors"))
    if files:
        tensors = {}
        for f in files:
            tensors.update(load_file(str(f)))
        return tensors
    tensors = {}
    for f in sorted(model_dir.glob("pytorch_model*.bin")):
        tensors.update(torch.load(f, map_location="cpu", weights_only=True))
    return tensors


def reference_logits(model_dir: Path, ids: list[int]) -> torch.Tensor:
    cfg = json.loads((model_dir / "config.json").read_text())
    w = {k: v.double() for k, v in load_checkpoint(model_dir).items()}
    h, n = cfg["hidden_size"], cfg["num_attention_heads"]
    d, T, eps = h // n, len(ids), cfg["rms_norm_eps"]
    alibi = cfg["position_embedding"] == "ALIBI"

    def rms(x, weight):
        return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + eps) * weight

    def rotate_half(x):
        x1, x2 = x[..., : d // 2], x[..., d // 2 :]
        return torch.cat((-x2, x1), dim=-1)

    pos = torch.arange(T, dtype=torch.float64)
    inv_freq = 1.0 / (10000 ** (torch.arange(0, d, 2, dtype=torch.float64) / d))
    freqs = torch.outer(pos, inv_freq)
    emb = torch.cat((freqs, freqs), dim=-1)
    cos, sin = emb.cos(), emb.sin()
    slopes = torch.tensor(baichuan_interleave(n), dtype=torch.float64)
    # Baichuan-13B adds slope * key_position (same softmax as slope * (j - i)).
    bias = slopes[:, None, None] * pos[None, None, :]
    causal = torch.full((T, T), float("-inf"), dtype=torch.float64).triu(1)

    x = w["model.embed_tokens.weight"][torch.tensor(ids)]
    for i in range(cfg["num_hidden_layers"]):
        p = f"model.layers.{i}."
        res = x
        x = rms(x, w[p + "input_layernorm.weight"])
        q, k, v = (x @ w[p + "self_attn.W_pack.weight"].T).split(h, dim=-1)
        q, k, v = (t.view(T, n, d).transpose(0, 1) for t in (q, k, v))
        if not alibi:
            q, k = q * cos + rotate_half(q) * sin, k * cos + rotate_half(k) * sin
        scores = q @ k.transpose(1, 2) / math.sqrt(d) + causal
        if alibi:
            scores = scores + bias
        attn = (torch.softmax(scores, dim=-1) @ v).transpose(0, 1).reshape(T, h)
        x = res + attn @ w[p + "self_attn.o_proj.weight"].T
        res = x
        x = rms(x, w[p + "post_attention_layernorm.weight"])
        gate, up = x @ w[p + "mlp.gate_proj.weight"].T, x @ w[p + "mlp.up_proj.weight"].T
        x = res + (torch.nn.functional.silu(gate) * up) @ w[p + "mlp.down_proj.weight"].T
    x = rms(x, w["model.norm.weight"])
    head = torch.nn.functional.normalize(w["lm_head.weight"], dim=-1)  # NormHead
    return x @ head.T


# ---- engine -----------------------------------------------------------------------------


@pytest.fixture(scope="module", params=["13b", "7b"])
def engine(request, real_engine, tmp_path_factory):
    from vllm import LLM

    from yayi_batch.model.yayi_tokenizer import prepare_yayi_tokenizer
    from yayi_batch.testing.standin import make_standin

    layout = request.param
    root = tmp_path_factory.mktemp(f"engine-{layout}")
    model_dir = make_standin(layout, root / "model")
    tok_dir = prepare_yayi_tokenizer(str(model_dir), str(root / "cache"))
    llm = LLM(
        model=str(model_dir),
        tokenizer=tok_dir,
        dtype="float32",
        enforce_eager=True,
        max_model_len=128,
        block_size=32,
        kv_cache_memory_bytes=32 << 20,
        max_num_seqs=4,
        enable_prefix_caching=False,
        logprobs_mode="raw_logits",
        max_logprobs=TOP_K,
        seed=0,
    )
    yield layout, model_dir, tok_dir, llm
    llm.llm_engine.engine_core.shutdown()
    del llm
    gc.collect()


def _prompts(vocab_size: int) -> list[list[int]]:
    g = torch.Generator().manual_seed(1234)
    return [torch.randint(3, vocab_size, (n,), generator=g).tolist() for n in PROMPT_LENGTHS]


def _compare(ref_row: torch.Tensor, got: dict, where: str) -> float:
    """Raw logits of vLLM's top-K (+ the scored token) vs the reference row."""
    worst = 0.0
    kth = torch.topk(ref_row, TOP_K).values[-1].item()
    for tid, lp in got.items():
        diff = abs(lp.logprob - ref_row[tid].item())
        assert diff < TOLERANCE, f"{where}: token {tid} logit {lp.logprob} vs {ref_row[tid].item()}"
        if lp.rank is not None and lp.rank <= TOP_K:
            assert ref_row[tid].item() >= kth - TOLERANCE, f"{where}: token {tid} not in top-{TOP_K}"
        worst = max(worst, diff)
    return worst


def test_batch_logits_match_reference(engine):
    from vllm import SamplingParams
    from vllm.inputs import TokensPrompt

    layout, model_dir, _, llm = engine
    vocab = json.loads((model_dir / "config.json").read_text())["vocab_size"]
    prompts = _prompts(vocab)
    params = SamplingParams(max_tokens=DECODE_TOKENS, temperature=0.0, ignore_eos=True, logprobs=TOP_K, prompt_logprobs=TOP_K)
    outputs = llm.generate([TokensPrompt(prompt_token_ids=p) for p in prompts], params)
    worst = 0.0
    for prompt, out in zip(prompts, outputs):
        gen = list(out.outputs[0].token_ids)
        assert len(gen) == DECODE_TOKENS
        ref = reference_logits(model_dir, prompt + gen)
        for i in range(1, len(prompt)):  # logits at i-1 scoring prompt[i]
            worst = max(worst, _compare(ref[i - 1], out.prompt_logprobs[i], f"{layout} prompt pos {i}"))
        for j, (tid, lps) in enumerate(zip(gen, out.outputs[0].logprobs)):
            row = ref[len(prompt) - 1 + j]
            worst = max(worst, _compare(row, lps, f"{layout} decode step {j}"))
            assert row[tid].item() >= row.max().item() - TOLERANCE, f"{layout}: greedy step {j}"
    MEASURED[layout] = worst
    print(f"\n[{layout}] max |logit(vLLM) - logit(reference)| = {worst:.3e}")
    assert worst < TOLERANCE


def test_raw_yayi_prompt(engine):
    """The pipeline's path: a text prompt with the reserved tokens, tokenized by the prepared folder."""
    import sentencepiece as spm
    from vllm import SamplingParams

    layout, model_dir, _, llm = engine
    text = "<reserved_13>抽取下文中的实体：Apple Inc. 于1976年在 Cupertino 成立。<reserved_14>"
    out = llm.generate([text], SamplingParams(max_tokens=4, temperature=0.0, ignore_eos=True))[0]
    sp = spm.SentencePieceProcessor(model_file=str(model_dir / "tokenizer.model"))
    assert list(out.prompt_token_ids) == sp.encode(text)  # stand-in: add_bos_token false
    assert out.prompt_token_ids[0] == sp.piece_to_id("<reserved_13>")
    assert out.prompt_token_ids[-1] == sp.piece_to_id("<reserved_14>")
    ref = reference_logits(model_dir, list(out.prompt_token_ids))
    first = out.outputs[0].token_ids[0]
    assert ref[-1, first].item() >= ref[-1].max().item() - TOLERANCE
    assert isinstance(out.outputs[0].text, str)
