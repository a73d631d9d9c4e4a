"""Accepting a comment: checks, the decision, group-commit storage, and the Akismet API.

submission.py (the path of a public comment), writer.py (group commit),
verdicts.py / flood.py / duplicates.py / idempotency.py (what is checked before
storing), akismet.py (Akismet's comment-check and labels). A service: free of
HTTP; it may import ops/, store/, policy, rules, classifier/ and the domain.
"""
