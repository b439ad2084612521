"""Property-based check of the REST API against its own OpenAPI spec (schemathesis 4).

Every operation of ``/api/openapi.json`` is called with generated requests, valid and
invalid: no answer may be a 5xx, and every answer must match the spec (status codes,
content types, body schemas). Bounded and deterministic: a few examples per operation,
derandomized, no example database.
"""

from __future__ import annotations

import atexit
import shutil
import tempfile
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_schema_conformance,
    status_code_conformance,
)

import communique
from communique.faces.web.app import create_app

# Fictional statements: an invented union, governor and port.
STATEMENTS = (
    "Press Release\nHarbour Union of Teskel\n\n"
    "The Harbour Union of Teskel condemns the closure of the Teskel docks on 4 June 2023 by the "
    "tyrant Lomme. Governor Arvid Lomme is a coward and a liar who betrayed every family in the port.\n\n"
    "Harbour Union of Teskel\n5 June 2023",
    "Statement of the Blue Lantern Society\n\n"
    "The Blue Lantern Society welcomes the agreement signed in Morvale on 2 March 2022, and we thank "
    "the people of Morvale for their patience.\n\nBlue Lantern Society\n3 March 2022",
)
#: Examples per operation: enough to try each parameter valid and invalid a few times while
#: keeping the whole check well under a minute on a 2-core machine.
EXAMPLES = 12


# The spec is read at collection time (schemathesis' lazy pytest loader does not work with
# pytest 9), from an app over an empty store in a temporary folder; the statements are
# analysed into it only when the test runs (``corpus`` below).
_DIR = Path(tempfile.mkdtemp(prefix="communique-fuzz-"))
atexit.register(shutil.rmtree, _DIR, ignore_errors=True)  # also when the test is not selected
APP = create_app(str(_DIR / "fuzz.db"), user="fuzzer", trusted_hosts=["testserver"])
schema = schemathesis.openapi.from_asgi("/api/openapi.json", APP)
schema.config.generation.update(
    modes=["positive", "negative"], max_examples=EXAMPLES, deterministic=True, database="none"
)


@pytest.fixture(scope="module")
def corpus():
    # a corpus of its own on the app's file: schemathesis may have run (and ended) the app's
    # lifespan already; the app reopens its store when asked
    with communique.open(_DIR / "fuzz.db") as corpus:
        if not len(corpus):
            for text in STATEMENTS:
                corpus.add(communique.analyze(text), source="fixture.txt")
    yield
    shutil.rmtree(_DIR, ignore_errors=True)


@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
    phases=[Phase.explicit, Phase.generate],
)
def test_api_conforms_to_its_spec(case, corpus):
    case.call_and_validate(
        checks=[
            not_a_server_error,
            status_code_conformance,
            content_type_conformance,
            response_schema_conformance,
            negative_data_rejection,
        ]
    )
