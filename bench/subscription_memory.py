"""Memory a conversation-list subscription holds per 1,000 conversations, beside another checkout.

    .venv/bin/python -m bench.subscription_memory                                  # this checkout, 3 rounds
    .venv/bin/python -m bench.subscription_memory --before /path/to/old/checkout  # both, interleaved

Not a test. Starts ``talkwidgets serve`` (in-memory database, loopback, free port) in a subprocess and
seeds users alice and bob and ``--conversations`` conversations with both of them and one message
from bob each (as ``bench.session_latency`` does). Then, per round and per checkout, a fresh Python
process (this file with ``--measure``, ``PYTHONPATH`` set to the checkout, so that it imports that
checkout's ``talkwidgets``; it prints which one it imported) gets alice's session, subscribes to her
conversation list under ``tracemalloc`` and loads everything with ``load_more(30)``. The figure is
the growth of all traced memory from the window of 20 (after ``connected``) to the window of all,
after ``gc.collect()``, scaled to 1,000 conversations; the files that grew most are listed. Both
checkouts read the same server, in alternating rounds; tables show the median of the rounds
(memory is not timing-sensitive, but other jobs on the machine cannot disturb a median either).
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import os
import platform
import statistics
import subprocess
import sys
import time
import tracemalloc
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
APP_ID = "bench"
SECRET = "sk_test_bench_secret_key_0123456789abcdef"


# -- the measuring process (imports only the checkout's talkwidgets) ---------------------------------


async def measure(host: str) -> dict[str, Any]:
    import talkwidgets
    from talkwidgets.session import get_talk_session

    session = await get_talk_session(APP_ID, "alice", secret_key=SECRET, host=host)
    gc.collect()
    tracemalloc.start(1)
    sub = session.subscribe_conversations()
    await asyncio.wait_for(sub.connected, 60)
    gc.collect()
    first = tracemalloc.take_snapshot()
    window = len(sub.state.latest_snapshot)
    started = time.perf_counter()
    for _ in range(1000):  # bounded: one page of 30 per round
        if sub.state.loaded_all:
            break
        await asyncio.wait_for(sub.load_more(30), 60)
    load_s = time.perf_counter() - started
    gc.collect()
    last = tracemalloc.take_snapshot()
    tracemalloc.stop()
    loaded = len(sub.state.latest_snapshot)
    diff = last.compare_to(first, "filename")
    growth = sum(stat.size_diff for stat in diff)
    per_1000 = 1000 / (loaded - window)
    top = [
        ("/".join(Path(stat.traceback[0].filename).parts[-2:]), stat.size_diff * per_1000 / 1024) for stat in diff[:5]
    ]
    await session.aclose()
    return {
        "talkwidgets": str(Path(talkwidgets.__file__).resolve().parent.parent),
        "window": window,
        "loaded": loaded,
        "kib_per_1000": growth * per_1000 / 1024,
        "load_s": load_s,
        "top": top,
    }


# -- the driver ---------------------------------------------------------------------------------------


def run_measure(checkout: Path, host: str) -> dict[str, Any]:
    env = dict(os.environ, PYTHONPATH=str(checkout))
    out = subprocess.run(
        [sys.executable, "-P", str(Path(__file__).resolve()), "--measure", host],  # -P: not bench/ on sys.path
        env=env,
        cwd=checkout,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    if out.returncode != 0:
        raise RuntimeError(f"measuring in {checkout} failed:\n{out.stderr[-3000:]}")
    result: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    if Path(result["talkwidgets"]) != checkout.resolve():
        raise RuntimeError(f"{checkout}: imported talkwidgets from {result['talkwidgets']}")
    return result


async def seed_server(n: int) -> tuple[Any, float]:
    import httpx

    from bench.session_latency import Emulator, seed

    em = Emulator()
    async with httpx.AsyncClient(headers={"Authorization": f"Bearer {SECRET}"}, timeout=30) as http:
        await em.wait_ready(http)
        took = await seed(em, http, n)
    return em, took


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--conversations", type=int, default=1000, help="conversations of alice (default 1000)")
    ap.add_argument("--rounds", type=int, default=3, help="measurements per checkout (default 3)")
    ap.add_argument("--before", type=Path, help="another checkout of talkwidgets, measured in the same run")
    ap.add_argument("--json", type=Path, help="also write the results as JSON")
    args = ap.parse_args()
    if not 100 <= args.conversations <= 20_000 or not 1 <= args.rounds <= 20:
        ap.error("--conversations 100..20000, --rounds 1..20")
    checkouts = {"this checkout": ROOT}
    if args.before is not None:
        if not (args.before / "talkwidgets" / "__init__.py").is_file():
            ap.error(f"--before {args.before}: no talkwidgets package there")
        checkouts = {"before": args.before.resolve(), **checkouts}

    started = datetime.now(timezone.utc)
    em, seed_s = asyncio.run(seed_server(args.conversations))
    print(f"seeded {args.conversations} conversations in {seed_s:.1f} s", file=sys.stderr, flush=True)
    runs: dict[str, list[dict[str, Any]]] = {name: [] for name in checkouts}
    try:
        for rnd in range(args.rounds):
            for name, path in checkouts.items():
                r = run_measure(path, em.base)
                runs[name].append(r)
                print(
                    f"round {rnd + 1} {name}: {r['kib_per_1000']:,.0f} KiB per 1,000 "
                    f"({r['window']}→{r['loaded']} loaded in {r['load_s']:.2f} s)",
                    file=sys.stderr,
                    flush=True,
                )
    finally:
        em.stop()

    print(
        f"\n{started:%Y-%m-%d %H:%M} UTC, Python {platform.python_version()}, {os.cpu_count()} CPUs, "
        f"load average at the end {', '.join(f'{x:.1f}' for x in os.getloadavg())}; "
        f"{args.conversations} conversations, medians of {args.rounds} rounds\n"
    )
    print("| checkout | held per 1,000 conversations (KiB), median | min–max | load_more to all (s), median |")
    print("|---|---:|---:|---:|")
    for name, rs in runs.items():
        kib = [r["kib_per_1000"] for r in rs]
        print(
            f"| {name} | {statistics.median(kib):,.0f} | {min(kib):,.0f}–{max(kib):,.0f} "
            f"| {statistics.median(r['load_s'] for r in rs):.2f} |"
        )
    for name, rs in runs.items():
        print(f"\n{name}, largest growth by file (first round, KiB per 1,000): ", end="")
        print(", ".join(f"{file} {kib:+,.0f}" for file, kib in rs[0]["top"]))
    if args.json:
        args.json.write_text(json.dumps({"date_utc": f"{started:%Y-%m-%d %H:%M}", "runs": runs}, indent=2))
    held = statistics.median(r["kib_per_1000"] for r in runs["this checkout"])
    print(f"\ntarget (≤ 1 MiB per 1,000 conversations): {'met' if held <= 1024 else 'NOT met'}")
    return 0 if held <= 1024 else 1


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--measure":
        print(json.dumps(asyncio.run(measure(sys.argv[2]))))
    else:
        sys.exit(main())
