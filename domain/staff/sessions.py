"""Server-side checks behind a staff session cookie: the user is active, the session current.

The cookie itself (signed, with the staff id, the issue time and the session version) belongs to
the HTML door; the domain says only whether that id and version still stand for a signed-in
staff member, and ends every session of a user by raising the version.
"""

from __future__ import annotations

from dataclasses import dataclass

from tortoise.expressions import F

from domain.staff.models import StaffUser


@dataclass(frozen=True)
class StaffMember:
    """A signed-in staff member as the doors see one: no password hash, no ORM object."""

    id: int
    email: str
    name: str
    session_version: int


def member(user: StaffUser) -> StaffMember:
    return StaffMember(user.id, user.email, user.name, user.session_version)


async def staff_for_session(staff_id: int, version: int) -> StaffMember | None:
    """The staff member a session names, or None when deactivated or signed out since."""
    user = await StaffUser.filter(id=staff_id, active=True, session_version=version).first()
    return member(user) if user is not None else None


async def end_sessions(staff_id: int) -> None:
    """Sign out everywhere: every cookie issued before now stops working."""
    await StaffUser.filter(id=staff_id).update(session_version=F("session_version") + 1)
