"""World C: a third labelled MSP, written apart from the demo and world B (``bench/support/world_c.py`` writes it).

Five clients, each with its own way of writing: timestamped lowercase shell
shorthand (Copperline, Linux and Meraki/Cisco gear), formal bullet lists (St.
Brigid), ``>`` quotes of customer emails (Okafor & Lindqvist, Macs and M365),
"Action: / Result:" pairs with change numbers (Ridgeview), and three-word notes
(Kestrel). The same device names (DC01, SQL01, NAS01, FW01) exist at several
clients and mean different things; past tickets look like the open ones;
several tickets have no good runbook. Shared runbooks are public Microsoft
support articles and Prometheus runbooks read from ``../shared/data`` at build
time. The tickets and their labels are in ``world_c_tickets.py``.
"""

from __future__ import annotations

TENANTS = [
    {"id": "copperline", "name": "Copperline Logistics", "aliases": ["Copperline", "CPL"]},
    {"id": "st-brigid", "name": "St. Brigid Medical Group", "aliases": ["St Brigid", "SBMG"]},
    {"id": "okafor-lindqvist", "name": "Okafor & Lindqvist Architects", "aliases": ["Okafor Lindqvist", "OLA"]},
    {"id": "ridgeview", "name": "Ridgeview Credit Union", "aliases": ["Ridgeview", "RCU"]},
    {"id": "kestrel", "name": "Kestrel Brewing Co.", "aliases": ["Kestrel", "Kestrel Brewing"]},
]

_MS = "ms-support/"
_PROM = "prometheus-operator/content/runbooks/"
# Shared runbooks: (path under shared/data/runbooks, path under docs/_global). Some fit a ticket, most are near misses.
GLOBAL_RUNBOOKS = [
    (_MS + "dfsr-event-id-2213.md", "ms/dfsr-event-2213.md"),
    (_MS + "replication-error-8524.md", "ms/replication-error-8524.md"),
    (_MS + "replication-error-1722-rpc-server-unavailable.md", "ms/replication-error-1722.md"),
    (_MS + "kerberos-client-krb-ap-err-modified-error.md", "ms/krb-ap-err-modified.md"),
    (_MS + "account-lockout-and-management-tool.md", "ms/account-lockout-tools.md"),
    (_MS + "cannot-back-up-server-error-0x80070005.md", "ms/backup-0x80070005.md"),
    (_MS + "backup-fails-vss-writer.md", "ms/backup-fails-vss-writer.md"),
    (_MS + "event-id-8193-when-you-perform-backup.md", "ms/vss-event-8193.md"),
    (_MS + "dhcp-server-sends-dhcpnak-clients.md", "ms/dhcp-nak-deactivated-scope.md"),
    (_MS + "dns-records-not-present.md", "ms/dns-records-missing.md"),
    (_MS + "error-0x80070003-windows-update-fails.md", "ms/update-0x80070003.md"),
    (_MS + "netlogon-event-id-5719-or-group-policy-event-1129.md", "ms/netlogon-5719.md"),
    (_MS + "windows-time-service-event-ids-24-29-38.md", "ms/w32time-events.md"),
    (_MS + "c-drive-low-disk-space-windows-server-shows-space-available.md", "ms/c-drive-low-space.md"),
    (_PROM + "node/NodeFilesystemAlmostOutOfSpace.md", "prom/NodeFilesystemAlmostOutOfSpace.md"),
    (_PROM + "node/NodeClockNotSynchronising.md", "prom/NodeClockNotSynchronising.md"),
    (_PROM + "node/NodeRAIDDiskFailure.md", "prom/NodeRAIDDiskFailure.md"),
    (_PROM + "node/NodeNetworkReceiveErrs.md", "prom/NodeNetworkReceiveErrs.md"),
    (_PROM + "general/NodeNetworkInterfaceFlapping.md", "prom/NodeNetworkInterfaceFlapping.md"),
    (_PROM + "general/TargetDown.md", "prom/TargetDown.md"),
]

