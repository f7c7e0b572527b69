"""Readers and writers; they speak fsspec (local folders, s3://, any fsspec store)."""
