"""World D's tickets and their labels: Maple Hollow, Harcourt Vance, Pawsworth (``world_d_tickets_more.py``: the rest).

Same shape as worlds B and C: notes are (minutes after opening, author,
visibility, text, role) with role ``tried`` / ``asked`` as the labels
(``answer``, ``contact``, ``other``: neither); alerts are (minutes after
opening, device, check, message, related). ``runbook``: (doc under docs/,
anchor; ``*`` any section of it), empty when no runbook fits. ``unknown``: the
checklist items of the ticket's category and ``_common`` that nothing in the
ticket answers at escalation and that fit the device (no VSS item for a
Synology, no tunnel item without a tunnel, no spooler item where the clinic
prints directly). "Fit" is the device and the setup, not whether the item is
the likeliest cause: an unanswered item that fits is unknown even when the
ticket points elsewhere. Labelled by reading the ticket, before any packet was built.
Tickets with ``escalate=None`` are resolved past tickets (knowledge, not labelled).
"""

from __future__ import annotations

from bench.support.world_d_tickets_more import MORE_TICKETS

MH, HV, PW = "maple-hollow", "harcourt-vance", "pawsworth"
JP, PRIYA, TK = "Jordan Pike (Tier 1)", "hv-helpdesk\\priya", "tk"
_ENV = "{}/environment.md"

