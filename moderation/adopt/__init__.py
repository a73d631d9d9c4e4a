"""Adopting a site's past: its WordPress or Disqus comments come in (imports.py).

The exports are read by `wxr.py` and `disqus.py` into plain records
(`records.py`) without touching the database; `imports.py` then writes them in
one transaction. Backups live in ops/backups.py.
"""
