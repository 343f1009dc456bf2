"""Make a k-times larger copy of a dataset folder, for benchmarks.

Copy i of every client becomes tenant ``<id>-<i>`` with its own tickets,
alerts and documents (ids prefixed so they stay unique MSP-wide). The shape
of the data (notes per ticket, alert noise, document sizes) stays that of
the original, so rates measured on the copy are comparable.
"""

from __future__ import annotations

import argparse
import json
import shutil
from pathlib import Path

import yaml


def scale(src: Path, dst: Path, factor: int) -> Path:
    if dst.exists():
        shutil.rmtree(dst)
    dst.mkdir(parents=True)
    tenants = yaml.safe_load((src / "tenants.yaml").read_text())["tenants"]
    out_tenants = []
    for i in range(factor):
        for t in tenants:
            copy = dict(t, id=f"{t['id']}-{i}", name=f"{t['name']} {i}")
            copy["channels"] = {k: [f"{c}-{i}" for c in v] for k, v in (t.get("channels") or {}).items()}
            out_tenants.append(copy)
    (dst / "tenants.yaml").write_text(yaml.safe_dump({"tenants": out_tenants}, sort_keys=False))

    for name in ("tickets.jsonl", "alerts.jsonl"):
        if not (src / name).exists():
            continue
        lines = [json.loads(line) for line in (src / name).read_text().splitlines() if line.strip()]
        with (dst / name).open("w") as out:
            for i in range(factor):
                for row in lines:
                    row = dict(row, id=f"{i}{row['id']}" if name == "tickets.jsonl" else f"{i}-{row['id']}",
                               tenant=f"{row['tenant']}-{i}")
                    if "notes" in row:
                        row["notes"] = [dict(n, id=f"{i}-{n['id']}") for n in row["notes"]]
                    out.write(json.dumps(row) + "\n")
    if (src / "alertmanager").is_dir():
        (dst / "alertmanager").mkdir()
        for body_path in sorted((src / "alertmanager").glob("*.json")):
            body = json.loads(body_path.read_text())
            for i in range(factor):
                copy = json.loads(json.dumps(body))
                for alert in copy.get("alerts", []):
                    labels = alert.setdefault("labels", {})
                    tenant = labels.get("tenant") or copy.get("commonLabels", {}).get("tenant")
                    labels["tenant"] = f"{tenant}-{i}"
                    if "fingerprint" in alert:
                        alert["fingerprint"] = f"{i:02x}{alert['fingerprint'][2:]}"
                copy.get("commonLabels", {}).pop("tenant", None)
                (dst / "alertmanager" / f"{body_path.stem}-{i}.json").write_text(json.dumps(copy))
    docs = src / "docs"
    if docs.is_dir():
        for owner in sorted(p for p in docs.iterdir() if p.is_dir()):
            if owner.name == "_global":
                shutil.copytree(owner, dst / "docs" / "_global")
                continue
            for i in range(factor):
                shutil.copytree(owner, dst / "docs" / f"{owner.name}-{i}")
    return dst


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("src", type=Path)
    parser.add_argument("dst", type=Path)
    parser.add_argument("--factor", type=int, default=20)
    args = parser.parse_args()
    print(scale(args.src, args.dst, args.factor))
