"""Uploads in a real JupyterLab: throughput and kernel peak memory, FileDrop against its floor and baselines.

    .venv/bin/python -m bench.uploads               # 10 and 100 MiB, every path, 5 runs each (~4 min)
    .venv/bin/python -m bench.uploads --quick          # 3 runs each
    .venv/bin/python -m bench.uploads --sizes 10,100,1024 --repeat 3 --json out.json
    .venv/bin/python -m bench.uploads --paths chunked,bare --chunk-mib 2 --window 4
    .venv/bin/python -m bench.uploads --driver playwright --paths fileupload --repeat 1

Not a test. One JupyterLab page (``_upload_lab.py``: its own JupyterLab on loopback, Chromium over
raw DevTools by default, a kernel with its own emulator and alice's session), and for each size, one
transfer at a time, every path in turn, the whole round repeated ``--repeat`` times (the order of the
paths rotates from round to round, so that a burst of load from elsewhere does not always hit the
same path). Figures are medians over the rounds, and ratios are taken between medians of the same run.

* **bare**: the bare custom-message channel of ``comm_channel.py`` (the same bytes, chunk size and
  window, no spool, no upload): the floor of the chunked path;
* **chunked**: FileDrop with ``drop.direct = False``: browser -> comm chunks -> the session's
  ``POST /files`` to the emulator, streamed while the chunks arrive;
* **direct**: FileDrop with ``drop.direct = True``: the browser POSTs to the emulator itself;
* **plain**: httpx in the kernel process POSTs the file from disk to the same ``/files`` (multipart,
  streamed): the practical limit on this machine;
* **plain-outside**: the same httpx POST from the bench process (its client does not share the
  kernel's interpreter, and GIL, with the emulator);
* **fileupload** (only with ``--driver playwright``, not in the default set): ipywidgets
  ``FileUpload`` (the whole file in one comm message), then ``alice.upload_file``; expected to fail
  above Jupyter's websocket message limit (tornado's default is 10 MiB). One attempt per size, each
  on a freshly loaded page.

The exit status is 1 if a target is missed: chunked >= 80 % of bare, chunked >= 50 % of plain (where
bare itself reaches 50 %), direct >= 80 % of plain, kernel memory flat in file size.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import time
from datetime import datetime, timezone
from importlib.metadata import version
from pathlib import Path
from typing import Any

from bench._upload_lab import (
    Lab,
    cpu_times,
    make_file,
    run_bare,
    run_drop,
    run_fileupload,
    run_plain,
    run_plain_outside,
    set_bare,
    set_drop,
    upload_lab,
)

MiB = 1024 * 1024
PATHS = ("bare", "chunked", "direct", "plain", "plain-outside", "fileupload")
DEFAULT_PATHS = PATHS[:-1]
TARGETS = {"chunked ÷ bare": 0.8, "chunked ÷ plain": 0.5, "direct ÷ plain": 0.8}


def run_path(lab: Lab, name: str, path: Path, timeout_s: float) -> dict[str, Any]:
    if name == "bare":
        return run_bare(lab, path, timeout_s)
    if name == "plain":
        return run_plain(lab, path)
    if name == "plain-outside":
        return run_plain_outside(lab, path)
    return run_drop(lab, path, name == "direct", timeout_s)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true", help="3 runs per size and path instead of 5")
    ap.add_argument("--sizes", default="10,100", help="sizes in MiB, comma separated (default 10,100)")
    ap.add_argument("--repeat", type=int, help="runs per size and path (default 5; 3 with --quick)")
    ap.add_argument("--paths", default=",".join(DEFAULT_PATHS), help=f"subset of {','.join(PATHS)}")
    ap.add_argument("--driver", choices=("cdp", "playwright"), default="cdp", help="how Chromium is driven")
    ap.add_argument("--window", type=int, help="chunks in flight, bare and chunked (default: FileDrop's)")
    ap.add_argument("--chunk-mib", type=float, help="chunk size in MiB, bare and chunked (default: FileDrop's)")
    ap.add_argument("--ws-max-mib", type=int, default=0, help="raise Jupyter's websocket_max_message_size (MiB)")
    ap.add_argument("--json", type=Path, help="also write every run as JSON")
    args = ap.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    paths = [p for p in args.paths.split(",") if p]
    repeat = args.repeat or (3 if args.quick else 5)
    if not all(1 <= s <= 1024 for s in sizes) or not set(paths) <= set(PATHS) or repeat < 1:
        ap.error(f"sizes 1..1024 MiB, paths from {PATHS}, repeat >= 1")
    if "fileupload" in paths and args.driver != "playwright":
        ap.error("the fileupload path needs --driver playwright (its file input is not in the DOM)")

    started = datetime.now(timezone.utc)
    t_start = time.monotonic()
    load0 = os.getloadavg()
    extra: tuple[str, ...] = ()
    if args.ws_max_mib:
        extra = (f'--ServerApp.tornado_settings={{"websocket_max_message_size": {args.ws_max_mib * MiB}}}',)
    runs: list[dict[str, Any]] = []
    with upload_lab(args.driver, extra) as lab:
        from tests.jupyter_support import kernel_json

        if args.window or args.chunk_mib:
            traits = {"window": args.window, "chunk_size": int(args.chunk_mib * MiB) if args.chunk_mib else None}
            set_drop(lab, **{k: v for k, v in traits.items() if v})
        window, chunk = kernel_json(lab.page, "print(json.dumps([drop.window, drop.chunk_size]))")
        set_bare(lab, chunk, window)
        files = {mib: make_file(lab.files, mib) for mib in sizes}
        # warm-up: one small file through each path (imports, connections, caches)
        warm = make_file(lab.files, 1)
        for name in [p for p in paths if p != "fileupload"]:
            run_path(lab, name, warm, 60)
        timed = [p for p in paths if p != "fileupload"]
        for rep in range(repeat):
            order = timed[rep % len(timed) :] + timed[: rep % len(timed)] if timed else []
            for mib in sizes:
                for name in order:
                    cpu0 = cpu_times(lab)
                    r = run_path(lab, name, files[mib], 60 + mib / 2)
                    r["cpu_s"] = {k: round(v - cpu0.get(k, 0.0), 3) for k, v in cpu_times(lab).items()}
                    r.update(path=name, mib=mib, rep=rep)
                    runs.append(r)
                    report(r)
        if "fileupload" in paths:
            for mib in sizes:
                r = run_fileupload(lab, files[mib], 60 + mib / 4) | {"path": "fileupload", "mib": mib, "rep": 0}
                runs.append(r)
                report(r)

    env = {
        "date_utc": f"{started:%Y-%m-%d %H:%M} UTC",
        "wall_s": round(time.monotonic() - t_start, 1),
        "load_avg_start": [round(x, 2) for x in load0],
        "load_avg_end": [round(x, 2) for x in os.getloadavg()],
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "driver": args.driver,
        **{
            n: version(n)
            for n in ("jupyterlab", "jupyter_server", "ipykernel", "ipywidgets", "anywidget", "httpx", "tornado")
        },
        "ws_max_mib": args.ws_max_mib or "tornado default (10)",
        "window": window,
        "chunk_size": chunk,
        "repeat": repeat,
    }
    print(f"\n{env}\n")
    summary = summarize(runs, sizes, paths)
    verdicts = print_report(summary, runs, sizes, paths)
    if args.json:
        args.json.write_text(json.dumps({"env": env, "summary": summary, "runs": runs}, indent=2))
    ok = bool(verdicts) and all(verdicts)
    print(f"\ntargets: {'met' if ok else 'NOT all met'}")
    return 0 if ok else 1


def summarize(runs: list[dict[str, Any]], sizes: list[int], paths: list[str]) -> dict[str, Any]:
    """Medians per size and path, and the ratios between them."""
    out: dict[str, Any] = {}
    for mib in sizes:
        per: dict[str, Any] = {}
        for name in paths:
            rs = [r for r in runs if r["mib"] == mib and r["path"] == name]
            ok = [r for r in rs if r["ok"]]
            entry: dict[str, Any] = {
                "runs": len(rs),
                "ok": len(ok),
                "failures": [r["reason"] for r in rs if not r["ok"]],
            }
            entry["mem_mib_max"] = max((r["mem_mib"] for r in rs), default=float("nan"))
            entry["mem_mib_median"] = statistics.median(r["mem_mib"] for r in rs) if rs else float("nan")
            if ok:
                rates = [mib / r["seconds"] for r in ok]
                entry |= {
                    "seconds": statistics.median(r["seconds"] for r in ok),
                    "mib_s": statistics.median(rates),
                    "mib_s_min": min(rates),
                    "mib_s_max": max(rates),
                }
                cpu = [sum(r["cpu_s"].values()) for r in ok if "cpu_s" in r]
                if cpu:
                    entry["cpu_s"] = statistics.median(cpu)
                    entry["cpu_by_role"] = {
                        k: statistics.median(r["cpu_s"].get(k, 0.0) for r in ok) for k in ok[0]["cpu_s"]
                    }
                steps = [r["steps"] for r in ok if r.get("steps")]
                if steps:
                    entry["steps"] = {k: statistics.median(s[k] for s in steps if k in s) for k in steps[0]}
            per[name] = entry
        out[str(mib)] = per
    return out


def _ratio(per: dict[str, Any], a: str, b: str) -> float | None:
    if "mib_s" in per.get(a, {}) and "mib_s" in per.get(b, {}):
        return float(per[a]["mib_s"] / per[b]["mib_s"])
    return None


def print_report(summary: dict[str, Any], runs: list[dict[str, Any]], sizes: list[int], paths: list[str]) -> list[bool]:
    print(
        "| size | path | runs | median time (s) | median MiB/s | min–max MiB/s | ÷ bare | ÷ plain | ÷ plain-outside "
        "| CPU s (all processes) | kernel peak RSS growth, median / max (MiB) |"
    )
    print("|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for mib in sizes:
        per = summary[str(mib)]
        size = f"{mib} MiB" if mib < 1024 else "1 GiB"
        for name in paths:
            e = per[name]
            mem = f"{e['mem_mib_median']:.1f} / {e['mem_mib_max']:.1f}"
            if "mib_s" not in e:
                print(f"| {size} | {name} | {e['runs']} | – | – | – | – | – | – | – | {mem} |")
                continue
            ratios = [_ratio(per, name, base) for base in ("bare", "plain", "plain-outside")]
            cells = [f"{x:.0%}" if x is not None else "–" for x in ratios]
            cpu = f"{e['cpu_s']:.1f}" if "cpu_s" in e else "–"
            fails = f" ({e['runs'] - e['ok']} failed)" if e["ok"] < e["runs"] else ""
            print(
                f"| {size} | {name} | {e['ok']}{fails} | {e['seconds']:.2f} | {e['mib_s']:.1f} | "
                f"{e['mib_s_min']:.1f}–{e['mib_s_max']:.1f} | {' | '.join(cells)} | {cpu} | {mem} |"
            )
    for mib in sizes:
        for name in paths:
            for reason in summary[str(mib)][name]["failures"]:
                print(f"{mib} MiB {name} failed: {reason}")

    print("\nCPU seconds by process, medians (kernel includes the emulator it runs):")
    for mib in sizes:
        for name in paths:
            roles = summary[str(mib)][name].get("cpu_by_role")
            if roles:
                print(f"  {mib:>5} MiB {name:>13}: " + ", ".join(f"{k} {v:.2f}" for k, v in roles.items()))
    if "direct" in paths:
        print("\nWhere the direct path's time goes, medians (s):")
        for mib in sizes:
            steps = summary[str(mib)]["direct"].get("steps", {})
            print(f"  {mib:>5} MiB: " + "; ".join(f"{k} {v:.3f}" for k, v in steps.items()))

    verdicts: list[bool] = []
    print()
    for mib in sizes:
        per = summary[str(mib)]
        floor = _ratio(per, "bare", "plain")
        for label, target in TARGETS.items():
            a, b = label.split(" ÷ ")
            value = _ratio(per, a, b)
            if a not in paths or b not in paths:
                continue
            if value is None:
                verdicts.append(False)
                print(f"{mib} MiB {label}: no figure (a path failed every run): NOT met")
                continue
            met = value >= target
            note = ""
            if label == "chunked ÷ plain" and floor is not None and floor < target:
                note = f" (the bare channel itself reaches {floor:.0%} of plain: below the target, not counted)"
                met = True
            verdicts.append(met)
            print(f"{mib} MiB {label} = {value:.0%} (target {target:.0%}): {'met' if met else 'NOT met'}{note}")
    for name in ("chunked", "direct"):
        rs = [r for r in runs if r["path"] == name and r["ok"]]
        if name in paths and len({r["mib"] for r in rs}) >= 2:
            by_size = {mib: max(r["mem_mib"] for r in rs if r["mib"] == mib) for mib in {r["mib"] for r in rs}}
            spread = max(by_size.values()) - min(by_size.values())
            verdicts.append(spread <= 32)
            print(
                f"{name}: kernel peak growth by size (max) "
                + ", ".join(f"{m} MiB: {v:.1f}" for m, v in sorted(by_size.items()))
                + f"; spread {spread:.1f} MiB (flat = <= 32 MiB): {'met' if spread <= 32 else 'NOT met'}"
            )
    return verdicts


def report(r: dict[str, Any]) -> None:
    if r["ok"]:
        print(
            f"{r['mib']:>5} MiB {r['path']:>13}: {r['seconds']:.2f} s ({r['mib'] / r['seconds']:.1f} MiB/s), "
            f"kernel peak +{r['mem_mib']:.1f} MiB",
            flush=True,
        )
    else:
        print(
            f"{r['mib']:>5} MiB {r['path']:>13}: FAILED {r['reason']} (kernel peak +{r['mem_mib']:.1f} MiB)", flush=True
        )


if __name__ == "__main__":
    sys.exit(main())
