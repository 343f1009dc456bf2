"""Triage speed: clustering alone, with storage on SQLite and PostgreSQL, and webhook latency.

    python bench/triage_bench.py [--alerts N] [--rate R] [--seconds S] [--no-postgres]
    python bench/triage_bench.py --compare /work/v01 [--rounds 5] [--no-postgres]

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
3. The webhook's work in this process: ``receive_alerts`` on 400 Alertmanager bodies into SQLite, CPU
   time per body (no HTTP, no second process: the steadiest number here on a loaded machine).
4. Webhook latency: ``handoff serve inbound`` runs in a second process
   (SQLite); this process posts one body (one alert) every 1/R seconds for S
   seconds on loopback, open loop (a slow answer does not delay the next
   request), and reports p50/p99 of the round trip: Alertmanager bodies to
   ``/alerts/alertmanager``, then NinjaOne bodies to ``/alerts/ninjaone/<tenant>``.
   The NinjaOne bodies are triggers only (a reset is a separate activity), so
   their alerts stay open and each classification re-triages more of them.

One run each; the machine is shared, so read the numbers as orders of magnitude. Next to each
wall-clock throughput, the same work per CPU second of this process (SQLite's writes included, its
waits for the disk and for other processes not), and for the webhook the server process's CPU time per
request (from /proc): these move much less with other work on the machine.

``--compare DIR`` puts numbers side by side on a loaded machine: it measures
this tree and the checkout in DIR (v0.1, say) in turn, ``--rounds`` times each,
alternating which goes first, each run a fresh subprocess with that checkout
first on PYTHONPATH (``--code DIR`` measures one checkout; the stream of alerts
always comes from this tree, so both see the same input). It prints a table of
medians and the ratio this/DIR per measurement; a measurement the other
checkout cannot run (topology, the NinjaOne endpoint came after v0.1) shows n/a.
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
from importlib.util import module_from_spec, spec_from_file_location
from pathlib import Path
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any

from sqlalchemy import create_engine, text
from sqlmodel import select

ROOT = Path(__file__).resolve().parents[1]


def _own(relative: str) -> Any:
    """A module of this tree by path: with ``--code DIR``, ``bench`` and ``bot`` come from DIR."""
    spec = spec_from_file_location(f"_triage_bench_{Path(relative).stem}", ROOT / relative)
    module = module_from_spec(spec)  # type: ignore[arg-type]
    sys.modules[spec.name] = module  # type: ignore[union-attr]  # dataclasses look their module up
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    return module


_stream = _own("bench/support/alert_stream.py")
stream = _stream.stream
if TYPE_CHECKING:  # the same class, for the annotations (at run time it is loaded by path above)
    from bench.support.alert_stream import A
load_api = _own("bench/support/triage_api.py").load
compare_runs = _own("bench/support/triage_compare.py").compare_runs


def alerts_for(n: int) -> list[A]:
    tenants = max(1, n // 400)
    out = stream(tenants=tenants, hours=24 * 7)
    while len(out) < n:
        tenants += 1
        out = stream(tenants=tenants, hours=24 * 7)
    return out[:n]


def topologies_for(alerts: list[A]) -> dict[str, Any]:
    """Every client: workstations behind a main-site firewall on a UPS, a second site behind its own."""
    out = {}
    for tenant in sorted({a.tenant_id for a in alerts}):
        prefix = tenant.upper()
        out[tenant] = api.topology_from({
            "sites": [{"name": "Main", "devices": [f"{prefix}-WS0*", f"{prefix}-WS1*"], "uplink": f"{prefix}-FW"},
                      {"name": "Branch", "devices": [f"{prefix}-WS2*"], "uplink": f"{prefix}-BR-FW",
                       "depends_on": ["Main"]}],
            "depends_on": {f"{prefix}-FW": [f"{prefix}-UPS"]}})
    return out


def bench_clustering(alerts: list[A]) -> dict[str, float]:
    found = {}
    plans: list[tuple[str, str, dict[str, Any] | None]] = [("clustering alone", "clustering alone", None)]
    if api.topology_from is not None:
        plans.append(("clustering with topology", "clustering alone, with topology", topologies_for(alerts)))
    for key, label, topologies in plans:
        runs, cpu = [], []
        for _ in range(3):
            start, start_cpu = time.perf_counter(), time.process_time()
            signals = api.triage(alerts, topologies=topologies) if topologies else api.triage(alerts)
            runs.append(time.perf_counter() - start)
            cpu.append(time.process_time() - start_cpu)
        median = statistics.median(runs)
        found[f"{key} (alerts/s)"] = len(alerts) / median
        found[f"{key}, per CPU second (alerts/s)"] = len(alerts) / statistics.median(cpu)
        print(f"{label}: {len(alerts)} alerts -> {len(signals)} signals in {median * 1000:.0f} ms: "
              f"{len(alerts) / median:,.0f} alerts/s (median of 3)")
    return found


def _records(alerts: list[A]) -> list[Any]:
    return [api.AlertRecord.model_validate(a.record()) for a in alerts]


def bench_storage(name: str, url: str, alerts: list[A], batch: int) -> dict[str, float]:
    engine = api.make_engine(url)
    api.upgrade(engine)
    tenants = sorted({a.tenant_id for a in alerts})
    now = datetime.now(UTC)
    with api.session_scope(engine) as session:
        for t in tenants:
            session.add(api.Tenant(id=t, name=t, content_hash="-", created_at=now, updated_at=now))
    records = _records(alerts)
    start, start_cpu = time.perf_counter(), time.process_time()
    for offset in range(0, len(records), batch):
        chunk = records[offset : offset + batch]
        with api.session_scope(engine) as session:
            new, updated, _, conflicts = api.store_alerts(chunk, session=session)
            assert not conflicts
            owners = dict(session.exec(select(api.Alert.pk, api.Alert.tenant_id).where(api.Alert.pk.in_(new + updated))).all())
        for tenant in sorted(set(owners.values())):
            with api.session_scope(engine) as session:
                api.classify_alerts(session=session, tenant_id=tenant, pks=[p for p, t in owners.items() if t == tenant])
    live, live_cpu = time.perf_counter() - start, time.process_time() - start_cpu
    with api.session_scope(engine) as session:
        session.execute(text("UPDATE alert SET signal_id = NULL, classified_at = NULL"))
        session.execute(text("DELETE FROM signal"))
    start = time.perf_counter()
    for tenant in tenants:
        with api.session_scope(engine) as session:
            api.classify_pending(session=session, tenant_id=tenant)
    bulk = time.perf_counter() - start
    engine.dispose()
    print(f"with storage, {name}: deliveries of {batch} stored + classified: {len(records) / live:,.0f} alerts/s "
          f"({live:.1f} s); re-classifying all stored alerts: {len(records) / bulk:,.0f} alerts/s ({bulk:.1f} s)")
    return {f"stored in deliveries of {batch}, {name} (alerts/s)": len(records) / live,
            f"stored in deliveries of {batch}, {name}, per CPU second (alerts/s)": len(records) / live_cpu,
            f"re-classifying all, {name} (alerts/s)": len(records) / bulk}


def bench_receive(alerts: list[A], count: int = 400) -> dict[str, float]:
    """The webhook's work without HTTP: ``receive_alerts`` on ``count`` Alertmanager bodies (one alert
    each) into SQLite, in this process; CPU time per body (parse, store, classify its window)."""
    with tempfile.TemporaryDirectory() as tmp:
        engine = api.make_engine(f"sqlite:///{tmp}/receive.db")
        api.upgrade(engine)
        now = datetime.now(UTC)
        with api.session_scope(engine) as session:
            for t in sorted({a.tenant_id for a in alerts}):
                session.add(api.Tenant(id=t, name=t, content_hash="-", created_at=now, updated_at=now))
        bodies = [alertmanager_body(a) for a in alerts[: count + 20]]
        for body in bodies[:20]:  # warm-up: imports, statement caches
            api.receive_alerts(body, fmt="alertmanager", endpoint_tenant=None, engine=engine)
        start = time.process_time()
        for body in bodies[20:]:
            api.receive_alerts(body, fmt="alertmanager", endpoint_tenant=None, engine=engine)
        per_body = (time.process_time() - start) / max(1, len(bodies) - 20) * 1000
        engine.dispose()
    print(f"webhook work in process (receive_alerts, SQLite, {len(bodies) - 20} Alertmanager bodies of 1 alert): "
          f"{per_body:.2f} ms CPU per body")
    return {"receive_alerts in process, CPU per body (ms)": per_body}


def postgres_schema_url() -> tuple[str, str, str] | None:
    base = os.environ.get("HANDOFF_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")
    try:
        admin = create_engine(api.normalise_url(base), connect_args={"connect_timeout": 3})
        schema = f"bench_{uuid.uuid4().hex[:10]}"
        with admin.begin() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
        admin.dispose()
    except Exception as exc:  # noqa: BLE001  (unreachable: say so and skip)
        print(f"with storage, PostgreSQL: skipped ({base} not reachable: {exc.__class__.__name__})")
        return None
    sep = "&" if "?" in base else "?"
    return base, schema, f"{api.normalise_url(base)}{sep}options=-csearch_path%3D{schema}"


def drop_schema(base: str, schema: str) -> None:
    admin = create_engine(api.normalise_url(base))
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


def bench_webhook(alerts: list[A], rate: float, seconds: float, fmt: str = "alertmanager") -> dict[str, float]:
    with tempfile.TemporaryDirectory() as tmp:
        token = uuid.uuid4().hex
        env = {**os.environ, "HANDOFF_DATA_DIR": tmp, "HANDOFF_INBOUND_TOKEN": token, "PYTHONPATH": str(api.code)}
        env.pop("HANDOFF_DATABASE_URL", None)
        folder = Path(tmp) / "world"
        folder.mkdir()
        tenants = sorted({a.tenant_id for a in alerts})
        (folder / "tenants.yaml").write_text("tenants:\n" + "".join(f"  - id: {t}\n    name: {t}\n" for t in tenants))
        subprocess.run([sys.executable, "-m", api.cli, "ingest", str(folder)], cwd=api.code, env=env, check=True,
                       capture_output=True)
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        server = subprocess.Popen([sys.executable, "-m", api.cli, "serve", "inbound", "--port", str(port)],
                                  cwd=api.code, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        try:
            latencies, errors, server_cpu = asyncio.run(_load(port, token, alerts, rate, seconds, fmt,
                                                             lambda: _cpu_seconds(server.pid)))
        finally:
            server.terminate()
            server.wait(timeout=10)
    if not latencies:
        print("webhook: no successful requests", errors)
        return {}
    per_request = {} if server_cpu is None else {
        f"webhook {fmt} server CPU per request (ms)": server_cpu / (len(latencies) + errors) * 1000}
    latencies.sort()
    p50 = latencies[len(latencies) // 2] * 1000
    p99 = latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))] * 1000
    print(f"webhook {fmt} (SQLite, 1 alert per body, {rate:g} req/s for {seconds:g} s, second process on loopback): "
          f"{len(latencies)} ok, {errors} errors; p50 {p50:.1f} ms, p99 {p99:.1f} ms, max {latencies[-1] * 1000:.1f} ms" + "".join(f"; server CPU {v:.1f} ms per request" for v in per_request.values()))
    return {f"webhook {fmt} p50 (ms)": p50, f"webhook {fmt} p99 (ms)": p99, **per_request}


def _cpu_seconds(pid: int) -> float | None:
    """User + system CPU time a process has used (Linux /proc), or None elsewhere: unlike latency, it
    hardly moves with the machine's load."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def _load(port: int, token: str, alerts: list[A], rate: float, seconds: float, fmt: str,
                server_cpu: Any) -> tuple[list[float], int, float | None]:
    import aiohttp

    make_body, path = BODIES[fmt]
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    async with aiohttp.ClientSession() as session:
        # The server imports and migrates first: seconds on a quiet machine, much longer on a loaded one.
        deadline = time.monotonic() + 180
        while True:
            try:
                async with session.get(f"http://127.0.0.1:{port}/healthz") as resp:
                    if resp.status == 200:
                        break
            except aiohttp.ClientError:
                pass
            if time.monotonic() > deadline:
                raise SystemExit(f"webhook: the server on port {port} did not answer /healthz within 180 s")
            await asyncio.sleep(0.2)
        # Warm-up: the first requests open the database and import drain3.
        for a in alerts[:5]:
            async with session.post(f"http://127.0.0.1:{port}{path(a)}", data=make_body(a), headers=headers) as resp:
                await resp.read()
        latencies: list[float] = []
        errors = 0
        cpu_before = server_cpu()

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
        cpu_after = server_cpu()
    used = None if cpu_before is None or cpu_after is None else cpu_after - cpu_before
    return latencies, errors, used


