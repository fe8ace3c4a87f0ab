"""talkwidgets: a Python mirror of TalkJS's TalkSession, Jupyter widgets and a local emulator."""

from __future__ import annotations

from ._version import __version__
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
from .model.snapshots import ConversationSnapshot, MessageSnapshot, ParticipantSnapshot, UserSnapshot
from .model.states import ActiveState, ErrorState, PendingState, UnsubscribedState
from .session import (
    ConversationListSubscription,
    ConversationRef,
    ErrorSubscription,
    MessageRef,
    ParticipantRef,
    TalkSession,
    UserRef,
    get_talk_session,
)

_WIDGETS = ("ConversationList", "FileDrop", "UploadResult")


def __getattr__(name: str) -> object:
    """Widgets load on first use: the emulator, the CLI and the session need no front end."""
    if name in _WIDGETS:
        from . import widgets

        return getattr(widgets, name)
    raise AttributeError(f"module 'talkwidgets' has no attribute {name!r}")


__all__ = [
    "ActiveState",
    "AudioBlock",
    "ConversationList",
    "FileDrop",
    "UploadResult",
    "AudioFileMetadata",
    "AuthenticationError",
    "ConversationListSubscription",
    "ConversationRef",
    "ConversationSnapshot",
    "ErrorState",
    "ErrorSubscription",
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
    "UserRef",
    "UserSnapshot",
    "VideoBlock",
    "VideoFileMetadata",
    "VoiceBlock",
    "VoiceRecordingFileMetadata",
    "__version__",
    "get_talk_session",
]
