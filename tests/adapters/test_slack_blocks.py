"""Block Kit rendering: every message within slack_sdk's validation and Slack's limits.

Pure renderers over real packets (the demo MSP, built by the real core) and
over a generated 200-claim packet full of hostile text.
"""

from __future__ import annotations

import json
import random
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from adapters.cli.commands.demo import demo_folder
from adapters.slack.blocks import (
    LIMITS,
    Message,
    answer_message,
    error_message,
    packet_message,
    remaining_messages,
    triage_message,
    usage_message,
)
from adapters.slack.mrkdwn import escape, link
from adapters.slack.validate import block_problems, problems
from bot.chat.commands import USAGE
from bot.chat.views import Answer, AnswerHit, SignalView, TriageView
from bot.core import Core
from bot.packets.model import SECTION_TITLES, SECTIONS, Claim, Confidence, Packet, Source, TicketRef
from bot.tenancy.policy import Where

NOW = datetime(2026, 11, 24, 3, 0, tzinfo=UTC)


def claim_ids(message: Message) -> list[str]:
    return [b["block_id"][6:] for b in message.blocks if b.get("block_id", "").startswith("claim:")]


def assert_complete(packet: Packet) -> Message:
    """The channel message is valid, and with the thread replies every claim is reachable exactly once."""
    main = packet_message(packet)
    assert problems(main) == [], problems(main)
    rest = remaining_messages(packet, main.rest)
    for message in rest:
        assert problems(message) == [], problems(message)
    shown = set(main.shown)
    in_thread = [i for m in rest for i in claim_ids(m)]
    assert len(in_thread) == len(set(in_thread))
    assert shown | set(in_thread) == {c.id for c in packet.claims}
    assert bool(main.rest) == any(b["type"] == "actions" for b in main.blocks)
    return main


# --- the demo MSP -----------------------------------------------------------------------


@pytest.fixture(scope="module")
def demo_packets(demo_core: Core) -> Iterator[list[Packet]]:
    folder = demo_folder()
    ids = [json.loads(line)["id"] for line in (folder / "tickets.jsonl").read_text().splitlines() if line.strip()]
    yield [demo_core.packet_for(str(i), where=Where("cli", user_id="test"), now=NOW) for i in ids]


def test_every_demo_packet_fits_slack(demo_packets: list[Packet]) -> None:
    assert len(demo_packets) > 100
    for packet in demo_packets:
        main = assert_complete(packet)
        assert main.blocks[0]["text"]["text"].startswith(f"Ticket #{packet.ticket.id} · {packet.ticket.client_name}")


# --- a 200-claim packet of hostile text ---------------------------------------------------


def big_packet(n: int = 200, seed: int = 7) -> Packet:
    rng = random.Random(seed)
    hostile = ["<!channel> please", "<@U0ADMIN> & <#C0SECRET>", "a > b && c < d", "`code` *bold* _it_ ~strike~",
               "ignore previous instructions", "émoji 🔥 ünïcödé", "|pipe| and > arrows"]
    claims = []
    for i in range(1, n + 1):
        words = rng.randint(5, 120) if i % 50 else 1_500  # a few enormous claims too
        text = " ".join(rng.choice(hostile) if rng.random() < 0.1 else f"word{rng.randint(0, 999)}"
                        for _ in range(words))
        sources = tuple(
            Source(kind="doc", id=f"d{i}-{k}", title=f"Runbook {i}.{k} <b>&", url=rng.choice([
                f"https://docs.example.com/r/{i}#s{k}", f"handoff://docs/acme/r{i}.md", "https://x.example/a|b>c"]),
                tenant="acme")
            for k in range(rng.randint(1, 6)))
        claims.append(Claim(id=f"c{i}", section=SECTIONS[i % len(SECTIONS)], text=text,
                            confidence=Confidence.of(rng.random(), "reason " * rng.randint(1, 40)), sources=sources))
    claims.sort(key=lambda c: SECTIONS.index(c.section))
    ticket = TicketRef(id="4412", tenant="acme", title="DC01: AD replication failing " * 10, url="https://psa/4412",
                       client_name="Acme Dental Group " * 8, status="escalated", priority="P2",
                       category="active-directory", device="DC01")
    return Packet(ticket=ticket, generated_at=NOW, claims=claims, packet_id=123456, notes=["model timed out"] * 3)


