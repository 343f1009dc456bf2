"""Per-endpoint settings of the inbound webhooks: the file ``HANDOFF_INBOUND_ENDPOINTS`` names.

    endpoints:
      ninjaone/acme:                     # POST /alerts/ninjaone/acme
        token_env: HANDOFF_TOKEN_NINJAONE_ACME   # this endpoint's own bearer token (an env var's name)
      ninjaone:                          # POST /alerts/ninjaone: the client from the organization
        clients: {"Acme Dental Group": acme, "Harbor & Finch LLP": harbor-law}
      n-able:
        timezone: America/Chicago        # N-central's TimeOfStateChange carries no zone
        clients: {"Acme Dental": acme}
      zabbix/ridgeline:                  # any other JSON: a field mapping (bot/alerts/formats/mapped.py)
        format: mapped
        token_env: HANDOFF_TOKEN_ZABBIX_RIDGELINE
        mapping: {device: host.name, check: trigger.name, severity: trigger.severity,
                  message: trigger.description, time: event.time, resolved: event.status, id: event.id}

A key is ``<source>`` or ``<source>/<tenant>``; ``<source>`` is a built-in
format (``bot.alerts.formats.FORMATS``) or, with ``format: mapped``, a name of
your own. An endpoint's own token is accepted on that endpoint only (the
global ``HANDOFF_INBOUND_TOKEN`` is accepted everywhere): a token handed to
one client's RMM cannot post alerts for another client. Pure: the caller
passes the environment for ``token_env``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml

from bot.alerts.formats import FORMATS, Endpoint, SourceFormat
from bot.alerts.formats.mapped import mapping_problems
from bot.errors import ConfigError

_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")
_KEYS = {"format", "token_env", "clients", "mapping", "timezone"}


@dataclass(frozen=True)
class EndpointSettings:
    source: str
    tenant: str | None
    format: SourceFormat
    token: str | None = None
    clients: Mapping[str, str] = field(default_factory=dict)
    mapping: Mapping[str, Any] | None = None
    timezone: str = "UTC"

    def endpoint(self, tenant: str | None) -> Endpoint:
        return Endpoint(tenant=tenant, clients=self.clients, mapping=self.mapping, timezone=self.timezone)


@dataclass
class EndpointBook:
    """Every configured endpoint, plus the built-in formats at their plain names."""

    configured: dict[tuple[str, str | None], EndpointSettings] = field(default_factory=dict)

    def resolve(self, source: str, tenant: str | None) -> EndpointSettings | None:
        """The settings for ``/alerts/<source>[/<tenant>]``: the tenant's own entry, else the
        source's entry, else the built-in format; ``None`` for an unknown source."""
        found = self.configured.get((source, tenant)) or self.configured.get((source, None))
        if found is not None:
            if found.tenant is None and tenant is not None:
                return EndpointSettings(source, tenant, found.format, None, found.clients, found.mapping, found.timezone)
            return found
        builtin = FORMATS.get(source)
        if builtin is None or builtin.name == "mapped":
            return None
        return EndpointSettings(source, tenant, builtin)

    def token_for(self, source: str, tenant: str | None) -> str | None:
        """The endpoint's own token: only ``<source>/<tenant>`` entries have one."""
        entry = self.configured.get((source, tenant)) if tenant else None
        return entry.token if entry is not None else None

    def sources(self) -> list[str]:
        return sorted({name for name in FORMATS if name != "mapped"} | {s for s, _ in self.configured})


def load_endpoints(path: Path | None, environ: Mapping[str, str]) -> EndpointBook:
    """Read and check the endpoints file (``None``: only the built-in formats, no endpoint tokens)."""
    if path is None:
        return EndpointBook()
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except OSError as exc:
        raise ConfigError(f"HANDOFF_INBOUND_ENDPOINTS: cannot read {path}: {exc.strerror}") from None
    except yaml.YAMLError as exc:
        raise ConfigError(f"HANDOFF_INBOUND_ENDPOINTS: {path} is not valid YAML: {exc}") from None
    entries = document.get("endpoints") if isinstance(document, dict) else None
    if not isinstance(entries, dict):
        raise ConfigError(f"HANDOFF_INBOUND_ENDPOINTS: {path}: expected a mapping under 'endpoints:'")
    book, problems = EndpointBook(), list[str]()
    for key, raw in entries.items():
        settings = _entry(str(key), raw or {}, environ, problems)
        if settings is not None:
            book.configured[(settings.source, settings.tenant)] = settings
    if problems:
        raise ConfigError(f"HANDOFF_INBOUND_ENDPOINTS: {path}: " + "; ".join(problems))
    return book


def _entry(key: str, raw: Any, environ: Mapping[str, str], problems: list[str]) -> EndpointSettings | None:
    where = f"endpoints.{key}"
    parts = key.split("/")
    if len(parts) > 2 or not all(_NAME.match(p) for p in parts):
        problems.append(f"{where}: expected '<source>' or '<source>/<tenant>' (lowercase letters, digits, - and _)")
        return None
    if not isinstance(raw, dict):
        problems.append(f"{where}: expected a mapping")
        return None
    unknown = sorted(set(raw) - _KEYS)
    if unknown:
        problems.append(f"{where}: unknown keys {unknown} (known: {sorted(_KEYS)})")
    source, tenant = parts[0], parts[1] if len(parts) == 2 else None
    fmt = FORMATS.get(str(raw.get("format") or source))
    if fmt is None:
        problems.append(f"{where}.format: unknown format {raw.get('format') or source!r} "
                        f"(one of {', '.join(FORMATS)})")
        return None
    mapping = raw.get("mapping")
    if fmt.name == "mapped":
        if not isinstance(mapping, dict):
            problems.append(f"{where}.mapping: required for format 'mapped'")
            return None
        problems.extend(f"{where}.mapping: {p}" for p in mapping_problems(mapping))
        mapping = {**mapping, "source": mapping.get("source") or source}
    token = None
    if raw.get("token_env"):
        if tenant is None:
            problems.append(f"{where}.token_env: only '<source>/<tenant>' endpoints have their own token")
        token = environ.get(str(raw["token_env"])) or None
        if token is None:
            problems.append(f"{where}.token_env: the environment variable {raw['token_env']} is not set")
    clients = raw.get("clients") or {}
    if not isinstance(clients, dict):
        problems.append(f"{where}.clients: expected a mapping of the vendor's client name or id to a tenant id")
        clients = {}
    timezone = str(raw.get("timezone") or "UTC")
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        problems.append(f"{where}.timezone: unknown time zone {timezone!r}")
    return EndpointSettings(source, tenant, fmt, token, {str(k): str(v) for k, v in clients.items()},
                            mapping if fmt.name == "mapped" else None, timezone)
