"""Who an actor string (``staff:3``, ``token:7``, ``customer``, ``system``) is, in words.

Audit rows keep the actor as a string so that they outlive the user or token; pages show the
staff member's name and email, or the token's name, resolved here for a whole page at once.
"""

from __future__ import annotations

from collections.abc import Iterable

from domain.db import connection, fetch
from domain.rows import marks


def _ids(actors: set[str], kind: str) -> list[int]:
    prefix = f"{kind}:"
    return sorted(
        int(a[len(prefix) :]) for a in actors if a.startswith(prefix) and a[len(prefix) :].isdigit()
    )


async def actor_labels(actors: Iterable[str]) -> dict[str, str]:
    """A label for each actor: ``Ada Admin <ada@example.com>``, ``API token "stock sync"``."""
    wanted = set(actors)
    labels: dict[str, str] = {}
    for actor in wanted:
        kind = actor.split(":", 1)[0]
        labels[actor] = {
            "system": "the system",
            "customer": "the customer",
            "staff": f"staff ({actor.split(':', 1)[-1]})",
            "token": "an API token",
        }.get(kind, actor)
    staff = _ids(wanted, "staff")
    if staff:
        for row in await fetch(
            connection(),
            f"SELECT id, name, email FROM staff_user WHERE id IN ({marks(staff)})",
            staff,
        ):
            labels[f"staff:{row['id']}"] = f"{row['name']} <{row['email']}>"
    tokens = _ids(wanted, "token")
    if tokens:
        for row in await fetch(
            connection(), f"SELECT id, name FROM api_token WHERE id IN ({marks(tokens)})", tokens
        ):
            labels[f"token:{row['id']}"] = f'API token "{row["name"]}"'
    return labels
