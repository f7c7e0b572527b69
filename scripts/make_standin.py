"""Write a tiny random-weight Baichuan 2 stand-in checkpoint (see yayi_batch.testing.standin).

python scripts/make_standin.py --layout 13b --out /tmp/standin-13b [--corpus 'data/*.parquet']
"""

from __future__ import annotations

import argparse
import sys


def main(argv: list[str] | None = None) -> int:
    from yayi_batch.testing.standin import LAYOUTS, make_standin

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--layout", choices=sorted(LAYOUTS), required=True)
    parser.add_argument("--out", required=True, help="output folder (replaced)")
    parser.add_argument(
        "--corpus",
        default=None,
        help="Parquet glob with a `text` column for the tokenizer (default: the packaged sample corpus, else built-in text)",
    )
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--format", choices=("safetensors", "bin"), default=None, help="weights format (default: 13b safetensors, 7b bin)")
    parser.add_argument("--shards", type=int, default=None, help="number of weight shards, >1 writes an index json (default: 13b 2, 7b 1)")
    args = parser.parse_args(argv)
    out = make_standin(args.layout, args.out, seed=args.seed, corpus=args.corpus, weights_format=args.format, shards=args.shards)
    print(out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
