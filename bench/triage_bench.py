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
3. Webhook latency: ``handoff serve inbound`` runs in a second process
   (SQLite); this process posts one Alertmanager body (one alert) every 1/R
   seconds for S seconds on loopback, open loop (a slow answer does not delay
   the next request), and reports p50/p99 of the round trip.

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


def bench_clustering(alerts: list[A]) -> None:
    runs = []
    for _ in range(3):
        start = time.perf_counter()
        signals = triage(alerts)
        runs.append(time.perf_counter() - start)
    median = statistics.median(runs)
    print(f"clustering alone: {len(alerts)} alerts -> {len(signals)} signals in {median * 1000:.0f} ms: "
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


def bench_webhook(alerts: list[A], rate: float, seconds: float) -> None:

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
            latencies, errors = asyncio.run(_load(port, token, alerts, rate, seconds))
        finally:
            server.terminate()
            server.wait(timeout=10)
    if not latencies:
        print("webhook: no successful requests", errors)
        return
    latencies.sort()
    p50 = latencies[len(latencies) // 2] * 1000
    p99 = latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))] * 1000
    print(f"webhook (SQLite, 1 alert per body, {rate:g} req/s for {seconds:g} s, second process on loopback): "
          f"{len(latencies)} ok, {errors} errors; p50 {p50:.1f} ms, p99 {p99:.1f} ms, max {latencies[-1] * 1000:.1f} ms")


async def _load(port: int, token: str, alerts: list[A], rate: float, seconds: float) -> tuple[list[float], int]:
    import aiohttp

    url = f"http://127.0.0.1:{port}/alerts/alertmanager"
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
            async with session.post(url, data=alertmanager_body(a), headers=headers) as resp:
                await resp.read()
        latencies: list[float] = []
        errors = 0

        async def one(body: bytes) -> None:
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
            tasks.append(asyncio.create_task(one(alertmanager_body(a))))
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
        bench_webhook(alerts, args.rate, args.seconds)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
