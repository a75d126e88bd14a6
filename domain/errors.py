"""Expected failures of the domain, each with a stable ``code`` and the offending ``field``.

    DomainError
    ├── InvalidInput            bad or missing input (code ``invalid``)
    ├── NotFound                unknown, or not the caller's: the two are never told apart
    ├── Conflict                the request contradicts the current state
    │   └── IdempotencyKeyReused
    ├── InsufficientAvailability  stock plus backorder room cannot cover a line
    ├── PermissionDenied        the actor lacks a scope
    ├── RateLimited             too many calls of this kind from this key; ``retry_after``
    └── Unavailable             the database could not serve the request; safe to retry

Doors translate these into typed GraphQL errors or form messages; anything else is a bug and
is masked.
"""

from __future__ import annotations


class DomainError(Exception):
    code = "error"

    def __init__(self, message: str, *, field: str | None = None, **details: object) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        self.details = details


class InvalidInput(DomainError):
    code = "invalid"


class NotFound(DomainError):
    code = "not_found"


class Conflict(DomainError):
    code = "conflict"


class IdempotencyKeyReused(Conflict):
    code = "idempotency_key_reused"


class InsufficientAvailability(DomainError):
    """A line asks for more than stock plus the room left under the backorder cap."""

    code = "insufficient_availability"

    def __init__(self, message: str, *, field: str | None, available: int) -> None:
        super().__init__(message, field=field, available=available)
        self.available = available


class PermissionDenied(DomainError):
    code = "permission_denied"


class RateLimited(DomainError):
    """A door's rate limit refused the call; nothing was done. Retry after ``retry_after`` s."""

    code = "rate_limited"

    def __init__(self, message: str, *, retry_after: int) -> None:
        super().__init__(message, retry_after=retry_after)
        self.retry_after = retry_after


class Unavailable(DomainError):
    code = "unavailable"
