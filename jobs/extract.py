"""Entry point for `ray job submit -- python jobs/extract.py --config FILE [--set k=v ...]`."""

import sys

from yayi_batch.cli import main

if __name__ == "__main__":  # vLLM spawns processes: the guard is required
    sys.exit(main(["run", *sys.argv[1:]]))
