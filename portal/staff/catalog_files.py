"""Importing and exporting the catalogue's CSV files from the console.

The upload is the one multipart form of the portal: its size is checked from the declared
length and again while reading, one file part only, and its CSRF token is checked before the
file is looked at (a multipart POST is a "simple" cross-site request, so the token is what
stops another site from posting one).
"""

from __future__ import annotations

import datetime as dt

from starlette.datastructures import FormData, UploadFile
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from domain import numbers
from domain.catalog.csvfiles import MAX_BYTES
from domain.catalog_admin.importing import EXPORTERS, IMPORTERS
from domain.errors import InvalidInput
from portal.security import csrf_valid
from portal.staff.desk import Desk, desk_of
from portal.web import CSRF_FIELD

KINDS = ("products", "suppliers", "stock")


async def multipart(desk: Desk, request: Request, max_bytes: int) -> FormData:
    """A checked multipart form: size, one file, its CSRF token (403 before the file is read
    further)."""
    content_type = request.headers.get("content-type", "").split(";")[0].strip()
    if content_type != "multipart/form-data":
        if content_type == "application/x-www-form-urlencoded":
            await desk.form(request)  # a wrong CSRF token is told as such (403)
        raise HTTPException(415, "Send the file from the form on this page.")
    try:
        declared = numbers.byte_count(request.headers.get("content-length"))
    except InvalidInput as error:
        raise HTTPException(400, error.message) from None
    if declared > max_bytes + 64 * 1024:
        raise HTTPException(413, f"The file is over {max_bytes // 1024 // 1024} MB.")
    form = await request.form(max_files=1, max_fields=10, max_part_size=max_bytes + 1)
    token = form.get(CSRF_FIELD)
    if not isinstance(token, str) or not csrf_valid(request, token, desk.policy.secret_key):
        raise HTTPException(403, "This form has expired. Go back, reload the page and try again.")
    return form


def page(request: Request, status: int = 200, **values: object) -> Response:
    desk = desk_of(request)
    return desk.page(
        request,
        "catalog_import.html",
        {"kinds": KINDS, "report": None, "kind": "products", **values},
        status=status,
    )


async def importing(request: Request) -> Response:
    desk = desk_of(request)
    if request.method == "GET":
        return page(request)
    form = await multipart(desk, request, MAX_BYTES)
    kind = form.get("kind")
    upload = form.get("file")
    if kind not in KINDS:
        raise HTTPException(400, "Choose what the file holds.")
    if not isinstance(upload, UploadFile):
        return page(request, 400, kind=kind, missing=True)
    data = await upload.read(MAX_BYTES + 1)
    await form.close()
    report = await IMPORTERS[str(kind)](
        data, ctx=desk.context(request), dry_run=form.get("dry_run") == "yes"
    )
    status = 400 if report.errors else 200
    return page(request, status, kind=kind, report=report, filename=upload.filename or "")


async def exporting(request: Request) -> Response:
    kind = request.path_params["kind"]
    if kind not in KINDS:
        raise HTTPException(404)
    text = await EXPORTERS[kind]()
    stamp = dt.date.today().isoformat()
    return Response(
        text.encode("utf-8"),
        media_type="text/csv; charset=utf-8",
        headers={
            "Content-Disposition": f'attachment; filename="{kind}-{stamp}.csv"',
            "Cache-Control": "no-store",
        },
    )


ROUTES = [
    Route("/catalogue/import", importing, methods=["GET", "POST"], name="catalog-import"),
    Route("/catalogue/export/{kind}.csv", exporting, name="catalog-export"),
]
