"""Makes tests/data/backup-0008.dump: a backup as a version of the 0008 era took it.

The schema is built from migrations 0001-0008 exactly as they were at commit
99e0b56590e3f68a3f72f8154c8383c87914e31a ("Merge branch 'layout'", the last
commit whose newest migration was 0008; no tag names it, as no tags are pushed:
`git show 99e0b565:migrations/...`), a few rows are written as that
version wrote them, and pg_dump writes the custom-format archive. Run from the
repository's root with a PostgreSQL whose admin URL is MODERATION_TEST_ADMIN_URL
(default postgresql://postgres@127.0.0.1:5432/postgres):

    python tests/data/make_backup_0008.py

The dump is made by the pg_dump on PATH (PostgreSQL 15 when it was made), so
every pg_restore from 15 on can read it. This script and the dump came in with
commit 9009e9c ("backup and restore: ...").
"""

from __future__ import annotations

import asyncio
import os
import secrets
import subprocess
import tempfile
from pathlib import Path

import asyncpg

from moderation.store import migrations

COMMIT = "99e0b56590e3f68a3f72f8154c8383c87914e31a"
OUT = Path(__file__).parent / "backup-0008.dump"
ADMIN = os.environ.get("MODERATION_TEST_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/postgres")

ROWS = """
INSERT INTO comments (article, author_name, author_email, author_url, body, client_ip,
                      status, rejection, spam_score, decided_by, created_at, updated_at)
VALUES
 ('ransomware-hits-hospital', 'Dana Whitfield', 'dana@example.org', NULL,
  'Thanks for the write-up. Did they have offline backups?', '203.0.113.7',
  'approved', NULL, 0.04, 'auto', '2025-03-01 09:00:00+00', '2025-03-01 09:00:00+00'),
 ('ransomware-hits-hospital', 'Mara Quinn', 'editor@news.example.org', NULL,
  'They did, according to the trust.', '198.51.100.20',
  'pending', NULL, 0.41, 'auto', '2025-03-01 10:00:00+00', '2025-03-01 10:00:00+00'),
 ('ransomware-hits-hospital', 'Cheap Meds', 'sales@pharma-deals.example',
  'http://pharma-deals.example', 'Buy cheap pills http://pharma-deals.example', '192.0.2.99',
  'rejected', 'spam', 0.99, 'auto', '2025-03-01 11:00:00+00', '2025-03-01 11:00:00+00');
UPDATE comments SET parent_id = 1 WHERE id = 2;
INSERT INTO comment_history (comment_id, at, actor, from_status, to_status, rejection, note)
SELECT id, created_at, 'auto', NULL, status, rejection, 'imported for the upgrade test'
FROM comments;
INSERT INTO labels (comment_id, label, source, given_by) VALUES (3, 'spam', 'moderator', 'mara');
INSERT INTO tokens (name, role, hash, prefix)
VALUES ('mara', 'moderator', repeat('0', 64), 'mod_0000');
"""


def old_migrations(folder: Path) -> None:
    names = subprocess.run(
        ["git", "ls-tree", "--name-only", COMMIT, "migrations/"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.split()
    for name in names:
        if int(Path(name).name[:4]) <= 8:
            text = subprocess.run(
                ["git", "show", f"{COMMIT}:{name}"], check=True, capture_output=True, text=True
            ).stdout
            (folder / Path(name).name).write_text(text)


async def main() -> None:
    db = f"moderation_make_0008_{secrets.token_hex(4)}"
    url = f"{ADMIN.rpartition('/')[0]}/{db}"
    admin = await asyncpg.connect(ADMIN)
    await admin.execute(f'CREATE DATABASE "{db}"')
    try:
        with tempfile.TemporaryDirectory() as tmp:
            old_migrations(Path(tmp))
            conn = await asyncpg.connect(url)
            try:
                applied = await migrations.migrate(conn, Path(tmp))
                assert applied[-1] == "0008_queue_index", applied
                await conn.execute(ROWS)
            finally:
                await conn.close()
        # A one-off script: nothing else runs on this loop while pg_dump works.
        subprocess.run(  # noqa: ASYNC221
            ["pg_dump", "--format=custom", f"--file={OUT}", f"--dbname={url}"], check=True
        )
        print(f"wrote {OUT} ({OUT.stat().st_size} bytes)")
    finally:
        await admin.execute(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)')
        await admin.close()


if __name__ == "__main__":
    asyncio.run(main())
