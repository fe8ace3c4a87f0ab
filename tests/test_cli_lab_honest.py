"""``talkwidgets lab`` as a user runs it: the printed URL opens the quick start, the notebooks'
links to ``docs/`` resolve, ``--help`` says that JupyterLab options pass through, and SIGTERM or a
terminal's Ctrl-C (SIGINT to the whole process group) stops JupyterLab and its kernels: the process
tree is gone afterwards. Real JupyterLab, real kernels, loopback only; every wait is bounded."""

from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urljoin

import httpx
import psutil
import pytest

from tests.jupyter_support import free_port, isolated_env

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "examples" / "notebooks"
TOKEN = "cli-lab-honest"
START_TIMEOUT = 90.0
STOP_TIMEOUT = 60.0  # the CLI's own bounds (30 s for JupyterLab, then 3 x 5 s for leftovers) fit in it


@dataclass
class Lab:
    proc: subprocess.Popen[bytes]
    url: str
    log: Path

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def tree(self) -> list[psutil.Process]:
        """The CLI and every process below it (JupyterLab, its kernels)."""
        me = psutil.Process(self.proc.pid)
        return [me, *me.children(recursive=True)]

    def api(self, method: str, path: str, params: dict[str, Any] | None = None, **kwargs: Any) -> httpx.Response:
        params = {"token": TOKEN, **(params or {})}
        return httpx.request(method, f"{self.url}{path}", params=params, timeout=30, **kwargs)


def _start(tmp_path: Path) -> Lab:
    port = free_port()
    log = tmp_path / "lab.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "talkwidgets",
                "lab",
                "--no-browser",
                f"--ServerApp.port={port}",
                "--ServerApp.port_retries=0",
                f"--IdentityProvider.token={TOKEN}",
                "--ServerApp.ip=127.0.0.1",
                "--LabApp.news_url=None",
                "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
            ],
            cwd=ROOT,
            env=isolated_env(tmp_path / "jupyter"),
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # a process group of its own, as a terminal's foreground job has
        )
    lab = Lab(proc, f"http://127.0.0.1:{port}", log)
    deadline = time.monotonic() + START_TIMEOUT
    while True:
        try:
            if lab.api("GET", "/api/status").status_code == 200:
                return lab
        except httpx.HTTPError:
            pass
        if proc.poll() is not None:
            pytest.fail(f"talkwidgets lab exited with {proc.returncode}:\n{lab.output()[-3000:]}")
        if time.monotonic() > deadline:
            proc.kill()
            pytest.fail(f"JupyterLab did not start in {START_TIMEOUT:.0f} s:\n{lab.output()[-3000:]}")
        time.sleep(0.2)


@pytest.fixture
def lab(tmp_path: Path) -> Iterator[Lab]:
    started = _start(tmp_path)
    seen = started.tree()
    try:
        yield started
    finally:  # whatever the test did, nothing it started outlives it
        for process in [*seen, *(started.tree() if started.proc.poll() is None else [])]:
            with contextlib.suppress(psutil.NoSuchProcess):
                process.kill()
        started.proc.wait(10)


def _start_kernel(lab: Lab) -> psutil.Process:
    """A kernel through JupyterLab's REST API, as opening a notebook does; answers its process."""
    before = {p.pid for p in lab.tree()}
    assert lab.api("POST", "/api/kernels", json={"name": "python3"}).status_code == 201
    deadline = time.monotonic() + START_TIMEOUT
    while True:
        new = [p for p in lab.tree() if p.pid not in before and "ipykernel_launcher" in " ".join(_cmdline(p))]
        if new:
            return new[0]
        assert time.monotonic() < deadline, "no kernel process appeared"
        time.sleep(0.2)


def _cmdline(process: psutil.Process) -> list[str]:
    try:
        return process.cmdline()
    except psutil.NoSuchProcess:
        return []


@pytest.mark.jupyterlab
@pytest.mark.parametrize(
    "how", ["SIGTERM to the CLI", "SIGINT to the CLI", "Ctrl-C in a terminal (SIGINT to the process group)"]
)
def test_stopping_the_cli_stops_jupyterlab_and_its_kernels(lab: Lab, how: str) -> None:
    kernels = [_start_kernel(lab), _start_kernel(lab)]
    tree = lab.tree()
    assert len(tree) >= 4, [p.cmdline() for p in tree]  # the CLI, JupyterLab, two kernels
    assert all(k in tree for k in kernels)
    if how == "SIGTERM to the CLI":
        lab.proc.send_signal(signal.SIGTERM)
    elif how == "SIGINT to the CLI":
        lab.proc.send_signal(signal.SIGINT)
    else:
        os.killpg(lab.proc.pid, signal.SIGINT)
    assert lab.proc.wait(STOP_TIMEOUT) == 0, lab.output()[-3000:]
    _gone, alive = psutil.wait_procs(tree, timeout=STOP_TIMEOUT)
    assert alive == [], [(p.pid, p.cmdline()) for p in alive]
    with pytest.raises(httpx.ConnectError):  # and the port is free again
        httpx.get(f"{lab.url}/api/status", timeout=5)


@pytest.mark.jupyterlab
def test_the_printed_url_opens_the_quickstart_and_docs_links_resolve(lab: Lab) -> None:
    out = lab.output()
    printed = re.findall(r"http://127\.0\.0\.1:\d+/\S+", out)
    assert printed, out[-3000:]
    assert all(u.startswith(f"{lab.url}/lab/tree/examples/notebooks/01_quickstart.ipynb?token=") for u in printed), (
        printed
    )
    assert "talkwidgets lab: JupyterLab on examples/notebooks/01_quickstart.ipynb" in out
    # The server's own default URL (a bookmarked "/", a browser it opens) is the notebook, not the launcher.
    home = httpx.get(f"{lab.url}/", params={"token": TOKEN}, timeout=30, follow_redirects=False)
    assert home.status_code in (301, 302), home
    assert home.headers["location"].split("?")[0] == "/lab/tree/examples/notebooks/01_quickstart.ipynb", home.headers
    notebook = lab.api("GET", "/api/contents/examples/notebooks/01_quickstart.ipynb", params={"content": 0})
    assert notebook.status_code == 200 and notebook.json()["type"] == "notebook"

    # Every relative link in the example notebooks resolves under the server root.
    links: set[str] = set()
    for path in sorted(NOTEBOOKS.glob("*.ipynb")):
        for cell in json.loads(path.read_text())["cells"]:
            if cell["cell_type"] == "markdown":
                for target in re.findall(r"\]\(([^)#\s]+)", "".join(cell["source"])):
                    if "://" not in target:
                        links.add(urljoin(f"examples/notebooks/{path.name}", target))
    assert any(link.startswith("docs/") for link in links), links
    for link in sorted(links):
        response = lab.api("GET", f"/api/contents/{link}", params={"content": 0})
        assert response.status_code == 200, f"{link}: {response.status_code}"


def test_help_says_that_jupyterlab_options_pass_through() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "talkwidgets", "lab", "--help"], capture_output=True, text=True, timeout=60, cwd=ROOT
    )
    assert result.returncode == 0, result.stderr
    text = " ".join(result.stdout.split())
    assert "Every other option goes to JupyterLab unchanged" in text and "--port=8890" in text
    assert "Ctrl-C (or SIGTERM) stops JupyterLab and its kernels" in text
