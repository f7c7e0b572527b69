"""LoRA instruction tuning with Ray Train's TorchTrainer. Engine side: torch, transformers, peft, ray.

One worker per `train.workers` (CPU here, GPU on a cluster with `train.use_gpu`), data parallel
through `ray.train.torch.prepare_model`. The answer tokens carry the loss; the prompt is the
chat template the engine applies to the job's user message (vLLM renders the same template).

Checkpoints hold the adapter, the optimizer, the scheduler, the step and the loss history; a
run started again with the same output and run name resumes from the newest one (Ray Train
restores the run's checkpoint state from its storage path), so a killed tune loses at most
`checkpoint_every` steps, and the loss curve stays whole.
"""

from __future__ import annotations

import json
import math
import shutil
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any

from yayi_batch.tune.batches import IGNORE, TokenRow, batch_order, pad, positions, token_row

STATE_FILE = "state.pt"
ADAPTER_DIR = "adapter"
FULL_WEIGHTS = "trainable.safetensors"  # method full: every trained weight


def answer_text(answer: str, eos: str) -> str:
    """What the model learns to write after the prompt: the JSON, then its end-of-turn token."""
    return answer + eos


def tokenize(tokenizer: Any, rows: list[dict], max_seq_tokens: int) -> tuple[list[TokenRow], Counter]:
    """Token rows in the engine's rendering; longer rows are left out and counted by source."""
    out, too_long = [], Counter()
    for r in rows:
        prompt_ids = tokenizer.apply_chat_template(
            [{"role": "user", "content": r["prompt"]}], add_generation_prompt=True, tokenize=True, return_dict=False
        )
        answer_ids = tokenizer(answer_text(r["answer"], tokenizer.eos_token), add_special_tokens=False)["input_ids"]
        if len(prompt_ids) + len(answer_ids) > max_seq_tokens:
            too_long[r["source"]] += 1
            continue
        out.append(token_row(list(prompt_ids), list(answer_ids)))
    return out, too_long


