"""`moderation sites`: create, list and rename the sites one installation serves."""

from __future__ import annotations

import argparse
import re
import sys

from moderation.cli.db import with_pool
from moderation.settings import Settings


def short_id(name: str) -> str:
    """A site id from its name: lowercase letters, digits and dashes, at most 32."""
    words = re.findall(r"[a-z0-9]+", name.lower())
    return "-".join(words)[:32].strip("-")


def _pair(item: str) -> tuple[str, str]:
    name, _, value = item.partition("=")
    return name.strip(), value.strip()


def cmd_sites(settings: Settings, args: argparse.Namespace) -> int:
    from moderation.ops import sites
    from moderation.problems import Problem
    from moderation.store import sites as site_store

    if args.action == "list":
        for r in with_pool(settings, site_store.list_all):
            print(f"{r['id']:<32}  {r['name']:<32}  {' '.join(r['origins'])}")
        return 0
    if args.action == "set":
        return _set(settings, args)
    if not args.name:
        print(f"moderation: sites {args.action} needs --name", file=sys.stderr)
        return 2
    site = args.id or short_id(args.name)
    if not sites.SITE_ID.fullmatch(site):
        print(
            f"moderation: {site!r} is not a site id (a-z, 0-9 and '-', at most 32)",
            file=sys.stderr,
        )
        return 2
    try:
        if args.action == "create":
            own = sites.check_settings(settings, dict(_pair(item) for item in args.set))
            made = with_pool(
                settings, lambda pool: sites.create(pool, site, args.name, args.origin, own)
            )
            print(f"created site {made.id} ({made.name})")
            return 0
        row = with_pool(settings, lambda pool: site_store.update(pool, site, name=args.name))
    except Problem as exc:
        said = "; ".join(f"{e['field']}: {e['message']}" for e in exc.errors or ())
        print(f"moderation: {said or exc.detail or exc.title}", file=sys.stderr)
        return 2
    if row is None:
        print(f"moderation: no site {site!r}", file=sys.stderr)
        return 1
    print(f"renamed site {site} to {args.name}")
    return 0


def _set(settings: Settings, args: argparse.Namespace) -> int:
    """`sites set ID --set NAME=VALUE ...`: some of an existing site's settings."""
    from moderation.ops import sites
    from moderation.problems import Problem
    from moderation.store import sites as site_store

    if not args.id or not args.set:
        print("moderation: sites set needs a site id and --set NAME=VALUE", file=sys.stderr)
        return 2
    try:
        own = sites.check_settings(settings, dict(_pair(item) for item in args.set))
    except Problem as exc:
        said = "; ".join(f"{e['field']}: {e['message']}" for e in exc.errors or ())
        print(f"moderation: {said or exc.detail or exc.title}", file=sys.stderr)
        return 2
    row = with_pool(settings, lambda pool: site_store.update(pool, args.id, settings=own))
    if row is None:
        print(f"moderation: no site {args.id!r}", file=sys.stderr)
        return 1
    print(f"site {args.id}: " + ", ".join(f"{k}={v}" for k, v in own.items()))
    return 0
