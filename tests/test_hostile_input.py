"""Hostile input at every door becomes a clear 4xx or a typed error, never a 5xx.

The routes come from the Starlette router, the forms from the pages themselves (crawled from
the demo store, signed in as staff and not), the GraphQL arguments from the schema: a route,
a form field or an argument added later is fuzzed without anyone listing it here. Every value
below goes into one place at a time, the rest of the request staying valid, so that each
handler is really reached (POSTs carry a valid CSRF token).
"""

from __future__ import annotations

import base64
import datetime as dt
import itertools
import json
import random
import re
import sys
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, quote, urlencode, urlsplit

import httpx
import pytest
from graphql import (
    GraphQLEnumType,
    GraphQLInputObjectType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLScalarType,
    GraphQLSchema,
)
from starlette.routing import BaseRoute, Mount, Route, compile_path

from api.schema import build_schema
from app import create_app
from domain.builds.models import BuildRequest
from domain.builds.services import build_token
from domain.context import Context
from domain.demo import build_demo_store
from domain.ordering.models import Order
from domain.ordering.services import order_token
from domain.staff.services import SCOPES, add_staff, create_api_token
from settings import Settings
from tests.portal.conftest import csrf_token

SEED = 20261201
PASSWORD = "correct horse battery staple"

# Strings a browser, a script or an attacker can send where a number, an id, a token or a
# name is expected.
HOSTILE = [
    "²",  # a digit to str.isdigit(), not to int()
    "٣",  # Arabic-Indic three: a digit to int() as well
    "99999999999999999999999",
    str(2**63),
    "\x00",  # PostgreSQL refuses a NUL in any text parameter
    "x" * 10_000,
    "１",  # fullwidth one
    str(2**31),
    "-1",
    "0",
    "",
    " 7 ",
    "1e3",
    "1.5",
    "1\x00",
    "🙂",
    "../../../../etc/passwd",
    "<script>alert(1)</script>",
    "' OR 1=1 --",
    "a\r\nSet-Cookie: x=1",
]
ALWAYS = HOSTILE[:6]  # what broke things before: in every place, every time


def pick(where: str, size: int) -> list[str]:
    """The numbers, and a fixed sample of the rest for this place (pages cost a render each)."""
    rest = HOSTILE[len(ALWAYS) :]
    return [*ALWAYS, *random.Random(f"{SEED}:{where}").sample(rest, size - len(ALWAYS))]


# What a JSON body can carry besides strings.
WRONG_JSON: list[Any] = [None, 1.5, True, -1, 2**63, 10**30, {}, {"a": 1}, [], ["x"], [None]]
# A 5xx body, or a masked exception, leaks none of these.
LEAKS = re.compile(
    r"Traceback|File \"|Unexpected error\.|\b(?:Value|Type|Key|Index|Attribute|Overflow|Unicode"
    r"(?:Decode|Encode)?|Validation|Integrity|Operational|Data|Recursion|Programming|Assertion)"
    r"Error\b|DoesNotExist|asyncpg|tortoise|sqlite3"
)
STAFF_EMAIL = "fuzz@example.com"


@dataclass
class Problems:
    """Every answer that broke the rule, kept to report them all at once."""

    found: list[str] = field(default_factory=list)
    requests: int = 0

    def check(self, what: str, response: httpx.Response) -> None:
        self.requests += 1
        body = response.text
        if response.status_code >= 500:
            self.found.append(f"{response.status_code} {what}")
        elif leak := LEAKS.search(body):
            self.found.append(f"{response.status_code} {what}: body shows {leak.group(0)!r}")

    def report(self) -> str:
        shown = "\n".join(self.found[:60])
        return f"{len(self.found)} of {self.requests} requests broke the rule:\n{shown}"


def short(value: object) -> str:
    text = repr(value)
    return text if len(text) < 40 else f"{text[:30]}...({len(text)} chars)"


# ----------------------------------------------------------------------------------- the store


@dataclass
class Store:
    app: Any
    staff: httpx.AsyncClient
    visitor: httpx.AsyncClient
    token: str
    order_token: str
    build_token: str
    settings: Settings


