"""The emulator's one clock: Unix milliseconds, the unit of every TalkJS timestamp."""

from __future__ import annotations

import time


def now_ms() -> int:
    return int(time.time() * 1000)
