"""Emails from views: Jinja2 templates, an HTML part and a plain-text alternative.

The only module of the domain that imports jinja2 (an import-linter contract allows exactly
this one). HTML templates are autoescaped, so customer text (names, addresses, build notes) is
inert in the HTML part; text templates are not escaped, since plain text is not interpreted.
Subjects are built here from generated order numbers only: customer text never goes into a
header.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import jinja2

from domain.notifications.composing import words as wording
from domain.notifications.composing.emails import (
    Cancellation,
    Confirmation,
    EtaUpdate,
    Links,
    Quote,
    ShipmentSent,
    SupplierPurchaseOrder,
    View,
    WaitlistMail,
)

TEMPLATES = Path(__file__).parent / "templates"


@dataclass(frozen=True)
class Rendered:
    template: str
    subject: str
    text: str
    html: str
    attachments: tuple[tuple[str, str, str], ...] = ()  # (filename, MIME type, text)


class RenderFailed(Exception):
    """A template could not be rendered: a permanent failure of that message."""


class _InlineStyles(jinja2.FileSystemLoader):
    """Writes the shared inline styles of ``_styles.html`` into each template at load time.

    Mail clients drop ``<style>`` blocks, so every element carries its style; substituting the
    constant ``{{ s.name }}`` references once, instead of escaping them on every render, makes
    rendering a third cheaper. References with logic (``s.a if x else s.b``) stay dynamic.
    """

    _SET = re.compile(r'\{% set (\w+) = "([^"]*)" %\}')
    _REF = re.compile(r"\{\{ s\.(\w+) \}\}")
    _EXPRESSION_REF = re.compile(r"\bs\.(\w+)\b")
    _IMPORT = '{% import "_styles.html" as s %}\n'

    def __init__(self, path: Path) -> None:
        super().__init__(str(path))
        self.styles = dict(self._SET.findall((path / "_styles.html").read_text()))

    def get_source(
        self, environment: jinja2.Environment, template: str
    ) -> tuple[str, str, Callable[[], bool]]:
        source, filename, uptodate = super().get_source(environment, template)
        if template != "_styles.html":
            source = self._REF.sub(lambda m: self.styles[m.group(1)], source)
            source = self._EXPRESSION_REF.sub(lambda m: f'"{self.styles[m.group(1)]}"', source)
            source = source.replace(self._IMPORT, "")
        return source, filename, uptodate


def _environment(currency: str) -> jinja2.Environment:
    env = jinja2.Environment(
        loader=_InlineStyles(TEMPLATES),
        autoescape=jinja2.select_autoescape(enabled_extensions=("html",), default=False),
        undefined=jinja2.StrictUndefined,
        auto_reload=False,  # templates ship with the code; no stat() per message
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters.update(
        day=wording.day,
        window=wording.window,
        basis=wording.basis,
        money=lambda amount: wording.money(amount, currency),
    )
    return env


def template_and_subject(view: View) -> tuple[str, str]:
    if isinstance(view, Confirmation):
        return "order_confirmation", f"Order {view.order.number} confirmed"
    if isinstance(view, EtaUpdate):
        number = view.order.number
        if view.notices:
            return "delay_notice", f"Order {number} is delayed: keep waiting or cancel"
        if view.later and view.earlier:
            return "eta_changed", f"Order {number}: delivery dates updated"
        if view.earlier:
            return "eta_changed", f"Good news: order {number} arrives sooner"
        return "eta_changed", f"Order {number}: a new delivery date"
    if isinstance(view, ShipmentSent):
        return "shipment_sent", f"Order {view.order.number}: a parcel is on its way"
    if isinstance(view, Cancellation):
        return "order_cancelled", f"Order {view.order.number}: cancelled, refund due"
    if isinstance(view, Quote):
        return "build_quote_ready", f"Your custom build {view.number}: the quote is ready"
    if isinstance(view, Links):
        return "order_links", "Your order links"
    if isinstance(view, SupplierPurchaseOrder):
        if view.reminder == "overdue":
            return "purchase_order_sent", f"Purchase order {view.number}: the delivery is late"
        if view.reminder:
            return "purchase_order_sent", f"Purchase order {view.number}: please confirm"
        if view.cancelled:
            return (
                "dropship_cancelled",
                f"Purchase order {view.number}: do not send a cancelled line",
            )
        if view.dropship:
            return "dropship_order", f"Purchase order {view.number}: parcels to send to customers"
        return "purchase_order_sent", f"Purchase order {view.number}"
    if isinstance(view, WaitlistMail):
        if view.opening:
            return "waitlist_opening", "You can order now: an item you waited for"
        return "waitlist_confirm", "Please confirm: the waitlist you asked to join"
    raise RenderFailed(f"no template for {type(view).__name__}")


class Renderer:
    """Templates compiled once per process; ``render`` is pure CPU."""

    def __init__(self, *, store: str, currency: str = "EUR") -> None:
        self.store = store
        self.env = _environment(currency)
        self._templates: dict[str, jinja2.Template] = {}

    def _template(self, name: str) -> jinja2.Template:
        if name not in self._templates:
            self._templates[name] = self.env.get_template(name)
        return self._templates[name]

    def render(self, view: View) -> Rendered:
        template, subject = template_and_subject(view)
        values = {"view": view, "store": self.store, "subject": subject}
        try:
            text = self._template(f"{template}.txt").render(values)
            html = self._template(f"{template}.html").render(values)
        except jinja2.TemplateError as error:
            raise RenderFailed(f"{template}: {error}") from error
        attachments: tuple[tuple[str, str, str], ...] = ()
        if isinstance(view, SupplierPurchaseOrder):
            attachments = ((f"{view.number}.csv", "text/csv", view.csv()),)
        return Rendered(template, subject, text, html, attachments)
