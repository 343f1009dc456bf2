"""Shared pieces of the retrieval tests: small adversarial worlds and settings.

The session-wide ``embedder`` fixture lives in ``tests/conftest.py``.
"""

from __future__ import annotations

from pathlib import Path

from bot.config import Settings
from bot.db.engine import make_engine, upgrade


def sqlite_engine(tmp_path: Path):  # type: ignore[no-untyped-def]
    engine = make_engine(f"sqlite:///{tmp_path / 'handoff.db'}")
    upgrade(engine)
    return engine


def settings_for(tmp_path: Path, **overrides: object) -> Settings:
    return Settings(data_dir=tmp_path / "data", database_url=f"sqlite:///{tmp_path / 'handoff.db'}", **overrides)


# Two clients with the same device names and near-identical runbooks, each with
# a canary string that must never be seen from the other client.
ADVERSARIAL_DOCS = {
    "_global/ad-replication.md": (
        "---\ntitle: AD replication failures\nkind: runbook\nurl: https://docs.example.com/ad\n---\n"
        "# AD replication failures\n## Check replication health\n"
        "Run repadmin /replsummary and repadmin /showrepl on the failing domain controller.\n"
        "## RPC server unavailable (1722)\nCheck that TCP 135 and the dynamic RPC ports are open between DCs.\n"
    ),
    "acme/runbooks/dc01-replication.md": (
        "---\ntitle: DC01 replication at Acme\nkind: runbook\ndevices: [DC01, DC02]\n---\n"
        "# DC01 replication at Acme\n## Where things are\n"
        "DC01 is in the Elm St office, DC02 in the lab. Replication between them uses the site VPN.\n"
        "## When replication fails\nOn DC01 run repadmin /showrepl. Call Dana Whitfield before restarting "
        "the KDC. Canary ACMECANARY7731 marks this as Acme-only.\n"
    ),
    "ridge/runbooks/dc01-replication.md": (
        "---\ntitle: DC01 replication at Ridgeline\nkind: runbook\ndevices: [DC01, DC02]\n---\n"
        "# DC01 replication at Ridgeline\n## Where things are\n"
        "DC01 is at the plant, DC02 in the office. Replication between them uses the site VPN.\n"
        "## When replication fails\nOn DC01 run repadmin /showrepl. Call the plant manager before restarting "
        "the KDC. Canary RIDGECANARY4410 marks this as Ridgeline-only.\n"
    ),
    "acme/notes/imaging.md": (
        "---\ntitle: Imaging server\nkind: client-note\n---\n"
        "The imaging server admin portal listens on TCP 8443; password vault entry ACMECANARY7731.\n"
    ),
    "ridge/notes/plant-vpn.md": (
        "---\ntitle: Plant VPN\nkind: client-note\n---\n"
        "The plant VPN flaps when the ISP renegotiates; vault entry RIDGECANARY4410.\n"
    ),
}

CANARY = {"acme": "ACMECANARY7731", "ridge": "RIDGECANARY4410"}
