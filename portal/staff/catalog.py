"""The catalogue kept by staff (DOMAIN.md rule 23): products, suppliers and stock.

A change that can move customers' dates is shown first as its exact preview (the PO date
change's: made and rolled back), and saved only when confirmed from that page.
"""

from __future__ import annotations

from typing import Any

from starlette.datastructures import FormData, UploadFile
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from domain.catalog.admin_reads import (
    catalog_changes,
    product_count,
    product_row,
    product_rows,
    supplier_row,
    supplier_rows,
)
from domain.catalog.availability import option_groups
from domain.catalog.checks import BackorderPolicy, ProductData
from domain.catalog.image_reads import images_of
from domain.catalog_admin import images, options
from domain.catalog_admin.services import (
    create_product,
    create_supplier,
    preview_product_change,
    preview_supplier_change,
    set_product_active,
    update_product,
    update_supplier,
)
from domain.catalog_admin.stocktake import StockReason, adjust_stock, preview_stock_adjustment
from domain.errors import DomainError
from domain.ordering.impact import EventImpact
from domain.purchasing.reads import purchase_order_page
from domain.supply.waitlist import waitlist_counts
from domain.vocabulary import AvailabilityMode
from portal.staff.catalog_files import multipart
from portal.staff.desk import desk_of, found
from portal.web import field_errors, text

PRODUCT_FIELDS = (
    "sku",
    "name",
    "description",
    "price",
    "mode",
    "backorders",
    "cap",
    "release_date",
    "lead_time_days",
    "supplier_id",
    "per_order_limit",
    "shipped_by",
    "reason",
)
PAGE = 200
SUPPLIER_FIELDS = ("name", "email", "lead_time_days", "address", "reason")
STOCK_FIELDS = ("stock_reason", "quantity", "note")


def _values(form: FormData, names: tuple[str, ...]) -> dict[str, str]:
    return {name: text(form, name) for name in names}


def product_data(values: dict[str, str]) -> ProductData:
    supplier = values.get("supplier_id", "").strip()
    return ProductData(
        sku=values["sku"],
        name=values["name"],
        price=values["price"],
        mode=values["mode"],
        description=values["description"],
        backorders=values["backorders"],
        cap=values["cap"],
        release_date=values["release_date"],
        lead_time_days=values["lead_time_days"],
        supplier_id=int(supplier) if supplier.isascii() and supplier.isdigit() else None,
        per_order_limit=values["per_order_limit"],
        shipped_by=values.get("shipped_by") or "shop",
    )


def _product_form(row: Any) -> dict[str, str]:
    def shown(value: object) -> str:
        return "" if value is None else str(value)

    return {
        "sku": row.sku,
        "name": row.name,
        "description": row.description,
        "price": str(row.price),
        "mode": row.mode.value,
        "backorders": row.policy.value,
        "cap": shown(row.backorder_cap if row.backorder_cap else None),
        "release_date": row.release_date.isoformat() if row.release_date else "",
        "lead_time_days": shown(row.lead_time_days),
        "supplier_id": shown(row.supplier_id),
        "per_order_limit": shown(row.per_order_limit),
        "shipped_by": row.shipped_by.value,
        "reason": "",
    }


async def choices() -> dict[str, Any]:
    return {
        "suppliers": await supplier_rows(),
        "modes": [m.value for m in AvailabilityMode],
        "policies": [p.value for p in BackorderPolicy],
        "stock_reasons": [r.value for r in StockReason],
    }


async def products(request: Request) -> Response:
    desk = desk_of(request)
    search = request.query_params.get("q", "")[:100]
    found = await product_rows(search=search, limit=PAGE + 1)
    return desk.page(
        request,
        "catalog_products.html",
        {
            "products": found[:PAGE],
            "more": len(found) > PAGE,
            "search": search,
            "total": await product_count(),
            "done": request.query_params.get("done", ""),
        },
    )


