"""Drive a widget the way a browser does: through its comm, so ipywidgets' own dispatch runs."""

from __future__ import annotations

from typing import Any


def from_browser(widget: Any, content: dict[str, Any], buffers: list[bytes] | None = None) -> None:
    """Deliver a custom message (``model.send`` in the front end) through the widget's comm."""
    msg = {
        "content": {"data": {"method": "custom", "content": content}},
        "buffers": [memoryview(b) for b in buffers or []],
    }
    widget.comm.handle_msg(msg)


def browser_update(widget: Any, state: dict[str, Any]) -> None:
    """Deliver a state update (``model.set`` + ``save_changes`` in the front end)."""
    widget.comm.handle_msg(
        {"content": {"data": {"method": "update", "state": state, "buffer_paths": []}}, "buffers": []}
    )


def open_widgets() -> set[str]:
    """The model ids of the widgets open in this process, to prove a refused constructor left none.

    ipywidgets' registry has no public accessor (``Widget.widgets`` is deprecated), hence
    ``_instances``. ``Layout`` models are left out: ipywidgets never closes a widget's layout with
    it, so every widget ever made leaves one behind.
    """
    from ipywidgets import Layout
    from ipywidgets.widgets import widget

    return {key for key, w in widget._instances.items() if not isinstance(w, Layout)}
