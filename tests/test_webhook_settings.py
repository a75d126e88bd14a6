"""Webhook settings are read once from the environment; production refuses loopback."""

from __future__ import annotations

from settings import Settings


def test_webhook_settings_come_from_the_environment() -> None:
    settings = Settings.from_env(
        {
            "WEBHOOK_TIMEOUT_SECONDS": "3.5",
            "WEBHOOK_PER_TARGET": "2",
            "WEBHOOK_GIVE_UP_AFTER_SECONDS": "60",
            "WEBHOOK_ALLOW_LOOPBACK": "0",
        }
    )
    config = settings.webhooks
    assert (config.timeout, config.per_target, config.give_up_after) == (3.5, 2, 60.0)
    assert not config.loopback_allowed and not config.production


def test_production_never_allows_loopback_targets() -> None:
    settings = Settings.from_env({"PREORDER_ENV": "production", "SECRET_KEY": "s" * 40})
    assert settings.webhooks.production and not settings.webhooks.loopback_allowed
    assert Settings().webhooks.loopback_allowed
