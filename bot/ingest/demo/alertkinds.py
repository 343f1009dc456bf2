"""Catalog of alert kinds: which source sends them, the check name, and message makers.

A kind is a realistic RMM / backup / network / EDR check. `make()` returns
(check, severity, message) with numbers, codes and names varied by the rng, the way
real monitoring output varies from one firing to the next.
"""

from __future__ import annotations

import random
from datetime import datetime

from .common import rng_hex

# kind -> source role in the tenant's `sources` map
ROLE = {
    "disk_low": "rmm",
    "cpu_high": "rmm",
    "mem_high": "rmm",
    "offline": "rmm",
    "svc_stopped": "rmm",
    "patch_fail": "rmm",
    "reboot_pending": "rmm",
    "event_disk": "rmm",
    "ad_repl": "rmm",
    "dns_dc": "rmm",
    "time_skew": "rmm",
    "lockout": "rmm",
    "cert_expiry": "rmm",
    "smart": "rmm",
    "printer_offline": "rmm",
    "toner_low": "rmm",
    "spooler_crash": "rmm",
    "kcc": "rmm",
    "qb_service": "rmm",
    "backup_fail": "backup",
    "backup_warn": "backup",
    "repo_space": "backup",
    "copy_fail": "backup",
    "vpn_down": "net",
    "wan_loss": "net",
    "uplink_failover": "net",
    "dhcp_exhaust": "net",
    "ap_offline": "net",
    "port_flap": "net",
    "av_def_fail": "edr",
    "malware": "edr",
    "pua": "edr",
    "rtp_off": "edr",
    "susp_ps": "edr",
    "impossible_travel": "edr",
    "inbox_rule": "edr",
}

KBS = [
    ("KB5066835", "2026-10 Cumulative Update for Windows 11 24H2"),
    ("KB5068861", "2026-11 Cumulative Update for Windows 11 24H2"),
    ("KB5068787", "2026-11 Cumulative Update for Windows Server 2019"),
    ("KB5068779", "2026-11 Cumulative Update for Windows Server 2022"),
    ("KB5063878", "2026-08 Cumulative Update for Windows 11 24H2"),
    ("KB5065426", "2026-09 Cumulative Update for Windows 11 24H2"),
    ("KB5066131", "2026-10 .NET Framework 3.5 and 4.8.1 Cumulative Update"),
]
WU_ERRORS = ["0x800f0922", "0x80073712", "0x8024402c", "0x80070070", "0x800f081f", "0x80070643"]
SERVICES = {
    "dc": [("DFS Replication", "DFSR"), ("Netlogon", "Netlogon"), ("DNS Server", "DNS")],
    "file": [("Print Spooler", "Spooler"), ("Server", "LanmanServer")],
    "app": [
        ("SQL Server (DENTICORE)", "MSSQL$DENTICORE"),
        ("DenticoreBridge", "DenticoreBridge"),
        ("Remote Desktop Services", "TermService"),
        ("QuickBooksDB34", "QuickBooksDB34"),
    ],
    "backup": [("Veeam Backup Service", "VeeamBackupSvc"), ("Veeam Data Mover", "VeeamTransportSvc")],
    "ws": [("Windows Update", "wuauserv"), ("Print Spooler", "Spooler"), ("NinjaRMMAgent", "NinjaRMMAgent")],
}
WS_PROCS = [
    "MsMpEng.exe",
    "TiWorker.exe",
    "OUTLOOK.EXE",
    "chrome.exe",
    "Teams.exe",
    "msedge.exe",
    "svchost.exe (wuauserv)",
    "explorer.exe",
    "SearchIndexer.exe",
]
PROCS = [
    "MsMpEng.exe",
    "sqlservr.exe",
    "TiWorker.exe",
    "OUTLOOK.EXE",
    "chrome.exe",
    "VeeamAgent.exe",
    "svchost.exe (wuauserv)",
    "explorer.exe",
    "Teams.exe",
    "msedge.exe",
]
MALWARE = [
    "Trojan:Win32/Wacatac.B!ml",
    "Trojan:JS/Nemucod.ZZ",
    "TrojanDownloader:HTML/Adodb.gen!A",
    "Trojan:Script/Phonzy.A!ml",
    "Backdoor:JS/Bogpotat.A",
]
PUAS = [
    "PUA:Win32/Presenoker",
    "PUABundler:Win32/DriverPack",
    "PUA:Win32/Caypnamer.A!ml",
    "PUADlManager:Win32/OfferCore",
]
FILES = [
    "invoice_{n}.zip",
    "Scan_{n}.html",
    "remittance-{n}.js",
    "DocuSign_Agreement_{n}.htm",
    "setup_x64_{n}.exe",
]
FOREIGN_IPS = ["185.220.101.47", "45.133.1.92", "102.89.34.7", "91.219.236.18", "196.251.80.13"]


