"""Jupyter widgets (anywidget) over the public session API."""

from .conversation_list import ConversationList
from .file_drop import FileDrop, UploadResult

__all__ = ["ConversationList", "FileDrop", "UploadResult"]
