"""The one place that reads the environment. Everything else receives a Settings."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass

from domain.context import Policy


@dataclass(frozen=True)
class Settings:
    database_url: str = "sqlite://var/preorder.db"
    environment: str = "development"
    secret_key: str = "development-secret-key-change-me"
    store_timezone: str = "UTC"
    base_url: str = "http://127.0.0.1:8000"
    host: str = "127.0.0.1"
    port: int = 8000
    db_pool_size: int = 10
    db_statement_timeout_ms: int = 15000
    email_threshold_days: int = 2
    smtp_url: str = ""

    @property
    def production(self) -> bool:
        return self.environment == "production"

    @property
    def policy(self) -> Policy:
        return Policy(
            secret_key=self.secret_key,
            store_timezone=self.store_timezone,
            email_threshold_days=self.email_threshold_days,
            base_url=self.base_url,
        )

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if env is None else env
        settings = cls(
            database_url=env.get("DATABASE_URL", cls.database_url),
            environment=env.get("PREORDER_ENV", cls.environment),
            secret_key=env.get("SECRET_KEY", cls.secret_key),
            store_timezone=env.get("STORE_TIMEZONE", cls.store_timezone),
            base_url=env.get("BASE_URL", cls.base_url),
            host=env.get("HOST", cls.host),
            port=int(env.get("PORT", cls.port)),
            db_pool_size=int(env.get("DB_POOL_SIZE", cls.db_pool_size)),
            email_threshold_days=int(env.get("ETA_EMAIL_THRESHOLD_DAYS", cls.email_threshold_days)),
            smtp_url=env.get("SMTP_URL", cls.smtp_url),
        )
        if settings.production and settings.secret_key == cls.secret_key:
            raise ValueError("SECRET_KEY must be set in production")
        return settings
