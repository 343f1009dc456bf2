"""Documents and past tickets into chunks: the units the index stores.

Markdown is split at its headings. Each section keeps its heading path (the
titles of the headings above it) and the GitHub-style anchor of its own
heading, so that a citation links to the section (``url#anchor``). A section
longer than the embedding model's window is split into overlapping windows
that all keep the section's path and anchor.

Past tickets become one chunk (or a few, when long) of title, description,
device, category and notes: the problem and how it was resolved.

Everything here is pure: no model, no database, no Qdrant.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

# Bump when chunking changes: every source's hash changes with it, so the
# next incremental index run re-chunks everything.
CHUNKER_VERSION = "1"

# all-MiniLM-L6-v2 reads 256 word pieces; technical English runs about 1.3
# pieces per word, so 170 words fit with room for the title line.
MAX_WORDS = 170
OVERLAP_WORDS = 35

TICKET_KINDS_INDEXED = ("resolved", "closed")

_FENCE = re.compile(r"^\s{0,3}(`{3,}|~{3,})")
_ATX = re.compile(r"^\s{0,3}(#{1,6})[ \t]+(.*?)[ \t]*#*[ \t]*$")
_LINK = re.compile(r"!?\[([^\]]*)\]\([^)]*\)")
_HTML_TAG = re.compile(r"<[^>]+>")


@dataclass(frozen=True)
class Section:
    heading_path: tuple[str, ...]
    anchor: str
    text: str


@dataclass(frozen=True)
class Chunk:
    """One indexed unit. ``source`` names what it came from (``doc:<path>`` or ``ticket:<id>``)."""

    tenant: str
    source: str
    seq: int
    kind: str
    title: str
    url: str
    text: str
    heading_path: tuple[str, ...] = ()
    anchor: str = ""
    doc_path: str | None = None
    ticket_id: str | None = None
    devices: tuple[str, ...] = field(default_factory=tuple)

    @property
    def embed_text(self) -> str:
        """What the models read: the title and heading path give a short section its context."""
        context = " > ".join([self.title, *self.heading_path])
        if self.devices and self.kind != "ticket":  # a ticket's text names its device already
            context += "\nDevices: " + ", ".join(self.devices)
        return f"{context}\n{self.text}"

    @property
    def link(self) -> str:
        return f"{self.url}#{self.anchor}" if self.anchor else self.url


# --- anchors -------------------------------------------------------------------

def heading_text(raw: str) -> str:
    """A heading's visible text: links become their text, code ticks and emphasis marks go."""
    text = _LINK.sub(r"\1", raw)
    text = _HTML_TAG.sub("", text)
    text = text.replace("`", "")
    text = re.sub(r"(\*\*|__|\*|(?<!\w)_|_(?!\w))", "", text)
    return text.strip()


def slugify(heading: str) -> str:
    """GitHub's anchor for a heading (before de-duplication).

    Lowercase; every character that is not a letter, a digit, a space, '-' or
    '_' is removed; each space becomes '-'. ``Event ID 1311: KCC`` ->
    ``event-id-1311-kcc``.
    """
    out = []
    for ch in heading_text(heading).lower():
        if ch == " ":
            out.append("-")
        elif ch in "-_" or unicodedata.category(ch)[0] in ("L", "N"):
            out.append(ch)
    return "".join(out)


class AnchorNamer:
    """De-duplicates anchors within one document the way GitHub does: x, x-1, x-2."""

    def __init__(self) -> None:
        self._seen: dict[str, int] = {}

    def __call__(self, heading: str) -> str:
        base = slugify(heading)
        if base not in self._seen:
            self._seen[base] = 0
            return base
        while True:
            self._seen[base] += 1
            candidate = f"{base}-{self._seen[base]}"
            if candidate not in self._seen:
                self._seen[candidate] = 0
                return candidate


# --- Markdown sections -----------------------------------------------------------

