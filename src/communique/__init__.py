"""communique: read statements the way an analyst does, with evidence for every finding.

    >>> import communique
    >>> doc = communique.analyze("Press Release\\n\\nThe Front condemns ...")
    >>> corpus = communique.open("communique.db")
"""

from __future__ import annotations

from . import framing as framing  # noqa: PLC0414 - communique.framing.summary(doc)
from .corpus import Corpus, RunSummary, analyze
from .corpus import open as open  # noqa: PLC0414 - re-export under the public name
from .errors import CommuniqueError
from .model import LAYERS, Document, Span, doc_id, original_offset

__version__ = "0.1.0"
__all__ = [
    "Corpus",
    "CommuniqueError",
    "Document",
    "LAYERS",
    "RunSummary",
    "Span",
    "__version__",
    "analyze",
    "doc_id",
    "open",
    "original_offset",
]
