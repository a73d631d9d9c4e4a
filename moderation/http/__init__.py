"""The HTTP edge shared by api/ and web/: problem+json, Bearer auth, request parsing,
cursors, JSON answers, and the pydantic request/response models.

Entry-side: services never import it (the import contract in pyproject.toml).
"""
