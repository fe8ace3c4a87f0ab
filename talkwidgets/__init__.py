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
        TranslationResult,
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
        WindowChange,
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
        UploadLimit,
        UploadStream,
        UserOnlineSubscription,
        UserRef,
        UserSubscription,
        get_talk_session,
    )
    from .widgets import Chatbox, ConversationList, FileDrop, Inbox, SentMessage, UploadResult

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
    ".model.snapshots": (
        "ConversationSnapshot",
        "FewTypingSnapshot",
        "ManyTypingSnapshot",
        "MessageSnapshot",
        "ParticipantSnapshot",
        "ReactionsSummarySnapshot",
        "ReferencedMessageSnapshot",
        "SearchMessageSnapshot",
        "SingleReactionSnapshot",
        "TranslationResult",
        "TypingSnapshot",
        "UserOnlineSnapshot",
        "UserSnapshot",
    ),
    ".model.states": (
        "ActiveState",
        "ConversationSearchState",
        "ErrorState",
        "MessageSearchState",
        "PendingState",
        "SearchStatus",
        "UnsubscribedState",
        "WindowChange",
    ),
    ".session": (
        "ConversationFilter",
        "ConversationListSubscription",
        "ConversationRef",
        "ConversationSearch",
        "ConversationSubscription",
        "ErrorSubscription",
        "MessageRef",
        "MessageSearch",
        "MessageSubscription",
        "ParticipantRef",
        "ParticipantSubscription",
        "ReactionsRef",
        "ReactionsSubscription",
        "SimpleConversationFilter",
        "SingleParticipantSubscription",
        "TalkSession",
        "TypingSubscription",
        "UploadLimit",
        "UserOnlineSubscription",
        "UploadStream",
        "UserRef",
        "UserSubscription",
        "get_talk_session",
    ),
    ".widgets": ("Chatbox", "ConversationList", "FileDrop", "Inbox", "SentMessage", "UploadResult"),
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
    "Chatbox",
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
    "ImageBlock",
    "ImageFileMetadata",
    "Inbox",
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
    "SentMessage",
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
    "TranslationResult",
    "TypingSnapshot",
    "TypingSubscription",
    "UnsubscribedState",
    "UploadLimit",
    "UploadResult",
    "UserOnlineSnapshot",
    "UserOnlineSubscription",
    "UploadStream",
    "UserRef",
    "UserSnapshot",
    "UserSubscription",
    "VideoBlock",
    "VideoFileMetadata",
    "VoiceBlock",
    "VoiceRecordingFileMetadata",
    "WindowChange",
    "__version__",
    "get_talk_session",
    "parse_markup",
    "plaintext_of_nodes",
]
