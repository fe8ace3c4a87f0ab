"""Jupyter widgets (anywidget) over the public session API."""

from .chatbox import Chatbox, SentMessage
from .conversation_list import ConversationList
from .file_drop import FileDrop, UploadResult
from .inbox import Inbox

__all__ = ["Chatbox", "ConversationList", "FileDrop", "Inbox", "SentMessage", "UploadResult"]
