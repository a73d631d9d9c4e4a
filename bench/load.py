"""Load benchmark: `moderation serve` under concurrent comment submissions and page reads.

    python bench/load.py [--duration 20] [--connections 32] [--workers auto] [--guards]
                         [--akismet] [--database-url URL] [--profile OUT.svg|OUT.txt] [--keep]

Creates its own database (dropped and re-created; by default `moderation_bench_load_<pid>` on
the local server), starts `moderation serve --workers W` against it as a subprocess
(flood limits and the duplicate window off, unless --guards; its log, one JSON line per
request as there is no setting for less, goes to a file), waits for /readyz, and puts 1 000 approved
comments on one article with plain SQL.

A separate client process (so the measuring is not done by the service's own loop)
then keeps N connections busy, each sending one request after the other, for the fixed
time, after a short untimed warm-up:

1. POST /v1/comments: the full path (validation, rules, classifier, the insert and its
   history row), varied bodies (one in ten spam), a unique email per comment. Comments
   arriving together are stored by one statement (group commit, moderation/intake/writer.py);
   with the flood limits and the duplicate window off there is nothing to check first.
   With --guards, the defaults stay on and each request carries a new X-Forwarded-For
   address, as from a reverse proxy: each batch then locks, looks up and marks its
   senders in its transaction before the insert;
2. GET /v1/articles/{a}/comments on the article with 1 000 approved comments (the
   first page of 50 threads and the total), from the page cache; then again with wrk
   (Debian package `wrk`, skipped when absent or with --no-wrk), a compiled client like
   pgbench, whose own CPU takes far less of the shared cores than the Python client's.
3. With --akismet, right after the first phase: POST /1.1/comment-check with the same
   kind of comments, form-encoded as WordPress's Akismet plugin sends them (the text
   twice, as comment_content and POST_comment, and a dozen HTTP_* fields), with a site
   key; the service's CPU per check is printed as a ratio of a JSON submission's.

The baselines are measured in the same run, against the same PostgreSQL, with pgbench
at the same concurrency: a one-row INSERT into a small table (PostgreSQL's own rate for
a committed write), and the read path's three SQL statements, taken from the service's
own code (after VACUUM ANALYZE, as autovacuum would leave the table). Each HTTP rate is
printed as a ratio of its baseline. The CPU time that the client, the service and the
PostgreSQL backends used during each timed phase is shown too, in cores and in
milliseconds per request: on a small machine they all share the same cores, and the
CPU time per request is the figure that other people's work on the machine moves least.

With --profile OUT, py-spy (`pip install py-spy`) samples the (first) service worker
through each timed phase, into OUT-post and OUT-get (a flame graph for .svg, collapsed
stacks for .txt). Progress goes to stderr; the last line of stdout is one JSON object.
"""

from __future__ import annotations

import sys
from pathlib import Path

# bench/queue.py would shadow the standard library's queue module (multiprocessing
# imports it): take this folder off the import path, and put the project's root there.
ROOT = Path(__file__).resolve().parents[1]
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench"]
sys.path.insert(0, str(ROOT))

import argparse
import asyncio
import multiprocessing
import os
import random
import re
import resource
import shutil
import signal
import subprocess
import time
import traceback
from collections import Counter
from collections.abc import Callable
from multiprocessing.connection import Connection
from typing import Any
from urllib.parse import urlsplit

import aiohttp
import asyncpg

from bench.common import (
    BenchError,
    database_name,
    drop_database,
    listeners,
    log,
    percentiles,
    recreate_database,
    run_main,
)
from tests.server import NO_GUARDS, environment, free_port, serve_argv

# Each run its own database: two runs on one server never drop each other's.
DEFAULT_URL = f"postgresql://postgres@127.0.0.1:5432/moderation_bench_load_{os.getpid()}"
READ_ARTICLE = "bench-read-article"
READ_COMMENTS = 1000
# The large article: with every view counting its comments it fell to 177/s.
BIG_ARTICLE = "bench-big-article"
BIG_COMMENTS = 17000
START_DEADLINE = 180.0  # a fresh database: the service trains and registers the seed model
STOP_DEADLINE = 30.0
REQUEST_TIMEOUT = 30.0

