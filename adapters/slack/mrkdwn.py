"""Slack ``mrkdwn`` text: escaping, links, clipping. Pure.

Slack quirks handled here, each because Slack would otherwise misread our text:

- ``&``, ``<`` and ``>`` are control characters in mrkdwn (``<@U123>`` is a
  mention, ``<!channel>`` pings everyone, ``<url|label>`` is a link). Ticket
  and note text is written by customers and L1 engineers, so it is escaped to
  ``&amp;``/``&lt;``/``&gt;``: a note saying ``<!channel>`` shows as text and
  pings nobody.
- In a link ``<url|label>`` the url may not contain ``|``, ``<``, ``>`` or
  spaces (Slack ends the url there), so those are percent-encoded; the label
  is escaped like any text.
- Slack only links ``http(s)`` and ``mailto`` urls. Handoff's own
  ``handoff://`` names are never shown: packets carry signed https links for
  them (``Packet.links``) when the web pages are on, else the label alone.
"""

from __future__ import annotations

from bot.packets.model import Confidence

# Shortcodes rather than Unicode emoji: they render the same and count as
# plain ASCII towards the message size limit.
LABEL_EMOJI = {"high": ":large_green_circle:", "medium": ":large_yellow_circle:", "low": ":red_circle:"}
LABEL_PLAIN = {"high": "HIGH", "medium": "MEDIUM", "low": "LOW"}


def escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def clip(text: str, limit: int) -> str:
    """At most ``limit`` characters, cut at a word boundary when one is near, with an ellipsis."""
    text = "\n".join(" ".join(line.split()) for line in text.strip().splitlines())
    if len(text) <= limit:
        return text
    cut = text[: max(1, limit - 1)]
    space = cut.rfind(" ")
    if space > limit * 0.6:
        cut = cut[:space]
    return cut.rstrip() + "…"


def plain(text: str, limit: int) -> str:
    """For ``plain_text`` objects (headers, buttons): no escaping, just length."""
    return clip(text, limit)


def _url_safe(url: str) -> str:
    return url.replace(" ", "%20").replace("|", "%7C").replace("<", "%3C").replace(">", "%3E")


def link(url: str, label: str, *, label_limit: int = 80) -> str:
    label = escape(clip(label, label_limit)) or "link"
    if url.startswith(("http://", "https://", "mailto:")):
        return f"<{_url_safe(url)}|{label}>"
    # Not linkable in Slack (a handoff:// name without a signed link): the label alone.
    return label


def confidence_line(confidence: Confidence, *, reason_limit: int = 160) -> str:
    """``:large_green_circle: *HIGH 0.86* · reason``: colour, word and score, so it reads without colour too."""
    label = confidence.label
    line = f"{LABEL_EMOJI[label]} *{LABEL_PLAIN[label]} {confidence.score:.2f}*"
    if confidence.reason:
        line += f" · {escape(clip(confidence.reason, reason_limit))}"
    return line
