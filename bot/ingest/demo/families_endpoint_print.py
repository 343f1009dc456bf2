"""Ticket families for endpoint and printing (placeholders: see families_ad_backup.py)."""

from typing import Any

FAMILIES: list[dict[str, Any]] = [
    {
        "key": "disk-low",
        "cat": "endpoint",
        "need": None,
        "role": "server_or_ws",
        "prio": ["P3"],
        "alerts": [("disk_low", 1, 3)],
        "titles": ["{dev}: low disk space on C:", "Disk space alert on {dev}", "{dev} C: drive nearly full"],
        "descs": [
            "RMM disk space check critical on {dev}.",
            "{dev} below 10% free on C:, user says PC is slow.",
        ],
        "tried": [
            [
                "WizTree on {dev}: C:\\Windows\\SoftwareDistribution\\Download 14 GB, user Downloads 22 GB, Teams cache 6 GB.",
                "Largest: C:\\Windows\\WinSxS 19 GB, C:\\Users\\{usr}\\AppData\\Local\\Temp 8 GB, old Veeam agent cache 5 GB.",
            ],
            [
                "Dism /Online /Cleanup-Image /StartComponentCleanup, cleared temp + SoftwareDistribution (wuauserv stopped first).",
                "Ran cleanmgr /sagerun:1 and cleared Temp. Did not touch user files.",
            ],
        ],
        "ask": [
            (
                [
                    "Hi {uf}, your Downloads folder has a lot of old installers and videos. OK if I delete anything older than 6 months there?"
                ],
                ["Yes delete whatever, I don't need those.", "Please leave the videos, the rest can go."],
                ["Hi {uf}, can I clear out old stuff from your Downloads folder?"],
            )
        ],
        "esc": ["Escalating: disk is just too small for this role, needs a bigger disk (quote)."],
        "res": ["{dev} C: now {pct}% free. Alert cleared.", "Freed ~30 GB, disk check green."],
        "res2": [
            "Filled up again within a week - Teams cache on a shared PC. Added a weekly cleanup script in the RMM; stable since."
        ],
        "runbook": ("_global/disk-space.md", "Check what is using it"),
    },
    {
        "key": "slow-pc",
        "cat": "endpoint",
        "need": None,
        "role": "ws",
        "prio": ["P3", "P4"],
        "alerts": [("cpu_high", 0, 2), ("mem_high", 0, 1)],
        "titles": [
            "{user}: PC very slow",
            "{dev} slow to start and freezing",
            "Computer running slow - {user}",
        ],
        "descs": [
            "{uf} says the PC takes 10 min to start and freezes when {lob} is open.",
            "{dev} is painfully slow since last week.",
        ],
        "tried": [
            [
                "Task Manager via remote: disk 100% on an old HDD, RAM 8 GB at 93% with Chrome + {lob} + Teams.",
                "CPU pinned by MsMpEng.exe scanning a 40 GB PST on the desktop every time it changes.",
            ],
            [
                "Cleaned startup (7 apps), chkdsk /scan clean. The old HDD is the bottleneck - recommended an SSD.",
                "Moved the PST into the online archive and off the desktop, MsMpEng back to ~2% CPU.",
            ],
        ],
        "ask": [
            (
                ["Hi {uf}, does it happen all day or mostly first thing in the morning?"],
                ["Mostly mornings and after lunch.", "All day, especially when I open {lob}."],
            )
        ],
        "esc": ["Escalating: hardware ({dev} is 7 years old) - needs a replacement quote."],
        "res": [
            "Better after the cleanup. Quote for an SSD sent to {cf}.",
            "Moving the PST made a big difference, user happy.",
        ],
        "runbook": None,
    },
    {
        "key": "bsod",
        "cat": "endpoint",
        "need": None,
        "role": "ws",
        "prio": ["P3"],
        "alerts": [("offline", 1, 1)],
        "titles": ["{dev}: blue screen several times today", "BSOD on {user}'s PC ({code})"],
        "descs": [
            "{uf}'s PC crashed to a blue screen 3 times today.",
            "{dev} restarts randomly with a blue screen.",
        ],
        "tried": [
            [
                "Minidumps on {dev}: BugCheck {code}, faulting module {drv}.",
                "Event 41 Kernel-Power x3 today, minidump analysis: {code} in {drv}.",
            ],
            [
                "Rolled the driver back to the previous version from Device Manager / vendor site.",
                "Updated the dock firmware and display driver (DisplayLink).",
            ],
        ],
        "ask": [
            (
                ["Hi {uf}, does it crash when you plug into or unplug the dock?"],
                ["Yes! Every time I come back from a meeting.", "Not sure, it seems random."],
            )
        ],
        "esc": [
            "Escalating: crashes continue with clean drivers, memtest shows errors - hardware warranty case."
        ],
        "res": ["No crashes for 3 days after the driver change.", "Stable after the dock firmware update."],
        "runbook": None,
    },
    {
        "key": "patch-fail",
        "cat": "endpoint",
        "need": None,
        "role": "server_or_ws",
        "prio": ["P3", "P4"],
        "alerts": [("patch_fail", 1, 2)],
        "titles": [
            "{dev}: {kb} failing to install",
            "Windows Update stuck on {dev} ({err})",
            "{dev} missing {kb}",
        ],
        "descs": [
            "Patch report: {kb} failed on {dev} with {err}, 3 attempts.",
            "RMM shows {dev} failed the patch window.",
        ],
        "tried": [
            [
                "CBS.log: {err} while staging {kb}. DISM /Online /Cleanup-Image /ScanHealth: component store repairable.",
                "WindowsUpdate.log (Get-WindowsUpdateLog): download OK, install fails {err}.",
            ],
            [
                "DISM /RestoreHealth + sfc /scannow, then reset SoftwareDistribution and catroot2.",
                "Installed {kb} manually from the Update Catalog with wusa /quiet /norestart.",
            ],
            ["Rebooted in the evening window. {kb} shows in Get-HotFix.", "Reboot done, patch status green."],
        ],
        "ask": [
            (
                ["Hi {uf}, can we restart your PC tonight after 7pm? Please save your work and leave it on."],
                ["Sure, I'll leave it on.", "OK, can you do it after 8 please"],
            )
        ],
        "esc": [
            "Escalating: {err} persists after component store repair, looks like the recovery partition issue."
        ],
        "res": [
            "{kb} installed after component store repair and reboot.",
            "Manual install of {kb} worked, reboot done.",
        ],
        "runbook": ("_global/windows-update-patching.md", "Fix"),
    },
    {
        "key": "av-pua",
        "cat": "endpoint",
        "need": None,
        "role": "ws",
        "prio": ["P4", "P3"],
        "alerts": [("pua", 1, 1)],
        "titles": ["Defender alert on {dev}: PUA blocked", "{dev}: potentially unwanted app detected"],
        "descs": [
            "Defender blocked a PUA on {dev} ({uf}).",
            "EDR alert, PUA remediated automatically on {dev}.",
        ],
        "tried": [
            [
                "Defender portal: PUA blocked on download (driver updater bundle), remediated, no execution.",
                "Alert status remediated. Process tree: msedge.exe download only.",
            ],
            ["Full scan via portal: clean.", "Ran MpCmdRun -Scan -ScanType 2, no further detections."],
        ],
        "ask": [
            (
                [
                    "Hi {uf}, were you trying to install something on your PC today? Defender blocked a download."
                ],
                [
                    "I was trying to get a PDF converter, sorry!",
                    "A driver update thing popped up, I clicked it.",
                ],
            )
        ],
        "esc": [],
        "res": [
            "PUA remediated, full scan clean. Reminded user to ask us for software.",
            "Nothing executed, closing.",
        ],
        "runbook": ("_global/endpoint-av-edr-alerts.md", "Triage the alert"),
    },
    {
        "key": "intune-noncompliant",
        "cat": "endpoint",
        "need": "intune",
        "role": "ws",
        "prio": ["P3"],
        "alerts": [("rtp_off", 0, 1)],
        "titles": ["{dev} not compliant - {user} blocked from Outlook", "Intune: {dev} marked non-compliant"],
        "descs": [
            "{uf} can't open Outlook, message about device requirements.",
            "Compliance report: {dev} non-compliant for 2 days.",
        ],
        "tried": [
            [
                "Intune: failing setting = {setting}. Last check-in 3 days ago.",
                "dsregcmd /status OK, Company Portal shows '{setting}' as the problem.",
            ],
            ["{fix_step}", "{fix_step} Forced a sync from Intune and Company Portal afterwards."],
        ],
        "ask": [
            (
                [
                    "Hi {uf}, can you open Company Portal, pick this device and click 'Check access'? Tell me what it says."
                ],
                ["It says 'Can access company resources' now.", "Said checking for a while, then OK."],
                None,
                [
                    "Still says the device doesn't meet the requirements.",
                    "It says 'Can't access company resources'.",
                ],
            )
        ],
        "esc": ["Escalating: TPM not ready on {dev}, BitLocker can't start - hardware / BIOS."],
        "res": ["Compliant after sync, user back into Outlook.", "Device compliant, CA no longer blocking."],
        "runbook": ("_global/intune-device-compliance.md", "Fix"),
    },
    {
        "key": "printer-offline",
        "cat": "printing",
        "need": "printer",
        "role": "printer",
        "prio": ["P3"],
        "alerts": [("printer_offline", 1, 2)],
        "titles": ["User can't print to {printer}", "{printer} showing offline", "{printer} not printing"],
        "descs": [
            "Nobody can print to {printer}, shows offline.",
            "{user} says jobs go to {printer} and nothing comes out.",
        ],
        "tried": [
            [
                "Ping {pip}: no reply. Printer web page unreachable.",
                "Get-Printer: '{printer}' PrinterStatus Offline, port IP_{pip}.",
            ],
            [
                "Printer display (per user) shows a different IP - DHCP gave it a new one. Fixed the reservation.",
                "Printer had gone to deep sleep and lost its network; disabled sleep-off in the EWS.",
            ],
        ],
        "ask": [
            (
                [
                    "Hi {cf}, can you check the printer's screen for any error and what IP address it shows under network settings?",
                    "Hi {cf}, could you turn {printer} off and on again and let me know if it prints?",
                ],
                [
                    ["Screen says ready. IP is {pip2}.", "No errors, it says {pip2} under network."],
                    ["That worked, it's printing now", "Turned it off and on and it printed the stuck jobs."],
                ],
                ["Hi {cf}, can you read me the IP address on the printer's screen?"],
                ["Turned it off and on, still nothing.", "It printed one page then went offline again."],
            )
        ],
        "aligned": True,
        "esc": ["Escalating: printer drops off the network several times a day, possibly the switch port."],
        "res": [
            "Reservation fixed, printing again.",
            "Printer back online after turning off deep sleep, test page OK.",
        ],
        "res2": [
            "Went offline again the next week; switch port was auto-negotiating 10 Mb half. Forced 100 full, stable since."
        ],
        "runbook": ("_global/printing.md", "Check the printer itself"),
    },
    {
        "key": "queue-stuck",
        "cat": "printing",
        "need": "printer",
        "role": "printer",
        "prio": ["P3"],
        "alerts": [("spooler_crash", 0, 2)],
        "titles": [
            "Print jobs stuck in queue - {printer}",
            "{printer}: jobs 'Error - Printing'",
            "Can't delete stuck print job",
        ],
        "descs": [
            "Jobs stuck in the queue for {printer}, can't cancel them.",
            "{user} sent a big PDF and now nothing prints on {printer}.",
        ],
        "tried": [
            [
                "Get-PrintJob for '{printer}': {n} jobs, first one in Error. Remove-PrintJob fails.",
                "Queue has a 200 MB job from {uf} stuck at 0 pages.",
            ],
            [
                "Warned the office, stopped Spooler, cleared C:\\Windows\\System32\\spool\\PRINTERS, started Spooler.",
                "Cleared the queue and restarted the spooler after checking no one else was printing.",
            ],
        ],
        "ask": [
            (
                [
                    "Hi {cf}, I need to restart the print service for a minute, which pauses all printing. OK now?"
                ],
                ["Go ahead", "Yes fine, nobody is printing right now"],
            )
        ],
        "esc": [
            "Escalating: spooler crashes again on a driver DLL, needs driver isolation / update on the print server."
        ],
        "res": [
            "Queue cleared, printing OK.",
            "Cleared and restarted, {uf} printed the document in smaller parts.",
        ],
        "runbook": ("_global/printing.md", "Clear a stuck queue"),
    },
    {
        "key": "scan-to-email",
        "cat": "printing",
        "need": "printer",
        "role": "printer",
        "prio": ["P3"],
        "alerts": [],
        "titles": ["Scan to email not working on {printer}", "{printer}: scans not arriving in email"],
        "descs": [
            "Scanning to email from {printer} stopped working today.",
            "Copier says 'send error' when scanning to email.",
        ],
        "tried": [
            [
                "Copier log: SMTP 535 5.7.139 Authentication unsuccessful, SmtpClientAuthentication is disabled for the mailbox.",
                "Copier send log: 'Authentication error'. scanner@ password expired yesterday.",
            ],
            [
                "Set-CASMailbox scanner@{dom} -SmtpClientAuthenticationDisabled $false (per the client's exception).",
                "Reset the scanner@ password (set to never expire per policy exception), updated it in the copier's SMTP settings.",
            ],
        ],
        "ask": [(["Hi {cf}, can you try scanning a page to your email now?"], ["Got it, thanks!", "Works."])],
        "esc": [],
        "res": ["Scan to email working again.", "Fixed - scanner account credentials updated on the copier."],
        "runbook": ("_global/printing.md", "Scan-to-email"),
    },
    {
        "key": "printer-0x11b",
        "cat": "printing",
        "need": "printer",
        "role": "ws",
        "prio": ["P3"],
        "alerts": [],
        "titles": [
            "{user} can't add printer - error 0x0000011b",
            "Printer connection fails on {dev} (0x0000011b)",
        ],
        "descs": [
            "Adding {printer} on {dev} fails with 'Operation failed with error 0x0000011b'.",
            "After updates {uf} can't connect to {printer}.",
        ],
        "tried": [
            [
                "Reproduced on {dev}: Add-Printer -ConnectionName fails 0x0000011b. Print server driver package is v3, not packaged.",
                "Error 0x0000011b when connecting; other PCs that already had the printer are fine.",
            ],
            [
                "Installed the packaged universal driver on the print server, re-added the connection on {dev}.",
                "Deployed the printer via the RMM with the vendor's packaged driver instead of point-and-print.",
            ],
        ],
        "ask": [],
        "esc": [],
        "res": [
            "Printer added, test page OK. Did not touch RpcAuthnLevelPrivacyEnabled.",
            "Working with the packaged driver.",
        ],
        "runbook": ("_global/printing.md", "Errors 0x0000011b and 0x00000709"),
    },
    {
        "key": "printer-hardware",
        "cat": "printing",
        "need": "printer",
        "role": "printer",
        "prio": ["P4"],
        "alerts": [("toner_low", 0, 1)],
        "titles": ["{printer}: paper jam error won't clear", "{printer}: grey streaks on every page"],
        "descs": [
            "{printer} shows jam error {jam} but there's no paper in it.",
            "Prints from {printer} have grey streaks down the page.",
        ],
        "aligned": True,
        "tried": [
            [
                "Remote EWS: error {jam} logged {n} times this week. Looks like the pickup roller.",
                "Not a config issue: consumables page shows the drum at 3%, that's the streaks.",
            ],
        ],
        "ask": [
            (
                [
                    "Hi {cf}, this looks like a hardware part. Is {printer} under a service contract? If not we can order the part."
                ],
                [
                    "I think the copier company covers it, I'll call them.",
                    "Not under contract, please order the part.",
                ],
            )
        ],
        "esc": [],
        "res": [
            "Vendor tech replaced the pickup roller. Closing on our side.",
            "New drum fitted, test pages clean.",
        ],
        "runbook": None,
    },
]
