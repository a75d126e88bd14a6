"""Rate limits at the GraphQL door: RATE_LIMITED past each limit, Retry-After, nothing done."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from api.ids import encode
from app import create_app
from domain.ordering.models import Order
from domain.outbox.models import OutboxMessage
from domain.ratelimit.rates import Rate, RateLimits
from domain.vocabulary import OutboxKind
from settings import Settings
from tests import builders as b
from tests.api.helpers import Api, codes, now_ctx, staff_token
from tests.api.test_builds import REQUEST
from tests.api.test_ordering import PLACE, order_input

pytestmark = pytest.mark.usefixtures("db")

LIMITS = RateLimits(
    links_client=Rate(20, 3600),
    place_order_client=Rate(2, 3600),
    build_request_client=Rate(1, 3600),
    waitlist_client=Rate(2, 3600),
    api_token=Rate(2, 60),
)
RESEND = """mutation($email: String!) { resendOrderLinks(input: {email: $email}) {
  message errors { code field message } } }"""


def waits(response: httpx.Response, seconds: int) -> bool:
    """Retry-After is the full interval, less the seconds the test itself has taken."""
    return seconds - 30 < int(response.headers["retry-after"]) <= seconds


@pytest.fixture
async def limited(db: str) -> AsyncIterator[Api]:
    settings = Settings(secret_key="test-secret", rate_limits=LIMITS)
    transport = httpx.ASGITransport(app=create_app(settings, manage_database=False))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        yield Api(client)


async def raw(api: Api, query: str, variables: dict, token: str = "") -> httpx.Response:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return await api.client.post(
        "/graphql", json={"query": query, "variables": variables}, headers=headers
    )


async def test_place_order_past_its_rate_is_rate_limited_and_places_nothing(limited: Api) -> None:
    product = await b.product(on_hand=10)
    for _ in range(2):
        assert (await limited.payload(PLACE, {"input": order_input((product.sku, 1))}))["order"]
    refused = await raw(limited, PLACE, {"input": order_input((product.sku, 1))})
    assert refused.status_code == 200 and waits(refused, 1800)
    payload = refused.json()["data"]["placeOrder"]
    assert codes(payload) == [("RATE_LIMITED", None)] and payload["order"] is None
    assert await Order.all().count() == 2


async def test_custom_build_requests_past_their_rate_are_rate_limited(limited: Api) -> None:
    bike, options = await b.custom_build_product()
    chosen = [options["Frame"]["Steel"], options["Engine"]["650cc"]]
    data = {
        "input": {
            "email": "ada@example.com",
            "name": "Ada",
            "shippingAddress": "1 Way",
            "sku": bike.sku,
            "choiceIds": [encode("OptionChoice", choice.id) for choice in chosen],
        }
    }
    assert (await limited.payload(REQUEST, data))["token"]
    refused = await limited.payload(REQUEST, data)
    assert codes(refused) == [("RATE_LIMITED", None)] and refused["token"] is None


async def test_waitlist_sign_ups_past_their_rate_are_rate_limited_and_join_nothing(
    limited: Api,
) -> None:
    from domain.purchasing.models import WaitlistEntry

    await b.product(on_hand=0, cap=0, sku="AC-12")
    join = """mutation($input: JoinWaitlistInput!) { joinWaitlist(input: $input) {
      message errors { code field } } }"""
    for n in range(2):
        data = {"input": {"sku": "AC-12", "email": f"person{n}@example.com"}}
        assert (await limited.payload(join, data))["errors"] == []
    refused = await limited.payload(join, {"input": {"sku": "AC-12", "email": "late@example.com"}})
    assert codes(refused) == [("RATE_LIMITED", None)] and refused["message"] is None
    assert await WaitlistEntry.filter(email="late@example.com").count() == 0
    assert await WaitlistEntry.all().count() == 2


async def test_resend_links_with_fifteen_aliases_queues_at_most_the_address_rate(
    limited: Api,
) -> None:
    await b.order((await b.product(on_hand=1), 1), context=now_ctx(), email="ada@example.com")
    one = 'resendOrderLinks(input: {email: "ada@example.com"}) { message errors { code } }'
    aliases = " ".join(f"a{n}: {one}" for n in range(15))
    data = await limited.data(f"mutation {{ {aliases} }}")
    answers = list(data.values())
    assert len(answers) == 15 and all(answer == answers[0] for answer in answers)
    assert answers[0]["errors"] == []  # limited or not, the same answer
    queued = await OutboxMessage.filter(kind=OutboxKind.ORDER_LINKS).count()
    assert queued == RateLimits().links_address.limit  # type: ignore[union-attr]


async def test_resend_links_past_the_callers_rate_is_rate_limited(api: Api) -> None:
    limit = RateLimits().links_client.limit  # type: ignore[union-attr]
    for n in range(limit):
        payload = await api.payload(RESEND, {"email": f"person{n}@example.com"})
        assert payload["errors"] == []
    refused = await api.payload(RESEND, {"email": "one.more@example.com"})
    assert codes(refused) == [("RATE_LIMITED", None)] and refused["message"] is None


async def test_a_token_past_its_rate_gets_rate_limited_in_queries_and_mutations(
    limited: Api,
) -> None:
    token = await staff_token()
    other = await staff_token()
    query = "{ suppliers { edges { cursor } } }"
    for _ in range(2):
        await limited.data(query, token=token)
    refused = await raw(limited, query, {}, token)
    assert waits(refused, 30)
    body = refused.json()
    assert body["errors"][0]["extensions"]["code"] == "RATE_LIMITED"
    mutation = (
        'mutation { setOrderPriority(input: {orderId: "eHh4", priority: 1}) { errors { code } } }'
    )
    payload = await limited.payload(mutation, token=token)
    assert payload["errors"] == [{"code": "RATE_LIMITED"}]
    await limited.data(query, token=other)  # each token has its own rate
