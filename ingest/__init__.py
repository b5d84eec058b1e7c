"""Read markdown question banks and load them into the Chroma store."""

from ingest.errors import BankFormatError
from ingest.parse import parse_file

__all__ = ["BankFormatError", "parse_file"]
