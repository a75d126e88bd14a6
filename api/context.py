"""What every resolver is given: the request, the domain Context, the caller, the loaders.

Customers are anonymous: what they may touch is decided by the secret token they hold (an
order or a build link). Staff tools send ``Authorization: Bearer <API token>``; the token is
looked up only when a staff field is asked for, so storefront requests never pay for it.
"""

from __future__ import annotations

import datetime as dt
import functools
import math
from dataclasses import dataclass, field

from starlette.requests import Request
from starlette.responses import Response

from api.cache import Read
from api.loaders import Loaders
from domain.context import Actor, Context, Policy
from domain.errors import RateLimited
from domain.ratelimit.services import check
from domain.staff.services import actor_for_token

CUSTOMER = Actor("customer", "api")
_UNSET = object()


@dataclass
class ApiContext:
    request: Request
    response: Response
    policy: Policy
    now: dt.datetime
    loaders: Loaders = field(default_factory=Loaders.create)
    reads: list[Read] = field(default_factory=list)  # what cacheable resolvers read
    _staff: object = _UNSET

    @property
    def today(self) -> dt.date:
        """``customer.today``, the store's date now (``local_day``)."""
        return local_day(self.now, self.policy.zone)

    @functools.cached_property
    def customer(self) -> Context:
        """The domain Context of a customer acting with a link token (one per request: it is
        frozen, and ``now`` is the request's)."""
        return Context(CUSTOMER, self.now, self.policy)

    async def staff(self) -> Actor | None:
        """The actor behind the request's API token, or None (absent, unknown or revoked).

        Each request with a valid token counts once against the token's rate; past it, every
        staff field of the request raises ``RateLimited``.
        """
        if self._staff is _UNSET:
            try:
                self._staff = await self._token_actor()
            except RateLimited as error:
                self.response.headers["Retry-After"] = str(error.retry_after)
                self._staff = error
        if isinstance(self._staff, RateLimited):
            raise self._staff
        return self._staff  # type: ignore[return-value]

    async def _token_actor(self) -> Actor | None:
        scheme, _, secret = self.request.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not secret.strip():
            return None
        ctx = Context.system(self.policy, self.now)
        actor = await actor_for_token(secret.strip(), ctx=ctx)
        if actor is not None:
            await check("api_token", actor.ident, ctx=ctx)
        return actor


_day: tuple[int, dt.tzinfo | None, dt.date] = (0, None, dt.date.min)  # replaced whole


def local_day(now: dt.datetime, zone: dt.tzinfo) -> dt.date:
    """``now.astimezone(zone).date()`` (``Context.today``), worked out once a second: every
    request asks for it, some twice, and converting to a zone is not free. A zone's offset is a
    whole number of seconds, so within one second of UTC the date in a zone is one date."""
    global _day  # noqa: PLW0603 - a cache of one entry
    second = math.floor(now.timestamp())
    kept = _day
    if kept[0] == second and kept[1] is zone:
        return kept[2]
    day = now.astimezone(zone).date()
    _day = (second, zone, day)
    return day
