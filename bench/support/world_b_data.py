"""World B: a second labelled MSP, written independently of the demo (``bench/support/world_b.py`` writes it).

Four clients with their own writing styles: terse L1 shorthand, bullet lists,
commands without verbs, notes that mix a step and a finding; the same device
names at several clients (DC01, SQL01, NAS01); look-alike past tickets; public
runbooks (Microsoft support articles, Prometheus runbooks, read from
``../shared/data`` at build time) as the shared ``_global`` runbooks beside the
clients' own notes; tickets no runbook covers.

Labels per ticket (``LABELS``): ``tried`` / ``asked`` note ids, ``alerts``
(ids of related alerts), ``runbook`` (``doc`` path under docs/ and ``anchor``;
``*`` means any section of that document that says what to do; empty: no
runbook fits and the honest answer is none), ``client_docs``, ``unknown``
(checklist item ids that are truly unknown at escalation).
"""

from __future__ import annotations

TENANTS = [
    {"id": "harbor-vet", "name": "Harbor Veterinary Clinics", "aliases": ["Harbor Vet", "HVC"]},
    {"id": "millbrook-law", "name": "Millbrook & Sons Law", "aliases": ["Millbrook", "Millbrook Law"]},
    {"id": "pinecrest", "name": "Pinecrest Academy", "aliases": ["Pinecrest"]},
    {"id": "tidewater", "name": "Tidewater Engineering", "aliases": ["Tidewater", "TWE"]},
]

# Shared runbooks: (path under shared/data/runbooks, path under docs/_global).
GLOBAL_RUNBOOKS = [
    ("ms-support/replication-error-1722-rpc-server-unavailable.md", "ms/replication-error-1722.md"),
    ("ms-support/replication-error-8524.md", "ms/replication-error-8524.md"),
    ("ms-support/configure-w32ime-against-huge-time-offset.md", "ms/w32time-large-offset.md"),
    ("ms-support/backup-fails-vss-writer.md", "ms/backup-fails-vss-writer.md"),
    ("ms-support/event-id-513-vss-windows-server.md", "ms/event-513-vss.md"),
    ("ms-support/error-0x800f0922-installing-windows-updates.md", "ms/update-0x800f0922.md"),
    ("ms-support/account-lockout-and-management-tool.md", "ms/account-lockout-tools.md"),
    ("ms-support/dns-client-resolution-timeouts.md", "ms/dns-client-timeouts.md"),
    ("ms-support/cant-establish-remote-desktop-session.md", "ms/rdp-cant-connect.md"),
    ("ms-support/disk-space-problems-on-ntfs-volumes.md", "ms/ntfs-disk-space.md"),
    ("prometheus-operator/content/runbooks/node/NodeFilesystemSpaceFillingUp.md", "prom/NodeFilesystemSpaceFillingUp.md"),
    ("prometheus-operator/content/runbooks/node/NodeClockSkewDetected.md", "prom/NodeClockSkewDetected.md"),
    ("prometheus-operator/content/runbooks/general/TargetDown.md", "prom/TargetDown.md"),
    ("prometheus-operator/content/runbooks/node/NodeRAIDDegraded.md", "prom/NodeRAIDDegraded.md"),
]