@pytest.fixture
async def store(db: str, tmp_path: Path) -> AsyncIterator[Store]:
    settings = Settings(secret_key="test-secret", mailbox_dir=str(tmp_path / "mailbox"))
    await build_demo_store(settings.policy)
    await add_staff(STAFF_EMAIL, "Fuzz Tester", PASSWORD)
    issued = await create_api_token("fuzz", list(SCOPES))
    ctx = Context.system(settings.policy)
    order = await Order.all().order_by("id").first()
    build = await BuildRequest.all().order_by("id").first()
    assert order is not None and build is not None
    app = create_app(settings, manage_database=False)

    def client() -> httpx.AsyncClient:
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        return httpx.AsyncClient(transport=transport, base_url="http://testserver")

    async with client() as staff, client() as visitor:
        await sign_in(staff)
        yield Store(
            app,
            staff,
            visitor,
            issued.secret,
            order_token(ctx, order),
            build_token(ctx, build),
            settings,
        )


async def sign_in(staff: httpx.AsyncClient) -> None:
    page = await staff.get("/staff/sign-in")
    if "csrf_token" not in page.text:
        return  # still signed in
    token = csrf_token(page.text)
    signed = await staff.post(
        "/staff/sign-in",
        data={"csrf_token": token, "email": STAFF_EMAIL, "password": PASSWORD},
    )
    assert signed.status_code == 303, signed.text[:300]


# ---------------------------------------------------------------------------------- the router


@dataclass(frozen=True)
class Template:
    path: str  # /staff/orders/{order_id:int}
    methods: tuple[str, ...]
    name: str
    module: str

    @property
    def params(self) -> list[str]:
        return re.findall(r"\{(\w+)(?::\w+)?\}", self.path)

    def regex(self) -> re.Pattern[str]:
        return compile_path(self.path)[0]

    def fill(self, values: dict[str, str]) -> str:
        def one(match: re.Match[str]) -> str:
            return quote(values.get(match.group(1), "1"), safe="")

        return re.sub(r"\{(\w+)(?::\w+)?\}", one, self.path)


def walk(routes: list[BaseRoute], prefix: str = "") -> Iterator[Template]:
    """Every endpoint of the router; a mount without routes (static files) as ``{path}``."""
    for route in routes:
        if isinstance(route, Mount):
            if route.routes:
                yield from walk(list(route.routes), prefix + route.path)
            else:
                yield Template(prefix + route.path + "/{path:path}", ("GET",), route.name or "", "")
        elif isinstance(route, Route):
            methods = tuple(sorted(route.methods or {"GET"}))
            module = getattr(route.endpoint, "__module__", "") or ""
            yield Template(prefix + route.path, methods, route.name, module)


_QUERY_NAME = re.compile(
    r"(?:query_params|query)(?:\.get\(|, |\[)\"(\w+)\""  # query.get("x"), query_params["x"]
    r"|query_\w+\(request, \"(\w+)\""  # query_page(request, "before")
)


def query_names_in(module: str) -> set[str]:
    """The query parameters a route's module reads, found in its source."""
    if not module or module not in sys.modules:
        return set()
    source = Path(sys.modules[module].__file__ or "").read_text()
    return {a or b for a, b in _QUERY_NAME.findall(source)}


# ------------------------------------------------------------------------------ reading pages


@dataclass
class Form:
    action: str
    method: str
    fields: dict[str, str]


class PageReader(HTMLParser):
    """Links and forms of a page, as a browser would see them."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.links: list[str] = []
        self.forms: list[Form] = []
        self._select: str | None = None
        self._textarea: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "a" and a.get("href"):
            self.links.append(a["href"])
        elif tag == "form":
            self.forms.append(Form(a.get("action", ""), a.get("method", "get").lower(), {}))
        elif not self.forms:
            return
        elif tag == "input" and a.get("name"):
            kind = a.get("type", "text")
            if kind in ("checkbox", "radio") and a["name"] in self.forms[-1].fields:
                return
            self.forms[-1].fields[a["name"]] = a.get("value", "on" if kind == "checkbox" else "")
        elif tag == "select" and a.get("name"):
            self._select = a["name"]
            self.forms[-1].fields[a["name"]] = ""
        elif tag == "option" and self._select:
            if not self.forms[-1].fields[self._select] and a.get("value"):
                self.forms[-1].fields[self._select] = a["value"]
        elif tag == "textarea" and a.get("name"):
            self._textarea = a["name"]
            self.forms[-1].fields[a["name"]] = ""

    def handle_endtag(self, tag: str) -> None:
        if tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None

    def handle_data(self, data: str) -> None:
        if self._textarea and self.forms:
            self.forms[-1].fields[self._textarea] += data


@dataclass
class Crawl:
    pages: dict[str, str] = field(default_factory=dict)  # url -> html
    forms: dict[tuple[str, str], Form] = field(default_factory=dict)  # (action path, fields)
    query_names: dict[str, set[str]] = field(default_factory=dict)  # path -> names


async def crawl(client: httpx.AsyncClient, seeds: list[str], limit: int) -> Crawl:
    """Follow a client's links from ``seeds``, at most a few URLs per route shape."""
    seen = Crawl()
    queue = list(seeds)
    shapes: dict[str, int] = {}
    while queue and len(seen.pages) < limit:
        url = queue.pop(0)
        path = urlsplit(url).path
        shape = re.sub(r"/[^/]*\d[^/]*", "/#", path)
        if url in seen.pages or shapes.get(shape, 0) >= 2:
            continue
        if path.startswith(("/static", "/staff/sign-out", "/graphql")):
            continue
        answer = await client.get(url)
        if "text/html" not in answer.headers.get("content-type", ""):
            continue
        shapes[shape] = shapes.get(shape, 0) + 1
        seen.pages[url] = answer.text
        reader = PageReader()
        reader.feed(answer.text)
        for form in reader.forms:
            target = urlsplit(form.action or url)
            if form.method == "get":
                names = seen.query_names.setdefault(target.path, set())
                names.update(form.fields)
            else:
                key = (target.path, ",".join(sorted(form.fields)))
                seen.forms.setdefault(key, Form(target.path, "post", form.fields))
        for link in reader.links:
            parts = urlsplit(link)
            if parts.netloc not in ("", "testserver") or not parts.path.startswith("/"):
                continue
            names = seen.query_names.setdefault(parts.path, set())
            names.update(name for name, _ in parse_qsl(parts.query, keep_blank_values=True))
            queue.append(parts.path + (f"?{parts.query}" if parts.query else ""))
    return seen


