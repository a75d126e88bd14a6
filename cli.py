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
USES_DATABASE: tuple[str, ...] = ("serve", "migrate", "seed", "token", "staff", "worker")
USES_DATABASE += ("import", "export", "webhooks")


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
    serve_command = commands.add_parser(
        "serve", help="migrate, seed the demo store if empty, run on 127.0.0.1"
    )
    serve_command.add_argument(
        "--workers", type=int, default=1, help="web processes (PostgreSQL only for more than 1)"
    )
    serve_command.add_argument(
        "--empty", action="store_true", help="no demo store: start a real shop from nothing"
    )
    commands.add_parser("migrate", help="apply the migrations")
    seed = commands.add_parser("seed", help="load data")
    seed.add_argument("--demo", action="store_true", required=True, help="the demo store")
    bench = commands.add_parser("bench", help="benchmark the domain core")
    bench.add_argument("--orders", type=int, default=100_000)
    bench.add_argument("--products", type=int, default=2_000)
    bench.add_argument("--suppliers", type=int, default=200)
    bench.add_argument(
        "--hot-lines", type=int, default=None, help="the hot queue's lines (default orders / 5)"
    )
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
    add_catalog_commands(commands)
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
        from ops.serve import serve

        return serve(settings, workers=args.workers, empty=args.empty)
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
            run(
                settings,
                products=args.products,
                suppliers=args.suppliers,
                orders=args.orders,
                hot_lines=args.hot_lines,
            )
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
        from domain.notifications.sending.running import run_worker

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
    if args.command in ("import", "export", "bench-import"):
        return catalog_command(settings, args)
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


def add_catalog_commands(commands: Any) -> None:
    imports = commands.add_parser(
        "import", help="import products, suppliers or stock counts from a CSV file"
    )
    imports.add_argument("file", help="a CSV UTF-8 file; '-' reads standard input")
    imports.add_argument(
        "--kind",
        choices=("products", "suppliers", "stock"),
        help="what the file holds (default: from its name, e.g. products.csv)",
    )
    imports.add_argument("--dry-run", action="store_true", help="check, print, write nothing")
    exports = commands.add_parser("export", help="write products, suppliers or stock as CSV")
    exports.add_argument("kind", choices=("products", "suppliers", "stock"))
    exports.add_argument("-o", "--output", help="a file (default: standard output)")
    bench_import = commands.add_parser(
        "bench-import", help="benchmark importing products from CSV, beside a floor"
    )
    bench_import.add_argument("--products", type=int, default=10_000)


def _kind_of(path: str, kind: str | None) -> str | None:
    if kind:
        return kind
    name = Path(path).name.lower()
    for candidate in ("products", "suppliers", "stock"):
        if name.startswith(candidate):
            return candidate
    return None


def catalog_command(settings: Settings, args: argparse.Namespace) -> int:
    """``import`` (checks every row first, all or nothing), ``export``, ``bench-import``."""
    if args.command == "bench-import":
        benchmarks_importable()
        from bench.imports import run as run_import_bench

        return asyncio.run(run_import_bench(settings, products=args.products))
    from domain.migrate import migrate

    asyncio.run(migrate(settings.database_url))
    if args.command == "export":
        return asyncio.run(_export(settings, args.kind, args.output))
    kind = _kind_of(args.file, args.kind)
    if kind is None:
        print("preorder import: say what the file holds: --kind products|suppliers|stock")
        return 2
    if args.file == "-":
        data = sys.stdin.buffer.read()
    else:
        try:
            data = Path(args.file).read_bytes()
        except OSError as error:
            print(f"preorder import: cannot read {args.file}: {error.strerror}", file=sys.stderr)
            return 1
    return asyncio.run(_import(settings, kind, data, dry_run=args.dry_run))


async def _import(settings: Settings, kind: str, data: bytes, *, dry_run: bool) -> int:
    from rich.progress import Progress

    from domain.catalog_admin.importing import IMPORTERS
    from domain.context import Actor, Context

    failed = False

    async def work() -> None:
        nonlocal failed
        ctx = Context(Actor("cli", "import"), dt.datetime.now(dt.UTC), settings.policy)
        with Progress(transient=True) as bar:
            task = bar.add_task(f"{kind}.csv", total=None)

            def step(done: int, total: int) -> None:
                bar.update(task, completed=done, total=total)

            report = await IMPORTERS[kind](data, ctx=ctx, dry_run=dry_run, progress=step)
        for error in report.errors[:100]:
            print(f"  {error}", file=sys.stderr)
        if len(report.errors) > 100:
            print(f"  ... and {len(report.errors) - 100} more", file=sys.stderr)
        print(("dry run: " if dry_run else "") + report.summary())
        if report.lines_moved:
            print(f"{report.lines_moved} waiting lines got new dates; customers are told.")
        failed = bool(report.errors)

    code = await _run_with_orm(settings, "import", work)
    return 1 if failed else code


async def _export(settings: Settings, kind: str, output: str | None) -> int:
    from domain.catalog_admin.importing import EXPORTERS

    async def work() -> None:
        text = await EXPORTERS[kind]()
        if output:
            Path(output).write_text(text, encoding="utf-8", newline="")
        else:
            sys.stdout.write(text)

    return await _run_with_orm(settings, "export", work)


if __name__ == "__main__":
    sys.exit(main())