async def product_new(request: Request) -> Response:
    desk = desk_of(request)
    values: dict[str, str] = {"mode": "stocked", "backorders": "unlimited"}
    errors: dict[str, str] = {}
    if request.method == "POST":
        values = _values(await desk.form(request), PRODUCT_FIELDS)
        try:
            pk = await create_product(product_data(values), ctx=desk.context(request))
        except DomainError as error:
            errors = field_errors(error)
        else:
            return desk.redirect(request, "staff:product", "done=created", product_id=pk)
    return desk.page(
        request,
        "catalog_product.html",
        {
            "product": None,
            "form": values,
            "errors": errors,
            "stock_form": {},
            "changes": [],
            "done": "",
            **await choices(),
        },
        status=400 if errors else 200,
    )


async def product_page(
    request: Request,
    *,
    form: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    stock_form: dict[str, str] | None = None,
    status: int = 200,
) -> Response:
    desk = desk_of(request)
    product_id = desk.path_int(request, "product_id")
    row = found(await product_row(product_id))
    return desk.page(
        request,
        "catalog_product.html",
        {
            "product": row,
            "form": form or _product_form(row),
            "stock_form": stock_form or {},
            "errors": errors or {},
            "changes": await catalog_changes(product_id=product_id),
            "images": (await images_of([product_id])).get(product_id, []),
            "groups": (await option_groups([product_id])).get(product_id, []),
            "waitlist": (await waitlist_counts([product_id])).get(product_id, {}),
            "done": request.query_params.get("done", ""),
            **await choices(),
        },
        status=status,
    )


async def product_show(request: Request) -> Response:
    return await product_page(request)


def preview_page(
    request: Request, impact: EventImpact, title: str, action: str, hidden: dict[str, str]
) -> Response:
    desk = desk_of(request)
    return desk.page(
        request,
        "catalog_preview.html",
        {
            "impact": impact,
            "title": title,
            "action": action,
            "hidden": hidden,
            "back": request.headers.get("referer", ""),
            "threshold": desk.policy.email_threshold_days,
        },
    )


async def product_save(request: Request) -> Response:
    """Preview first; a change that moves nobody's date is saved at once."""
    desk = desk_of(request)
    product_id = desk.path_int(request, "product_id")
    form = await desk.form(request)
    values = _values(form, PRODUCT_FIELDS)
    confirmed = text(form, "confirmed") == "yes"
    ctx = desk.context(request)
    data = product_data(values)
    try:
        if not confirmed:
            impact = await preview_product_change(product_id, data, values["reason"], ctx=ctx)
            if not impact.nothing_moves:
                action = str(request.url_for("staff:product-save", product_id=product_id))
                return preview_page(request, impact, f"Save {values['sku']}?", action, values)
        saved = await update_product(product_id, data, values["reason"], ctx=ctx)
    except DomainError as error:
        return await product_page(request, form=values, errors=field_errors(error), status=400)
    done = f"event={saved.impact.event_id}" if saved.impact.event_id else "done=saved"
    return desk.redirect(request, "staff:product", done, product_id=product_id)


async def product_active(request: Request) -> Response:
    desk = desk_of(request)
    product_id = desk.path_int(request, "product_id")
    form = await desk.form(request)
    active = text(form, "active") == "yes"
    try:
        await set_product_active(product_id, active, ctx=desk.context(request))
    except DomainError:
        raise HTTPException(404) from None
    done = "done=restored" if active else "done=archived"
    return desk.redirect(request, "staff:product", done, product_id=product_id)