# ------------------------------------------------------------------------------- HTTP doors


@dataclass
class Door:
    """One client (staff or visitor) sending one method to one route, with a valid CSRF token."""

    client: httpx.AsyncClient
    who: str
    token: str
    method: str
    problems: Problems

    async def send(self, url: str, data: dict[str, Any], what: str = "") -> None:
        if self.method == "GET":
            answer = await self.client.get(url)
        else:
            answer = await self.client.post(url, data={**data, "csrf_token": self.token})
        self.problems.check(f"{self.who} {self.method} {url[:100]} {what}", answer)


async def fuzz_template(
    template: Template, door: Door, params: dict[str, str], names: set[str], forms: list[Form]
) -> None:
    base = forms[0].fields if forms else {}
    for name in template.params:  # hostile path parameters, one at a time
        for value in pick(f"{template.path}:{name}", 12):
            await door.send(template.fill({**params, name: value}), base)
    url = template.fill(params)
    if door.method == "GET":  # hostile query parameters, one at a time
        for name in sorted(names):
            for value in pick(f"{template.path}?{name}", 10):
                await door.send(f"{url}?{urlencode({name: value})}", {})
            await door.send(f"{url}?{name}=1&{name}=2", {})
        return
    for form in forms:  # hostile form fields, one at a time
        fields = dict(form.fields)
        if template.name == "sign-in":  # an unknown member: a hostile password locks no one
            fields.update(email="nobody@example.com", password="wrong")
        for name in fields:
            if name == "csrf_token":
                continue
            for value in pick(f"{form.action}:{name}", 10):
                await door.send(form.action, {**fields, name: value}, f"{name}={short(value)}")
            await door.send(
                form.action, {k: v for k, v in fields.items() if k != name}, f"no {name}"
            )
            await door.send(form.action, {**fields, name: [fields[name], "2"]}, f"{name} twice")


async def fuzz_routes(store: Store, problems: Problems) -> None:
    staff_crawl = await crawl(store.staff, ["/staff/"], limit=60)
    visitor_crawl = await crawl(
        store.visitor,
        ["/", "/cart", "/links", f"/orders/{store.order_token}", f"/builds/{store.build_token}"],
        limit=40,
    )
    known = {**visitor_crawl.pages, **staff_crawl.pages}
    assert len(known) > 25, sorted(known)
    tokens = {
        "staff": csrf_token(next(h for h in staff_crawl.pages.values() if "csrf_token" in h)),
        "visitor": csrf_token(next(h for h in visitor_crawl.pages.values() if "csrf_token" in h)),
    }
    crawls = (staff_crawl, visitor_crawl)
    for template in walk(list(store.app.routes)):
        regex = template.regex()
        valid = [m.groupdict() for u in known if (m := regex.match(urlsplit(u).path))]
        params = {k: str(v) for k, v in (valid[0] if valid else {}).items()}
        forms = [f for c in crawls for f in c.forms.values() if regex.match(f.action)]
        names = query_names_in(template.module)
        for c in crawls:
            names |= {
                n for path, found in c.query_names.items() if regex.match(path) for n in found
            }
        # Staff pages are fuzzed signed in; a visitor meets the guard before any parsing, so
        # one hostile path each shows the guard holds. The visitor fuzzes the sign-in form.
        guarded = template.path.startswith("/staff") and template.name != "sign-in"
        for method in template.methods:
            if method == "HEAD" or (method == "POST" and template.name == "sign-out"):
                continue  # HEAD is GET without a body; signing out ends the walk's session
            visitor = Door(store.visitor, "visitor", tokens["visitor"], method, problems)
            if guarded:
                await visitor.send(template.fill(dict.fromkeys(template.params, HOSTILE[3])), {})
                staff = Door(store.staff, "staff", tokens["staff"], method, problems)
                await fuzz_template(template, staff, params, names, forms)
            else:
                await fuzz_template(template, visitor, params, names, forms)
    sign_out = await store.staff.post("/staff/sign-out", data={"csrf_token": tokens["staff"]})
    problems.check("staff POST /staff/sign-out", sign_out)


