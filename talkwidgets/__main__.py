"""Command line: ``talkwidgets serve`` runs the emulator in the foreground.

Each subcommand imports what it needs when it runs: ``serve`` loads the emulator only, never the
session or the widgets, and ``--help`` loads neither.
"""

from __future__ import annotations

import argparse
import sys

from .__about__ import __version__


def _is_loopback(host: str) -> bool:
    import ipaddress

    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False  # a host name: it may resolve to any interface


def _serve(args: argparse.Namespace) -> int:
    from .emulator import Emulator, EmulatorConfig, load_seed, serve

    if not args.host.strip():
        print("talkwidgets serve: --host is empty; give an address (127.0.0.1: this machine only)", file=sys.stderr)
        return 2
    if not _is_loopback(args.host):
        print(
            f"talkwidgets serve: warning: --host {args.host} makes the emulator reachable from other machines. "
            "Anyone who reaches it and learns the secret key or a token can read and change all its data, "
            "and uploaded files are served without credentials. It speaks plain HTTP (no TLS)."
            + ("" if args.public_url else " File URLs use the address each client connected to; set --public-url."),
            file=sys.stderr,
            flush=True,
        )
    config = EmulatorConfig(
        db_path=args.db, max_upload_bytes=int(args.max_upload_mb * 1024 * 1024), public_url=args.public_url
    )
    emulator = Emulator(config)
    existed = emulator.store.app(args.app_id) is not None
    secret = emulator.store.ensure_app(args.app_id, args.secret_key, args.webhook_url)
    if args.seed:
        try:
            counts = load_seed(emulator.store, args.app_id, args.seed)
        except ValueError as exc:
            print(f"talkwidgets serve: {exc}", file=sys.stderr)
            return 2
        print(
            f"seeded {counts['users']} users, {counts['conversations']} conversations, "
            f"{counts['messages']} messages from {args.seed}"
        )
    host = f"[{args.host}]" if ":" in args.host else args.host
    print(f"talkwidgets emulator {__version__}")
    print(f"  base URL:   http://{host}:{args.port}")
    print(f"  app id:     {args.app_id}")
    origin = "" if args.secret_key else ("  (from the database)" if existed else "  (generated)")
    print(f"  secret key: {secret}{origin}")
    print(f"  database:   {args.db}")
    if args.webhook_url:
        print(f"  webhooks:   {args.webhook_url}")
    print("Press Ctrl-C to stop.", flush=True)
    serve(emulator, args.host, args.port, log_level=args.log_level)
    return 0


QUICKSTART = "examples/notebooks/01_quickstart.ipynb"


def _lab(args: argparse.Namespace, extra: list[str]) -> int:
    import importlib.util
    from pathlib import Path

    from ._lab import run_lab

    if importlib.util.find_spec("jupyterlab") is None or importlib.util.find_spec("psutil") is None:
        print("talkwidgets lab: JupyterLab is not installed; pip install 'talkwidgets[lab]'", file=sys.stderr)
        return 2
    notebook = Path(args.notebook)
    if not notebook.is_file():
        print(f"talkwidgets lab: no such notebook: {args.notebook}", file=sys.stderr)
        return 2
    return run_lab(notebook, extra)


LAB_HELP = """\
Starts JupyterLab on localhost with NOTEBOOK open (default: the quick start, run from the
repository). The server root is the current folder, so the notebook's links to docs/ work, and the
URL JupyterLab prints opens the notebook. Ctrl-C (or SIGTERM) stops JupyterLab and its kernels.

Every other option goes to JupyterLab unchanged, e.g.:
  talkwidgets lab --no-browser --port=8890
  talkwidgets lab examples/notebooks/02_uploads.ipynb --ServerApp.token=secret
(see `jupyter lab --help-all`)."""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="talkwidgets", description=__doc__)
    parser.add_argument("--version", action="version", version=__version__)
    sub = parser.add_subparsers(dest="command", required=True)
    s = sub.add_parser("serve", help="run the TalkJS-compatible emulator")
    s.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1: this machine only)")
    s.add_argument("--port", type=int, default=8765)
    s.add_argument("--db", default=":memory:", help="SQLite file to keep data in (default: in memory)")
    s.add_argument("--app-id", default="demo")
    s.add_argument("--secret-key", default=None, help="default: a new random sk_test_ key, printed")
    s.add_argument("--webhook-url", default=None, help="POST signed webhooks to this URL")
    s.add_argument("--seed", default=None, help="JSON file of users/conversations/messages to load")
    s.add_argument("--max-upload-mb", type=float, default=25.0)
    s.add_argument("--log-level", default="warning", choices=["debug", "info", "warning", "error"])
    s.add_argument(
        "--public-url",
        default=None,
        help="base URL clients use to reach this server, for the URLs of uploaded files (default: http://HOST:PORT)",
    )
    s.set_defaults(func=_serve)
    lab = sub.add_parser(
        "lab",
        help="open JupyterLab on a notebook (default: the quick start); other options go to JupyterLab",
        description=LAB_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
        usage="talkwidgets lab [-h] [NOTEBOOK] [JupyterLab options...]",
    )
    lab.add_argument("notebook", nargs="?", default=QUICKSTART, metavar="NOTEBOOK", help=f"default: {QUICKSTART}")
    lab.set_defaults(func=_lab)
    return parser


def main(argv: list[str] | None = None) -> int:
    args, extra = build_parser().parse_known_args(argv)
    if extra and args.command != "lab":
        build_parser().error(f"unrecognized arguments: {' '.join(extra)}")
    try:
        return int(args.func(args, extra) if args.command == "lab" else args.func(args))
    except KeyboardInterrupt:
        return 0


if __name__ == "__main__":
    sys.exit(main())
