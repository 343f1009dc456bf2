"""Reading ticket notes: what L1 tried, what the customer was asked and answered.

Extractive and rule-based on purpose: a sentence is reported as it was
written, with the note it came from, so the engineer can check it in one
click. The rules are deliberately about the *shape* of a sentence (an action
verb, an outcome, a question mark, who wrote it), never about its content: a
note that says "ignore previous instructions" is just a sentence without an
action verb, and is not reported at all.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from bot.db.models import Ticket, TicketNote
from bot.text import clip, one_line

# Verbs an engineer uses to report an action, past tense or imperative-ish
# shorthand ("restarted DFSR", "ran dcdiag", "cleared spooler").
ACTION_VERBS = (
    "ran|re-ran|reran|restarted|rebooted|checked|cleared|reset|reinstalled|updated|tested|pinged|verified|"
    "confirmed|flushed|forced|re-registered|reregistered|removed|disabled|enabled|moved|replaced|"
    "power-cycled|power cycled|rolled back|tried|applied|killed|stopped|started|deleted|re-added|readded|"
    "reconnected|re-enrolled|reenrolled|synced|resynced|remoted|looked at|reviewed|rebuilt|recreated|"
    "re-created|renewed|unlocked|reseated|swapped|ran a|did a|cleaned|purged|repaired|retried|"
    "rescanned|re-seeded|reseeded|increased|extended|expanded|mapped|re-mapped|bounced|failed over|"
    "compared|traced|captured|collected|exported|imported|installed|uninstalled|upgraded|downgraded|"
    "patched|scanned|quarantined|isolated|blocked|whitelisted|excluded|added|set|changed|turned|"
    "opened|closed|cycled|escalated to vendor|called|engaged|resumed|paused|unpaused|remounted|re-mounted|"
    "reapplied|re-applied|pulled|logged|revoked|issued|re-ran|calibrated|loaded|re-loaded|reloaded|"
    "re-authorised|re-authorized|reauthorised|reauthorized|authorised|authorized|handed|gave|given|asked|had|"
    "unplugged|replugged|re-plugged|re-seated|vacuumed|remounted|recalibrated|"
    # L1 shorthand: "chkd sql01 agent jobs", "rbtd spooler", "rstd svc"
    "chkd|chk'd|rbtd|rebooted|rstd|rst'd|restartd|reinst|re-inst|upd'd|verif'd|tstd|"
    # German participles, as DACH engineers write them between English ones ("Spooler auf PS01 neu gestartet")
    "neu gestartet|neugestartet|gestartet|gestoppt|geprüft|getestet|gelöscht|installiert|deinstalliert|"
    "aktualisiert|zurückgesetzt|entfernt|hinzugefügt|kontrolliert|geändert|angepasst|getauscht|ersetzt"
)
_ACTION = re.compile(rf"(^|[\s;,(-])(I |we |L1 |tech )?({ACTION_VERBS})\b", re.IGNORECASE)
_OUTCOME = re.compile(
    r"(no change|still|didn'?t|did not|doesn'?t|does not|no luck|no joy|same (error|result)|fixed|resolved|"
    r"worked|works|succeeded|success|fail(s|ed)?|error|shows?|showed|returned|came back|reports?|->|=>|: |"
    r"clean|healthy|ok\b|fine|passed|timed? out|unchanged|back up|came up|green|red)",
    re.IGNORECASE,
)
_SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9\"'(])|\n+")
_STAFF_MARK = re.compile(r"\((L[1-3]|NOC|tech|engineer|service ?desk|helpdesk|help desk)\)|\bL[1-3]\b", re.IGNORECASE)


def sentences(text: str) -> list[str]:
    return [s.strip() for s in _SENTENCE.split(text) if s and s.strip()]


@dataclass(frozen=True)
class TriedStep:
    note: TicketNote
    text: str
    shape: str  # action | command | observation | finding | told: how the note reads as a work-log entry
    has_outcome: bool


# A command or tool at the start of a sentence: "repadmin /replsummary ...",
# "Get-ADUser ...", "dcdiag /s:DC01", "CBS.log: ...".
_COMMAND = re.compile(
    # an optional shell prompt first: "PS C:\> Get-PrintJob ...", "$ df -h", "root@wms01:~# ..."
    r"^\W*(?:PS [A-Za-z]:\\[^>]*>\s*|[\w.-]+@[\w.-]+:[^$#]*[$#]\s*|[$#]\s+)?((repadmin|dcdiag|nslookup|ping|tracert|pathping|w32tm|vssadmin|ipconfig|netsh|gpresult|gpupdate|dsregcmd|"
    r"sfc|dism|wevtutil|klist|nltest|portqry|netstat|df|du|wiztree|mpcmdrun|certutil|robocopy|icacls|"
    r"psexec|winrm|sc|net|arp|route|systemctl|journalctl|timedatectl|chronyc|lsblk|uptime|grep|"
    r"curl|dig|traceroute|mtr|zpool|smartctl)\b|(get|set|test|add|remove|new|start|stop|restart|invoke|enable|disable|"
    r"clear|reset|update|search|export|import|resolve|repair)-[a-z]+\b)",
    re.IGNORECASE,
)
# "<something> on <HOST>: <finding>" / "Sign-in logs: ..." / "Event 4740 ...": a finding with its evidence.
_OBSERVATION = re.compile(
    r"^(?:[^.:!?]|\.(?=\w)){2,60}:\s+\S|\b(event( id)?|error|code|kb)\s?\d{3,}|0x[0-9a-f]{6,}|\d+(\.\d+)?\s?(gb|tb|mb|%)"
    # findings in shorthand: "last good 02:10", "key ID 4A1F", "went to 7.0.1", "-> False"
    r"|\blast (good|successful|ok|clean)\b|\b(id|code|status)\s*[:=]?\s*[0-9a-f]{4,}\b|\bv?\d+\.\d+\.\d+\b|(->|=>)\s*\S"
    r"|\b(change|incident) (ticket|request)\s*#?\d+|\bno (new|more|further)\b[^.;]{0,20}\b\d{3,5}\b"
    r"|\b(page|log|logs|console|portal|status|dashboard)\s+(shows?|showed|says|reports?|reported)\b"
    # terse findings: "40G", "1.1T", "failed x2", "3x interrupted", "up/up", "retention = keep all",
    # "<thing> - works", "only j.ferris affected, others fine", a workaround "for now"
    r"|\b\d+(\.\d+)?\s?(g|t|gib|tib)\b|\bx\d+\b|\b\d+x\b|\b(up|down)/(up|down)\b|\w\s?=\s?\w"
    r"|\s[-\u2013]\s*(works|worked|fails?|failed|ok|fine|same|no change|nope|nothing)\b"
    r"|\b(affected|unaffected)\b[^.;]{0,20}\b(others?|rest|everyone)\b|\bfor now\b|\bin the meantime\b",
    re.IGNORECASE)
# "<host> up, RDP ok", "LAB-SRV online in RMM", "only one DC (DC01) in this domain": a device and its state.
_HOST = r"(\b[A-Za-z][A-Za-z0-9]*(-[A-Za-z0-9]+)*\d+[A-Za-z0-9]*\b|\b[A-Z]{2,}(-[A-Z0-9]+)+\b)"
_STATE = re.compile(
    rf"^\W*{_HOST}\s+(is |was |still )?(up|down|online|offline|ok|fine|healthy|reachable|unreachable|stable|"
    r"running|stopped|listening|no|not|has no)\b|\bonly (one|1|a single)\b[^.;]{0,20}" + _HOST
    + r"|^\W*\d{3,5} on " + _HOST,
)
# "> 'graphs stopped at 2am' (Hannah)": someone else's words quoted into the log, not a step L1 took.
_QUOTE = re.compile(r"^\s*>")
_ESCALATION = re.compile(r"^\W*(escalat\w*|sending (this )?to l2|over to l2|passing to l2)\b", re.IGNORECASE)
_RESOLUTION = re.compile(
    r"\b(resolved|fixed|working again|works again|confirmed working|now works|no further|no more|since the fix|"
    r"cleared|flowing again|all good|back (up|online|to normal)|closing|test page ok|synced, no errors|"
    r"granted|unlocked, no|installed after|no lockouts)\b",
    re.IGNORECASE,
)


# A state noted without the evidence ``_OBSERVATION`` asks for: "staff wifi + office lan fine", "nobody in
# office can print", "guest vlan40 clients get 169.254 addr", "peer UNIT9-RTR red since 06:41". In an
# internal note before the escalation that is a finding L1 made; reported at lower confidence ("finding").
_FINDING = re.compile(
    r"\b(fine|ok|okay|good|bad|red|green|amber|reachable|unreachable|online|offline|down|up|working|broken|dead|"
    r"blank|empty|full|missing|slow|stuck|hung|frozen|crash\w*|errors?|fail\w*|can'?t|cannot|unable|won'?t|"
    r"nobody|no one|everyone|only|none|gets?|getting|got|shows|showing|showed|noticed|seeing|sees|saw|says|said|"
    r"since|affected|works?|still|again|expired|locked|invalid|intermittent\w*|drops?|dropping|dropped)\b",
    re.IGNORECASE)
# Not findings: a rule for the next engineer ("pls no sw-core reboot during shift"), a plan ("will call
# back"), a pointer to another ticket ("8021 looks similar - check", "linking to 4412"), a guess ("sd card
# full again??"; a question in L1's own log is a hypothesis, not a result), an instruction ("ignore ...").
_REMARK = re.compile(
    r"^\W*(ignore|disregard|forget|pls|please|do not|don'?t|dont|never|note:|fyi|reminder|todo|will|going to|need to|needs|should|"
    r"waiting|linking|link|see|dup|duplicate|same as|similar to|related|probably|maybe|might)\b"
    r"|\b\d{3,6}\b[^.;]{0,25}\b(looks similar|similar|related|dup\w*)\b|\?"
    # an escalation note restates what the steps found ("Still no DNS validation ... Escalating so L2 ...");
    # waiting on a person is about the person, not the system ("Howard never called back")
    r"|\bescalat|\bclosing\b|\bwaiting (on|for)\b|\bnever (called|replied|answered|got back|came back)\b"
    r"|\bno (reply|answer|response|word) (yet|from)\b", re.IGNORECASE)
# A customer-visible note where the MSP reports what it did ("I've restarted your router", "we reset your
# password", "Reception has been given the spare laptop"). Telling the customer about the escalation or
# asking them something is not a step (the customer-contact item and "asked" cover those).
_TOLD_NOT_STEP = r"escalat\w*|handed|passed|asked|told|informed|let|updated|emailed|sent|called|engaged|logged|had"
_TOLD_STEP = re.compile(
    rf"\b(I|we)('ve| have| had)?\s+(just |already |now |also )?(?!(?:{_TOLD_NOT_STEP})\b)({ACTION_VERBS})\b"
    rf"|\b(has|have) been (?!(?:{_TOLD_NOT_STEP})\b)({ACTION_VERBS})\b"
    # "restartd ur harbor firewall remotly": a step done on the customer's own thing, however typed
    rf"|\b(?!(?:{_TOLD_NOT_STEP})\b)({ACTION_VERBS})\s+(your|ur|yr)\b",
    re.IGNORECASE)


# "Howard never called back": a verb that did not happen is not a step.
_NEGATED = re.compile(r"\b(never|not|didn'?t|did not|no one|nobody)\s+$", re.IGNORECASE)


def _actions(part: str) -> list[re.Match[str]]:
    return [m for m in _ACTION.finditer(part) if not _NEGATED.search(part[:m.start(3)])]


def _shape(text: str) -> str:
    parts = sentences(text)
    if any((ms := _actions(p)) and ms[0].start(3) <= 4 for p in parts):
        return "action"
    # A command may follow a remark in the same sentence ("Same as Sept ticket. vssadmin list writers ...":
    # a lowercase command does not start a new sentence for ``sentences``).
    if any(_COMMAND.search(c) for p in parts for c in re.split(r"[.;]\s+", p)):
        return "command"
    if any(_actions(p) for p in parts):
        return "action"
    if any(_OBSERVATION.search(p) or _STATE.search(p) for p in parts):
        return "observation"
    if _FINDING.search(text) and not _REMARK.search(text):
        return "finding"
    return "plain"


def tried_steps(notes: Sequence[TicketNote], ticket: Ticket) -> list[TriedStep]:
    """L1's work log: internal notes up to the escalation, in the order written.

    Internal notes are written by engineers for engineers, so nearly all are
    work-log entries: something run or changed, or something looked at and
    what it showed. Left out: notes announcing the escalation (they restate,
    they don't add), notes after the escalation (L2's own work) and, on a
    resolved ticket, the notes reporting the fix (they belong to the ticket's
    history, not to what was tried). ``shape`` says how clearly a note reads as
    a work-log entry; the packet's confidence rests on it.
    """
    steps = []
    resolved = ticket.status in ("resolved", "closed")
    internal = [n for n in notes if n.visibility == "internal"]
    last_internal = internal[-1] if internal else None
    staff = staff_authors(notes)
    for note in notes:
        if ticket.escalated_at and note.at and note.at > ticket.escalated_at:
            continue
        if note.visibility != "internal":
            if (told := _told_step(note, ticket, staff)) is not None:
                steps.append(told)
            continue
        text = one_line(note.text)
        if _ESCALATION.search(text) or _QUOTE.match(text):
            continue
        # The fix is the last internal note of a resolved ticket ("cleared the queue" earlier is a step).
        if (resolved and note is last_internal and _RESOLUTION.search(text)
                and not (ticket.escalated_at and note.at and note.at <= ticket.escalated_at)):
            continue
        shape = _shape(text)
        if shape == "plain":
            # No action, no command, no finding: a remark ("Hmm.", "linking to 4412"),
            # or text that only looks like an instruction. Not a step.
            continue
        if shape == "finding" and resolved and note is last_internal:
            continue  # "Reboot done, patch status green.": the state the fix left, not a step before it
        steps.append(TriedStep(note=note, text=clip(text, 400), shape=shape,
                               has_outcome=bool(_OUTCOME.search(text))))
    return steps


def _told_step(note: TicketNote, ticket: Ticket, staff: set[str]) -> TriedStep | None:
    """A step the MSP reported to the customer in a customer-visible note (see ``_TOLD_STEP``)."""
    if note.visibility != "customer" or is_customer_author(note, ticket, staff):
        return None
    text = one_line(note.text)
    if ticket.status in ("resolved", "closed") and _RESOLUTION.search(text):
        return None  # "we've fixed it, closing": the fix, not a step tried before it
    if not any(_TOLD_STEP.search(p) for p in sentences(text)):
        return None
    return TriedStep(note=note, text=clip(text, 400), shape="told", has_outcome=bool(_OUTCOME.search(text)))


@dataclass(frozen=True)
class AskedQuestion:
    note: TicketNote
    question: str
    answer: TicketNote | None
    answer_text: str | None


def staff_authors(notes: Sequence[TicketNote]) -> set[str]:
    """Authors who wrote internal notes are MSP staff: customers never see those."""
    return {n.author.strip().casefold() for n in notes if n.visibility == "internal" and n.author}


def is_customer_author(note: TicketNote, ticket: Ticket, staff: set[str]) -> bool:
    author = (note.author or "").strip()
    if not author:
        return False
    if author.casefold() in staff or _STAFF_MARK.search(author):
        return False
    if ticket.contact:
        contact = ticket.contact.casefold()
        first = contact.split()[0] if contact.split() else contact
        name = author.casefold()
        if contact in name or name in contact or name.split()[0] == first:
            return True
    # A customer-visible note by someone who never wrote an internal note and
    # carries no staff marker: the client (or someone on their side).
    return True


def asked_questions(notes: Sequence[TicketNote], ticket: Ticket) -> list[AskedQuestion]:
    """Questions the MSP put to the customer, each with the customer's next reply."""
    staff = staff_authors(notes)
    visible = [n for n in notes if n.visibility == "customer"]
    out = []
    for index, note in enumerate(visible):
        if is_customer_author(note, ticket, staff):
            continue
        questions = [s for s in sentences(note.text) if s.endswith("?")]
        if not questions:
            continue
        answer = next((n for n in visible[index + 1 :] if is_customer_author(n, ticket, staff)), None)
        out.append(
            AskedQuestion(
                note=note,
                question=clip(" ".join(_strip_greeting(q) for q in questions), 300),
                answer=answer,
                answer_text=clip(answer.text, 300) if answer else None,
            )
        )
    return out


_GREETING = re.compile(r"^(hi|hello|hey|dear|good (morning|afternoon|evening))\b[^,]{0,30},\s*", re.IGNORECASE)


def _strip_greeting(text: str) -> str:
    return _GREETING.sub("", text).strip()