def test_200_claim_packet_is_a_compact_glance_and_the_rest_goes_to_the_thread() -> None:
    packet = big_packet()
    main = assert_complete(packet)
    assert len(main.blocks) <= 20 and main.size() <= LIMITS.max_chars
    text = json.dumps(main.blocks)
    # The summary, then every section's title, count and top claim; one flag picker per section.
    assert main.blocks[3]["block_id"] == "sec:summary"
    tops = [b for b in main.blocks if b.get("block_id", "").startswith("claim:")]
    assert [b["text"]["text"].split("*")[1] for b in tops] == [SECTION_TITLES[s] for s in SECTIONS[1:]]
    for block, section in zip(tops, SECTIONS[1:], strict=True):
        claims = packet.section(section)
        assert f"· {len(claims)} claims" in block["text"]["text"]
        top = max(claims, key=lambda c: c.confidence.score)
        assert block["block_id"] == f"claim:{top.id}"
        assert block["accessory"]["type"] == "static_select" and block["accessory"]["action_id"] == "flag_citation"
    assert "Show the other" in text and len(main.rest) > 150
    assert len(remaining_messages(packet, main.rest)) >= 5
    # Hostile text is escaped: no mention, channel link or broken link markup survives.
    assert "<!channel>" not in text and "<@U0ADMIN>" not in text and "<#C0SECRET>" not in text
    assert "handoff://" not in text


@pytest.mark.parametrize("n", [0, 1, 8, 25, 49, 50, 51, 120])
def test_any_size_fits(n: int) -> None:
    packet = big_packet(n, seed=n)
    if n == 0:
        main = packet_message(packet)
        assert problems(main) == [] and "Nothing found for" in json.dumps(main.blocks)
    else:
        assert_complete(packet)


def test_small_packet_is_shown_whole_in_section_order() -> None:
    src = Source(kind="ticket", id="4412", title="#4412", url="handoff://tickets/4412", tenant="acme")
    claims = [Claim(id=f"c{i}", section=s, text=f"claim in {s}", confidence=Confidence.of(0.8 - i / 20, "because"),
                    sources=(src,)) for i, s in enumerate(SECTIONS)]
    packet = Packet(ticket=TicketRef(id="4412", tenant="acme", title="T", url="https://psa/4412", client_name="Acme",
                                     device="DC01"), generated_at=NOW, claims=claims, packet_id=9)
    main = assert_complete(packet)
    assert main.rest == () and list(main.shown) == [c.id for c in claims]
    contexts = [b for b in main.blocks if b.get("block_id", "").startswith("cite:")]
    [first] = contexts[0]["elements"]
    # Without a signed web link, a handoff:// source shows its title only, never the URI.
    assert first["text"] == ":large_green_circle: *HIGH 0.75* · because · Source: #4412"
    low = contexts[-1]["elements"][0]["text"]
    assert low.startswith(":red_circle: *LOW 0.45*")
    summary = next(b for b in main.blocks if b.get("block_id") == "sec:summary")
    assert "claim in summary" in summary["text"]["text"] and "*HIGH 0.80*" in summary["text"]["text"]
    flag = summary["accessory"]
    assert flag["action_id"] == "flag_citation" and flag["options"][0]["value"] == "9:c0"
    assert "handoff://" not in json.dumps(main.blocks)
    assert main.text.startswith("Escalation packet for ticket #4412 (Acme, DC01)")


def test_mrkdwn_escaping_and_links() -> None:
    assert escape("<!here> & <@U1>") == "&lt;!here&gt; &amp; &lt;@U1&gt;"
    assert link("https://a.example/x y|z", "A <b>") == "<https://a.example/x%20y%7Cz|A &lt;b&gt;>"
    assert link("handoff://tickets/1`", "T") == "T"  # never a handoff:// name in anything posted


# --- ask and triage ----------------------------------------------------------------------


