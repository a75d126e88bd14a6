"""Server-side checks behind a staff session cookie: the user is active, the session current.

The cookie itself (signed, with the staff id, the issue time and the session version) belongs to
the HTML door; the domain says only whether that id and version still stand for a signed-in
staff member, and ends every session of a user by raising the version.
"""

from __future__ import annotations

from tortoise.expressions import F

from domain.staff.models import StaffUser


async def staff_for_session(staff_id: int, version: int) -> StaffUser | None:
    """The staff member a session names, or None when deactivated or signed out since."""
    return await StaffUser.filter(id=staff_id, active=True, session_version=version).first()


async def end_sessions(staff_id: int) -> None:
    """Sign out everywhere: every cookie issued before now stops working."""
    await StaffUser.filter(id=staff_id).update(session_version=F("session_version") + 1)
