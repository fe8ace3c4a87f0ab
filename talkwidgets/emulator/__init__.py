"""A local server speaking TalkJS's documented REST API, plus a documented live feed.

Use :func:`shared_server` for the process-wide embedded instance, :class:`EmbeddedServer` for one of
your own, or ``talkwidgets serve`` to share one between kernels.
"""

from .app import create_app
from .config import EmulatorConfig
from .instance import Emulator
from .seed import load_seed
from .server import EmbeddedServer, serve, shared_server

__all__ = ["EmbeddedServer", "Emulator", "EmulatorConfig", "create_app", "load_seed", "serve", "shared_server"]