async def stock(request: Request) -> Response:
    desk = desk_of(request)
    product_id = desk.path_int(request, "product_id")
    form = await desk.form(request)
    values = _values(form, STOCK_FIELDS)
    confirmed = text(form, "confirmed") == "yes"
    ctx = desk.context(request)
    args = (product_id, values["stock_reason"], values["quantity"], values["note"])
    try:
        if not confirmed:
            impact = await preview_stock_adjustment(*args, ctx=ctx)
            if not impact.nothing_moves:
                action = str(request.url_for("staff:product-stock", product_id=product_id))
                return preview_page(request, impact, "Record this stock change?", action, values)
        await adjust_stock(*args, ctx=ctx)
    except DomainError as error:
        errors = {f"stock.{k}": v for k, v in field_errors(error).items()}
        return await product_page(request, errors=errors, stock_form=values, status=400)
    return desk.redirect(request, "staff:product", "done=stock", product_id=product_id)


async def suppliers(request: Request) -> Response:
    desk = desk_of(request)
    return desk.page(
        request,
        "catalog_suppliers.html",
        {"suppliers": await supplier_rows(), "done": request.query_params.get("done", "")},
    )


async def supplier_new(request: Request) -> Response:
    desk = desk_of(request)
    values: dict[str, str] = {}
    errors: dict[str, str] = {}
    if request.method == "POST":
        values = _values(await desk.form(request), SUPPLIER_FIELDS)
        try:
            pk = await create_supplier(
                values["name"],
                values["email"],
                values["lead_time_days"],
                values["address"],
                ctx=desk.context(request),
            )
        except DomainError as error:
            errors = field_errors(error)
        else:
            return desk.redirect(request, "staff:supplier", "done=created", supplier_id=pk)
    return desk.page(
        request,
        "catalog_supplier.html",
        {
            "supplier": None,
            "form": values,
            "errors": errors,
            "pos": None,
            "changes": [],
            "done": "",
        },
        status=400 if errors else 200,
    )


async def supplier_page(
    request: Request,
    *,
    form: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    status: int = 200,
) -> Response:
    desk = desk_of(request)
    supplier_id = desk.path_int(request, "supplier_id")
    row = found(await supplier_row(supplier_id))
    pos = await purchase_order_page(today=desk.today(), supplier_id=supplier_id, first=50)
    shown = {
        "name": row.name,
        "email": row.email,
        "lead_time_days": str(row.lead_time_days),
        "address": row.address,
        "reason": "",
    }
    return desk.page(
        request,
        "catalog_supplier.html",
        {
            "supplier": row,
            "form": form or shown,
            "errors": errors or {},
            "pos": pos,
            "changes": await catalog_changes(supplier_id=supplier_id),
            "done": request.query_params.get("done", ""),
        },
        status=status,
    )


async def supplier_show(request: Request) -> Response:
    return await supplier_page(request)


async def supplier_save(request: Request) -> Response:
    desk = desk_of(request)
    supplier_id = desk.path_int(request, "supplier_id")
    form = await desk.form(request)
    values = _values(form, SUPPLIER_FIELDS)
    confirmed = text(form, "confirmed") == "yes"
    ctx = desk.context(request)
    args = (
        supplier_id,
        values["name"],
        values["email"],
        values["lead_time_days"],
        values["address"],
        values["reason"],
    )
    try:
        if not confirmed:
            impact = await preview_supplier_change(*args, ctx=ctx)
            if not impact.nothing_moves:
                action = str(request.url_for("staff:supplier-save", supplier_id=supplier_id))
                return preview_page(request, impact, f"Save {values['name']}?", action, values)
        await update_supplier(*args, ctx=ctx)
    except DomainError as error:
        return await supplier_page(request, form=values, errors=field_errors(error), status=400)
    return desk.redirect(request, "staff:supplier", "done=saved", supplier_id=supplier_id)


async def image_add(request: Request) -> Response:
    desk = desk_of(request)
    product_id = desk.path_int(request, "product_id")
    form = await multipart(desk, request, images.MAX_BYTES)
    upload = form.get("image")
    alt = text(form, "alt_text")
    try:
        data = await upload.read(images.MAX_BYTES + 1) if isinstance(upload, UploadFile) else b""
        await images.add_image(
            product_id, data, alt, media_dir=desk.policy.media_dir, ctx=desk.context(request)
        )
    except DomainError as error:
        errors = {f"image.{k}": v for k, v in field_errors(error).items()}
        return await product_page(request, errors=errors, status=400)
    finally:
        await form.close()
    return desk.redirect(request, "staff:product", "done=image", product_id=product_id)