ARTICLES = [
    "patch-tuesday-roundup",
    "ransomware-hits-hospital",
    "router-firmware-backdoor",
    "password-manager-breach",
    "browser-zero-day-exploited",
    "supply-chain-attack-npm",
    "phishing-kit-targets-banks",
    "open-source-maintainer-burnout",
]
NAMES = [
    "Ines Moreau",
    "Dana Whitfield",
    "Tomás Ortega",
    "Priya Raman",
    "Jonas Becker",
    "Mei Lin",
    "Oluwaseun Adeyemi",
    "Hannah Kowalski",
    "Sam",
    "K. Nakamura",
]
OPENINGS = [
    "Thanks for the write-up.",
    "Clear explanation, thank you.",
    "Good summary of a messy situation.",
    "I have a question about the timeline.",
    "We were hit by something very similar last year.",
    "Not sure I agree with the conclusion here.",
]
MIDDLES = [
    "The patch notes are vague about the second issue, and the workaround breaks single "
    "sign-on for us.",
    "Our team applied the update on Tuesday night and nothing broke so far.",
    "Half of our fleet still runs the older branch and upgrading is not an option before "
    "the end of the quarter.",
    "The vendor's advisory says the flaw needs local access, which is not what the "
    "researchers describe.",
    "Offline backups saved us; the restore took two days but we lost nothing important.",
    "It would help to know which versions are affected, the table in the advisory is incomplete.",
    "The detection rule you posted fires on our build servers too, so expect false positives.",
    "Multi-factor authentication would not have stopped this one, the tokens were stolen "
    "from the session store.",
]
CLOSINGS = [
    "Has anyone tried the hotfix yet?",
    "Looking forward to the follow-up.",
    "Keep up the good work.",
    "Any idea when the full report comes out?",
    "",
]
# One comment in ten is the kind a comment form also gets.
SPAM = [
    "Check out my channel for more videos like this!!! Subscribe please",
    "Make $500 a day from home, no experience needed, click here http://cash.example.com/join",
    "Cheap replica watches and bags, best prices, visit our shop http://shop.example.biz",
    "I love this!! Please visit my page and like my latest post, thank you so much",
]
LINKS = [
    "https://nvd.nist.gov/vuln/detail/CVE-2024-3094",
    "https://www.cisa.gov/known-exploited-vulnerabilities-catalog",
    "https://example.org/our-incident-notes",
]


# --------------------------------------------------------------------------- the database


async def fill_read_article(url: str) -> list[int]:
    """1 000 approved top-level comments on one article; the ids of its first page."""
    from moderation.store import pages

    conn = await asyncpg.connect(url)
    try:
        await conn.execute(
            """
            INSERT INTO comments (article, author_name, author_email, body, status,
                                  spam_score, model_version, client_ip)
            SELECT $1, 'Reader ' || i, 'reader' || i || '@example.org',
                   'Comment ' || i || ': ' || $3, 'approved', 0.02, 'bench', '192.0.2.1'
            FROM generate_series(1, $2::int) AS i
            """,
            READ_ARTICLE,
            READ_COMMENTS,
            MIDDLES[0] + " " + MIDDLES[4],
        )
        await conn.execute(
            """
            INSERT INTO comments (article, author_name, author_email, body, status,
                                  spam_score, model_version, client_ip)
            SELECT $1, 'Reader ' || i, 'reader' || i || '@example.org',
                   'Comment ' || i || ': ' || $3, 'approved', 0.02, 'bench', '192.0.2.1'
            FROM generate_series(1, $2::int) AS i
            """,
            BIG_ARTICLE,
            BIG_COMMENTS,
            MIDDLES[1],
        )
        await conn.execute("CREATE TABLE bench_insert (id bigserial PRIMARY KEY, body text)")
        await conn.execute("ANALYZE")
        rows = await conn.fetch(pages._TOP_LEVEL, READ_ARTICLE, 0, 51, False, "default")
        return [r["id"] for r in rows[:50]]
    finally:
        await conn.close()


async def vacuum_analyze(url: str) -> None:
    conn = await asyncpg.connect(url)
    try:
        await conn.execute("VACUUM ANALYZE comments")
    finally:
        await conn.close()


async def backend_pids(url: str) -> list[int]:
    """The PostgreSQL backends serving the benchmark's database (their CPU is counted)."""
    conn = await asyncpg.connect(url)
    try:
        rows = await conn.fetch(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
            "AND pid <> pg_backend_pid()"
        )
        return [r["pid"] for r in rows]
    finally:
        await conn.close()


# --------------------------------------------------------------------------- the service


def serve_env(url: str, data_dir: Path, guards: bool = False) -> dict[str, str]:
    if guards:
        # The defaults stay on; the client's requests come through a trusted proxy
        # (X-Forwarded-For), each from an address of its own.
        return environment(data_dir, url, MODERATION_TRUSTED_PROXIES="127.0.0.1/32")
    return environment(data_dir, url, **NO_GUARDS)


def start_service(
    url: str, workers: int, tmp: Path, guards: bool = False, **more: str
) -> tuple[subprocess.Popen[bytes], str, Path]:
    port = free_port()
    log_file = tmp / "serve.log"
    argv = serve_argv(port, workers)
    with log_file.open("ab") as err:
        # There is no log-level setting: the one JSON line per request goes to a file.
        proc = subprocess.Popen(
            argv,
            env={**serve_env(url, tmp / "data", guards), **more},
            cwd=tmp,
            stdin=subprocess.DEVNULL,
            stdout=err,
            stderr=err,
        )
    return proc, f"http://127.0.0.1:{port}", log_file


