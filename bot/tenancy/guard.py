"""The tenant guard: the one check that data handed on belongs to the tenant it is for.

Two gates enforce tenant isolation on everything Handoff shows (see the README,
"Where the tenant is enforced"):

* every hit that leaves the search index passes ``retrieval.store.base.check_tenant``;
* everything the core reads from the database for one tenant, and every source a
  packet or an answer cites, passes a function of this module.

``require_same_tenant`` is the primitive (exactly the expected tenant);
``check_sources`` is the packet builder's gate (the ticket's tenant or the shared
``_global`` knowledge). A failure is a bug, never a user error: it raises
``TenantMismatch`` and nothing is shown.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol

from bot.db.models import GLOBAL_TENANT
from bot.errors import TenantMismatch


class Cited(Protocol):
    """A citation: ``bot.packets.model.Source`` (the guard does not depend on the packet model)."""

    @property
    def kind(self) -> str: ...

    @property
    def id(self) -> str: ...

    @property
    def tenant(self) -> str: ...


def readable_by(tenant_id: str) -> frozenset[str]:
    """Whose data a client's packet or answer may cite: its own and the shared ``_global`` knowledge."""
    return frozenset({tenant_id, GLOBAL_TENANT})


def require_same_tenant(expected: str, found: str | None, *, what: str) -> None:
    """``found`` must be exactly ``expected``; ``what`` names the data in the error."""
    if found != expected:
        raise TenantMismatch(f"{what} belongs to tenant {found!r}, not {expected!r}")


def check_sources(sources: Iterable[Cited], *, tenant_id: str, cited_by: str) -> None:
    """Every source must be of ``tenant_id`` or ``_global``; ``cited_by`` names the citing thing
    ("packet for ticket 4412 (acme)") in the error."""
    allowed = readable_by(tenant_id)
    for source in sources:
        if source.tenant not in allowed:
            raise TenantMismatch(f"{cited_by} would cite {source.kind} {source.id} of another tenant; refused")
