"""The OpenAPI 3.1 document of the JSON API, served at `GET /openapi.json`.

Built in code from one table of operations (method, path, role, parameters,
request body, answers per status), with JSON Schemas generated from the
pydantic models: the request models the handlers parse with, and the response
models below for answers that handlers build as plain dicts. Every error is
`application/problem+json` (see problems.py, http/errors.py and docs/API.md).

The browser pages (/desk, /embed, /readers, /demo, /static) are HTML, not API, and are
left out. tests/integration/test_openapi.py checks that every other route the
app registers is described here, so the document cannot drift silently.
"""

from moderation.openapi.answers import PATH
from moderation.openapi.document import build, document, handler

__all__ = ["PATH", "build", "document", "handler"]
