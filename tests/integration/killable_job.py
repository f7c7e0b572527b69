"""A job run as its own driver process, for tests that kill it: `python killable_job.py SPEC.json`.

The spec gives the config overrides, the storage options and a log file; the fake engine is slow
(`delay` seconds per batch of 4 prompts) and appends every prompt_id it answers to the log.
"""

import json
import sys
import time

from yayi_batch.config import load_config
from yayi_batch.run import run
from yayi_batch.testing.fake_engine import fake_generate


def recording_generate(log_path: str, delay: float = 0.0):
    """The fake engine, logging the prompts it is asked (one line each), optionally slow."""

    def record(table):
        if delay:
            time.sleep(delay)
        with open(log_path, "a") as fh:
            fh.writelines(p + "\n" for p in table.column("prompt_id").to_pylist())
        return table

    def generate(prompts, cfg, model):
        return fake_generate(prompts.map_batches(record, batch_format="pyarrow", batch_size=4), cfg, model)

    return generate


def main(spec_path: str) -> None:
    with open(spec_path) as fh:
        spec = json.load(fh)
    cfg = load_config(None, spec["overrides"])
    cfg.input.storage_options = spec["storage_options"]
    cfg.output.storage_options = spec["storage_options"]
    run(cfg, generate_fn=recording_generate(spec["log"], spec["delay"]))


if __name__ == "__main__":
    main(sys.argv[1])
