"""ground: pin extracted strings to document offsets with a match quality. Pure.

`find` finds where one string occurs (exact, normalized, fuzzy, none); `records` turns one
parsed answer into table rows with ids.
"""

from yayi_batch.ground.find import find_mentions, nearest_pair, nearest_to
from yayi_batch.ground.records import ground_records, span_columns

__all__ = ["find_mentions", "ground_records", "nearest_pair", "nearest_to", "span_columns"]
