"""chunk: a document -> token-bounded, sentence-aware chunks with their char offsets. Pure.

`split` cuts the text; `token_count` sizes chunks with the model's own tokenizer (loaded lazily,
in the worker that counts).
"""

from yayi_batch.chunk.split import Chunk, chunk_text, split_sentences

__all__ = ["Chunk", "chunk_text", "split_sentences"]
