"""The Python mirror of TalkJS's ``TalkSession`` Data API."""

from ._conversation import ConversationSubscription
from ._conversation_list import ConversationListSubscription
from ._filters import ConversationFilter, CustomFilter, NumberFilter, SimpleConversationFilter, StringFilter
from ._limits import UploadLimit
from ._message_ref import MessageRef, ReactionsRef
from ._messages import MessageSubscription
from ._participants import ParticipantSubscription, SingleParticipantSubscription
from ._reactions import ReactionsSubscription
from ._refs import ConversationRef, ParticipantRef, UserRef
from ._registry import get_talk_session
from ._search import ConversationSearch, MessageSearch
from ._session import ErrorSubscription, TalkSession
from ._typing import TypingSubscription
from ._uploads import UploadStream
from ._users import UserOnlineSubscription, UserSubscription

__all__ = [
    "ConversationFilter",
    "ConversationListSubscription",
    "ConversationRef",
    "ConversationSearch",
    "ConversationSubscription",
    "CustomFilter",
    "ErrorSubscription",
    "MessageRef",
    "MessageSearch",
    "MessageSubscription",
    "NumberFilter",
    "ParticipantRef",
    "ParticipantSubscription",
    "ReactionsRef",
    "ReactionsSubscription",
    "SimpleConversationFilter",
    "SingleParticipantSubscription",
    "StringFilter",
    "TalkSession",
    "TypingSubscription",
    "UploadLimit",
    "UploadStream",
    "UserOnlineSubscription",
    "UserRef",
    "UserSubscription",
    "get_talk_session",
]