def _read_rows(path: str) -> list[dict]:
    from yayi_batch.fs import filesystem

    fs, p = filesystem(path)
    with fs.open(p, "r", encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def _answer_loss(model: Any, rows: list[TokenRow], pad_id: int, device: Any) -> tuple[Any, int]:
    """Summed cross-entropy over the answer tokens of a batch, and their number.

    The output layer (262k tokens for Gemma) runs on the answer positions alone: the decoder's
    hidden states are gathered where a label is, then projected. Under DDP (several workers) the
    forward must go through the wrapper, so it keeps the last `width + 1` positions of every row
    (the rows are left-padded, answers at the end) and projects those.
    """
    import torch

    ids, mask, labels, width = pad(rows, pad_id)
    ids, mask, labels, pos = (torch.tensor(x, device=device) for x in (ids, mask, labels, positions(mask)))
    if hasattr(model, "module"):  # DDP
        logits = model(input_ids=ids, attention_mask=mask, position_ids=pos, logits_to_keep=width + 1).logits[:, :-1]
        target = labels[:, -width:].reshape(-1)
        logits = logits.reshape(-1, logits.shape[-1])
    else:
        lm = model.get_base_model() if hasattr(model, "get_base_model") else model  # peft keeps its layers in place
        hidden = lm.get_decoder()(input_ids=ids, attention_mask=mask, position_ids=pos).last_hidden_state[:, :-1]
        target = labels[:, 1:]
        keep = target != IGNORE
        logits, target = lm.get_output_embeddings()(hidden[keep]), target[keep]
    loss = torch.nn.functional.cross_entropy(logits.float(), target, ignore_index=IGNORE, reduction="sum")
    return loss, int((target != IGNORE).sum())


def heldout_loss(model: Any, rows: list[TokenRow], pad_id: int, device: Any, batch_size: int) -> float:
    """Mean loss per answer token on held-out pairs: what the comparison of settings reads."""
    import torch

    if not rows:
        return math.nan
    model.train(False)  # no dropout while measuring
    total, n = 0.0, 0
    with torch.no_grad():
        order = sorted(range(len(rows)), key=lambda i: len(rows[i].input_ids))
        for b in range(0, len(order), batch_size):
            loss, k = _answer_loss(model, [rows[i] for i in order[b : b + batch_size]], pad_id, device)
            total, n = total + loss.item(), n + k
    model.train()
    return total / n


def _trainable(model: Any, method: str, lora: dict) -> Any:
    """LoRA adapters on the frozen model, or every weight but the (tied) embeddings."""
    if method == "full":
        for name, p in model.named_parameters():
            p.requires_grad = "embed_tokens" not in name
        return model
    from peft import LoraConfig, get_peft_model

    return get_peft_model(
        model,
        LoraConfig(
            r=lora["r"],
            lora_alpha=lora["alpha"],
            lora_dropout=lora["dropout"],
            target_modules=lora["target_modules"],
            task_type="CAUSAL_LM",
        ),
    )


def _save_weights(model: Any, method: str, folder: Path) -> None:
    if method == "full":
        from safetensors.torch import save_file

        folder.mkdir(parents=True, exist_ok=True)
        save_file({n: p.detach().contiguous() for n, p in model.named_parameters() if p.requires_grad}, str(folder / FULL_WEIGHTS))
    else:
        model.save_pretrained(str(folder))


def _load_weights(model: Any, method: str, folder: Path) -> None:
    from safetensors.torch import load_file

    if method == "full":
        model.load_state_dict(load_file(str(folder / FULL_WEIGHTS)), strict=False)
    else:
        from peft import set_peft_model_state_dict

        set_peft_model_state_dict(model, load_file(str(folder / "adapter_model.safetensors")))


def train_loop_per_worker(cfg: dict) -> None:
    """Runs in every Ray Train worker."""
    import ray.train
    import ray.train.torch
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer, get_cosine_schedule_with_warmup

    ctx = ray.train.get_context()
    rank, world = ctx.get_world_rank(), ctx.get_world_size()
    t = cfg["train"]
    method = t["method"]
    torch.manual_seed(cfg["seed"])
    if not t["use_gpu"]:
        torch.set_num_threads(t["cpus_per_worker"])
    tokenizer = AutoTokenizer.from_pretrained(cfg["base_path"])
    model = _trainable(AutoModelForCausalLM.from_pretrained(cfg["base_path"], dtype=torch.float32), method, cfg["lora"])
    rows, too_long = tokenize(tokenizer, _read_rows(cfg["rows_path"]), t["max_seq_tokens"])
    eval_rows = []
    if cfg.get("eval_path") and t["eval_pairs"]:
        eval_rows, _ = tokenize(tokenizer, _read_rows(cfg["eval_path"])[: t["eval_pairs"]], t["max_seq_tokens"])
    params = [p for p in model.parameters() if p.requires_grad]
    optimizer = torch.optim.AdamW(params, lr=t["learning_rate"], weight_decay=t["weight_decay"])
    scheduler = get_cosine_schedule_with_warmup(optimizer, t["warmup_steps"], t["max_steps"])
    step, history = 0, []
    checkpoint = ray.train.get_checkpoint()
    if checkpoint:
        with checkpoint.as_directory() as d:
            _load_weights(model, method, Path(d) / ADAPTER_DIR)
            state = torch.load(Path(d) / STATE_FILE, weights_only=False)
        optimizer.load_state_dict(state["optimizer"])
        scheduler.load_state_dict(state["scheduler"])
        step, history = state["step"], state["history"]
        torch.set_rng_state(state["rng"])
    model = ray.train.torch.prepare_model(model)
    device = ray.train.torch.get_device()
    inner = model.module if hasattr(model, "module") else model
    pad_id = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else tokenizer.eos_token_id
    orders: dict[int, list[list[int]]] = {}

    def batches_of(epoch: int) -> list[list[int]]:
        """This rank's batches of an epoch; every rank gets as many (DDP steps in lockstep)."""
        if epoch not in orders:
            every = batch_order(rows, t["batch_size"], cfg["seed"], epoch)
            orders.clear()
            orders[epoch] = every[: len(every) // world * world][rank::world]
        return orders[epoch]

    per_epoch = len(batches_of(0))
    queue = cfg.get("progress")
    if rank == 0 and queue is not None:
        queue.put({"event": "start", "step": step, "max_steps": t["max_steps"], "examples": len(rows), "too_long": dict(too_long)})
    budget = t["max_minutes"] * 60 if t.get("max_minutes") else math.inf
    trained = sum(h["seconds"] for h in history)
    model.train()
    while step < t["max_steps"] and trained < budget:
        epoch, index = divmod(step, per_epoch)
        started = time.perf_counter()
        loss, n = _answer_loss(model, [rows[i] for i in batches_of(epoch)[index]], pad_id, device)
        loss = loss / max(n, 1)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        optimizer.step()
        scheduler.step()
        optimizer.zero_grad(set_to_none=True)
        step += 1
        record = {
            "step": step,
            "loss": loss.item(),
            "lr": scheduler.get_last_lr()[0],
            "seconds": time.perf_counter() - started,
            "tokens": sum(len(rows[i].input_ids) for i in batches_of(epoch)[index]),
            "epoch": epoch,
        }
        trained += record["seconds"]
        last = step == t["max_steps"] or trained >= budget
        if eval_rows and ((t["eval_every"] and step % t["eval_every"] == 0) or last):
            record["eval_loss"] = heldout_loss(model, eval_rows, pad_id, device, t["batch_size"])
        history.append(record)
        if rank == 0 and queue is not None:
            queue.put({"event": "step", **record})
        if step % t["checkpoint_every"] == 0 or last:
            with tempfile.TemporaryDirectory() as d:
                if rank == 0:
                    _save_weights(inner, method, Path(d) / ADAPTER_DIR)
                    torch.save(
                        {
                            "optimizer": optimizer.state_dict(),
                            "scheduler": scheduler.state_dict(),
                            "step": step,
                            "history": history,
                            "rng": torch.get_rng_state(),
                        },
                        Path(d) / STATE_FILE,
                    )
                ray.train.report(record, checkpoint=ray.train.Checkpoint.from_directory(d) if rank == 0 else None)
    if rank == 0 and queue is not None:
        queue.put({"event": "end", "step": step})


def _progress(queue: Any, done: threading.Event, console: Any) -> list[dict]:
    """A rich progress bar fed by rank 0's step records; returns what it saw."""
    from queue import Empty

    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

    seen: list[dict] = []
    every = 10
    with Progress(
        TextColumn("tune"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("loss {task.fields[loss]}"),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        console=console,
        transient=False,
    ) as bar:
        task = bar.add_task("tune", total=None, loss="-")
        while not (done.is_set() and queue.empty()):
            try:
                msg = queue.get(timeout=0.5)
            except Empty:
                continue
            seen.append(msg)
            if msg["event"] == "start":
                bar.update(task, total=msg["max_steps"], completed=msg["step"])
                if msg["too_long"]:
                    console.print(f"left out as longer than train.max_seq_tokens: {msg['too_long']}")
            elif msg["event"] == "step":
                bar.update(task, completed=msg["step"], loss=f"{msg['loss']:.3f}")
                if "eval_loss" in msg:
                    console.print(f"tune step {msg['step']}: held-out loss {msg['eval_loss']:.4f}", markup=False)
                if not console.is_terminal and msg["step"] % every == 0:  # a log file gets a line now and then
                    console.print(
                        f"tune step {msg['step']}: loss {msg['loss']:.3f}, {msg['seconds']:.1f} s, lr {msg['lr']:.2e}", markup=False
                    )
    return seen


def fit(cfg: dict, storage_path: str, run_name: str, console: Any) -> tuple[Path, list[dict]]:
    """Train (or resume) and return the final checkpoint's local folder and the loss history."""
    import torch
    from ray.train import CheckpointConfig, RunConfig, ScalingConfig
    from ray.train.torch import TorchTrainer
    from ray.util.queue import Queue

    t = cfg["train"]
    queue = Queue()
    done = threading.Event()
    trainer = TorchTrainer(
        train_loop_per_worker,
        train_loop_config={**cfg, "progress": queue},
        scaling_config=ScalingConfig(
            num_workers=t["workers"], use_gpu=t["use_gpu"], resources_per_worker=None if t["use_gpu"] else {"CPU": t["cpus_per_worker"]}
        ),
        run_config=RunConfig(name=run_name, storage_path=storage_path, checkpoint_config=CheckpointConfig(num_to_keep=2)),
    )
    result_box: dict[str, Any] = {}

    def run() -> None:
        try:
            result_box["result"] = trainer.fit()
        except BaseException as e:  # re-raised in the caller's thread
            result_box["error"] = e
        finally:
            done.set()

    worker = threading.Thread(target=run, daemon=True)
    worker.start()
    _progress(queue, done, console)
    worker.join()
    queue.shutdown()
    if "error" in result_box:
        raise result_box["error"]
    result = result_box["result"]
    if result.checkpoint is None:
        raise RuntimeError(f"the tune run {run_name} ended without a checkpoint")
    local = Path(tempfile.mkdtemp(prefix="yayi-tune-"))
    with result.checkpoint.as_directory() as d:
        shutil.copytree(d, local, dirs_exist_ok=True)
    history = torch.load(local / STATE_FILE, weights_only=False)["history"]
    return local, history


def export_adapter(checkpoint_dir: Path, out_dir: Path, base_model: str) -> Path:
    """The checkpoint's adapter saved in float16 (half the bytes; merged into fp32 weights later)."""
    import torch
    from safetensors.torch import load_file, save_file

    src = checkpoint_dir / ADAPTER_DIR
    out_dir.mkdir(parents=True, exist_ok=True)
    tensors = {k: v.to(torch.float16).contiguous() for k, v in load_file(str(src / "adapter_model.safetensors")).items()}
    save_file(tensors, str(out_dir / "adapter_model.safetensors"), metadata={"format": "pt"})
    config = json.loads((src / "adapter_config.json").read_text())
    config["base_model_name_or_path"] = base_model  # the config's name, not this machine's cache path
    (out_dir / "adapter_config.json").write_text(json.dumps(config, indent=2, sort_keys=True) + "\n")
    return out_dir


def export_full_model(checkpoint_dir: Path, base_path: str, out_dir: Path) -> Path:
    """A full fine-tune as a model folder (`model.source` takes it): the base with the trained weights."""
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    model = AutoModelForCausalLM.from_pretrained(base_path, dtype=torch.float32)
    _load_weights(model, "full", checkpoint_dir / ADAPTER_DIR)
    model.save_pretrained(str(out_dir))
    AutoTokenizer.from_pretrained(base_path).save_pretrained(str(out_dir))
    return out_dir


def tokens_per_second(history: list[dict]) -> float:
    seconds = sum(h["seconds"] for h in history)
    return sum(h["tokens"] for h in history) / seconds if seconds else math.nan