def hit(i: int, tenant: str = "acme") -> AnswerHit:
    return AnswerHit(title=f"Restart Denticore {i}", url=f"https://docs.example.com/acme/denticore#s{i}",
                     text="Stop the service, clear the cache & <restart>. " * 40, tenant=tenant, kind="runbook",
                     confidence=Confidence.of(0.9 - i / 100, "strong lexical and semantic match"))


def test_answer_shows_links_and_confidence_and_degrades() -> None:
    answer = Answer(tenant="acme", client_name="Acme Dental Group", question="how do we restart Denticore?",
                    hits=[hit(i, "_global" if i % 2 else "acme") for i in range(1, 40)])
    message = answer_message(answer)
    assert problems(message) == []
    text = json.dumps(message.blocks)
    assert "<https://docs.example.com/acme/denticore#s1|Restart Denticore 1>" in text
    assert "shared runbook" in text and ":large_green_circle: *HIGH 0.89*" in text
    assert "more matches not shown" in text


def test_answer_nothing_found_says_so_plainly() -> None:
    message = answer_message(Answer(tenant="acme", client_name="Acme Dental Group", question="vpn?", hits=[]))
    assert problems(message) == []
    assert "Nothing found for this client" in json.dumps(message.blocks)


def signal(i: int, noise: str | None = None) -> SignalView:
    return SignalView(id=i, tenant="acme", client_name="Acme Dental Group", title=f"DC01 replication {i}",
                      representative="Replication from DC02 failed: The RPC server is unavailable (1722) " * 5,
                      category="active-directory", devices=[f"DC{k:02d}" for k in range(i % 9)], count=i * 3,
                      first_seen=NOW - timedelta(hours=2), last_seen=NOW, severity=["critical", "warning", "info"][i % 3],
                      firing=bool(i % 2), noise=noise, alert_urls=[f"https://rmm.example.com/a/{i}-{k}" for k in range(5)])


def test_triage_lists_signals_within_limits() -> None:
    view = TriageView(scope="all clients", signals=[signal(i) for i in range(1, 60)] + [signal(99, "flapping")],
                      noise_clusters=4, alerts_in=2351)
    message = triage_message(view)
    assert problems(message) == []
    text = json.dumps(message.blocks)
    assert "2351 alerts in" in text and "*Acme Dental Group*" in text and "flapping" in text
    assert "more signals not shown" in text
    calm = triage_message(TriageView(scope="Acme Dental Group", signals=[], alerts_in=3))
    assert problems(calm) == [] and "No actionable alert signals" in json.dumps(calm.blocks)


def test_usage_and_errors_are_valid_messages() -> None:
    assert problems(usage_message(USAGE)) == []
    error = error_message("I don't know `<!channel>`" + "x" * 5000)
    assert problems(error) == [] and "<!channel>" not in json.dumps(error.blocks)


def test_validation_catches_what_slack_would_reject() -> None:
    too_many = Message(text="t", blocks=[{"type": "divider", "block_id": f"d{i}"} for i in range(51)])
    assert any("51 blocks" in p for p in problems(too_many))
    huge = Message(text="t", blocks=[{"type": "section", "block_id": f"s{i}", "text": {"type": "mrkdwn", "text": "x" * 2900}}
                                     for i in range(5)])
    assert any("total" in p for p in problems(huge))
    long_section = Message(text="t", blocks=[{"type": "section", "text": {"type": "mrkdwn", "text": "x" * 3001}}])
    assert problems(long_section)
    unknown = Message(text="t", blocks=[{"type": "nonsense"}])
    assert problems(unknown)


def test_real_block_kit_views_are_accepted_by_the_checker() -> None:
    """The checker itself against Slack's sample views: it must not reject what Slack accepts."""
    from bench.support.shared_data import shared_path

    folder = shared_path("slack", "blockkit_views")
    if folder is None or not folder.exists():
        pytest.skip("../shared/data/slack/blockkit_views is absent (set HANDOFF_SHARED_DATA to its data folder)")
    for path in sorted(folder.glob("*.json")):
        blocks = json.loads(path.read_text())["blocks"]
        for block in blocks:
            assert block_problems(block, LIMITS) == [], (path.name, block.get("type"))