def measure(args: argparse.Namespace) -> dict[str, float]:
    """Every measurement of one checkout (``api``), as printed lines and as numbers."""
    alerts = alerts_for(args.alerts)
    found = bench_clustering(alerts)
    with tempfile.TemporaryDirectory() as tmp:
        found |= bench_storage("SQLite", f"sqlite:///{tmp}/bench.db", alerts, args.batch)
    if not args.no_postgres:
        pg = postgres_schema_url()
        if pg is not None:
            base, schema, url = pg
            try:
                found |= bench_storage("PostgreSQL", url, alerts, args.batch)
            finally:
                drop_schema(base, schema)
    found |= bench_receive(alerts)
    if not args.no_webhook:
        for fmt in BODIES:
            if fmt != "ninjaone" or api.ninjaone:
                found |= bench_webhook(alerts, args.rate, args.seconds, fmt)
    return found


api = SimpleNamespace()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--alerts", type=int, default=3000)
    parser.add_argument("--batch", type=int, default=50, help="alerts per delivery in the storage run (50)")
    parser.add_argument("--rate", type=float, default=20.0, help="webhook requests per second (20)")
    parser.add_argument("--seconds", type=float, default=10.0, help="webhook load duration (10)")
    parser.add_argument("--no-postgres", action="store_true")
    parser.add_argument("--no-webhook", action="store_true")
    parser.add_argument("--code", type=Path, default=ROOT, help="the checkout to measure (default: this tree)")
    parser.add_argument("--compare", type=Path, metavar="DIR",
                        help="measure this tree and the checkout in DIR in turn; print medians and ratios")
    parser.add_argument("--rounds", type=int, default=5, help="runs of each checkout with --compare (5)")
    parser.add_argument("--json", action="store_true", help="end with one line: RESULT <the numbers as JSON>")
    args = parser.parse_args()
    for flag, value in (("--code", args.code), ("--compare", args.compare)):
        if value is not None and not (value / "bot").is_dir():
            parser.error(f"{flag} {value}: not a checkout of this project (no bot/ folder)")
    if args.rounds < 1:
        parser.error("--rounds must be at least 1")
    if args.compare is not None:
        passed = [f"--alerts={args.alerts}", f"--batch={args.batch}", f"--rate={args.rate}",
                  f"--seconds={args.seconds}"] + [f for f in ("--no-postgres", "--no-webhook") if getattr(args, f[2:].replace("-", "_"))]
        return compare_runs(Path(__file__).resolve(), ROOT, args.compare.resolve(), args.rounds, passed)
    api.__dict__.update(vars(load_api(args.code)))
    found = measure(args)
    if args.json:
        print("RESULT " + json.dumps(found), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
