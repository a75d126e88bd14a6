"""The ``preorder`` command: serve, migrate, seed, bench."""

from __future__ import annotations

import argparse
import asyncio
import sys

from domain.db import tortoise_config
from settings import Settings

TORTOISE_ORM = tortoise_config(Settings.from_env().database_url)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="preorder", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("serve", help="migrate, seed the demo store if empty, run on 127.0.0.1")
    commands.add_parser("migrate", help="apply the migrations")
    seed = commands.add_parser("seed", help="load data")
    seed.add_argument("--demo", action="store_true", required=True, help="the demo store")
    bench = commands.add_parser("bench", help="benchmark the domain core")
    bench.add_argument("--orders", type=int, default=100_000)
    bench.add_argument("--products", type=int, default=2_000)
    bench.add_argument("--suppliers", type=int, default=200)
    args = parser.parse_args(argv)
    settings = Settings.from_env()

    if args.command == "serve":
        return serve(settings)
    if args.command == "migrate":
        from domain.migrate import migrate

        asyncio.run(migrate(settings.database_url))
        return 0
    if args.command == "seed":
        from domain.demo import seed_demo

        asyncio.run(seed_demo(settings.database_url, settings.policy))
        return 0
    if args.command == "bench":
        from bench import run

        return asyncio.run(
            run(settings, products=args.products, suppliers=args.suppliers, orders=args.orders)
        )
    return 2


def serve(settings: Settings) -> int:
    import uvicorn

    from app import create_app
    from domain.demo import seed_demo_if_empty
    from domain.migrate import migrate

    asyncio.run(migrate(settings.database_url))
    asyncio.run(seed_demo_if_empty(settings.database_url, settings.policy))
    uvicorn.run(create_app(settings), host=settings.host, port=settings.port, log_level="info")
    return 0


if __name__ == "__main__":
    sys.exit(main())
