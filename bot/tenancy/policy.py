"""Who may see which client where. The one place these rules live.

A request arrives from somewhere (``Where``): a client's channel sees only that
client; a NOC channel (configured per platform) sees every client; a direct
chat with the bot sees what its user's scope allows (``direct_scope``); any
other channel sees nothing. A channel shared with another organisation (Slack Connect, a Teams
channel of another Microsoft 365 tenant) never receives client data at all.

Refusals never reveal anything about what was refused: "ticket 4412 belongs
to another client" would itself leak that 4412 exists and is not yours.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session

from bot.config import Settings
from bot.db import store
from bot.db.models import Ticket
from bot.errors import ConfigError, NotFound, Refused

PLATFORMS = ("slack", "teams", "cli", "webhook")


@dataclass(frozen=True)
class Where:
    """Where a request comes from and where its answer will be shown."""

    platform: str
    channel_id: str | None = None
    user_id: str | None = None
    is_direct: bool = False  # a direct message / personal chat with the bot
    externally_shared: bool = False  # Slack Connect, or a channel shared with another org
    foreign_org: bool = False  # Teams: the conversation belongs to another Microsoft 365 tenant
    thread_id: str | None = None
    # Direct chats only: the channels the user is a member of, as the platform said (a short-lived
    # cache in the adapter); None when the platform could not be asked or did not answer.
    member_of: frozenset[str] | None = None

    def describe(self) -> str:
        return f"{self.platform}:{self.channel_id or 'direct'}"


@dataclass(frozen=True)
class Scope:
    """What a place may see: every client (``tenant_id`` and ``tenants`` None), exactly one
    (``tenant_id``), or a direct chat's set of clients (``tenants``)."""

    kind: str  # noc | review | client | direct | operator
    tenant_id: str | None = None
    tenants: frozenset[str] | None = None

    @property
    def all_clients(self) -> bool:
        return self.tenant_id is None and self.tenants is None

    def allows(self, tenant_id: str) -> bool:
        if self.tenant_id is not None:
            return self.tenant_id == tenant_id
        return self.tenants is None or tenant_id in self.tenants


NOT_HERE = "That isn't available in this channel."


def noc_channels(settings: Settings, platform: str) -> list[str]:
    if platform == "slack":
        return settings.slack_noc_channels
    if platform == "teams":
        return settings.teams_noc_channels
    return []


def review_channel(settings: Settings, platform: str) -> str | None:
    """The internal channel where shadow packets and report drafts go (None: not configured)."""
    if platform == "slack":
        return settings.review_channel
    if platform == "teams":
        return settings.teams_review_channel
    return None


def channel_conflicts(settings: Settings, *, session: Session, platform: str) -> list[str]:
    """Channels that are both a client's channel and an MSP-wide one (NOC or review), described.

    Such a channel would see every client's data in front of that client, so it
    is a configuration error, never silently one or the other.
    """
    msp_wide = {c: "HANDOFF_SLACK_NOC_CHANNELS" if platform == "slack" else "HANDOFF_TEAMS_NOC_CHANNELS"
                for c in noc_channels(settings, platform)}
    review = review_channel(settings, platform)
    if review:
        msp_wide[review] = "HANDOFF_REVIEW_CHANNEL" if platform == "slack" else "HANDOFF_TEAMS_REVIEW_CHANNEL"
    problems = []
    for tenant in store.list_tenants(session=session):
        own = tenant.slack_channels if platform == "slack" else tenant.teams_channels
        for channel in own or []:
            if channel in msp_wide:
                problems.append(f"{platform} channel {channel} is client {tenant.id}'s channel (tenants.yaml) "
                                f"and also in {msp_wide[channel]}")
    return problems


def check_channels(settings: Settings, *, session: Session, platforms: tuple[str, ...] = ("slack", "teams")) -> None:
    """``ConfigError`` naming every channel that is both a client's and MSP-wide (see ``channel_conflicts``)."""
    problems = [p for platform in platforms for p in channel_conflicts(settings, session=session, platform=platform)]
    if problems:
        raise ConfigError("channel configuration: " + "; ".join(problems)
                          + ". A channel is either one client's or MSP-wide; remove it from one of the two.")