DOCS = {
    "copperline": {
        "environment.md": ({"title": "Copperline Logistics - environment", "kind": "client-note",
                            "devices": ["FW01", "SW-CORE", "WMS01", "NAS01", "DC01", "CPL-PRN-DOCK"]}, """
# Copperline Logistics - environment

Warehouse and office at 14 Foundry Rd; cold store at Unit 9, joined by a site-to-site VPN. Ops manager: Marco Ditta.
Day shift 06:00-14:00: no switch or WMS restarts during the shift without Marco's OK.

## Devices
- FW01: Meraki MX85 at Foundry Rd. Site-to-site VPN to UNIT9-RTR (DrayTek Vigor 2927, a non-Meraki IPsec peer).
- SW-CORE: Cisco Catalyst 9300-48P, PoE budget 370 W, feeds the warehouse access points.
- WMS01: Ubuntu 22.04, PostgreSQL 14 for the warehouse management system. WAL archived to NAS01 over NFS.
- NAS01: TrueNAS Scale. NFS export /mnt/tank/walarchive and the restic repository for WMS01.
- DC01: Windows Server 2022, AD and DNS for the office (12 users).
- CPL-PRN-DOCK: Zebra ZT410 label printers at docks 1-3, printed from WMS01 through CUPS queues dock1..dock3.
"""),
        "wms-postgres.md": ({"title": "WMS01 PostgreSQL", "kind": "runbook", "devices": ["WMS01"]}, """
# WMS01 PostgreSQL

## Symptoms
Root filesystem filling up on WMS01, pick confirmations slow, "archive command failed" in the PostgreSQL log.

## WAL archiving stuck
pg_wal grows without bound when archive_command cannot write to the NFS mount on NAS01.
1. `mountpoint /mnt/walarchive`; when it is not a mountpoint or hangs, `umount -l /mnt/walarchive && mount /mnt/walarchive`.
2. Watch `SELECT failed_count, last_archived_wal FROM pg_stat_archiver;` until failed_count stops growing.
3. Never delete files from pg_wal by hand: the database will not start again.
"""),
        "unit9-vpn.md": ({"title": "Unit 9 cold store VPN", "kind": "runbook", "devices": ["FW01", "UNIT9-RTR"]}, """
# Unit 9 cold store VPN

## Background
The cold store has no server; its handhelds reach WMS01 over the IPsec tunnel between FW01 and UNIT9-RTR.

## Phase 1 timeout
UNIT9-RTR sits on a dynamic public IP. When the carrier hands it a new address the MX keeps the old peer IP and
phase 1 times out.
1. Read the router's current WAN address in the DrayTek web UI (Online Status).
2. In the Meraki dashboard, Security & SD-WAN > Site-to-site VPN > Non-Meraki peers, update the peer's public IP.
3. The tunnel comes up within a minute; confirm from a Unit 9 handheld.
"""),
    },
    "st-brigid": {
        "environment.md": ({"title": "St. Brigid Medical Group - environment", "kind": "client-note",
                            "devices": ["DC01", "DC02", "DC03", "SQL01", "NAS01", "FW01", "SB-PRN-LAB"]}, """
# St. Brigid Medical Group - environment

Three clinics: Main, Eastside, Northside. Practice lead: Dr. Hale. Reboots of clinical servers only after 19:00.

## Servers
- DC01 (Main), DC02 (Eastside), DC03 (Northside): Windows Server 2019 domain controllers with DNS. DC01 is also the print server.
- SQL01: Windows Server 2019, SQL Server 2017 for the MediTrak EMR. Veeam Backup & Replication job "EMR-SQL" at 23:00.
- NAS01: Synology RS1221+ (DSM 7.2), the Veeam repository; Hyper Backup copies it to Synology C2 nightly.
- FW01: FortiGate 60F at Main.
- SB-PRN-LAB: HP LaserJet M507 in the Main lab, queue on DC01.
"""),
        "emr-backup.md": ({"title": "EMR backup (Veeam EMR-SQL)", "kind": "runbook", "devices": ["SQL01"]}, """
# EMR backup (Veeam EMR-SQL)

## When the EMR-SQL job fails
1. `vssadmin list writers` on SQL01: note every writer that is not Stable.
2. SqlServerWriter failed: restart the "SQL Server VSS Writer" service and retry the job.
3. System Writer timed out: this clears only with a reboot of SQL01, after 19:00 and with Dr. Hale's approval.
4. Retry the job; a second failure goes to the backup engineer.
"""),
    },
    "okafor-lindqvist": {
        "environment.md": ({"title": "Okafor & Lindqvist - environment", "kind": "client-note",
                            "devices": ["NAS01", "FW01", "OL-PLOT-01"]}, """
# Okafor & Lindqvist Architects - environment

Studio of 14 on MacBooks managed by Intune; Microsoft 365 Business Premium. Partners: Tomas Okafor, Sofia Lindqvist.
Office help on site: Kasper Nilsen.

## Identity
Conditional Access requires a compliant device and MFA by Microsoft Authenticator push.

## Devices
- NAS01: Synology DS1621+ (DSM 7.2) running Active Backup for Microsoft 365 (task "OL-Exchange"). No cloud copy.
- FW01: UniFi Dream Machine Pro, internet from Aussie Broadband (NBN FTTP).
- OL-PLOT-01: HP DesignJet T830 plotter. The Macs print to it directly over IPP; there is no print server.
"""),
    },
    "ridgeview": {
        "environment.md": ({"title": "Ridgeview Credit Union - environment", "kind": "client-note",
                            "devices": ["DC01", "DC02", "FS01", "SQL01", "FW01", "BR-FW01"]}, """
# Ridgeview Credit Union - environment

HQ and the Hillcrest branch. Contact: Ms. Okoye (operations). Every change needs a CHG record.

## Servers
- DC01 (PDC emulator) and DC02 at HQ: Windows Server 2022, DNS.
- FS01: Windows Server 2022 file server (S: drive for all staff).
- SQL01: Windows Server 2022, SQL Server 2019 reporting database; Windows Server Backup to E:\\ on a local disk.

## Network
- FW01: FortiGate 100F at HQ. BR-FW01: FortiGate 40F at Hillcrest. IPsec tunnel HQ-Hillcrest.
"""),
        "branch-vpn.md": ({"title": "HQ-Hillcrest tunnel", "kind": "runbook", "devices": ["FW01", "BR-FW01"]}, """
# HQ-Hillcrest tunnel

## Tunnel flaps after a FortiOS upgrade
FortiOS upgrades have reset the phase 2 PFS setting on one side before.
1. `diagnose vpn ike log-filter dst-addr4 <peer>` and `diagnose debug app ike -1` on FW01 while the tunnel rekeys.
2. Compare the phase 2 proposals on FW01 and BR-FW01; set the same DH group (14) on both.
3. Bring the tunnel down and up (`diagnose vpn tunnel flush HQ-Hillcrest`).
"""),
    },
    "kestrel": {
        "environment.md": ({"title": "Kestrel Brewing - environment", "kind": "client-note",
                            "devices": ["FW01", "NAS01", "BREW-CTL", "KB-POS-01", "KB-PRN-OFFICE"]}, """
# Kestrel Brewing Co. - environment

Brewery, taproom and a two-person office. Owner: Hannah Voss.

## Devices
- FW01: pfSense (Netgate 2100). VLAN 10 office, 20 taproom POS, 30 brewhouse, 40 guest wifi.
- NAS01: QNAP TS-253D, Hybrid Backup Sync 3 job "office-nightly" for the office PCs.
- BREW-CTL: Raspberry Pi 4 running Debian 12 and CraftBeerPi; logs fermenter temperatures.
- KB-POS-01: Windows 10 IoT POS terminal in the taproom.
- KB-PRN-OFFICE: Brother MFC-L8900CDW, shared from the office PC KB-OFFICE-PC.
"""),
        "brew-controller.md": ({"title": "Brew controller", "kind": "runbook", "devices": ["BREW-CTL"]}, """
# Brew controller (BREW-CTL)

## Controller not responding
The SD card fills with logs and the Pi stops answering.
1. Ask someone on site to power-cycle the grey box beside FV3.
2. When it answers again: `journalctl --vacuum-size=100M` and `df -h /`.
3. If it does not come back, swap in the spare SD card from the office drawer (image of 2026-06).
"""),
    },
}
