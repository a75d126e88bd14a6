"""The real SMTP server on loopback of the notification tests."""

from tests.domain.notifications.conftest import smtp  # noqa: F401 - a fixture
