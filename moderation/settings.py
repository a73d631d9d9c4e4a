"""Service settings, read from `MODERATION_*` environment variables.

One `Settings` object is built at start and passed into `create_app`, so tests
build their own instead of patching the environment.
"""

from __future__ import annotations

import ipaddress
from enum import StrEnum
from pathlib import Path
from typing import Annotated

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict


def _default_data_dir() -> Path:
    return Path.home() / ".local" / "share" / "moderation"


class SpamAnswer(StrEnum):
    """What the public API tells the author of a comment rejected as spam."""

    PENDING = "pending"  # looks like a held comment, so spammers cannot probe the filter
    TRUTHFUL = "truthful"


class EraseMode(StrEnum):
    """What erasing a reader does to their comments."""

    ANONYMISE = "anonymise"  # published comments stay, from "Anonymous"
    REMOVE = "remove"


class LogFormat(StrEnum):
    JSON = "json"
    TEXT = "text"


def _split_list(value: object) -> object:
    """Accept comma- or newline-separated lists from the environment."""
    if isinstance(value, str):
        return [part.strip() for part in value.replace("\n", ",").split(",") if part.strip()]
    return value


class Settings(BaseSettings):
    """Everything an operator can configure; see the README for the table."""

    model_config = SettingsConfigDict(env_prefix="MODERATION_", extra="ignore")

    # Where the service listens and what it talks to.
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=0, le=65535)
    database_url: str | None = Field(
        default=None,
        description="PostgreSQL URL; unset means an embedded server kept in data_dir.",
    )
    data_dir: Path = Field(default_factory=_default_data_dir)
    pool_min_size: int = Field(default=2, ge=1)
    pool_max_size: int = Field(default=10, ge=1)
    migrate_on_start: bool = True
    read_database_url: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="streaming replicas for public reads (comma-separated URLs)",
    )
    replica_max_lag_seconds: float = Field(
        default=5, gt=0, description="a replica further behind than this is not read"
    )
    replica_check_seconds: float = Field(default=1, gt=0, description="how often lag is checked")

    # Request limits (WordPress's own limits for the comment fields).
    max_request_bytes: int = Field(default=256 * 1024, ge=1024)
    max_name_chars: int = Field(default=245, ge=1)
    max_email_chars: int = Field(default=100, ge=3)
    max_url_chars: int = Field(default=200, ge=10)
    max_body_bytes: int = Field(default=65525, ge=1)
    page_size_default: int = Field(default=50, ge=1)
    page_size_max: int = Field(default=200, ge=1)
    keepalive_timeout_seconds: float = Field(
        default=15,
        gt=0,
        description="a connection that has not sent a whole request head this long after it "
        "opened or after its last answer is closed (idle keep-alive and slow heads alike)",
    )
    drain_seconds: float = Field(
        default=5,
        ge=0,
        description="after SIGTERM, how long requests in flight may take to finish; a body "
        "still arriving then is answered 408",
    )
    shutdown_timeout_seconds: float = Field(
        default=1,
        ge=0,
        description="after the drain, how long a handler still running may take before it is "
        "cancelled",
    )
    max_connections_per_client: int = Field(
        default=64,
        ge=0,
        description="open connections from one address (0: off); trusted proxies are exempt",
    )

    # Client addresses: X-Forwarded-For is believed only from these peers.
    trusted_proxies: Annotated[list[ipaddress.IPv4Network | ipaddress.IPv6Network], NoDecode] = (
        Field(default_factory=list)
    )

    # Where a form post may redirect to, besides relative paths.
    allowed_origins: Annotated[list[str], NoDecode] = Field(default_factory=list)

    # The classifier and the decision.
    target_spam_in_approved: float = Field(default=0.01, gt=0, lt=0.5)
    target_ham_in_rejected: float = Field(default=0.005, gt=0, lt=0.5)
    threshold_confidence: float = Field(default=0.8, gt=0.5, lt=1)
    spam_answer: SpamAnswer = SpamAnswer.PENDING
    model_file: Path | None = Field(
        default=None, description="A skops model to use instead of the seed model."
    )
    audit_share: float = Field(
        default=0.02, ge=0, le=1, description="share of automatic decisions also audited"
    )
    audit_check_seconds: float = Field(
        default=60, gt=0, description="how often audits are checked against the targets"
    )

    # Retraining and the model registry.
    auto_activate: bool = Field(
        default=False, description="activate a candidate that beats the active model"
    )
    model_check_seconds: float = Field(
        default=30, gt=0, description="fallback poll for a changed active model"
    )

    # Abuse protection and the Akismet API.
    # WordPress's own flood interval is 15 s.
    flood_ip_interval_seconds: float = Field(
        default=15, ge=0, description="least time between comments from one IP (0: off)"
    )
    flood_email_interval_seconds: float = Field(
        default=15, ge=0, description="least time between comments from one email (0: off)"
    )
    flood_ip_max: int = Field(default=30, ge=0, description="comments per IP per window (0: off)")
    flood_ip_window_seconds: float = Field(default=3600, gt=0)
    duplicate_window_seconds: float = Field(
        default=86400, ge=0, description="the same body, email and article is refused (0: off)"
    )
    idempotency_ttl_seconds: float = Field(default=86400, gt=0)
    signin_max_failures: int = Field(
        default=10, ge=0, description="failed desk sign-ins per IP per window (0: off)"
    )
    signin_window_seconds: float = Field(default=900, gt=0)
    body_timeout_seconds: float = Field(
        default=30, gt=0, description="a request body must arrive within this"
    )
    akismet_uncertain_answer: bool = Field(
        default=False, description="comment-check's answer for a held comment: true is spam"
    )
    akismet_discard_above: float = Field(
        default=0.99, gt=0.5, le=1, description="spam probability that earns the discard tip"
    )
    # WordPress sends a comment twice (comment_content and POST_comment), percent-encoded:
    # its longest (65 525 bytes, ~9 encoded bytes per CJK character) takes ~400 KB.
    akismet_max_request_bytes: int = Field(default=512 * 1024, ge=1024)
    akismet_key_cache_seconds: float = Field(
        default=10, ge=0, description="a valid key is remembered this long (a revoked one works)"
    )

    # Readers' personal data.
    erase_mode: EraseMode = EraseMode.ANONYMISE
    retention_rejected_days: int = Field(
        default=30, ge=1, description="spam and removed comments are purged after this"
    )
    retention_ip_days: int = Field(
        default=90, ge=1, description="IP addresses are cut to their network after this"
    )
    retention_sweep_seconds: float = Field(default=3600, gt=0)

    # Operations.
    log_format: LogFormat = LogFormat.JSON
    webhook_urls: Annotated[list[str], NoDecode] = Field(
        default_factory=list, description="URLs that receive signed JSON events"
    )
    webhook_secret: SecretStr | None = Field(
        default=None, description="HMAC-SHA256 key for the X-Moderation-Signature header"
    )
    webhook_timeout_seconds: float = Field(default=5, gt=0)
    webhook_max_attempts: int = Field(default=8, ge=1)
    webhook_retry_seconds: float = Field(default=10, gt=0, description="first back-off step")
    webhook_poll_seconds: float = Field(default=5, gt=0)

    # Backups (ops/backups.py): pg_dump's custom format; daily by `serve` (ops/backup_schedule.py).
    backup_auto: bool | None = Field(
        default=None, description="serve makes backups; unset: on with the embedded PostgreSQL"
    )
    backup_dir: Path | None = Field(default=None, description="unset: data_dir/backups")
    backup_keep: int = Field(default=7, ge=1, description="the newest this many are kept")
    backup_interval_hours: float = Field(default=24, gt=0)
    backup_check_seconds: float = Field(default=600, gt=0, description="how often it looks")
    pg_bin_dir: Path | None = Field(
        default=None, description="pg_dump and pg_restore; unset: the embedded ones, else PATH"
    )

    # Site rules, as WordPress's discussion settings.
    max_links: int = Field(default=2, ge=0)
    moderation_words: Annotated[list[str], NoDecode] = Field(default_factory=list)
    disallowed_words: Annotated[list[str], NoDecode] = Field(default_factory=list)
    blocked_emails: Annotated[list[str], NoDecode] = Field(default_factory=list)
    blocked_domains: Annotated[list[str], NoDecode] = Field(default_factory=list)
    blocked_ips: Annotated[list[ipaddress.IPv4Network | ipaddress.IPv6Network], NoDecode] = Field(
        default_factory=list
    )
    honeypot_field: str = "website_confirm"
    trust_known_authors: bool = True
    rejection_reasons: Annotated[list[str], NoDecode] = Field(
        default_factory=lambda: ["Off topic", "Personal attack", "Advertising", "Personal data"],
        description="canned reasons a moderator picks (keys 1-9) when rejecting",
    )

    # Keyed hashes of addresses and the sign-in form's tokens (ops/secret_key.py).
    # No length check here: a training job's process gets these settings with secrets
    # masked; the README asks for 32 random characters or more.
    secret_key: SecretStr | None = Field(
        default=None,
        description="HMAC key for address hashes, the sign-in form and readers' cookies; "
        "unset: made once and kept in data_dir/secret_key",
    )
    flag_threshold: int = Field(
        default=3, ge=1, description="flag weight that sends an approved comment back to the queue"
    )
    flag_confirmed_weight: int = Field(
        default=2, ge=1, description="what a flag from a reader with a confirmed email weighs"
    )
    flagged_shown: bool = Field(
        default=False, description="a comment sent back to the queue by flags stays shown"
    )

    # Mail to readers (issue 16): confirmation links and their own comments' page.
    # No SMTP host: no mail, and trust in known authors needs no confirmation.
    smtp_host: str | None = None
    smtp_port: int = Field(default=587, ge=1, le=65535)
    smtp_starttls: bool = Field(default=True, description="upgrade the connection with STARTTLS")
    smtp_user: str | None = None
    smtp_password: SecretStr | None = None
    smtp_from: str | None = Field(default=None, description="the From address of readers' mail")
    smtp_timeout_seconds: float = Field(default=30, gt=0)
    public_url: str | None = Field(
        default=None, description="the service's address as readers reach it, for mail links"
    )
    mail_max_attempts: int = Field(default=8, ge=1)
    mail_retry_seconds: float = Field(default=30, gt=0, description="first back-off step")
    mail_poll_seconds: float = Field(default=5, gt=0)
    reader_link_days: float = Field(
        default=14, gt=0, description="a mailed link to a reader's comments expires after this"
    )
    mail_when_published: bool = Field(
        default=False, description="mail a confirmed reader when their held comment is published"
    )

    # Browser pages.
    session_hours: float = Field(default=12, gt=0, description="desk sessions expire after this")
    embed_origins: Annotated[list[str], NoDecode] = Field(
        default_factory=list, description="origins allowed to frame /embed pages"
    )
    page_cache_entries: int = Field(
        default=10000, ge=0, description="article pages kept in memory per process (0: off)"
    )
    page_cache_seconds: float = Field(
        default=300, gt=0, description="a cached page is made again after this at the latest"
    )
    page_max_age_seconds: int = Field(
        default=1, ge=0, description="Cache-Control max-age of article pages"
    )
    page_stale_seconds: int = Field(
        default=30, ge=0, description="Cache-Control stale-while-revalidate of article pages"
    )

    @field_validator(
        "trusted_proxies",
        "read_database_url",
        "embed_origins",
        "webhook_urls",
        "allowed_origins",
        "moderation_words",
        "disallowed_words",
        "blocked_emails",
        "blocked_domains",
        "blocked_ips",
        "rejection_reasons",
        mode="before",
    )
    @classmethod
    def _lists_from_env(cls, value: object) -> object:
        return _split_list(value)

    @field_validator("moderation_words", "disallowed_words", "blocked_emails", "blocked_domains")
    @classmethod
    def _lowercase(cls, value: list[str]) -> list[str]:
        return [v.lower() for v in value]

    @model_validator(mode="after")
    def _webhooks_need_a_secret(self) -> Settings:
        if self.webhook_urls and not self.webhook_secret:
            raise ValueError("MODERATION_WEBHOOK_SECRET must be set when webhook URLs are")
        return self

    @model_validator(mode="after")
    def _mail_needs_a_sender(self) -> Settings:
        if self.smtp_host and not (self.smtp_from and self.public_url):
            raise ValueError(
                "MODERATION_SMTP_FROM and MODERATION_PUBLIC_URL must be set when SMTP_HOST is"
            )
        return self

    @property
    def mail_on(self) -> bool:
        """Readers' emails are confirmed by mail (SMTP is configured)."""
        return bool(self.smtp_host)

    @property
    def pgdata(self) -> Path:
        return self.data_dir / "postgres"
