"""Settings a user leaves unset follow from the ones they set, whatever the current directory."""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest

from domain.notifications.sending.mailbox import Mailbox
from settings import VAR_DIR, Settings
from tests.conftest import var_changes, var_snapshot
from tests.serving import free_port, isolated_env, serving

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize(
    ("env", "base_url"),
    [
        ({}, "http://127.0.0.1:8000"),
        ({"PORT": "8100"}, "http://127.0.0.1:8100"),
        ({"HOST": "0.0.0.0", "PORT": "8100"}, "http://127.0.0.1:8100"),
        ({"HOST": "shop.lan", "PORT": "9000"}, "http://shop.lan:9000"),
        ({"HOST": "::1", "PORT": "8100"}, "http://[::1]:8100"),
        ({"PORT": "8100", "BASE_URL": "https://shop.example.com"}, "https://shop.example.com"),
    ],
)
def test_base_url_defaults_to_the_host_and_port_served(env: dict[str, str], base_url: str) -> None:
    settings = Settings.from_env(env)
    assert settings.base_url == base_url
    assert settings.policy.base_url == base_url


def test_settings_built_in_code_derive_their_base_url_too() -> None:
    assert Settings(port=8100).base_url == "http://127.0.0.1:8100"
    assert Settings(port=8100, base_url="https://x.example").base_url == "https://x.example"


def test_the_default_database_and_mailbox_live_in_the_projects_var_folder() -> None:
    settings = Settings.from_env({})
    assert VAR_DIR == ROOT / "var"
    assert settings.database_url == f"sqlite://{ROOT / 'var' / 'preorder.db'}"
    assert settings.mailbox_dir == str(ROOT / "var" / "mailbox")


async def test_served_on_another_port_the_emails_link_to_that_port(tmp_path: Path) -> None:
    """``PORT=... preorder serve`` without BASE_URL: the demo store's emails link to that port."""
    port = free_port()
    env = isolated_env(tmp_path, PORT=str(port), SECRET_KEY="settings-secret", MAIL_SENDER="app")
    mailbox = Mailbox(tmp_path / "mailbox")
    async with serving(tmp_path, env, port):
        deadline = time.monotonic() + 60
        while not mailbox.names():
            assert time.monotonic() < deadline, "no email reached the development mailbox"
            time.sleep(0.2)
    texts = [stored.text for name in mailbox.names() if (stored := mailbox.read(name))]
    links = re.findall(r"https?://[^\s/]+/(?:orders|builds)/", "\n".join(texts))
    assert links, texts[:1]
    assert set(links) <= {f"http://127.0.0.1:{port}/orders/", f"http://127.0.0.1:{port}/builds/"}


def test_the_var_guard_names_what_was_created_changed_or_removed(tmp_path: Path) -> None:
    (tmp_path / "mailbox").mkdir()
    (tmp_path / "mailbox" / "old.eml").write_text("old")
    (tmp_path / "preorder.db").write_text("db")
    before = var_snapshot(tmp_path)
    (tmp_path / "mailbox" / "new.eml").write_text("new")
    (tmp_path / "preorder.db").write_text("database grew")
    (tmp_path / "mailbox" / "old.eml").unlink()
    assert var_changes(before, var_snapshot(tmp_path)) == [
        "created mailbox/new.eml",
        "removed mailbox/old.eml",
        "changed preorder.db",
    ]
    assert var_changes(before, before) == []
    assert var_snapshot(tmp_path / "absent") == {}
