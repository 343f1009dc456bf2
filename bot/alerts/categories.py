"""What a check is about, from keywords in its check name and message template.

- ``category_for``: the suggested ticket category of a signal (which queue or
  runbook it goes to).
- ``family_for``: the *family* of one check, finer than a category: the
  subsystem whose checks fail together when it breaks. Triage only correlates
  different checks on one device when they are of one family
  (``bot/alerts/triage.py``, step 5): when a DC's directory service breaks, its
  replication, KCC, DNS and time checks all complain; when a circuit degrades,
  the WAN quality, uplink failover and VPN/tunnel checks do. An account lockout
  loop and a high CPU on the same DC, or a stopped Netlogon service and a
  lockout loop, are different problems even when they fire together, and a
  check no family names (an unknown check) is never correlated with another.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Sequence
from functools import lru_cache

# Keyword -> weight per category; the category with the highest total over a
# signal's check names and templates wins, ties broken by the order below;
# nothing matching at all is "endpoint" (the device itself: disk, CPU, services).
# A keyword matches as a whole word, in the singular or the plural ("lockouts").
CATEGORY_KEYWORDS: dict[str, dict[str, float]] = {
    "active-directory": {
        "replication": 3, "repadmin": 3, "ntds": 3, "kerberos": 3, "ldap": 2, "domain controller": 3,
        "active directory": 3, "sysvol": 3, "dfsr": 2, "netlogon": 3, "fsmo": 3, "group policy": 3, "gpo": 2,
        "time skew": 2, "w32time": 2, "clock skew": 2, "time sync": 2, "account locked": 2, "locked out": 2, "lockout": 2,
        "ad ": 1, "dns": 1,
    },
    "backup": {
        "backup": 3, "veeam": 3, "datto": 3, "acronis": 3, "restore": 2, "vss": 2, "snapshot": 2,
        "shadow copy": 2, "replica": 1, "retention": 1, "job failed": 1,
    },
    "m365": {
        "m365": 3, "office 365": 3, "o365": 3, "microsoft 365": 3, "exchange online": 3, "mailbox": 2,
        "outlook": 2, "sharepoint": 3, "onedrive": 3, "teams": 2, "entra": 3, "azure ad": 3, "intune": 3,
        "license": 1, "mfa": 2, "conditional access": 3, "mail flow": 2, "smtp": 1,
    },
    "printing": {
        "printer": 3, "spooler": 3, "print queue": 3, "toner": 3, "paper jam": 3, "print job": 3, "printing": 3,
    },
    "network": {
        "ping": 2, "offline": 1, "unreachable": 2, "packet loss": 3, "latency": 2, "interface": 2,
        "link down": 3, "vpn": 3, "tunnel": 2, "firewall": 3, "switch": 2, "router": 3, "wan": 3, "isp": 3,
        "dhcp": 2, "dns": 1, "bgp": 3, "snmp": 1, "port down": 3, "wifi": 2, "wireless": 2, "access point": 3,
    },
    "endpoint": {
        "disk": 2, "cpu": 2, "memory": 2, "antivirus": 2, "defender": 2, "malware": 2, "patch": 2,
        "windows update": 2, "reboot": 1, "service stopped": 2, "bitlocker": 2, "edr": 2, "agent": 1,
        "low disk": 3, "free space": 2,
    },
}
_DEFAULT_CATEGORY = "endpoint"
_KEYWORD_RES = {
    category: [(re.compile(rf"(?<![a-z0-9]){re.escape(k.strip())}(?:e?s)?(?![a-z0-9])"), w) for k, w in words.items()]
    for category, words in CATEGORY_KEYWORDS.items()
}


def category_for(texts: Sequence[str]) -> str:
    """The suggested ticket category for a signal's check names and templates."""
    return _category(" ".join(t.casefold().replace("_", " ") for t in texts if t))


# Cached by text: every delivery re-triages its window and recomputes the category of each signal in it
# from the same checks and templates; ~95 keyword searches each were the busiest Python code of a delivery.
@lru_cache(maxsize=8192)
def _category(text: str) -> str:
    scores: dict[str, float] = defaultdict(float)
    for category, rules in _KEYWORD_RES.items():
        for regex, weight in rules:
            if regex.search(text):
                scores[category] += weight
    if not scores:
        return _DEFAULT_CATEGORY
    order = list(CATEGORY_KEYWORDS)
    return max(scores, key=lambda c: (scores[c], -order.index(c)))


# Families: keyword lists per subsystem, whole words (singular or plural) in the
# check name and template. The family with the most matching keywords wins, ties
# broken by the order below; nothing matching is no family.
FAMILY_KEYWORDS: dict[str, tuple[str, ...]] = {
    "directory": ("replication", "repadmin", "kcc", "ntds", "dfsr", "sysvol", "directory service",
                  "active directory", "domain controller", "fsmo", "netlogon", "kerberos", "krb ap err skew",
                  "dns", "time sync", "time skew", "clock skew", "clock offset", "w32time", "time service"),
    "circuit": ("wan", "uplink", "failover", "vpn", "tunnel", "ipsec", "ike", "packet loss", "latency", "isp",
                "link monitor", "sla", "bgp", "circuit", "cellular"),
    "backup": ("backup", "veeam", "datto", "acronis", "vss", "snapshot", "shadow copy", "repository", "restore",
               "replica", "retention", "backup copy"),
    "printer": ("printer", "toner", "spooler", "print queue", "paper jam", "print job", "drum", "cartridge"),
    "performance": ("cpu", "processor", "memory", "ram", "load average", "swap", "paging", "page file"),
    "storage": ("disk", "free space", "volume", "filesystem", "smart", "raid", "low disk"),
    "accounts": ("lockout", "locked out", "password", "sign in", "mfa", "impossible travel"),
    "updates": ("patch", "windows update", "cumulative update", "reboot pending", "pending reboot", "hotfix"),
    "security": ("antivirus", "defender", "malware", "security intelligence", "definition", "threat", "edr",
                 "pua", "potentially unwanted", "quarantine"),
}
_FAMILY_RES = {
    family: [re.compile(rf"(?<![a-z0-9]){re.escape(k)}(?:e?s)?(?![a-z0-9])") for k in words]
    for family, words in FAMILY_KEYWORDS.items()
}


def family_for(texts: Sequence[str]) -> str | None:
    """The family of one check (its check name and template), or None when no keyword names one."""
    return _family(" ".join(t.casefold().replace("_", " ") for t in texts if t))


@lru_cache(maxsize=8192)  # as _category: the same checks come back with every delivery
def _family(text: str) -> str | None:
    hits = {family: sum(1 for regex in rules if regex.search(text)) for family, rules in _FAMILY_RES.items()}
    best = max(hits, key=lambda f: (hits[f], -list(FAMILY_KEYWORDS).index(f)))
    return best if hits[best] else None
