"""The ``preorder`` command: serve, migrate, seed, bench, tokens, staff, worker, clock."""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import logging
import sqlite3
import sys
from pathlib import Path
from typing import Any

from tortoise.backends.base.config_generator import expand_db_url

from domain.db import tortoise_config
from settings import Settings

# Commands that open the database named by DATABASE_URL (the benchmarks build their own).
USES_DATABASE = ("serve", "migrate", "seed", "token", "staff", "worker", "webhooks")


def benchmarks_importable() -> None:
    """The benchmarks live in the checkout's ``bench/``, beside this file, not in the wheel."""
    root = str(Path(__file__).resolve().parent)
    if not (Path(root) / "bench").is_dir():
        raise SystemExit("preorder: the benchmarks run from a checkout of the project (bench/)")
    if root not in sys.path:
        sys.path.insert(0, root)


def __getattr__(name: str) -> Any:
    """``TORTOISE_ORM`` for Tortoise's own CLI ([tool.tortoise]), read when it is asked for."""
    if name == "TORTOISE_ORM":
        database_url = Settings.from_env().database_url
        database_problem(database_url)  # creates a SQLite file's folder
        return tortoise_config(database_url)
    raise AttributeError(name)


def database_problem(database_url: str) -> str | None:
    """Why the database cannot be opened, in one sentence; None when it can.

    A SQLite file's folder is created when missing. Checked before Tortoise connects: given a
    file it cannot open, Tortoise's migrate waits forever and other commands end in a traceback.
    """
    if not database_url.startswith("sqlite://"):
        return None
    path = str(expand_db_url(database_url)["credentials"]["file_path"])
    if path == ":memory:":
        return None
    file = Path(path)
    try:
        file.parent.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        return f"cannot create {file.parent} for the SQLite database ({error.strerror})"
    try:
        sqlite3.connect(file).close()
    except sqlite3.Error as error:
        return f"cannot open the SQLite database {file} ({error})"
    return None


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
    token = commands.add_parser("token", help="staff API tokens")
    token_commands = token.add_subparsers(dest="token_command", required=True)
    create = token_commands.add_parser("create", help="issue a token; its secret is shown once")
    create.add_argument("--name", required=True)
    create.add_argument("--scopes", required=True, help="comma-separated, e.g. read,etas")
    revoke = token_commands.add_parser("revoke", help="revoke a token by its id")
    revoke.add_argument("id", type=int)
    bench_api = commands.add_parser("bench-api", help="benchmark the GraphQL API under uvicorn")
    bench_api.add_argument("--orders", type=int, default=100_000)
    bench_api.add_argument("--products", type=int, default=2_000)
    bench_api.add_argument("--suppliers", type=int, default=200)
    bench_api.add_argument("--seconds", type=float, default=5.0, help="per measurement")
    bench_api.add_argument("--reuse", action="store_true", help="keep the store already built")
    staff = commands.add_parser("staff", help="staff accounts for the console at /staff")
    staff_commands = staff.add_subparsers(dest="staff_command", required=True)
    staff_add = staff_commands.add_parser("add", help="add a staff member who can sign in")
    staff_add.add_argument("--email", required=True)
    staff_add.add_argument("--name", required=True)
    staff_add.add_argument(
        "--password-stdin", action="store_true", help="read the password from standard input"
    )
    commands.add_parser("worker", help="send the emails of the outbox, beside the app processes")
    clock = commands.add_parser(
        "clock", help="run the daily jobs (ETA review, delay notices, quotes) beside the app"
    )
    clock.add_argument("--once", action="store_true", help="run one day's jobs, print, exit")
    clock.add_argument(
        "--day", type=_store_day, help="with --once: the store day to run (YYYY-MM-DD)"
    )
    webhooks = commands.add_parser("webhooks", help="outgoing webhooks")
    webhook_commands = webhooks.add_subparsers(dest="webhooks_command", required=True)
    webhook_test = webhook_commands.add_parser("test", help="send a ping to a subscription now")
    webhook_test.add_argument("id", type=int, help="the subscription's number (console)")
    bench_webhooks = commands.add_parser("bench-webhooks", help="benchmark the webhook sender")
    bench_webhooks.add_argument("--deliveries", type=int, default=2000)
    bench_webhooks.add_argument("--lines", type=int, default=20_000, help="of the PO date change")
    bench_mail = commands.add_parser("bench-mail", help="benchmark the email sender")
    bench_mail.add_argument("--orders", type=int, default=1000, help="two emails per order")
    bench_mail.add_argument("--rounds", type=int, default=5)
    simulate = commands.add_parser(
        "simulate", help="a synthetic year through the real services, face-value vs learned"
    )
    from simulation.main import add_arguments as simulate_arguments

    simulate_arguments(simulate)
    args = parser.parse_args(argv)
    try:
        settings = Settings.from_env()
    except ValueError as error:
        print(f"preorder: {error}", file=sys.stderr)
        return 2
    if args.command in USES_DATABASE and (problem := database_problem(settings.database_url)):
        print(f"preorder {args.command}: {problem}", file=sys.stderr)
        return 1

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
        benchmarks_importable()
        from bench.core import run

        return asyncio.run(
            run(settings, products=args.products, suppliers=args.suppliers, orders=args.orders)
        )
    if args.command == "token":
        from domain.migrate import migrate

        asyncio.run(migrate(settings.database_url))
        return asyncio.run(token_command(settings, args))
    if args.command == "staff":
        return staff_command(settings, args)
    if args.command == "bench-api":
        benchmarks_importable()
        from bench.api import run as run_api_bench

        return asyncio.run(
            run_api_bench(
                settings,
                products=args.products,
                suppliers=args.suppliers,
                orders=args.orders,
                seconds=args.seconds,
                reuse=args.reuse,
            )
        )
    if args.command == "worker":
        from domain.notifications.service import run_worker

        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
        asyncio.run(
            run_worker(
                settings.database_url,
                pool_size=settings.db_pool_size,
                statement_timeout_ms=settings.db_statement_timeout_ms,
                config=settings.mail,
                policy=settings.policy,
                webhooks=settings.webhooks,
            )
        )
        return 0
    if args.command == "clock":
        if args.day is not None and not args.once:
            parser.error("--day needs --once")
        return clock_command(settings, once=args.once, day=args.day)
    if args.command == "simulate":
        from simulation.main import simulate as run_simulation

        return asyncio.run(run_simulation(args, settings))
    if args.command == "webhooks":
        return asyncio.run(webhooks_command(settings, args))
    if args.command == "bench-webhooks":
        benchmarks_importable()
        from bench.webhooks import run as run_webhooks_bench

        return asyncio.run(
            run_webhooks_bench(settings, deliveries=args.deliveries, lines=args.lines)
        )
    if args.command == "bench-mail":
        benchmarks_importable()
        from bench.mail import run as run_mail_bench

        return asyncio.run(run_mail_bench(settings, orders=args.orders, rounds=args.rounds))
    return 2


