"""A stored report draft's Markdown as blocks for the report template. Pure.

The drafts are written by ``bot.reporting.reports.render_markdown`` in a small,
known shape (``#``/``##`` headings, ``- `` bullets, ``_emphasis_`` lines,
``[label](url)`` links, client text backslash-escaped), so this reads exactly
that shape instead of pulling in a Markdown engine. Nothing here produces
HTML: the template escapes every piece, and only http(s) URLs or signed
links (``links``) become ``href``s, so client text can never become markup.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

_LINK = re.compile(r"\[((?:\\.|[^\]\\])*)\]\(([^)\s]*)\)")
_ESCAPED = re.compile(r"\\(.)")


@dataclass
class Inline:
    text: str
    href: str | None = None
    emphasis: bool = False


@dataclass
class Block:
    kind: str  # h1 | h2 | p | li
    inlines: list[Inline] = field(default_factory=list)


def _unescape(text: str) -> str:
    return _ESCAPED.sub(r"\1", text)


def _href(url: str, links: dict[str, str]) -> str | None:
    url = url.replace("%20", " ").replace("%28", "(").replace("%29", ")")
    if url.startswith("handoff://"):
        return links.get(url)
    return url if url.startswith(("https://", "http://")) else None


def inlines(text: str, links: dict[str, str]) -> list[Inline]:
    out: list[Inline] = []
    pos = 0
    for match in _LINK.finditer(text):
        out += _emphasis(text[pos:match.start()])
        out.append(Inline(_unescape(match.group(1)), href=_href(match.group(2), links)))
        pos = match.end()
    out += _emphasis(text[pos:])
    return [i for i in out if i.text]


def _emphasis(text: str) -> list[Inline]:
    """``_..._`` spans (the draft's own, around confidence notes); escaped underscores stay literal."""
    parts: list[Inline] = []
    for i, piece in enumerate(re.split(r"(?<!\\)_", text)):
        parts.append(Inline(_unescape(piece), emphasis=i % 2 == 1))
    return parts


def blocks(markdown: str, links: dict[str, str]) -> list[Block]:
    out: list[Block] = []
    for line in markdown.splitlines():
        line = line.rstrip()
        if not line:
            continue
        if line.startswith("## "):
            out.append(Block("h2", inlines(line[3:], links)))
        elif line.startswith("# "):
            out.append(Block("h1", inlines(line[2:], links)))
        elif line.startswith("- "):
            out.append(Block("li", inlines(line[2:], links)))
        else:
            out.append(Block("p", inlines(line, links)))
    return out
