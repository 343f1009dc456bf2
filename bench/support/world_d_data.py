"""World D: a fourth labelled MSP, written apart from the demo and worlds B and C (``bench/support/world_d.py``).

Five clients, each with its own way of writing notes: full sentences with
numbered steps (Maple Hollow school district), pasted PowerShell output
(Harcourt Vance, a law firm), terse phone-typed notes with typos (Pawsworth
vet clinics), German-English mixed notes (Brückner, a parts manufacturer) and
semicolon-separated run-ons (Riverbend Food Alliance, a nonprofit). DC01, FS01
and FW01 exist at several clients and are different machines (FS01 is a
Windows file server at two clients and a Synology NAS at two others). Shared
runbooks are public Microsoft support articles and Prometheus runbooks read
from ``../shared/data`` at build time; most are near misses. The tickets and
their labels are in ``world_d_tickets.py`` and ``world_d_tickets_more.py``.
"""

from __future__ import annotations

TENANTS = [
    {"id": "maple-hollow", "name": "Maple Hollow Unified School District", "aliases": ["Maple Hollow", "MHUSD"]},
    {"id": "harcourt-vance", "name": "Harcourt Vance LLP", "aliases": ["Harcourt Vance", "HV Law"]},
    {"id": "pawsworth", "name": "Pawsworth Veterinary Partners", "aliases": ["Pawsworth", "Pawsworth Vets"]},
    {"id": "brueckner", "name": "Brückner Präzisionsteile GmbH", "aliases": ["Brückner", "Brueckner", "BPT"]},
    {"id": "riverbend", "name": "Riverbend Food Alliance", "aliases": ["Riverbend", "RFA"]},
]

_MS = "ms-support/"
_PROM = "prometheus-operator/content/runbooks/"
# (path under shared/data/runbooks, path under docs/_global): six fit a ticket, the rest are near misses.
GLOBAL_RUNBOOKS = [
    (_MS + "replication-error-1722-rpc-server-unavailable.md", "ms/replication-error-1722.md"),
    (_MS + "replication-error-8524.md", "ms/replication-error-8524.md"),
    (_MS + "active-directory-replication-event-id-2042.md", "ms/replication-event-2042.md"),
    (_MS + "troubleshoot-adreplication-guidance.md", "ms/ad-replication-guidance.md"),
    (_MS + "account-lockout-and-management-tool.md", "ms/account-lockout-tools.md"),
    (_MS + "enumerate-locked-out-user-accounts-saved-queries.md", "ms/locked-out-saved-queries.md"),
    (_MS + "configure-authoritative-time-server.md", "ms/authoritative-time.md"),
    (_MS + "netlogon-event-id-5719-or-group-policy-event-1129.md", "ms/netlogon-5719.md"),
    (_MS + "password-policy-changes-not-applied.md", "ms/password-policy-not-applied.md"),
    (_MS + "backup-fails-event-12292-11.md", "ms/vss-event-12292.md"),
    (_MS + "event-id-513-vss-windows-server.md", "ms/vss-event-513.md"),
    (_MS + "backup-fails-vss-writer.md", "ms/backup-fails-sql-vss-writer.md"),
    (_MS + "disk-space-problems-on-ntfs-volumes.md", "ms/ntfs-disk-space.md"),
    (_MS + "error-0x800f0922-installing-windows-updates.md", "ms/update-0x800f0922.md"),
    (_MS + "cant-establish-remote-desktop-session.md", "ms/rdp-cant-connect.md"),
    (_MS + "event-44-rds-licensing-server.md", "ms/rds-licensing-event-44.md"),
    (_MS + "dhcp-server-sends-dhcpnak-clients.md", "ms/dhcp-nak.md"),
    (_MS + "dns-client-resolution-timeouts.md", "ms/dns-client-timeouts.md"),
    (_PROM + "node/NodeFilesystemAlmostOutOfSpace.md", "prom/NodeFilesystemAlmostOutOfSpace.md"),
    (_PROM + "node/NodeRAIDDegraded.md", "prom/NodeRAIDDegraded.md"),
    (_PROM + "node/NodeClockSkewDetected.md", "prom/NodeClockSkewDetected.md"),
    (_PROM + "general/NodeNetworkInterfaceFlapping.md", "prom/NodeNetworkInterfaceFlapping.md"),
]

