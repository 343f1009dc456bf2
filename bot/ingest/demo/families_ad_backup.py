"""Ticket families for active-directory and backup: recurring, everyday MSP work.

A family is a scenario with several wordings for each part. tickets.py picks a tenant
that has the needed role, fills the placeholders and builds a timeline:

  {dev} device  {user}/{uf}/{usr} affected user, first name, sAMAccountName
  {cf} contact first name   {site} office   {job}/{host} Veeam job and its server
  {fs} file server   {partner} other DC   {n} {n2} small numbers   {gb} {pct}
  {newuser} a new starter   {lob} the client's line-of-business app

`tried` is a list of steps (each a list of wordings); 1-3 steps are used in order.
`ask` pairs are (question wordings, answer wordings[, re-ask wordings for L2]).
"""

from typing import Any

FAMILIES: list[dict[str, Any]] = [
    {
        "key": "ad-lockout",
        "cat": "active-directory",
        "need": "dc",
        "role": "dc",
        "prio": ["P3"],
        "alerts": [("lockout", 1, 3)],
        "titles": [
            "{user} keeps getting locked out",
            "Account lockout - {user}",
            "{uf} locked out again ({site})",
        ],
        "descs": [
            "{user} locked out {n} times since this morning, password is correct.",
            "User reports being locked out repeatedly after changing password on Monday.",
        ],
        "tried": [
            [
                "Get-ADUser {usr} -Properties LockedOut,BadLogonCount,LastBadPasswordAttempt: LockedOut True, BadLogonCount {n2}. 4740 on the PDC shows caller {ws}.",
                "Lockout source per event 4740 on {dev}: caller computer {ws}, every ~30 min. User says that's not their PC.",
            ],
            [
                "cmdkey /list on {ws}: saved credential for \\\\{fs} with the old password. Removed it, Unlock-ADAccount {usr}.",
                "Found a disconnected session for {usr} on {ws} still running Outlook with the old pw. Logged it off, unlocked the account.",
            ],
            [
                "No new 4740 for 45 min after the fix.",
                "Watched the Security log for an hour - quiet, no new 4740s.",
            ],
        ],
        "ask": [
            (
                [
                    "Hi {cf}, did {uf} recently change their password and do they have email set up on a phone or tablet?",
                    "Hi {cf}, quick one: has {uf} signed into another PC in the last few days (covering a colleague's desk etc)?",
                ],
                [
                    [
                        "Yes, changed it Monday. Phone has work email.",
                        "They did yes, and their phone keeps asking for the password",
                        "Changed it last week, not sure about the phone - I'll ask.",
                    ],
                    [
                        "Yes, they covered reception on Friday.",
                        "Not that I know of, I'll ask.",
                        "Yes, the PC in the back office yesterday.",
                    ],
                ],
                [
                    "Hi {cf}, picking this up from my colleague - has {uf} changed their password lately, and is their email on a phone?"
                ],
            )
        ],
        "esc": [
            "Escalating: lockouts continue after removing the obvious sources, caller shows as the DC itself (NPS?).",
            "Escalating - 4740 caller computer is blank, need L2 to look at NTLM auditing.",
        ],
        "res": [
            "Stale saved credential on {ws} removed, account unlocked, no lockouts since.",
            "Logged off the stale session on {ws}, unlocked. Quiet for 24h, closing.",
        ],
        "res2": [
            "Came back because a second saved cred was in the RDP client. Removed that too; quiet for 2 days."
        ],
        "runbook": ("_global/account-lockouts.md", "Find the lockout source"),
    },
    {
        "key": "ad-pw-expired",
        "cat": "active-directory",
        "need": "dc",
        "role": "user",
        "prio": ["P3", "P4"],
        "alerts": [],
        "titles": [
            "Password expired - {user} working from home",
            "{user} can't log in, says password expired",
            "Password reset for {user}",
        ],
        "descs": [
            "{user} is remote and got 'your password has expired' and can't change it from home.",
            "Called in: can't log in, password expired over the weekend.",
        ],
        "tried": [
            [
                "Verified caller via callback to the number on file. Get-ADUser {usr} -Properties PasswordExpired,PasswordLastSet: expired yesterday.",
                "Identity verified ({cf} confirmed by Teams). Password last set 90 days ago, expired.",
            ],
            [
                "Set-ADAccountPassword {usr} -Reset with a temp, did NOT tick 'must change' since user has no line of sight to a DC.",
                "Reset via ADUC, user changed it in the remote session on the RDS box right after.",
            ],
        ],
        "ask": [
            (
                [
                    "Hi {uf}, can you confirm you can sign in with the temporary password I just texted to your phone on file?",
                    "Hi {cf}, can you confirm {uf} is allowed a reset? (per your verification rules)",
                ],
                [
                    ["Yes I'm in, thanks!", "Worked, changed it to my own one now"],
                    ["Confirmed, go ahead.", "Yes that's fine, it's really them."],
                ],
            )
        ],
        "esc": [],
        "res": [
            "Password reset, user signed in and set their own password. Reminded them about the 14-day expiry emails.",
            "Reset done, user back in. Entra sync picked up the new hash within 2 min.",
        ],
        "runbook": ("_global/account-lockouts.md", "Fix"),
    },
    {
        "key": "ad-trust",
        "cat": "active-directory",
        "need": "dc",
        "role": "ws",
        "prio": ["P3"],
        "alerts": [],
        "titles": [
            "{dev}: 'trust relationship between this workstation and the primary domain failed'",
            "Can't log into {dev} - trust relationship error",
        ],
        "descs": [
            "User gets the trust relationship error at login on {dev}. Machine was restored from image last week.",
            "{dev} won't accept any domain logins, local admin works.",
        ],
        "tried": [
            [
                "Logged in with the LAPS local admin. Test-ComputerSecureChannel -Verbose: False.",
                "nltest /sc_verify:{dom_ad} -> ERROR_NO_LOGON_SERVERS... then 'trust relationship failed'. Secure channel broken.",
            ],
            [
                "Test-ComputerSecureChannel -Repair -Credential (domain admin) -> True. Rebooted.",
                "Reset-ComputerMachinePassword -Server {partner_dc}, rebooted, domain logon OK.",
            ],
        ],
        "ask": [
            (
                ["Hi {cf}, was {dev} off for a long time or reimaged recently?"],
                [
                    "It was in the storeroom all summer.",
                    "Yes, it had a new disk put in a couple of weeks ago.",
                ],
            )
        ],
        "esc": ["Escalating: repair fails with access denied, computer object may have been deleted."],
        "res": [
            "Secure channel repaired, user logged in. Cause: machine password out of sync after being off >60 days.",
            "Machine password reset against {partner_dc}, trust OK, user logged in.",
        ],
        "runbook": None,
    },
    {
        "key": "ad-gpo-drives",
        "cat": "active-directory",
        "need": "dc",
        "role": "ws",
        "prio": ["P3"],
        "alerts": [],
        "titles": [
            "Mapped drives missing for {user}",
            "S: drive gone after login on {dev}",
            "{user}: shared drive not showing",
        ],
        "descs": [
            "{user} logged in this morning and the shared drives aren't there.",
            "Drive mappings missing on {dev}, other people at {site} are fine.",
        ],
        "tried": [
            [
                "gpresult /r on {dev}: 'Drive Maps' GPO filtered out (denied - security). User not in the {site}-Staff group.",
                "gpresult /h shows the drive mapping GPO applied, but the item-level target is the OU and the user is in the wrong OU.",
            ],
            [
                "Added {usr} to the group, gpupdate /force, logoff/logon.",
                "Moved the account to the right OU (was still in 'New Users'), gpupdate /force.",
            ],
        ],
        "ask": [
            (
                ["Hi {cf}, should {uf} have the same drives as the rest of the {site} team?"],
                [
                    "Yes same as everyone else at {site}.",
                    "Yes, they moved over from the other office last week.",
                ],
            )
        ],
        "esc": ["Escalating: GPO applies but the map fails with 0x80070035, SYSVOL on one DC looks stale."],
        "res": [
            "Drives back after group fix + gpupdate. New starter checklist missed the group.",
            "User was in the wrong OU. Fixed, drives mapped.",
        ],
        "runbook": None,
    },
    {
        "key": "ad-new-starter",
        "cat": "active-directory",
        "need": "dc",
        "role": None,
        "prio": ["P4"],
        "alerts": [],
        "titles": [
            "New starter: {newuser} (start date Monday)",
            "New user setup - {newuser}",
            "Onboarding {newuser}",
        ],
        "descs": [
            "Please set up {newuser}, same access as {user}. Starts Monday 8am.",
            "New hire {newuser}, needs email, {lob} and the shared drives like {user}.",
        ],
        "tried": [
            [
                "Created {newuser_sam} in AD copying {usr} (groups: {site}-Staff, {lob}-Users). Entra Connect delta sync run, licence assigned.",
                "Account created, mailbox provisioned after sync, added to the {site} distribution list.",
            ],
        ],
        "ask": [
            (
                [
                    "Hi {cf}, does {newuser_first} need a laptop or will they use an existing PC?",
                    "Hi {cf}, should {newuser_first} have access to the billing folders like {uf}, or just the general shares?",
                ],
                [
                    ["Existing PC at the front.", "They'll use the spare laptop in my office."],
                    ["Just general for now please.", "Same as {uf}, they're taking over that role."],
                ],
            )
        ],
        "esc": [],
        "res": [
            "Account, mailbox and {lob} access ready. Temp password sent to {cf} by text.",
            "All set up. Credentials handed to {cf}.",
        ],
        "runbook": None,
    },
    {
        "key": "veeam-vss",
        "cat": "backup",
        "need": "backup",
        "role": "jobhost",
        "prio": ["P3"],
        "alerts": [("backup_fail", 1, 2)],
        "alert_role": "backup",
        "titles": [
            "{host}: Veeam job '{job}' failed",
            "Veeam '{job}' failed overnight (VSS)",
            "Backup failure: {job} on {host}",
        ],
        "descs": [
            "Veeam alarm: job '{job}' failed, VSS error 0x800423f4 on {host}.",
            "Backup job '{job}' failed last night. {host} not backed up.",
        ],
        "tried": [
            [
                "vssadmin list writers on {host}: {writer} State [8] Failed, Last error: Non-retryable error.",
                "Job log: 'Failed to prepare guest for hot backup. Error: VSSControl: -2147212300 Backup job failed. Writer {writer} is failed.'",
            ],
            [
                "Restarted the service behind {writer}, writer back to [1] Stable. Retried the job for {host} only.",
                "Restarted {writer_svc}; vssadmin list writers all stable now. Retry startd.",
            ],
            ["Retry: Success ({n}m, {gb} GB processed).", "Retry finished with Success."],
        ],
        "ask": [],
        "esc": [
            "Escalating: writer fails again on every retry, even after a service restart. Needs a reboot of {host} (client approval).",
            "Second night failed. Escalating per runbook.",
        ],
        "res": [
            "{writer} writer had failed; service restart + retry fixed it. Tonight's run watched: success.",
            "Retry succeeded after restarting the writer service. Closing, next scheduled run OK.",
        ],
        "res2": [
            "Failed again two nights later. Rebooted {host} in the evening window with approval; writer stable since, 3 successful runs."
        ],
        "runbook": ("_global/backup-job-failures.md", "VSS writer errors"),
    },
    {
        "key": "veeam-window",
        "cat": "backup",
        "need": "backup",
        "role": "jobhost",
        "prio": ["P4", "P3"],
        "alerts": [("backup_warn", 1, 1)],
        "alert_role": "backup",
        "titles": ["Veeam '{job}' finished with warning", "{job}: backup running into business hours"],
        "descs": ["Job '{job}' finishing with Warning for {n} nights.", "Veeam warning on '{job}', {host}."],
        "tried": [
            [
                "Session log: processing {host} took {n}h, changed block tracking disabled after the VM was moved. Incremental read the whole disk.",
                "Job log warning: 'Failed to truncate transaction logs for SQL instances'. SQL login for the service account failing.",
            ],
            [
                "Reset CBT on the VM (active full scheduled for Saturday).",
                "Fixed the SQL permission, ran the job manually.",
            ],
        ],
        "ask": [],
        "esc": [
            "Escalating: job keeps exceeding the window even with CBT reset, repository throughput looks low."
        ],
        "res": [
            "Next incremental back to normal duration. Closing.",
            "Warning cleared after the fix, two clean runs.",
        ],
        "runbook": ("_global/backup-job-failures.md", "Read the job log first"),
    },
    {
        "key": "restore-request",
        "cat": "backup",
        "need": "file",
        "role": "file",
        "prio": ["P3"],
        "alerts": [],
        "titles": [
            "Restore deleted folder for {user}",
            "Need a file back - {user} overwrote a spreadsheet",
            "Restore request: {share}",
        ],
        "descs": [
            "{user} deleted a folder from {share} yesterday afternoon by mistake.",
            "{user} saved over an important file this morning, needs yesterday's version.",
        ],
        "tried": [
            [
                "Checked Previous Versions on {fs} first - shadow copies not enabled on that volume.",
                "Recycle bin / previous versions: nothing. Going to Veeam.",
            ],
            [
                "Veeam file-level restore from last night's point of {fs}, restored to the original folder with _restored suffix.",
                "Restored from the 22:00 restore point to a separate folder so nothing gets overwritten.",
            ],
        ],
        "ask": [
            (
                [
                    "Hi {cf}, what's the exact folder/file name and roughly when was it last OK?",
                    "Hi {cf}, restores need your OK per your policy - is it fine to restore {uf}'s folder from last night's backup?",
                ],
                [
                    [
                        "It's the 'Budget 2027' folder, was fine yesterday at lunch.",
                        "Vendor Contracts.xlsx, it was OK on Monday.",
                    ],
                    ["Yes OK from me.", "Yes please, yesterday's version is fine"],
                ],
            )
        ],
        "esc": [],
        "res": ["Restored, {uf} confirmed everything's there.", "File restored from last night, user happy."],
        "runbook": None,
    },
]
