"""`talkwidgets lab` (the README's main job) starts a real JupyterLab on the quick-start notebook."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from tests.process_support import free_port, stop_process

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.jupyterlab
def test_lab_serves_the_quickstart_notebook(tmp_path: Path) -> None:
    port, token = free_port(), "cli-lab-test"
    env = dict(
        os.environ,
        JUPYTER_CONFIG_DIR=str(tmp_path / "config"),
        JUPYTER_DATA_DIR=str(tmp_path / "data"),
        JUPYTER_RUNTIME_DIR=str(tmp_path / "runtime"),
        JUPYTERLAB_SETTINGS_DIR=str(tmp_path / "settings"),
        JUPYTERLAB_WORKSPACES_DIR=str(tmp_path / "workspaces"),
        IPYTHONDIR=str(tmp_path / "ipython"),
    )
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "talkwidgets",
            "lab",
            "--no-browser",
            f"--ServerApp.port={port}",
            "--ServerApp.port_retries=0",
            f"--ServerApp.token={token}",
            "--ServerApp.ip=127.0.0.1",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{url}/api/status", params={"token": token}, timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if proc.poll() is not None:
                output = proc.stdout.read().decode(errors="replace") if proc.stdout else ""
                pytest.fail(f"talkwidgets lab exited with {proc.returncode}:\n{output[-2000:]}")
            assert time.monotonic() < deadline, "JupyterLab did not start within 60 s"
            time.sleep(0.2)
        # the server root is the folder it runs in (the repository), so the notebook's links to docs/ work
        notebook = httpx.get(
            f"{url}/api/contents/examples/notebooks/01_quickstart.ipynb",
            params={"token": token, "content": 0},
            timeout=10,
        )
        assert notebook.status_code == 200 and notebook.json()["type"] == "notebook"
        assert httpx.get(f"{url}/lab", params={"token": token}, timeout=10).status_code == 200
    finally:
        stop_process(proc, grace=20)


def test_lab_explains_a_missing_notebook() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "talkwidgets", "lab", "no/such.ipynb"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2 and "no such notebook" in result.stderr
