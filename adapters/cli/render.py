"""A packet for the terminal: readable at 2 a.m., sources one glance away. Pure."""

from __future__ import annotations

import textwrap

from bot.packets.model import SECTION_TITLES, SECTIONS, Packet

LABEL_MARK = {"high": "●●●", "medium": "●●○", "low": "●○○"}


def render(packet: Packet, *, width: int = 100) -> str:
    t = packet.ticket
    head = f"Ticket #{t.id} · {t.client_name or t.tenant}"
    if t.device:
        head += f" · {t.device}"
    lines = [head, t.title, f"{t.status} · {t.priority or '-'} · {t.category or '-'} · {t.url}"]
    lines.append(f"packet {packet.packet_id or '-'} · built {packet.generated_at:%Y-%m-%d %H:%M} UTC · writer: {packet.writer}")
    for note in packet.notes:
        lines.append(f"note: {note}")
    for section in SECTIONS:
        claims = packet.section(section)
        lines.append("")
        lines.append(f"== {SECTION_TITLES[section]} ({len(claims)})")
        if not claims:
            lines.append("   (nothing)")
        for claim in claims:
            mark = LABEL_MARK[claim.confidence.label]
            body = textwrap.fill(claim.text, width=width, initial_indent=f"{claim.id:>4} ", subsequent_indent="     ")
            lines.append(body)
            lines.append(
                f"     {mark} {claim.confidence.label} {claim.confidence.score:.2f} · {claim.confidence.reason}"
            )
            for source in claim.sources:
                lines.append(f"     ↳ {source.kind} {source.id}: {source.url}")
    return "\n".join(lines)
