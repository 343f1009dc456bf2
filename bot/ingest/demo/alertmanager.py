"""Prometheus Alertmanager webhook bodies (version 4) for Ridgeline's Linux hosts.

Ridgeline runs node_exporter on RL-NAS01 (Veeam hardened repository) and the Proxmox
hosts; Prometheus on RL-MON01 relabels `instance` to the bare host name so it matches
the RMM device names. Firing alerts carry the zero time as `endsAt`, as Alertmanager does.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

ZERO = "0001-01-01T00:00:00Z"
EXTERNAL = "http://rl-mon01.ridgeline.corp:9093"
RUNBOOKS = "https://runbooks.prometheus-operator.dev/runbooks/node/"

# key -> alert definition. A story ticket claims alerts by key (`am_links`) as part of its incident.
ALERTS: dict[str, dict[str, Any]] = {
    "nas-fill-1": {
        "alertname": "NodeFilesystemSpaceFillingUp",
        "instance": "RL-NAS01",
        "severity": "warning",
        "extra": {"device": "/dev/sdb1", "fstype": "xfs", "mountpoint": "/mnt/veeam"},
        "summary": "Filesystem is predicted to run out of space within the next 24 hours.",
        "description": "/mnt/veeam on RL-NAS01 (/dev/sdb1) has 7.4% space left and at the current growth rate will be full in about 21 hours.",
        "expr": 'predict_linear(node_filesystem_avail_bytes{job="node",fstype!=""}[6h], 24*60*60) < 0 and node_filesystem_avail_bytes{job="node",fstype!=""} / node_filesystem_size_bytes{job="node",fstype!=""} * 100 < 15',
        "startsAt": "2026-11-17T08:58:00Z",
        "endsAt": "2026-11-21T16:20:00Z",
    },
    "nas-fill-2": {
        "alertname": "NodeFilesystemSpaceFillingUp",
        "instance": "RL-NAS01",
        "severity": "critical",
        "extra": {"device": "/dev/sdb1", "fstype": "xfs", "mountpoint": "/mnt/veeam"},
        "summary": "Filesystem is predicted to run out of space within the next 4 hours.",
        "description": "/mnt/veeam on RL-NAS01 (/dev/sdb1) has 6.9% space left; the active full of Nightly-VMs is writing about 310 GB/h.",
        "expr": 'predict_linear(node_filesystem_avail_bytes{job="node",fstype!=""}[6h], 4*60*60) < 0 and node_filesystem_avail_bytes{job="node",fstype!=""} / node_filesystem_size_bytes{job="node",fstype!=""} * 100 < 10',
        "startsAt": "2026-11-17T09:55:00Z",
        "endsAt": "2026-11-21T16:05:00Z",
    },
    "nas-transport": {
        "alertname": "NodeSystemdServiceFailed",
        "instance": "RL-NAS01",
        "severity": "warning",
        "extra": {"name": "veeamtransport.service", "state": "failed"},
        "summary": "Systemd service has entered failed state.",
        "description": "veeamtransport.service on RL-NAS01 is in state failed (exit code 1, restarted 3 times).",
        "expr": 'node_systemd_unit_state{job="node",state="failed"} == 1',
        "startsAt": "2026-10-09T02:14:00Z",
        "endsAt": "2026-10-09T02:31:00Z",
    },
    "pve2-skew": {
        "alertname": "NodeClockSkewDetected",
        "instance": "RL-PVE02",
        "severity": "warning",
        "extra": {},
        "summary": "Clock skew detected.",
        "description": "Clock on RL-PVE02 is off by 0.071 s and chrony reports it is not converging (source 10.30.0.10 unreachable).",
        "expr": 'abs(node_timex_offset_seconds{job="node"}) > 0.05 and deriv(node_timex_offset_seconds{job="node"}[5m]) >= 0',
        "startsAt": "2026-11-03T11:20:00Z",
        "endsAt": ZERO,
    },
    "pve1-mem": {
        "alertname": "NodeMemoryHighUtilization",
        "instance": "RL-PVE01",
        "severity": "warning",
        "extra": {},
        "summary": "Host is running out of memory.",
        "description": "Memory on RL-PVE01 is 93.8% used (ZFS ARC 41 GiB, guests 76 GiB of 128 GiB).",
        "expr": '100 - (node_memory_MemAvailable_bytes{job="node"} / node_memory_MemTotal_bytes{job="node"} * 100) > 90',
        "startsAt": "2026-11-24T01:50:00Z",
        "endsAt": ZERO,
    },
    "pve2-mem": {
        "alertname": "NodeMemoryHighUtilization",
        "instance": "RL-PVE02",
        "severity": "warning",
        "extra": {},
        "summary": "Host is running out of memory.",
        "description": "Memory on RL-PVE02 is 91.2% used (ZFS ARC 38 GiB, guests 79 GiB of 128 GiB).",
        "expr": '100 - (node_memory_MemAvailable_bytes{job="node"} / node_memory_MemTotal_bytes{job="node"} * 100) > 90',
        "startsAt": "2026-11-24T01:52:00Z",
        "endsAt": ZERO,
    },
    "pve1-rxerr": {
        "alertname": "NodeNetworkReceiveErrs",
        "instance": "RL-PVE01",
        "severity": "warning",
        "extra": {"device": "enp65s0f1"},
        "summary": "Network interface is reporting many receive errors.",
        "description": "enp65s0f1 on RL-PVE01 saw 1,482 receive errors in the last 2 minutes (CRC); check the cable to switch port Gi1/0/22.",
        "expr": 'rate(node_network_receive_errs_total{job="node"}[2m]) / rate(node_network_receive_packets_total{job="node"}[2m]) > 0.01',
        "startsAt": "2026-09-12T07:40:00Z",
        "endsAt": ZERO,
    },
}

# (status, alert keys, per-alert status override) in delivery order
BODIES = [
    ("firing", ["pve1-rxerr"]),
    ("firing", ["nas-transport"]),
    ("resolved", ["nas-transport"]),
    ("firing", ["pve2-skew"]),
    ("firing", ["nas-fill-1"]),
    ("firing", ["nas-fill-1", "nas-fill-2"]),
    ("resolved", ["nas-fill-1", "nas-fill-2"]),
    ("firing", ["pve1-mem", "pve2-mem"]),
]
# Alerts that share one incident (beyond the one-alert-one-incident default)
INCIDENT_GROUPS = [["nas-fill-1", "nas-fill-2"], ["pve1-mem", "pve2-mem"]]


# Fingerprints are pinned: they name Alertmanager alerts in the packet labels (4152), so they
# must not move when the background noise (generated before them) changes.
FINGERPRINTS = {
    "nas-fill-1": "575dde2ec884b1e2",
    "nas-fill-2": "f4515578e6e76f5a",
    "nas-transport": "693af0f76a4ab1aa",
    "pve2-skew": "c780db9cb97c118e",
    "pve1-mem": "c235777f2bf25118",
    "pve2-mem": "d75b5734f3d8b0ac",
    "pve1-rxerr": "b5d49427959dff05",
}


def fingerprints() -> dict[str, str]:
    return {k: FINGERPRINTS[k] for k in ALERTS}


def _alert(key: str, status: str, fp: str) -> dict:
    a = ALERTS[key]
    labels = {
        "alertname": a["alertname"],
        "instance": a["instance"],
        "job": "node",
        "severity": a["severity"],
        "tenant": "ridgeline",
        **a["extra"],
    }
    return {
        "status": status,
        "labels": labels,
        "annotations": {
            "summary": a["summary"],
            "description": a["description"],
            "runbook_url": RUNBOOKS + a["alertname"].lower(),
        },
        "startsAt": a["startsAt"],
        "endsAt": a["endsAt"] if status == "resolved" else ZERO,
        "generatorURL": f"http://rl-mon01.ridgeline.corp:9090/graph?g0.expr={quote(a['expr'], safe='')}&g0.tab=1",
        "fingerprint": fp,
    }


def bodies(fps: dict[str, str]) -> list[tuple[str, dict]]:
    out = []
    for i, (status, keys) in enumerate(BODIES, 1):
        alerts = [_alert(k, status, fps[k]) for k in keys]
        name = ALERTS[keys[0]]["alertname"]
        common = {
            k: v for k, v in alerts[0]["labels"].items() if all(a["labels"].get(k) == v for a in alerts)
        }
        common_ann = {
            k: v
            for k, v in alerts[0]["annotations"].items()
            if all(a["annotations"].get(k) == v for a in alerts)
        }
        body = {
            "version": "4",
            "groupKey": f'{{}}:{{alertname="{name}"}}',
            "truncatedAlerts": 0,
            "status": status,
            "receiver": "handoff",
            "groupLabels": {"alertname": name},
            "commonLabels": common,
            "commonAnnotations": common_ann,
            "externalURL": EXTERNAL,
            "alerts": alerts,
        }
        out.append((f"{i:02d}-{name}-{status}.json", body))
    return out


def alert_id(key: str, fps: dict[str, str]) -> str:
    return f"{fps[key]}@{ALERTS[key]['startsAt']}"
