"""talkwidgets: a Python mirror of TalkJS's TalkSession, Jupyter widgets and a local emulator.

Every public name loads on first use (PEP 562), so ``talkwidgets serve`` and the emulator load no
client code, and the session needs no front end. Type checkers and IDEs read the imports in the
``TYPE_CHECKING`` block below; ``_EXPORTS`` says where each name lives at run time (a test keeps
the two and ``__all__`` in agreement).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from .__about__ import __version__

if TYPE_CHECKING:
    from .model.content import (
        AudioBlock,
        GenericFileBlock,
        ImageBlock,
        LocationBlock,
        SendFileBlock,
        TextBlock,
        VideoBlock,
        VoiceBlock,
    )
    from .model.errors import (
        AuthenticationError,
        InvalidArgumentError,
        NotFoundError,
        PayloadTooLargeError,
        PermissionDeniedError,
        RateLimitError,
        SubscriptionTerminatedError,
        TalkConnectionError,
        TalkError,
        TalkRequestError,
        TalkSessionError,
    )
    from .model.files import (
        AudioFileMetadata,
        FileToken,
        GenericFileMetadata,
        ImageFileMetadata,
        VideoFileMetadata,
        VoiceRecordingFileMetadata,
    )
    from .model.markup import parse_markup, plaintext_of_nodes
    from .model.snapshots import ConversationSnapshot, MessageSnapshot, ParticipantSnapshot, UserSnapshot
    from .model.states import ActiveState, ErrorState, PendingState, UnsubscribedState
    from .session import (
        ConversationListSubscription,
        ConversationRef,
        ErrorSubscription,
        MessageRef,
        ParticipantRef,
        TalkSession,
        UploadLimit,
        UploadStream,
        UserRef,
        get_talk_session,
    )
    from .widgets import ConversationList, FileDrop, UploadResult

_EXPORTS: dict[str, tuple[str, ...]] = {
    ".model.content": (
        "AudioBlock",
        "GenericFileBlock",
        "ImageBlock",
        "LocationBlock",
        "SendFileBlock",
        "TextBlock",
        "VideoBlock",
        "VoiceBlock",
    ),
    ".model.errors": (
        "AuthenticationError",
        "InvalidArgumentError",
        "NotFoundError",
        "PayloadTooLargeError",
        "PermissionDeniedError",
        "RateLimitError",
        "SubscriptionTerminatedError",
        "TalkConnectionError",
        "TalkError",
        "TalkRequestError",
        "TalkSessionError",
    ),
    ".model.files": (
        "AudioFileMetadata",
        "FileToken",
        "GenericFileMetadata",
        "ImageFileMetadata",
        "VideoFileMetadata",
        "VoiceRecordingFileMetadata",
    ),
    ".model.markup": ("parse_markup", "plaintext_of_nodes"),
    ".model.snapshots": ("ConversationSnapshot", "MessageSnapshot", "ParticipantSnapshot", "UserSnapshot"),
    ".model.states": ("ActiveState", "ErrorState", "PendingState", "UnsubscribedState"),
    ".session": (
        "ConversationListSubscription",
        "ConversationRef",
        "ErrorSubscription",
        "MessageRef",
        "ParticipantRef",
        "TalkSession",
        "UploadLimit",
        "UploadStream",
        "UserRef",
        "get_talk_session",
    ),
    ".widgets": ("ConversationList", "FileDrop", "UploadResult"),
}
"""Where each public name lives: its module, relative to this package."""

_HOME = {name: module for module, names in _EXPORTS.items() for name in names}


def __getattr__(name: str) -> Any:
    """Import a public name's module on first use and keep the name here for later lookups."""
    module = _HOME.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module, __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))


__all__ = [
    "ActiveState",
    "AudioBlock",
    "AudioFileMetadata",
    "AuthenticationError",
    "ConversationList",
    "ConversationListSubscription",
    "ConversationRef",
    "ConversationSnapshot",
    "ErrorState",
    "ErrorSubscription",
    "FileDrop",
    "FileToken",
    "GenericFileBlock",
    "GenericFileMetadata",
    "ImageBlock",
    "ImageFileMetadata",
    "InvalidArgumentError",
    "LocationBlock",
    "MessageRef",
    "MessageSnapshot",
    "NotFoundError",
    "ParticipantRef",
    "ParticipantSnapshot",
    "PayloadTooLargeError",
    "PendingState",
    "PermissionDeniedError",
    "RateLimitError",
    "SendFileBlock",
    "SubscriptionTerminatedError",
    "TalkConnectionError",
    "TalkError",
    "TalkRequestError",
    "TalkSession",
    "TalkSessionError",
    "TextBlock",
    "UnsubscribedState",
    "UploadLimit",
    "UploadResult",
    "UploadStream",
    "UserRef",
    "UserSnapshot",
    "VideoBlock",
    "VideoFileMetadata",
    "VoiceBlock",
    "VoiceRecordingFileMetadata",
    "__version__",
    "get_talk_session",
    "parse_markup",
    "plaintext_of_nodes",
]
