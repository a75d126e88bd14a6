"""Staff give failed emails another chance.

The sender (``domain.notifications``) owns sending and deciding when to give up; this only
puts rows back in its way. A dead letter becomes pending and due now, its attempt count
restarted; a failing one is made due now. A row leased by a sender at this moment is left
alone. The last error stays visible until the next attempt replaces it. The sender's give-up
age counts from when the email was first queued, so a requeued old message that fails again
goes straight back to the dead letters: it is one more try, not a new life.
"""

from __future__ import annotations

from tortoise.expressions import Q

from domain.context import Context
from domain.errors import NotFound
from domain.outbox.models import OutboxMessage
from domain.vocabulary import OutboxStatus


async def requeue(message_ids: list[int], *, ctx: Context) -> int:
    """How many of these messages were put back in the queue."""
    if not message_ids:
        return 0
    free = Q(lease_until=None) | Q(lease_until__lt=ctx.now)
    dead = await OutboxMessage.filter(id__in=message_ids, status=OutboxStatus.DEAD).update(
        status=OutboxStatus.PENDING, next_attempt_at=ctx.now, lease_until=None, attempts=0
    )
    failing = (
        await OutboxMessage.filter(free, id__in=message_ids, status=OutboxStatus.PENDING)
        .exclude(last_error="")
        .update(next_attempt_at=ctx.now)
    )
    return int(dead) + int(failing)


async def requeue_one(message_id: int, *, ctx: Context) -> None:
    if not await requeue([message_id], ctx=ctx):
        raise NotFound(
            "This email is not dead or failing, or is being sent now.", field="messageId"
        )


async def requeue_all_dead(*, ctx: Context) -> int:
    return int(
        await OutboxMessage.filter(status=OutboxStatus.DEAD).update(
            status=OutboxStatus.PENDING, next_attempt_at=ctx.now, lease_until=None, attempts=0
        )
    )
