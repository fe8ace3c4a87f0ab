"""``talkwidgets lab``: JupyterLab on a notebook, stopped together with everything it started.

JupyterLab runs as a child in a session of its own, so a terminal's Ctrl-C reaches only this
process (and not JupyterLab's "Shut down this Jupyter server (y/[n])?" prompt, which would keep it
running). SIGINT, SIGTERM and SIGHUP are passed on as SIGTERM, on which jupyter_server shuts its
kernels down and exits. Kernels run in sessions of their own too, so the process tree is noted
first; whatever of it is still alive after bounded waits is terminated, then killed.

The server root is the folder the command runs in (the repository, for the examples), so a
notebook's links to ``docs/`` resolve; the URL JupyterLab prints opens the notebook itself.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from types import FrameType
from typing import Any
from urllib.parse import quote

STOP_GRACE = 30.0
"""Seconds JupyterLab gets to shut its kernels down (jupyter_client waits up to 5 s for each, in
parallel) and exit, after SIGTERM."""
KILL_GRACE = 5.0
"""Seconds a leftover process gets after SIGTERM before SIGKILL."""

_ROOT_OPTIONS = ("root_dir", "root-dir", "notebook_dir", "notebook-dir")
_URL_OPTIONS = ("default_url", "default-url")
_STOP_SIGNALS = tuple(getattr(signal, name) for name in ("SIGINT", "SIGTERM", "SIGHUP") if hasattr(signal, name))


def _option_given(extra: Sequence[str], names: Sequence[str]) -> str | None:
    """The value of a JupyterLab option among ``extra`` whose name ends with one of ``names``."""
    for i, arg in enumerate(extra):
        if not arg.startswith("--"):
            continue
        name, sep, value = arg[2:].partition("=")
        if name.split(".")[-1] in names:
            return value if sep else (extra[i + 1] if i + 1 < len(extra) else "")
    return None


def lab_command(notebook: Path, extra: Sequence[str], *, cwd: Path) -> tuple[list[str], Path]:
    """The JupyterLab command line for ``notebook`` and the server root it will use.

    The root is ``cwd`` when the notebook is inside it (else the notebook's folder), unless the
    options name one; JupyterLab's default URL is the notebook, unless the options name one.
    """
    notebook = notebook.resolve()
    command = [sys.executable, "-m", "jupyterlab"]
    given_root = _option_given(extra, _ROOT_OPTIONS)
    if given_root:
        root = Path(given_root).expanduser().resolve()
    else:
        root = cwd.resolve() if notebook.is_relative_to(cwd.resolve()) else notebook.parent
        command.append(f"--ServerApp.root_dir={root}")
    if _option_given(extra, _URL_OPTIONS) is None and notebook.is_relative_to(root):
        path = quote(notebook.relative_to(root).as_posix())
        command.append(f"--LabApp.default_url=/lab/tree/{path}")
    command.extend(extra)
    if hasattr(os, "geteuid") and os.geteuid() == 0 and "--allow-root" not in extra:
        command.append("--allow-root")  # JupyterLab refuses to run as root without it
    return command, root


def run_lab(notebook: Path, extra: Sequence[str]) -> int:
    """Run JupyterLab until it exits or a stop signal arrives; returns its exit status (0 after a
    stop asked by a signal)."""
    import psutil  # type: ignore[import-untyped]  # no stubs; in the [lab] extra

    command, root = lab_command(notebook, extra, cwd=Path.cwd())
    print(
        f"talkwidgets lab: JupyterLab on {notebook} (server root {root}); Ctrl-C stops it and its kernels.",
        flush=True,
    )
    stop: list[int] = []

    def on_signal(signum: int, _frame: FrameType | None) -> None:
        stop.append(signum)

    previous: dict[int, Any] = {sig: signal.signal(sig, on_signal) for sig in _STOP_SIGNALS}
    try:
        proc = subprocess.Popen(command, start_new_session=True)
        while proc.poll() is None and not stop:
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(timeout=0.5)
        if not stop:
            return proc.returncode
        # Noted before JupyterLab goes: once it has exited, its kernels are nobody's children.
        try:
            tree = psutil.Process(proc.pid).children(recursive=True)
        except psutil.NoSuchProcess:
            tree = []
        proc.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + STOP_GRACE
        while proc.poll() is None and time.monotonic() < deadline and len(stop) < 2:  # a second Ctrl-C: at once
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(timeout=0.5)
        if proc.poll() is None:
            print("talkwidgets lab: JupyterLab did not stop in time; killing it", flush=True)
            proc.kill()
            proc.wait(timeout=KILL_GRACE)
        _end_processes(psutil, tree)
        return 0
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def _end_processes(psutil: Any, processes: list[Any]) -> None:
    """Wait for ``processes`` (JupyterLab's kernels) to exit; terminate, then kill, what stays."""
    _gone, alive = psutil.wait_procs(processes, timeout=KILL_GRACE)
    if not alive:
        return
    print(f"talkwidgets lab: stopping {len(alive)} process(es) JupyterLab left behind", flush=True)
    for process in alive:
        with contextlib.suppress(psutil.NoSuchProcess):
            process.terminate()
    _gone, alive = psutil.wait_procs(alive, timeout=KILL_GRACE)
    for process in alive:
        with contextlib.suppress(psutil.NoSuchProcess):
            process.kill()
    psutil.wait_procs(alive, timeout=KILL_GRACE)
