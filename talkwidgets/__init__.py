"""talkwidgets: a Python mirror of TalkJS's TalkSession, Jupyter widgets and a local emulator."""

from __future__ import annotations

__version__ = "0.1.0"

__all__ = ["__version__"]
