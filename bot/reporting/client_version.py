"""The client version of a report as Markdown, its plain-language narrative, and what the internal
version adds about it (where each number comes from, what was left out and why). Pure.

The narrative without a model is extractive: sentences built from the review's
numbers, in the client's words, each citing the internal statements it rests on
(``cites``), each passed through the ``ClientGate`` like everything else the
client reads. ``bot.reporting.narrative`` may replace the first two parts with a
model's sentences, checked the same way.
"""

from __future__ import annotations

from typing import Any

from bot.reporting.client_check import ClientGate
from bot.reporting.reports import esc
from bot.reporting.service_review import ServiceReview


def _s(n: int, one: str, many: str | None = None) -> str:
    return f"{n} {one if n == 1 else (many or one + 's')}"


def _unit(review: ServiceReview) -> str:
    return "quarter" if "Q" in review.period else "month"


def _cites(*items: dict[str, Any]) -> list[str]:
    return [str(i["evidence"]) for i in items if i.get("evidence")]


def narrative(review: ServiceReview, gate: ClientGate) -> dict[str, Any]:
    """What happened this period, what we did, what we recommend: plain sentences with their evidence."""
    t, unit = review.totals, _unit(review)
    happened = [(f"In {review.period_label} we handled {_s(t['opened'], 'new request')} from "
                 f"{review.client_name}, compared with {t['last']} the {unit} before.", _cites(t))]
    top = sorted((c for c in review.categories if c["opened"]), key=lambda c: (-c["opened"], c["label"]))[:2]
    if top:
        about = " and ".join(f"{c['label'].lower()} ({c['opened']})" for c in top)
        happened.append((f"Most were about {about}.", _cites(*top)))
    if review.incidents:
        happened.append((f"{_s(len(review.incidents), 'incident')} needed special attention; "
                         f"{'it is' if len(review.incidents) == 1 else 'they are'} described below.",
                         _cites(*review.incidents)))
    did = [(f"We resolved {_s(t['resolved'], 'request')} this {unit}" + (
        f"; {t['still_open']} of the new ones {'is' if t['still_open'] == 1 else 'are'} still open." if t["still_open"]
        else ", and none of the new ones is still open."), _cites(t))]
    answered = sum(r["response_met"] for r in review.targets if r["response_target"])
    asked = sum(r["response_n"] for r in review.targets if r["response_target"])
    fixed = sum(r["resolution_met"] for r in review.targets if r["resolution_target"])
    closed = sum(r["resolution_n"] for r in review.targets if r["resolution_target"])
    if asked or closed:
        did.append((f"We answered {answered} of {asked} requests within the agreed response time and resolved "
                     f"{fixed} of {closed} within the agreed resolution time.", _cites(*review.targets)))
    a = review.alerts
    if a.get("total"):
        did.append((f"Our monitoring raised {_s(a['total'], 'alert')}; we grouped them into "
                    f"{_s(a['signals'], 'issue')}, of which {a['actionable_total']} needed action.", _cites(a)))
    recs = review.recommendations
    first = recs[0]["title"][:1].lower() + recs[0]["title"][1:] if recs else ""
    recommend = [(f"We make {_s(len(recs), 'recommendation')} to prevent repeat problems (see Recommendations); "
                  f"the first concerns {first}.", _cites(*recs))] if recs else \
        [(f"We have no new recommendations this {unit}: no problem came back repeatedly.", _cites(t))]
    parts: dict[str, Any] = {"writer": "plain"}
    for name, sentences in (("happened", happened), ("did", did), ("recommend", recommend)):
        kept = []
        for text, cites in sentences:
            problem = gate.problem(text)
            if problem is None and cites:
                kept.append({"text": text, "cites": cites})
            else:
                review.leave_out(f"a summary sentence ({text[:60]}...)", problem or "no evidence", None)
        parts[name] = kept
    return parts


