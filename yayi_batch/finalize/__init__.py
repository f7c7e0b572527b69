"""finalize: after the extract passes, merge mentions found twice, build `documents`, summarize.
Pure: polars over the staged tables."""