async def image_remove(request: Request) -> Response:
    desk = desk_of(request)
    await desk.form(request)
    try:
        product_id = await images.remove_image(
            desk.path_int(request, "image_id"),
            media_dir=desk.policy.media_dir,
            ctx=desk.context(request),
        )
    except DomainError:
        raise HTTPException(404) from None
    return desk.redirect(request, "staff:product", "done=image-removed", product_id=product_id)


async def group_add(request: Request) -> Response:
    desk = desk_of(request)
    product_id = desk.path_int(request, "product_id")
    form = await desk.form(request)
    try:
        await options.add_option_group(
            product_id,
            text(form, "group_name"),
            text(form, "required") == "yes",
            ctx=desk.context(request),
        )
    except DomainError as error:
        errors = {f"group.{k}": v for k, v in field_errors(error).items()}
        return await product_page(request, errors=errors, status=400)
    return desk.redirect(request, "staff:product", "done=options", product_id=product_id)


async def choice_add(request: Request) -> Response:
    desk = desk_of(request)
    product_id = desk.path_int(request, "product_id")
    group_id = desk.path_int(request, "group_id")
    form = await desk.form(request)
    try:
        await options.add_option_choice(
            group_id,
            text(form, "choice_name"),
            text(form, "price_delta"),
            text(form, "lead_time_delta_days"),
            ctx=desk.context(request),
        )
    except DomainError as error:
        errors = {f"choice-{group_id}.{k}": v for k, v in field_errors(error).items()}
        return await product_page(request, errors=errors, status=400)
    return desk.redirect(request, "staff:product", "done=options", product_id=product_id)


async def choice_remove(request: Request) -> Response:
    desk = desk_of(request)
    product_id = desk.path_int(request, "product_id")
    await desk.form(request)
    try:
        await options.remove_option_choice(
            desk.path_int(request, "choice_id"), ctx=desk.context(request)
        )
    except DomainError as error:
        return await product_page(request, errors={"options": error.message}, status=400)
    return desk.redirect(request, "staff:product", "done=options", product_id=product_id)


ROUTES = [
    Route(
        "/products/{product_id:int}/options",
        group_add,
        methods=["POST"],
        name="product-group-add",
    ),
    Route(
        "/products/{product_id:int}/options/{group_id:int}",
        choice_add,
        methods=["POST"],
        name="product-choice-add",
    ),
    Route(
        "/products/{product_id:int}/choices/{choice_id:int}/remove",
        choice_remove,
        methods=["POST"],
        name="product-choice-remove",
    ),
    Route(
        "/products/{product_id:int}/images",
        image_add,
        methods=["POST"],
        name="product-image-add",
    ),
    Route(
        "/images/{image_id:int}/remove",
        image_remove,
        methods=["POST"],
        name="product-image-remove",
    ),
    Route("/products", products, name="products"),
    Route("/products/new", product_new, methods=["GET", "POST"], name="product-new"),
    Route("/products/{product_id:int}", product_show, name="product"),
    Route(
        "/products/{product_id:int}/save",
        product_save,
        methods=["POST"],
        name="product-save",
    ),
    Route(
        "/products/{product_id:int}/active",
        product_active,
        methods=["POST"],
        name="product-active",
    ),
    Route("/products/{product_id:int}/stock", stock, methods=["POST"], name="product-stock"),
    Route("/suppliers", suppliers, name="suppliers"),
    Route("/suppliers/new", supplier_new, methods=["GET", "POST"], name="supplier-new"),
    Route("/suppliers/{supplier_id:int}", supplier_show, name="supplier"),
    Route(
        "/suppliers/{supplier_id:int}/save",
        supplier_save,
        methods=["POST"],
        name="supplier-save",
    ),
]
