"""talkwidgets: a Python mirror of TalkJS's TalkSession, Jupyter widgets and a local emulator."""

from __future__ import annotations

__version__ = "0.1.0"

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
from .model.snapshots import (
    ConversationSnapshot,
    FewTypingSnapshot,
    ManyTypingSnapshot,
    MessageSnapshot,
    ParticipantSnapshot,
    ReactionsSummarySnapshot,
    ReferencedMessageSnapshot,
    SearchMessageSnapshot,
    SingleReactionSnapshot,
    TypingSnapshot,
    UserOnlineSnapshot,
    UserSnapshot,
)
from .model.states import (
    ActiveState,
    ConversationSearchState,
    ErrorState,
    MessageSearchState,
    PendingState,
    SearchStatus,
    UnsubscribedState,
)
from .session import (
    ConversationFilter,
    ConversationListSubscription,
    ConversationRef,
    ConversationSearch,
    ConversationSubscription,
    ErrorSubscription,
    MessageRef,
    MessageSearch,
    MessageSubscription,
    ParticipantRef,
    ParticipantSubscription,
    ReactionsRef,
    ReactionsSubscription,
    SimpleConversationFilter,
    SingleParticipantSubscription,
    TalkSession,
    TypingSubscription,
    UserOnlineSubscription,
    UserRef,
    UserSubscription,
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
    "AudioFileMetadata",
    "AuthenticationError",
    "ConversationFilter",
    "ConversationList",
    "ConversationListSubscription",
    "ConversationRef",
    "ConversationSearch",
    "ConversationSearchState",
    "ConversationSnapshot",
    "ConversationSubscription",
    "ErrorState",
    "ErrorSubscription",
    "FewTypingSnapshot",
    "FileDrop",
    "FileToken",
    "GenericFileBlock",
    "GenericFileMetadata",
    "get_talk_session",
    "ImageBlock",
    "ImageFileMetadata",
    "InvalidArgumentError",
    "LocationBlock",
    "ManyTypingSnapshot",
    "MessageRef",
    "MessageSearch",
    "MessageSearchState",
    "MessageSnapshot",
    "MessageSubscription",
    "NotFoundError",
    "ParticipantRef",
    "ParticipantSnapshot",
    "ParticipantSubscription",
    "PayloadTooLargeError",
    "PendingState",
    "PermissionDeniedError",
    "RateLimitError",
    "ReactionsRef",
    "ReactionsSubscription",
    "ReactionsSummarySnapshot",
    "ReferencedMessageSnapshot",
    "SearchMessageSnapshot",
    "SearchStatus",
    "SendFileBlock",
    "SimpleConversationFilter",
    "SingleParticipantSubscription",
    "SingleReactionSnapshot",
    "SubscriptionTerminatedError",
    "TalkConnectionError",
    "TalkError",
    "TalkRequestError",
    "TalkSession",
    "TalkSessionError",
    "TextBlock",
    "TypingSnapshot",
    "TypingSubscription",
    "UnsubscribedState",
    "UploadResult",
    "UserOnlineSnapshot",
    "UserOnlineSubscription",
    "UserRef",
    "UserSnapshot",
    "UserSubscription",
    "VideoBlock",
    "VideoFileMetadata",
    "VoiceBlock",
    "VoiceRecordingFileMetadata",
    "__version__",
]
