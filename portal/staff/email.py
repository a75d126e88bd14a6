"""Email: what waits, what fails and is retried, what was sent, and the dead letters, with
requeue (``domain.staff.mail``)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from domain.errors import DomainError
from domain.outbox.reads import MailView, mail_counts, mail_page
from domain.staff.mail import requeue_all_dead, requeue_one
from portal.staff.desk import desk_of
from portal.web import query_number, query_page


async def email_page(request: Request, *, error: str = "", status: int = 200) -> Response:
    desk = desk_of(request)
    value = request.query_params.get("view", "")
    counts = await mail_counts()
    if value in MailView._value2member_map_:
        view = MailView(value)
    else:  # what needs attention first
        view = next((v for v in (MailView.FAILING, MailView.DEAD) if counts[v]), MailView.WAITING)
    page = await mail_page(
        view,
        before_id=query_page(request, "before"),
        order_id=query_number(request, "order"),
    )
    return desk.page(
        request,
        "email.html",
        {
            "view": view,
            "views": list(MailView),
            "counts": counts,
            "page": page,
            "done": request.query_params.get("done", ""),
            "requeued": query_number(request, "n", minimum=0) or 0,
            "errors": {"form": error} if error else {},
        },
        status=status,
    )


async def overview(request: Request) -> Response:
    return await email_page(request)


async def requeue(request: Request) -> Response:
    desk = desk_of(request)
    await desk.form(request)
    try:
        await requeue_one(desk.path_int(request, "message_id"), ctx=desk.context(request))
    except DomainError as error:
        return await email_page(request, error=error.message, status=400)
    return desk.redirect(request, "staff:email", "view=waiting&done=requeued&n=1")


async def requeue_dead(request: Request) -> Response:
    desk = desk_of(request)
    await desk.form(request)
    count = await requeue_all_dead(ctx=desk.context(request))
    return desk.redirect(request, "staff:email", f"view=waiting&done=requeued&n={count}")


ROUTES = [
    Route("/email", overview, name="email"),
    Route("/email/{message_id:int}/requeue", requeue, methods=["POST"], name="email-requeue"),
    Route("/email/requeue-dead", requeue_dead, methods=["POST"], name="email-requeue-dead"),
]
