"""One exception hierarchy with codes; messages kept together here.

Faces translate these into exit codes (CLI) or JSON errors (API); batch runs record them
as failure records with the code and message.
"""

from __future__ import annotations

# Codes: Ennn, grouped by area. A failure record stores code + message.
E_SPAN = "E001"  # a span violates the data model
E_PIPELINE = "E010"  # pipeline misconfigured (unknown stage, unmet requirement)
E_STAGE = "E011"  # a stage raised while processing a document
E_INGEST_NOT_FOUND = "E100"
E_INGEST_TOO_LARGE = "E101"
E_INGEST_TIMEOUT = "E102"
E_INGEST_FORMAT = "E103"  # unsupported or unrecognised format / binary junk
E_INGEST_CORRUPT = "E104"  # recognised format that fails to parse
E_INGEST_ENCODING = "E105"
E_INGEST_EMPTY = "E106"  # nothing textual in it
E_STORE = "E200"
E_STORE_SCHEMA = "E201"
E_NOT_FOUND = "E202"  # document id not in the store
E_QUERY = "E300"  # malformed search query
E_CONFIG = "E400"


class CommuniqueError(Exception):
    """Base of every error communique raises on purpose."""

    code = "E000"

    def __init__(self, code: str | None = None, message: str = "") -> None:
        if code:
            self.code = code
        self.message = message
        super().__init__(f"[{self.code}] {message}")


class SpanError(CommuniqueError, ValueError):
    code = E_SPAN


class PipelineError(CommuniqueError):
    code = E_PIPELINE


class StageError(CommuniqueError):
    code = E_STAGE


class IngestError(CommuniqueError):
    """A file could not be turned into text; ``path`` says which."""

    code = E_INGEST_FORMAT

    def __init__(self, code: str | None = None, message: str = "", path: str = "") -> None:
        self.path = path
        super().__init__(code, message)


class StoreError(CommuniqueError):
    code = E_STORE


class NotFoundError(StoreError):
    code = E_NOT_FOUND


class QueryError(CommuniqueError, ValueError):
    code = E_QUERY


class ConfigError(CommuniqueError):
    code = E_CONFIG