# Client documents: tenant -> {path: (front matter dict, body)}.
DOCS = {
    "harbor-vet": {
        "environment.md": ({"title": "Harbor Vet - site notes", "kind": "client-note",
                            "devices": ["DC01", "SQL01", "NAS01", "HV-PRN-FRONT"]}, """
# Harbor Vet - site notes

Three clinics (Harbour Rd, Quay St, Northgate). Practice manager Lena Ortiz approves anything after 18:00.

## Devices
- DC01: the only domain controller, Harbour Rd. DNS and DHCP.
- SQL01: Windows Server 2019, SQL Server 2019 Express + Agent for the VetPro practice database.
- NAS01: Synology DS920+ (DSM 7.2). Hyper Backup target and the X-ray image share. No Windows on it.
- HV-PRN-FRONT: Brother HL-L6200 at Quay St reception, queue on DC01.

## Quirks
- VetPro nightly maintenance job on SQL01 runs 01:30 and fails if the X-ray share on NAS01 is not mounted.
  Remount the share (`net use X: \\\\NAS01\\xray /persistent:yes` as the svc-vetpro account) and rerun the job.
- The front printer drops off Wi-Fi when the reception microwave is on. Give it a minute before touching the spooler.
"""),
        "vetpro-sql-jobs.md": ({"title": "VetPro SQL agent jobs", "kind": "runbook", "devices": ["SQL01"]}, """
# VetPro SQL agent jobs

## Symptoms
VetPro shows "database maintenance overdue"; SQL01 agent job VetPro_Nightly red.

## Fix
1. Check the job history in SSMS (SQL Server Agent > Jobs > VetPro_Nightly > View History).
2. If the step "Copy images" failed with "network path not found", remount X: from NAS01 as svc-vetpro.
3. Rerun the job from step 2. It takes about 20 minutes.
"""),
    },
    "millbrook-law": {
        "environment.md": ({"title": "Millbrook & Sons - environment", "kind": "client-note",
                            "devices": ["DC01", "DC02", "MB-FS01", "NAS01"]}, """
# Millbrook & Sons - environment

Office manager: Grant Willis. Partners must not be called before 08:00.

## Servers
- DC01 (Main office, PDC emulator, DNS) and DC02 (Riverside branch, DNS, GC), Windows Server 2022.
- The Riverside branch connects over a SonicWall site-to-site VPN; the firewall at Riverside blocks
  dynamic RPC unless the "AD-RPC" service group is applied. Every time the SonicWall firmware is updated
  the group is dropped and replication to DC02 fails with 1722. Re-apply the AD-RPC group on the Riverside rule.
- MB-FS01: file server for the document management system (NetDocuments sync).
- NAS01: QNAP TS-464, Veeam repository. Windows-based VSS is not involved on it.

## Time
DC01 syncs to pool.ntp.org; the other DCs sync from the domain hierarchy.
"""),
    },
    "pinecrest": {
        "environment.md": ({"title": "Pinecrest Academy - IT notes", "kind": "client-note",
                            "devices": ["DC01", "PC-LIB-01", "PC-LIB-02", "PC-LIB-03"]}, """
# Pinecrest Academy - IT notes

Contact: Mr. Abara (business manager). Term time: no reboots of DC01 between 08:00 and 15:30.

## Devices
- DC01: Windows Server 2019, DC + DNS + print server for the library.
- Library PCs PC-LIB-01..12, Dell OptiPlex 7010, deep-frozen. BIOS updates via Dell Command Update only,
  never the web installer (it breaks the TPM ownership and BitLocker asks for the recovery key).

## Printing
The library copier is a Kyocera TASKalfa 3554ci on queue LIB-COPIER.
"""),
    },
    "tidewater": {
        "environment.md": ({"title": "Tidewater Engineering - environment", "kind": "client-note",
                            "devices": ["DC01", "SQL01", "TW-CAD01"]}, """
# Tidewater Engineering - environment

## Servers
- DC01: domain controller, DNS. Time source for the domain (w32tm -> time.windows.com).
- SQL01: SQL Server 2022 Standard for the project-costing database. Veeam agent backs it up at 02:00.
  The Veeam job uses the SQL VSS writer; when the writer is stuck the job fails with "VSS_E_WRITERERROR_RETRYABLE".
- TW-CAD01: CAD licence server (FlexLM, port 27000).

## Contacts
Site lead: Priya Raman. CAD licence vendor: Autodesk reseller account #TW-4471.
"""),
    },
}

