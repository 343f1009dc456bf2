"""Hand-written tickets for Ridgeline Manufacturing and Beacon & Rowe CPAs.

Ridgeline: the HQ-PLANT tunnel flaps every month (recurring history), and ticket 4413
is on a device also called DC01, with replication/DNS alerts in the same hours as
acme's 4412. Beacon: the RD Gateway certificate ticket is the "L2 asked the client the
same question again" case; the QuickBooks ticket was reopened.
"""

from .storykit import A, N, T

# Hand-laid-out data (one note per line, long lines on purpose): not reformatted.
# fmt: off
TUNNEL_DOWN = "IPsec tunnel to 198.51.100.77 down (IKE phase 1 timeout)"
TUNNEL_DPD = "IPsec tunnel to 198.51.100.77 down (DPD: peer not responding)"


def _flaps(start: float, count: int, every: float, msg: str = TUNNEL_DOWN) -> list[dict]:
    """Tunnel flapping on RL-HQ-FW01: fire, resolve a few minutes later, fire again."""
    return [
        A(start + i * every, "vpn_down", msg if i % 3 else TUNNEL_DPD, device="RL-HQ-FW01", res=every * 0.6, noise="flapping")
        for i in range(count)
    ]


STORIES = [
    T(
        tenant="ridgeline",
        cat="network",
        status="closed",
        prio="P2",
        device="RL-HQ-FW01",
        contact="Dave Brennan",
        created="2026-08-07T19:40:00Z",
        title="HQ-PLANT tunnel down - plant MES terminals offline",
        desc="Dave called: FabriTrack terminals on the floor say 'offline - queuing'. Datto shows the IPsec tunnel down.",
        alerts=_flaps(-70, 5, 11) + [A(-50, "wan_loss", device="RL-PLT-FW01")],
        notes=[
            N(6, "tyler", "i", "tried", "get vpn ipsec tunnel summary on RL-PLT-FW01: HQ-PLANT selectors 0/1 up. ping 203.0.113.14 from plant FW, 100 pings: 23% loss. Heavy rain at Cedar Falls per radar."),
            N(12, "tyler", "i", "tried", "diagnose vpn tunnel flush HQ-PLANT both ends, came up, dropped again after 4 min. It's the radio link."),
            N(15, "tyler", "i", "info", "Called Prairie Wireless NOC, ticket PW-228104, they see high retransmits on the Cedar Falls sector."),
            N(19, "tyler", "c", "ask", "Hi Dave, the plant's internet link is dropping packets (weather, the provider is on it). Are people still able to log in and work locally?"),
            N(33, "@", "c", "answer", "Logins fine, it's just FabriTrack queuing. Shipping can't print labels from FabriTrack though."),
            N(250, "tyler", "i", "res", "Prairie Wireless realigned the dish after the storm passed (their tech on site 22:50Z). Loss 0% over 500 pings, tunnel stable 1h. MES queues flushed per Dave."),
        ],
    ),
    T(
        tenant="ridgeline",
        cat="network",
        status="closed",
        prio="P2",
        device="RL-HQ-FW01",
        contact="Gary Kowalski",
        created="2026-09-03T14:15:00Z",
        title="IPsec tunnel to plant flapping every few minutes",
        desc="Tunnel HQ-PLANT up/down all morning, no weather this time.",
        alerts=_flaps(-90, 8, 10),
        notes=[
            N(9, "jordan", "i", "tried", "Tunnel flaps every ~10 min. Plant WAN loss 0-2%, latency fine. diagnose vpn ike gateway list name HQ-PLANT: DPD failures, then renegotiates fine."),
            N(14, "jordan", "i", "tried", "Flushed tunnel both sides 14:20Z. Stable for 40 min."),
            N(60, "jordan", "i", "res", "Stable since the flush. Closing, will reopen if it comes back."),
            N(1320, "@", "c", "reopen", "It's doing it again today, Dave says FabriTrack keeps dropping on the floor."),
            N(1335, "jordan", "i", "esc", "Reopened and escalating - the flush didn't hold, 2nd day. Plant radio PoE injector showing errors on the Prairie Wireless side?"),
            N(1400, "chris", "i", "tried", "Prairie Wireless (ticket PW-231566) found CRC errors on the plant radio's ethernet, replaced the PoE injector this afternoon."),
            N(2900, "chris", "i", "res", "24h clean after the injector swap, no tunnel drops. Closing."),
        ],
    ),
    T(
        tenant="ridgeline",
        cat="active-directory",
        status="closed",
        prio="P3",
        device="DC01",
        contact="Gary Kowalski",
        created="2026-09-15T12:30:00Z",
        title="DC01: DNS 4015 and replication errors after tunnel outage",
        desc="Overnight tunnel outage (4h). DC01 still showing DNS 4015 this morning.",
        alerts=[
            A(-320, "ad_repl", "Replication from PLT-DC02 failed: The RPC server is unavailable (1722)"),
            A(-300, "kcc", "Event 1865: The KCC was unable to form a complete spanning tree network topology"),
            A(-200, "dns_dc", "DNS Server event 4015: critical error from Active Directory, extended error 00002095: SvcErr: DSID-03210A6A, problem 5012", sev="critical"),
        ],
        notes=[
            N(10, "priya", "i", "tried", "Tunnel back since 06:55Z. repadmin /replsummary: PLT-DC02 -> DC01 last success 07:31Z, 0 fails now. dcdiag /test:dns /s:DC01 passes."),
            N(16, "priya", "i", "res", "4015s stopped after the first inbound replication (07:31Z) as the client note says. Nothing to do."),
        ],
    ),
    T(
        tenant="ridgeline",
        cat="network",
        status="closed",
        prio="P2",
        device="RL-HQ-FW01",
        contact="Gary Kowalski",
        created="2026-10-14T15:05:00Z",
        title="Plant tunnel flapping again (3rd time this week)",
        desc="HQ-PLANT down/up again, Gary asking for a permanent fix.",
        alerts=_flaps(-60, 6, 9)
        + [
            A(-40, "wan_loss", "Link monitor 'wan1-sla' failed: loss 9%, latency 340 ms", device="RL-PLT-FW01")
        ],
        notes=[
            N(8, "sam", "i", "tried", "Third time since Monday. Plant WAN 5-9% loss in bursts. Flushed HQ-PLANT, held 15 min then dropped."),
            N(12, "sam", "i", "esc", "Escalating per the client runbook (3rd flap ticket in a week)."),
            N(40, "nadia", "i", "tried", "DPD was on-demand 5s x 3: a few seconds of radio loss kills the SA. Changed DPD to on-idle, 20s x 5 retries on both FortiGates (change approved by Gary by phone 15:40Z)."),
            N(45, "nadia", "c", "ask", "Hi Gary, I've made the tunnel more tolerant of short drops on the plant link. The link itself still loses packets; do you want us to chase Prairie Wireless on their SLA, and shall I send Linda the LTE backup quote again?"),
            N(180, "@", "c", "answer", "Yes to both. Linda says send the quote but no promises before January."),
            N(1500, "nadia", "i", "res", "No tunnel drops in 24h despite 2-4% loss bursts. Quote sent to Linda. Prairie Wireless escalation PW-240017."),
        ],
    ),
    T(
        tenant="ridgeline",
        cat="backup",
        status="closed",
        prio="P3",
        device="RL-VBR01",
        contact="Gary Kowalski",
        created="2026-10-22T12:10:00Z",
        title="RL-VBR01: Offsite-Wasabi copy failed (RequestTimeTooSkewed)",
        desc="Veeam backup copy to Wasabi failed 3 intervals in a row.",
        alerts=[
            A(-600, "copy_fail", "Backup copy job 'Offsite-Wasabi' failed: RequestTimeTooSkewed: The difference between the request time and the current time is too large"),
            A(-300, "copy_fail", "Backup copy job 'Offsite-Wasabi' failed: RequestTimeTooSkewed: The difference between the request time and the current time is too large", dup=1),
            A(-40, "time_skew", "Clock offset -412.7 s from domain time source", sev="critical"),
        ],
        notes=[
            N(10, "priya", "i", "tried", "w32tm /query /status on RL-VBR01: Source Local CMOS Clock, 7 min slow. It lost the domain hierarchy after the Sept rebuild (manual peer = old IP of DC01)."),
            N(16, "priya", "i", "tried", "w32tm /config /syncfromflags:domhier /update, restart w32time, w32tm /resync -> offset 0.03 s, source DC01.ridgeline.corp."),
            N(55, "priya", "i", "res", "Retried Offsite-Wasabi: success, 3 missed restore points copied (1.9 TB, 4h10m - finished later, confirmed 17:02Z)."),
        ],
    ),
    T(
        tenant="ridgeline",
        cat="backup",
        status="closed",
        prio="P3",
        device="RL-ERP01",
        contact="Linda Pham",
        created="2026-11-04T13:20:00Z",
        title="ERP-SQL backup warning: failed to truncate transaction logs",
        desc="Veeam job ERP-SQL finishing with Warning since the FabriTrack upgrade on Saturday.",
        alerts=[
            A(-400, "backup_warn", "Job 'ERP-SQL' finished with Warning: Failed to truncate transaction logs for SQL instances on RL-ERP01", device="RL-VBR01"),
            A(-100, "backup_warn", "Job 'ERP-SQL' finished with Warning: Failed to truncate transaction logs for SQL instances on RL-ERP01", device="RL-VBR01"),
        ],
        notes=[
            N(12, "tyler", "i", "tried", "Task log: 'SQL Server login failed for NT AUTHORITY\\SYSTEM' on RL-ERP01. FabriTrack 11.2 installer removed sysadmin from the Veeam service account (known, see client KB)."),
            N(18, "tyler", "c", "ask", "Hi Linda, the ERP upgrade removed a permission our backup needs. OK for us to re-grant it on the SQL server now? No downtime."),
            N(52, "@", "c", "answer", "Go ahead."),
            N(60, "tyler", "i", "tried", "Re-granted sysadmin to svc-veeam-sql on RL-ERP01, ran the job manually."),
            N(95, "tyler", "i", "res", "ERP-SQL success, log truncated (ldf 38 GB -> 1.2 GB). Watch the next scheduled run."),
        ],
    ),
    T(
        tenant="ridgeline",
        cat="backup",
        status="resolved",
        prio="P2",
        device="RL-NAS01",
        contact="Gary Kowalski",
        created="2026-11-17T10:05:00Z",
        title="RL-NAS01: Veeam repository volume filling up",
        repeat_ask=True,
        desc="Prometheus: NodeFilesystemSpaceFillingUp on RL-NAS01 /mnt/veeam. Predicted full within 24h.",
        am_links=["nas-fill-1", "nas-fill-2"],
        alerts=[A(-60, "repo_space", "Repository free space 7% (3.4 TB of 48 TB) on RL-NAS01")],
        packet={
            "runbook": [
                ("_global/backup-job-failures.md", "Repository and space problems"),
                ("_global/disk-space.md", "Escalate when"),
            ],
            "client_docs": ["ridgeline/environment.md", "ridgeline/veeam-offsite-copy.md"],
        },
        notes=[
            N(14, "jordan", "i", "tried", "df -h on RL-NAS01: /mnt/veeam 44.6T used of 48T (93%). Nightly-VMs last 3 incrementals 610-680 GB each, normal is ~90 GB. FS01 VM grew 1.8 TB this week."),
            N(20, "jordan", "c", "ask", "Hi Gary, your backup storage jumped this week because the file server grew by about 1.8 TB. Did engineering copy a big set of files there recently?"),
            N(120, "@", "c", "answer", "Yeah they dumped the CAD exports for the Hendricks job on Friday. Can't delete them yet."),
            N(126, "jordan", "i", "esc", "Escalating: repo will fill in ~2 days, immutability means we can't just delete points. Needs retention change or disks, both need Linda's approval per client note."),
            N(170, "alex", "c", "ask", "Hi Gary, Alex from the L2 team here. Do you know what made the file server grow so much this week - did someone copy a big batch of files onto it?"),
            N(215, "@", "c", "answer", "Same as I told Jordan this morning, it's the CAD exports for the Hendricks job. We can't delete them yet."),
            N(300, "alex", "i", "tried", "Proposed to Gary + Linda: Nightly-VMs retention 30 -> 21 points, exclude \\\\RL-FS01\\Eng\\CAD-Exports from the VM job and back it up weekly instead. Linda approved by email 11/17 16:40."),
            N(5900, "alex", "i", "res", "Retention change applied, oldest points aged out after immutability expired. /mnt/veeam now 71%. NodeFilesystemSpaceFillingUp resolved 11/21. Disks quote still with Linda for Q1."),
        ],
    ),
    T(
        tenant="ridgeline",
        cat="network",
        status="closed",
        prio="P2",
        device="RL-HQ-FW01",
        contact="Dave Brennan",
        created="2026-11-19T04:10:00Z",
        title="Plant tunnel down during snow - MES queuing",
        desc="Night shift: FabriTrack offline on the floor. Tunnel flapping.",
        alerts=_flaps(-80, 7, 10, TUNNEL_DPD),
        notes=[
            N(7, "tyler", "i", "tried", "Tunnel flapping since ~02:50Z. Plant WAN loss 12-30%, snowing at Cedar Falls. DPD holds short drops but not this."),
            N(10, "tyler", "i", "info", "Prairie Wireless NOC ticket PW-251190, no tech until daylight."),
            N(13, "tyler", "c", "ask", "Hi Dave, the plant link is struggling with the snow. Can the night shift keep working with FabriTrack queuing until morning?"),
            N(25, "@", "c", "answer", "We'll manage, shipping labels are the only real problem. Wake me if it's totally down."),
            N(420, "tyler", "i", "res", "Link recoverd 10:30Z after the snow stopped and Prairie cleared ice from the dish. Tunnel stable. 4th flap ticket since Aug - flagged for Nadia's LTE backup proposal."),
        ],
    ),
    T(
        id="4413",
        tenant="ridgeline",
        cat="active-directory",
        status="in_progress",
        prio="P3",
        device="DC01",
        contact="Dave Brennan",
        created="2026-11-24T03:25:00Z",
        title="DC01: replication to PLT-DC02 failing (HQ-PLANT tunnel down again)",
        desc="Datto: AD replication health critical on DC01 (Ridgeline), DNS 4015 on DC01. Tunnel to plant flapping since ~00:40Z.",
        alerts=_flaps(-165, 9, 14)
        + [
            A(-143, "ad_repl", "Replication from PLT-DC02 failed: The RPC server is unavailable (1722)"),
            A(-111, "kcc", "Event 1311: The KCC has detected problems with the site link configuration; replication topology incomplete"),
            A(-109, "kcc", "Event 1865: The KCC was unable to form a complete spanning tree network topology"),
            A(-87, "dns_dc", "DNS Server event 4015: critical error from Active Directory, extended error 00002095: SvcErr: DSID-03210A6A, problem 5012", sev="critical"),
            A(-80, "ad_repl", "Inbound replication from PLT-DC02 failing: 7 consecutive failures, last error 1722", dup=1),
            A(-54, "ad_repl", "Replication from PLT-DC02 failed: The DSA operation is unable to proceed because of a DNS lookup failure (8524)"),
            A(-45, "dns_dc", "DNS Server event 4015: critical error from Active Directory, extended error 00002095: SvcErr: DSID-03210A6A, problem 5012", sev="critical"),
            A(-35, "time_skew", "Clock offset -41.3 s from domain time source", device="PLT-DC02"),
            A(-20, "ad_repl", "repadmin: 1 of 2 inbound links failing, largest delta 03h:02m"),
        ],
        packet={
            "runbook": [
                ("_global/ad-replication.md", "KCC and site link errors (1311, 1865)"),
                ("ridgeline/plant-vpn-flaps.md", "Check"),
            ],
            "client_docs": ["ridgeline/environment.md", "ridgeline/dc01-replication-notes.md", "ridgeline/plant-vpn-flaps.md"],
        },
        notes=[
            N(8, "priya", "i", "tried", "repadmin /replsummary on DC01 (ridgeline.corp): PLT-DC02 1722, largest delta 03h:02m. Tunnel HQ-PLANT flapping, plant WAN loss 15-20%. Same pattern as the Sept/Nov tickets."),
            N(12, "priya", "i", "tried", "Test-NetConnection PLT-DC02 -Port 135 from DC01: False. Flushed HQ-PLANT on both FortiGates 03:33Z, came up, dropped after 6 min."),
            N(15, "priya", "c", "ask", "Hi Dave, the link to the plant is flapping again. Can people on the floor still log in to their PCs? FabriTrack will be queuing."),
            N(31, "@", "c", "answer", "Logins are OK. FabriTrack says offline - queuing since about 7 pm. Shipping has 20 orders waiting on labels."),
            N(36, "priya", "i", "info", "Prairie Wireless NOC ticket PW-258843, weather clear this time so they're checking the radio remotely. Replication will catch up when the tunnel holds, leaving AD alone per client runbook."),
        ],
    ),
    T(
        tenant="ridgeline",
        cat="endpoint",
        status="resolved",
        prio="P2",
        device="RL-HQ-WS14",
        contact="Gary Kowalski",
        created="2026-11-25T15:05:00Z",
        title="RL-HQ-WS14: Defender detected Trojan in invoice zip",
        desc="Defender alert on Angela Pruitt's PC (accounts payable). Detected and quarantined.",
        alerts=[
            A(-9, "malware", "'Trojan:Win32/Wacatac.B!ml' detected and quarantined in C:\\Users\\apruitt\\Downloads\\invoice_44871.zip", sev="warning")
        ],
        packet={
            "runbook": [("_global/endpoint-av-edr-alerts.md", "Triage the alert")],
            "client_docs": ["ridgeline/environment.md"],
        },
        notes=[
            N(6, "sam", "i", "tried", "Defender: file quarantined on download, no execution in the process tree, Full scan started via portal. Source: email from 'accounts@steelsupply-billing.example'."),
            N(10, "sam", "c", "ask", "Hi Gary, Angela downloaded a malicious invoice attachment; Defender blocked it. Did she open anything else from that sender, or forward it to anyone?"),
            N(48, "@", "c", "answer", "She says no, she only clicked the zip and it disappeared. Nobody else got it as far as she knows."),
            N(55, "sam", "i", "tried", "Full scan clean. Message trace: 3 recipients at Ridgeline got it, all quarantined by Defender for O365 except Angela's (released by her from quarantine digest)."),
            N(70, "sam", "i", "res", "Purged the message from all mailboxes, blocked the sender domain. No further detections. Suggested Gary turn off user release from quarantine."),
        ],
    ),
    T(
        tenant="beacon-cpa",
        cat="endpoint",
        status="closed",
        prio="P2",
        device="BR-FS01",
        contact="Keisha Brandt",
        created="2026-08-18T13:15:00Z",
        title="QuickBooks H202 for remote users on RDS",
        desc="Nobody on the RDS server can open company files in multi-user mode since this morning. H202.",
        alerts=[
            A(-95, "qb_service", "Service 'QuickBooksDB34' running but port 8019 not reachable from BR-RDS01", device="BR-FS01")
        ],
        notes=[
            N(10, "jordan", "i", "tried", "Test-NetConnection BR-FS01 -Port 8019 from BR-RDS01: False. QuickBooksDB34 running. BR-FS01 rebooted for updates Sunday."),
            N(14, "jordan", "i", "tried", "Get-NetFirewallRule 'QuickBooks*' on BR-FS01: rules gone. Re-ran QuickBooks firewall setup from Tool Hub, rescanned D:\\QB in Database Server Manager."),
            N(20, "jordan", "c", "ask", "Hi Keisha, can you ask Mia to try opening a company file in multi-user now?"),
            N(35, "@", "c", "answer", "Mia says it works now, thank you!!"),
            N(37, "jordan", "i", "res", "Firewall rules for 8019 and 55378-55382 restored. Cause: update on BR-FS01 reset the rules. Added to the client runbook."),
        ],
    ),
    T(
        tenant="beacon-cpa",
        cat="active-directory",
        status="closed",
        prio="P3",
        device="BR-DC1",
        contact="Mia Santos",
        created="2026-09-09T14:40:00Z",
        title="Mia keeps getting locked out on RD Gateway",
        desc="Mia working from Portugal, locked out 4 times today.",
        alerts=[A(-30, "lockout", "Event 4740: account 'msantos' locked out (caller computer BR-RDS01)")],
        notes=[
            N(9, "priya", "i", "tried", "4740 caller is BR-RDS01 (gateway). Security log on RDS01: failed logons from the Portugal IP evry 30 min, NTLM."),
            N(13, "priya", "c", "ask", "Hi Mia, do you have an old saved connection on your Mac (Microsoft Remote Desktop app) with your previous password?"),
            N(90, "@", "c", "answer", "I have two! One from the old laptop setup. I deleted it."),
            N(95, "priya", "i", "res", "Unlocked, no lockouts for 3h. Cause: stale saved credential in a second RD connection on her Mac."),
        ],
    ),
    T(
        tenant="beacon-cpa",
        cat="endpoint",
        status="closed",
        prio="P3",
        device="BR-RDS01",
        contact="Keisha Brandt",
        created="2026-10-13T12:20:00Z",
        title="BR-RDS01: C: drive almost full",
        desc="Disk space alert on the RDS host, 2 days before the Oct 15 deadline.",
        alerts=[
            A(-50, "disk_low", "Disk C: free space 5.8 GB (4%) below threshold 10%"),
            A(-10, "disk_low", "Disk C: free space 4.1 GB (3%) below threshold 10%", sev="critical"),
        ],
        notes=[
            N(12, "sam", "i", "tried", "WizTree: C:\\Users 61 GB, 3 leaver profiles (9 GB), Chrome caches ~14 GB, ProLedger temp exports 11 GB in C:\\ProLedger\\Temp."),
            N(15, "sam", "c", "ask", "Hi Keisha, freeze period so checking first: OK to remove the profiles of Joan, Rick and the summer intern from the RDS server, and clear ProLedger temp exports?"),
            N(40, "@", "c", "answer", "Yes all fine, they're gone. Don't touch anything else till after the 15th please :)"),
            N(60, "sam", "i", "res", "Removed 3 profiles via System Properties, cleared ProLedger temp and browser caches. C: 38 GB free (27%)."),
        ],
    ),
    T(
        tenant="beacon-cpa",
        cat="network",
        status="escalated",
        prio="P2",
        device="BR-RDS01",
        contact="Keisha Brandt",
        created="2026-11-02T14:10:00Z",
        title="RD Gateway certificate expires 2026-11-30 (rdgw.beaconrowe.example)",
        desc="Cert expiry monitor: 30-day warning for rdgw.beaconrowe.example. Remote staff depend on it.",
        repeat_ask=True,
        alerts=[
            A(-200, "cert_expiry", "Certificate CN=rdgw.beaconrowe.example (Sectigo RSA DV) expires in 30 days"),
            A(30060, "cert_expiry", "Certificate CN=rdgw.beaconrowe.example (Sectigo RSA DV) expires in 7 days", sev="critical"),
        ],
        packet={
            "runbook": [
                ("_global/certificate-expiry.md", "Fix"),
                ("beacon-cpa/rd-gateway-certificate.md", "Steps"),
            ],
            "client_docs": ["beacon-cpa/environment.md", "beacon-cpa/rd-gateway-certificate.md"],
        },
        notes=[
            N(25, "priya", "i", "tried", "Confirmed with openssl s_client: notAfter=Nov 30 23:59:59 2026 GMT. Generated CSR on BR-RDS01 (2048-bit), saved to C:\\Certs\\rdgw-2026.csr."),
            N(30, "priya", "c", "ask", "Hi Keisha, your remote access certificate expires Nov 30. We need Howard's OK for the renewal ($79) and someone to give us access to the domain registrar for the validation record. Who has the registrar login?"),
            N(1500, "@", "c", "answer", "Howard says OK. The registrar login is Howard's, I'll get him to call you, he's out till Thursday."),
            N(4400, "priya", "i", "info", "Ordered the renewal. Waiting on Howard for the registrar access (TXT record for DV)."),
            N(30080, "tyler", "i", "esc", "7-day expiry alert fired. Still no DNS validation - Howard never called back. Escalating so L2 can chase it and plan the rebind (all 4 RDS roles)."),
            N(30200, "alex", "c", "ask", "Hi Keisha, to renew the remote desktop certificate we need to add a record at your domain registrar. Could you tell me who has the login for the registrar?"),
            N(30320, "@", "c", "answer", "I told Priya this 3 weeks ago - it's Howard. He's here today, I'll walk the phone to him."),
        ],
    ),
    T(
        tenant="beacon-cpa",
        cat="endpoint",
        status="resolved",
        prio="P2",
        device="BR-FS01",
        contact="Keisha Brandt",
        created="2026-11-16T13:35:00Z",
        title="QuickBooks multi-user not working again (H202)",
        desc="Same as August: remote users get H202, Mia can only open files single-user.",
        alerts=[A(-20, "qb_service")],
        packet={
            "runbook": [("beacon-cpa/quickbooks-multiuser-rds.md", "Fix")],
            "client_docs": ["beacon-cpa/environment.md", "beacon-cpa/quickbooks-multiuser-rds.md"],
        },
        notes=[
            N(8, "tyler", "i", "tried", "QuickBooksDB34 stopped on BR-FS01 (crashed 13:10Z, event 7034). Started it, rescanned D:\\QB. Firewall rules present this time."),
            N(12, "tyler", "c", "ask", "Hi Keisha, can Mia try multi-user again?"),
            N(30, "@", "c", "answer", "Works, thanks."),
            N(32, "tyler", "i", "res", "Service restarted, multi-user OK."),
            N(1440, "@", "c", "reopen", "It's broken again this morning, same error for everyone."),
            N(1452, "tyler", "i", "tried", "Service stopped again at 02:00Z - right when Veeam QB-Hourly copies D:\\QB. Application log: QuickBooksDB34 crashed on a locked .TLG file."),
            N(1458, "tyler", "i", "esc", "Escalating: backup job and QB DB service fighting over the .TLG. Not changing the backup job during freeze without L2."),
            N(1600, "nadia", "i", "tried", "QB-Hourly is a file copy job, not VSS-aware. Excluded *.TLG and *.ND from QB-Hourly, Servers-Nightly (VSS) still captures everything. Keisha OK'd the change (not a freeze period)."),
            N(4400, "nadia", "i", "res", "No crashes for 2 nights, QB-Hourly success. Resolved; will close Friday."),
        ],
    ),
    T(
        tenant="beacon-cpa",
        cat="endpoint",
        status="new",
        prio="P3",
        device="BR-RDS01",
        contact="Howard Rowe",
        created="2026-11-25T21:15:00Z",
        title="ProLedger Tax: license error when opening",
        desc="Howard: 'ProLedger says license could not be validated (code PL-4031)' on the RDS server. Others fine?",
        notes=[],
    ),
]
# fmt: on
