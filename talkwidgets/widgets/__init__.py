"""Jupyter widgets (anywidget) over the public session API."""

from ._composer_rules import SentMessage
from .chatbox import Chatbox
from .conversation_list import ConversationList
from .file_drop import FileDrop, UploadResult
from .inbox import Inbox

__all__ = ["Chatbox", "ConversationList", "FileDrop", "Inbox", "SentMessage", "UploadResult"]