_FIRST = [
    # --- Maple Hollow: full sentences, steps numbered across the ticket's notes.
    dict(id="6401", tenant=MH, day="2026-11-30T07:40", title="DC02 at Lincoln Elementary is not replicating",
         device="DC02", category="active-directory", contact="Carmen Alvarez", escalate=48,
         description="Monitoring reports AD replication failures on DC02 (Lincoln Elementary) since Saturday.",
         notes=[(8, JP, "internal", "1. I ran repadmin /replsummary on DC01. DC02 shows 4 failures out of 4, largest "
                                    "delta 2 days, error 1722. 2. DC01 is the only other DC, so that is all of them.",
                 "tried"),
                (15, JP, "internal", "3. I pinged DC02 from DC01 by name and by IP address; both replied in under "
                                     "20 ms, so the tunnel to Lincoln is up at the moment.", "tried"),
                (22, JP, "internal", "4. I tried Test-NetConnection DC02 -Port 135 from DC01 and it failed, so RPC is "
                                     "blocked somewhere between the sites. 5. I searched the change log and found no "
                                     "change to FW01 or FW-LINCOLN in the last month.", "tried"),
                (30, JP, "customer", "Hello Ms. Alvarez, could you tell us whether teachers at Lincoln Elementary "
                                     "are having trouble signing in or changing their passwords this morning?", "asked"),
                (41, "Carmen Alvarez", "customer", "Lincoln staff can log in, but two teachers say the new passwords "
                                                   "they set on Friday do not work at Lincoln.", "answer")],
         alerts=[(-2900, "DC02", "AD replication", "Replication from DC01 failed: The RPC server is unavailable (1722)",
                  True),
                 (-2950, "FW01", "IPsec tunnel", "Tunnel LINCOLN flapped 6 times in 10 minutes", True),
                 (-200, "FS01", "Disk E:", "E: 86% used", False)],
         runbook=[("_global/ms/replication-error-1722.md", "*")],
         client_docs=[_ENV.format(MH)], unknown=["patch-window", "time-sync", "customer-contact"]),
    dict(id="6402", tenant=MH, day="2026-12-01T09:05", title="Library copier not printing from the laptop cart",
         device="PRN-LIB01", category="printing", contact="Daniel Okoro", escalate=62,
         description="Library at Jefferson Middle: jobs sent from laptops never come out of the copier.",
         notes=[(10, JP, "internal", "1. I printed a test page from PS01 directly to PRN-LIB01 and it came out fine. "
                                     "2. The queue on PS01 showed 37 jobs stuck from the library laptops.", "tried"),
                (18, JP, "internal", "3. I cleared the queue and restarted the Print Spooler service on PS01. 4. New "
                                     "jobs from LIB-LT-07 still sit in 'Sending to printer'.", "tried"),
                (25, JP, "customer", "Hi Mr. Okoro, is this happening for every staff member in the library, or "
                                     "only on the laptop cart?", "asked"),
                (38, "Daniel Okoro", "customer", "Only the laptop cart. The desktops at the circulation desk print "
                                                 "fine.", "answer"),
                (50, JP, "internal", "5. I noticed that the laptop cart is on VLAN 40 (student), which according to "
                                     "the environment note should not reach PS01's queues at all.", "tried"),
                (58, JP, "customer", "Mr. Okoro, I have passed this to our senior engineer because it looks like a "
                                     "network setting; we will update you by 2 pm today.", "contact")],
         alerts=[(-30, "PRN-LIB01", "Toner", "Toner black below 10%", False)],
         runbook=[("maple-hollow/runbooks/print-server.md", "clearing-a-stuck-queue-on-ps01")],
         client_docs=[_ENV.format(MH), "maple-hollow/runbooks/print-server.md"], unknown=[]),
    dict(id="6403", tenant=MH, day="2026-12-02T07:20", title="Lincoln Elementary has no internet",
         device="FW-LINCOLN", category="network", contact="Renee Hayes", escalate=40,
         description="Principal Hayes called: nothing works at Lincoln, no internet, no phones.",
         notes=[(6, JP, "internal", "1. I confirmed that FW-LINCOLN stopped checking in to FortiCloud at 07:12. "
                                    "2. DC02 and the Lincoln switches are also unreachable from the district office.",
                 "tried"),
                (14, JP, "internal", "3. I called the school office on the mobile number; the VoIP phones are down "
                                     "too, so the whole building is offline.", "tried"),
                (21, JP, "internal", "4. I checked the Comcast Business status page for Lincoln's address and there "
                                     "is no outage listed.", "tried"),
                (30, JP, "customer", "Hello Principal Hayes, could someone at Lincoln check whether the lights on "
                                     "the grey Comcast modem in the server closet are on?", "asked")],
         alerts=[(-8, "FW-LINCOLN", "Device offline", "FW-LINCOLN has not checked in for 5 minutes", True),
                 (-6, "FW01", "IPsec tunnel", "Tunnel LINCOLN down", True),
                 (-5, "DC02", "Ping", "DC02 not responding to ping", True),
                 (-400, "PRN-LIB01", "Paper", "Tray 2 empty", False)],
         runbook=[], client_docs=[_ENV.format(MH)],
         unknown=["tunnel-phase", "recent-change", "customer-contact"]),
    dict(id="6404", tenant=MH, day="2026-12-02T07:45", title="Staff accounts keep locking out at Jefferson",
         device="DC01", category="active-directory", contact="Carmen Alvarez", escalate=70,
         description="Teachers at Jefferson Middle are locked out again and again since this morning.",
         notes=[(5, JP, "internal", "1. I unlocked the account j.whitaker in ADUC at 07:50. It was locked again at "
                                    "08:05. 2. I looked at event 4740 on DC01; the caller computer is MH-STAFF-114.",
                 "tried"),
                (20, JP, "internal", "3. I asked Ms. Whitaker by phone whether she has a phone or tablet set up with "
                                     "her school email. She said yes, an old iPad at home.", "asked"),
                (35, JP, "internal", "4. Three more staff accounts (k.barnes, l.ng, r.diaz) have been locked since "
                                     "08:00, all of them at Jefferson.", "tried"),
                (60, JP, "customer", "Hi Ms. Alvarez, we are escalating the lockouts at Jefferson to our senior team "
                                     "and will update you before lunch.", "contact")],
         alerts=[(10, "DC01", "Account lockouts", "12 lockouts in 15 minutes (event 4740)", True),
                 (-600, "VBR01", "Veeam job", "Job FS01-Daily finished with warning", False)],
         runbook=[("maple-hollow/runbooks/accounts.md", "staff-account-lockouts"),
                  ("_global/ms/account-lockout-tools.md", "*"), ("_global/ms/locked-out-saved-queries.md", "*")],
         client_docs=[_ENV.format(MH), "maple-hollow/runbooks/accounts.md"],
         unknown=["patch-window", "all-dcs", "time-sync", "recent-change"]),
    dict(id="6405", tenant=MH, day="2026-12-03T06:50", title="Veeam: FS01-Daily failed three nights in a row",
         device="FS01", category="backup", contact="Carmen Alvarez", escalate=55,
         description="The nightly backup of the staff file server has failed since Monday.",
         notes=[(9, JP, "internal", "1. I opened the Veeam console on VBR01. FS01-Daily failed on 11/30, 12/1 and "
                                    "12/2 with 'VSS error 0x800423f4'. The last successful restore point is 11/29 "
                                    "22:00.", "tried"),
                (20, JP, "internal", "2. I ran vssadmin list writers on FS01. The DFS Replication service writer is "
                                     "in State [8] Failed with a non-retryable error; all other writers are stable.",
                 "tried"),
                (34, JP, "internal", "3. I restarted the DFS Replication service on FS01 and retried the job. It "
                                     "failed again at 72%.", "tried")],
         alerts=[(-420, "VBR01", "Veeam job", "Job FS01-Daily failed: VSS error 0x800423f4", True),
                 (-100, "DC02", "Windows Update", "Reboot pending after updates", False)],
         runbook=[], client_docs=[_ENV.format(MH)],
         unknown=["repository-space", "offsite", "customer-contact"]),
    dict(id="6406", tenant=MH, day="2026-12-03T10:15", title="New registrar cannot see the Enrollment mailbox",
         device=None, category="m365", contact="Rosa Castillo", escalate=52,
         description="Rosa started as registrar last week. The Enrollment shared mailbox does not show up in her "
                     "Outlook; the other two registrars see it as usual.",
         notes=[(7, JP, "internal", "1. I confirmed in the Exchange admin center that r.castillo has Full Access on "
                                    "enrollment@mhusd.org (added on 11/28). 2. I removed and re-added the permission "
                                    "at 10:25.", "tried"),
                (16, JP, "internal", "3. I checked Microsoft 365 service health: there is an open advisory about "
                                     "delays in mailbox permission changes reaching Outlook.", "tried"),
                (24, JP, "customer", "Hi Rosa, could you close Outlook completely, open it again and tell us whether "
                                     "the Enrollment folder appears on the left?", "asked"),
                (40, "Rosa Castillo", "customer", "Closed and opened it, still not there. It does show up in Outlook "
                                                  "on the web though.", "answer")],
         alerts=[], runbook=[], client_docs=[],
         unknown=["sign-in-logs", "customer-contact"]),
    dict(id="6301", tenant=MH, day="2026-10-14T08:30", title="Library copier jobs stuck in the queue",
         device="PRN-LIB01", category="printing", contact="Daniel Okoro", escalate=None, resolve=45,
         description="Nothing prints in the Jefferson library.",
         notes=[(10, JP, "internal", "1. I found 20 jobs stuck on PS01 for PRN-LIB01. 2. I cleared the queue and "
                                     "restarted the spooler.", "tried"),
                (40, JP, "customer", "Mr. Okoro, printing in the library works again; the queue had jammed.", "other")],
         alerts=[], runbook=[], client_docs=[], unknown=[]),

    # --- Harcourt Vance: the helpdesk pastes PowerShell output, with a word or two of its own.
    dict(id="6411", tenant=HV, day="2026-12-03T08:10", title="SQL01 nightly backup failing (SqlServerWriter)",
         device="SQL01", category="backup", contact="Gwen Hadley", escalate=65,
         description="Veeam job SQL01-Nightly has failed three nights running.",
         notes=[(10, PRIYA, "internal", "PS C:\\> vssadmin list writers | Select-String -Context 0,4 SqlServerWriter"
                                        "\n\nWriter name: 'SqlServerWriter'\n   State: [11] Failed\n   Last error: "
                                        "Non-retryable error", "tried"),
                (22, PRIYA, "internal", "PS C:\\> Get-Service SQLWriter\n\nStatus   Name       DisplayName\n------   "
                                        "----       -----------\nRunning  SQLWriter  SQL Server VSS Writer\n\nrestarted "
                                        "it, writer [1] Stable, retried job -> same error", "tried"),
                (35, PRIYA, "internal", "PS C:\\> Get-VBRBackupSession | ? JobName -eq 'SQL01-Nightly' | select -Last "
                                        "3 EndTime,Result\n\nEndTime               Result\n-------               "
                                        "------\n12/1/2026 1:14:22 AM  Failed\n12/2/2026 1:12:09 AM  Failed\n"
                                        "12/3/2026 1:15:40 AM  Failed", "tried"),
                (48, PRIYA, "customer", "Hi Gwen, quick question: did anyone add a new database to the billing "
                                        "server (SQL01) last week? The backup started failing on 1 December.", "asked")],
         alerts=[(-400, "VBR01", "Veeam job", "SQL01-Nightly failed: SqlServerWriter failed (0x800423f4)", True),
                 (-60, "FW01", "Login failures", "38 failed admin logins from 185.220.101.4", False)],
         runbook=[("harcourt-vance/runbooks/veeam.md", "sql01-backup-fails-with-vss-error"),
                  ("_global/ms/backup-fails-sql-vss-writer.md", "*")],
         client_docs=[_ENV.format(HV), "harcourt-vance/runbooks/veeam.md"],
         unknown=["last-good", "repository-space", "offsite", "customer-contact"]),
    dict(id="6412", tenant=HV, day="2026-12-01T07:55", title="DC02 (Azure) clock off, Kerberos errors",
         device="DC02", category="active-directory", contact="Gwen Hadley", escalate=58,
         description="Monitoring: DC02 is 7 minutes off DC01. KDC errors in the System log.",
         notes=[(8, PRIYA, "internal", "PS C:\\> w32tm /query /status /computer:DC02\nLeap Indicator: 3(not "
                                       "synchronized)\nStratum: 0 (unspecified)\nSource: Local CMOS Clock\nLast "
                                       "Successful Sync Time: unspecified", "tried"),
                (19, PRIYA, "internal", "PS C:\\> w32tm /resync /rediscover\nThe computer did not resync because no "
                                        "time data was available.", "tried"),
                (30, PRIYA, "internal", "PS C:\\> repadmin /replsummary\nSource DSA  largest delta  fails/total  "
                                        "error\n DC01          08m:12s     0 /   5       0\n DC02          09m:40s     "
                                        "0 /   5       0", "tried"),
                (44, PRIYA, "customer", "Hello Gwen, are attorneys seeing login prompts or 'trust relationship' "
                                        "errors this morning, and if so in which office?", "asked")],
         alerts=[(-15, "DC02", "Time skew", "DC02 clock 7m02s behind DC01", True),
                 (-20, "DC01", "Event log", "W32Time event 36: not synchronized for 86400 seconds", True),
                 (-90, "RDS01", "CPU", "CPU above 95% for 15 minutes", False),
                 (-240, "DC02", "Disk C:", "C: 82% used", False)],
         runbook=[("_global/ms/authoritative-time.md", "*")], client_docs=[_ENV.format(HV)],
         unknown=["patch-window", "user-impact", "recent-change", "customer-contact"]),
    dict(id="6413", tenant=HV, day="2026-12-05T07:30", title="Remote partners cannot connect through RD Gateway",
         device="RDS01", category="endpoint", contact="Gwen Hadley", escalate=45,
         description="The three remote partners get an error connecting to remote.harcourtvance.com.",
         notes=[(9, PRIYA, "internal", "PS C:\\> Get-ChildItem Cert:\\LocalMachine\\My | ? Subject -like "
                                       "'*remote.harcourtvance*' | select NotAfter,Thumbprint\n\nNotAfter               "
                                       "Thumbprint\n--------               ----------\n12/4/2026 11:59:59 PM  "
                                       "9F3C0A7E...\n\nexpired last night", "tried"),
                (16, PRIYA, "internal", "remote users get 'This computer can't connect to the remote computer'; "
                                        "inside the office RDS01 works direct", "tried"),
                (28, "Gwen Hadley", "customer", "All three remote partners are blocked. They can come in to the office "
                                                "if they have to.", "answer"),
                (40, PRIYA, "customer", "Hi Gwen, we're escalating the certificate renewal to our senior engineer "
                                        "and will update you by 11:00.", "contact")],
         alerts=[(-480, "RDS01", "Certificate", "Certificate remote.harcourtvance.com expires in 0 days", True),
                 (-30, "SQL01", "Disk L:", "L: 90% used", False)],
         runbook=[("harcourt-vance/runbooks/remote-access.md", "rd-gateway-certificate-renewal")],
         client_docs=[_ENV.format(HV), "harcourt-vance/runbooks/remote-access.md"], unknown=["recent-update"]),
    dict(id="6414", tenant=HV, day="2026-12-02T13:10", title="Docketing printer prints garbage",
         device="PRN-DOCKET", category="printing", contact="Marcus Bell", escalate=50,
         description="Pages of random characters come out of the docketing HP.",
         notes=[(7, PRIYA, "internal", "PS C:\\> Get-PrintJob -ComputerName FS01 -PrinterName DOCKET-HP\n"
                                       "PS C:\\>\n\n(queue empty)", "tried"),
                (12, PRIYA, "internal", "PS C:\\> Test-Connection PRN-DOCKET -Count 2 | select Address,ResponseTime"
                                        "\n\nAddress     ResponseTime\n-------     ------------\nPRN-DOCKET  1\n"
                                        "PRN-DOCKET  1", "tried"),
                (25, PRIYA, "internal", "driver on the FS01 queue = HP Universal PCL6 7.0.1 since patch night 11/28 "
                                        "(was 6.9)", "tried"),
                (33, PRIYA, "customer", "Hi Marcus, does the garbled printing happen for everyone in docketing or "
                                        "only for certain people?", "asked")],
         alerts=[], runbook=[], client_docs=[_ENV.format(HV)], unknown=["scope", "customer-contact"]),
    dict(id="6415", tenant=HV, day="2026-11-30T09:20", title="Westlaw unreachable since the weekend",
         device="FW01", category="network", contact="Marcus Bell", escalate=55,
         description="Westlaw and a few research sites time out in the browser since Monday morning.",
         notes=[(6, PRIYA, "internal", "PS C:\\> Resolve-DnsName www.westlaw.com | select -First 1 Name,IPAddress"
                                       "\n\nName             IPAddress\n----             ---------\nwww.westlaw.com  "
                                       "163.231.6.43", "tried"),
                (12, PRIYA, "internal", "PS C:\\> Test-NetConnection www.westlaw.com -Port 443\n\nComputerName     : "
                                        "www.westlaw.com\nRemotePort       : 443\nTcpTestSucceeded : False", "tried"),
                (20, PRIYA, "internal", "FW01 firmware 7.0.1-5145 applied Sat 11/28 under CHG-2291 (change log)",
                 "tried"),
                (28, PRIYA, "customer", "Hi Marcus, is everyone in the office affected, or only some floors?",
                 "asked"),
                (44, "Marcus Bell", "customer", "Everyone on 4. The 5th floor says Westlaw works for them.", "answer")],
         alerts=[(-2000, "FW01", "Firmware", "Firmware updated to 7.0.1-5145", True),
                 (-50, "VBR01", "Veeam job", "Copy job Wasabi-Copy finished with warning", False)],
         runbook=[], client_docs=[_ENV.format(HV)], unknown=["customer-contact"]),
    dict(id="6416", tenant=HV, day="2026-12-04T08:25", title="Paralegal stuck in sign-in loop in Outlook and Teams",
         device="HV-LT-031", category="m365", contact="Tam Nguyen", escalate=47,
         description="Tam keeps getting asked to sign in, then sees 'You can't get there from here'.",
         notes=[(6, PRIYA, "internal", "PS C:\\> Get-MgUser -UserId t.nguyen@harcourtvance.com -Property "
                                       "AccountEnabled,SignInActivity | fl\n\nAccountEnabled : True\nSignInActivity : "
                                       "@{LastSignInDateTime=12/3/2026 4:51:10 PM}", "tried"),
                (15, PRIYA, "internal", "Entra sign-in log: 14 failures 'Conditional Access: device not compliant' "
                                        "since 08:10, device HV-LT-031", "tried"),
                (24, PRIYA, "internal", "Intune: HV-LT-031 Not compliant (BitLocker off after BIOS update)", "tried"),
                (33, PRIYA, "customer", "Hi Tam, has your laptop asked you for a BitLocker recovery key at startup "
                                        "recently?", "asked")],
         alerts=[], runbook=[], client_docs=[],
         unknown=["affected-users", "service-health", "customer-contact"]),
    dict(id="6311", tenant=HV, day="2026-10-21T07:50", title="SQL01 backup failed - SqlServerWriter",
         device="SQL01", category="backup", contact="Gwen Hadley", escalate=None, resolve=80,
         description="Veeam SQL01-Nightly failed.",
         notes=[(15, PRIYA, "internal", "PS C:\\> Restart-Service SQLWriter\nretried job -> Success", "tried")],
         alerts=[], runbook=[], client_docs=[], unknown=[]),

    # --- Pawsworth: phone-typed, terse, typos.
    dict(id="6421", tenant=PW, day="2026-12-01T08:05", title="harbor cant reach vetstar",
         device="FW-HARBOR", category="network", contact="Dr. Anita Patel", escalate=50,
         description="Harbor clinic cannot open VetStar since opening. Phones ok.",
         notes=[(5, TK, "internal", "harbor cant open vetstar, tunnel dwn on fw01 status pg", "tried"),
                (12, TK, "internal", "pfsense log: ph1 up, ph2 'no proposal chosen'", "tried"),
                (20, TK, "customer", "hi dr patel restartd ur harbor firewall remotly, no chnage sorry", "tried"),
                (26, TK, "customer", "hi dr patel did anyone change the internet at harbor? new modem?", "asked"),
                (41, "Dr. Anita Patel", "customer", "Yes the cable company swapped the modem yesterday afternoon.",
                 "answer")],
         alerts=[(-40, "FW01", "IPsec", "Tunnel HARBOR phase 2 down", True),
                 (-35, "FW-HARBOR", "Gateway", "WAN_DHCP gateway packet loss 38%", True),
                 (-300, "FS01", "Volume", "Volume 1 85% used", False)],
         runbook=[("pawsworth/runbooks/clinic-vpn.md", "phase-2-mismatch-after-a-change")],
         client_docs=[_ENV.format(PW), "pawsworth/runbooks/clinic-vpn.md"], unknown=["customer-contact"]),
    dict(id="6422", tenant=PW, day="2026-12-02T09:30", title="fs01 hyper backup to c2 failng",
         device="FS01", category="backup", contact="Jen Morrow", escalate=44,
         description="Synology says the x-ray backup task failed.",
         notes=[(6, TK, "internal", "hyperbackup log: 'destnation storage full' since 11/27", "tried"),
                (14, TK, "internal", "c2 portal: 1TB plan, 1.0/1TB usd", "tried"),
                (19, TK, "internal", "last ok versn 11/26 23:00", "tried"),
                (30, TK, "customer", "hi jen ok to go to 2tb c2 plan? ~$10/mo more", "asked")],
         alerts=[(-560, "FS01", "Hyper Backup", "Task Xray-C2 failed: destination storage full", True),
                 (-200, "PMS01", "Windows Update", "5 updates pending", False)],
         runbook=[], client_docs=[_ENV.format(PW)], unknown=["customer-contact"]),
    dict(id="6423", tenant=PW, day="2026-12-03T07:15", title="eastfield xray pc wont boot",
         device="PW-EF-XRAY", category="endpoint", contact="Lou Brandt", escalate=46,
         description="Eastfield: x-ray PC shows blue screen at start.",
         notes=[(4, TK, "customer", "can u read me the code on the blue scrn?", "asked"),
                (12, "Lou Brandt", "customer", "it says INACCESSIBLE BOOT DEVICE", "answer"),
                (18, TK, "internal", "rmm: pc offline since 02:14, patch run 02:00 kb5046617", "tried"),
                (30, TK, "internal", "no kvm so cant get winre remote, told clinic to hold f8 - nothng", "tried")],
         alerts=[(-320, "PW-EF-XRAY", "Agent offline", "PW-EF-XRAY has not checked in since 02:14", True),
                 (-900, "FW-EASTFIELD", "Gateway", "WAN latency 180 ms", False)],
         runbook=[], client_docs=[_ENV.format(PW)], unknown=["user-impact", "customer-contact"]),
    dict(id="6424", tenant=PW, day="2026-12-04T08:40", title="northgate rx printer offline",
         device="PRN-NG-RX", category="printing", contact="Kayla Soto", escalate=38,
         description="Reception Brother at Northgate shows offline on the front desk PC. Clinics print direct, no "
                     "print server.",
         notes=[(5, TK, "internal", "pingd 10.1.0.45 no reply", "tried"),
                (11, "Kayla Soto", "customer", "the printer screen says IP conflict", "answer"),
                (18, TK, "internal", "dhcp leases fw01: .45 handed to iPhone-van-Kayla", "tried"),
                (25, TK, "customer", "is it just front desk pc or evry1?", "asked")],
         alerts=[], runbook=[], client_docs=[_ENV.format(PW)], unknown=["scope", "customer-contact"]),
    dict(id="6425", tenant=PW, day="2026-12-04T10:05", title="emails to clients bouncing",
         device=None, category="m365", contact="Kayla Soto", escalate=42,
         description="Appointment reminder replies and normal mails come back undelivered.",
         notes=[(6, TK, "internal", "bounce: 550 5.7.708 Service unavailable. Access denied, traffic not accepted "
                                   "from this IP", "tried"),
                (13, TK, "internal", "mxtoolbox spf ok, dkim ok", "tried"),
                (19, TK, "customer", "hi kayla whos getting bounces, all 3 clinics?", "asked"),
                (31, "Kayla Soto", "customer", "all of us, every clinic", "answer")],
         alerts=[], runbook=[], client_docs=[],
         unknown=["service-health", "sign-in-logs", "customer-contact"]),
    dict(id="6321", tenant=PW, day="2026-11-09T08:10", title="harbor vpn down",
         device="FW-HARBOR", category="network", contact="Dr. Anita Patel", escalate=None, resolve=190,
         description="Harbor cannot open VetStar.",
         notes=[(10, TK, "internal", "ph1 up ph2 fails after modem swap", "tried"),
                (150, TK, "internal", "isp put modem in bridge mode, reset tunnel both ends -> up", "tried")],
         alerts=[], runbook=[], client_docs=[], unknown=[]),
]

TICKETS = [*_FIRST, *MORE_TICKETS]
