"""Rollout switches: per client and ticket category, Handoff is off, in shadow mode, or on.

- ``on``: packets are built and posted where they were asked for (the default).
- ``shadow``: packets are built and stored (``Packet.mode = "shadow"``) but
  posted only to the review channel, so the MSP can measure them before any
  engineer in the client's channels relies on them.
- ``off``: no packet is built; requests are refused politely.

The most specific switch wins: (client, category) > (client, ``*``) >
(``*``, category) > (``*``, ``*``). With no switch at all the mode is ``on``,
so a fresh install (and the demo) works out of the box; an MSP that wants a
cautious start sets ``handoff rollout --tenant '*' --mode shadow`` once.

Every change is audited in the same transaction as the switch itself.
``Delivery`` is the core's one routing decision for a packet: front ends post
where it says and nowhere else.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, col, select

from bot.db.models import RolloutSwitch, utcnow
from bot.errors import BadInput, TenantMismatch
from bot.tenancy import audit
from bot.tenancy.policy import Where

ANY = "*"
MODES = ("off", "shadow", "on")
DEFAULT_MODE = "on"


@dataclass(frozen=True)
class Decision:
    mode: str
    switch: str  # which switch decided, "acme/backup", "acme/*", "*/*", or "default"
    since: datetime | None = None  # when that switch was last changed


@dataclass(frozen=True)
class Delivery:
    """Where a packet goes. ``to`` is None when it goes nowhere (shadow mode without a review channel)."""

    mode: str  # on | shadow (off never gets this far: the core refuses)
    to: Where | None
    asked: Where

    @property
    def redirected(self) -> bool:
        return self.to is None or self.to.channel_id != self.asked.channel_id or self.to.platform != self.asked.platform

    def check(self, platform: str, channel: str | None) -> None:
        """Raise before a post to anywhere but the decided place: a bug, never a user's mistake."""
        if self.to is None or self.to.platform != platform or self.to.channel_id != channel:
            raise TenantMismatch(f"a {self.mode} packet was about to be posted to {platform}:{channel}, "
                                 f"but its delivery is {self.to.describe() if self.to else 'nowhere'}")


def resolve(*, session: Session, tenant_id: str, category: str | None) -> Decision:
    """The mode for one client and ticket category (None = uncategorised: only ``*`` switches apply)."""
    wanted = [(tenant_id, category), (tenant_id, ANY), (ANY, category), (ANY, ANY)]
    rows = session.exec(select(RolloutSwitch).where(col(RolloutSwitch.tenant_id).in_([tenant_id, ANY]))).all()
    found = {(r.tenant_id, r.category): r for r in rows}
    for tenant, wanted_category in wanted:
        if wanted_category is None:
            continue
        row = found.get((tenant, wanted_category))
        if row is not None:
            return Decision(row.mode, f"{row.tenant_id}/{row.category}", row.changed_at)
    return Decision(DEFAULT_MODE, "default")


def set_mode(*, session: Session, tenant_id: str, category: str, mode: str, by: str | None,
             where: Where | None = None, at: datetime | None = None) -> RolloutSwitch | None:
    """Set (or, with mode ``default``, remove) one switch; audited. Returns the switch (None when removed).

    Setting the mode a switch already has changes nothing (its ``changed_at`` is
    the date the metrics compare around, so a repeated command must not move it).
    """
    mode = mode.lower()
    if mode not in (*MODES, "default"):
        raise BadInput(f"--mode: expected one of {', '.join(MODES)} or default, got {mode!r}")
    if not tenant_id or not category:
        raise BadInput("a switch needs a client (or '*') and a category (or '*')")
    row = session.exec(select(RolloutSwitch).where(
        RolloutSwitch.tenant_id == tenant_id, RolloutSwitch.category == category)).first()
    old = row.mode if row else None
    at = at or utcnow()
    if mode == "default":
        if row is not None:
            session.delete(row)
        result = None
    elif row is not None and row.mode == mode:
        return row
    else:
        row = row or RolloutSwitch(tenant_id=tenant_id, category=category, mode=mode, changed_at=at)
        row.mode, row.changed_at, row.changed_by = mode, at, by
        session.add(row)
        result = row
    if old != (None if mode == "default" else mode):
        audit.record(session, action="rollout_changed", where=where, at=at,
                     tenant_id=None if tenant_id == ANY else tenant_id,
                     detail={"tenant": tenant_id, "category": category, "from": old or "default",
                             "to": mode, "by": by})
    session.flush()
    return result


def switches(*, session: Session) -> list[RolloutSwitch]:
    return list(session.exec(select(RolloutSwitch).order_by(RolloutSwitch.tenant_id, RolloutSwitch.category)))


def switched_on(*, session: Session, tenant_id: str) -> list[RolloutSwitch]:
    """The switches that have this client (or one of its categories) on, for before/after comparisons.

    A global switch (``*``) counts for a client unless the client has its own switch for
    the same category, which then decides (and is listed if it is on).
    """
    rows = session.exec(select(RolloutSwitch).where(col(RolloutSwitch.tenant_id).in_([tenant_id, ANY]))).all()
    own = {r.category for r in rows if r.tenant_id == tenant_id}
    chosen = [r for r in rows if r.mode == "on" and (r.tenant_id == tenant_id or r.category not in own)]
    return sorted(chosen, key=lambda r: (r.category, r.tenant_id))
