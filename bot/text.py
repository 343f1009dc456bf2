"""Text helpers shared by the packet, reporting and chat code: one copy each.

``one_line`` and ``clip`` shape text for display; the stop-word sets say which
words carry no meaning when two texts are compared. The sets differ on purpose
(each is tuned to what it compares, and ``bench/eval_packets.py`` measures the
packet ones), so they are named for their use rather than merged.
"""

from __future__ import annotations

import re

# Words of four or more letters: what "shares words with" means in a packet.
PROBLEM_WORD = re.compile(r"[a-z][a-z0-9]{3,}")

# Words every IT ticket and alert uses: sharing them says nothing about sharing a problem.
ALERT_STOP_WORDS = frozenset(
    ["with", "from", "this", "that", "after", "before", "since", "again", "still", "failed", "failing", "error",
     "errors", "alert", "alerts", "about", "over", "under", "into", "than", "then", "they", "them", "their",
     "there", "when", "what", "which", "while", "would", "could", "should", "status", "check", "issue", "problem",
     "ticket", "user", "users", "device"]
)
# Knowledge matching also ignores "server": nearly every runbook heading names one.
KNOWLEDGE_STOP_WORDS = ALERT_STOP_WORDS | {"server"}

# English function words and chat filler, for comparing questions asked to the customer.
QUESTION_STOP_WORDS = frozenset(["a", "about", "above", "after", "again", "all", "also", "am", "an", "and", "any", "anyone", "anything", "are", "around", "as", "at", "be", "been", "before", "being", "both", "but", "by", "can", "could", "did", "do", "does", "doing", "done", "for", "from", "get", "got", "had", "has", "have", "having", "he", "her", "here", "hi", "hello", "him", "his", "how", "i", "if", "in", "into", "is", "it", "its", "just", "let", "like", "may", "me", "might", "more", "most", "much", "my", "no", "not", "now", "of", "off", "on", "once", "only", "or", "other", "our", "out", "over", "per", "please", "quick", "quickly", "re", "roughly", "same", "see", "she", "should", "so", "some", "someone", "something", "sorry", "still", "such", "tell", "than", "thank", "thanks", "that", "the", "their", "them", "then", "there", "these", "they", "this", "those", "to", "too", "up", "us", "very", "was", "we", "were", "what", "when", "where", "which", "while", "who", "why", "will", "with", "would", "yes", "you", "your", "yours", "ok", "okay", "able", "know", "let's", "want"])


def one_line(text: str) -> str:
    """All runs of whitespace (newlines included) as single spaces, trimmed."""
    return " ".join(text.split())


def clip(text: str, limit: int) -> str:
    """``text`` on one line, at most ``limit`` characters, ending in an ellipsis when cut."""
    text = one_line(text)
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def words(text: str, stop: frozenset[str]) -> set[str]:
    """The meaningful words (``PROBLEM_WORD``) of ``text``, case-folded, minus ``stop``."""
    return set(PROBLEM_WORD.findall(text.casefold())) - stop


_MD_IMAGE = re.compile(r"!\[([^\]]*)\]\([^)]*\)")
_MD_LINK = re.compile(r"\[([^\]]+)\]\((?:[^()]|\([^)]*\))*\)|\[([^\]]+)\]\[[^\]]*\]")
_MD_EMPHASIS = re.compile(r"(\*\*|__)(?=\S)(.+?)(?<=\S)\1|(?<![\w*])\*(?=\S)([^*\n]+?)(?<=\S)\*(?![\w*])")
_HTML_TAG = re.compile(r"</?[a-zA-Z][a-zA-Z0-9-]*(\s[^<>]*)?/?>|<!--.*?-->", re.S)
_MD_HEADING = re.compile(r"^\s{0,3}#{1,6}\s+", re.M)
_MD_MARKERS = re.compile(r"^\s*(>\s?)+|^\s*:::.*$|^\s*\|?\s*:?-{3,}:?\s*(\|\s*:?-{3,}:?\s*)*\|?\s*$", re.M)


def plain_text(markdown: str) -> str:
    """Markdown or HTML as plain text for an excerpt: entities decoded (``&nbsp;`` is a space),
    emphasis, link and image syntax, tags, heading marks and table rules removed; the words
    (and a link's text) kept. Inline code keeps its words without the backticks."""
    import html

    text = _HTML_TAG.sub(" ", markdown)
    text = _MD_IMAGE.sub(lambda m: m.group(1), text)
    text = _MD_LINK.sub(lambda m: m.group(1) or m.group(2), text)
    text = _MD_EMPHASIS.sub(lambda m: m.group(2) or m.group(3), text)
    text = _MD_HEADING.sub("", text)
    text = _MD_MARKERS.sub(" ", text)
    text = text.replace("`", "")
    text = html.unescape(text).replace("\u00a0", " ")
    return text
