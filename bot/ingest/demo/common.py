"""Small helpers shared by the demo generator modules: time, ids, anchors."""

from __future__ import annotations

import random
import re
import uuid
from datetime import UTC, datetime, timedelta

START = datetime(2026, 8, 1, tzinfo=UTC)
END = datetime(2026, 11, 26, 18, 0, tzinfo=UTC)

# Share of background volume per month: most of it in November, as the brief asks.
MONTH_WEIGHTS = {8: 0.14, 9: 0.18, 10: 0.22, 11: 0.46}


def ts(s: str) -> datetime:
    return datetime.fromisoformat(s.replace("Z", "+00:00"))


def iso(d: datetime | None) -> str | None:
    if d is None:
        return None
    return d.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def minutes(n: float) -> timedelta:
    return timedelta(minutes=n)


def rand_time(rng: random.Random, start: datetime = START, end: datetime = END) -> datetime:
    """A time between start and end, weighted by MONTH_WEIGHTS, rounded to the second."""
    months = [m for m in MONTH_WEIGHTS if start.month <= m <= end.month]
    m = rng.choices(months, weights=[MONTH_WEIGHTS[x] for x in months])[0]
    lo = max(start, datetime(2026, m, 1, tzinfo=UTC))
    hi = min(end, datetime(2026, m + 1, 1, tzinfo=UTC) if m < 12 else end)
    span = int((hi - lo).total_seconds())
    return lo + timedelta(seconds=rng.randrange(max(span, 1)))


def business_time(rng: random.Random, start: datetime = START, end: datetime = END) -> datetime:
    """A weekday time between 08:00 and 17:30 US Eastern (UTC-4 before Nov 1, UTC-5 after)."""
    for _ in range(200):
        d = rand_time(rng, start, end)
        if d.weekday() >= 5:
            continue
        offset = 4 if d < datetime(2026, 11, 1, 6, tzinfo=UTC) else 5
        local_hour = (d.hour - offset) % 24
        if 8 <= local_hour < 17 or (local_hour == 17 and d.minute < 30):
            return d.replace(second=0)
    raise RuntimeError("no business time found")


def anchor(heading: str) -> str:
    """GitHub-style heading anchor: lowercase, punctuation removed, spaces to '-'."""
    s = heading.strip().lower()
    s = re.sub(r"[^\w\- ]", "", s)
    return s.replace(" ", "-")


def rng_uuid(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def rng_hex(rng: random.Random, n: int) -> str:
    return "".join(rng.choice("0123456789abcdef") for _ in range(n))


class AlertIds:
    """Per-source id generators. Each source has its own id style, unique per source."""

    def __init__(self, rng: random.Random):
        self.rng = rng
        self.ninja = 88000
        self.meraki = 6_310_000
        self.seen: set[tuple[str, str]] = set()

    def next(self, source: str) -> str:
        while True:
            i = self._make(source)
            if (source, i) not in self.seen:
                self.seen.add((source, i))
                return i

    def _make(self, source: str) -> str:
        r = self.rng
        if source == "ninjaone":
            self.ninja += r.randint(1, 9)
            return f"nj-{self.ninja}"
        if source == "meraki":
            self.meraki += r.randint(3, 40)
            return f"mki-{self.meraki}"
        if source == "datto-rmm":
            return rng_uuid(r)
        if source == "veeam":
            return f"vbr-{rng_hex(r, 8)}-{rng_hex(r, 4)}"
        if source == "defender":
            return f"da{r.randrange(10**17, 10**18)}_{r.randint(-(2**31), 2**31 - 1)}"
        raise ValueError(source)


def alert_url(source: str, tenant: str, alert_id: str) -> str:
    return {
        "ninjaone": f"https://rmm.example-msp.com/ninjaone/alerts/{alert_id}",
        "datto-rmm": f"https://rmm.example-msp.com/datto/alert/{alert_id}",
        "veeam": f"https://vspc.example-msp.com/alarms/{alert_id}",
        "meraki": f"https://noc.example-msp.com/meraki/{tenant}/events/{alert_id}",
        "defender": f"https://security.microsoft.com/alerts/{alert_id}",
    }[source]
