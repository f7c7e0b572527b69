"""finalize: after the extract passes, merge mentions found twice, build `documents`, summarize.
Pure per-block functions (documents, overlaps, summary); `ray_ops` runs them as Ray Data
operations over the staged tables, so the driver never holds a table."""
