"""Suite-wide settings."""

import os

# A parser bug raises in tests instead of hiding as an `internal_error` invalid answer (see
# yayi_batch/parse/__init__.py); set before any Ray worker starts, so workers inherit it.
os.environ["YAYI_BATCH_PARSE_RAISE"] = "1"