async def _run_with_orm(settings: Settings, command: str, work) -> int:  # type: ignore[no-untyped-def]
    """Run one domain call with the ORM open; an expected failure prints its message, exit 1."""
    from tortoise import Tortoise

    from domain.errors import DomainError

    await Tortoise.init(config=tortoise_config(settings.database_url), _enable_global_fallback=True)
    try:
        await work()
        return 0
    except DomainError as error:
        print(f"preorder {command}: {error.message}", file=sys.stderr)
        return 1
    finally:
        await Tortoise.close_connections()


async def token_command(settings: Settings, args: argparse.Namespace) -> int:
    """``token create`` prints the secret once (only its hash is stored); ``token revoke``."""
    from domain.context import Context
    from domain.staff.services import create_api_token, revoke_api_token

    async def work() -> None:
        if args.token_command == "create":
            scopes = [scope.strip() for scope in args.scopes.split(",") if scope.strip()]
            issued = await create_api_token(args.name, scopes)
            print(f"token {issued.token.id} ({issued.token.scopes}); shown once, keep it safe:")
            print(issued.secret)
        else:
            await revoke_api_token(args.id, ctx=Context.system(settings.policy))
            print(f"token {args.id} revoked")

    return await _run_with_orm(settings, "token", work)


async def webhooks_command(settings: Settings, args: argparse.Namespace) -> int:
    """``webhooks test ID``: a ``webhook.ping`` now; exit 1 unless the receiver took it."""
    from domain.context import Context
    from domain.webhooks.ping import send_ping

    answered: list[bool] = []

    async def work() -> None:
        attempt = await send_ping(
            args.id, config=settings.webhooks, ctx=Context.system(settings.policy)
        )
        outcome = f"HTTP {attempt.code}" if attempt.code else attempt.error
        print(f"webhook {args.id}: {outcome} in {attempt.latency_ms} ms")
        answered.append(attempt.ok)

    code = await _run_with_orm(settings, "webhooks", work)
    return code or (0 if all(answered) else 1)


