"""Hatch build hook: bundle the TypeScript front ends in ``js/`` into ``talkwidgets/static/``.

Runs for every build target (wheel, editable wheel, sdist), so ``pip install .``,
``pip install -e .`` and ``python -m build`` need no manual npm step:

* ``npm ci`` when ``js/node_modules`` is missing or older than ``js/package-lock.json``;
* ``npm run build`` (esbuild; writes ``talkwidgets/static/<widget>.js|css`` for each
  name in ``js/widgets.json``).

Without npm the hook falls back to already built files (for example from an sdist,
which ships them) and fails with a clear message when there are none.
Set ``TALKWIDGETS_SKIP_JS_BUILD=1`` to skip npm entirely (the built files must exist).

``talkwidgets/static/`` is ignored by git, so pyproject.toml lists it as build
``artifacts`` for the wheel and the sdist.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

from hatchling.builders.hooks.plugin.interface import BuildHookInterface


class FrontendBuildHook(BuildHookInterface):  # type: ignore[type-arg]
    PLUGIN_NAME = "custom"

    def initialize(self, version: str, build_data: dict[str, Any]) -> None:
        root = Path(self.root)
        js = root / "js"
        static = root / "talkwidgets" / "static"
        expected = _expected_outputs(js, static)

        if os.environ.get("TALKWIDGETS_SKIP_JS_BUILD", "").strip() not in ("", "0"):
            self._say("TALKWIDGETS_SKIP_JS_BUILD is set: not running npm")
            self._require(expected, "TALKWIDGETS_SKIP_JS_BUILD is set but")
            return

        npm = shutil.which("npm")
        if not (js / "package.json").is_file():
            # e.g. a wheel built from an unusual tree: only prebuilt files can help.
            self._require(expected, "js/package.json is missing and")
            return
        if npm is None:
            missing = [p for p in expected if not p.is_file()]
            if not missing:
                self._say("npm not found: using the prebuilt files in talkwidgets/static/")
                return
            raise RuntimeError(
                "talkwidgets: cannot build the front end: `npm` (Node.js >= 20) is not on PATH "
                "and these bundled files are missing:\n  "
                + "\n  ".join(str(p.relative_to(root)) for p in missing)
                + "\nInstall Node.js and npm, or install talkwidgets from a wheel or an sdist "
                "(they ship the built files)."
            )

        if _needs_npm_ci(js):
            self._run([npm, "ci", "--no-audit", "--no-fund", "--loglevel=error"], js)
        self._run([npm, "run", "build", "--silent"], js)
        self._require(expected, "`npm run build` finished but")

    # -- helpers -------------------------------------------------------------------------------

    def _say(self, text: str) -> None:
        print(f"[talkwidgets build hook] {text}", file=sys.stderr, flush=True)

    def _run(self, cmd: list[str], cwd: Path) -> None:
        self._say(f"running `{' '.join([Path(cmd[0]).name, *cmd[1:]])}` in {cwd.name}/")
        proc = subprocess.run(cmd, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        if proc.stdout.strip():
            print(proc.stdout.rstrip(), file=sys.stderr, flush=True)
        if proc.returncode != 0:
            raise RuntimeError(f"talkwidgets: `{' '.join(cmd[1:])}` failed in {cwd} (exit {proc.returncode})")

    def _require(self, expected: list[Path], context: str) -> None:
        missing = [p for p in expected if not p.is_file()]
        if missing:
            names = ", ".join(str(p.relative_to(self.root)) for p in missing)
            raise RuntimeError(f"talkwidgets: {context} the bundled front end is missing: {names}")


def _expected_outputs(js: Path, static: Path) -> list[Path]:
    """talkwidgets/static/<name>.js (and .css when js/src/<name>.css exists) per name in js/widgets.json."""
    try:
        names = json.loads((js / "widgets.json").read_text(encoding="utf-8"))
    except FileNotFoundError:
        names = [p.stem for p in static.glob("*.js")] or ["conversation_list"]
    out = []
    for name in names:
        out.append(static / f"{name}.js")
        if (js / "src" / f"{name}.css").is_file() or not (js / "src").is_dir():
            out.append(static / f"{name}.css")
    return out


def _needs_npm_ci(js: Path) -> bool:
    marker = js / "node_modules" / ".package-lock.json"  # written by npm on every install
    lock = js / "package-lock.json"
    if not marker.is_file():
        return True
    return lock.is_file() and lock.stat().st_mtime > marker.stat().st_mtime
