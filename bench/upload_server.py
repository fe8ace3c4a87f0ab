"""What one ``POST /files`` costs the emulator alone: server CPU seconds and MiB/s for a large file
sent from outside the server's process, beside the emulator of another checkout (``--before``).

The emulator is ``talkwidgets serve`` in its own process (``bench._emulator.Emulator``); the client
is this process and as lean as a client gets: the multipart head, the file through ``sendfile``
from the page cache, the closing boundary, over one plain socket. So the figures are the server's:
its CPU (user + system, psutil, before and after each upload) and the wall time from the first
byte sent to the answer read. Between uploads the app is reset, which deletes the stored files.

``--in-process`` adds the kernel's view of FileDrop's chunked path: the emulator embedded
(``EmbeddedServer``, a thread) in one child process with a session that uploads an ``UploadStream``
of 4 MiB ``memoryview`` chunks (what FileDrop hands it), so client and server share one interpreter
as they do in a kernel. Its CPU figure is the whole child's (``time.process_time``, both sides).

Runs alternate between the checkouts (this one, then ``--before``, then the next round), and the
tables show medians over the rounds: the machine's load moves between rounds.

Run from the repository root::

    git archive main | tar -x -C /tmp/perf-before
    .venv/bin/python -m bench.upload_server --size-mib 100 --repeat 7 --in-process \\
        --before /tmp/perf-before --before-python .venv/bin/python

Nothing here is a test: timings depend on the machine and its load.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterator
from pathlib import Path

import psutil

from bench._emulator import APP_ID, ROOT, SECRET, Checkout, Emulator

MiB = 1024 * 1024
BOUNDARY = "benchb0undary"


def make_file(path: str, size_mib: int) -> None:
    """A random 1 MiB block repeated, each MiB stamped with its index (nothing compresses)."""
    block = bytearray(os.urandom(MiB))
    with open(path, "wb") as f:
        for i in range(size_mib):
            block[:8] = i.to_bytes(8, "big")
            f.write(block)


def read_answer(sock: socket.socket) -> tuple[int, bytes]:
    data = b""
    while b"\r\n\r\n" not in data:
        piece = sock.recv(65536)
        if not piece:
            raise RuntimeError(f"the server closed without an answer: {data!r}")
        data += piece
    head, _, body = data.partition(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value)
    while len(body) < length:
        piece = sock.recv(65536)
        if not piece:
            raise RuntimeError("the server closed mid-answer")
        body += piece
    return int(head.split(b" ", 2)[1]), body


def post(port: int, path: str, body: bytes = b"") -> tuple[int, bytes]:
    with socket.create_connection(("127.0.0.1", port)) as sock:
        sock.sendall(
            f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {SECRET}\r\n"
            f"Content-Length: {len(body)}\r\n\r\n".encode()
            + body
        )
        return read_answer(sock)


def upload(port: int, file: str) -> float:
    """One multipart upload of ``file``; its wall time (first byte sent to answer read)."""
    head = (
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="bench.bin"\r\n'
        "Content-Type: application/octet-stream\r\n\r\n"
    ).encode()
    tail = f"\r\n--{BOUNDARY}--\r\n".encode()
    length = len(head) + os.path.getsize(file) + len(tail)
    request = (
        f"POST /v1/{APP_ID}/files HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {SECRET}\r\n"
        f"Content-Type: multipart/form-data; boundary={BOUNDARY}\r\nContent-Length: {length}\r\n\r\n"
    ).encode()
    with socket.create_connection(("127.0.0.1", port)) as sock, open(file, "rb") as f:
        started = time.perf_counter()
        sock.sendall(request + head)
        sock.sendfile(f)
        sock.sendall(tail)
        status, answer = read_answer(sock)
        elapsed = time.perf_counter() - started
    if status != 200:
        raise RuntimeError(f"upload answered {status}: {answer[:300]!r}")
    return elapsed


def in_process(root: str, size_mib: int, chunk_mib: int) -> None:
    """The child of ``--in-process``: embedded emulator and session in this process (from the
    checkout at ``root``); prints ``[seconds, cpu seconds]`` of one upload after a warm-up."""
    sys.path.insert(0, root)
    import talkwidgets

    if not Path(talkwidgets.__file__).resolve().is_relative_to(Path(root).resolve()):
        raise RuntimeError(f"talkwidgets came from {talkwidgets.__file__}, not from {root}")
    from talkwidgets import GenericFileMetadata, get_talk_session
    from talkwidgets.emulator import EmbeddedServer, EmulatorConfig
    from talkwidgets.session import UploadStream

    chunk = memoryview(bytearray(os.urandom(chunk_mib * MiB)))
    count = size_mib // chunk_mib

    async def chunks() -> AsyncIterator[memoryview]:
        for _ in range(count):
            yield chunk

    async def main() -> None:
        server = EmbeddedServer(EmulatorConfig(max_upload_bytes=2 * size_mib * MiB)).start()
        try:
            secret = server.ensure_app(APP_ID, SECRET)
            session = await get_talk_session(app_id=APP_ID, user_id="alice", secret_key=secret, host=server.base_url)
            meta = GenericFileMetadata(filename="bench.bin")
            await session.upload(UploadStream(count * len(chunk), chunks()), meta)  # warm-up
            cpu, started = time.process_time(), time.perf_counter()
            await session.upload(UploadStream(count * len(chunk), chunks()), meta)
            print(json.dumps([time.perf_counter() - started, time.process_time() - cpu]))
            await session.aclose()
        finally:
            server.stop()

    asyncio.run(main())


def run_in_process(checkout: Checkout, size_mib: int) -> tuple[float, float]:
    # -m from this checkout (the bench package), the emulator's code from ``checkout.root``
    args = ["-m", "bench.upload_server", "--child-root", str(checkout.root), "--size-mib", str(size_mib)]
    out = subprocess.run([checkout.python, *args], cwd=ROOT, capture_output=True, text=True, timeout=600)
    if out.returncode != 0:
        raise RuntimeError(f"the in-process run failed: {out.stderr[-2000:]}")
    elapsed, cpu = json.loads(out.stdout.strip().splitlines()[-1])
    return float(elapsed), float(cpu)


def cpu_seconds(proc: psutil.Process) -> float:
    times = proc.cpu_times()
    return times.user + times.system


async def run(args: argparse.Namespace) -> int:
    checkouts = [Checkout()]
    if args.before:
        python = os.path.abspath(args.before_python or sys.executable)  # the servers run from another folder
        checkouts.append(Checkout(Path(args.before).absolute(), python, "before"))
    max_mb = str(args.size_mib * 2)
    servers = {c.label: Emulator(c, extra=["--max-upload-mb", max_mb]) for c in checkouts}
    results: dict[str, list[tuple[float, float]]] = {c.label: [] for c in checkouts}
    if args.in_process:
        results.update({f"{c.label}, in-process": [] for c in checkouts})
    with tempfile.TemporaryDirectory(prefix="upload-server-") as tmp:
        file = os.path.join(tmp, "bench.bin")
        make_file(file, args.size_mib)
        try:
            for em in servers.values():
                await em.ready()
                upload(em.port, file)  # warm-up: imports, caches, the page cache holding the file
                post(em.port, f"/_emulator/apps/{APP_ID}/reset")
            for round_ in range(args.repeat):
                line = f"round {round_ + 1}:"
                for label, em in servers.items():
                    proc = psutil.Process(em.proc.pid)
                    cpu = cpu_seconds(proc)
                    elapsed = upload(em.port, file)
                    used = cpu_seconds(proc) - cpu
                    results[label].append((elapsed, used))
                    status, _ = post(em.port, f"/_emulator/apps/{APP_ID}/reset")  # deletes the stored file
                    assert status == 200, status
                    line += f" {label} {args.size_mib / elapsed:.0f} MiB/s {used:.2f} CPU-s;"
                for checkout in checkouts if args.in_process else []:
                    elapsed, used = run_in_process(checkout, args.size_mib)
                    results[f"{checkout.label}, in-process"].append((elapsed, used))
                    line += f" {checkout.label} in-process {args.size_mib / elapsed:.0f} MiB/s {used:.2f} CPU-s;"
                print(line, flush=True)
        finally:
            for em in servers.values():
                em.stop()
    print(f"\n{args.size_mib} MiB per upload, medians of {args.repeat} rounds\n")
    print("| server | median MiB/s | min–max MiB/s | CPU s (median) | CPU s per GiB |")
    print("|---|---:|---:|---:|---:|")
    summary = {}
    for label, runs in results.items():
        speeds = [args.size_mib / elapsed for elapsed, _ in runs]
        cpu = statistics.median(used for _, used in runs)
        summary[label] = {"mib_per_s": statistics.median(speeds), "cpu_s": cpu, "runs": runs}
        print(
            f"| {label} | {statistics.median(speeds):.1f} | {min(speeds):.1f}–{max(speeds):.1f} "
            f"| {cpu:.3f} | {cpu * 1024 / args.size_mib:.2f} |"
        )
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"size_mib": args.size_mib, "servers": summary}, f, indent=1)
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size-mib", type=int, default=100)
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--before", default=None, help="also measure the emulator of this checkout")
    parser.add_argument("--before-python", default=None, help="the Python that runs --before's emulator")
    parser.add_argument("--in-process", action="store_true", help="also: emulator and session in one process")
    parser.add_argument("--json", default=None, help="write the raw figures here")
    parser.add_argument("--child-root", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child_root:
        in_process(args.child_root, args.size_mib, 4)
        return 0
    return asyncio.run(run(args))


if __name__ == "__main__":
    sys.exit(main())
