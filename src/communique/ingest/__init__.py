"""ingest: files to raw text, sniffed by content, under size, time and length limits.

Failures are records (:class:`IngestFailure`) with an ``E_INGEST_*`` code and one line
saying why, never a silent drop and never an exception for a bad file.

>>> from communique.ingest import iter_inputs, read_path
>>> for item in iter_inputs(["corpus/"]):  # doctest: +SKIP
...     result = read_path(item) if not isinstance(item, IngestFailure) else item
"""

from .limits import Limits
from .paths import iter_inputs
from .read import read_bytes, read_path
from .records import IngestFailure, RawDoc, ReadResult
from .sniff import FORMATS, sniff

__all__ = [
    "FORMATS",
    "IngestFailure",
    "Limits",
    "RawDoc",
    "ReadResult",
    "iter_inputs",
    "read_bytes",
    "read_path",
    "sniff",
]
