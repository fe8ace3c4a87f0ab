"""Descriptions of TalkJS's import and batch routes."""

from __future__ import annotations

from .operation import Operation, Operations
from .schemas import ref

OPERATIONS: Operations = {
    ("POST", "/import/conversations/{conversation_id}/messages"): Operation(
        "Import up to 10 messages with their original times",
        "import",
        ref("MessageIds"),
        "App credentials only. Origin import; no webhooks, no live events; readBy sets read state.",
        body={"type": "array", "items": ref("ImportItem"), "minItems": 1, "maxItems": 10},
    ),
    ("POST", "/batch"): Operation(
        "Run up to 10 REST calls",
        "batch",
        {"type": "array", "items": ref("BatchResult")},
        "Each operation runs as its own request with the batch's credentials, in order; one failing "
        "does not stop the others.",
        body={"type": "array", "items": ref("BatchOperation"), "minItems": 1, "maxItems": 10},
    ),
}
