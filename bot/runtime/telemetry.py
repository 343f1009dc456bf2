"""Operational metrics (Prometheus) that the core updates and every server exposes on ``GET /metrics``.

Not to be confused with ``bot.reporting.metrics`` (the product's measures for
MSP managers: acceptance, time to first touch). These are for the operator:
is it up, is it slow, is something piling up.

The core records into the module-level objects below without knowing about
HTTP; the adapters time requests (``adapters.common.observability``) and serve
``render()``. Everything lives in one ``REGISTRY`` of our own, so tests and
several apps in one process see the same numbers and nothing of
prometheus-client's default process collectors is mixed in twice.

Hooks for the outbox (built elsewhere): it calls ``delivery_failed(platform)``
for each delivery that gave up and either ``observe_outbox(depth, age)`` when
it changes or ``set_outbox_probe(fn)`` once, ``fn`` answering ``(depth, oldest
age in seconds)`` at scrape time (a database query; its failure is reported as
``handoff_outbox_probe_errors_total``, never a failed scrape).

Labels are bounded on purpose: route *patterns* (never raw paths), status
codes, reason codes, platforms. Never a tenant, a ticket or any text.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

log = logging.getLogger("handoff.telemetry")
REGISTRY = CollectorRegistry(auto_describe=True)
CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"

# Requests answer in milliseconds (the webhook's p99 is ~25-115 ms) but a packet built inline can take seconds.
_HTTP_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30)
_BUILD_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60)

http_requests = Counter("handoff_http_requests", "HTTP requests answered, by server, route pattern, method and "
                        "status", ["server", "route", "method", "status"], registry=REGISTRY)
http_latency = Histogram("handoff_http_request_seconds", "Time to answer an HTTP request, by server and route "
                         "pattern", ["server", "route"], buckets=_HTTP_BUCKETS, registry=REGISTRY)
webhook_rejections = Counter("handoff_webhook_rejections", "Requests refused (4xx/5xx), by server and reason "
                             "(the error code: unauthorized, too_large, malformed, ...)", ["server", "reason"],
                             registry=REGISTRY)
packets_built = Counter("handoff_packets_built", "Packets built (not reused), by writer kind and outcome",
                        ["writer", "outcome"], registry=REGISTRY)
packets_reused = Counter("handoff_packets_reused", "Packet requests answered with the stored packet",
                         registry=REGISTRY)
packet_build_seconds = Histogram("handoff_packet_build_seconds", "Time to build one packet (evidence, retrieval, "
                                 "summary)", ["writer"], buckets=_BUILD_BUCKETS, registry=REGISTRY)
model_calls = Counter("handoff_model_calls", "Summary model calls, by outcome (ok, timeout, error)", ["outcome"],
                      registry=REGISTRY)
model_call_seconds = Histogram("handoff_model_call_seconds", "Time of one summary model call",
                               buckets=_BUILD_BUCKETS, registry=REGISTRY)
deliveries_failed = Counter("handoff_deliveries_failed", "Chat posts that gave up (after retries), by platform",
                            ["platform"], registry=REGISTRY)
outbox_probe_errors = Counter("handoff_outbox_probe_errors", "Scrapes at which the outbox could not be read",
                              registry=None)

OutboxProbe = Callable[[], tuple[int, float]]


class _OutboxCollector(Collector):
    """The outbox gauges: read through the probe at scrape time when one is set (never stale), else the
    values last given to ``observe_outbox``; absent until either happened (no outbox, no series)."""

    def __init__(self) -> None:
        self.probe: OutboxProbe | None = None
        self.last: tuple[int, float] | None = None

    def collect(self) -> Iterator[GaugeMetricFamily]:
        values = self.last
        if self.probe is not None:
            try:
                values = self.probe()
            except Exception as exc:  # a scrape must not fail because the database blinked
                outbox_probe_errors.inc()
                log.warning("outbox probe failed: %s", type(exc).__name__)
                values = None
        # Exposed here, after the probe, so a scrape reports the failure it just had.
        yield from outbox_probe_errors.collect()  # type: ignore[misc]
        if values is None:
            return
        yield GaugeMetricFamily("handoff_outbox_depth", "Deliveries waiting in the outbox", value=values[0])
        yield GaugeMetricFamily("handoff_outbox_oldest_age_seconds", "Age of the oldest waiting delivery "
                                "(0 when empty)", value=values[1])

    def describe(self) -> list[GaugeMetricFamily]:
        return []


_outbox_collector = _OutboxCollector()
REGISTRY.register(_outbox_collector)


def set_outbox_probe(probe: OutboxProbe | None) -> None:
    _outbox_collector.probe = probe


def observe_outbox(depth: int, oldest_age_s: float) -> None:
    _outbox_collector.last = (depth, oldest_age_s)


def delivery_failed(platform: str) -> None:
    deliveries_failed.labels(platform=platform).inc()


@contextmanager
def timing_build(writer: str) -> Iterator[None]:
    """Count and time one packet build; a build that raises counts as ``outcome="error"``."""
    kind = "llm" if writer.startswith("llm:") else writer  # the model name stays out of the labels
    started = time.perf_counter()
    try:
        yield
    except BaseException:
        packets_built.labels(writer=kind, outcome="error").inc()
        raise
    packet_build_seconds.labels(writer=kind).observe(time.perf_counter() - started)
    packets_built.labels(writer=kind, outcome="ok").inc()


def model_call(outcome: str, seconds: float) -> None:
    model_calls.labels(outcome=outcome).inc()
    model_call_seconds.observe(seconds)


def render() -> bytes:
    """The exposition text of every Handoff metric."""
    return generate_latest(REGISTRY)
