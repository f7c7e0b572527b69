"""publish: move a finished run into the published tables (`commit`), and read a published output
(`reader`, for evaluation and the report). Pure: fsspec, polars."""