def _ip(rng: random.Random, tenant: dict) -> str:
    return f"{tenant['subnet']}.{rng.randint(0, 3)}.{rng.randint(20, 240)}"


def _svc_role(tenant: dict, device: str) -> str:
    for role, devs in tenant["devices"].items():
        if device in devs and role in SERVICES:
            return role
    return "ws"


def _kb(rng: random.Random, at: datetime | None) -> tuple[str, str]:
    """A KB released in the alert's month or the month before (Patch Tuesday lag)."""
    if at is None:
        return rng.choice(KBS)
    months = {f"2026-{at.month:02d}", f"2026-{at.month - 1:02d}"}
    fits = [k for k in KBS if k[1][:7] in months]
    return rng.choice(fits or KBS[:1])


def make(
    kind: str, rng: random.Random, tenant: dict, device: str, at: datetime | None = None
) -> tuple[str, str, str]:
    r = rng
    is_ws = device in tenant["devices"].get("ws", [])
    if kind == "disk_low":
        drive = "C:" if is_ws else r.choice(["C:", "C:", "C:", "D:"])
        pct = r.randint(1, 9)
        total = r.choice([119, 237, 476, 99, 199, 1024])
        gb = total * pct / 100 + r.random()
        sev = "critical" if pct <= 3 else "warning"
        return "Disk space", sev, f"Disk {drive} free space {gb:.1f} GB ({pct}%) below threshold 10%"
    if kind == "cpu_high":
        return (
            "CPU utilization",
            "warning",
            (
                f"CPU utilization {r.randint(91, 100)}% for {r.choice([10, 15, 20, 30])} min (top process: "
                f"{r.choice(WS_PROCS if is_ws else PROCS)})"
            ),
        )
    if kind == "mem_high":
        tot = r.choice([8, 16, 32, 64])
        p = r.randint(92, 99)
        return "Memory", "warning", f"Memory usage {p}% ({tot * p / 100:.1f} of {tot} GB) for 10 min"
    if kind == "offline":
        return (
            "Device offline",
            "warning",
            (f"Agent has not checked in for {r.choice([5, 10, 15, 30])} min (last IP {_ip(r, tenant)})"),
        )
    if kind == "svc_stopped":
        name, svc = r.choice(SERVICES[_svc_role(tenant, device)])
        return (
            "Windows service",
            "warning",
            f"Service '{name}' ({svc}) is not running; restart attempt {r.randint(1, 3)} of 3 failed",
        )
    if kind == "patch_fail":
        kb, title = _kb(r, at)
        return "Patch management", "warning", f"Install failed: {kb} ({title}) error {r.choice(WU_ERRORS)}"
    if kind == "reboot_pending":
        return (
            "Patch management",
            "info",
            f"Reboot pending for {r.randint(4, 16)} days after update installation",
        )
    if kind == "event_disk":
        return (
            "Event log: System",
            "warning",
            (
                f"Event 153 (disk): The IO operation at logical block address 0x{rng_hex(r, 7)} for Disk {r.randint(0, 1)} was retried"
            ),
        )
    if kind == "smart":
        return (
            "Disk health",
            "warning",
            f"SMART predictive failure on disk {r.randint(0, 3)}: reallocated sector count {r.randint(40, 900)}",
        )
    if kind == "ad_repl":
        partners = [d for d in tenant["devices"].get("dc", []) if d != device] or ["DC02"]
        p = r.choice(partners)
        msg = r.choice(
            [
                f"Replication from {p} failed: The RPC server is unavailable (1722)",
                f"Inbound replication from {p} failing: {r.randint(2, 15)} consecutive failures, last error 1722",
                f"Replication from {p} failed: The DSA operation is unable to proceed because of a DNS lookup failure (8524)",
                f"repadmin: {r.randint(1, 5)} of {r.randint(6, 10)} inbound links failing, largest delta {r.randint(0, 5):02d}h:{r.randint(0, 59):02d}m",
            ]
        )
        return "AD replication", "critical", msg
    if kind == "kcc":
        return (
            "Event log: Directory Service",
            "warning",
            r.choice(
                [
                    "Event 1311: The KCC has detected problems with the site link configuration; replication topology incomplete",
                    "Event 1865: The KCC was unable to form a complete spanning tree network topology",
                    "Event 1925: The attempt to establish a replication link failed (error 1722)",
                ]
            ),
        )
    if kind == "dns_dc":
        return (
            "Event log: DNS Server",
            r.choice(["warning", "critical"]),
            r.choice(
                [
                    "DNS Server event 4015: critical error from Active Directory, extended error 00002095: SvcErr: DSID-03210A6A, problem 5012",
                    "DNS Server event 4013: DNS server waiting for AD DS to signal that initial synchronization has completed",
                    f"dcdiag /test:dns: dynamic update test failed for {device} (error 9002 DNS_ERROR_RCODE_SERVER_FAILURE)",
                ]
            ),
        )
    if kind == "time_skew":
        off = r.uniform(40, 300) * r.choice([1, -1])
        return (
            "Time sync",
            "warning" if abs(off) < 240 else "critical",
            r.choice(
                [
                    f"Clock offset {off:+.1f} s from domain time source",
                    f"W32Time event 36: the time service has not synchronized the system time for 86400 seconds (offset {off:+.0f} s)",
                ]
            ),
        )
    if kind == "lockout":
        user = r.choice(tenant["users"]).split()[-1].lower()
        ws = r.choice(tenant["devices"]["ws"])
        return (
            "Account lockouts",
            "warning",
            f"Event 4740: account '{user}' locked out (caller computer {ws})",
        )
    if kind == "cert_expiry":
        d = r.choice([30, 21, 14, 7, 3])
        return (
            "Certificate expiry",
            "critical" if d <= 7 else "warning",
            (f"Certificate CN=rdgw.{tenant['domain']} (Sectigo RSA DV) expires in {d} days"),
        )
    if kind == "printer_offline":
        name, (dev, ip) = r.choice(list(tenant["printers"].items()))
        return "Printer status", "warning", f"Printer '{name}' offline (SNMP no response from {ip})"
    if kind == "toner_low":
        return (
            "Printer status",
            "info",
            f"Toner low: {r.choice(['Black', 'Cyan', 'Magenta', 'Yellow'])} {r.randint(2, 9)}%",
        )
    if kind == "spooler_crash":
        return (
            "Windows service",
            "warning",
            (
                "Service 'Print Spooler' terminated unexpectedly (event 7031); faulting module "
                + r.choice(["hpcpp260.dll", "unidrv.dll", "PrintConfig.dll", "KOAXXJ_A.DLL"])
            ),
        )
    if kind == "qb_service":
        return "Windows service", "warning", "Service 'QuickBooksDB34' is not running; port 8019 closed"
    if kind in ("backup_fail", "backup_warn", "copy_fail"):
        jobs = tenant["jobs"] or ["Nightly"]
        job = r.choice([j for j in jobs if not j.startswith("Offsite")] or jobs)
        host = tenant["job_hosts"].get(job, device)
        if kind == "copy_fail":
            job = next((j for j in jobs if j.startswith("Offsite")), "Offsite-Copy")
            return (
                "Backup job",
                "critical",
                r.choice(
                    [
                        f"Backup copy job '{job}' failed: RequestTimeTooSkewed: The difference between the request time and the current time is too large",
                        f"Backup copy job '{job}' failed: Connection to the gateway server timed out (443)",
                        f"Backup copy job '{job}' missed its copy interval: {r.randint(2, 5)} restore points not copied",
                    ]
                ),
            )
        if kind == "backup_fail":
            return (
                "Backup job",
                "critical",
                r.choice(
                    [
                        f"Job '{job}' failed: VSS error 0x800423f4 on {host} (writer 'SqlServerWriter' non-retryable error)",
                        f"Job '{job}' failed: Failed to create VM snapshot on {host}: 0x80042306",
                        f"Job '{job}' failed: Unable to allocate processing resources. Error: Repository is unavailable",
                        f"Job '{job}' finished with Failed: {host} - Error: The network path was not found (0x80070035)",
                    ]
                ),
            )
        sql = (
            [
                f"Job '{job}' finished with Warning: Failed to truncate transaction logs for SQL instances on {host}"
            ]
            if "SQL" in job
            else []
        )
        return (
            "Backup job",
            "warning",
            r.choice(
                sql
                + [
                    f"Job '{job}' finished with Warning: {host} - Changed block tracking cannot be enabled",
                    f"Job '{job}' finished with Warning: processing {host} took {r.randint(3, 7)}h{r.randint(0, 59):02d}m (exceeds backup window)",
                ]
            ),
        )
    if kind == "repo_space":
        pct = r.randint(4, 12)
        return (
            "Backup repository",
            "warning",
            f"Repository free space {pct}% ({pct * 0.48:.1f} TB of 48 TB) on {device}",
        )
    if kind == "vpn_down":
        if tenant["sources"]["net"] == "meraki":
            peer = r.choice([d for d in tenant["devices"]["fw"] if d != device] or ["HQ"])
            return "VPN status", "critical", f"VPN connectivity change: Auto VPN peer {peer} unreachable"
        peer_ip = "198.51.100.77" if "HQ" in device else "203.0.113.14"
        return (
            "IPsec tunnel",
            "critical",
            r.choice(
                [
                    f"IPsec tunnel to {peer_ip} down (IKE phase 1 timeout)",
                    f"IPsec tunnel to {peer_ip} down (DPD: peer not responding)",
                ]
            ),
        )
    if kind == "wan_loss":
        return (
            "WAN quality",
            "warning",
            r.choice(
                [
                    f"WAN1 packet loss {r.uniform(3, 25):.1f}% over 5 min (latency {r.randint(60, 400)} ms)",
                    f"Link monitor 'wan1-sla' failed: loss {r.randint(5, 40)}%, latency {r.randint(90, 600)} ms",
                ]
            ),
        )
    if kind == "uplink_failover":
        return "Uplink status", "warning", "Uplink failover: WAN1 down, traffic now on Cellular (LTE)"
    if kind == "dhcp_exhaust":
        vlan, name = r.choice([(100, "guest"), (30, "student"), (20, "voice")])
        return (
            "DHCP",
            "critical",
            f"DHCP: no free leases on VLAN {vlan} ({name}), {r.randint(2, 40)} requests refused in 5 min",
        )
    if kind == "ap_offline":
        return (
            "Device status",
            "warning",
            f"Access point {device} went offline (last seen on port {r.randint(1, 24)})",
        )
    if kind == "port_flap":
        return (
            "Switch port",
            "info",
            f"Port {r.randint(1, 48)} changed state to down then up {r.randint(3, 12)} times in 10 min",
        )
    if kind == "av_def_fail":
        return (
            "Antivirus health",
            "warning",
            (
                f"Security intelligence update failed with {r.choice(['0x80072ee2', '0x8024402c', '0x80240022'])} "
                f"(definitions 1.4{r.randint(19, 21)}.{r.randint(100, 999)}.0 are {r.randint(2, 6)} days old)"
            ),
        )
    if kind == "malware":
        f = r.choice(FILES).format(n=r.randint(1000, 99999))
        return (
            "Malware detected",
            r.choice(["warning", "critical"]),
            (
                f"'{r.choice(MALWARE)}' detected and quarantined in C:\\Users\\{r.choice(tenant['users']).split()[-1].lower()}\\Downloads\\{f}"
            ),
        )
    if kind == "pua":
        return (
            "Potentially unwanted app",
            "info",
            f"'{r.choice(PUAS)}' blocked in C:\\Users\\Public\\Downloads (remediated)",
        )
    if kind == "rtp_off":
        return "Antivirus health", "warning", "Real-time protection is turned off"
    if kind == "susp_ps":
        return (
            "Suspicious activity",
            "critical",
            (
                f"Suspicious PowerShell command line: powershell.exe -nop -w hidden -enc {rng_hex(r, 24).upper()}... (parent WINWORD.EXE)"
            ),
        )
    if kind == "impossible_travel":
        return (
            "Identity protection",
            "warning",
            (
                f"Impossible travel: sign-ins from 73.{r.randint(20, 199)}.{r.randint(0, 255)}.{r.randint(2, 250)} and "
                f"{r.choice(FOREIGN_IPS)} within {r.randint(12, 55)} min"
            ),
        )
    if kind == "inbox_rule":
        return (
            "Identity protection",
            "critical",
            "Suspicious inbox manipulation rule: forwards messages containing 'invoice' to an external address",
        )
    raise ValueError(kind)