def scope_for(where: Where, *, session: Session, settings: Settings) -> Scope:
    """The scope of a place, or ``Refused`` when the place may see no client data."""
    if where.platform not in PLATFORMS:
        raise ValueError(f"unknown platform {where.platform!r}")
    if where.externally_shared or where.foreign_org:
        raise Refused("Handoff doesn't post client information in channels shared with other organisations.")
    if where.platform in ("cli", "webhook"):
        # The operator's own terminal and authenticated webhooks act for the MSP.
        return Scope("operator")
    msp_wide = [*noc_channels(settings, where.platform), review_channel(settings, where.platform)]
    if where.channel_id and where.channel_id in msp_wide \
            and store.tenant_for_channel(session=session, platform=where.platform, channel_id=where.channel_id):
        # Both a client's channel and an MSP-wide one: checked at start, but tenants.yaml
        # may have been re-imported since. Show nothing rather than every client.
        check_channels(settings, session=session, platforms=(where.platform,))
    if where.channel_id and where.channel_id in noc_channels(settings, where.platform):
        return Scope("noc")
    if where.channel_id and where.channel_id == review_channel(settings, where.platform):
        # The MSP's own review channel sees every client, like a NOC channel (shadow packets land there).
        return Scope("review")
    if where.channel_id:
        tenant = store.tenant_for_channel(session=session, platform=where.platform, channel_id=where.channel_id)
        if tenant is not None:
            return Scope("client", tenant.id)
    if where.is_direct:
        return direct_scope(where, session=session, settings=settings)
    raise Refused(
        "This channel isn't mapped to a client or listed as a NOC channel, so Handoff shows nothing here. "
        "Add it to the client's channels in tenants.yaml or to the NOC channel setting."
    )


NO_DM_ACCESS = (
    "You have no clients in direct messages with Handoff. A direct message shows the clients whose Handoff "
    "channels you are a member of (every client for members of a NOC channel). Join the client's channel "
    "or ask there, or ask your Handoff administrator to add you to HANDOFF_DM_ACCESS."
)
MEMBERSHIP_UNKNOWN = (
    "Handoff couldn't check which client channels you are a member of, so it shows nothing in this direct "
    "message. Try again in a minute, or ask in the client's channel."
)


def direct_scope(where: Where, *, session: Session, settings: Settings) -> Scope:
    """What a direct chat with the bot may see (guests never get here: the adapters give them no DM).

    1. ``HANDOFF_DM_ACCESS`` names the user: exactly the clients listed (``*``: every client).
    2. Else a member of a NOC or the review channel sees every client.
    3. Else the clients whose channels (tenants.yaml) the user is a member of.
    4. Else nothing, and the user is told how to get access; no client is named.
    Membership that could not be looked up shows nothing (fail closed), unless rule 1 applies.
    """
    listed = settings.dm_access.get(where.user_id or "")
    if listed is not None:
        if "*" in listed:
            return Scope("direct")
        known = {t.id for t in store.list_tenants(session=session)}
        allowed = frozenset(c for c in listed if c in known)
        if not allowed:
            raise Refused(NO_DM_ACCESS)
        return Scope("direct", tenants=allowed)
    if where.member_of is None:
        raise Refused(MEMBERSHIP_UNKNOWN)
    msp_wide = {*noc_channels(settings, where.platform), review_channel(settings, where.platform)} - {None}
    if where.member_of & msp_wide:
        return Scope("direct")
    mine = frozenset(
        t.id for t in store.list_tenants(session=session)
        if where.member_of & set((t.slack_channels if where.platform == "slack" else t.teams_channels) or [])
    )
    if not mine:
        raise Refused(NO_DM_ACCESS)
    return Scope("direct", tenants=mine)


def dm_channels(settings: Settings, *, session: Session, platform: str) -> list[str]:
    """The channels whose membership can widen a direct chat's scope: every client's, the NOC and review ones."""
    own = [c for t in store.list_tenants(session=session)
           for c in (t.slack_channels if platform == "slack" else t.teams_channels) or []]
    wide = [*noc_channels(settings, platform), review_channel(settings, platform)]
    return sorted({c for c in [*own, *wide] if c})