async def wait_ready(proc: subprocess.Popen[bytes], base_url: str, log_file: Path) -> None:
    give_up = time.monotonic() + START_DEADLINE
    timeout = aiohttp.ClientTimeout(total=2)
    async with aiohttp.ClientSession(timeout=timeout) as session:
        while True:
            if proc.poll() is not None:
                raise BenchError(f"the service exited with {proc.returncode}:\n{tail(log_file)}")
            try:
                async with session.get(base_url + "/readyz") as resp:
                    if resp.status == 200:
                        return
            except (aiohttp.ClientError, TimeoutError):
                pass
            if time.monotonic() > give_up:
                raise BenchError(f"the service was not ready in {START_DEADLINE:.0f} s")
            await asyncio.sleep(0.2)


def wait_listening(base_url: str, workers: int) -> None:
    """Until every worker listens: a connection made earlier could only reach the first."""
    if workers == 1 or not Path("/proc/net/tcp").exists():
        return
    port = int(base_url.rsplit(":", 1)[1])
    give_up = time.monotonic() + START_DEADLINE
    while (found := listeners(port)) < workers:
        if time.monotonic() > give_up:
            raise BenchError(f"only {found} of {workers} workers listen on port {port}")
        time.sleep(0.1)


def stop_service(proc: subprocess.Popen[bytes]) -> int | None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(STOP_DEADLINE)
        except subprocess.TimeoutExpired:
            log("the service did not stop after SIGTERM; killing it")
            proc.kill()
            proc.wait()
    return proc.returncode


def tail(path: Path, lines: int = 20) -> str:
    return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])


def _stat_fields(pid: int) -> list[str]:
    """/proc/PID/stat after the command name: [state, ppid, ...] (Linux)."""
    raw = Path(f"/proc/{pid}/stat").read_text()
    return raw[raw.rindex(")") + 2 :].split()


def children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if int(_stat_fields(int(entry.name))[1]) == pid:
                    found.append(int(entry.name))
            except (OSError, ValueError, IndexError):
                continue  # gone meanwhile
    return found


def serving_pids(proc: subprocess.Popen[bytes], workers: int) -> list[int]:
    """The processes that answer requests: the serve process, or its worker children."""
    if workers == 1:
        return [proc.pid]
    give_up = time.monotonic() + 30
    while True:
        found = children(proc.pid)
        if len(found) >= workers or time.monotonic() > give_up:
            return sorted(found)
        time.sleep(0.1)


TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pids: list[int]) -> float:
    """User and system CPU time of these processes (not their children)."""
    total = 0.0
    for pid in pids:
        try:
            fields = _stat_fields(pid)
        except OSError:
            continue  # gone meanwhile
        total += (int(fields[11]) + int(fields[12])) / TICKS
    return total


def machine_busy_seconds() -> float:
    """CPU time spent by anything on the machine: user, nice, system, irq, softirq."""
    first = Path("/proc/stat").read_text().splitlines()[0].split()
    user, nice, system, _idle, _iowait, irq, softirq = map(int, first[1:8])
    return (user + nice + system + irq + softirq) / TICKS


# --------------------------------------------------------------------------- the client


def comment_payload(rng: random.Random, client: int, n: int) -> dict[str, Any]:
    """A realistic, varied comment; the email is unique so no duplicate rule trips."""
    if rng.random() < 0.1:
        parts = [rng.choice(SPAM)]
    else:
        parts = [rng.choice(OPENINGS), *rng.sample(MIDDLES, rng.randint(1, 3))]
        if rng.random() < 0.15:
            parts.append("Details here: " + rng.choice(LINKS))
        parts.append(rng.choice(CLOSINGS))
    name = rng.choice(NAMES)
    doc: dict[str, Any] = {
        "article": rng.choice(ARTICLES),
        "name": name,
        "email": f"{name.split()[0].lower().strip('.')}.{client}.{n}@example.org",
        "body": " ".join(p for p in parts if p),
    }
    if rng.random() < 0.2:
        doc["url"] = f"https://blog.example.net/~reader{client}"
    return doc


