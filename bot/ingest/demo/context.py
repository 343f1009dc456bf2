"""Placeholder values for one generated ticket: who, which device, which job, which error."""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from .alertkinds import KBS, WU_ERRORS
from .cast import first_name

INTUNE_TENANTS = {"harbor-law", "stmarks"}
# backup jobs whose history is hand-written in the stories; generated tickets leave them alone
STORY_JOBS = {"acme": {"Denticore-SQL"}, "ridgeline": {"ERP-SQL"}}

NEW_STARTERS = [
    "Olivia Grant",
    "Ethan Moore",
    "Priscilla Vance",
    "Jamal Wright",
    "Chloe Bennett",
    "Victor Huang",
    "Sara Lindgren",
    "Noah Castillo",
    "Ava Petrov",
    "Isaac Romero",
]
WRITERS = [
    ("SqlServerWriter", "SQLWriter"),
    ("System Writer", "CryptSvc"),
    ("WMI Writer", "Winmgmt"),
    ("Registry Writer", "VSS"),
]
BUGCHECKS = [
    ("0x0000007E", "igdkmdn64.sys"),
    ("0x000000D1", "e1dexpress.sys"),
    ("0x0000003B", "dlkmd.sys"),
    ("0x00000116", "nvlddmkm.sys"),
    ("0x0000009F", "ntoskrnl.exe (power IRP)"),
]
COMPLIANCE = [
    (
        "BitLocker: Not encrypted",
        "Get-Tpm: TpmReady True. Triggered BitLocker via Intune remediation, encryption started.",
    ),
    (
        "Minimum OS version (requires 26100.4946)",
        "Ran Windows Update, installed the latest cumulative update, rebooted.",
    ),
    (
        "Defender real-time protection: Off",
        "Real-time protection was off after a trial AV uninstall left policy behind; removed it, RTP on.",
    ),
    (
        "Firewall: Off",
        "Domain/Private profiles were off (old tweak from a game install?). Turned them back on.",
    ),
]
PARTNER_ORGS = [
    "henleysupply.example",
    "mutualcare-ins.example",
    "northbridgebank.example",
    "statelicensing.example",
    "coastalpayroll.example",
    "summitlabs.example",
]
SITE_URLS = [
    "portal.insurer-claims.example",
    "vendor-orders.example",
    "payroll.coastalpayroll.example",
    "state-licensing.example",
    "bank.northbridgebank.example",
]
ROOMS = {
    "acme": ["the Elm St back office", "operatory 4", "the Main St break room"],
    "harbor-law": ["the large conference room", "the partners' corner", "the file room"],
    "ridgeline": ["the engineering office", "the plant break room", "the shipping office"],
    "tidewater": ["the Northgate surgery room", "the Bayside kennel area", "the Harlow Creek front desk"],
    "beacon-cpa": ["the back offices", "the conference room"],
    "stmarks": ["the library", "room 14", "the science lab", "the gym"],
}
SHARES = {
    "acme": ["\\\\ACME-FS01\\Shared\\Billing", "\\\\ACME-FS01\\Clinical\\Forms"],
    "ridgeline": ["\\\\RL-FS01\\Eng\\Quotes", "\\\\RL-FS01\\Accounting\\AP", "\\\\RL-FS01\\Shipping"],
    "tidewater": ["\\\\TW-SRV01\\Shared\\Admin", "\\\\TW-SRV01\\Shared\\Inventory"],
    "beacon-cpa": ["\\\\BR-FS01\\Clients\\HAR-0127", "\\\\BR-FS01\\Clients\\MOR-0412", "\\\\BR-FS01\\Admin"],
}
BOXES = {
    "acme": ["billing", "frontdesk-elm", "referrals"],
    "harbor-law": ["intake", "accounting", "docketing"],
    "ridgeline": ["orders", "ap", "quality"],
    "tidewater": ["appointments", "bayside-er", "records"],
    "beacon-cpa": ["admin", "payroll-clients", "tax"],
    "stmarks": ["office", "admissions", "athletics"],
}
AD_DOMAINS = {
    "acme": "acmedental.local",
    "ridgeline": "ridgeline.corp",
    "tidewater": "tidewater.local",
    "beacon-cpa": "beaconrowe.local",
}


def has(tenant: dict, need: str | None) -> bool:
    if need is None:
        return True
    if need == "intune":
        return tenant["id"] in INTUNE_TENANTS
    if need == "backup":
        return "backup" in tenant["sources"] and bool(tenant["jobs"])
    return bool(tenant["devices"].get(need))


def pick_device(rng: random.Random, tenant: dict, role: str | None, ctx: dict) -> str | None:
    d = tenant["devices"]
    if role is None:
        return None
    if role == "user":  # a person's own PC, not a shop-floor terminal or the controlled-drug PC
        return rng.choice([w for w in d["ws"] if not w.startswith("RL-MES-") and w != "TW-BAY-RX01"])
    if role == "ws":
        return rng.choice(d["ws"])
    if role == "jobhost":
        return ctx["host"]
    if role == "printer":
        return ctx["printer_dev"]
    if role == "server_or_ws":
        servers = [x for r in ("dc", "file", "app", "backup") for x in d.get(r, [])]
        return rng.choice(servers) if servers and rng.random() < 0.4 else rng.choice(d["ws"])
    if role == "file":
        return d["file"][0]
    return rng.choice(d[role])


