"""Which connectors exist, and building one (and its service) from the settings."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.engine import Engine

from bot.config import Settings
from bot.errors import ConfigError
from bot.psa.base import PsaConnector
from bot.psa.mapping import EscalationRule
from bot.psa.service import EscalationEvent, PsaService

AVAILABLE = ("connectwise", "halopsa", "autotask")


def make_connector(name: str, settings: Settings) -> PsaConnector:
    if name == "connectwise":
        from bot.psa.connectwise import ConnectWiseConnector

        return ConnectWiseConnector.from_settings(settings)
    if name == "halopsa":
        from bot.psa.halopsa import HaloPsaConnector

        return HaloPsaConnector.from_settings(settings)
    if name == "autotask":
        from bot.psa.autotask import AutotaskConnector

        return AutotaskConnector.from_settings(settings)
    raise ConfigError(f"unknown PSA connector {name!r}; available: {', '.join(AVAILABLE)}")


def configured(settings: Settings) -> list[str]:
    """The connectors whose settings are present (the webhooks and the interval sync use these)."""
    out = []
    if settings.connectwise_site and settings.connectwise_company:
        out.append("connectwise")
    if settings.halopsa_site and settings.halopsa_client_id:
        out.append("halopsa")
    if settings.autotask_username and settings.autotask_integration_code:
        out.append("autotask")
    return out


def make_service(name: str, engine: Engine, settings: Settings, *,
                 on_escalation: Callable[[EscalationEvent], None] | None = None) -> PsaService:
    return PsaService(engine, make_connector(name, settings), EscalationRule(settings.psa_escalation_pattern),
                      on_escalation=on_escalation)


def fetch_unknown_ticket(ticket_id: str, engine: Engine, settings: Settings) -> str | None:
    """Fetch a ticket Handoff has not seen from each configured PSA; the outcome's status, or None.

    For ``POST /hooks/escalation`` with a ticket number that was never imported:
    the ticket is stored (for a mapped client) before the packet is built.
    Escalations are not delivered from here: the caller is already delivering one.
    """
    for name in configured(settings):
        service = make_service(name, engine, settings)
        try:
            outcome = service.refresh_ticket(ticket_id, deliver=False)
        finally:
            service.connector.close()
        if outcome.status != "not_found":
            return outcome.status
    return None
