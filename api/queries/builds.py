"""Custom-build reads: ``customBuild(token:)`` for the customer, ``customBuilds`` for staff."""

from __future__ import annotations

from typing import Any

import strawberry
from strawberry.types import Info

from api.context import ApiContext
from api.errors import refused_as_graphql_errors
from api.pagination import Connection, Edge, connection, encode_cursor, int_cursor, page_size
from api.permissions import READ, requires, staff_read
from api.types.builds import CustomBuild
from domain.builds.reads import build_by_token, build_page
from domain.vocabulary import BuildStatus


@strawberry.type
class CustomBuildConnection(Connection[CustomBuild]):
    pass


@strawberry.type
class BuildsQuery:
    @strawberry.field(description="The request a quote link opens, or null.")
    async def custom_build(self, token: str) -> CustomBuild | None:
        view = await build_by_token(token)
        return CustomBuild.of(view) if view else None

    @strawberry.field(
        description="Staff (scope `read`): custom-build requests, newest first.",
        metadata=requires(READ),
    )
    async def custom_builds(
        self,
        info: Info[ApiContext, Any],
        first: int | None = 20,
        after: str | None = None,
        status: BuildStatus | None = None,
    ) -> CustomBuildConnection:
        await staff_read(info)
        with refused_as_graphql_errors():
            page = await build_page(
                status=status, before_id=int_cursor(after), first=page_size(first)
            )
        edges = [Edge(cursor=encode_cursor(v.id), node=CustomBuild.of(v)) for v in page.items]
        built = connection(edges, page.has_next, after)
        return CustomBuildConnection(edges=built.edges, page_info=built.page_info)
