"""World D's tickets of Brückner and Riverbend (same shape and labelling rules as ``world_d_tickets.py``)."""

from __future__ import annotations

BR, RF = "brueckner", "riverbend"
MS, DEE = "M. Schäfer", "Dee (helpdesk)"
_ENV = "{}/environment.md"

MORE_TICKETS = [
    # --- Brückner: German and English mixed, often in one sentence.
    dict(id="6431", tenant=BR, day="2026-12-01T06:30", title="DC02 Dayton: Replikation schlägt fehl (8524)",
         device="DC02", category="active-directory", contact="Jim Kowalski", escalate=60,
         description="Monitoring meldet AD replication errors auf DC02 (Dayton) seit Freitag.",
         notes=[(8, MS, "internal", "repadmin /showrepl auf DC02: letzte erfolgreiche Replikation 27.11. 04:10, "
                                    "error 8524 (DNS lookup failure)", "tried"),
                (17, MS, "internal", "nslookup des _msdcs GUID-CNAME von DC02 aus -> Non-existent domain. Von DC01 "
                                     "aus geht es.", "tried"),
                (26, MS, "internal", "DNS auf der NIC von DC02: nur 127.0.0.1 eingetragen. Nicht geändert, erst mit "
                                     "L2 klären", "tried"),
                (33, MS, "internal", "w32tm /query /status auf beiden DCs ok, offset < 1s", "tried"),
                (42, MS, "customer", "Hi Jim, did anyone in Dayton change the network settings on the server DC02 "
                                     "last week? We see a DNS setting that looks changed.", "asked")],
         alerts=[(-4000, "DC02", "AD replication", "Replication from DC01 failed: DNS lookup failure (8524)", True),
                 (-120, "ERP01", "SQL log", "Transaction log of SBODEMO 80% full", False)],
         runbook=[("_global/ms/replication-error-8524.md", "*")], client_docs=[_ENV.format(BR)],
         unknown=["patch-window", "all-dcs", "user-impact", "recent-change", "customer-contact"]),
    dict(id="6432", tenant=BR, day="2026-12-02T07:05", title="ERP01 SQL-Sicherung fehlgeschlagen",
         device="ERP01", category="backup", contact="Sabine Weber", escalate=50,
         description="Der nächtliche Full-Backup-Job der SAP B1 Datenbank ist fehlgeschlagen.",
         notes=[(7, MS, "internal", "SQL Agent Job 'B1_Full' failed: Operating system error 112 (not enough space "
                                    "on the disk) beim Schreiben nach \\\\FS01\\SQLBackup", "tried"),
                (15, MS, "internal", "FS01 Laufwerk E: 98% belegt, 14 GB frei, Full braucht ~60 GB", "tried"),
                (22, MS, "internal", "letzte erfolgreiche Full: 29.11. 22:00, Diffs bis 01.12. ok", "tried"),
                (31, MS, "customer", "Frau Weber, dürfen wir Sicherungen älter als 14 Tage auf FS01 löschen? Dann "
                                     "starten wir die Sicherung heute Abend neu.", "asked")],
         alerts=[(-400, "ERP01", "SQL Agent", "Job B1_Full failed", True),
                 (-380, "FS01", "Disk E:", "E: 98% used (14 GB free)", True),
                 (-50, "FW02", "VPN", "IPsec SA rekey took 40 s", False)],
         runbook=[("brueckner/runbooks/erp01-sql.md", "sicherungsziel-voll")],
         client_docs=[_ENV.format(BR), "brueckner/runbooks/erp01-sql.md"],
         unknown=["vss-writers", "offsite", "customer-contact"]),
    dict(id="6433", tenant=BR, day="2026-12-03T13:40", title="VPN Stuttgart - Dayton down, CAD-Daten syncen nicht",
         device="FW01", category="network", contact="Sabine Weber", escalate=70,
         description="Dayton kommt nicht auf die Stuttgarter Shares, DFS-R Rückstau wächst.",
         notes=[(6, MS, "internal", "Sophos FW01 log: IKE_SA_INIT gesendet, keine Antwort von 203.0.113.20", "tried"),
                (15, MS, "internal", "Stuttgart Telekom: keine Störung laut Status-Hotline; Dayton internet läuft "
                                     "laut Jim (Teams call works)", "tried"),
                (24, MS, "customer", "Jim, could you send us a screenshot of the IPsec log on the Dayton firewall?",
                 "asked"),
                (45, "Jim Kowalski", "customer", "Sent by email. The log says 'Phase 1: no proposal chosen'.", "answer"),
                (58, MS, "customer", "Frau Weber, wir haben an unseren Second-Level übergeben, Rückmeldung bis 16 "
                                     "Uhr.", "contact")],
         alerts=[(-12, "FW01", "IPsec", "Connection Dayton down", True),
                 (-11, "FW02", "IPsec", "Connection Stuttgart down", True),
                 (-700, "DC01", "Disk C:", "C: 86% used", False)],
         runbook=[("brueckner/runbooks/standort-vpn.md", "phase-1-kommt-nicht-hoch")],
         client_docs=[_ENV.format(BR), "brueckner/runbooks/standort-vpn.md"], unknown=["recent-change"]),
    dict(id="6434", tenant=BR, day="2026-12-04T06:15", title="Halle 2: Kyocera druckt nicht",
         device="PRN-HALLE2", category="printing", contact="Emre Yilmaz", escalate=40,
         description="Niemand in Halle 2 kann drucken, Laufkarten fehlen.",
         notes=[(5, MS, "internal", "Queue auf PS01: 12 Aufträge 'Fehler - Drucken'", "tried"),
                (11, MS, "internal", "Spooler auf PS01 neu gestartet, Queue leer, neuer Testdruck hängt wieder",
                 "tried"),
                (17, MS, "internal", "Webinterface 10.10.2.60 nicht erreichbar, ping timeout", "tried"),
                (25, MS, "customer", "Herr Yilmaz, zeigt das Display am Drucker eine Fehlermeldung? Is the network "
                                     "cable plugged in at the back?", "asked")],
         alerts=[(-20, "PRN-HALLE2", "SNMP", "PRN-HALLE2 not responding to SNMP", True),
                 (-25, "ERP01", "CPU", "CPU 92% for 10 minutes", False)],
         runbook=[], client_docs=[_ENV.format(BR)], unknown=["customer-contact"]),
    dict(id="6435", tenant=BR, day="2026-12-02T09:50", title="CAD-07 extrem langsam seit Update",
         device="CAD-07", category="endpoint", contact="Tobias Braun", escalate=75,
         description="SolidWorks auf CAD-07 friert ständig ein.",
         notes=[(10, MS, "internal", "Taskmanager remote: MsMpEng 40% CPU, Disk 100%", "tried"),
                (21, MS, "internal", "Update-Verlauf: KB5046617 am 30.11., NVIDIA Treiber 566.14 am 01.12.", "tried"),
                (30, MS, "customer", "Herr Braun, can you still work in SolidWorks at all, or is it unusable?",
                 "asked"),
                (46, "Tobias Braun", "customer", "Unbenutzbar. Ich arbeite solange am Laptop, geht aber nur langsam.",
                 "answer"),
                (70, MS, "customer", "Herr Braun, wir haben an unseren Second-Level übergeben, Rückmeldung bis 14 "
                                     "Uhr.", "contact")],
         alerts=[(-60, "CAD-07", "CPU", "CPU above 90% for 30 minutes", True)],
         runbook=[], client_docs=[], unknown=[]),
    dict(id="6331", tenant=BR, day="2026-10-07T14:00", title="VPN Stuttgart - Dayton down",
         device="FW01", category="network", contact="Sabine Weber", escalate=None, resolve=150,
         description="Kein Zugriff von Dayton auf Stuttgart.",
         notes=[(10, MS, "internal", "Phase 1 no proposal chosen", "tried"),
                (120, MS, "internal", "FW02 nach Firmware-Update auf DH group 2 zurückgesetzt, auf 14 gestellt, "
                                      "Tunnel up", "tried")],
         alerts=[], runbook=[], client_docs=[], unknown=[]),

    # --- Riverbend: semicolon-separated run-ons, several steps per note.
    dict(id="6441", tenant=RF, day="2026-12-01T07:00", title="warehouse internet down",
         device="FW01", category="network", contact="Tasha Green", escalate=55,
         description="Warehouse says internet is crawling, scanners time out.",
         notes=[(8, DEE, "internal", "meraki dash shows wan1 down since 6:40; failover to lte working but slow; "
                                     "pantry site fine", "tried"),
                (20, DEE, "internal", "called spectrum; ticket 4471-22; they see no outage but will send a tech "
                                      "tomorrow 8-12", "tried"),
                (31, DEE, "customer", "hi Tasha, we've talked to Spectrum and a tech comes tomorrow 8-12; can "
                                      "someone be there to let them in?", "asked"),
                (44, "Tasha Green", "customer", "yes Marcus will be there", "answer")],
         alerts=[(-20, "FW01", "Uplink", "WAN1 down, failed over to cellular", True),
                 (-18, "FW01", "Cellular", "Cellular uplink active", True),
                 (-600, "FS01", "Disk", "Disk 2 SMART warning: reallocated sectors", False)],
         runbook=[], client_docs=[_ENV.format(RF)], unknown=["recent-change", "customer-contact"]),
    dict(id="6442", tenant=RF, day="2026-12-02T15:20", title="new volunteer coordinator blocked at sign-in",
         device=None, category="m365", contact="Dana Okafor", escalate=48,
         description="Dana gets 'You cannot access this right now'. Only her; everyone else signs in fine.",
         notes=[(7, DEE, "internal", "reset mfa for d.okafor in entra; she re-registered; still blocked; sign-in "
                                     "log says CA policy 'Block non-US'; location Toronto", "tried"),
                (16, DEE, "customer", "Hi Dana, are you travelling outside the US this week? Your sign-ins come "
                                      "from Canada.", "asked"),
                (29, "Dana Okafor", "customer", "Yes, at a conference in Toronto until Friday.", "answer")],
         alerts=[], runbook=[("riverbend/runbooks/m365-accounts.md", "travel-exceptions-for-the-us-only-sign-in-policy")],
         client_docs=["riverbend/runbooks/m365-accounts.md"], unknown=["service-health", "customer-contact"]),
    dict(id="6443", tenant=RF, day="2026-12-03T08:30", title="nas backup to b2 failing",
         device="FS01", category="backup", contact="Marcus Reyes", escalate=40,
         description="Synology emails say the weekly cloud backup failed.",
         notes=[(9, DEE, "internal", "hyper backup log says authentication failed on the b2 bucket; app key was "
                                     "rotated 11/20 by Marcus per his email; last success 11/15", "tried"),
                (18, DEE, "internal", "local snapshots fine; volume 1 60% used", "tried"),
                (27, DEE, "customer", "Hi Marcus, could you send us the new B2 application key through the password "
                                      "link we sent?", "asked")],
         alerts=[(-100, "FS01", "Hyper Backup", "Task B2-Weekly failed: authentication failed", True),
                 (-30, "FW01", "Client VPN", "7 failed client VPN logins", False)],
         runbook=[], client_docs=[_ENV.format(RF)], unknown=["repository-space", "customer-contact"]),
    dict(id="6444", tenant=RF, day="2026-12-03T11:10", title="laptop asks for bitlocker key every boot",
         device="RFA-LT-09", category="endpoint", contact="Luis Ortega", escalate=50,
         description="Luis's laptop asks for the BitLocker recovery key at every start.",
         notes=[(9, DEE, "internal", "intune shows lt-09 compliant, last check-in 11:02 today; bitlocker key in entra, "
                                     "read it to Luis by phone; boots fine after the key and he can work but it asks "
                                     "again next boot; bios updated by dell command update 12/1", "tried"),
                (22, DEE, "customer", "Hi Luis, does it ask for the key every time you turn it on, or only after it "
                                      "was shut down completely?", "asked"),
                (40, DEE, "customer", "We've passed this to our senior engineer and will get back to you tomorrow "
                                      "morning; keep the key note handy until then.", "contact")],
         alerts=[], runbook=[], client_docs=[], unknown=[]),
    dict(id="6445", tenant=RF, day="2026-12-04T10:30", title="pantry copier scan to email broken",
         device="PRN-PANTRY", category="printing", contact="Tasha Green", escalate=45,
         description="Scans at the pantry never arrive by email. The pantry prints direct to the Ricoh, no print "
                     "server.",
         notes=[(8, DEE, "internal", "scan to email fails with 'SMTP authentication error'; smtp.office365.com 587 "
                                     "set; scan@ password changed 11/30 by the expiry policy per entra", "tried"),
                (17, DEE, "internal", "printing itself works per Tasha; sent a test scan from the panel myself over "
                                      "the web UI no joy", "tried"),
                (24, DEE, "customer", "Tasha, I've reset the password of the scan@ account so we know what it is; "
                                      "it now has to be typed into the copier's settings.", "tried"),
                (30, DEE, "customer", "Tasha, does anyone at the pantry still know the copier admin PIN?", "asked")],
         alerts=[(-300, "PRN-PANTRY", "Toner", "Toner cyan low", False)], runbook=[], client_docs=[_ENV.format(RF)], unknown=["scope", "customer-contact"]),
    dict(id="6341", tenant=RF, day="2026-11-02T07:10", title="warehouse internet down",
         device="FW01", category="network", contact="Tasha Green", escalate=None, resolve=1500,
         description="No internet at the warehouse.",
         notes=[(15, DEE, "internal", "wan1 down; lte failover ok; spectrum ticket opened", "tried"),
                (1400, DEE, "internal", "spectrum tech replaced the modem; wan1 back; failback ok", "tried")],
         alerts=[], runbook=[], client_docs=[], unknown=[]),
]
