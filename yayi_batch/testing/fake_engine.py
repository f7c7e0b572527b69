"""A fake engine for tests: the generate step's contract (one answer row per prompt row, the
engine's columns added) without vLLM. Never a default: `run(cfg, generate_fn=...)` only."""

import json
import math

import pyarrow as pa


def fake_generate(prompts, cfg, model, token_prob: float | None = None):
    """Answers as YAYI-UIE would: the chunk's first word (or two characters) as a person in NER;
    RE is "[]" in Chinese (empty) and garbage in English (invalid)."""

    def answer(table):
        batch = table.to_pydict()
        texts = []
        for task, lang, chunk in zip(batch["task"], batch["lang"], batch["chunk_text"]):
            first = chunk.split()[0] if lang == "en" else chunk[:2]
            if task == "ner":
                texts.append(json.dumps({"person" if lang == "en" else "人物": [first]}, ensure_ascii=False))
            else:
                texts.append("not json at all" if lang == "en" else "[]")
        n = len(texts)
        columns = {
            **batch,
            "generated_text": texts,
            "tokens_in": [10] * n,
            "tokens_out": [5] * n,
            "finish_reason": ["stop"] * n,
            "engine_error": [""] * n,
            "llm_seconds": [0.01] * n,
        }
        if token_prob is not None:  # every character a token of this probability: every record's confidence
            columns["token_texts"] = [list(t) for t in texts]
            columns["token_logprobs"] = [[math.log(token_prob)] * len(t) for t in texts]
        return pa.table(columns)

    return prompts.map_batches(answer, batch_format="pyarrow")
