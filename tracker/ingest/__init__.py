"""Uploads: templates per unit, CSV/Excel reading, row-level validation in SQL, one-transaction commit."""

from tracker.ingest.result import ImportResult, RowReport
from tracker.ingest.service import import_file
from tracker.ingest.text import FileRefused

__all__ = ["FileRefused", "ImportResult", "RowReport", "import_file"]