_NOTE, _RB = "client-note", "runbook"

DOCS = {
    "maple-hollow": {
        "environment.md": ({"title": "Maple Hollow USD - environment", "kind": _NOTE,
                            "devices": ["DC01", "DC02", "FS01", "FW01", "FW-LINCOLN", "PS01", "VBR01", "PRN-LIB01"]}, """
# Maple Hollow USD - environment

District office (DO) on Route 9, Lincoln Elementary and Jefferson Middle. IT contact: Carmen Alvarez.
Changes only after 15:30 on school days; state testing windows are frozen (no changes at all).

## Servers
- DC01: Windows Server 2019 domain controller at the DO, PDC emulator, DNS, DHCP for the DO.
- DC02: Windows Server 2019 domain controller at Lincoln Elementary, reached over the site VPN.
- FS01: Windows Server 2016 file server at the DO: staff home drives (E:) and the DFS namespace \\\\mhusd\\shares.
- PS01: print server (PaperCut MF) for all three schools.
- VBR01: Veeam Backup & Replication 12; repository on a Synology at the DO, copy job to Wasabi nightly.

## Network
- FW01: FortiGate 100F at the DO. IPsec tunnels to FW-LINCOLN (FortiGate 60F) and to Jefferson.
- Lincoln's internet is a Comcast Business circuit; the DO has fibre from the county network.
- VLAN 40 is the student VLAN: it may reach the internet and PaperCut's release page, never PS01's queues.
"""),
        "runbooks/print-server.md": ({"title": "PS01 and PaperCut", "kind": _RB, "devices": ["PS01", "PRN-LIB01"]}, """
# PS01 and PaperCut

## Clearing a stuck queue on PS01
Pause the queue, stop the Print Spooler service, delete the files in C:\\Windows\\System32\\spool\\PRINTERS,
start the spooler and resume the queue. Then print a test page from PS01 itself before telling the school.
If jobs get stuck again within minutes, look at the client side: driver, VLAN, PaperCut client.

## Ricoh copier error codes
SC codes (SC542 fuser, SC899 controller) need the Ricoh technician: log a call with the copier contract,
the serial number is on the asset tag. J codes are paper jams and the school can clear them.

## PaperCut release station offline
Restart the PaperCut Application Server service on PS01, then check the release terminal has its IP.
"""),
        "runbooks/accounts.md": ({"title": "Staff and student accounts", "kind": _RB, "devices": ["DC01"]}, """
# Staff and student accounts

## Staff account lockouts
Find the source before unlocking again: event 4740 on DC01 (PDC emulator) names the caller computer.
Old phones and iPads with the previous password in their mail profile are the usual source at the schools.
Remove the device's mail profile or have the teacher update it, then unlock once.

## Student password resets
Students' passwords are reset by the school office in the self-service portal; do not reset them in ADUC
during testing windows, the testing kiosk caches credentials.
"""),
    },
    "harcourt-vance": {
        "environment.md": ({"title": "Harcourt Vance LLP - environment", "kind": _NOTE,
                            "devices": ["DC01", "DC02", "FS01", "SQL01", "VBR01", "RDS01", "FW01", "PRN-DOCKET"]}, """
# Harcourt Vance LLP - environment

Law firm, two floors (4 and 5) at 200 Commerce Plaza, three remote partners. Office manager: Gwen Hadley.
Docketing lead: Marcus Bell. Anything touching billing or docketing needs Gwen's OK first.

## Servers
- DC01: Windows Server 2022, physical, PDC emulator. DC02: Windows Server 2022 VM in Azure (hub VNet).
- FS01: Windows Server 2019 document server (Worldox DMS) and print server for all office printers.
- SQL01: SQL Server 2019, billing (Juris) and the DMS index.
- VBR01: Veeam B&R 12, repository on NAS02, copy job to Wasabi.
- RDS01: RD Session Host and RD Gateway for the remote partners, remote.harcourtvance.com.

## Network
- FW01: SonicWall NSA 2700, firmware updated by change request only (CHG numbers in the change log).
- Floor 4 and floor 5 are separate VLANs behind FW01.
"""),
        "runbooks/veeam.md": ({"title": "Veeam at Harcourt Vance", "kind": _RB, "devices": ["VBR01", "SQL01"]}, """
# Veeam at Harcourt Vance

## SQL01 backup fails with VSS error
SqlServerWriter failing is usually a database left in an odd state (restoring, offline) or a new database
with a name the writer cannot handle. List writers on SQL01, check sys.databases for state_desc other
than ONLINE, restart the SQL Server VSS Writer service, then retry the job. Never restart SQL Server itself
during business hours without Gwen's OK.

## Copy job to Wasabi failing
Check the Wasabi bucket's immutability settings and the access key's expiry in the Veeam credentials.

## Repository low on space
NAS02 holds 30 days of restore points; remove orphaned backups from the console, never from the share.
"""),
        "runbooks/remote-access.md": ({"title": "Remote access", "kind": _RB, "devices": ["RDS01"]}, """
# Remote access

## RD Gateway certificate renewal
The certificate for remote.harcourtvance.com is a one-year certificate from Sectigo; the order is in the
MSP's password vault under HV. Import the new PFX into LocalMachine\\My on RDS01, bind it in RD Gateway
Manager (Properties > SSL Certificate) and in the RD deployment's certificates, then restart the
TSGateway service.

## Users cannot connect to RDS01
Check the user is in the HV-RemoteUsers group and the RD CAP allows their device.
"""),
    },
    "pawsworth": {
        "environment.md": ({"title": "Pawsworth Veterinary Partners - environment", "kind": _NOTE,
                            "devices": ["FW01", "FW-HARBOR", "FW-EASTFIELD", "FS01", "PMS01", "PRN-NG-RX"]}, """
# Pawsworth Veterinary Partners - environment

Three clinics: Northgate (main), Harbor and Eastfield. Practice manager: Jen Morrow. No domain: the PCs are
in a workgroup, M365 for mail.

## Devices
- FW01: pfSense at Northgate. IPsec tunnels to FW-HARBOR and FW-EASTFIELD (pfSense too).
- PMS01: Windows Server 2019 running VetStar (practice management, SQL Express) at Northgate.
- FS01: Synology DS920+ at Northgate: x-ray images and shared folders. Hyper Backup to Synology C2 nightly.
- Printers: each clinic prints directly to its printers (no print server). PRN-NG-RX is Northgate's reception
  Brother; the label printers are USB on the reception PCs.
- X-ray PCs (PW-NG-XRAY, PW-EF-XRAY) run the imaging software; never reimage them, the vendor licence is tied
  to the disk.
"""),
        "runbooks/clinic-vpn.md": ({"title": "Clinic VPN tunnels", "kind": _RB, "devices": ["FW01", "FW-HARBOR"]}, """
# Clinic VPN tunnels

## Checking a tunnel
Status > IPsec on FW01 shows each clinic's phase 1 and phase 2. Harbor and Eastfield have dynamic IPs:
the tunnels use dynamic DNS names (harbor.pawsworth-vpn.net).

## Phase 2 mismatch after a change
When the ISP swaps a modem the clinic gets a new IP range and sometimes double NAT. Phase 1 then comes up
but phase 2 fails with "no proposal chosen" because the local network seen by FW01 changed. Put the
modem in bridge mode (the ISP can do this remotely), then reset the tunnel on both ends.

## Rebooting clinic firewalls
Only after 19:00 or with the practice manager's OK: the phones run over the same link.
"""),
    },
    "brueckner": {
        "environment.md": ({"title": "Brückner Präzisionsteile - Umgebung", "kind": _NOTE,
                            "devices": ["DC01", "DC02", "FS01", "ERP01", "PS01", "FW01", "FW02", "PRN-HALLE2"]}, """
# Brückner Präzisionsteile - Umgebung / environment

Werk 1 Stuttgart (HQ), Werk 2 Dayton, Ohio. IT-Leitung: Sabine Weber (Stuttgart); Dayton contact: Jim Kowalski.

## Server
- DC01: Windows Server 2019 DC in Stuttgart, DNS. DC02: Windows Server 2019 DC in Dayton, DNS.
- FS01: Windows Server 2019 Dateiserver in Stuttgart: CAD-Daten (DFS-R nach Dayton), SQLBackup share.
- ERP01: SAP Business One auf SQL Server 2019. Native SQL-Sicherungen nach \\\\FS01\\SQLBackup, wöchentlich
  auf RDX ausgelagert (Montag).
- PS01: Druckserver für Werk 1 (Hallen 1-3, Büro).

## Netzwerk
- FW01: Sophos XGS 2300 Stuttgart; FW02: Sophos XGS 116 Dayton. IPsec Standort-VPN zwischen beiden.
- Internet Stuttgart: Telekom Glasfaser. Dayton: AT&T.
"""),
        "runbooks/erp01-sql.md": ({"title": "ERP01 SQL-Sicherung", "kind": _RB, "devices": ["ERP01", "FS01"]}, """
# ERP01 SQL-Sicherung

## Sicherungsziel voll
Wenn \\\\FS01\\SQLBackup voll ist: Full-Sicherungen älter als 14 Tage löschen (nur nach Freigabe durch
Frau Weber), dann den Job B1_Full manuell starten. The full backup needs about 60 GB.

## Job hängt
SQL Agent Job stoppen, Blocking in sp_who2 prüfen, SAP-Benutzer informieren.
"""),
        "runbooks/standort-vpn.md": ({"title": "Standort-VPN Stuttgart - Dayton", "kind": _RB,
                                      "devices": ["FW01", "FW02"]}, """
# Standort-VPN Stuttgart - Dayton

## Phase 1 kommt nicht hoch
IKE proposals must match on both ends: AES-256, SHA-256, DH group 14, lifetime 28800. After a firmware update
on FW02 the proposal has reset to defaults before. Compare both ends, fix FW02, restart the connection.

## Phase 2 instabil
Check the local and remote networks on both ends and the PFS group.

## DFS-R Rückstau nach Ausfall
After an outage the CAD folders catch up on their own; check the backlog with dfsrdiag backlog.
"""),
    },
    "riverbend": {
        "environment.md": ({"title": "Riverbend Food Alliance - environment", "kind": _NOTE,
                            "devices": ["FW01", "FW02", "FS01", "PRN-PANTRY"]}, """
# Riverbend Food Alliance - environment

Warehouse at 5 Mill Lane and the community pantry on Elm Ave. Operations: Tasha Green; facilities: Marcus Reyes.
No servers of their own apart from the NAS: Entra ID joined laptops managed with Intune, M365 Business Premium.

## Devices
- FW01: Meraki MX67 at the warehouse, Spectrum cable on WAN1, LTE failover.
- FW02: Meraki MX67 at the pantry (Spectrum too).
- FS01: Synology DS220+ at the warehouse, volunteer shares; Hyper Backup to Backblaze B2 weekly.
- PRN-PANTRY: Ricoh copier at the pantry, printing directly (no print server), scan to email via M365.
"""),
        "runbooks/m365-accounts.md": ({"title": "M365 accounts at Riverbend", "kind": _RB}, """
# M365 accounts at Riverbend

## MFA resets
Require re-registration in Entra (Authentication methods), then have the user sign in on a known laptop.

## Travel exceptions for the US-only sign-in policy
Conditional Access policy "Block non-US" blocks sign-ins from outside the US. For staff travelling, add
them to the group CA-Travel-Exception with an end date and tell Tasha; remove them when they are back.

## Shared mailbox access for volunteers
Volunteers get Full Access to intake@ through the group Pantry-Volunteers, never directly.
"""),
    },
}
