"""Capability links: an HMAC over (kind, object id, tenant, expiry).

There is no user database: whoever holds a link may open that one object
until the link expires, exactly like the chat message it was posted in. The
tenant is part of the signed message but not of the URL: the server looks up
the object's real tenant and verifies against it, so a link can never be
pointed at another client's object (the signature would not match) and the
URL reveals nothing but a kind and an id.

Rotation: ``secrets`` is newest first; the newest signs, every one verifies.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
from collections.abc import Sequence
from dataclasses import dataclass

VERSION = "v1"


@dataclass(frozen=True)
class Signed:
    expires: int  # unix seconds
    signature: str  # url-safe base64, no padding


def _message(kind: str, object_id: str, tenant: str, expires: int) -> bytes:
    # Newline-separated: none of the parts may contain one (ids and kinds are checked by callers).
    for part in (kind, object_id, tenant):
        if "\n" in part:
            raise ValueError("a signed link part contains a newline")
    return f"{VERSION}\n{kind}\n{object_id}\n{tenant}\n{expires}".encode()


def _mac(secret: str, message: bytes) -> str:
    digest = hmac.new(secret.encode(), message, hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


class LinkSigner:
    def __init__(self, secrets: Sequence[str], *, validity_s: float):
        if not secrets:
            raise ValueError("no signing secret")
        self.secrets = tuple(secrets)
        self.validity_s = validity_s

    def sign(self, kind: str, object_id: str, tenant: str, *, now: float | None = None) -> Signed:
        expires = int((time.time() if now is None else now) + self.validity_s)
        return Signed(expires, _mac(self.secrets[0], _message(kind, object_id, tenant, expires)))

    def verify(self, kind: str, object_id: str, tenant: str, expires: int, signature: str, *,
               now: float | None = None) -> bool:
        """True only for an unexpired link signed by one of the keys for exactly this object and tenant."""
        at = time.time() if now is None else now
        message = _message(kind, object_id.replace("\n", " "), tenant, expires)
        ok = False
        for secret in self.secrets:  # every key is tried, so timing does not tell which one matched
            ok |= hmac.compare_digest(_mac(secret, message), signature)
        # Expired, or further ahead than any key ever signs (forged, or a misconfigured clock).
        return ok and at <= expires <= at + 366 * 86400

    def sign_until(self, kind: str, object_id: str, tenant: str, expires: int) -> str:
        """The signature for a fixed expiry (links inside a page end when the page's own link ends)."""
        return _mac(self.secrets[0], _message(kind, object_id, tenant, expires))