# -------------------------------------------------------------------------------- GraphQL door


def named(kind: Any) -> Any:
    while isinstance(kind, GraphQLNonNull | GraphQLList):
        kind = kind.of_type
    return kind


def type_text(kind: Any) -> str:
    if isinstance(kind, GraphQLNonNull):
        return f"{type_text(kind.of_type)}!"
    if isinstance(kind, GraphQLList):
        return f"[{type_text(kind.of_type)}]"
    return str(kind.name)


ID_TYPES = {
    "orderId": "Order",
    "purchaseOrderId": "PurchaseOrder",
    "purchaseOrderLineId": "PurchaseOrderLine",
    "lineId": "OrderLine",
    "noticeId": "DelayNotice",
    "quoteId": "BuildQuote",
    "customBuildId": "CustomBuild",
    "shipmentId": "Shipment",
    "supplierId": "Supplier",
    "choiceIds": "OptionChoice",
}


def gid(type_name: str, pk: object) -> str:
    return base64.b64encode(f"{type_name}:{pk}".encode()).decode()


def cursor(key: object) -> str:
    return base64.b64encode(f"cursor:{json.dumps(key)}".encode()).decode()


class Examples:
    """A valid value for every argument, so that one hostile leaf at a time reaches the code."""

    def __init__(self, store: Store, root: str) -> None:
        self.store = store
        self.root = root
        self.keys = itertools.count()

    def id_type(self, name: str) -> str:
        if name == "id":
            return "PurchaseOrder" if self.root == "purchaseOrder" else "Order"
        return ID_TYPES.get(name, "Order")

    def value(self, kind: Any, name: str) -> Any:
        """Every input field is filled, the optional ones too, so that each can be fuzzed."""
        if isinstance(kind, GraphQLNonNull):
            return self.value(kind.of_type, name)
        if isinstance(kind, GraphQLList):
            return [self.value(kind.of_type, name)]
        if isinstance(kind, GraphQLInputObjectType):
            return {key: self.value(f.type, key) for key, f in kind.fields.items()}
        if isinstance(kind, GraphQLEnumType):
            return next(iter(kind.values))
        scalar = kind.name
        if scalar == "ID":
            return gid(self.id_type(name), 1)
        if scalar == "Int":
            return 1
        if scalar == "Boolean":
            return True
        if scalar == "Date":
            return (dt.date.today() + dt.timedelta(days=60)).isoformat()
        if scalar == "Decimal":
            return "10.00"
        if name == "token":
            build = self.root in ("customBuild", "acceptCustomBuildQuote")
            return self.store.build_token if build else self.store.order_token
        if name == "email":
            return "ada@example.com"
        if name == "sku":
            return "MOTO-CUSTOM" if self.root == "requestCustomBuild" else "HELMET-CITY"
        if name in ("idempotencyKey", "receiptKey"):
            return f"fuzz-{next(self.keys)}"
        return "Fuzz"

    def hostile(self, kind: Any, name: str) -> list[Any]:
        """What to put at a leaf of this type instead of a valid value."""
        base = named(kind)
        values: list[Any] = [*HOSTILE, *WRONG_JSON]
        if isinstance(base, GraphQLScalarType) and base.name == "ID":
            type_name = self.id_type(name)
            values += [gid(type_name, v) for v in ("²", "٣", "-1", "0", "9" * 23, 2**31, " 1")]
            values += [gid("Nope", 1), "T3JkZXI6", "====", "%%%"]
        if name == "after":
            values += [
                cursor(k)
                for k in ([9 * 10**22], ["²"], ["٣"], [-1], [1e308], [[1]], [2, "x", 1], [2**63])
            ]
            values += [cursor([1, "²", 1]), cursor([1, "2027-01-01", 9 * 10**22]), cursor([1, 2])]
        if isinstance(base, GraphQLScalarType) and base.name == "Date":
            values += ["2027-02-30", "99999-01-01", "0000-01-01", "2027-01-01T00:00"]
        return values


