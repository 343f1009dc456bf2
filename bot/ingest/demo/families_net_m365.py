"""Ticket families for network and m365 (placeholders: see families_ad_backup.py)."""

from typing import Any

FAMILIES: list[dict[str, Any]] = [
    {
        "key": "isp-failover",
        "cat": "network",
        "need": "fw",
        "role": "fw",
        "prio": ["P2", "P3"],
        "alerts": [("wan_loss", 1, 2), ("uplink_failover", 1, 1)],
        "titles": [
            "{site}: internet slow / on backup connection",
            "{dev}: WAN1 down, running on cellular",
            "Internet down at {site}",
        ],
        "descs": [
            "Firewall reports WAN1 down at {site}, traffic on the backup link. Staff say everything is slow.",
            "{site} lost internet around {hhmm}, calls dropping.",
        ],
        "tried": [
            [
                "Uplink history on {dev}: WAN1 loss {pct}% then down at {hhmm}. Failover worked, on backup link.",
                "WAN1 no DHCP lease from the ISP modem since {hhmm}. ISP status page shows an outage in the area.",
            ],
            [
                "Opened a ticket with the ISP, ref {ref}. ETA 4h.",
                "Power-cycled the ISP modem via the office manager, no change. ISP ticket {ref}.",
            ],
        ],
        "ask": [
            (
                [
                    "Hi {cf}, {site} is running on the backup internet link for now. Are card payments and phones working?",
                    "Hi {cf}, the internet provider has an outage at {site}. Can you tell me if the modem lights are on (the box from the provider)?",
                ],
                [
                    ["Phones are choppy but payments go through.", "Card machine works. Phones are bad."],
                    [
                        "Lights are on but the 'internet' one is red.",
                        "All lights on except one that's blinking orange.",
                    ],
                ],
            )
        ],
        "esc": [
            "Escalating: ISP says their side is fine, but WAN1 keeps dropping. Needs L2 to look at the modem bridge config."
        ],
        "res": [
            "ISP fixed a line fault at {hhmm2}. Back on WAN1, failover back automatically.",
            "WAN1 restored after the ISP swapped the modem. Monitoring looks normal.",
        ],
        "res2": ["Dropped again the next day; ISP sent a tech who replaced the drop cable. Stable for 48h."],
        "runbook": ("_global/site-to-site-vpn.md", "Check"),
    },
    {
        "key": "wifi-slow",
        "cat": "network",
        "need": "fw",
        "role": "user",
        "prio": ["P3", "P4"],
        "alerts": [],
        "titles": [
            "Wi-Fi slow in {room}",
            "{user}: Wi-Fi keeps dropping on laptop",
            "Wireless very slow at {site}",
        ],
        "descs": [
            "Staff say Wi-Fi in {room} is really slow since last week.",
            "{user}'s laptop drops Wi-Fi every 10 minutes.",
        ],
        "tried": [
            [
                "Meraki client details for {dev}: RSSI -78 dBm, connected to the far AP, 2.4 GHz only.",
                "Wireless health: {n}% of association failures on one AP, channel utilisation 82% on ch 6.",
            ],
            [
                "Enabled band steering, updated the Intel Wi-Fi driver on {dev} (22.x -> 23.60).",
                "Moved the AP to channel 11, RF profile min bitrate 12 Mbps.",
            ],
        ],
        "ask": [
            (
                ["Hi {cf}, is it everybody in {room} or mainly {uf}?"],
                ["Mostly {uf}, others are fine.", "Everybody at the back of the building."],
            )
        ],
        "esc": ["Escalating: coverage gap, probably needs an extra AP (site survey)."],
        "res": [
            "Driver update + band steering fixed it, {uf} confirms no drops for 2 days.",
            "After the channel change the complaints stopped. Closing.",
        ],
        "runbook": None,
    },
    {
        "key": "website-dns",
        "cat": "network",
        "need": "dc",
        "role": "dc",
        "prio": ["P3"],
        "alerts": [],
        "titles": [
            "Website {site_url} won't load in the office",
            "Can't reach {site_url} from office PCs (works on phones)",
        ],
        "descs": [
            "Everyone in the office gets 'can't reach this page' for {site_url}, works on 4G.",
            "{user} says {site_url} doesn't open on any office PC.",
        ],
        "tried": [
            [
                "nslookup {site_url} against {dev}: old IP cached. Resolve-DnsName against 1.1.1.1: new IP (vendor moved hosting).",
                "Resolve-DnsName {site_url} -Server {dev} returns SERVFAIL, forwarder 9.9.9.9 times out.",
            ],
            [
                "dnscmd /clearcache on both DCs, ipconfig /flushdns on a test PC.",
                "Replaced the dead forwarder with the ISP resolvers per standard, Get-DnsServerForwarder verified.",
            ],
        ],
        "ask": [],
        "esc": [],
        "res": [
            "Site loads again after clearing the DC DNS cache.",
            "Forwarder fixed, resolution OK from all sites.",
        ],
        "runbook": ("_global/dns-on-domain-controllers.md", "Fix"),
    },
    {
        "key": "remote-access",
        "cat": "network",
        "need": "fw",
        "role": "user",
        "prio": ["P3"],
        "alerts": [],
        "titles": ["{user} can't connect from home", "VPN/remote access not working for {user}"],
        "descs": [
            "{user} working from home today, remote connection fails with 'the remote computer could not be found'.",
            "{uf} can't get onto the remote desktop / VPN from home since yesterday.",
        ],
        "tried": [
            [
                "Firewall logs: no connection attempts from the user's IP at all. Likely their home network / client.",
                "Client VPN log: auth OK, then 'no route to 10.x' - split tunnel list missing the new subnet.",
            ],
            [
                "Walked {uf} through reinstalling the client and re-importing the profile.",
                "Added the subnet to the client VPN routes.",
            ],
        ],
        "ask": [
            (
                [
                    "Hi {uf}, can you send me a screenshot of the error and tell me if the internet works otherwise at home?"
                ],
                [
                    "Internet works fine. Screenshot attached.",
                    "Everything else works, it's only the work connection.",
                ],
            )
        ],
        "esc": ["Escalating: firewall shows IKE errors from the user IP, config change needed."],
        "res": [
            "User reconnected after reinstall, confirmed working.",
            "Route added, {uf} can reach everything.",
        ],
        "runbook": None,
    },
    {
        "key": "mfa-new-phone",
        "cat": "m365",
        "need": None,
        "role": "user",
        "prio": ["P3"],
        "alerts": [],
        "titles": [
            "New phone - {user} can't do MFA",
            "MFA reset for {user}",
            "{user} not getting Authenticator prompts",
        ],
        "descs": [
            "{user} got a new phone and the Authenticator app didn't transfer.",
            "{uf} lost their phone, needs MFA reset to log in.",
        ],
        "tried": [
            [
                "Verified identity per client note ({cf} confirmed). Get-MgUserAuthenticationMethod: only the old phone's Authenticator registered.",
                "Identity check done via {cf}. Sign-in logs: 50074 strong auth required, then abandoned.",
            ],
            [
                "Removed the old Authenticator method, required re-registration, issued a 1h Temporary Access Pass.",
                "Revoked MFA sessions, deleted old methods, TAP issued and read to the user by phone.",
            ],
        ],
        "ask": [
            (
                [
                    "Hi {uf}, can you let me know once you've set up Authenticator on the new phone with the temporary code?",
                    "Hi {cf}, can you confirm {uf} is who they say they are? (Your MFA reset rule)",
                ],
                [
                    ["Done, it works!", "All set, got the number prompt."],
                    ["Confirmed, that's them.", "Yes, I'm standing next to them."],
                ],
            )
        ],
        "esc": [],
        "res": [
            "New Authenticator registered, user signed in. TAP expired.",
            "MFA re-registered, confirmed working on Outlook and Teams.",
        ],
        "runbook": ("_global/m365-sign-in-and-mfa.md", "New phone or lost MFA device"),
    },
    {
        "key": "mailbox-full",
        "cat": "m365",
        "need": None,
        "role": "user",
        "prio": ["P3"],
        "alerts": [],
        "titles": ["{user}: mailbox full warning", "Emails to {user} bouncing - mailbox full"],
        "descs": [
            "{user} getting 'your mailbox is almost full', can't send.",
            "Senders get 550 5.2.2 mailbox full for {uf}.",
        ],
        "tried": [
            [
                "Get-EXOMailboxStatistics: {gb} GB of 50 GB, Recoverable Items small. Archive not enabled.",
                "Mailbox at 49.6 GB. Largest folders: Sent Items 18 GB, Inbox\\Scans 11 GB.",
            ],
            [
                "Enable-Mailbox -Archive, applied the MSP default retention (move to archive after 2y), Start-ManagedFolderAssistant.",
                "Archive enabled. Asked user to empty Deleted Items (4 GB).",
            ],
        ],
        "ask": [
            (
                [
                    "Hi {uf}, I've turned on an online archive for you; older mail will move there over the next day or two. OK?"
                ],
                ["Great thanks", "OK as long as I can still search old emails"],
            )
        ],
        "esc": [],
        "res": ["Archive processing done, mailbox at {pct}% now.", "Mailbox down to 31 GB after archiving."],
        "runbook": ("_global/m365-mailbox-issues.md", "Mailbox full"),
    },
    {
        "key": "shared-mailbox",
        "cat": "m365",
        "need": None,
        "role": None,
        "prio": ["P4"],
        "alerts": [],
        "titles": ["Give {user} access to the {box} mailbox", "{user} needs Send As on {box}@"],
        "descs": [
            "Please add {user} to the {box} shared mailbox, they're covering for {user2}.",
            "{uf} can see {box} but can't send as it.",
        ],
        "tried": [
            [
                "Add-MailboxPermission {box}@{dom} -User {usr}@{dom} -AccessRights FullAccess -AutoMapping $true; Add-RecipientPermission ... SendAs.",
                "Get-EXOMailboxPermission {box}@: user had FullAccess only. Added SendAs.",
            ],
        ],
        "ask": [
            (
                ["Hi {cf}, can you confirm you approve {uf} getting access to {box}?"],
                ["Approved.", "Yes that's fine"],
            )
        ],
        "esc": [],
        "res": ["Access granted, mailbox auto-mapped after ~40 min.", "Send As working, confirmed by {uf}."],
        "runbook": ("_global/m365-mailbox-issues.md", "Shared mailboxes and permissions"),
    },
    {
        "key": "mail-missing",
        "cat": "m365",
        "need": None,
        "role": "user",
        "prio": ["P3"],
        "alerts": [],
        "titles": [
            "{user} not receiving emails from {partner_org}",
            "Emails from a supplier going missing",
            "{uf}: expected email never arrived",
        ],
        "descs": [
            "{user} says emails from {partner_org} stopped arriving this week.",
            "{uf} is waiting for an email that the sender says was sent yesterday.",
        ],
        "tried": [
            [
                "Get-MessageTraceV2 -SenderAddress *@{partner_org}: status Quarantined (high confidence phish) - their domain's DKIM is failing.",
                "Message trace: delivered to Junk by a user-created block rule from 2024.",
            ],
            [
                "Released the message from quarantine after checking headers. Added a tenant allow entry (30 days).",
                "Removed the stale block rule from Outlook rules, moved the mails back to Inbox.",
            ],
        ],
        "ask": [
            (
                ["Hi {uf}, can you send me the sender's exact address and roughly when they sent it?"],
                ["It's billing@{partner_org}, yesterday around 3pm.", "accounts@{partner_org}, Tuesday."],
            )
        ],
        "esc": [],
        "res": [
            "Mail released and delivered, sender told to fix their DKIM.",
            "Rule removed, mail flowing again.",
        ],
        "runbook": ("_global/m365-mailbox-issues.md", "Message trace"),
    },
    {
        "key": "teams-av",
        "cat": "m365",
        "need": None,
        "role": "user",
        "prio": ["P4", "P3"],
        "alerts": [],
        "titles": ["Teams: nobody can hear {user} in meetings", "{user}'s camera not working in Teams"],
        "descs": [
            "{uf} joins Teams calls but others can't hear them, mic works in other apps.",
            "Camera shows black in Teams on {dev}.",
        ],
        "tried": [
            [
                "Teams device settings had the monitor's speaker as mic. Set to the headset.",
                "Windows privacy settings: camera access for desktop apps was off after the feature update.",
            ],
        ],
        "ask": [
            (
                [
                    "Hi {uf}, can you try a test call (Settings > Devices > Make a test call) and tell me what you hear?"
                ],
                ["Works now, I can hear myself", "Yes it works!"],
            )
        ],
        "esc": [],
        "res": [
            "Fixed by selecting the right device / privacy setting.",
            "Working, confirmed in a test call.",
        ],
        "runbook": None,
    },
    {
        "key": "ca-block",
        "cat": "m365",
        "need": None,
        "role": None,
        "prio": ["P2", "P3"],
        "alerts": [],
        "titles": [
            "{user} can't sign in on new iPad (53000)",
            "{user} blocked: 'you can't get there from here'",
        ],
        "descs": [
            "{uf} can't get to email on a personal iPad, error says device must be managed.",
            "Sign-in blocked for {user} when working from a hotel.",
        ],
        "tried": [
            [
                "Sign-in log: error 53000, Conditional Access requires compliant device. Device is personal, not enrolled.",
                "Sign-in log: 53003, blocked by location policy (sign-in from a VPN exit in another country).",
            ],
        ],
        "ask": [
            (
                [
                    "Hi {uf}, is that a personal device? You can use the Outlook app instead of the built-in mail app, that's allowed.",
                    "Hi {uf}, are you using a VPN app on that laptop right now?",
                ],
                [
                    ["Yes it's my own iPad. Outlook app works, thanks."],
                    ["Oh yes, the hotel told me to use one. Turned it off and it works."],
                ],
            )
        ],
        "esc": [],
        "aligned": True,
        "res": [
            "Working as designed - user moved to the Outlook app.",
            "User disconnected the consumer VPN, sign-in OK.",
        ],
        "runbook": ("_global/m365-sign-in-and-mfa.md", "Conditional Access blocks"),
    },
]
