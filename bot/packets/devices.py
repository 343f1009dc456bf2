"""What a device is, as the client's own notes say: its kinds (nas, firewall, switch, printer, dc,
workstation, server) and whether it runs Windows.

A checklist item can say which devices it fits (``applies_to`` in
``bot/packets/checklists/*.yaml``): "are the VSS writers stable" means nothing
on a Synology NAS. The client's environment notes describe their devices
("NAS01: Synology DS920+ (DSM 7.2)"); the lines that name the device are read,
and the device's name itself is a hint (DC01, HQ-FW01). A device nothing
describes has an empty profile, and every item applies to it: an item is left
out only when the notes say it does not fit.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from bot.db.models import Doc

# Keyword -> kind. Appliances first: their lines often mention Windows too ("Windows VSS is not involved").
_KINDS = (
    ("nas", re.compile(r"\b(synology|qnap|dsm|nas|truenas|netapp|drobo|buffalo terastation)\b", re.I)),
    ("firewall", re.compile(r"\b(firewall|sonicwall|meraki|mx\d+|fortigate|fortinet|pfsense|watchguard|router|"
                            r"palo alto|sophos xg|ipsec|vpn concentrator)\b", re.I)),
    ("printer", re.compile(r"\b(printer|copier|mfp|brother|ricoh|kyocera|xerox|konica|laserjet|canon imagerunner|"
                           r"designjet|plotter|zebra)\b", re.I)),
    ("switch", re.compile(r"\b(switch|catalyst|procurve|poe budget|nexus \d+)\b", re.I)),
    ("dc", re.compile(r"\b(domain controller|pdc emulator|\bDC\b)", re.I)),
    ("workstation", re.compile(r"\b(workstation|laptop|desktop|optiplex|thinkpad|elitebook|latitude|surface|"
                               r"imac|macbook|chromebook|library pcs?)\b", re.I)),
    ("server", re.compile(r"\b(server|hyper-v host|esxi)\b", re.I)),
)
_WINDOWS = re.compile(r"\b(windows|win(10|11)|server 20\d\d|sql server|hyper-v)\b", re.I)
_NOT_WINDOWS = re.compile(r"\b(linux|ubuntu|debian|dsm|synology|qnap|macos|chromeos|esxi|no windows)\b", re.I)
# Names that say what a device is (role-and-number conventions).
_NAME_HINTS = (
    ("dc", re.compile(r"(^|-)DC\d", re.I)),
    ("firewall", re.compile(r"(^|-)(FW|MX|RTR)\d*($|-)|(^|-)(FW|MX)\d", re.I)),
    ("nas", re.compile(r"(^|-)NAS\d", re.I)),
    ("printer", re.compile(r"(^|-)(PRN|PRT|RICOH|COPIER|PLOT)", re.I)),
    ("switch", re.compile(r"(^|-)(SW|SWITCH)(\d|-|$)", re.I)),
    ("workstation", re.compile(r"(^|-)(WS|PC|LT|NB)-?\d", re.I)),
)


@dataclass(frozen=True)
class DeviceProfile:
    kinds: frozenset[str]
    windows: bool | None  # None: not known
    described_by: str | None = None  # the note line that says what it is

    @property
    def known(self) -> bool:
        return bool(self.kinds) or self.windows is not None


def _lines_about(device: str, docs: Sequence[Doc]) -> list[str]:
    name = re.compile(rf"(?<![\w-]){re.escape(device)}(?![\w-])", re.I)
    out = []
    for doc in docs:
        if doc.kind != "client-note":
            continue
        for line in (doc.body or "").splitlines():
            # A line that describes the device starts with it ("- **NAS01** - Synology ...", "NAS01: ...").
            stripped = line.strip().lstrip("-*|# ").replace("**", "")
            if name.match(stripped):
                out.append(stripped)
    return out


def device_profile(device: str | None, docs: Sequence[Doc]) -> DeviceProfile:
    if not device:
        return DeviceProfile(frozenset(), None)
    lines = _lines_about(device, docs)
    text = " ".join(lines)
    kinds = {kind for kind, pattern in _NAME_HINTS if pattern.search(device)}
    kinds |= {kind for kind, pattern in _KINDS if pattern.search(text)}
    if kinds & {"nas", "printer", "firewall", "switch"}:
        kinds.discard("server")
    windows: bool | None = None
    if _NOT_WINDOWS.search(text) or kinds & {"nas", "printer", "firewall", "switch"}:
        windows = False
    elif _WINDOWS.search(text) or kinds & {"dc"}:
        windows = True
    return DeviceProfile(frozenset(kinds), windows, lines[0] if lines else None)
