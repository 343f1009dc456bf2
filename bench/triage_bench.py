"""Triage speed: clustering alone, with storage on SQLite and PostgreSQL, and webhook latency.

    python bench/triage_bench.py [--alerts N] [--rate R] [--seconds S] [--no-postgres]

1. Clustering alone: ``bot.alerts.triage.triage`` over N labelled alerts of the test
   stream (bench/support/alert_stream.py), in memory; median of 3 runs.
2. With storage: the same alerts delivered in batches of ``--batch`` in time
   order; each batch stored (``store_alerts``) and classified right away
   (``classify_alerts``, windowed re-triage), each in its own transaction, as
   the webhook does; then the bulk path (store everything, then
   ``classify_pending`` per tenant), as after ``handoff ingest``. SQLite in a
   temporary file; PostgreSQL in a fresh schema on HANDOFF_TEST_POSTGRES_URL
   (default postgresql://postgres@127.0.0.1:5432/test), skipped when unreachable.
   Clustering runs twice: without topology, and with a topology for every
   client (two sites, an uplink, a device dependency), so the outage step
   (``bot/alerts/outages.py``) walks dependencies for every signal.
3. Webhook latency: ``handoff serve inbound`` runs in a second process
   (SQLite); this process posts one body (one alert) every 1/R seconds for S
   seconds on loopback, open loop (a slow answer does not delay the next
   request), and reports p50/p99 of the round trip: Alertmanager bodies to
   ``/alerts/alertmanager``, then NinjaOne bodies to ``/alerts/ninjaone/<tenant>``.
   The NinjaOne bodies are triggers only (a reset is a separate activity), so
   their alerts stay open and each classification re-triages more of them.

One run each; the machine is shared, so read the numbers as orders of magnitude.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import create_engine, text  # noqa: E402
from sqlmodel import select  # noqa: E402

from bench.support.alert_stream import A, stream  # noqa: E402
from bot.alerts.signals import classify_alerts, classify_pending  # noqa: E402
from bot.alerts.topology import Topology, topology_from  # noqa: E402
from bot.alerts.triage import triage  # noqa: E402
from bot.db.engine import make_engine, normalise_url, session_scope, upgrade  # noqa: E402
from bot.db.models import Alert, Tenant  # noqa: E402
from bot.ingest.loader import store_alerts  # noqa: E402
from bot.ingest.records import AlertRecord  # noqa: E402


def alerts_for(n: int) -> list[A]:
    tenants = max(1, n // 400)
    out = stream(tenants=tenants, hours=24 * 7)
    while len(out) < n:
        tenants += 1
        out = stream(tenants=tenants, hours=24 * 7)
    return out[:n]


def topologies_for(alerts: list[A]) -> dict[str, Topology]:
    """Every client: workstations behind a main-site firewall on a UPS, a second site behind its own."""
    out = {}
    for tenant in sorted({a.tenant_id for a in alerts}):
        prefix = tenant.upper()
        out[tenant] = topology_from({
            "sites": [{"name": "Main", "devices": [f"{prefix}-WS0*", f"{prefix}-WS1*"], "uplink": f"{prefix}-FW"},
                      {"name": "Branch", "devices": [f"{prefix}-WS2*"], "uplink": f"{prefix}-BR-FW",
                       "depends_on": ["Main"]}],
            "depends_on": {f"{prefix}-FW": [f"{prefix}-UPS"]}})
    return out


def bench_clustering(alerts: list[A]) -> None:
    for label, topologies in (("clustering alone", None), ("clustering alone, with topology", topologies_for(alerts))):
        runs = []
        for _ in range(3):
            start = time.perf_counter()
            signals = triage(alerts, topologies=topologies)
            runs.append(time.perf_counter() - start)
        median = statistics.median(runs)
        print(f"{label}: {len(alerts)} alerts -> {len(signals)} signals in {median * 1000:.0f} ms: "
              f"{len(alerts) / median:,.0f} alerts/s (median of 3)")


def _records(alerts: list[A]) -> list[AlertRecord]:
    return [AlertRecord.model_validate(a.record()) for a in alerts]


def bench_storage(name: str, url: str, alerts: list[A], batch: int) -> None:
    engine = make_engine(url)
    upgrade(engine)
    tenants = sorted({a.tenant_id for a in alerts})
    now = datetime.now(UTC)
    with session_scope(engine) as session:
        for t in tenants:
            session.add(Tenant(id=t, name=t, content_hash="-", created_at=now, updated_at=now))
    records = _records(alerts)
    start = time.perf_counter()
    for offset in range(0, len(records), batch):
        chunk = records[offset : offset + batch]
        with session_scope(engine) as session:
            new, updated, _, conflicts = store_alerts(chunk, session=session)
            assert not conflicts
            owners = dict(session.exec(select(Alert.pk, Alert.tenant_id).where(Alert.pk.in_(new + updated))).all())  # type: ignore[attr-defined]
        for tenant in sorted(set(owners.values())):
            with session_scope(engine) as session:
                classify_alerts(session=session, tenant_id=tenant, pks=[p for p, t in owners.items() if t == tenant])
    live = time.perf_counter() - start
    with session_scope(engine) as session:
        session.execute(text("UPDATE alert SET signal_id = NULL, classified_at = NULL"))
        session.execute(text("DELETE FROM signal"))
    start = time.perf_counter()
    for tenant in tenants:
        with session_scope(engine) as session:
            classify_pending(session=session, tenant_id=tenant)
    bulk = time.perf_counter() - start
    engine.dispose()
    print(f"with storage, {name}: deliveries of {batch} stored + classified: {len(records) / live:,.0f} alerts/s "
          f"({live:.1f} s); re-classifying all stored alerts: {len(records) / bulk:,.0f} alerts/s ({bulk:.1f} s)")


def postgres_schema_url() -> tuple[str, str, str] | None:
    base = os.environ.get("HANDOFF_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")
    try:
        admin = create_engine(normalise_url(base), connect_args={"connect_timeout": 3})
        schema = f"bench_{uuid.uuid4().hex[:10]}"
        with admin.begin() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
        admin.dispose()
    except Exception as exc:  # noqa: BLE001  (unreachable: say so and skip)
        print(f"with storage, PostgreSQL: skipped ({base} not reachable: {exc.__class__.__name__})")
        return None
    sep = "&" if "?" in base else "?"
    return base, schema, f"{normalise_url(base)}{sep}options=-csearch_path%3D{schema}"


def drop_schema(base: str, schema: str) -> None:
    admin = create_engine(normalise_url(base))
    with admin.begin() as conn:
        conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    admin.dispose()


def alertmanager_body(a: A) -> bytes:
    return json.dumps({"version": "4", "status": "resolved" if a.resolved_at else "firing", "receiver": "handoff",
                       "alerts": [{
                           "status": "resolved" if a.resolved_at else "firing",
                           "labels": {"alertname": a.check_name, "instance": f"{a.device}:9100",
                                      "tenant": a.tenant_id, "severity": a.severity},
                           "annotations": {"summary": a.message},
                           "startsAt": a.at.isoformat(),
                           "endsAt": a.resolved_at.isoformat() if a.resolved_at else "0001-01-01T00:00:00Z"}]}).encode()


def ninjaone_body(a: A) -> bytes:
    """A NinjaOne CONDITION activity, shaped like the published ones (tests/harness/vendor_bodies.py)."""
    return json.dumps({
        "id": a.pk, "activityTime": a.at.timestamp(), "deviceId": a.pk % 97, "severity": "MAJOR"
        if a.severity == "critical" else "MINOR", "priority": "HIGH", "seriesUid": f"series-{a.pk}",
        "activityType": "CONDITION", "statusCode": "TRIGGERED", "status": "Triggered",
        "sourceName": a.check_name, "subject": "", "message": a.message, "type": "Condition",
        "device": {"id": a.pk % 97, "systemName": a.device, "displayName": a.device}}).encode()


BODIES = {"alertmanager": (alertmanager_body, lambda a: "/alerts/alertmanager"),
          "ninjaone": (ninjaone_body, lambda a: f"/alerts/ninjaone/{a.tenant_id}")}


def bench_webhook(alerts: list[A], rate: float, seconds: float, fmt: str = "alertmanager") -> None:

    with tempfile.TemporaryDirectory() as tmp:
        token = uuid.uuid4().hex
        env = {**os.environ, "HANDOFF_DATA_DIR": tmp, "HANDOFF_INBOUND_TOKEN": token}
        env.pop("HANDOFF_DATABASE_URL", None)
        folder = Path(tmp) / "world"
        folder.mkdir()
        tenants = sorted({a.tenant_id for a in alerts})
        (folder / "tenants.yaml").write_text("tenants:\n" + "".join(f"  - id: {t}\n    name: {t}\n" for t in tenants))
        subprocess.run([sys.executable, "-m", "adapters.cli.main", "ingest", str(folder)], cwd=ROOT, env=env, check=True,
                       capture_output=True)
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        server = subprocess.Popen([sys.executable, "-m", "adapters.cli.main", "serve", "inbound", "--port", str(port)],
                                  cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        try:
            latencies, errors = asyncio.run(_load(port, token, alerts, rate, seconds, fmt))
        finally:
            server.terminate()
            server.wait(timeout=10)
    if not latencies:
        print("webhook: no successful requests", errors)
        return
    latencies.sort()
    p50 = latencies[len(latencies) // 2] * 1000
    p99 = latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))] * 1000
    print(f"webhook {fmt} (SQLite, 1 alert per body, {rate:g} req/s for {seconds:g} s, second process on loopback): "
          f"{len(latencies)} ok, {errors} errors; p50 {p50:.1f} ms, p99 {p99:.1f} ms, max {latencies[-1] * 1000:.1f} ms")


async def _load(port: int, token: str, alerts: list[A], rate: float, seconds: float,
                fmt: str) -> tuple[list[float], int]:
    import aiohttp

    make_body, path = BODIES[fmt]
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    async with aiohttp.ClientSession() as session:
        for _ in range(100):
            try:
                async with session.get(f"http://127.0.0.1:{port}/healthz") as resp:
                    if resp.status == 200:
                        break
            except aiohttp.ClientError:
                await asyncio.sleep(0.1)
        # Warm-up: the first requests open the database and import drain3.
        for a in alerts[:5]:
            async with session.post(f"http://127.0.0.1:{port}{path(a)}", data=make_body(a), headers=headers) as resp:
                await resp.read()
        latencies: list[float] = []
        errors = 0

        async def one(url: str, body: bytes) -> None:
            nonlocal errors
            start = time.perf_counter()
            try:
                async with session.post(url, data=body, headers=headers) as resp:
                    await resp.read()
                    if resp.status != 200:
                        errors += 1
                        return
            except aiohttp.ClientError:
                errors += 1
                return
            latencies.append(time.perf_counter() - start)

        total = int(rate * seconds)
        tasks = []
        begin = time.perf_counter()
        for i, a in enumerate(alerts[5 : 5 + total]):
            delay = begin + i / rate - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            tasks.append(asyncio.create_task(one(f"http://127.0.0.1:{port}{path(a)}", make_body(a))))
        await asyncio.gather(*tasks)
    return latencies, errors


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--alerts", type=int, default=3000)
    parser.add_argument("--batch", type=int, default=50, help="alerts per delivery in the storage run (50)")
    parser.add_argument("--rate", type=float, default=20.0, help="webhook requests per second (20)")
    parser.add_argument("--seconds", type=float, default=10.0, help="webhook load duration (10)")
    parser.add_argument("--no-postgres", action="store_true")
    parser.add_argument("--no-webhook", action="store_true")
    args = parser.parse_args()
    alerts = alerts_for(args.alerts)
    bench_clustering(alerts)
    with tempfile.TemporaryDirectory() as tmp:
        bench_storage("SQLite", f"sqlite:///{tmp}/bench.db", alerts, args.batch)
    if not args.no_postgres:
        pg = postgres_schema_url()
        if pg is not None:
            base, schema, url = pg
            try:
                bench_storage("PostgreSQL", url, alerts, args.batch)
            finally:
                drop_schema(base, schema)
    if not args.no_webhook:
        for fmt in BODIES:
            bench_webhook(alerts, args.rate, args.seconds, fmt)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