SITE_PREFIX = {
    "ACME-HQ": "Main St",
    "ACME-MS": "Main St",
    "ACME-ELM": "Elm St",
    "ACME-OAK": "Oak Park",
    "ACME-WG": "Westgate",
    "TW-BAY": "Bayside",
    "TW-NG": "Northgate",
    "TW-HC": "Harlow Creek",
    "RL-HQ": "HQ",
    "RL-PLT": "Plant 2",
    "RL-MES": "Plant 2",
    "SMA-MX": "Main building",
    "HF-": "Water St office",
    "BR-": "Office",
}


def site_of(tenant: dict, device: str | None, default: str) -> str:
    for prefix, site in SITE_PREFIX.items():
        if device and device.startswith(prefix):
            return site
    return default


def make_context(rng: random.Random, tenant: dict, fam: dict, created: datetime) -> dict:
    r = rng
    tid = tenant["id"]
    user = r.choice(tenant["users"])
    user2 = r.choice([u for u in tenant["users"] if u != user])
    first_qs = fam["ask"][0][0] if fam["ask"] else []
    self_ok = not first_qs or any(q.startswith("Hi {uf}") for q in first_qs)
    if fam["role"] in ("user", "ws") and self_ok and r.random() < 0.6:
        contact = user
    elif fam["role"] in ("user", "ws", "printer"):
        contact = r.choice(tenant["contacts"][:2]) if r.random() < 0.8 else tenant["contact"]
    else:  # servers, firewalls, backups, requests: the main IT contact
        contact = tenant["contact"] if r.random() < 0.85 else tenant["contacts"][1]
    jobs = [j for j in tenant["jobs"] if not j.startswith("Offsite") and j not in STORY_JOBS.get(tid, ())]
    job = r.choice(jobs) if jobs else "Nightly"
    pname, (pdev, pip) = r.choice(list(tenant["printers"].items()))
    if fam["role"] == "printer":
        # network printers only for families that ping/SNMP the printer
        net = [(n, v) for n, v in tenant["printers"].items() if v[1] != "USB"]
        pname, (pdev, pip) = r.choice(net)
    kb, kbt = r.choice(
        [k for k in KBS if k[1][:7] in (f"2026-{created.month:02d}", f"2026-{created.month - 1:02d}")] or KBS
    )
    newuser = r.choice(NEW_STARTERS)
    writer, writer_svc = r.choice(WRITERS)
    code, drv = r.choice(BUGCHECKS)
    setting, fix_step = r.choice(COMPLIANCE)
    dcs = tenant["devices"].get("dc", ["DC01"])
    files = tenant["devices"].get("file", [])
    before = created - timedelta(minutes=r.randint(15, 70))
    after = created + timedelta(minutes=r.randint(120, 320))
    ctx = {
        "user": user,
        "uf": first_name(user),
        "usr": (user.split()[-2][0] if len(user.split()) > 1 else "x").lower() + user.split()[-1].lower(),
        "user2": user2,
        "contact": contact,
        "cf": first_name(contact),
        "site": r.choice(tenant["sites"]),
        "job": job,
        "host": tenant["job_hosts"].get(job, (tenant["devices"].get("backup") or ["SRV01"])[0]),
        "fs": files[0] if files else "the file server",
        "share": r.choice(SHARES.get(tid, ["\\\\server\\share"])),
        "partner_dc": dcs[-1],
        "dom_ad": AD_DOMAINS.get(tid, "corp.local"),
        "dom": tenant["domain"],
        "printer": pname,
        "printer_dev": pdev,
        "pip": pip,
        "pip2": f"{tenant['subnet']}.{r.randint(0, 3)}.{r.randint(100, 199)}",
        "kb": kb,
        "kbt": kbt,
        "err": r.choice(WU_ERRORS),
        "n": r.randint(2, 6),
        "n2": r.randint(5, 40),
        "gb": r.randint(38, 212),
        "pct": r.randint(18, 46),
        "lob": tenant["lob"],
        "newuser": newuser,
        "newuser_first": newuser.split()[0],
        "newuser_sam": (newuser[0] + newuser.split()[-1]).lower(),
        "writer": writer,
        "writer_svc": writer_svc,
        "code": code,
        "drv": drv,
        "setting": setting,
        "fix_step": fix_step,
        "room": r.choice(ROOMS[tid]),
        "hhmm": before.strftime("%H:%MZ"),
        "hhmm2": after.strftime("%H:%MZ"),
        "ref": f"{r.randint(10, 99)}-{r.randint(100000, 999999)}",
        "site_url": r.choice(SITE_URLS),
        "box": r.choice(BOXES[tid]),
        "partner_org": r.choice(PARTNER_ORGS),
        "jam": r.choice(["13.B2.D2", "C6000", "J-0511", "SC542"]),
    }
    ctx["dev"] = pick_device(r, tenant, fam["role"], ctx)
    ctx["site"] = site_of(tenant, ctx["dev"], ctx["site"])
    if ctx["dev"] and ctx["dev"] not in tenant["devices"]["ws"]:  # servers get server updates
        server_kbs = [k for k in KBS if "Server" in k[1]]
        ctx["kb"], ctx["kbt"] = r.choice(server_kbs)
    ws = [w for w in tenant["devices"]["ws"] if w != ctx["dev"]]
    ctx["ws"] = r.choice(ws)
    return ctx


def fill(text: str, ctx: dict) -> str:
    return text.format_map(ctx)
