"""Check a message against Block Kit's rules before it is posted. Pure.

slack_sdk's own models parse and validate each block (lengths, element
counts, required fields); the message-level limits (50 blocks, the total
size) and a few per-block ones the models do not check are added here. The
app runs this on every message it posts: a message Slack would reject is a
bug, reported with an error id, never a half-posted packet.
"""

from __future__ import annotations

from typing import Any

from slack_sdk.errors import SlackObjectFormationError
from slack_sdk.models.blocks import Block as SdkBlock

from adapters.slack.blocks import LIMITS, Limits, Message, blocks_size

MAX_FALLBACK_TEXT = 3_000
CONTEXT_TEXT_MAX = 3_000


def problems(message: Message, limits: Limits = LIMITS) -> list[str]:
    found: list[str] = []
    blocks = message.blocks
    if not message.text.strip():
        found.append("no fallback text")
    if len(message.text) > MAX_FALLBACK_TEXT:
        found.append(f"fallback text has {len(message.text)} characters")
    if not blocks:
        found.append("no blocks")
    if len(blocks) > limits.max_blocks:
        found.append(f"{len(blocks)} blocks (max {limits.max_blocks})")
    size = blocks_size(blocks)
    if size > limits.max_chars:
        found.append(f"blocks total {size} characters (max {limits.max_chars})")
    ids = [b.get("block_id") for b in blocks if b.get("block_id")]
    if len(ids) != len(set(ids)):
        found.append("duplicate block_id")
    for i, block in enumerate(blocks):
        found.extend(f"block {i} ({block.get('type')}): {p}" for p in block_problems(block, limits))
    return found


def block_problems(block: dict[str, Any], limits: Limits) -> list[str]:
    found: list[str] = []
    parsed = SdkBlock.parse(block)
    if parsed is None or parsed.type != block.get("type"):
        return [f"slack_sdk does not know block type {block.get('type')!r}"]
    try:
        parsed.validate_json()
    except SlackObjectFormationError as exc:
        found.append(f"slack_sdk validation: {exc}")
    kind = block["type"]
    if kind == "section":
        text = (block.get("text") or {}).get("text")
        if text is None and not block.get("fields"):
            found.append("section without text or fields")
        if text is not None and (not text.strip() or len(text) > limits.section_text):
            found.append(f"section text of {len(text)} characters")
    if kind == "header" and len(block["text"]["text"]) > limits.header_text:
        found.append("header text too long")
    if kind == "context":
        for element in block.get("elements", []):
            if element.get("type") not in ("mrkdwn", "plain_text"):
                continue  # images
            text = element.get("text", "")
            if not text.strip() or len(text) > CONTEXT_TEXT_MAX:
                found.append(f"context element of {len(text)} characters")
    return found


def assert_valid(message: Message, limits: Limits = LIMITS) -> Message:
    found = problems(message, limits)
    if found:
        raise ValueError("invalid Slack message: " + "; ".join(found[:5]))
    return message
