"""Every example notebook executes headless, top to bottom, in a fresh kernel.

New notebooks in ``examples/notebooks/`` are picked up automatically. A failure names the notebook,
the failing cell and its error. The ``python3`` kernel runs this interpreter (jupyter_client starts
the kernel spec's ``python`` as ``sys.executable``), so notebooks see the same installed
``talkwidgets`` as the tests.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import nbclient
import nbformat
import pytest

NOTEBOOKS_DIR = Path(__file__).resolve().parent.parent / "examples" / "notebooks"
NOTEBOOKS = sorted(NOTEBOOKS_DIR.glob("*.ipynb"))
CELL_TIMEOUT = 120
_ANSI = re.compile(r"\x1b\[[0-9;]*m")


def _failing_cell(nb: Any) -> str:
    for index, cell in enumerate(nb.cells):
        if any(out.get("output_type") == "error" for out in cell.get("outputs", [])):
            source = cell.get("source", "").strip().splitlines()
            return f"cell {index} ({source[0][:60] if source else 'empty'!r})"
    return "a cell"


def test_notebooks_exist() -> None:
    assert NOTEBOOKS, f"no notebooks in {NOTEBOOKS_DIR}"


@pytest.mark.slow
@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_notebook_runs(path: Path, tmp_path: Path) -> None:
    nb = nbformat.read(path, as_version=4)
    client = nbclient.NotebookClient(
        nb,
        timeout=CELL_TIMEOUT,
        kernel_name="python3",
        allow_errors=False,
        resources={"metadata": {"path": str(tmp_path)}},  # the kernel's working directory
    )
    try:
        client.execute()
    except nbclient.exceptions.CellTimeoutError as exc:
        pytest.fail(f"{path.name}: a cell ran longer than {CELL_TIMEOUT} s\n{exc}", pytrace=False)
    except nbclient.exceptions.CellExecutionError as exc:
        pytest.fail(f"{path.name}: {_failing_cell(nb)} failed\n{_ANSI.sub('', str(exc))}", pytrace=False)