def leaves(value: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    if isinstance(value, dict):
        for key, inner in value.items():
            yield from leaves(inner, (*path, key))
    elif isinstance(value, list) and value:
        yield from leaves(value[0], (*path, 0))
    else:
        yield path


def replaced(value: Any, path: tuple[Any, ...], new: Any) -> Any:
    if not path:
        return new
    copy: Any = list(value) if isinstance(value, list) else dict(value)
    copy[path[0]] = replaced(value[path[0]], path[1:], new)
    return copy


def leaf_type(kind: Any, path: tuple[Any, ...]) -> tuple[Any, str]:
    name = ""
    for step in path:
        kind = named(kind) if isinstance(step, str) else kind
        if isinstance(step, str):
            kind = kind.fields[step].type
            name = step
        else:
            while isinstance(kind, GraphQLNonNull):
                kind = kind.of_type
            kind = kind.of_type
    return kind, name


def selection(kind: Any) -> str:
    base = named(kind)
    if isinstance(base, GraphQLObjectType):
        errors = " errors { code field message }" if "errors" in base.fields else ""
        return "{ __typename" + errors + " }"
    return ""


async def fuzz_graphql(store: Store, problems: Problems) -> None:
    schema: GraphQLSchema = build_schema(production=False)._schema
    headers = {"Authorization": f"Bearer {store.token}"}
    client = store.visitor
    roots = [("query", schema.query_type), ("mutation", schema.mutation_type)]
    for operation, root in roots:
        assert root is not None
        for field_name, root_field in root.fields.items():
            examples = Examples(store, field_name)
            args = root_field.args
            declared = ", ".join(f"${n}: {type_text(a.type)}" for n, a in args.items())
            passed = ", ".join(f"{n}: ${n}" for n in args)
            query = (
                f"{operation} Fuzz({declared}) {{ {field_name}({passed}) "
                f"{selection(root_field.type)} }}"
            )
            baseline = {
                n: examples.value(a.type, n)
                for n, a in args.items()
                if isinstance(a.type, GraphQLNonNull)
            }
            for arg_name, arg in args.items():
                start = examples.value(arg.type, arg_name)
                for path in leaves(start):
                    kind, leaf_name = leaf_type(arg.type, path) if path else (arg.type, arg_name)
                    for value in examples.hostile(kind, leaf_name or arg_name):
                        if isinstance(start, dict) and "idempotencyKey" in start:
                            start = {**start, "idempotencyKey": f"fuzz-{next(examples.keys)}"}
                        variables = {**baseline, arg_name: replaced(start, path, value)}
                        answer = await client.post(
                            "/graphql",
                            json={"query": query, "variables": variables},
                            headers=headers,
                        )
                        where = ".".join(str(p) for p in (field_name, arg_name, *path))
                        problems.check(f"POST /graphql {where}={short(value)}", answer)
                        if operation == "query" and isinstance(value, str) and len(value) < 200:
                            params = {"query": query, "variables": json.dumps(variables)}
                            answer = await client.get("/graphql", params=params, headers=headers)
                            problems.check(f"GET /graphql {where}={short(value)}", answer)
            # the same hostile text written into the document instead of variables
            for arg_name, arg in args.items():
                if isinstance(named(arg.type), GraphQLScalarType):
                    for value in ("²", "9" * 23, "\x00"):
                        call = f"{field_name}({arg_name}: {json.dumps(value)})"
                        document = f"{operation} {{ {call} {selection(root_field.type)} }}"
                        answer = await client.post(
                            "/graphql", json={"query": document}, headers=headers
                        )
                        problems.check(f"POST /graphql literal {short(call)}", answer)


# ------------------------------------------------------------------------------------ the test


async def test_no_hostile_input_at_any_door_gets_a_server_error(store: Store) -> None:
    problems = Problems()
    await fuzz_graphql(store, problems)
    await fuzz_routes(store, problems)
    assert problems.requests > 4000  # the walk really reached the doors
    assert not problems.found, problems.report()
    assert (await store.visitor.get("/healthz")).status_code == 200
    print(f"{problems.requests} hostile requests")