def akismet_form(rng: random.Random, client: int, n: int, key: str) -> list[tuple[str, str]]:
    """The same kind of comment as a WordPress comment-check (the Akismet plugin's shape)."""
    doc = comment_payload(rng, client, n)
    permalink = f"https://news.example/2024/05/{doc['article']}/"
    agent = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"
    fields = {
        "api_key": key,
        "blog": "https://news.example/",
        "user_ip": f"10.{client % 256}.{n >> 8 & 255}.{n & 255}",
        "user_agent": agent,
        "referrer": permalink,
        "blog_lang": "en_US",
        "blog_charset": "UTF-8",
        "permalink": permalink,
        "comment_type": "comment",
        "comment_author": doc["name"],
        "comment_author_email": doc["email"],
        "comment_author_url": doc.get("url", ""),
        "comment_content": doc["body"],
        "comment_date_gmt": "2024-05-21 10:15:00",
        "comment_post_modified_gmt": "2024-05-20 08:00:00",
        "user_role": "",
        "POST_author": doc["name"],
        "POST_email": doc["email"],
        "POST_url": doc.get("url", ""),
        "POST_comment": doc["body"],
        "POST_comment_post_ID": "42",
        "POST_comment_parent": "0",
        "HTTP_HOST": "news.example",
        "HTTP_USER_AGENT": agent,
        "HTTP_ACCEPT": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
        "HTTP_ACCEPT_LANGUAGE": "en-GB,en;q=0.5",
        "HTTP_ACCEPT_ENCODING": "gzip, deflate, br",
        "HTTP_REFERER": permalink,
        "HTTP_ORIGIN": "https://news.example",
        "HTTP_CONNECTION": "keep-alive",
        "HTTP_SEC_FETCH_DEST": "document",
        "HTTP_SEC_FETCH_MODE": "navigate",
        "HTTP_SEC_FETCH_SITE": "same-origin",
        "HTTP_UPGRADE_INSECURE_REQUESTS": "1",
    }
    return list(fields.items())


async def make_site_key(url: str) -> str:
    """A site key for the comment-check phase (made as `moderation tokens create` does)."""
    from moderation.ops.access import create_token

    conn = await asyncpg.connect(url)
    try:
        secret, _ = await create_token(conn, "bench.example", "site")
        return secret
    finally:
        await conn.close()


def client_main(cfg: dict[str, Any], out: Connection) -> None:
    """The client process: one phase of load, its samples sent back through the pipe."""
    try:
        import uvloop

        loop_factory: Callable[[], asyncio.AbstractEventLoop] | None = uvloop.new_event_loop
    except ImportError:  # pragma: no cover - as `moderation serve`
        loop_factory = None
    try:
        with asyncio.Runner(loop_factory=loop_factory) as runner:
            result = runner.run(drive(cfg, out))
    except BaseException:
        out.send({"error": traceback.format_exc()})
    else:
        out.send(result)
    finally:
        out.close()


async def drive(cfg: dict[str, Any], out: Connection) -> dict[str, Any]:
    n = cfg["connections"]
    url = cfg["base_url"] + cfg["path"]
    posting = cfg["method"] == "POST"
    latencies: list[float] = []
    statuses: Counter[int] = Counter()
    samples: list[str] = []
    timeouts = 0
    connector = aiohttp.TCPConnector(limit=n)
    timeout = aiohttp.ClientTimeout(total=REQUEST_TIMEOUT)
    # perf_counter, not loop.time(): uvloop's clock ticks in whole milliseconds.
    clock = time.perf_counter
    timed_from = clock() + cfg["warmup"]
    until = timed_from + cfg["duration"]

    async def one_client(index: int, session: aiohttp.ClientSession) -> None:
        nonlocal timeouts
        rng = random.Random(index)
        sent = 0
        while (t0 := clock()) < until:
            sent += 1
            kw: dict[str, Any] = {}
            if cfg.get("akismet_key"):
                kw["data"] = akismet_form(rng, index, sent, cfg["akismet_key"])
            elif posting:
                kw["json"] = comment_payload(rng, index, sent)
            if cfg.get("forwarded"):
                # A new sender each time, so the flood limits let every comment in.
                kw["headers"] = {
                    "X-Forwarded-For": f"10.{index % 256}.{sent >> 8 & 255}.{sent & 255}"
                }
            try:
                async with session.request(cfg["method"], url, **kw) as resp:
                    body = await resp.read()
                    status = resp.status
            except TimeoutError:
                status, body = 0, b"client timeout"
            elapsed = clock() - t0
            if t0 < timed_from:
                continue
            if status == 0:
                timeouts += 1
            latencies.append(elapsed)
            statuses[status] += 1
            if not 200 <= status < 300 and len(samples) < 5:
                samples.append(f"{status}: {body[:300].decode(errors='replace')}")

    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:
        clients = [asyncio.create_task(one_client(i, session)) for i in range(n)]
        await asyncio.sleep(cfg["warmup"])
        out.send({"timing": True})  # the parent samples CPU times now ...
        cpu0 = resource.getrusage(resource.RUSAGE_SELF)
        await asyncio.gather(*clients)
    cpu1 = resource.getrusage(resource.RUSAGE_SELF)
    wall = clock() - timed_from
    return {
        "latencies": latencies,
        "statuses": dict(statuses),
        "samples": samples,
        "timeouts": timeouts,
        "wall_s": wall,
        "client_cpu_s": (cpu1.ru_utime + cpu1.ru_stime) - (cpu0.ru_utime + cpu0.ru_stime),
    }


