"""A mock-up of how Slack draws a Block Kit message, as static HTML, for screenshots and for looking.

Not Slack's renderer: enough of header, section (with a select accessory),
context and actions blocks to see the glance as an engineer would. mrkdwn
links, bold, italics and emoji shortcodes are drawn approximately.
"""

from __future__ import annotations

import html
import re
from typing import Any

# Drawn as coloured dots with CSS (the test machine has no emoji font).
EMOJI = {":large_green_circle:": '<span class="dot g"></span>', ":large_yellow_circle:": '<span class="dot y"></span>',
         ":red_circle:": '<span class="dot r"></span>', ":information_source:": "(i)", ":page_facing_up:": "▤",
         ":+1:": "+1", ":pencil2:": "✎"}
_LINK = re.compile(r"<(https?://[^|>]+)\|([^>]*)>")


def _text(piece: str) -> str:
    out = html.escape(html.unescape(piece), quote=False)
    out = re.sub(r"\*([^*\n]+)\*", r"<b>\1</b>", out)
    for code, char in EMOJI.items():
        out = out.replace(code, char)
    return out


def mrkdwn(text: str) -> str:
    out, pos = [], 0
    for match in _LINK.finditer(text):
        out.append(_text(text[pos:match.start()]))
        out.append(f'<a href="{html.escape(match.group(1))}">{html.escape(html.unescape(match.group(2)))}</a>')
        pos = match.end()
    out.append(_text(text[pos:]))
    joined = "".join(out)
    joined = re.sub(r"(?<![\w/=])_([^_\n]+?)_(?![\w])", r"<i>\1</i>", joined)
    return joined.replace("\n", "<br>")


def block_html(block: dict[str, Any]) -> str:
    kind = block["type"]
    if kind == "header":
        return f'<h2 class="hd">{html.escape(block["text"]["text"])}</h2>'
    if kind == "section":
        accessory = block.get("accessory")
        side = ""
        if accessory and accessory["type"] == "static_select":
            side = f'<span class="sel">{html.escape(accessory["placeholder"]["text"])} ▾</span>'
        elif accessory and accessory["type"] == "overflow":
            side = '<span class="sel">⋯</span>'
        return f'<div class="sec"><div>{mrkdwn(block["text"]["text"])}</div>{side}</div>'
    if kind == "context":
        return '<div class="ctx">' + " ".join(mrkdwn(e["text"]) for e in block["elements"]) + "</div>"
    if kind == "actions":
        return '<div class="act">' + " ".join(
            f'<span class="btn">{html.escape(e["text"]["text"])}</span>' for e in block["elements"]) + "</div>"
    return ""


def page(blocks: list[dict[str, Any]], *, title: str = "Slack mock-up") -> str:
    body = "\n".join(block_html(b) for b in blocks)
    return f"""<!doctype html><html><head><meta charset="utf-8"><title>{html.escape(title)}</title><style>
body {{ font: 15px/1.46 Lato, "Segoe UI", sans-serif; color: #1d1c1d; background: #fff; margin: 0; }}
.msg {{ display: flex; gap: 8px; padding: 12px 20px; max-width: 760px; }}
.av {{ width: 36px; height: 36px; border-radius: 6px; background: #4a154b; flex: none; }}
.who b {{ margin-right: 6px; }} .who span {{ color: #616061; font-size: 12px; }}
.hd {{ font-size: 18px; margin: 4px 0; }} .sec {{ display: flex; justify-content: space-between; gap: 12px; margin: 6px 0; }}
.sel {{ border: 1px solid #bbb; border-radius: 4px; padding: 2px 8px; font-size: 13px; white-space: nowrap; height: fit-content; }}
.ctx {{ color: #616061; font-size: 12.5px; margin: 2px 0 8px; }} a {{ color: #1264a3; text-decoration: none; }}
.btn {{ border: 1px solid #bbb; border-radius: 4px; padding: 4px 12px; font-weight: 700; font-size: 13px; }}
.act {{ margin: 10px 0; }} .dot {{ display: inline-block; width: 11px; height: 11px; border-radius: 50%; }}
.dot.g {{ background: #2eb67d; }} .dot.y {{ background: #ecb22e; }} .dot.r {{ background: #e01e5a; }}
</style></head><body><div class="msg"><div class="av"></div><div><div class="who"><b>Handoff</b><span>APP 03:12</span></div>
{body}</div></div></body></html>"""
