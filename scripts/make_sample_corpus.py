"""Write the shipped sample corpus: 3 Parquet shards of fictional news-style documents.

Usage::

    python scripts/make_sample_corpus.py            # writes yayi_batch/data/sample_corpus/
    python scripts/make_sample_corpus.py --out DIR  # somewhere else

The documents are hand-written data in ``sample_corpus_data_zh.py`` and
``sample_corpus_data_en.py`` (next to this file); all people, companies, outlets and events
in them are invented for this project. The output is deterministic: the same data always
gives the same tables (``build_tables``), and ``tests/test_sample_corpus.py`` checks the
shipped shards against a fresh build.

Layout:
- ``id``: ``zh-0001``, ``en-0001``, ... numbered in the order of the data files;
- documents are interleaved (zh, en, zh, en, ...) and dealt round-robin into
  ``shard-000.parquet`` .. ``shard-002.parquet``, so every shard mixes both languages
  and short and long documents;
- columns: id, text, title, source (string), published (date32), lang_hint ("zh"/"en").
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib.util
import re
import statistics
import sys
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

SCRIPT_DIR = Path(__file__).resolve().parent
REPO_ROOT = SCRIPT_DIR.parent
DEFAULT_OUT = REPO_ROOT / "yayi_batch" / "data" / "sample_corpus"
N_SHARDS = 3
LANGS = ("zh", "en")

SCHEMA = pa.schema(
    [
        pa.field("id", pa.string(), nullable=False),
        pa.field("text", pa.string(), nullable=False),
        pa.field("title", pa.string(), nullable=False),
        pa.field("source", pa.string(), nullable=False),
        pa.field("published", pa.date32(), nullable=False),
        pa.field("lang_hint", pa.string(), nullable=False),
    ]
)


def shard_name(i: int) -> str:
    return f"shard-{i:03d}.parquet"


def _load_docs(lang: str) -> list[tuple[str, str, str, str]]:
    """``DOCS`` of ``sample_corpus_data_<lang>.py``, loaded by path (scripts/ is no package)."""
    path = SCRIPT_DIR / f"sample_corpus_data_{lang}.py"
    spec = importlib.util.spec_from_file_location(f"_sample_corpus_data_{lang}", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return list(module.DOCS)


def clean_text(raw: str, lang: str) -> str:
    """Unwrap the hand-wrapped data: paragraphs (blank-line separated) become single lines.

    English lines of a paragraph are joined with a space, Chinese lines with nothing;
    paragraphs are joined with one blank line (``"\\n\\n"``).
    """
    joiner = "" if lang == "zh" else " "
    paragraphs = []
    for block in re.split(r"\n\s*\n", raw.strip()):
        lines = [line.strip() for line in block.splitlines() if line.strip()]
        para = joiner.join(lines)
        para = re.sub(r"[ \t]+", " ", para)
        paragraphs.append(para)
    return "\n\n".join(paragraphs)


def build_records() -> list[dict]:
    """All documents as row dicts, interleaved zh/en, in shard-dealing order."""
    per_lang: dict[str, list[dict]] = {}
    for lang in LANGS:
        rows = []
        for i, (title, source, published, text) in enumerate(_load_docs(lang), start=1):
            rows.append(
                {
                    "id": f"{lang}-{i:04d}",
                    "text": clean_text(text, lang),
                    "title": title.strip(),
                    "source": source.strip(),
                    "published": dt.date.fromisoformat(published),
                    "lang_hint": lang,
                }
            )
        per_lang[lang] = rows
    mixed: list[dict] = []
    longest = max(len(rows) for rows in per_lang.values())
    for i in range(longest):
        for lang in LANGS:
            if i < len(per_lang[lang]):
                mixed.append(per_lang[lang][i])
    return mixed


def build_tables() -> list[pa.Table]:
    """The ``N_SHARDS`` shard tables (shard ``k`` gets records ``k, k+3, k+6, ...``)."""
    records = build_records()
    tables = []
    for k in range(N_SHARDS):
        rows = records[k::N_SHARDS]
        columns = {name: [row[name] for row in rows] for name in SCHEMA.names}
        tables.append(pa.Table.from_pydict(columns, schema=SCHEMA))
    return tables


def write_corpus(out_dir: Path = DEFAULT_OUT) -> list[Path]:
    """Write the shards into ``out_dir`` (created if needed); returns the written paths."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    for stale in out_dir.glob("shard-*.parquet"):
        stale.unlink()
    paths = []
    for k, table in enumerate(build_tables()):
        path = out_dir / shard_name(k)
        pq.write_table(table, path, compression="zstd", write_statistics=True)
        paths.append(path)
    return paths


def _summary(tables: list[pa.Table]) -> str:
    table = pa.concat_tables(tables)
    lines = []
    for lang in LANGS:
        lengths = sorted(len(text) for text, hint in zip(table["text"].to_pylist(), table["lang_hint"].to_pylist()) if hint == lang)
        lines.append(
            f"{lang}: {len(lengths)} docs, chars min={lengths[0]} "
            f"median={statistics.median(lengths)} max={lengths[-1]}, "
            f"over 2000: {sum(n > 2000 for n in lengths)}"
        )
    lines.append("shards: " + ", ".join(str(t.num_rows) for t in tables))
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="output directory")
    args = parser.parse_args(argv)
    paths = write_corpus(args.out)
    for path in paths:
        print(path)
    print(_summary([pq.read_table(p) for p in paths]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
