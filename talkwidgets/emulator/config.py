"""Settings of one emulator instance; every limit TalkJS leaves unstated is configurable here."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(slots=True)
class EmulatorConfig:
    """What an emulator instance stores where, and the limits it enforces."""

    db_path: str = ":memory:"
    """SQLite file, or ``":memory:"`` for a throwaway database."""
    files_dir: str | None = None
    """Where uploaded bytes live; defaults to ``<db>.files`` or a temporary folder."""
    max_upload_bytes: int = 25 * 1024 * 1024
    """Uploads above this answer 413 and store nothing."""
    max_text_length: int = 10_000
    max_messages_per_post: int = 10
    max_batch_users: int = 100
    max_participants: int = 300
    event_retention: int = 10_000
    """Events kept per app for live-feed resume; an older ``since`` gets a ``resync``."""
    webhook_timeout: float = 5.0
    webhook_retry_delay: float = 1.0
    typing_seconds: float = 10.0
    """How long one ``POST …/typing/{userId}`` shows the user typing (TalkJS: 10 s)."""
    client_sync: bool = True
    """Whether user tokens may create users and conversations (TalkJS's client-side syncing)."""
    default_app_ids: list[str] = field(default_factory=list)
    public_url: str | None = None
    """Base URL of this server as clients reach it (``http://host:port``), used in the URLs of
    uploaded files. Default: the address the server binds. Never taken from a request's ``Host``."""
    header_timeout: float = 10.0
    """Seconds a client has to send a complete request head before the connection is closed."""
