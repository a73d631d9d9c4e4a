"""The WordPress plug-in in contrib/wordpress, run under php-cli.

Each PHP script in contrib/wordpress/tests loads the plug-in into a small stand-in for
WordPress (harness.php, and for most a stand-in Akismet plugin), prints one
`ok - ...` line per check, `not ok - ...` for a failed one, and ends with
`PASS <script>: N checks` (exit code 0) or `FAIL ...` (exit code 1). Any PHP notice,
warning or deprecation ends a script with exit code 70.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
WORDPRESS = ROOT / "contrib" / "wordpress"
PHP_TESTS = WORDPRESS / "tests"
PHP = shutil.which("php")

pytestmark = pytest.mark.skipif(
    PHP is None, reason="php-cli is not installed: apt-get install php-cli"
)

# Each script, with lines its output must contain (besides its PASS line).
SCRIPTS: dict[str, list[str]] = {
    "test_intercept.php": [
        "ok - https://rest.akismet.com: sent to the service, same path",
        "ok - http://rest.akismet.com is sent to the service (https as configured)",
        "ok - http://<key>.rest.akismet.com is sent to the service",
        "ok - https://<key>.rest.akismet.com: the key from the host goes in api_key",
        "ok - the Host header (rest.akismet.com) is not sent to the service",
        "ok - /1.2/key-sites is sent to the same path on the service",
        "ok - https://rest.akismet.com.evil.example/1.1/comment-check is not redirected",
        "ok - a request made during forwarding is not forwarded again",
        "ok - Akismet (legacy style) reads x-akismet-guid",
    ],
    "test_comment_flow.php": [
        "ok - pending (answer false): held in the moderation queue, not approved",
        "ok - pending (answer true): held in the moderation queue, not in spam",
        "ok - pending: guid stored",
        "ok - approved: the check's guid is stored in moderation_guid",
        "ok - rejected: spam",
        "ok - pending but on WordPress's disallowed list: trash stays",
        "ok - REST API: pending held",
        "ok - older Akismet (no akismet_guid): pending still held",
        "ok - cron re-check answered pending: the comment stays in the moderation queue, "
        "not approved",
        'ok - cron re-check answered pending as "true": held, not spam',
        "ok - cron re-check answered approved: published, as Akismet does",
    ],
    "test_webhook.php": [
        "ok - approved → approve (held → published): applied",
        "ok - rejected + spam → spam: applied",
        "ok - rejected + removed → trash: applied",
        "ok - a signature with another secret: 401",
        "ok - no signature: 401",
        "ok - an unknown guid: 404",
        "ok - another event: 202",
        'ok - and got "Thanks for making the web a better place." without a request',
        "ok - rejected + spam → spam (as a moderator): nothing is sent to the service",
        "ok - an older decision delivered late: 200, marked stale",
    ],
    "test_reports.php": [
        "ok - held → approved by a moderator: one submit-ham to the service",
        "ok - submit-ham carries the guid from moderation_guid",
        "ok - spam → approved: Akismet's one submit-ham, not two",
        "ok - approved → spam: with the guid",
        "ok - held → approved by code without a moderator (a cron job, another plugin): "
        "nothing is sent",
    ],
    "test_removals.php": [
        "ok - held → trash by a moderator: one submit-removed to the service",
        "ok - submit-removed carries the guid",
        "ok - held → deleted for good by a moderator: one submit-removed",
        "ok - held → spam: Akismet's submit-spam only",
        "ok - held → trash by code without a moderator: nothing is sent",
        "ok - webhook rejected + removed: no submit-removed back",
    ],
    "test_reports_standalone.php": [
        "ok - held → approved by a moderator: submit-ham straight to the service",
        "ok - submit-ham has the Akismet fields the service needs, and the guid",
        "ok - and the bridge does not send submit-ham back for it",
    ],
    "test_settings.php": [
        'ok - an options page "moderation-bridge" for manage_options is added under Settings',
        "ok - the URL option, trimmed, without its trailing slash",
        "ok - 'https://rest.akismet.com' is refused and the stored URL kept",
        "ok - the page never shows the secret",
        "ok - the page shows the webhook URL to give the service",
    ],
    "test_settings_constants.php": [
        "ok - MODERATION_BRIDGE_URL wins over the option",
        "ok - MODERATION_BRIDGE_WEBHOOK_SECRET wins over the option",
        "ok - requests go to the URL from wp-config.php",
        "ok - a body signed with the constant's secret: 200",
        "ok - both fields are disabled",
    ],
}


def _php(*args: str) -> subprocess.CompletedProcess[str]:
    assert PHP is not None
    return subprocess.run(
        [PHP, "-d", "display_errors=stderr", "-d", "error_reporting=E_ALL", *args],
        cwd=PHP_TESTS,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_every_php_test_script_is_run_here() -> None:
    assert sorted(p.name for p in PHP_TESTS.glob("test_*.php")) == sorted(SCRIPTS)


@pytest.mark.parametrize("script", sorted(SCRIPTS))
def test_php_script(script: str) -> None:
    result = _php(str(PHP_TESTS / script))
    failed = [line for line in result.stdout.splitlines() if line.startswith("not ok")]
    assert result.returncode == 0, f"exit {result.returncode}\n{result.stdout}\n{result.stderr}"
    assert result.stderr == ""
    assert failed == []
    assert result.stdout.splitlines()[-1].startswith(f"PASS {script}: ")
    for line in SCRIPTS[script]:
        assert line in result.stdout.splitlines(), line


@pytest.mark.parametrize(
    "path",
    sorted(str(p.relative_to(WORDPRESS)) for p in WORDPRESS.rglob("*.php")),
)
def test_php_lint(path: str) -> None:
    result = _php("-l", str(WORDPRESS / path))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "No syntax errors detected" in result.stdout


def test_plugin_header_names_the_plugin() -> None:
    main = (WORDPRESS / "moderation-bridge" / "moderation-bridge.php").read_text()
    assert "Plugin Name:       Moderation bridge" in main
    assert "Requires PHP:      8.2" in main