def cpu_use(
    client_s: float,
    used: dict[int, float],
    service_pids: list[int],
    pg_pids: list[int],
    machine_s: float,
    wall: float,
    rps: float,
) -> dict[str, dict[str, float]]:
    """CPU cores busy on average during a phase (the client, the service, PostgreSQL's
    backends, the whole machine, and whatever else ran: other people's work, the OS),
    and CPU milliseconds per answered request: unlike the rate, that barely moves when
    others share the machine, so it is the figure to compare between runs."""

    def cores(pids: list[int]) -> float:
        return round(sum(used[p] for p in pids) / wall, 2)

    busy = {
        "client": round(client_s / wall, 2),
        "service": cores(service_pids),
        "postgres": cores(pg_pids),
        "machine": round(machine_s / wall, 2),
    }
    ours = busy["client"] + busy["service"] + busy["postgres"]
    busy["others"] = round(max(0.0, busy["machine"] - ours), 2)
    per_request = {
        k: round(busy[k] * 1000 / rps, 3) if rps else 0.0 for k in ("client", "service", "postgres")
    }
    return {"cpu_cores": busy, "cpu_ms_per_request": per_request}


async def run_phase(
    name: str,
    cfg: dict[str, Any],
    service_pids: list[int],
    database_url: str,
    profile: tuple[int, Path] | None = None,
) -> dict[str, Any]:
    """Run one client process for one phase; its figures and everyone's CPU use."""
    log(
        f"{name}: {cfg['connections']} connections, {cfg['warmup']:g} s warm-up, "
        f"{cfg['duration']:g} s timed ..."
    )
    ctx = multiprocessing.get_context("spawn")
    receive, send = ctx.Pipe(duplex=False)
    proc = ctx.Process(target=client_main, args=(cfg, send), daemon=True)
    proc.start()
    send.close()
    spy: subprocess.Popen[bytes] | None = None
    try:
        first = await asyncio.to_thread(receive.recv)
        if "error" in first:
            raise BenchError(f"the client failed:\n{first['error']}")
        pg_pids = await backend_pids(database_url)
        assert proc.pid is not None
        watched = [proc.pid, *service_pids, *pg_pids]
        cpu0 = {pid: cpu_seconds([pid]) for pid in watched}
        busy0 = machine_busy_seconds()
        if profile is not None:
            spy = start_profile(*profile, cfg["duration"])
        result = await asyncio.to_thread(receive.recv)
        busy1 = machine_busy_seconds()
        cpu1 = {pid: cpu_seconds([pid]) for pid in watched}
    except EOFError:
        raise BenchError("the client process died without a result") from None
    finally:
        await asyncio.to_thread(proc.join, 30)
        if spy is not None:
            await asyncio.to_thread(spy.wait, 60)
    if "error" in result:
        raise BenchError(f"the client failed:\n{result['error']}")
    wall = float(result["wall_s"])
    statuses = Counter({int(k): v for k, v in result["statuses"].items()})
    total = sum(statuses.values())
    errors = sum(v for k, v in statuses.items() if not 200 <= k < 300)
    figures = {
        "requests": total,
        "rps": round(total / wall, 1),
        **percentiles(result["latencies"]),
        "errors": errors,
        "timeouts": result["timeouts"],
        "statuses": {str(k): v for k, v in sorted(statuses.items())},
    }
    figures.update(
        cpu_use(
            float(result["client_cpu_s"]),
            {p: cpu1[p] - cpu0[p] for p in cpu0},
            service_pids,
            pg_pids,
            busy1 - busy0,
            wall,
            figures["rps"],
        )
    )
    log(
        f"{name}: {figures['rps']:.0f} requests/s, p50 {figures['p50_ms']:.1f} ms, "
        f"p99 {figures['p99_ms']:.1f} ms, {errors} errors, statuses {figures['statuses']}, "
        f"CPU cores {figures['cpu_cores']}, CPU ms per request {figures['cpu_ms_per_request']}"
    )
    for sample in result["samples"]:
        log(f"  e.g. {sample}")
    return figures


_WRK_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}


def _wrk_ms(text: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text).groups()  # type: ignore[union-attr]
    return float(number) * _WRK_UNITS[unit]


def _wrk_timed(argv: list[str]) -> tuple[str, int, resource.struct_rusage, float]:
    """Run wrk to its end: its output, exit status, own CPU use and wall time."""
    t0 = time.perf_counter()
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    assert proc.stdout is not None
    out = proc.stdout.read().decode()
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = status
    return out, status, usage, time.perf_counter() - t0