def split_markdown(body: str) -> list[Section]:
    """Sections of a Markdown body at its ATX headings (``#`` .. ``######``).

    Lines inside fenced code blocks are never headings. Text before the first
    heading is a section with an empty path and no anchor. Sections without
    text of their own (a heading directly followed by a sub-heading) are
    dropped; their title lives on in the sub-sections' paths.
    """
    sections: list[Section] = []
    namer = AnchorNamer()
    stack: list[tuple[int, str]] = []  # (level, heading text)
    anchor = ""
    lines: list[str] = []
    fence: str | None = None

    def flush() -> None:
        text = "\n".join(lines).strip()
        if text:
            sections.append(Section(tuple(h for _, h in stack), anchor, text))
        lines.clear()

    for line in body.splitlines():
        fence_match = _FENCE.match(line)
        if fence is not None:
            if fence_match and fence_match.group(1)[0] == fence[0] and len(fence_match.group(1)) >= len(fence):
                fence = None
            lines.append(line)
            continue
        if fence_match:
            fence = fence_match.group(1)
            lines.append(line)
            continue
        heading = _ATX.match(line)
        if heading is None:
            lines.append(line)
            continue
        flush()
        level, raw = len(heading.group(1)), heading.group(2)
        while stack and stack[-1][0] >= level:
            stack.pop()
        stack.append((level, heading_text(raw)))
        anchor = namer(raw)
    flush()
    return sections


def split_long(text: str, *, max_words: int = MAX_WORDS, overlap: int = OVERLAP_WORDS) -> list[str]:
    """``text`` in windows of at most ``max_words`` words, consecutive windows sharing ``overlap`` words.

    Windows end at a line break when one falls in the last third of the
    window, so that a step of a procedure is rarely cut in half.
    """
    if overlap >= max_words:
        raise ValueError("overlap must be smaller than max_words")
    tokens = re.findall(r"\S+\n?|\n", text.replace("\r\n", "\n"))
    words = [t for t in tokens if t.strip()]
    if len(words) <= max_words:
        return [text.strip()] if text.strip() else []
    # Each word remembers whether a line break follows it.
    items: list[tuple[str, bool]] = []
    for token in tokens:
        if token.strip():
            items.append((token.rstrip("\n"), token.endswith("\n")))
        elif items:
            items[-1] = (items[-1][0], True)
    windows: list[str] = []
    start = 0
    while start < len(items):
        end = min(start + max_words, len(items))
        if end < len(items):
            for cut in range(end, start + (2 * max_words) // 3, -1):
                if items[cut - 1][1]:
                    end = cut
                    break
        windows.append(_join(items[start:end]))
        if end >= len(items):
            break
        start = max(end - overlap, start + 1)
    return windows


def _join(items: Sequence[tuple[str, bool]]) -> str:
    parts = []
    for word, newline in items:
        parts.append(word + ("\n" if newline else " "))
    return "".join(parts).strip()


# --- documents and tickets ---------------------------------------------------------

def doc_chunks(
    *, tenant: str, path: str, title: str, kind: str, url: str, body: str, devices: Iterable[str] = ()
) -> list[Chunk]:
    """A stored document (``bot.db.models.Doc`` fields) as chunks, in reading order."""
    chunks: list[Chunk] = []
    heading_skip = title.strip().casefold()
    for section in split_markdown(body):
        # The document's own H1 repeats its title: keep it out of every path.
        path_ = section.heading_path
        if path_ and path_[0].casefold() == heading_skip:
            path_ = path_[1:]
        for piece in split_long(section.text):
            chunks.append(Chunk(
                tenant=tenant, source=f"doc:{path}", seq=len(chunks), kind=kind, title=title, url=url,
                text=piece, heading_path=path_, anchor=section.anchor, doc_path=path, devices=tuple(devices),
            ))
    return chunks


def ticket_text(
    *, description: str | None, device: str | None, category: str | None, notes: Sequence[str]
) -> str:
    """The body of a ticket chunk (the title is the chunk's title, which the models read too)."""
    lines = []
    facts = [f"Device: {device}" if device else "", f"Category: {category}" if category else ""]
    if any(facts):
        lines.append("; ".join(f for f in facts if f))
    if description:
        lines.append(description)
    lines.extend(note.strip() for note in notes if note.strip())
    return "\n".join(lines)


def ticket_url(ticket_id: str, url: str | None) -> str:
    return url or f"handoff://tickets/{ticket_id}"


def ticket_chunks(
    *, tenant: str, ticket_id: str, title: str, description: str | None, device: str | None,
    category: str | None, url: str | None, notes: Sequence[str],
) -> list[Chunk]:
    """A resolved or closed ticket as chunks: the problem and its resolution."""
    text = ticket_text(description=description, device=device, category=category, notes=notes)
    return [
        Chunk(
            tenant=tenant, source=f"ticket:{ticket_id}", seq=seq, kind="ticket", title=f"#{ticket_id} {title}",
            url=ticket_url(ticket_id, url), text=piece, ticket_id=ticket_id,
            devices=(device,) if device else (),
        )
        for seq, piece in enumerate(split_long(text) or [title])
    ]
