"""ConnectWise PSA callbacks: verify ``x-content-signature`` and read what changed.

ConnectWise signs each callback body: ``base64(HMAC-SHA256(key=SHA256(signing_key), body))``
in the ``x-content-signature`` header, where ``signing_key`` is served at the
body's ``Metadata.key_url`` as ``{"signing_key": "..."}``.

The body is untrusted, and so is the URL it names: a key is fetched only when
``key_url`` is on the configured site's origin (same scheme, host and port);
anything else is refused with 401 without a request, so a forged callback can
neither make Handoff fetch from a host of its choosing nor supply its own key.
Keys are cached per URL; a signature that fails with a cached key is checked
once more against a fresh key (ConnectWise may rotate it).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
import time
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from bot.psa.base import WebhookEvent, WebhookRejected
from bot.psa.http import PsaError

if TYPE_CHECKING:
    from bot.psa.http import PsaHttp

KEY_TTL_S = 3600.0


def signature(signing_key: str, body: bytes) -> str:
    """The ``x-content-signature`` value ConnectWise computes for ``body``."""
    hashed_key = hashlib.sha256(signing_key.encode()).digest()
    return base64.b64encode(hmac.new(hashed_key, body, hashlib.sha256).digest()).decode("ascii")


def _origin(url: str) -> tuple[str, str, int | None] | None:
    try:
        parts = urlsplit(url)
        port = parts.port or {"https": 443, "http": 80}.get(parts.scheme.lower())
    except ValueError:
        return None
    if not parts.scheme or not parts.hostname:
        return None
    return parts.scheme.lower(), parts.hostname.lower(), port


class CallbackVerifier:
    def __init__(self, site: str, http: PsaHttp, *, clock: Any = time.monotonic) -> None:
        self.site_origin = _origin(site)
        self.http = http
        self._clock = clock
        self._keys: dict[str, tuple[str, float]] = {}
        self._lock = threading.Lock()
        self.key_fetches = 0

    def verify(self, raw: bytes, headers: Mapping[str, str]) -> WebhookEvent:
        try:
            body = json.loads(raw or b"null")
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise WebhookRejected(400, "malformed", f"body is not JSON: {exc}") from None
        if not isinstance(body, dict):
            raise WebhookRejected(400, "malformed", "body must be a JSON object (a ConnectWise callback)")
        given = _header(headers, "x-content-signature")
        if not given:
            raise WebhookRejected(401, "unsigned", "missing x-content-signature header")
        metadata = body.get("Metadata")
        if not isinstance(metadata, dict):
            metadata = {}
        key_url = metadata.get("key_url")
        if not isinstance(key_url, str) or not key_url.strip():
            raise WebhookRejected(401, "bad_signature", "Metadata.key_url is missing")
        if self.site_origin is None or _origin(key_url) != self.site_origin:
            # Never fetched: the payload does not get to choose where keys come from.
            raise WebhookRejected(401, "untrusted_key_url",
                                  "Metadata.key_url is not on the configured ConnectWise site (HANDOFF_CONNECTWISE_SITE)")
        key, fresh = self._key(key_url, refresh=False)
        if not hmac.compare_digest(signature(key, raw), given):
            if fresh:
                raise WebhookRejected(401, "bad_signature", "x-content-signature does not match the body")
            key, _ = self._key(key_url, refresh=True)
            if not hmac.compare_digest(signature(key, raw), given):
                raise WebhookRejected(401, "bad_signature", "x-content-signature does not match the body")
        return _event(body)

    def _key(self, key_url: str, *, refresh: bool) -> tuple[str, bool]:
        now = self._clock()
        with self._lock:
            cached = self._keys.get(key_url)
        if cached and not refresh and now - cached[1] < KEY_TTL_S:
            return cached[0], False
        try:
            answer = self.http.get(key_url)
        except PsaError as exc:
            raise WebhookRejected(401, "no_signing_key", f"could not fetch the signing key: {exc.message}") from None
        self.key_fetches += 1
        data = answer.data if isinstance(answer.data, dict) else {}
        key = data.get("signing_key")
        if not isinstance(key, str) or not key:
            raise WebhookRejected(401, "no_signing_key", "the key URL did not answer with a signing_key")
        with self._lock:
            self._keys[key_url] = (key, now)
        return key, True


def _header(headers: Mapping[str, str], name: str) -> str | None:
    value = headers.get(name)
    if value is None:
        lowered = {k.lower(): v for k, v in headers.items()}
        value = lowered.get(name.lower())
    return value.strip() if isinstance(value, str) and value.strip() else None


def _event(body: dict[str, Any]) -> WebhookEvent:
    message_id = body.get("MessageId")
    if not isinstance(message_id, str) or not message_id.strip():
        raise WebhookRejected(400, "malformed", "MessageId: required (the callback's delivery id)")
    kind = str(body.get("Type") or "").strip().lower()
    action = str(body.get("Action") or "").strip().lower()
    raw_id = body.get("ID")
    ticket_id = None
    if kind == "ticket":
        if isinstance(raw_id, bool) or not isinstance(raw_id, (int, str)) or not str(raw_id).strip().isdigit():
            raise WebhookRejected(400, "malformed", "ID: a ticket callback needs the ticket's numeric id")
        ticket_id = str(raw_id).strip()
    return WebhookEvent(delivery_id=message_id.strip(), kind=kind or "unknown", action=action,
                        ticket_id=ticket_id, extra={"company": str(body.get("CompanyId") or "")})