# Tickets. Notes: (minutes after opening, author, visibility, text, role); role "tried" / "asked" are the
# labels, anything else is not a step or a question. Alerts: (minutes after opening, device, check,
# message, related to the ticket). "unknown": the checklist items that are truly unknown at escalation.
# "escalate": minutes after opening; None for a past ticket resolved at "resolve".
L1A, L1B, L1C = "tomas.k (L1)", "Jen Ruiz", "svc desk - Ade"
TICKETS = [
    dict(id="7101", tenant="harbor-vet", day="2026-11-02T07:40", title="VetPro says maintenance overdue",
         device="SQL01", category="backup", contact="Lena Ortiz", escalate=95,
         description="Quay St front desk: VetPro banner 'database maintenance overdue' since this morning.",
         notes=[(10, L1A, "internal", "chkd sql01 agent jobs - VetPro_Nightly failed 01:31, last good 02:10 sun", "tried"),
                (25, L1A, "internal", "job hist: step 2 copy images -> network path not found", "tried"),
                (40, L1A, "internal", "- rebooted SQL Agent svc\n- reran job, same err", "tried"),
                (60, L1A, "customer", "Hi Lena, is the X-ray viewer at Quay St opening images this morning?", "asked"),
                (80, "Lena Ortiz", "customer", "No, the X-ray tab is blank for everyone.", "answer"),
                (90, L1A, "customer", "Thanks Lena - we've escalated this to our senior engineer, next update by 11:00.", "contact")],
         alerts=[(-370, "SQL01", "SQL Agent job", "Job VetPro_Nightly failed (step 2)", True),
                 (-200, "SQL01", "Memory", "Available memory below 10% for 15 min", False),
                 (-365, "NAS01", "SMB share", "Share xray unreachable", True)],
         runbook=[("harbor-vet/vetpro-sql-jobs.md", "fix")], client_docs=["harbor-vet/environment.md", "harbor-vet/vetpro-sql-jobs.md"],
         unknown=["repository-space", "offsite", "vss-writers"]),
    dict(id="7102", tenant="harbor-vet", day="2026-11-03T09:05", title="Reception printer not printing",
         device="HV-PRN-FRONT", category="printing", contact="Lena Ortiz", escalate=70,
         description="Jobs sit in the queue, nothing comes out.",
         notes=[(8, L1A, "internal", "rebooted spooler, no joy", "tried"),
                (20, L1A, "internal", "ping HV-PRN-FRONT 10.40.2.31 - 4/4 replies, web UI shows Ready", "tried"),
                (35, L1A, "internal", "cleared queue on DC01, test pg stuck again", "tried"),
                (45, L1A, "customer", "Is it just the reception PC or can nobody print to the front printer?", "asked"),
                (58, "Lena Ortiz", "customer", "Nobody can, the exam rooms too.", "answer")],
         alerts=[], runbook=[], client_docs=["harbor-vet/environment.md"], unknown=["customer-contact"]),
    dict(id="7103", tenant="harbor-vet", day="2026-11-04T22:10", title="NAS01 hyper backup failed",
         device="NAS01", category="backup", contact="Lena Ortiz", escalate=50,
         description="Synology Hyper Backup task 'Offsite-B2' failed twice.",
         notes=[(10, L1B, "internal", "DSM log: Hyper Backup 'Offsite-B2' failed - authentication to destination failed", "tried"),
                (20, L1B, "internal", "Volume 1: 3.1 TB free of 8 TB", "tried"),
                (30, L1B, "internal", "local task 'Daily-USB' ok, last good backup 04/11 01:00", "tried")],
         alerts=[(-60, "NAS01", "Backup", "Hyper Backup task Offsite-B2 failed", True)],
         runbook=[], client_docs=["harbor-vet/environment.md"], unknown=["customer-contact"]),
    dict(id="7104", tenant="millbrook-law", day="2026-11-05T08:20", title="DC02 not replicating - 1722",
         device="DC02", category="active-directory", contact="Grant Willis", escalate=120,
         description="Riverside users report new passwords not working at the branch. repadmin shows 1722 from DC01.",
         notes=[(12, L1C, "internal", "repadmin /replsummary: DC02 fails inbound from DC01, 1722 RPC server unavailable; DC01 <-> other partners fine", "tried"),
                (30, L1C, "internal", "Test-NetConnection DC01 -Port 135 from DC02 -> TcpTestSucceeded True", "tried"),
                (45, L1C, "internal", "w32tm /query /status on DC02 - source DC01, offset 0.01s", "tried"),
                (70, L1C, "internal", "SonicWall firmware went to 7.0.1 on Sat night (change ticket 6650)", "tried"),
                (100, L1C, "customer", "Grant, are staff at Riverside unable to log in, or only password changes failing?", "asked"),
                (115, "Grant Willis", "customer", "Only password changes, logins ok.", "answer")],
         alerts=[(-300, "DC02", "AD replication", "Replication from DC01 failed: 1722 The RPC server is unavailable", True),
                 (-280, "DC01", "AD replication", "Outbound replication to DC02 failing (1722)", True)],
         runbook=[("_global/ms/replication-error-1722.md", "*")],
         client_docs=["millbrook-law/environment.md"], unknown=["customer-contact", "patch-window"]),
    dict(id="7105", tenant="millbrook-law", day="2026-11-06T10:00", title="User locked out repeatedly",
         device="MB-WS-22", category="active-directory", contact="Grant Willis", escalate=60,
         description="Paralegal A. Chen locked out every 10 minutes since password change.",
         notes=[(5, L1C, "internal", "unlocked acct, locked again 10 min later", "tried"),
                (20, L1C, "internal", "Event 4740 on DC01: caller computer MB-WS-22", "tried"),
                (35, L1C, "internal", "cred manager on MB-WS-22 - removed 2 stale entries for mb-fs01", "tried"),
                (50, L1C, "customer", "We told Grant this is now with our L2 team and we'll call back after lunch.", "contact")],
         alerts=[], runbook=[("_global/ms/account-lockout-tools.md", "*")], client_docs=["millbrook-law/environment.md"],
         unknown=["all-dcs", "time-sync", "patch-window"]),
    dict(id="7106", tenant="millbrook-law", day="2026-11-08T02:30", title="Veeam job to NAS01 failed",
         device="MB-FS01", category="backup", contact="Grant Willis", escalate=45,
         description="Nightly Veeam job 'FS01-Daily' failed: repository NAS01 unavailable.",
         notes=[(10, L1B, "internal", "VBR console: FS01-Daily failed 01:02 'Failed to connect to repository NAS01'", "tried"),
                (25, L1B, "internal", "NAS01 web ui won't load; pinged 10.8.0.20 - request timed out", "tried"),
                (35, L1B, "internal", "last successful run 06/11 01:04", "tried")],
         alerts=[(-90, "MB-FS01", "Veeam job", "Job FS01-Daily failed", True),
                 (-100, "NAS01", "Ping", "NAS01 not responding to ping", True)],
         runbook=[], client_docs=["millbrook-law/environment.md"],
         unknown=["customer-contact", "repository-space", "offsite", "vss-writers"]),
    dict(id="7107", tenant="pinecrest", day="2026-11-09T13:15", title="PC-LIB-03 asks for BitLocker key after BIOS update",
         device="PC-LIB-03", category="endpoint", contact="Mr. Abara", escalate=40,
         description="Library PC shows the BitLocker recovery screen after the BIOS update this morning.",
         notes=[(6, L1A, "internal", "BitLocker recovery screen, key ID 4A1F...", "tried"),
                (15, L1A, "internal", "pulled recovery key from AD, unlocked - boots to Windows", "tried"),
                (25, L1A, "internal", "manage-bde -status: protection off, TPM not ready", "tried"),
                (32, L1A, "customer", "Mr. Abara, can the students use the other library PCs meanwhile?", "asked"),
                (38, "Mr. Abara", "customer", "Yes they can, 11 others are fine.", "answer")],
         alerts=[], runbook=[], client_docs=["pinecrest/environment.md"], unknown=["customer-contact"]),
    dict(id="7108", tenant="pinecrest", day="2026-11-10T08:45", title="Library copier queue paused",
         device="DC01", category="printing", contact="Mr. Abara", escalate=55,
         description="LIB-COPIER shows paused, students can't print.",
         notes=[(10, L1B, "internal", "Get-Printer -ComputerName DC01 -Name LIB-COPIER -> PrinterStatus Paused", "tried"),
                (20, L1B, "internal", "resumed queue; paused again after 2 jobs", "tried"),
                (30, L1B, "internal", "copier panel: toner K empty", "tried"),
                (50, L1B, "customer", "Thanks - escalated to a senior tech, we'll update you by 10.", "contact")],
         alerts=[(-20, "DC01", "Print queue", "Queue LIB-COPIER paused", True),
                 (-15, "DC01", "Disk C:", "C: 91% used", False)],
         runbook=[], client_docs=["pinecrest/environment.md"], unknown=["reachable"]),
    dict(id="7109", tenant="tidewater", day="2026-11-11T06:50", title="SQL01 backup failing - VSS",
         device="SQL01", category="backup", contact="Priya Raman", escalate=80,
         description="Veeam agent job for SQL01 failed last two nights with VSS_E_WRITERERROR_RETRYABLE.",
         notes=[(10, L1C, "internal", "vssadmin list writers -> SqlServerWriter state [8] Failed, retryable error", "tried"),
                (25, L1C, "internal", "restarted SQL VSS Writer service; writer back to Stable, reran job - failed again 06:31", "tried"),
                (40, L1C, "internal", "repo on VBR01: 1.2 TB free", "tried"),
                (60, L1C, "internal", "last good restore point 08/11 02:14", "tried"),
                (70, L1C, "customer", "Priya, did anything change on SQL01 this week (new database, SQL update)?", "asked")],
         alerts=[(-280, "SQL01", "Veeam agent", "Backup job SQL01-Agent failed: VSS_E_WRITERERROR_RETRYABLE", True),
                 (-120, "SQL01", "Memory", "Memory usage 96%", False),
                 (-1700, "SQL01", "Veeam agent", "Backup job SQL01-Agent failed: VSS_E_WRITERERROR_RETRYABLE", True)],
         runbook=[("_global/ms/backup-fails-vss-writer.md", "resolution"), ("_global/ms/event-513-vss.md", "workaround")],
         client_docs=["tidewater/environment.md"], unknown=["customer-contact", "offsite"]),
    dict(id="7110", tenant="tidewater", day="2026-11-12T11:30", title="Clock wrong on domain, Kerberos errors",
         device="DC01", category="active-directory", contact="Priya Raman", escalate=50,
         description="Users getting 'the time difference between client and server' errors, DC01 clock 7 minutes fast.",
         notes=[(8, L1A, "internal", "w32tm /query /source -> Local CMOS Clock", "tried"),
                (18, L1A, "internal", "w32tm /resync - 'no time data was available'", "tried"),
                (30, L1A, "internal", "users on all floors affected, can't open mapped drives", "tried"),
                (40, L1A, "internal", "only one DC (DC01) in this domain", "tried")],
         alerts=[(-30, "DC01", "Time skew", "Clock offset 412 s vs NTP", True)],
         runbook=[("_global/ms/w32time-large-offset.md", "*"), ("_global/prom/NodeClockSkewDetected.md", "mitigation")],
         client_docs=["tidewater/environment.md"], unknown=["customer-contact", "patch-window", "recent-change"]),
    dict(id="7111", tenant="tidewater", day="2026-11-13T09:10", title="CAD licences not available",
         device="TW-CAD01", category="network", contact="Priya Raman", escalate=45,
         description="AutoCAD says no licences available at the main office.",
         notes=[(5, L1B, "internal", "lmtools status: 0 of 15 seats in use, server up", "tried"),
                (15, L1B, "internal", "portqry -n TW-CAD01 -e 27000 -> LISTENING", "tried"),
                (28, L1B, "internal", "Test from WS-14: same error; from the server itself AutoCAD starts fine", "tried"),
                (40, L1B, "customer", "Hi Priya - which users see this, all CAD users or only some?", "asked")],
         alerts=[], runbook=[], client_docs=["tidewater/environment.md"],
         unknown=["customer-contact", "scope", "recent-change"]),
    dict(id="7112", tenant="harbor-vet", day="2026-11-14T07:05", title="DC01 C: drive nearly full",
         device="DC01", category="endpoint", contact="Lena Ortiz", escalate=60,
         description="RMM: C: on DC01 at 97%.",
         notes=[(10, L1B, "internal", "WizTree: C:\\Windows\\Logs\\CBS 38 GB, SoftwareDistribution 6 GB", "tried"),
                (25, L1B, "internal", "Disk Cleanup run - freed 1.2 GB only", "tried"),
                (40, L1B, "internal", "dc01 up, RDP ok, no user complaints yet", "tried")],
         alerts=[(-30, "DC01", "Disk C:", "C: 97% used (1.4 GB free)", True),
                 (-600, "SQL01", "Disk C:", "C: 92% used", False)],
         runbook=[("_global/ms/ntfs-disk-space.md", "*"), ("_global/prom/NodeFilesystemSpaceFillingUp.md", "mitigation")],
         client_docs=["harbor-vet/environment.md"], unknown=["customer-contact", "recent-update"]),
    dict(id="7113", tenant="millbrook-law", day="2026-11-15T14:20", title="Windows updates failing on MB-FS01",
         device="MB-FS01", category="endpoint", contact="Grant Willis", escalate=70,
         description="Cumulative update fails with 0x800f0922 on the file server, pending since patch Tuesday.",
         notes=[(10, L1C, "internal", "CBS.log: 0x800f0922 during install of KB5044284", "tried"),
                (30, L1C, "internal", "sfc /scannow - no integrity violations", "tried"),
                (50, L1C, "internal", "DISM /Online /Cleanup-Image /RestoreHealth - completed", "tried"),
                (60, L1C, "internal", "retried update -> same 0x800f0922", "tried")],
         alerts=[(-1440, "MB-FS01", "Patch status", "3 updates failed to install", True)],
         runbook=[("_global/ms/update-0x800f0922.md", "delete-staged-packages-and-clean-up-corrupted-tasks")],
         client_docs=["millbrook-law/environment.md"], unknown=["customer-contact", "user-impact"]),
    dict(id="7114", tenant="pinecrest", day="2026-11-16T10:30", title="Teacher can't RDP to lab server",
         device="PC-LIB-01", category="endpoint", contact="Mr. Abara", escalate=35,
         description="Ms. Howell gets 'Remote Desktop can't connect to the remote computer' from PC-LIB-01.",
         notes=[(5, L1A, "internal", "RDP from PC-LIB-01 to LAB-SRV: can't connect. From PC-LIB-02 same", "tried"),
                (15, L1A, "internal", "Test-NetConnection LAB-SRV -Port 3389 -> False", "tried"),
                (25, L1A, "internal", "LAB-SRV online in RMM, last check-in 2 min ago", "tried"),
                (30, L1A, "customer", "We let Mr. Abara know this went to our escalation team.", "contact")],
         alerts=[], runbook=[("_global/ms/rdp-cant-connect.md", "*")], client_docs=["pinecrest/environment.md"],
         unknown=["recent-update", "user-impact"]),
    # Past tickets (resolved): look-alikes for history.
    dict(id="7001", tenant="harbor-vet", day="2026-10-01T07:30", title="VetPro maintenance job failed",
         device="SQL01", category="backup", contact="Lena Ortiz", escalate=None, resolve=120,
         description="Maintenance overdue banner.",
         notes=[(100, L1A, "internal", "X: not mapped for svc-vetpro after NAS01 DSM update; remounted, reran job OK", "other")],
         alerts=[], runbook=[], client_docs=[], unknown=[]),
    dict(id="7002", tenant="tidewater", day="2026-10-05T07:00", title="SQL01 Veeam job failed",
         device="SQL01", category="backup", contact="Priya Raman", escalate=None, resolve=200,
         description="VSS writer failed.",
         notes=[(180, L1C, "internal", "SQL writer stuck after CU install; restarted SQL Server service in window, job OK", "other")],
         alerts=[], runbook=[], client_docs=[], unknown=[]),
    dict(id="7003", tenant="millbrook-law", day="2026-09-20T09:00", title="Replication to DC02 failing after firmware update",
         device="DC02", category="active-directory", contact="Grant Willis", escalate=None, resolve=300,
         description="1722 from DC01.",
         notes=[(280, L1C, "internal", "AD-RPC service group missing on Riverside rule after SonicWall update; re-applied, replication OK", "other")],
         alerts=[], runbook=[], client_docs=[], unknown=[]),
]

