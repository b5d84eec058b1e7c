"""Read question banks (markdown by structure, CSV/TSV/Anki, JSON/YAML) and load them into Chroma.

- `read_bank(path)` parses one file into a `ParsedBank`: its questions and every skipped block.
- `parse_file(path)` is the questions alone.
- `ingest.pipeline.ingest` embeds and stores files; `ingest.preview` summarises a dry run.
"""

from ingest.errors import BankFormatError
from ingest.parse import parse_file, read_bank
from ingest.result import ParsedBank, Skipped

__all__ = ["BankFormatError", "ParsedBank", "Skipped", "parse_file", "read_bank"]