async def run_wrk_phase(
    name: str, cfg: dict[str, Any], service_pids: list[int], database_url: str
) -> dict[str, Any]:
    """One GET phase driven by wrk, a compiled client: on a 2-core machine the Python
    client's own CPU competes with the service for the same cores, which pgbench (the
    baseline, also compiled) does not. Same figures as run_phase."""
    exe = shutil.which("wrk")
    assert exe is not None
    url = cfg["base_url"] + cfg["path"]
    common = [exe, "-t", "2", "-c", str(cfg["connections"]), "--latency"]
    log(
        f"{name} [wrk]: {cfg['connections']} connections, {cfg['warmup']:g} s warm-up, "
        f"{cfg['duration']:g} s timed ..."
    )
    warm = [*common, "-d", f"{max(1, round(cfg['warmup']))}s", url]
    await asyncio.to_thread(subprocess.run, warm, capture_output=True, check=False)
    pg_pids = await backend_pids(database_url)
    watched = [*service_pids, *pg_pids]
    cpu0 = {pid: cpu_seconds([pid]) for pid in watched}
    busy0 = machine_busy_seconds()
    timed = [*common, "-d", f"{max(1, round(cfg['duration']))}s", url]
    out, status, usage, wall = await asyncio.to_thread(_wrk_timed, timed)
    busy1 = machine_busy_seconds()
    cpu1 = {pid: cpu_seconds([pid]) for pid in watched}
    if status != 0 or "Requests/sec" not in out:
        raise BenchError(f"wrk failed ({status}):\n{out}")
    total = int(re.search(r"(\d+) requests in", out).group(1))  # type: ignore[union-attr]
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    errors = int(bad.group(1)) if bad else 0
    socket_errors = re.search(r"Socket errors: (.*)", out)
    latency = dict(re.findall(r"^\s+(50|75|90|99)%\s+(\S+)$", out, re.M))

    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    figures: dict[str, Any] = {
        "client_program": "wrk",
        "requests": total,
        "rps": round(rps, 1),
        "p50_ms": round(_wrk_ms(latency["50"]), 2),
        "p99_ms": round(_wrk_ms(latency["99"]), 2),
        "errors": errors,
        "socket_errors": socket_errors.group(1) if socket_errors else None,
    }
    figures.update(
        cpu_use(
            usage.ru_utime + usage.ru_stime,
            {p: cpu1[p] - cpu0[p] for p in cpu0},
            service_pids,
            pg_pids,
            busy1 - busy0,
            wall,
            figures["rps"],
        )
    )
    log(
        f"{name} [wrk]: {figures['rps']:.0f} requests/s, p50 {figures['p50_ms']:.1f} ms, "
        f"p99 {figures['p99_ms']:.1f} ms, {errors} non-2xx, CPU cores {figures['cpu_cores']}, "
        f"CPU ms per request {figures['cpu_ms_per_request']}"
    )
    return figures


def profile_of(out: Path | None, pid: int, phase: str) -> tuple[int, Path] | None:
    return None if out is None else (pid, out.with_stem(f"{out.stem}-{phase}"))


def start_profile(pid: int, out: Path, duration: float) -> subprocess.Popen[bytes] | None:
    spy = shutil.which("py-spy")
    if spy is None:
        log("py-spy is not installed (pip install py-spy): no profile")
        return None
    fmt = "raw" if out.suffix == ".txt" else "flamegraph"
    argv = [spy, "record", "--pid", str(pid), "--output", str(out), "--format", fmt]
    argv += ["--duration", str(max(1, int(duration))), "--rate", "200", "--nonblocking"]
    log(f"profiling pid {pid} into {out} ({fmt})")
    return subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


# --------------------------------------------------------------------------- pgbench


def substitute(sql: str, args: list[str]) -> str:
    """The service's SQL with its $n parameters as literals, for a pgbench script."""
    return re.sub(r"\$(\d+)", lambda m: args[int(m.group(1)) - 1], sql.strip()) + ";\n"


