"""report: the self-contained HTML run report (`yayi-batch report`, and after every run). Pure."""

from yayi_batch.report.html import main, write_report

__all__ = ["main", "write_report"]
