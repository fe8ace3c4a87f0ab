"""The Python mirror of TalkJS's ``TalkSession`` Data API."""

from ._conversation_list import ConversationListSubscription
from ._limits import UploadLimit
from ._refs import ConversationRef, MessageRef, ParticipantRef, UserRef
from ._registry import get_talk_session
from ._session import ErrorSubscription, TalkSession
from ._uploads import UploadStream

__all__ = [
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
]
