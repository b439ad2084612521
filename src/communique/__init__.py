"""communique: read statements the way an analyst does, with evidence for every finding."""

from __future__ import annotations

from .errors import CommuniqueError
from .model import LAYERS, Document, Span, doc_id

__version__ = "0.1.0"
__all__ = ["Document", "Span", "LAYERS", "doc_id", "CommuniqueError", "__version__"]
