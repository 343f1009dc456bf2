"""Warnings for shared (``_global``) documents that name one client's devices, domains or name.

A ``_global`` runbook is retrieved for every client. If it says
``Get-Printer -ComputerName ACME-FS01``, Acme's print server shows up in four
other clients' packets, and the engineer reading them learns something about a
client that is not theirs. Ingest cannot tell an example from a leak, so it
warns and imports anyway; the fix is a placeholder (``<print-server>``) or
moving the document to the client's own folder.

What counts as one client's: its name and aliases (tenants.yaml), device names
from its tickets, alerts and document front matter, and DNS domains written in
its own documents, each only when no other client has the same one (two
clients' ``DC01`` name nobody). Role-and-number names (``DC02``, ``FS01``,
``PC14``) are a naming convention every runbook uses as an example, so they
count as no one's even when only one client happens to have one; a prefixed
name like ``ACME-FS01`` is that client's.
"""

from __future__ import annotations

import re
from collections import defaultdict

from sqlmodel import Session, col, select

from bot.db.models import GLOBAL_TENANT, Alert, Doc, Tenant, Ticket

_DOMAIN = re.compile(r"\b(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+(?:local|lan|corp|internal|com|net|org|co\.uk|"
                     r"io|us|ca|de|uk|law|health|dental|cpa)\b", re.IGNORECASE)
# Domains every client's documents mention; not one client's.
_COMMON_DOMAINS = re.compile(r"(^|\.)(microsoft|office365|office|outlook|windows|azure|live|google|gmail|apple|"
                             r"example|example-msp|github|cloudflare|amazonaws|dell|hp|lenovo|cisco)\.[a-z.]+$")
MIN_TERM = 3
_CONVENTIONAL_NAME = re.compile(r"^[a-z]{2,4}-?\d{1,3}$", re.IGNORECASE)


def _owners(session: Session) -> dict[str, dict[str, set[str]]]:
    """term (casefolded) -> kind -> the tenants it belongs to."""
    owners: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    for tenant in session.exec(select(Tenant)):
        for name in (tenant.name, *(tenant.aliases or [])):
            owners[name.strip().casefold()]["name"].add(tenant.id)
    for model in (Ticket, Alert):
        rows = session.exec(select(model.tenant_id, model.device).where(col(model.device).is_not(None)).distinct())
        for tenant_id, device in rows:
            owners[str(device).strip().casefold()]["device"].add(tenant_id)
    for doc in session.exec(select(Doc).where(Doc.tenant_id != GLOBAL_TENANT)):
        for device in doc.devices or []:
            owners[str(device).strip().casefold()]["device"].add(doc.tenant_id)
        for match in _DOMAIN.finditer(doc.body or ""):
            domain = match.group(0).casefold()
            if not _COMMON_DOMAINS.search(domain):
                owners[domain]["domain"].add(doc.tenant_id)
    return owners


def global_doc_warnings(session: Session) -> list[str]:
    """One line per (shared document, client term it names), for ``handoff ingest`` to print."""
    owners = _owners(session)
    terms = {}
    for term, kinds in owners.items():
        tenants = set().union(*kinds.values())
        conventional = "name" not in kinds and _CONVENTIONAL_NAME.match(term)
        if len(term) >= MIN_TERM and len(tenants) == 1 and not conventional:
            kind = next(k for k in ("name", "device", "domain") if k in kinds)
            terms[term] = (kind, next(iter(tenants)))
    if not terms:
        return []
    pattern = re.compile(r"(?<![\w.-])(" + "|".join(re.escape(t) for t in sorted(terms, key=len, reverse=True))
                         + r")(?![\w-]|\.\w)", re.IGNORECASE)
    warnings = []
    for doc in session.exec(select(Doc).where(Doc.tenant_id == GLOBAL_TENANT).order_by(Doc.path)):
        named = dict.fromkeys(m.group(1).casefold() for m in pattern.finditer(f"{doc.title}\n{doc.body}"))
        for term in named:
            kind, tenant = terms[term]
            warnings.append(
                f"docs/_global/{doc.path}: names {term!r}, a {kind} of client {tenant} only; shared runbooks reach "
                f"every client's packets, so use a placeholder or move it to docs/{tenant}/"
            )
    return warnings
