"""What may go into the client version of a report: one gate every client-facing sentence passes.

The client version is written from numbers and plain phrases, but some pieces come
from data (a ticket's title, a customer-visible note, a model's sentence), and data
can carry an engineer's command, a quote of an internal note or another client's
name. ``ClientGate.problem`` says why a sentence may not go to the client, or None;
the writer then leaves it out (or uses a plain fallback) and the internal version
lists what was left out and why.

- internal notes: any run of 6 words (case and punctuation ignored) that also
  occurs in one of this client's internal notes. Six words is a phrase, not
  a coincidence ("the backup job failed last night" is 6); shorter runs would
  flag ordinary plain English.
- command lines: PowerShell cmdlets (Verb-Noun), ``handoff ...``, command-line
  flags (`` -Force``, `` --all``), Windows/UNC/Unix paths, and well-known admin
  tools (``MpCmdRun``, ``gpupdate``, ``robocopy``...).
- links: any URL at all (the client version has none: internal links would not
  open for the client, and PSA/RMM links are the MSP's tools).
- other clients: the names and aliases of the MSP's other clients (word-bounded,
  as ``bot.packets.model_checks.name_patterns``).
- credentials: ``bot.tenancy.secrets``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from bot.packets.model_checks import name_patterns
from bot.tenancy.secrets import redact

SHINGLE = 6
_WORD = re.compile(r"[a-z0-9]+")
_CMDLET = re.compile(r"\b(?:Get|Set|New|Remove|Add|Start|Stop|Restart|Invoke|Enable|Disable|Test|Import|Export|"
                     r"Update|Clear|Reset|Install|Uninstall|Register|Unlock|Move|Search|Repair)-[A-Z][A-Za-z]+\b")
COMMAND = re.compile(
    r"\bhandoff\s+[a-z-]+|(?:^|\s)--?[A-Za-z][\w-]*|\b[A-Za-z]:\\|\\\\[\w$.-]+|(?:^|\s)~?/(?:[\w.-]+/)+[\w.-]*|"
    r"\b(?:sudo|ssh|ipconfig|gpupdate|gpresult|dism|sfc|netsh|robocopy|wbadmin|vssadmin|schtasks|mpcmdrun|"
    r"powershell|pwsh|cmd\.exe|regedit|dsquery|repadmin|dcdiag|nslookup|tracert|msiexec|winget|chkdsk|"
    r"systemctl|kubectl|net\s+user|net\s+use)\b", re.IGNORECASE)
URL = re.compile(r"\b[a-z][a-z0-9+.-]*://|\bwww\.", re.IGNORECASE)


def words(text: str) -> list[str]:
    return _WORD.findall(text.casefold())


def shingles(text: str, n: int = SHINGLE) -> set[tuple[str, ...]]:
    w = words(text)
    return {tuple(w[i:i + n]) for i in range(len(w) - n + 1)}


def is_command(text: str) -> bool:
    return bool(_CMDLET.search(text) or COMMAND.search(text))


@dataclass
class ClientGate:
    internal_shingles: set[tuple[str, ...]]
    other_clients: list[re.Pattern[str]]

    @classmethod
    def build(cls, *, internal_notes: Iterable[str], other_names: Iterable[str],
              own_names: Iterable[str]) -> ClientGate:
        seen: set[tuple[str, ...]] = set()
        for text in internal_notes:
            seen |= shingles(text)
        return cls(seen, name_patterns(other_names, own_names))

    def problem(self, text: str) -> str | None:
        """Why ``text`` may not go to the client, or None when it may."""
        if redact(text) != text:
            return "contains a credential"
        if URL.search(text):
            return "contains a link"
        if is_command(text):
            return "contains a command line or a path"
        if any(p.search(text) for p in self.other_clients):
            return "names another client"
        if shingles(text) & self.internal_shingles:
            return "quotes an internal note"
        return None
