"""Credential redaction: what engineers write into notes never reaches a channel, a model or a query.

MSP notes carry credentials in many shapes: "Local admin on DC01: NPadmin /
Winter2026!Clinic", "pw is ...", connection strings, vendor API tokens,
BitLocker recovery keys, private keys pasted whole. ``redact`` replaces the
secret part with ``[credential removed]`` and keeps everything around it (the
user name, the device, the sentence), so a claim still reads, still cites its
note, and the engineer can open the original in the PSA.

Two kinds of detectors:

* vendor token formats (AWS, Slack, GitHub, GitLab, Stripe, SendGrid, JWT,
  Azure storage keys, OpenAI, Twilio, ...) and ``user:password@`` in URLs come
  from detect-secrets' regex plugins, maintained upstream as formats change.
  Its entropy and keyword plugins are not used: on prose they flag every word.
* how people write credentials in notes ("password is", "pw:", "pwd=",
  "creds: user / secret", "-p <secret>" on a command line, "PIN for ... is",
  recovery keys, hashes named as NTLM) are the patterns below. A value after a
  keyword counts only when it looks like a secret, so "the password was reset",
  "creds in ITGlue" and "pw: ask Dana" are left alone.

Measured on a labelled set of MSP note lines by ``bench/redaction.py`` (see
README, "Secret redaction"); the patterns were tuned on one half only.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from bot.db.models import Ticket, TicketNote

REMOVED = "[credential removed]"
# Part of a stored packet's state: a packet built under older rules (or none) is rebuilt.
REDACTION_VERSION = 1

# detect-secrets plugins whose formats are too loose for ticket prose (public IPs
# are not secrets; Artifactory's "AP" + 9 characters matches serial numbers).
_SKIPPED_PLUGINS = {"IPPublicDetector", "ArtifactoryDetector"}


@lru_cache(maxsize=1)
def _library_patterns() -> tuple[re.Pattern[str], ...]:
    """The regexes of detect-secrets' format plugins (vendor tokens, keys, basic auth)."""
    from detect_secrets.core.plugins.util import get_mapping_from_secret_type_to_class
    from detect_secrets.plugins.base import RegexBasedDetector

    patterns: list[re.Pattern[str]] = []
    plugins: list[Any] = list(get_mapping_from_secret_type_to_class().values())
    for plugin in plugins:
        if issubclass(plugin, RegexBasedDetector) and plugin.__name__ not in _SKIPPED_PLUGINS:
            patterns.extend(plugin.denylist)  # a class attribute on every format plugin
    return tuple(patterns)


# Words that may follow "password" without being one.
_NOT_A_VALUE_WORDS = """
a an the is was were be been being has have had will would should can could must may might not no none n/a na
reset resets resetting changed change changes changing expired expires expiry expiring updated update rotated
rotate rotation required requirement prompt prompts prompting policy policies manager managers vault vaults
stored saved documented in on for of to from by with via and or but as at it its this that these those same
unknown blank empty fine ok correct incorrect wrong invalid mismatch sync synced hash never set see ask
please attached below above here there sent provided known shared hidden masked removed redacted tbd
"""
_NOT_A_VALUE = frozenset(_NOT_A_VALUE_WORDS.split())

