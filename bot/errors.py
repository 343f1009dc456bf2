"""Typed errors of the core.

Every error a user can cause or fix is a ``HandoffError`` with a message that
can be shown to that user as-is. Front ends map these in one place; anything
else is unexpected and gets an error id (see ``new_error_id``).
"""

from __future__ import annotations

import logging
import uuid

UNEXPECTED = "Something went wrong on Handoff's side (error id {error_id}). Quote it to your admin."


class HandoffError(Exception):
    """An error with a user-facing message."""

    exit_code = 2

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class BadInput(HandoffError):
    """The input is malformed: names what is wrong and where."""


class NotFound(HandoffError):
    """The thing asked for does not exist (or is not visible to the asker)."""


class Refused(HandoffError):
    """Policy refuses the request. The message must not reveal what was refused."""


class Conflict(HandoffError):
    """The request clashes with what is stored for someone else (HTTP 409), e.g. an alert id
    already stored under another client. A repeat of what is already stored is not a conflict."""


class ConfigError(HandoffError):
    """A setting is missing or invalid."""


class DatabaseUnavailable(HandoffError):
    """The database cannot be opened: refused, missing, unreachable or too slow to answer."""


class DeliveryFailed(HandoffError):
    """The chat platform would not take a post (Handoff is not in the channel, it is archived, ...).

    Front ends raise it for the platform errors they recognise, with words for the
    user; anything else the platform raises stays unexpected.
    """


class TenantMismatch(Exception):
    """Data of one tenant reached a place meant for another.

    Deliberately *not* a HandoffError: it is a bug, never a user's mistake, and
    must surface as an unexpected error with an id rather than a polite message.
    """


def new_error_id() -> str:
    """A short id to quote in a message and find in the log."""
    return uuid.uuid4().hex[:10]


def user_text(exc: BaseException, *, request: str = "", logger: logging.Logger | None = None) -> tuple[str, str | None]:
    """The one mapping from an error to what a user reads: ``(text, error_id)``.

    A ``HandoffError`` is the user's own message and has no id (logged at INFO).
    Anything else is unexpected: it gets a new error id, logged with the traceback,
    and the text names only the id (never the exception, which may quote data).
    Slack, Teams and the CLI all word errors through here, so the same refusal
    reads the same on every front end.
    """
    log = logger or logging.getLogger("handoff")
    if isinstance(exc, HandoffError):
        log.info("%s: %s", request or "request", exc.message)
        return exc.message, None
    error_id = new_error_id()
    log.error("unexpected error %s in %s", error_id, request or "request", exc_info=exc)
    return UNEXPECTED.format(error_id=error_id), error_id
