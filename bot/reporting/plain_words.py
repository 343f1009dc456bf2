"""The client's words for what engineers call categories, checks and durations. Pure.

The client version of a report never says "m365", "Disk space" or "P2": it says
what the client would say. Recommendations are written from a recurring alert
source's kind (printer, disk, backup...) with its counts; they describe and
propose, and the engineer who reviews the draft decides what to send.
"""

from __future__ import annotations

CATEGORY = {
    "m365": "Email and Microsoft 365",
    "network": "Network and internet",
    "endpoint": "Computers and laptops",
    "printing": "Printers and scanning",
    "active-directory": "User accounts and sign-in",
    "backup": "Backups",
    "security": "Security",
    "none": "Other requests",
}
PRIORITY = {"P1": "Critical (P1)", "P2": "High (P2)", "P3": "Normal (P3)", "P4": "Low (P4)", "none": "Unprioritised"}
STATUS = {"new": "waiting to be picked up", "in_progress": "being worked on", "escalated": "with a senior engineer",
          "waiting": "waiting for your reply", "on_hold": "on hold"}

# Alert check names to a kind of recurring problem, first match wins.
_KINDS = (
    ("printer", ("printer", "print", "toner", "paper")),
    ("backup", ("backup", "veeam", "snapshot")),
    ("disk", ("disk", "volume", "storage", "drive")),
    ("offline", ("offline", "device status", "heartbeat", "unreachable", "ping")),
    ("updates", ("patch", "update")),
    ("security", ("antivirus", "unwanted", "malware", "defender", "threat")),
    ("performance", ("cpu", "memory", "load")),
    ("connection", ("wan", "ipsec", "vpn", "tunnel", "link", "latency")),
    ("lockouts", ("lockout", "locked")),
    ("service", ("service",)),
)


def category(key: str | None) -> str:
    return CATEGORY.get(key or "none", (key or "other").replace("-", " ").capitalize())


def priority(key: str | None) -> str:
    return PRIORITY.get(key or "none", key or "Unprioritised")


def status(key: str | None) -> str:
    return STATUS.get(key or "", "open")


def hours(seconds: float | None) -> str:
    """"45 minutes", "2.5 hours", "3 days"."""
    if seconds is None:
        return "-"
    if seconds < 3600:
        return f"{max(1, round(seconds / 60))} minutes"
    if seconds < 48 * 3600:
        h = seconds / 3600
        return f"{h:.1f} hours".replace(".0 ", " ")
    return f"{round(seconds / 86400)} days"


def times(n: int) -> str:
    return "once" if n == 1 else "twice" if n == 2 else f"{n} times"


def problem_kind(check: str | None) -> str:
    text = (check or "").casefold()
    for kind, words in _KINDS:
        if any(w in text for w in words):
            return kind
    return "other"


# kind -> (title, what happened, what we recommend); {dev} is the device, {n} how often, {ep} the episodes.
# Every kind counts episodes, except lockouts, which count the lockouts themselves (alerts).
RECOMMENDATIONS: dict[str, tuple[str, str, str]] = {
    "printer": ("Printer {dev}", "The printer {dev} reported problems {n} ({ep}).",
                "a service visit, or replacing it if it is near the end of its life."),
    "disk": ("Disk space on {dev}", "{dev} ran low on disk space {n} ({ep}).",
             "adding storage or a scheduled clean-up so that it does not fill up again."),
    "backup": ("Backups on {dev}", "The backup on {dev} failed {n} ({ep}), at its scheduled times.",
               "reviewing the backup job and its storage so that every scheduled run completes."),
    "offline": ("{dev} going offline", "{dev} went offline {n} ({ep}).",
                "checking its power and network connection, and a battery backup if it has none."),
    "updates": ("Updates on {dev}", "{dev} fell behind on updates {n} ({ep}).",
                "a regular maintenance window so that updates can install and restart on schedule."),
    "security": ("Antivirus on {dev}", "The antivirus protection on {dev} reported problems {n} ({ep}).",
                 "reviewing its protection settings together."),
    "performance": ("{dev} running out of capacity", "{dev} was overloaded {n} ({ep}).",
                    "reviewing whether it needs more memory or a replacement."),
    "connection": ("Connection {dev}", "The connection {dev} dropped or slowed down {n} ({ep}).",
                   "reviewing it with your internet provider."),
    "lockouts": ("Account lockouts on {dev}", "Accounts were locked out {n} on {dev} ({ep}).",
                 "reviewing sign-in settings with the people affected."),
    "service": ("A background service on {dev}", "A background service on {dev} stopped {n} ({ep}).",
                "finding out why it stops, so that it no longer needs restarting."),
}
OTHER_RECOMMENDATION = ("Repeated alerts on {dev}", "{dev} raised the same kind of alert {n} ({ep}).",
                        "looking at it together.")


def recommendation(kind: str, device: str | None, alerts: int, bursts: int) -> tuple[str, str]:
    """(title, text) of a recommendation for a recurring alert source, in the client's words."""
    dev = device or "one of your systems"
    episodes = f"{alerts} alerts in {bursts} separate episodes" if bursts != 1 else f"{alerts} alerts in one episode"
    title, happened, advice = RECOMMENDATIONS.get(kind, OTHER_RECOMMENDATION)
    words = {"dev": dev, "n": times(alerts if kind == "lockouts" else bursts), "ep": episodes}
    return title.format(**words), f"{happened.format(**words)} We recommend {advice}"
