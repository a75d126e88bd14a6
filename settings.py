"""The one place that reads the environment. Everything else receives a Settings."""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from domain.context import Policy
from domain.notifications.sending.config import (
    MailConfig,
    SenderConfig,
    message_id_domain,
    parse_smtp_url,
)
from domain.ratelimit.rates import Rate, RateLimits
from domain.webhooks.config import WebhookConfig

# The project's own folder for local state (the default SQLite file, the development mailbox),
# found from this file rather than from the current directory: `preorder` run from anywhere
# uses the same database.
VAR_DIR = Path(__file__).resolve().parent / "var"
WILDCARD_HOSTS = ("", "0.0.0.0", "::")


def default_base_url(host: str, port: int) -> str:
    """Where links in emails point when BASE_URL is not set: this server, on its own port."""
    if host in WILDCARD_HOSTS:
        host = "127.0.0.1"
    elif ":" in host:
        host = f"[{host}]"
    return f"http://{host}:{port}"


@dataclass(frozen=True)
class Settings:
    database_url: str = f"sqlite://{VAR_DIR / 'preorder.db'}"
    environment: str = "development"
    secret_key: str = "development-secret-key-change-me"
    store_timezone: str = "UTC"
    base_url: str = ""  # empty: default_base_url(host, port)
    host: str = "127.0.0.1"
    port: int = 8000
    db_pool_size: int = 10
    db_statement_timeout_ms: int = 15000
    email_threshold_days: int = 2
    smtp_url: str = ""
    # The outbox sender (domain/notifications). Timings in seconds; tests use milliseconds.
    mail_from: str = "orders@preorder.local"
    mail_from_name: str = "Home & Ride"
    mail_sender_in_app: bool = True  # MAIL_SENDER=worker: only `preorder worker` sends
    mail_poll_seconds: float = 1.0
    mail_batch_size: int = 100
    mail_lease_seconds: float = 60.0
    mail_backoff_base_seconds: float = 5.0
    mail_backoff_max_seconds: float = 900.0
    mail_give_up_after_seconds: float = 2 * 86400.0
    smtp_timeout_seconds: float = 10.0
    mailbox_dir: str = str(VAR_DIR / "mailbox")
    media_dir: str = str(VAR_DIR / "media")  # product images and thumbnails (MEDIA_DIR)
    mailbox_port: int = 0
    # RATE_LIMIT_<NAME>=60/h, 30/15min or off, for each name of RateLimits (README, "Limits").
    rate_limits: RateLimits = RateLimits()
    # The promise clock (domain/clock): CLOCK=process leaves it to `preorder clock`.
    clock_in_app: bool = True
    clock_poll_seconds: float = 60.0
    late_delivery_margin_days: int = 7
    slip_quantile: float = 0.9
    slip_prior_strength: int = 5
    idempotency_retention_days: int = 30
    sent_mail_retention_days: int = 90
    sent_webhook_retention_days: int = 30
    # Running in production (ops/): proxies whose X-Forwarded-For/-Proto are believed (empty:
    # none), and who may read /metrics (empty: nobody). Comma-separated addresses or networks.
    forwarded_allow_ips: str = ""
    metrics_allow_ips: str = "127.0.0.1,::1"
    supplier_link_days: int = 60
    supplier_changes_need_approval: bool = False
    supplier_reminder_days: int = 3
    # Outgoing webhooks (domain/webhooks), sent beside the mail; README "Webhooks".
    webhook_timeout_seconds: float = 10.0
    webhook_per_target: int = 4
    webhook_give_up_after_seconds: float = 3 * 86400.0
    webhook_allow_loopback: bool = True  # outside production only

    def __post_init__(self) -> None:
        if not self.base_url:
            object.__setattr__(self, "base_url", default_base_url(self.host, self.port))

    @property
    def production(self) -> bool:
        return self.environment == "production"

    @property
    def webhooks(self) -> WebhookConfig:
        return WebhookConfig(
            production=self.production,
            allow_loopback=self.webhook_allow_loopback,
            timeout=self.webhook_timeout_seconds,
            per_target=self.webhook_per_target,
            give_up_after=self.webhook_give_up_after_seconds,
        )

    @property
    def policy(self) -> Policy:
        return Policy(
            secret_key=self.secret_key,
            store_timezone=self.store_timezone,
            email_threshold_days=self.email_threshold_days,
            base_url=self.base_url,
            limits=self.rate_limits,
            late_delivery_margin_days=self.late_delivery_margin_days,
            slip_quantile=self.slip_quantile,
            slip_prior_strength=self.slip_prior_strength,
            idempotency_retention_days=self.idempotency_retention_days,
            sent_mail_retention_days=self.sent_mail_retention_days,
            sent_webhook_retention_days=self.sent_webhook_retention_days,
            supplier_link_days=self.supplier_link_days,
            supplier_changes_need_approval=self.supplier_changes_need_approval,
            supplier_reminder_days=self.supplier_reminder_days,
            media_dir=self.media_dir,
        )

    @property
    def mail(self) -> MailConfig:
        smtp = None
        if self.smtp_url:
            smtp = parse_smtp_url(
                self.smtp_url, timeout=self.smtp_timeout_seconds, production=self.production
            )
        sender = SenderConfig(
            poll_interval=self.mail_poll_seconds,
            batch_size=self.mail_batch_size,
            lease=self.mail_lease_seconds,
            backoff_base=self.mail_backoff_base_seconds,
            backoff_max=self.mail_backoff_max_seconds,
            give_up_after=self.mail_give_up_after_seconds,
            from_address=self.mail_from,
            from_name=self.mail_from_name,
            message_id_domain=message_id_domain(self.base_url),
        )
        return MailConfig(
            sender=sender,
            smtp=smtp,
            smtp_timeout=self.smtp_timeout_seconds,
            run_in_app=self.mail_sender_in_app,
            mailbox_dir=self.mailbox_dir,
            mailbox_port=self.mailbox_port,
            production=self.production,
        )

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if env is None else env
        settings = cls(
            database_url=env.get("DATABASE_URL", cls.database_url),
            environment=env.get("PREORDER_ENV", cls.environment),
            secret_key=env.get("SECRET_KEY", cls.secret_key),
            store_timezone=env.get("STORE_TIMEZONE", cls.store_timezone),
            base_url=env.get("BASE_URL", ""),
            host=env.get("HOST", cls.host),
            port=int(env.get("PORT", cls.port)),
            db_pool_size=int(env.get("DB_POOL_SIZE", cls.db_pool_size)),
            email_threshold_days=int(env.get("ETA_EMAIL_THRESHOLD_DAYS", cls.email_threshold_days)),
            smtp_url=env.get("SMTP_URL", cls.smtp_url),
            mail_from=env.get("MAIL_FROM", cls.mail_from),
            mail_from_name=env.get("MAIL_FROM_NAME", cls.mail_from_name),
            mail_sender_in_app=env.get("MAIL_SENDER", "app") != "worker",
            mail_poll_seconds=float(env.get("MAIL_POLL_SECONDS", cls.mail_poll_seconds)),
            mail_batch_size=int(env.get("MAIL_BATCH_SIZE", cls.mail_batch_size)),
            mail_lease_seconds=float(env.get("MAIL_LEASE_SECONDS", cls.mail_lease_seconds)),
            mail_backoff_base_seconds=float(
                env.get("MAIL_BACKOFF_BASE_SECONDS", cls.mail_backoff_base_seconds)
            ),
            mail_backoff_max_seconds=float(
                env.get("MAIL_BACKOFF_MAX_SECONDS", cls.mail_backoff_max_seconds)
            ),
            mail_give_up_after_seconds=float(
                env.get("MAIL_GIVE_UP_AFTER_SECONDS", cls.mail_give_up_after_seconds)
            ),
            smtp_timeout_seconds=float(env.get("SMTP_TIMEOUT_SECONDS", cls.smtp_timeout_seconds)),
            mailbox_dir=env.get("MAILBOX_DIR", cls.mailbox_dir),
            media_dir=env.get("MEDIA_DIR", cls.media_dir),
            mailbox_port=int(env.get("MAILBOX_PORT", cls.mailbox_port)),
            rate_limits=rate_limits_from(env),
            clock_in_app=_clock_in_app(env.get("CLOCK", "app")),
            clock_poll_seconds=float(env.get("CLOCK_POLL_SECONDS", cls.clock_poll_seconds)),
            late_delivery_margin_days=int(
                env.get("LATE_DELIVERY_MARGIN_DAYS", cls.late_delivery_margin_days)
            ),
            slip_quantile=_slip_quantile(env.get("SLIP_QUANTILE", str(cls.slip_quantile))),
            slip_prior_strength=int(env.get("SLIP_PRIOR_STRENGTH", cls.slip_prior_strength)),
            idempotency_retention_days=int(
                env.get("IDEMPOTENCY_RETENTION_DAYS", cls.idempotency_retention_days)
            ),
            sent_mail_retention_days=int(
                env.get("SENT_MAIL_RETENTION_DAYS", cls.sent_mail_retention_days)
            ),
            sent_webhook_retention_days=int(
                env.get("SENT_WEBHOOK_RETENTION_DAYS", cls.sent_webhook_retention_days)
            ),
            forwarded_allow_ips=env.get("FORWARDED_ALLOW_IPS", cls.forwarded_allow_ips),
            metrics_allow_ips=env.get(
                "METRICS_ALLOW_IPS",
                "" if env.get("PREORDER_ENV") == "production" else cls.metrics_allow_ips,
            ),
            supplier_link_days=int(env.get("SUPPLIER_LINK_DAYS", cls.supplier_link_days)),
            supplier_changes_need_approval=_supplier_changes(env.get("SUPPLIER_CHANGES", "apply")),
            supplier_reminder_days=int(
                env.get("SUPPLIER_REMINDER_DAYS", cls.supplier_reminder_days)
            ),
            webhook_timeout_seconds=float(
                env.get("WEBHOOK_TIMEOUT_SECONDS", cls.webhook_timeout_seconds)
            ),
            webhook_per_target=int(env.get("WEBHOOK_PER_TARGET", cls.webhook_per_target)),
            webhook_give_up_after_seconds=float(
                env.get("WEBHOOK_GIVE_UP_AFTER_SECONDS", cls.webhook_give_up_after_seconds)
            ),
            webhook_allow_loopback=env.get("WEBHOOK_ALLOW_LOOPBACK", "1") not in ("0", "false"),
        )
        _check_addresses(settings)
        if settings.production and settings.secret_key == cls.secret_key:
            raise ValueError("SECRET_KEY must be set in production")
        settings.mail  # noqa: B018 - validates SMTP_URL and the sender address now, not later
        return settings