_KEYWORD = re.compile(
    r"(?<![A-Za-z0-9_])(?:passwor[dt]s?|passwd|pwds?|pword|pw|p/w|pass(?:code|phrase|word)?|kennwort|pin|psk|"
    r"(?:enable|client|shared|app|api|aws|radius)[ _-]?secret(?:[ _-]?key)?|secret[ _-]?key|"
    r"api[ _-]?key|access[ _-]?key|auth[ _-]?token|token|community(?:[ _-]?string)?|"
    r"(?:wifi|wi-fi|wpa2?|wpa3|wireless|network|guest)[ _-]?(?:key|password|pw|passphrase)|"
    r"(?:door|alarm|gate|safe|lock)[ _-]?code|creds?|p(?=[ \t]*[:=]))(?![A-Za-z])",
    re.IGNORECASE,
)
# After a keyword: a short qualifier ("for the guest SSID", "(LAPS didn't apply)"), a separator, the value.
_VALUE = r"[\"']?(?P<value>[^\s\"';,|)]+)"
_AFTER_KEYWORD = re.compile(
    r"^(?P<qual>[^:=\n.!?]{0,50}?)[ \t]*(?P<sep>:|=|->|=>|\bis(?:[ \t]+now)?\b|\bwas\b|\bwill[ \t]+be\b|"
    r"\b(?:set|changed|reset)[ \t]+to\b)[ \t]*" + _VALUE,
    re.IGNORECASE,
)
_NEXT_WORD = re.compile(r"^[ \t]+" + _VALUE)
# "user / secret" or "user:secret"; an account word earlier in the line says it is a login.
_PAIR = re.compile(
    # The slash is spaced on both sides or on neither: "cmdkey /delete:fs01" is a switch, not a pair.
    r"(?<![\w\\@.-])(?P<user>[A-Za-z0-9_.\\@-]{2,64})(?:[ \t]+/[ \t]+|/|:(?!//))(?P<value>[^\s\"',;)/]+)"
)
_ACCOUNT_CONTEXT = re.compile(
    r"\b(?:creds?|credentials?|login|logon|log-in|account|admin\w*|administrator|root|user(?:name)?|u|sa|"
    r"runas|password|pw|pwd|default|console|portal|ilo|idrac)\b",
    re.IGNORECASE,
)
_STRONG_CONTEXT = re.compile(r"\b(?:creds?|credentials?|login|logon|password|pw|pwd|default)\b", re.IGNORECASE)
_URL_PASSWORD = re.compile(r"[a-z][a-z0-9+.-]*://[^/\s:@]+:(?P<value>[^\s@/]+)@", re.IGNORECASE)
_ACCOUNT_SHAPE = re.compile(r"^(?:[A-Za-z0-9_.-]+\\[A-Za-z0-9_.$-]+|[^@\s]+@[^@\s]+\.[A-Za-z]{2,})$")
# "set/reset/changed ... to <value>", "temp password ... Welcome123!"
_SET_TO = re.compile(
    r"\b(?:set|reset|changed|change|rotated)\b[^.\n]{0,40}?\b(?:pwd|pw|password|passcode|pin)\b[^.\n]{0,30}?"
    r"\bto[ \t]+[\"']?(?P<value>[^\s\"',;)]+)",
    re.IGNORECASE,
)
# Command lines: "mysql -u root -pSecret", "psexec -u x -p Secret", "net user name Secret /domain".
_COMMAND = re.compile(
    r"(?:(?<=\s)|^)(?:-p(?P<p>[^\s\"']{3,})|-p[ \t]+(?P<ps_>[^\s\"'-][^\s\"']{2,})|--password[= \t]+(?P<pl>\S+))"
    r"|\bnet[ \t]+user[ \t]+\S+[ \t]+(?P<nu>(?!/)\S+)"
    r"|ConvertTo-SecureString[ \t]+(?:-String[ \t]+)?[\"'](?P<ps>[^\"']+)[\"']",
    re.IGNORECASE,
)
# key=value in connection strings and env files: Password=..., Pwd=..., DB_PASSWORD=...
_ASSIGNMENT = re.compile(
    r"(?P<name>\b[A-Za-z_]*(?:password|passwd|pwd|secret|token|apikey|api_key|accountkey|sharedaccesskey|sig)\b)"
    r"(?P<sep>[ \t]*[=:][ \t]*[\"']?)(?P<value>[^\s;\"'&,]+)",
    re.IGNORECASE,
)
_PRIVATE_KEY = re.compile(
    r"-----BEGIN[ A-Z0-9]*PRIVATE KEY( BLOCK)?-----.*?(?:-----END[ A-Z0-9]*PRIVATE KEY( BLOCK)?-----|$)", re.DOTALL
)
_RECOVERY_KEY = re.compile(r"\b\d{6}(?:-\d{6}){7}\b")  # BitLocker's 48-digit recovery password
_NAMED_HASH = re.compile(
    r"\b(?:ntlm|nt|lm|netntlm(?:v2)?|password)[ \t-]*hash(?:es)?\b[^:\n]{0,40}[:=]?[ \t]*(?P<value>[0-9a-f]{32}(?::[0-9a-f]{32})?)",
    re.IGNORECASE,
)


def _looks_secret(value: str, *, strong_separator: bool) -> bool:
    """Whether a word after a credential keyword is a secret rather than more prose.

    Mixed letters and digits or symbols, or digits only (PINs, codes), count.
    After an explicit ":" or "=" a plain word also counts ("pw: bluebird"),
    unless it is a word that commonly follows "password" in prose.
    """
    v = value.strip("\"'.")
    if len(v) < 3 or v.casefold() in _NOT_A_VALUE or v.startswith(("[", "(", "<", "{")) or v == REMOVED:
        return False
    has_digit = any(c.isdigit() for c in v)
    has_alpha = any(c.isalpha() for c in v)
    has_symbol = any(not c.isalnum() for c in v)
    if has_digit and not has_alpha:
        return len(v.replace("#", "")) >= 4 and not has_symbol or v.rstrip("#").isdigit()
    if has_alpha and (has_digit or (has_symbol and not v.endswith(("ed", "ing")))):
        return len(v) >= 5
    # a lone word: only as the explicit value of "pw:" / "password="
    return strong_separator and len(v) >= 6 and has_alpha and not v.isupper()


def _password_shaped(value: str) -> bool:
    """Upper, lower, digit and symbol in 8+ characters: a password by shape, whatever the words around it."""
    v = value.rstrip(".,;:!?)")
    classes = [any(c.isupper() for c in v), any(c.islower() for c in v), any(c.isdigit() for c in v),
               any(not c.isalnum() for c in v)]
    return len(v) >= 8 and all(classes)