def pgbench(url: str, script: str, connections: int, duration: float, tmp: Path) -> dict[str, Any]:
    exe = shutil.which("pgbench")
    if exe is None:
        raise BenchError("pgbench is not installed (Debian: apt-get install postgresql-client)")
    path = tmp / "script.sql"
    path.write_text(script)
    parts = urlsplit(url)
    argv = [exe, "-n", "-c", str(connections), "-j", str(min(2, connections))]
    argv += ["-T", str(max(1, round(duration))), "-f", str(path)]
    argv += ["-h", parts.hostname or "127.0.0.1", "-p", str(parts.port or 5432)]
    argv += ["-U", parts.username or "postgres", database_name(url)]
    done = subprocess.run(argv, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise BenchError(f"pgbench failed ({done.returncode}):\n{done.stderr}")
    tps = re.search(r"^tps = ([\d.]+)", done.stdout, re.M)
    latency = re.search(r"^latency average = ([\d.]+) ms", done.stdout, re.M)
    if tps is None:
        raise BenchError(f"no tps in pgbench's output:\n{done.stdout}")
    return {
        "tps": round(float(tps.group(1)), 1),
        "latency_avg_ms": float(latency.group(1)) if latency else None,
    }


def insert_script() -> str:
    return (
        "INSERT INTO bench_insert (body) VALUES ('Thanks for the write-up, clear and useful.');\n"
    )


def read_script(first_page: list[int]) -> str:
    """The three statements GET /v1/articles/{a}/comments runs, from the service's code."""
    from moderation.store import pages

    article = f"'{READ_ARTICLE}'"
    ids = "'{" + ",".join(map(str, first_page)) + "}'"
    return (
        substitute(pages._TOP_LEVEL, [article, "0", "51", "false", "'default'"])
        + substitute(pages._COUNT_APPROVED, [article, "'default'"])
        + substitute(pages._THREADS, [ids, "false", "'default'"])
    )


# --------------------------------------------------------------------------- the run


async def start(
    url: str, workers: int, tmp: Path, guards: bool, **more: str
) -> tuple[subprocess.Popen[bytes], str, list[int]]:
    proc, base_url, log_file = start_service(url, workers, tmp, guards, **more)
    t0 = time.perf_counter()
    try:
        await wait_ready(proc, base_url, log_file)
        await asyncio.to_thread(wait_listening, base_url, workers)
    except BaseException:
        await asyncio.to_thread(stop_service, proc)
        raise
    pids = serving_pids(proc, workers)
    log(
        f"service ready on {base_url} in {time.perf_counter() - t0:.1f}s "
        f"(workers {workers}, pids {pids}; its log: {log_file})"
    )
    return proc, base_url, pids


def page_path(article: str) -> str:
    return f"/v1/articles/{article}/comments"


async def run(args: argparse.Namespace, tmp: Path) -> dict[str, Any]:
    from moderation.cli.serve import cores

    url = args.database_url
    workers = cores() if args.workers == "auto" else int(args.workers)
    await recreate_database(url)
    phase: dict[str, Any] = {
        "connections": args.connections,
        "duration": args.duration,
        "warmup": args.warmup,
    }
    proc, base_url, pids = await start(url, workers, tmp, args.guards)
    try:
        phase["base_url"] = base_url
        first_page = await fill_read_article(url)
        log(f"{READ_COMMENTS} approved comments on {READ_ARTICLE}, {BIG_COMMENTS} on {BIG_ARTICLE}")
        write = await run_phase(
            "POST /v1/comments",
            {**phase, "method": "POST", "path": "/v1/comments", "forwarded": args.guards},
            pids,
            url,
            profile_of(args.profile, pids[0], "post"),
        )
        check: dict[str, Any] | None = None
        if args.akismet:
            key = await make_site_key(url)
            check = await run_phase(
                "POST /1.1/comment-check",
                {**phase, "method": "POST", "path": "/1.1/comment-check", "akismet_key": key},
                pids,
                url,
                profile_of(args.profile, pids[0], "check"),
            )
            cpu_ratio = check["cpu_ms_per_request"]["service"] / max(
                write["cpu_ms_per_request"]["service"], 1e-9
            )
            check["service_cpu_vs_json"] = round(cpu_ratio, 2)
            log(
                f"comment-check: {check['cpu_ms_per_request']['service']:.3f} ms of service CPU "
                f"per check, {cpu_ratio:.2f}x a JSON submission's; p99 {check['p99_ms']:.1f} ms"
            )
        log(f"pgbench: one-row INSERT, {args.connections} connections, {args.duration:g} s ...")
        insert = await asyncio.to_thread(
            pgbench, url, insert_script(), args.connections, args.duration, tmp
        )
        log(f"pgbench INSERT: {insert['tps']:.0f} transactions/s")
        # The POST phase added thousands of rows: plan the reads on today's statistics.
        await vacuum_analyze(url)
        read = await run_phase(
            f"GET {page_path(READ_ARTICLE)} (cached)",
            {**phase, "method": "GET", "path": page_path(READ_ARTICLE)},
            pids,
            url,
            profile_of(args.profile, pids[0], "get"),
        )
        read_wrk: dict[str, Any] | None = None
        if shutil.which("wrk") and not args.no_wrk:
            read_wrk = await run_wrk_phase(
                f"GET {page_path(READ_ARTICLE)} (cached)",
                {**phase, "path": page_path(READ_ARTICLE)},
                pids,
                url,
            )
        else:
            log(
                "wrk is not installed (Debian: apt-get install wrk): the cached page is "
                "measured with the Python client only"
            )
        log(f"pgbench: the read path's 3 statements, {args.connections} connections ...")
        select = await asyncio.to_thread(
            pgbench, url, read_script(first_page), args.connections, args.duration, tmp
        )
        log(f"pgbench read statements: {select['tps']:.0f} transactions/s")
    finally:
        code = await asyncio.to_thread(stop_service, proc)
        log(f"service stopped (exit {code})")
    # The same pages again from a service with its page cache off: what every miss costs,
    # on the 1 000-comment article and on the 17 000-comment one.
    proc, base_url, pids = await start(
        url, workers, tmp, args.guards, MODERATION_PAGE_CACHE_ENTRIES="0"
    )
    try:
        phase["base_url"] = base_url
        uncached = await run_phase(
            f"GET {page_path(READ_ARTICLE)} (uncached)",
            {**phase, "method": "GET", "path": page_path(READ_ARTICLE)},
            pids,
            url,
        )
        big = await run_phase(
            f"GET {page_path(BIG_ARTICLE)} (uncached)",
            {**phase, "method": "GET", "path": page_path(BIG_ARTICLE)},
            pids,
            url,
        )
    finally:
        code2 = await asyncio.to_thread(stop_service, proc)
        log(f"service stopped (exit {code2})")
        if args.keep:
            log(f"kept the database: {url}")
        else:
            await drop_database(url)
    ratio = round(write["rps"] / insert["tps"], 3)
    read_ratio = round(read["rps"] / select["tps"], 3)
    uncached_ratio = round(uncached["rps"] / select["tps"], 3)
    big_ratio = round(big["rps"] / uncached["rps"], 3)
    wrk_ratio = None if read_wrk is None else round(read_wrk["rps"] / select["tps"], 3)
    if read_wrk is not None:
        log(
            f"the cached page through wrk: {wrk_ratio:.3f}x its read SQL's own rate "
            f"(p99 {read_wrk['p99_ms']:.1f} ms)"
        )
    log(
        f"POST rate (workers {workers}) is {ratio:.3f}x PostgreSQL's one-row INSERT rate; "
        f"the cached page {read_ratio:.3f}x its read SQL's own rate (p99 "
        f"{read['p99_ms']:.1f} ms), uncached {uncached_ratio:.3f}x; the uncached page of "
        f"{BIG_COMMENTS} comments runs at {big_ratio:.3f}x the rate of the one of {READ_COMMENTS}"
    )
    return {
        "benchmark": "load",
        "workers": workers,
        "guards": args.guards,
        "connections": args.connections,
        "duration_s": args.duration,
        "cpus": os.cpu_count(),
        "client": "separate process, aiohttp, N keep-alive connections, on the same machine",
        "rps": write["rps"],
        "p50_ms": write["p50_ms"],
        "p99_ms": write["p99_ms"],
        "errors": write["errors"],
        "service_cpu_ms": write["cpu_ms_per_request"]["service"],
        "write": write,
        "pgbench_tps": insert["tps"],
        "pgbench_latency_avg_ms": insert["latency_avg_ms"],
        "ratio": ratio,
        "read_rps": read["rps"],
        "read_p50_ms": read["p50_ms"],
        "read_p99_ms": read["p99_ms"],
        "read_errors": read["errors"],
        "read_service_cpu_ms": read["cpu_ms_per_request"]["service"],
        "read": read,
        "read_pgbench_tps": select["tps"],
        "read_ratio": read_ratio,
        "read_wrk": read_wrk,
        "read_wrk_ratio": wrk_ratio,
        "uncached": uncached,
        "uncached_ratio": uncached_ratio,
        "big_uncached": big,
        "big_to_small_ratio": big_ratio,
        "service_exit": max(code or 0, code2 or 0),
        **(
            {
                "akismet": check,
                "check_rps": check["rps"],
                "check_p99_ms": check["p99_ms"],
                "check_service_cpu_ms": check["cpu_ms_per_request"]["service"],
                "check_cpu_vs_json": check["service_cpu_vs_json"],
            }
            if check is not None
            else {}
        ),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--duration", type=float, default=20.0, help="seconds per timed phase")
    parser.add_argument("--connections", type=int, default=32, help="concurrent clients")
    parser.add_argument(
        "--workers", default="auto", help="`moderation serve --workers`: N or auto (the default)"
    )
    parser.add_argument("--warmup", type=float, default=3.0, help="untimed seconds per phase")
    parser.add_argument("--database-url", default=DEFAULT_URL)
    parser.add_argument("--profile", type=Path, help="py-spy output (.svg or .txt)")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    parser.add_argument(
        "--no-wrk", action="store_true", help="measure the cached page with the Python client only"
    )
    parser.add_argument(
        "--guards",
        action="store_true",
        help="keep the default flood limits and duplicate window on (each request from "
        "its own forwarded address)",
    )
    parser.add_argument(
        "--akismet",
        action="store_true",
        help="also measure POST /1.1/comment-check (WordPress's shape) after the JSON phase",
    )
    args = parser.parse_args()
    workers_ok = args.workers == "auto" or (args.workers.isdigit() and int(args.workers) >= 1)
    if args.duration < 1 or args.connections < 1 or not workers_ok or args.warmup < 0:
        parser.error(
            "need --duration >= 1, --connections >= 1, --workers auto or >= 1, --warmup >= 0"
        )
    return run_main(lambda tmp: run(args, tmp), "bench-load-")


if __name__ == "__main__":
    sys.exit(main())
