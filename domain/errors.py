"""Expected failures of the domain, each with a stable ``code`` and the offending ``field``.

    DomainError
    ├── InvalidInput            bad or missing input (code ``invalid``)
    ├── NotFound                unknown, or not the caller's: the two are never told apart
    ├── Conflict                the request contradicts the current state
    │   └── IdempotencyKeyReused
    ├── InsufficientAvailability  stock plus backorder room cannot cover a line
    ├── PermissionDenied        the actor lacks a scope
    └── Unavailable             too much contention for this request now; safe to retry

A database that cannot serve at all is ``domain.db.DatabaseUnavailable``, outside this tree on
purpose: it is no answer to the request, and each door maps it once to 503.

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


class Unavailable(DomainError):
    code = "unavailable"
