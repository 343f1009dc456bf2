"""Reading Slack payloads: message text, timestamps, reaction names, the message a button is on. Pure.

Slack quirks named here:

- PSA integrations often post their escalation notice as a bot message whose
  words live in ``attachments`` (``fallback``, ``pretext``, ``title``,
  ``text``) or in ``blocks``, with an empty or generic top-level ``text``; all
  of them are read.
- Links arrive as ``<https://psa/ticket/4412|Ticket #4412>``; the label is what
  a human reads, so links are reduced to their labels before the escalation
  pattern runs (and ``&amp;`` etc. are unescaped).
- A message ``ts`` is the message's id *and* its time ("1700000000.000100",
  seconds since the epoch); reaction events carry ``event_ts`` the same way.
- Slash command text arrives with ``&``, ``<`` and ``>`` escaped as in
  mrkdwn (``A&amp;B``); ``command_text`` undoes that, so ``ask`` searches for
  what the engineer typed.
- Reactions with a skin tone arrive as ``+1::skin-tone-3``; 👍 is ``+1``
  (``thumbsup`` is an alias some clients send).
"""

from __future__ import annotations

import json
import re
import urllib.parse
from datetime import UTC, datetime
from typing import Any

from bot.errors import NotFound

_LINK = re.compile(r"<([^<>|]*)\|([^<>]*)>")
_BARE_LINK = re.compile(r"<([^<>|]*)>")

ACCEPT_REACTIONS = {"+1", "thumbsup"}
CORRECT_REACTIONS = {"pencil2"}

# Message subtypes that are not someone saying something new.
IGNORED_SUBTYPES = {
    "message_changed", "message_deleted", "message_replied", "channel_join", "channel_leave", "channel_topic",
    "channel_purpose", "channel_name", "channel_archive", "channel_unarchive", "group_join", "group_leave",
    "pinned_item", "unpinned_item", "ekm_access_denied", "tombstone", "assistant_app_thread",
}


def unlink(text: str) -> str:
    text = _LINK.sub(lambda m: m.group(2), text)
    text = _BARE_LINK.sub(lambda m: m.group(1), text)
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def command_text(raw: str) -> str:
    return raw.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def _block_texts(blocks: list[dict[str, Any]] | None) -> list[str]:
    out: list[str] = []
    for block in blocks or []:
        text = block.get("text")
        if isinstance(text, dict) and isinstance(text.get("text"), str):
            out.append(text["text"])
        for field in block.get("fields") or []:
            if isinstance(field, dict) and isinstance(field.get("text"), str):
                out.append(field["text"])
        if block.get("type") == "context":
            out.extend(e["text"] for e in block.get("elements") or [] if isinstance(e, dict) and isinstance(e.get("text"), str))
    return out


def message_text(event: dict[str, Any]) -> str:
    """Every human-readable string of a message, links reduced to their labels."""
    parts = [event.get("text") or ""]
    for attachment in event.get("attachments") or []:
        parts.extend(str(attachment.get(k) or "") for k in ("pretext", "title", "text", "fallback"))
        parts.extend(f"{f.get('title', '')} {f.get('value', '')}" for f in attachment.get("fields") or [])
        parts.extend(_block_texts(attachment.get("blocks")))
    parts.extend(_block_texts(event.get("blocks")))
    return unlink("\n".join(p for p in parts if p))


def slack_time(ts: str | float | None) -> datetime | None:
    try:
        return datetime.fromtimestamp(float(ts), UTC) if ts is not None else None  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None


def reaction_name(raw: str) -> str:
    return raw.split("::", 1)[0]


def is_thread_reply(event: dict[str, Any]) -> bool:
    thread_ts = event.get("thread_ts")
    return bool(thread_ts) and thread_ts != event.get("ts")


def message_of(body: dict[str, Any]) -> tuple[str, str, str]:
    """The channel and ts of the message a button or menu sits on, and who clicked."""
    container = body.get("container") or {}
    channel = container.get("channel_id") or (body.get("channel") or {}).get("id")
    ts = container.get("message_ts") or (body.get("message") or {}).get("ts")
    user = (body.get("user") or {}).get("id")
    if not channel or not ts or not user or container.get("is_ephemeral"):
        raise NotFound("That control isn't on a Handoff packet message.")
    return str(channel), str(ts), str(user)


def request_label(body: dict[str, Any]) -> str:
    """A short name of a request for the logs: the command and its text, the action, the event."""
    if body.get("command"):
        return f"{body['command']} {command_text(str(body.get('text') or ''))[:60]!r}"
    if body.get("actions"):
        return f"action {str(body['actions'][0].get('action_id') or '')[:40]}"
    event = body.get("event") or {}
    return f"event {event.get('type')} {event.get('channel') or (event.get('item') or {}).get('channel') or ''}".strip()


_OBJECT_OR_ID = ("team", "enterprise", "channel", "container", "message", "view", "user", "item")


def shape_problem(body: Any) -> str | None:
    """What is wrong with a (signed) request body's shape, before Bolt reads it; None when it is usable.

    Bolt indexes into these fields while building its request and in its authorization middleware
    (``authorizations[0]``, ``event.get(...)``) and answers a bare 500 when they have another type.
    """
    if not isinstance(body, dict):
        return "the body is not a JSON object"
    if "type" in body and not isinstance(body["type"], str | type(None)):
        return "type: expected a string"
    for where, part in (("", body), ("event.", body.get("event"))):
        if part is None:
            continue
        if not isinstance(part, dict):
            return f"{where or 'event'}: expected an object"
        auths = part.get("authorizations")
        if auths is not None and not (isinstance(auths, list) and all(isinstance(a, dict) for a in auths)):
            return f"{where}authorizations: expected a list of objects"
        for name in _OBJECT_OR_ID:
            if name in part and not isinstance(part[name], dict | str | type(None)):
                return f"{where}{name}: expected an object or an id"
        for name in ("type", "subtype", "channel_type", "ts", "thread_ts", "event_ts", "text", "bot_id"):
            if where and name in part and not isinstance(part[name], str | type(None)):
                return f"{where}{name}: expected a string"
    actions = body.get("actions")
    if actions is not None and not (isinstance(actions, list) and all(isinstance(a, dict) for a in actions)):
        return "actions: expected a list of objects"
    return None


def request_body(raw: bytes, content_type: str) -> Any:
    """The body as Bolt will see it: JSON, or a form whose ``payload`` field is JSON (interactivity)."""
    text = raw.decode("utf-8")
    if content_type == "application/x-www-form-urlencoded":
        form = dict(urllib.parse.parse_qsl(text, keep_blank_values=True))
        return json.loads(form["payload"]) if "payload" in form else form
    return json.loads(text) if text.strip() else {}