# Written after the rules were tuned on the tickets above and never tuned on: always held out
# (``bench/eval_packets.py`` reports them in the held-out half whatever their number's hash).
LATE_TICKETS = [
    dict(id="7120", tenant="tidewater", day="2026-11-18T08:10", title="Project costing app slow / timeouts",
         device="SQL01", category="endpoint", contact="Priya Raman", escalate=65,
         description="Costing app freezes for 30s at a time since Monday, whole finance team.",
         notes=[(7, L1B, "internal", "sql01 cpu 95% sustained in RMM, sqlservr.exe top", "tried"),
                (20, L1B, "internal", "sp_who2: one blocking SPID 87 from TW-CAD01 report job", "tried"),
                (34, L1B, "internal", "killed spid 87 -> app responsive for 10 min then slow again", "tried"),
                (50, L1B, "customer", "Priya - has anything been installed on the finance PCs or the server this week?", "asked"),
                (62, "Priya Raman", "customer", "Not that I know of.", "answer")],
         alerts=[(-180, "SQL01", "CPU", "CPU above 90% for 30 min", True),
                 (-600, "TW-CAD01", "Disk D:", "D: 88% used", False)],
         runbook=[], client_docs=["tidewater/environment.md"], unknown=["customer-contact"], half="held-out"),
    dict(id="7121", tenant="pinecrest", day="2026-11-19T12:00", title="DC01 replication / SYSVOL not updating",
         device="DC01", category="active-directory", contact="Mr. Abara", escalate=90,
         description="New GPO for library PCs not applying; SYSVOL on DC01 looks old.",
         notes=[(15, L1C, "internal", "gpresult /r on PC-LIB-05: new GPO not listed", "tried"),
                (30, L1C, "internal", "dcdiag /test:sysvolcheck /test:advertising - passed", "tried"),
                (55, L1C, "internal", "DFSR log event 2213 on DC01, DFSR paused after dirty shutdown", "tried"),
                (80, L1C, "customer", "Mr. Abara, we've passed this to our senior team and will update you by 3pm.", "contact")],
         alerts=[(-100, "DC01", "DFS Replication", "Event 2213: DFSR stopped replication on volume C:", True)],
         runbook=[], client_docs=["pinecrest/environment.md"],
         unknown=["all-dcs", "time-sync", "patch-window", "recent-change"], half="held-out"),
    dict(id="7122", tenant="harbor-vet", day="2026-11-20T06:30", title="Northgate clinic no internet",
         device="HV-NG-FW", category="network", contact="Lena Ortiz", escalate=40,
         description="Northgate can't reach VetPro or the internet since opening.",
         notes=[(5, L1A, "internal", "HV-NG-FW offline in RMM since 05:52", "tried"),
                (15, L1A, "internal", "called Lena - only Northgate, Harbour Rd and Quay St fine", "tried"),
                (25, L1A, "internal", "ISP (Telstra) ticket 88213 opened, no area outage listed", "tried")],
         alerts=[(-38, "HV-NG-FW", "Device offline", "HV-NG-FW not responding", True)],
         runbook=[("_global/prom/TargetDown.md", "*")], client_docs=["harbor-vet/environment.md"],
         unknown=["customer-contact", "recent-change"], half="held-out"),
    dict(id="7123", tenant="millbrook-law", day="2026-11-21T15:00", title="MB-FS01 D: almost full",
         device="MB-FS01", category="endpoint", contact="Grant Willis", escalate=50,
         description="Alert: D: (documents) 95% on MB-FS01.",
         notes=[(10, L1B, "internal", "TreeSize: D:\\NetDocs\\cache 410 GB, grew 120 GB since Friday", "tried"),
                (25, L1B, "internal", "NetDocuments sync svc restarted, cache still growing", "tried"),
                (40, L1B, "internal", "fs01 online, shares reachable, users not affected yet", "tried")],
         alerts=[(-20, "MB-FS01", "Disk D:", "D: 95% used", True)],
         runbook=[("_global/ms/ntfs-disk-space.md", "*"), ("_global/prom/NodeFilesystemSpaceFillingUp.md", "mitigation")],
         client_docs=["millbrook-law/environment.md"], unknown=["customer-contact", "recent-update"], half="held-out"),
]
