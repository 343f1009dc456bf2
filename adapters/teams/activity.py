"""What a Teams activity means for Handoff: where it comes from, what was asked, where to post later.

Pure functions over Bot Framework ``Activity`` objects. The Teams quirks live here:

- A channel message's ``conversation.id`` is the *thread*
  (``19:abc@thread.tacv2;messageid=1700000000000``); the channel itself is
  ``channelData.channel.id`` (older payloads: ``channelData.teamsChannelId``).
  tenants.yaml maps channel ids, so the channel id is the key everywhere.
- A personal chat is ``conversation.conversationType == "personal"``; its
  ``conversation.id`` (``a:...``) is unique per user, so it is the chat's key.
- Messages in a channel reach the bot only when it is @mentioned, and the text
  then contains the mention markup (``<at>Handoff</at> packet 4412``), which
  must go before the command is parsed.
- The conversation's Microsoft 365 tenant is ``conversation.tenantId``
  (``channelData.tenant.id`` in older payloads). Bot Framework quirk: the
  Python SDK maps ``ConversationAccount.tenant_id`` to the JSON key
  ``tenantID``, so the ``tenantId`` Teams sends lands in
  ``additional_properties`` and ``tenant_id`` stays None; read both. A conversation of another
  tenant (a multi-tenant app installed elsewhere, a shared channel hosted by
  another organisation) is ``foreign_org``: it never gets client data.
- ``channelData.channel.type == "shared"`` marks a shared channel (Teams
  Connect), whose members may belong to other organisations: treated as
  externally shared, whoever hosts it.
"""

from __future__ import annotations

import html
import re
from typing import Any

from botbuilder.core import TurnContext
from botbuilder.schema import Activity, ConversationAccount, ConversationReference

from bot.tenancy.policy import Where

TEAMS = "msteams"
_THREAD = re.compile(r";messageid=(\d+)", re.IGNORECASE)
_LEADING_AT = re.compile(r"^\s*(<at\b[^>]*>.*?</at>\s*)+", re.IGNORECASE | re.DOTALL)


def channel_data(activity: Activity) -> dict[str, Any]:
    data = activity.channel_data
    if isinstance(data, dict):
        return data
    if data is not None and hasattr(data, "serialize"):
        return data.serialize()
    return {}


def is_personal(activity: Activity) -> bool:
    return bool(activity.conversation) and activity.conversation.conversation_type == "personal"


def channel_key(activity: Activity) -> str:
    """The id tenants.yaml, NOC settings, stored references and posted messages use for this place."""
    conversation_id = (activity.conversation.id if activity.conversation else "") or ""
    if activity.conversation and activity.conversation.conversation_type == "channel":
        data = channel_data(activity)
        channel_id = (data.get("channel") or {}).get("id") or data.get("teamsChannelId")
        if channel_id:
            return str(channel_id)
    return conversation_id.split(";", 1)[0]


def thread_id(activity: Activity) -> str | None:
    """The root message of the channel thread this activity is in, if any."""
    match = _THREAD.search((activity.conversation.id if activity.conversation else "") or "")
    return match.group(1) if match else None


def _conversation_tenant(conversation: ConversationAccount | None) -> str | None:
    if conversation is None:
        return None
    extra = getattr(conversation, "additional_properties", None) or {}
    return conversation.tenant_id or extra.get("tenantId")


def conversation_tenants(activity: Activity) -> set[str]:
    """Every tenant id the activity names for its conversation (normally one)."""
    found = {_conversation_tenant(activity.conversation), (channel_data(activity).get("tenant") or {}).get("id")}
    return {str(t).lower() for t in found if t}


def is_foreign(tenants: set[str], *, channel: str | None, msp_tenant: str) -> bool:
    """True when the conversation belongs to another Microsoft 365 tenant than the MSP's.

    Without a configured MSP tenant (local development, see main.py) nothing can be compared.
    Teams always names the tenant, so a Teams conversation that names none fails closed.
    """
    if not msp_tenant:
        return False
    if not tenants:
        return channel == TEAMS
    return tenants != {msp_tenant.lower()}


def is_shared_channel(activity: Activity) -> bool:
    return (channel_data(activity).get("channel") or {}).get("type") == "shared"


