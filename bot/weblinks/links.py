"""Turn ``handoff://`` URIs into signed https links under ``HANDOFF_PUBLIC_URL``.

``handoff://`` URIs are the canonical, stored names of things that live only
inside Handoff (an alert signal, a shipped checklist, a report draft). They are
never shown: a front end either gets a signed https link for one (when the web
pages are configured and the place may see that client, which the core asks
``bot.tenancy.policy`` about) or shows the source's title without a link.

URL shape: ``{public}/v/{kind}/{id}?exp={unix}&sig={hmac}`` (+ ``#fragment``).
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote, urlsplit

from bot.config import Settings
from bot.db.models import GLOBAL_TENANT
from bot.weblinks.signing import LinkSigner

# Page kinds served by ``handoff serve web``.
KINDS = ("packet", "signal", "checklist", "report", "metrics")
# handoff://<host>/... -> page kind. tickets, alerts and docs without a URL of their own have no page.
URI_KINDS = {"signals": "signal", "checklists": "checklist", "reports": "report", "packets": "packet"}
ALL_CLIENTS = "*"  # the tenant a metrics link for every client is signed with


@dataclass(frozen=True)
class Target:
    kind: str
    object_id: str
    fragment: str = ""


def parse_uri(uri: str) -> Target | None:
    """The page a ``handoff://`` URI names, or None (not a handoff URI, or no page for that kind)."""
    if not uri.startswith("handoff://"):
        return None
    try:
        parts = urlsplit(uri)
    except ValueError:
        return None
    kind = URI_KINDS.get(parts.netloc)
    object_id = parts.path.strip("/")
    if kind is None or not object_id or "/" in object_id or "\n" in object_id:
        return None
    return Target(kind, object_id, parts.fragment)


def is_internal(url: str) -> bool:
    return url.startswith("handoff://")


class WebLinks:
    """Mints links; ``enabled`` only with both ``HANDOFF_PUBLIC_URL`` and ``HANDOFF_WEB_SECRET`` set."""

    def __init__(self, settings: Settings):
        self.base = settings.public_url
        self.signer = (LinkSigner(settings.web_secret, validity_s=settings.web_link_days * 86400)
                       if settings.web_secret else None)

    @property
    def enabled(self) -> bool:
        return bool(self.base and self.signer)

    def url(self, kind: str, object_id: str, tenant: str, *, fragment: str = "", now: float | None = None,
            expires: int | None = None) -> str | None:
        """A signed link to one object of ``tenant``; ``expires`` pins the expiry (links inside a page
        never outlive the link the page was opened with)."""
        if not self.enabled or kind not in KINDS:
            return None
        assert self.signer is not None and self.base is not None
        if expires is None:
            signed = self.signer.sign(kind, object_id, tenant, now=now)
            expires, signature = signed.expires, signed.signature
        else:
            signature = self.signer.sign_until(kind, object_id, tenant, expires)
        url = f"{self.base}/v/{kind}/{quote(object_id, safe='')}?exp={expires}&sig={signature}"
        return url + (f"#{quote(fragment, safe='')}" if fragment else "")

    def for_uri(self, uri: str, tenant: str, *, now: float | None = None, expires: int | None = None) -> str | None:
        """The signed https link of a ``handoff://`` URI owned by ``tenant`` (shared checklists: the global
        tenant), or None when there is no page for it or links are off."""
        target = parse_uri(uri)
        if target is None:
            return None
        owner = GLOBAL_TENANT if target.kind == "checklist" else tenant
        return self.url(target.kind, target.object_id, owner, fragment=target.fragment, now=now, expires=expires)

    def source_links(self, sources: list[tuple[str, str]], *, tenant: str, now: float | None = None,
                     expires: int | None = None) -> dict[str, str]:
        """``{handoff_uri: https_link}`` for the (url, source tenant) pairs that are this tenant's or shared;
        a source of any other tenant gets no link, whatever it is."""
        out: dict[str, str] = {}
        for url, owner in sources:
            if url in out or not is_internal(url) or owner not in (tenant, GLOBAL_TENANT):
                continue
            link = self.for_uri(url, owner, now=now, expires=expires)
            if link:
                out[url] = link
        return out