def client_markdown(review: ServiceReview) -> str:
    """What the account manager sends: no sources, no commands, no internal notes, no links."""
    unit = _unit(review).capitalize()
    n = review.narrative
    lines = [f"# {esc(review.client_name)}: service report, {review.period_label}", "",
             f"Prepared by {esc(review.msp_name)} for {esc(review.client_name)}.", "", "## Summary", ""]
    for part, title in (("happened", "What happened"), ("did", "What we did"), ("recommend", "What we recommend")):
        if n.get(part):
            lines.append(f"**{title}.** " + " ".join(esc(s["text"], 400) for s in n[part]))
            lines.append("")
    lines += ["## Tickets by category", "", f"| Category | {unit} before | New this {unit.lower()} | "
              f"Resolved this {unit.lower()} |", "|---|---:|---:|---:|"]
    for c in review.categories:
        if c["opened"] or c["resolved"] or c["last"]:
            lines.append(f"| {c['label']} | {c['last']} | {c['opened']} | {c['resolved']} |")
    t = review.totals
    lines += [f"| **Total** | {t['last']} | {t['opened']} | {t['resolved']} |", ""]
    lines += ["## Response and resolution against targets", "",
              "| Priority | Requests | Answered within target | Resolved within target |", "|---|---:|---|---|"]
    for r in review.targets:
        answered = f"{r['response_met']} of {r['response_n']} (target {r['response_target']})" \
            if r["response_target"] and r["response_n"] else "-"
        resolved = f"{r['resolution_met']} of {r['resolution_n']} (target {r['resolution_target']})" \
            if r["resolution_target"] and r["resolution_n"] else "-"
        lines.append(f"| {r['label']} | {r['tickets']} | {answered} | {resolved} |")
    if not review.targets:
        lines.append("| - | 0 | - | - |")
    a = review.alerts
    lines += ["", "## Monitoring", "", f"Our monitoring raised {a.get('total', 0)} alerts this "
              f"{unit.lower()}. Triage grouped them into {a.get('signals', 0)} issues; "
              f"{a.get('actionable_total', 0)} needed action, the rest cleared by themselves.", ""]
    lines += ["## Notable incidents", ""]
    for i in review.incidents:
        lines.append(f"- **{i['when']}: {esc(i['felt'], 160)}** ({i['priority']}). {esc(i['done'], 300)}"
                     + (f" {i['prevent']}" if i["prevent"] else ""))
    if not review.incidents:
        lines.append("No incidents needed special attention.")
    lines += ["", "## Recommendations", ""]
    for k, r in enumerate(review.recommendations, 1):
        lines.append(f"{k}. **{esc(r['title'], 120)}.** {esc(r['text'], 400)}")
    if not review.recommendations:
        lines.append("No problem came back repeatedly, so we have no new recommendations.")
    lines += ["", "## Still open", ""]
    for o in review.still_open:
        lines.append(f"- {esc(o['text'], 160)} (since {o['since']}, {o['state']})")
    if not review.still_open:
        lines.append("Nothing from this period is still open.")
    return "\n".join(lines) + "\n"


def internal_additions(review: ServiceReview) -> str:
    """The internal version's sections about the client version: every number's and item's evidence id."""
    lines = ["", "## Client version: where each number comes from", "",
             "| Client version | Numbers | Evidence |", "|---|---|---|"]
    t = review.totals
    lines.append(f"| Total requests | {t['last']} / {t['opened']} / {t['resolved']} | {t.get('evidence') or '-'} |")
    for c in review.categories:
        if c["opened"] or c["resolved"] or c["last"]:
            lines.append(f"| {c['label']} | {c['last']} / {c['opened']} / {c['resolved']} | {c['evidence']} |")
    for r in review.targets:
        lines.append(f"| {r['label']} | response {r['response_met']} of {r['response_n']}, resolution "
                     f"{r['resolution_met']} of {r['resolution_n']} | {r['evidence'] or '-'} |")
    for k, r in enumerate(review.recommendations, 1):
        lines.append(f"| Recommendation {k}: {esc(r['title'], 80)} | {r['alerts']} alerts, {r['episodes']} "
                     f"episodes | {r['evidence']} |")
    for part in ("happened", "did", "recommend"):
        for s in review.narrative.get(part, []):
            lines.append(f"| Summary: {esc(s['text'], 90)} | - | {', '.join(s['cites'])} |")
    lines += ["", "## Left out of the client version", ""]
    for item in review.left_out:
        lines.append(f"- {esc(item['what'], 120)}: {item['why']}" + (f" ({item['evidence']})" if item["evidence"]
                                                                     else "."))
    if not review.left_out:
        lines.append("_Nothing: every piece of text from the data passed the client checks._")
    lines.append(f"\n_Summary written by: {review.narrative.get('writer', 'plain')}._")
    return "\n".join(lines) + "\n"
