"""Chunking: sections, heading paths, GitHub anchors, long sections, tickets (pure)."""

from __future__ import annotations

import pytest

from retrieval.chunk import (
    MAX_WORDS,
    AnchorNamer,
    doc_chunks,
    slugify,
    split_long,
    split_markdown,
    ticket_chunks,
)


@pytest.mark.parametrize(
    ("heading", "anchor"),
    [
        ("Check replication health", "check-replication-health"),
        ("Event ID 1311: KCC can't build a topology", "event-id-1311-kcc-cant-build-a-topology"),
        ("Error 0x800423F4 (VSS)", "error-0x800423f4-vss"),
        ("`repadmin /showrepl` output", "repadmin-showrepl-output"),
        ("[KB5034441](https://support.example.com/kb) fails", "kb5034441-fails"),
        ("Step 1 - restart DFSR", "step-1---restart-dfsr"),
        ("snake_case stays", "snake_case-stays"),
        ("**Bold** and *em*", "bold-and-em"),
        ("Überprüfung der Zeit", "überprüfung-der-zeit"),
    ],
)
def test_slugify_follows_github(heading: str, anchor: str) -> None:
    assert slugify(heading) == anchor


def test_duplicate_headings_get_numbered_anchors() -> None:
    namer = AnchorNamer()
    assert [namer(h) for h in ["Diagnosis", "Mitigation", "Diagnosis", "Diagnosis", "Diagnosis-1"]] == [
        "diagnosis", "mitigation", "diagnosis-1", "diagnosis-2", "diagnosis-1-1",
    ]


def test_sections_keep_heading_path_and_anchor() -> None:
    body = (
        "Intro text.\n"
        "# AD replication\n"
        "## Check health\nRun repadmin.\n"
        "### On DC01\nLook at event 1311.\n"
        "## Fix\n"
        "### On DC01\nRestart netlogon.\n"
    )
    sections = split_markdown(body)
    assert [(s.heading_path, s.anchor, s.text) for s in sections] == [
        ((), "", "Intro text."),
        (("AD replication", "Check health"), "check-health", "Run repadmin."),
        (("AD replication", "Check health", "On DC01"), "on-dc01", "Look at event 1311."),
        # "Fix" has no text of its own; its sub-section keeps it in the path, and the
        # second "On DC01" gets GitHub's -1 suffix.
        (("AD replication", "Fix", "On DC01"), "on-dc01-1", "Restart netlogon."),
    ]


def test_hashes_inside_code_fences_are_not_headings() -> None:
    body = "## Diagnosis\n```shell\n# this is a comment\nkubectl get pods\n```\n## Mitigation\nScale up.\n"
    sections = split_markdown(body)
    assert [s.anchor for s in sections] == ["diagnosis", "mitigation"]
    assert "# this is a comment" in sections[0].text


def test_long_sections_split_with_overlap_and_bounded_size() -> None:
    words = [f"w{i}" for i in range(1000)]
    text = "\n".join(" ".join(words[i : i + 10]) for i in range(0, 1000, 10))
    windows = split_long(text, max_words=100, overlap=20)
    sizes = [len(w.split()) for w in windows]
    assert max(sizes) <= 100
    assert len(windows) > 10
    for first, second in zip(windows, windows[1:], strict=False):
        tail = first.split()[-20:]
        assert second.split()[:20] == tail  # consecutive windows share the overlap
    joined = set(" ".join(windows).split())
    assert joined == set(words)  # nothing is lost


def test_short_text_is_one_window() -> None:
    assert split_long("one two three") == ["one two three"]
    assert split_long("   ") == []


def test_doc_chunks_link_to_sections_and_skip_the_title_heading() -> None:
    body = "# AD replication failures\n## Check replication health\nRun repadmin /replsummary.\n"
    chunks = doc_chunks(tenant="acme", path="runbooks/ad.md", title="AD replication failures", kind="runbook",
                        url="https://docs.example.com/ad", body=body, devices=["DC01"])
    assert len(chunks) == 1
    chunk = chunks[0]
    assert chunk.heading_path == ("Check replication health",)
    assert chunk.link == "https://docs.example.com/ad#check-replication-health"
    assert chunk.source == "doc:runbooks/ad.md"
    assert chunk.embed_text.startswith("AD replication failures > Check replication health\nDevices: DC01\n")


def test_a_long_doc_section_becomes_several_chunks_with_one_anchor() -> None:
    body = "## Resolution\n" + "\n".join(f"Step {i}: do the thing number {i} carefully." for i in range(200))
    chunks = doc_chunks(tenant="acme", path="a.md", title="A", kind="kb", url="u", body=body)
    assert len(chunks) > 3
    assert {c.anchor for c in chunks} == {"resolution"}
    assert [c.seq for c in chunks] == list(range(len(chunks)))
    assert all(len(c.text.split()) <= MAX_WORDS for c in chunks)


def test_ticket_chunk_is_problem_and_resolution() -> None:
    chunks = ticket_chunks(
        tenant="ridge", ticket_id="5001", title="DC01 replication errors", description="Replication stopped.",
        device="DC01", category="active-directory", url=None,
        notes=["Checked repadmin.", "Fixed the time source on DC01 (w32tm /resync)."],
    )
    assert len(chunks) == 1
    chunk = chunks[0]
    assert chunk.kind == "ticket" and chunk.ticket_id == "5001"
    assert chunk.url == "handoff://tickets/5001"
    assert chunk.title == "#5001 DC01 replication errors"
    assert "Device: DC01" in chunk.text and "w32tm /resync" in chunk.text and "Replication stopped." in chunk.text


def test_ticket_without_text_still_has_its_title() -> None:
    chunks = ticket_chunks(tenant="a", ticket_id="1", title="Printer jam", description=None, device=None,
                           category=None, url="https://psa/1", notes=[])
    assert [c.text for c in chunks] == ["Printer jam"]
