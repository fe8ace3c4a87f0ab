"""Descriptions of the emulator's own routes (outside ``/v1/{appId}``)."""

from __future__ import annotations

from .operation import Operation, Operations
from .schemas import ref

EMULATOR = "emulator"

OPERATIONS: Operations = {
    ("GET", "/_emulator/health"): Operation("Is the server up", EMULATOR, ref("Health"), authenticated=False),
    ("POST", "/_emulator/apps/{app_id}/reset"): Operation(
        "Empty an app", EMULATOR, description="Deletes its users, conversations, messages, files and events."
    ),
    ("GET", "/openapi.json"): Operation("This document", EMULATOR, {"type": "object"}, authenticated=False),
}
