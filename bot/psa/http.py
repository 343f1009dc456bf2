"""A synchronous, read-only HTTP client for PSA APIs, with timeouts and retries.

The core is synchronous (SQL, ONNX), so this uses ``httpx.Client``; the async
front ends call the core from a worker thread. Only ``GET`` exists here (and
``post_form`` for an OAuth2 token request, which changes nothing in the PSA):
Handoff is draft-only and never writes to a PSA.

Retry policy, per request: 429 waits for ``Retry-After`` (seconds or an HTTP
date; capped by ``max_retry_after_s``), 5xx, timeouts and dropped connections
back off exponentially with jitter; up to ``max_retries`` retries, then
``PsaUnavailable``. Other 4xx are not retried: they are answers (401 wrong
keys, 403 missing permission, 404 no such record).
"""

from __future__ import annotations

import email.utils
import logging
import random
import re
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import httpx

from bot.errors import HandoffError

log = logging.getLogger("handoff.psa.http")

_LINK = re.compile(r'<([^>]*)>\s*;\s*rel="?([a-zA-Z]+)"?')


class PsaError(HandoffError):
    """The PSA refused a request (bad keys, missing permission, malformed request)."""

    def __init__(self, message: str, *, status: int | None = None, body: Any = None) -> None:
        super().__init__(message)
        self.status = status
        self.body = body


class PsaUnavailable(PsaError):
    """The PSA did not answer usefully within the retry budget (rate limit, 5xx, network)."""


@dataclass(frozen=True)
class RetryPolicy:
    max_retries: int = 6
    base_delay_s: float = 0.5
    max_delay_s: float = 30.0
    max_retry_after_s: float = 120.0

    def backoff(self, attempt: int) -> float:
        # Full jitter: spreads the retries of many workers hitting the same limit.
        return random.uniform(0, min(self.max_delay_s, self.base_delay_s * (2 ** attempt)))


def retry_after_seconds(value: str | None, *, now: datetime | None = None) -> float | None:
    """``Retry-After`` as seconds: a number, or an HTTP date (RFC 9110 section 10.2.3)."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


def link_next(headers: Mapping[str, str]) -> str | None:
    """The ``rel="next"`` URL of an RFC 8288 ``Link`` header, if any."""
    for url, rel in _LINK.findall(headers.get("Link", "") or headers.get("link", "")):
        if rel.lower() == "next":
            return url
    return None


@dataclass(frozen=True)
class JsonResponse:
    status: int
    data: Any
    headers: httpx.Headers
    url: str


class PsaHttp:
    """GET JSON from one PSA, retrying what is worth retrying (see module doc)."""

    def __init__(
        self,
        base_url: str,
        *,
        headers: Mapping[str, str] | None = None,
        timeout_s: float = 20.0,
        policy: RetryPolicy | None = None,
        sleep: Callable[[float], None] = time.sleep,
        describe: str = "the PSA",
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.policy = policy or RetryPolicy()
        self.describe = describe
        self._sleep = sleep
        self._client = httpx.Client(
            base_url=base_url,
            headers=dict(headers or {}),
            timeout=httpx.Timeout(timeout_s, connect=min(timeout_s, 10.0)),
            follow_redirects=False,  # a redirect would re-send the credentials elsewhere
            transport=transport,
        )
        self.retries = 0  # how many retries this client made, for logs and tests

    def close(self) -> None:
        self._client.close()

    @property
    def base_url(self) -> str:
        return str(self._client.base_url)

    def set_header(self, name: str, value: str) -> None:
        self._client.headers[name] = value

    def get(self, url: str, params: Mapping[str, Any] | None = None, *,
            allow_404: bool = False) -> JsonResponse:
        return self._send("GET", url, params=params, allow_404=allow_404)

    def post_form(self, url: str, form: Mapping[str, str]) -> JsonResponse:
        """An OAuth2 token request (``application/x-www-form-urlencoded``); never PSA data."""
        return self._send("POST", url, data=form)

    def _send(self, method: str, url: str, *, params: Mapping[str, Any] | None = None,
              data: Mapping[str, str] | None = None, allow_404: bool = False) -> JsonResponse:
        attempt = 0
        while True:
            problem: str
            wait: float
            try:
                response = self._client.request(method, url, params=params, data=data)
            except (httpx.TimeoutException, httpx.TransportError) as exc:
                # Timeouts, refused and dropped connections, a reset mid-body.
                problem = f"{exc.__class__.__name__}: {exc}" if str(exc) else exc.__class__.__name__
                wait = self.policy.backoff(attempt)
            else:
                if response.status_code == 429:
                    after = retry_after_seconds(response.headers.get("Retry-After"))
                    if after is not None and after > self.policy.max_retry_after_s:
                        raise PsaUnavailable(
                            f"{self.describe} asks to wait {after:.0f}s (Retry-After) before {method} {url}; "
                            f"more than HANDOFF_PSA_MAX_RETRY_AFTER_S={self.policy.max_retry_after_s:.0f}",
                            status=429)
                    problem, wait = "429 Too Many Requests", after if after is not None else self.policy.backoff(attempt)
                elif response.status_code >= 500:
                    problem, wait = f"{response.status_code} {response.reason_phrase}", self.policy.backoff(attempt)
                else:
                    return self._answer(method, url, response, allow_404)
            if attempt >= self.policy.max_retries:
                raise PsaUnavailable(f"{self.describe} did not answer {method} {url} after "
                                     f"{attempt + 1} attempts (last: {problem})")
            attempt += 1
            self.retries += 1
            log.info("%s: %s on %s %s; retry %d in %.2fs", self.describe, problem, method, url, attempt, wait)
            self._sleep(wait)

    def _answer(self, method: str, url: str, response: httpx.Response, allow_404: bool) -> JsonResponse:
        status = response.status_code
        try:
            data = response.json() if response.content else None
        except ValueError:
            data = None
            if status < 300:
                raise PsaError(f"{self.describe} answered {method} {url} with a body that is not JSON",
                               status=status) from None
        if status < 300 or (status == 404 and allow_404):
            return JsonResponse(status, data, response.headers, str(response.url))
        detail = ""
        if isinstance(data, dict):
            # ConnectWise: {"code", "message", "errors"}; HaloPSA/Autotask: {"errors"|"error", ...}.
            detail = str(data.get("message") or data.get("error_description") or data.get("error")
                         or data.get("errors") or "")
        hint = {401: " (check the API keys / client credentials)",
                403: " (the API member lacks a permission)"}.get(status, "")
        raise PsaError(f"{self.describe} refused {method} {url}: {status}{hint}" + (f": {detail}" if detail else ""),
                       status=status, body=data)