def staff_command(settings: Settings, args: argparse.Namespace) -> int:
    """``staff add``: the password from standard input, or typed twice at a prompt (argon2id)."""
    import getpass

    from domain.migrate import migrate

    if args.password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    elif sys.stdin.isatty():
        password = getpass.getpass("Password (12 characters or more): ")
        if getpass.getpass("Again: ") != password:
            print("preorder staff: the passwords differ", file=sys.stderr)
            return 1
    else:
        print("preorder staff: no terminal; pass --password-stdin", file=sys.stderr)
        return 1
    asyncio.run(migrate(settings.database_url))
    return asyncio.run(_add_staff(settings, args.email, args.name, password))


async def _add_staff(settings: Settings, email: str, name: str, password: str) -> int:
    from domain.staff.services import add_staff

    async def work() -> None:
        user = await add_staff(email, name, password)
        print(f"staff member {user.id} added: {user.name} <{user.email}>; sign in at /staff/")

    return await _run_with_orm(settings, "staff", work)


def _store_day(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date: use YYYY-MM-DD") from None


def clock_command(settings: Settings, *, once: bool, day: dt.date | None) -> int:
    """``clock``: the loop until SIGINT or SIGTERM; ``clock --once``: one day, printed."""
    from domain.clock.jobs import store_day
    from domain.clock.runner import run_day, serve_clock

    if not once:
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
        asyncio.run(
            serve_clock(settings.database_url, settings.policy, settings.clock_poll_seconds)
        )
        return 0
    the_day = day or store_day(settings.policy)
    failed = False

    async def work() -> None:
        nonlocal failed
        print(f"clock {the_day}:")
        for outcome in await run_day(the_day, settings.policy):
            if outcome.error:
                failed = True
                text = f"failed, will be retried: {outcome.error}"
            elif outcome.summary is None:
                text = "already ran for this day"
            else:
                text = ", ".join(f"{k} {v}" for k, v in outcome.summary.items()) or "done"
            print(f"  {outcome.job}: {text}")

    code = asyncio.run(_run_with_orm(settings, "clock", work))
    return 1 if failed else code


def serve(settings: Settings) -> int:
    import uvicorn

    from app import create_app
    from domain.demo import seed_demo_if_empty
    from domain.migrate import migrate

    asyncio.run(migrate(settings.database_url))
    asyncio.run(seed_demo_if_empty(settings.database_url, settings.policy))
    uvicorn.run(
        create_app(settings),
        host=settings.host,
        port=settings.port,
        log_level="info",
        server_header=False,  # no "Server: uvicorn": the software and its version stay unsaid
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
