"""Jupyter widgets (anywidget) over the public session API."""

from .conversation_list import ConversationList

__all__ = ["ConversationList"]