def request_scope(where: Where, *, known: Scope | Refused | None, session: Session, settings: Settings) -> Scope:
    """The scope of one request, worked out once: ``known`` is what the request's entry point
    (``Core.handle_chat``) already found, a scope or the refusal; None works it out now."""
    if isinstance(known, Refused):
        raise known
    if known is not None:
        return known
    return scope_for(where, session=session, settings=settings)


def visible_ticket(ticket_id: str, *, scope: Scope, session: Session) -> Ticket:
    """The ticket if this scope may see it.

    In a client's channel an unknown number and another client's ticket get the
    same answer, so the channel learns nothing about other clients.
    """
    try:
        ticket = store.find_ticket(session=session, ticket_id=ticket_id)
    except NotFound:
        if scope.all_clients:
            raise
        raise Refused(f"Ticket #{ticket_id} isn't available in this channel.") from None
    if not scope.allows(ticket.tenant_id):
        raise Refused(f"Ticket #{ticket_id} isn't available in this channel.")
    return ticket


def client_for_request(
    requested: str | None, *, scope: Scope, session: Session
) -> str:
    """Which client a question is about: the channel's own, or one named in a NOC channel."""
    if scope.tenant_id is not None:
        if requested:
            tenant = store.resolve_tenant_name(session=session, name=requested)
            if tenant is None or tenant.id != scope.tenant_id:
                raise Refused(NOT_HERE)
        return scope.tenant_id
    if scope.tenants is not None:  # a direct chat's clients: an unknown name and another client's alike
        tenant = store.resolve_tenant_name(session=session, name=requested) if requested else None
        if requested and (tenant is None or tenant.id not in scope.tenants):
            raise Refused(NOT_HERE)
        if tenant is not None:
            return tenant.id
        if len(scope.tenants) == 1:
            return next(iter(scope.tenants))
        raise Refused("Name the client: you see more than one client here.")
    if not requested:
        raise Refused("Name the client: this channel sees all clients.")
    tenant = store.resolve_tenant_name(session=session, name=requested)
    if tenant is None:
        raise NotFound(f"No client called {requested!r}.")
    return tenant.id


REPORTS_INTERNAL_ONLY = (
    "Client report drafts are posted only in the review channel or a NOC channel, never in a client's "
    "channel. Ask there."
)


def internal_scope(where: Where, *, session: Session, settings: Settings) -> Scope:
    """The scope of a place that may receive drafts meant for internal review only (client reports).

    The operator's terminal, a NOC channel or the review channel; a client's channel, a direct chat and
    anything shared outside the MSP are refused.
    """
    return require_internal(scope_for(where, session=session, settings=settings))


def require_internal(scope: Scope) -> Scope:
    """``scope`` if it is an internal place (see ``internal_scope``), else ``Refused``."""
    if scope.kind not in ("operator", "noc", "review"):
        raise Refused(REPORTS_INTERNAL_ONLY)
    return scope


def clients_in_scope(requested: str | None, *, scope: Scope, session: Session) -> list[str]:
    """The clients a request covers: the one named (or the channel's own), else every client a
    NOC-like place sees. Used by triage and metrics, which may span clients; never by packets."""
    if scope.tenant_id is not None or requested:
        return [client_for_request(requested, scope=scope, session=session)]
    if scope.tenants is not None:
        return sorted(scope.tenants)
    return [t.id for t in store.list_tenants(session=session)]


def may_link(where: Where | None, tenant_id: str | None, *, session: Session, settings: Settings) -> bool:
    """Whether signed web links to a client's pages (``tenant_id`` None: every client's) may be minted
    for a message shown in ``where``: exactly when that place may see them (never in a shared, foreign
    or unmapped place)."""
    if where is None:
        return False
    try:
        scope = scope_for(where, session=session, settings=settings)
    except Refused:
        return False
    return scope.all_clients if tenant_id is None else scope.allows(tenant_id)
