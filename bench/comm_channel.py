"""The floor of the chunked upload path: a bare anywidget custom-message channel in real JupyterLab.

    .venv/bin/python -m bench.comm_channel                    # 100 MiB, chunk sizes x windows, 3 runs each
    .venv/bin/python -m bench.comm_channel --chunks 1,4 --windows 4 --repeat 5 --filedrop
    .venv/bin/python -m bench.comm_channel --driver playwright --json out.json

Not a test. The bare channel is a widget with nothing but the transfer: the browser reads the picked
file in slices (``file.slice().arrayBuffer()``, as FileDrop's uploader does), sends each as a custom
message with one binary buffer, and keeps at most ``window`` of them unacknowledged; the kernel
answers each chunk with an ``ack`` on the thread the message arrived on and does nothing else with
the bytes (no spool, no upload, no session). The time runs from the pick to the arrival of the last
chunk in the kernel. Whatever the chunked path costs beyond this is FileDrop's own; what this costs
is JupyterLab's (renderer, WebSocket, jupyter_server, ZeroMQ, ipykernel).

With ``--filedrop`` each setting also runs FileDrop's chunked path (browser -> kernel -> emulator,
ending at ``on_upload``) in the same page, interleaved, so the two are compared under the same load.
``python -m bench.uploads`` runs the bare channel next to every other upload path.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from bench._upload_lab import cpu_times, make_file, run_bare, run_drop, set_bare, set_drop, upload_lab

MiB = 1024 * 1024


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--mib", type=int, default=100, help="file size in MiB (default 100)")
    ap.add_argument("--chunks", default="0.5,1,2,4,8", help="chunk sizes in MiB (default 0.5,1,2,4,8)")
    ap.add_argument("--windows", default="2,4,8", help="windows, chunks in flight (default 2,4,8)")
    ap.add_argument("--repeat", type=int, default=3, help="runs per setting (default 3); medians are reported")
    ap.add_argument("--filedrop", action="store_true", help="also FileDrop's chunked path at each setting")
    ap.add_argument("--driver", choices=("cdp", "playwright"), default="cdp")
    ap.add_argument("--json", type=Path, help="also write every run as JSON")
    args = ap.parse_args()
    settings = [
        (int(float(c) * MiB), int(w)) for c in args.chunks.split(",") for w in args.windows.split(",") if c and w
    ]
    started = datetime.now(timezone.utc)
    t_start = time.monotonic()
    runs: list[dict[str, Any]] = []
    timeout_s = 60 + args.mib / 2
    with upload_lab(args.driver) as lab:
        path = make_file(lab.files, args.mib)
        warm = make_file(lab.files, 1)
        set_drop(lab, direct=False)
        run_bare(lab, warm, 60)
        run_drop(lab, warm, False, 60)
        for rep in range(args.repeat):
            for chunk, window in settings:
                set_bare(lab, chunk, window)
                variants = [("bare", lambda: run_bare(lab, path, timeout_s))]
                if args.filedrop and 1 <= chunk / MiB <= 4:  # FileDrop takes 1 to 4 MiB chunks
                    set_drop(lab, chunk_size=chunk, window=window)
                    variants.append(("chunked", lambda: run_drop(lab, path, False, timeout_s)))
                for name, run in variants:
                    cpu0 = cpu_times(lab)
                    r = run() | {"path": name, "chunk": chunk, "window": window, "rep": rep}
                    r["cpu_s"] = {k: v - cpu0.get(k, 0.0) for k, v in cpu_times(lab).items()}
                    runs.append(r)
                    rate = f"{args.mib / r['seconds']:.1f} MiB/s" if r["ok"] else f"FAILED {r['reason']}"
                    cpu = ", ".join(f"{k} {v:.1f}" for k, v in r["cpu_s"].items())
                    print(
                        f"{name:>8} {chunk / MiB:g} MiB x {window:>2}: {rate}, kernel +{r['mem_mib']:.1f} MiB; "
                        f"CPU s: {cpu}",
                        flush=True,
                    )
    print(f"\n{started:%Y-%m-%d %H:%M} UTC, {time.monotonic() - t_start:.0f} s, driver {args.driver}, {args.mib} MiB\n")
    print("| chunk | window | path | MiB/s (median) | min–max | ÷ bare | kernel peak growth (MiB, max) |")
    print("|---:|---:|---|---:|---:|---:|---:|")
    for chunk, window in settings:
        medians = {}
        for name in ("bare", "chunked"):
            ok = [r for r in runs if r["path"] == name and (r["chunk"], r["window"]) == (chunk, window) and r["ok"]]
            if not ok:
                continue
            rates = [args.mib / r["seconds"] for r in ok]
            medians[name] = statistics.median(rates)
            ratio = f"{medians[name] / medians['bare']:.0%}" if "bare" in medians else "–"
            print(
                f"| {chunk / MiB:g} MiB | {window} | {name} | {medians[name]:.1f} | {min(rates):.1f}–{max(rates):.1f} "
                f"| {ratio} | {max(r['mem_mib'] for r in ok):.1f} |"
            )
    if args.json:
        args.json.write_text(json.dumps({"date_utc": f"{started:%Y-%m-%d %H:%M}", "runs": runs}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
