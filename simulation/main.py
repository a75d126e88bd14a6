"""``preorder simulate``: a synthetic year through the real services, under two policies."""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import shutil
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from urllib.parse import urlsplit

from settings import Settings
from simulation.report import as_json, svg_chart, table
from simulation.run import (
    POLICIES,
    Outcome,
    database_for,
    fresh_postgres,
    policy_for,
    prepare,
    run_in_process,
)
from simulation.world import DEFAULT_WORLD, World, WorldError, load_world

DEFAULT_SVG = "simulation-first-promise.svg"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--days", type=int, default=365, help="days to simulate (default 365)")
    parser.add_argument("--seed", type=int, default=1, help="the world's random seed (default 1)")
    parser.add_argument("--world", help="a TOML world file (see simulation/default_world.toml)")
    parser.add_argument(
        "--database-url",
        help="a PostgreSQL server URL; each policy gets <name>_<policy> there, dropped first"
        " (default: SQLite files in a temporary folder)",
    )
    parser.add_argument(
        "--keep",
        metavar="FOLDER",
        help="keep the SQLite files in FOLDER (face-value.db, learned.db) to look at afterwards;"
        " with --database-url, keep the PostgreSQL databases",
    )
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument(
        "--svg",
        default=DEFAULT_SVG,
        help=f"the chart's file (default ./{DEFAULT_SVG}; '' for none)",
    )


async def simulate(args: argparse.Namespace, settings: Settings) -> int:
    if not 1 <= args.days <= 3660:
        print("preorder simulate: --days must be from 1 to 3660", file=sys.stderr)
        return 2
    try:
        world: World = load_world(args.world) if args.world else DEFAULT_WORLD
    except WorldError as error:
        print(f"preorder simulate: {error}", file=sys.stderr)
        return 2
    url = args.database_url
    if url and not url.startswith(("postgres://", "postgresql://")):
        print("preorder simulate: --database-url must be a postgres:// URL", file=sys.stderr)
        return 2
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="preorder-simulate-") as scratch:
        folder = args.keep or scratch
        Path(folder).mkdir(parents=True, exist_ok=True)
        targets = {name: database_for(url, Path(folder), name) for name in POLICIES}
        fresh = bool(url)
        if not url:  # migrate once, copy the file for each policy
            template = Path(folder) / "migrated.db"
            await prepare(f"sqlite://{template}")
            for target in targets.values():
                shutil.copyfile(template, urlsplit(target).path)
        # Each policy in a process of its own: the two runs share nothing but the seed.
        spawn = multiprocessing.get_context("spawn")
        with ProcessPoolExecutor(max_workers=len(POLICIES), mp_context=spawn) as pool:
            loop = asyncio.get_running_loop()
            runs = [
                loop.run_in_executor(
                    pool,
                    run_in_process,
                    world,
                    args.seed,
                    args.days,
                    name,
                    policy_for(name, settings.policy),
                    targets[name],
                    fresh,
                )
                for name in POLICIES
            ]
            outcomes: list[Outcome] = list(await asyncio.gather(*runs))
        if url and not args.keep:
            for target in targets.values():
                await fresh_postgres(target, create=False)
    seconds = time.perf_counter() - started
    meta = {
        "days": args.days,
        "seed": args.seed,
        "world": args.world or "default",
        "slip_quantile": settings.policy.slip_quantile,
        "slip_prior_strength": settings.policy.slip_prior_strength,
    }
    if args.svg:
        Path(args.svg).write_text(
            svg_chart(
                outcomes, title=f"First promise kept per week ({args.days} days, seed {args.seed})"
            ),
            encoding="utf-8",
        )
    if args.json:
        print(json.dumps(as_json(outcomes, meta), sort_keys=True))
        return 0
    print(
        f"{args.days} days from {world.store.start}, seed {args.seed}, world {meta['world']};"
        f" learned: SLIP_QUANTILE={meta['slip_quantile']},"
        f" SLIP_PRIOR_STRENGTH={meta['slip_prior_strength']}"
    )
    for outcome in outcomes:
        c = outcome.counts
        print(
            f"  {outcome.policy}: {c.orders:,} orders, {c.lines:,} lines,"
            f" {c.purchase_orders:,} POs,"
            f" {c.receipts:,} receipts, {c.shipments:,} parcels, {c.cancelled_lines:,} lines"
            f" cancelled while waiting, {c.notices_answered_cancel:,} after a notice;"
            f" {outcome.seconds:.1f} s ({outcome.cpu_seconds:.1f} s of CPU)"
        )
    print()
    print(table(outcomes))
    print()
    if args.svg:
        print(f"chart: {Path(args.svg).resolve()}")
    print(f"simulated in {seconds:.1f} s")
    return 0