def _check_addresses(settings: Settings) -> None:
    from ops.addresses import parse_networks

    if settings.forwarded_allow_ips.strip() != "*":
        parse_networks("FORWARDED_ALLOW_IPS", settings.forwarded_allow_ips)
    parse_networks("METRICS_ALLOW_IPS", settings.metrics_allow_ips)


def _slip_quantile(text: str) -> float:
    value = float(text)
    if not 0.0 < value <= 1.0:
        raise ValueError("SLIP_QUANTILE must be a share in (0, 1], e.g. 0.95")
    return value


def rate_limits_from(env: Mapping[str, str]) -> RateLimits:
    """``RATE_LIMIT_PLACE_ORDER_CLIENT=120/h`` and so on; names not given keep their default."""
    chosen: dict[str, Rate | None] = {}
    for name in RateLimits.names():
        variable = f"RATE_LIMIT_{name.upper()}"
        if variable in env:
            try:
                chosen[name] = Rate.parse(env[variable])
            except ValueError as error:
                raise ValueError(f"{variable}: {error}") from None
    return dataclasses.replace(RateLimits(), **chosen)  # type: ignore[arg-type]


def _clock_in_app(value: str) -> bool:
    if value not in ("app", "process"):
        raise ValueError("CLOCK must be 'app' (run inside serve) or 'process' (preorder clock)")
    return value == "app"


def _supplier_changes(value: str) -> bool:
    """SUPPLIER_CHANGES: ``apply`` (a supplier's new date or quantity applies at once) or
    ``approve`` (it waits for staff); True when staff must approve."""
    if value not in ("apply", "approve"):
        raise ValueError("SUPPLIER_CHANGES must be 'apply' or 'approve'")
    return value == "approve"