def _keyword_values(text: str) -> list[tuple[int, int]]:
    """Values after credential keywords: "pw is X", "PIN for the console is X", "password: X", "pass X"."""
    spans = []
    for kw in _KEYWORD.finditer(text):
        rest = text[kw.end(): kw.end() + 120]
        candidates = []
        after = _AFTER_KEYWORD.match(rest)
        if after:
            candidates.append((after, after.group("sep") in (":", "=", "->", "=>")))
        word = _NEXT_WORD.match(rest)
        if word and kw.group(0).casefold() not in ("p", "token", "creds", "cred", "pin", "community"):
            candidates.append((word, False))  # "user jsmith pass Spring!2026": only a mixed value counts
        for m, strong in candidates:
            value = m.group("value").rstrip(".:")
            following = rest[m.end("value"):]
            if _ACCOUNT_SHAPE.match(value) or re.match(r"^[ \t]*/[ \t]*\S", following):
                continue  # "creds: svc_backup / ...": the user of a pair, handled by _PAIR
            if _looks_secret(value, strong_separator=strong):
                start = kw.end() + m.start("value")
                spans.append((start, start + len(value)))
                break
    return spans


def _pairs(text: str) -> list[tuple[int, int]]:
    """"NPadmin / Winter2026!Clinic", "admin:Backup!Nas01" where the line talks about an account."""
    spans = []
    for m in _PAIR.finditer(text):
        before = text[max(0, m.start() - 80): m.start()] + " " + m.group("user")
        value = m.group("value")
        if value.casefold() in _NOT_A_VALUE or _ACCOUNT_SHAPE.match(value) or value.startswith("\\") \
                or text[max(0, m.start() - 3): m.start()] == "://":  # a URL's user:password: _URL_PASSWORD
            continue
        mixed_in_account_talk = _looks_secret(value, strong_separator=False) and _ACCOUNT_CONTEXT.search(before)
        word_in_login_talk = _looks_secret(value, strong_separator=True) and _STRONG_CONTEXT.search(text)
        if mixed_in_account_talk or word_in_login_talk or _password_shaped(value):
            spans.append(m.span("value"))
    return spans


def _spans(text: str) -> list[tuple[int, int]]:
    spans: list[tuple[int, int]] = []
    for pattern in _library_patterns():
        for m in pattern.finditer(text):
            # A pattern whose first group is the secret (a URL's password, a quoted key)
            # keeps its context; one whose group is a prefix ("ghp") loses the whole match.
            if m.lastindex and m.start(1) > m.start(0) and m.group(1):
                spans.append(m.span(1))
            else:
                spans.append(m.span(0))
    spans.extend(m.span(0) for m in _PRIVATE_KEY.finditer(text))
    spans.extend(m.span(0) for m in _RECOVERY_KEY.finditer(text))
    spans.extend(m.span("value") for m in _NAMED_HASH.finditer(text))
    spans.extend(m.span("value") for m in _URL_PASSWORD.finditer(text))
    spans.extend(m.span("value") for m in _ASSIGNMENT.finditer(text)
                 if _looks_secret(m.group("value"), strong_separator=True))
    spans.extend(_keyword_values(text))
    spans.extend(_pairs(text))
    spans.extend(m.span("value") for m in _SET_TO.finditer(text)
                 if _looks_secret(m.group("value"), strong_separator=False))
    for m in _COMMAND.finditer(text):
        name = next(n for n in ("p", "ps_", "pl", "nu", "ps") if m.group(n))
        if name != "p" or _looks_secret(m.group(name), strong_separator=False):
            spans.append(m.span(name))
    return spans


def redact(text: str) -> str:
    """``text`` with every credential found replaced by ``[credential removed]``."""
    if not text:
        return text
    spans = sorted(s for s in _spans(text) if s[1] > s[0])
    if not spans:
        return text
    merged: list[list[int]] = []
    for start, end in spans:
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    out, last = [], 0
    for start, end in merged:
        out.append(text[last:start])
        out.append(REMOVED)
        last = end
    out.append(text[last:])
    return "".join(out)


def has_credential(text: str) -> bool:
    return redact(text) != text


def redacted_ticket(ticket: Ticket) -> Ticket:
    """A detached copy of ``ticket`` with credentials removed from its free text.

    A copy, never the session's object: changing that one would write the
    redaction back into the database on the next flush.
    """
    from bot.db.models import Ticket

    title, description = redact(ticket.title), redact(ticket.description or "") or ticket.description
    if title == ticket.title and description == ticket.description:
        return ticket
    return Ticket(**{**ticket.model_dump(), "title": title, "description": description})


def redacted_notes(notes: Sequence[TicketNote]) -> list[TicketNote]:
    """Detached copies of the notes that carry credentials (the others as they are)."""
    from bot.db.models import TicketNote

    out = []
    for note in notes:
        text = redact(note.text)
        out.append(note if text == note.text else TicketNote(**{**note.model_dump(), "text": text}))
    return out
