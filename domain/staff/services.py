"""Staff accounts (argon2id passwords, lockout) and scoped API tokens stored hashed."""

from __future__ import annotations

import datetime as dt
import logging
import secrets
from dataclasses import dataclass

from tortoise.expressions import Q

from domain.context import Actor, Context
from domain.customers.links import token_hash
from domain.db import Dialect, connection, fetch
from domain.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from domain.outbox.claims import db_time
from domain.staff.models import ApiToken, StaffUser
from domain.staff.passwords import PasswordPool, passwords
from domain.staff.sessions import StaffMember, member
from domain.validation import clean_email, clean_text

SCOPES = frozenset(
    {"read", "orders", "etas", "purchasing", "receiving", "shipping", "builds"}
    | {"catalog"}  # products, suppliers, stock, imports (DOMAIN.md rule 23)
    | {"webhooks"}  # webhook subscriptions and deliveries
)
TOKEN_PREFIX = "pot_"
MAX_FAILED_LOGINS = 5
LOCKOUT = dt.timedelta(minutes=15)

log = logging.getLogger("preorder.staff")


def staff_actor(user: StaffMember) -> Actor:
    return Actor("staff", str(user.id), SCOPES)


async def add_staff(email: str, name: str, password: str) -> StaffMember:
    address = clean_email(email)
    if len(password) < 12:
        raise InvalidInput("Use a password of at least 12 characters.", field="password")
    if await StaffUser.filter(email=address).exists():
        raise Conflict("A staff member with this email exists.", field="email")
    created = await StaffUser.create(
        email=address,
        name=clean_text(name, field="name", max_length=200),
        password_hash=await passwords.hash(password),
    )
    return member(created)


async def sign_in(
    email: str, password: str, *, ctx: Context, pool: PasswordPool = passwords
) -> StaffMember:
    """The same refusal, after the same work, for an unknown email, a wrong password and a
    locked account.

    Failures are counted by one guarded statement, so parallel guesses cannot overwrite each
    other's count: the fifth locks the account, later ones while it is locked count nothing.
    A right password signs in only if the account is still unlocked when it has been checked.
    """
    refusal = PermissionDenied("Email or password is not right, or the account is locked.")
    user = await StaffUser.filter(email=(email or "").strip().lower(), active=True).first()
    if user is None or (user.locked_until and user.locked_until > ctx.now):
        await pool.verify_nothing(password or "")  # spend the time of a real check
        raise refusal
    if not await pool.verify(user.password_hash, password or ""):
        await _count_failure(user.id, ctx.now)
        raise refusal
    unlocked = Q(locked_until=None) | Q(locked_until__lte=ctx.now)
    if not await StaffUser.filter(unlocked, id=user.id).update(failed_logins=0, locked_until=None):
        raise refusal  # locked by parallel guesses while this password was being checked
    return member(user)


async def _count_failure(user_id: int, now: dt.datetime) -> None:
    conn = connection()
    at = Dialect(conn).timestamp
    rows = await fetch(
        conn,
        "UPDATE staff_user SET"
        " failed_logins = CASE WHEN failed_logins + 1 >= ? THEN 0 ELSE failed_logins + 1 END,"
        f" locked_until = CASE WHEN failed_logins + 1 >= ? THEN {at} ELSE NULL END"
        f" WHERE id = ? AND (locked_until IS NULL OR locked_until <= {at})"
        " RETURNING failed_logins, locked_until",
        [
            MAX_FAILED_LOGINS,
            MAX_FAILED_LOGINS,
            db_time(conn, now + LOCKOUT),
            user_id,
            db_time(conn, now),
        ],
    )
    if rows and rows[0]["locked_until"] is not None:
        log.warning("staff account %s locked after %d failed sign-ins", user_id, MAX_FAILED_LOGINS)


@dataclass(frozen=True)
class IssuedToken:
    token: ApiToken
    secret: str  # shown once


async def create_api_token(
    name: str, scopes: list[str], *, staff_id: int | None = None
) -> IssuedToken:
    label = clean_text(name, field="name", max_length=100)
    unknown = set(scopes) - SCOPES
    if unknown or not scopes:
        raise InvalidInput(f"Scopes are some of: {', '.join(sorted(SCOPES))}.", field="scopes")
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = await ApiToken.create(
        name=label,
        token_hash=token_hash(secret),
        scopes=" ".join(sorted(set(scopes))),
        staff_id=staff_id,
    )
    return IssuedToken(token, secret)


async def revoke_api_token(token_id: int, *, ctx: Context) -> None:
    changed = await ApiToken.filter(id=token_id, revoked_at=None).update(revoked_at=ctx.now)
    if not changed:
        raise NotFound("No such active token.", field="tokenId")


async def actor_for_token(secret: str, *, ctx: Context) -> Actor | None:
    """The actor an API token stands for, or None when it is unknown or revoked."""
    if not secret.startswith(TOKEN_PREFIX) or len(secret) > 200:
        return None
    token = await ApiToken.filter(token_hash=token_hash(secret), revoked_at=None).first()
    if token is None:
        return None
    if token.last_used_at is None or ctx.now - token.last_used_at > dt.timedelta(minutes=5):
        await ApiToken.filter(id=token.id).update(last_used_at=ctx.now)
    return Actor("token", str(token.id), frozenset(token.scopes.split()))


def require_scope(actor: Actor, scope: str) -> None:
    if scope not in actor.scopes:
        raise PermissionDenied(f"This needs the '{scope}' scope.", field=None)