def user_id(activity: Activity) -> str | None:
    account = activity.from_property
    if account is None:
        return None
    return account.aad_object_id or account.id


def where_of(activity: Activity, *, msp_tenant: str, staff: bool = True,
             member_of: frozenset[str] | None = None) -> Where:
    """The policy's view of this activity. ``staff``: the sender is a member of the MSP's tenant
    (not a guest); a personal chat counts as the MSP's own only then."""
    return Where(
        platform="teams",
        channel_id=channel_key(activity) or None,
        user_id=user_id(activity),
        is_direct=is_personal(activity) and activity.channel_id == TEAMS and staff,
        externally_shared=is_shared_channel(activity),
        foreign_org=is_foreign(conversation_tenants(activity), channel=activity.channel_id, msp_tenant=msp_tenant),
        thread_id=thread_id(activity),
        member_of=member_of,
    )


def command_text(activity: Activity) -> str:
    """The message text with the bot's @mention removed and HTML entities decoded."""
    text = activity.text or ""
    bot_id = activity.recipient.id if activity.recipient else None
    for entity in activity.entities or []:
        props = getattr(entity, "additional_properties", None) or {}
        if (entity.type or "").lower() != "mention":
            continue
        mentioned = props.get("mentioned") or {}
        if bot_id and mentioned.get("id") == bot_id and props.get("text"):
            text = text.replace(props["text"], " ")
    # A mention whose entity is missing or names the bot differently still leads the text.
    text = _LEADING_AT.sub(" ", text)
    return " ".join(html.unescape(text).replace("\u00a0", " ").split())


def reference_of(activity: Activity) -> dict[str, Any]:
    """A reference for posting into this activity's channel later: a new thread, not a reply to anyone."""
    ref = TurnContext.get_conversation_reference(activity)
    conversation = activity.conversation or ConversationAccount()
    ref.conversation = None
    ref.activity_id = None
    ref.user = None  # the post is for the channel, not for whoever spoke last
    data = ref.serialize()
    data["conversation"] = {"id": channel_key(activity), "conversationType": conversation.conversation_type,
                            "isGroup": conversation.is_group}
    tenant = _conversation_tenant(conversation) or (channel_data(activity).get("tenant") or {}).get("id")
    if tenant:
        data["conversation"]["tenantId"] = tenant  # Teams' spelling (see the module doc)
    return data


def reference_from(data: dict[str, Any]) -> ConversationReference:
    return ConversationReference.deserialize(data)


def reference_tenants(data: dict[str, Any]) -> set[str]:
    conversation = data.get("conversation") or {}
    return {str(t).lower() for t in (conversation.get("tenantId"), conversation.get("tenantID")) if t}


def shape_problem(body: Any) -> str | None:
    """What makes a posted activity unusable, before the Bot Framework adapter reads it; None when usable.

    The Bot Framework schema (https://learn.microsoft.com/azure/bot-service/rest-api/bot-framework-rest-connector-api-reference#activity-object)
    makes ``conversation``, ``from`` and ``recipient`` objects (ConversationAccount, ChannelAccount)
    with a string ``id``; the adapter dereferences them unchecked and would answer 500.
    """
    if not isinstance(body, dict):
        return "body is not an activity (a JSON object)"
    if not isinstance(body.get("type"), str) or not body["type"]:
        return "type: expected a string like \"message\""
    for name in ("conversation", "from", "recipient"):
        value = body.get(name)
        if not isinstance(value, dict) or not isinstance(value.get("id"), str):
            return f"{name}: expected an object with a string id"
    for name in ("serviceUrl", "channelId", "id", "text", "name", "replyToId", "locale", "textFormat"):
        if body.get(name) is not None and not isinstance(body[name], str):
            return f"{name}: expected a string"
    if body.get("channelData") is not None and not isinstance(body["channelData"], dict):
        return "channelData: expected an object"
    for name in ("entities", "attachments", "membersAdded", "membersRemoved"):
        value = body.get(name)
        if value is not None and not (isinstance(value, list) and all(isinstance(v, dict) for v in value)):
            return f"{name}: expected a list of objects"
    return None
