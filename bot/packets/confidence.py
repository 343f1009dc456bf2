"""Where every claim's confidence score comes from: one function or constant per section.

A score is the chance that a claim is right, on one scale for every section,
so that the labels (``bot.packets.model.label_for``: high from 0.75, medium from
0.5) mean the same everywhere; ``bench/eval_packets.py`` measures how often each
label is right on labelled tickets. The sections (``sections.py``,
``knowledge.py``, ``summary.py``, ``llm_writer.py``) write the reasons shown
next to a score; the numbers live here. The order of the additions is part of
the formula: scores are rounded to two decimals (``Confidence.of``).
"""

from __future__ import annotations

from collections.abc import Sequence

# --- alerts --------------------------------------------------------------------


def alert_cluster(*, same_device: bool, storm: bool, minutes: float, names_problem: bool,
                  category_match: bool, started_after: bool, noise: bool, off_topic: bool = False) -> float:
    """That an alert cluster is about the ticket.

    0.55 on the ticket's own device (0.45 for a storm over more than three
    devices), 0.3 on another device of the client; +0.25 (same device) or +0.15
    (other device) when it started within an hour of the ticket, +0.1 within six
    hours; +0.15 when the cluster and the ticket share words (the check or message
    names the ticket's problem); +0.05 when triage's category matches the
    ticket's; -0.1 for a cluster that started more than an hour after the ticket
    (an effect, not a cause, ``started_after``); -0.25 for a cluster triage
    labelled as noise; -0.1 for a cluster on the ticket's device that neither shares a word with the
    ticket nor its category (``off_topic``: a memory alert on the SQL server of a backup ticket).
    """
    score = (0.45 if storm else 0.55) if same_device else 0.3
    if minutes <= 60:
        score += 0.25 if same_device else 0.15
    elif minutes <= 360:
        score += 0.1
    if names_problem:
        score += 0.15
    if category_match:
        score += 0.05
    if started_after:
        score -= 0.1
    if noise:
        score -= 0.25
    if off_topic:
        score -= 0.1
    return score


# --- what L1 tried and asked ----------------------------------------------------

# How clearly an internal note reads as a step L1 took (``bot.packets.notes.TriedStep.shape``).
# Observations ("vol1 4.2 / 16 TB used") were right 51 of 51 times on the tuning halves at 0.7/0.75:
# raised to 0.8 (``bench/eval_packets.py --calibration``).
# "finding" (a state noted without evidence) and "told" (a step reported in a customer-visible note), added
# in the world D round: on the tuning halves 1 of their first 5 claims was right (a status update on a
# third party's work, a policy remark, a fix told to the customer), on world C's 7 of 7: medium at most.
TRIED_SHAPE = {"action": 0.85, "command": 0.85, "observation": 0.8, "finding": 0.55, "told": 0.55}


def tried_step(shape: str, *, has_outcome: bool) -> float:
    """That a note is a step L1 took: by its shape, +0.05 when it states the outcome."""
    return TRIED_SHAPE[shape] + (0.05 if has_outcome else 0.0)


ASKED_ANSWERED = 0.85  # a customer-visible question and the customer's reply
ASKED_OPEN = 0.8  # a customer-visible question without a reply yet

# --- still unknown ----------------------------------------------------------------

UNKNOWN_NO_NOTES = 0.95  # the ticket has no notes at all
UNKNOWN_UNMENTIONED = 0.85  # no note, description or alert answers a checklist item
UNKNOWN_MENTIONED = 0.55  # mentioned without confirming: it may be answered in words we missed
UNKNOWN_NEAR = 0.6  # a sentence uses the item's subject words (``near``) without answering it in words we know

# --- where "high" starts, per section ---------------------------------------------------

# "High" must mean right at least 95% of the time. A section whose scores from 0.75 up are right less
# often than that is high only from the score where they are (fitted on the tuning halves by
# ``bench/eval_packets.py --calibration``: the lowest score from which the section's claims were right
# >= 95%); below it a claim is shown at most medium (``BELOW_HIGH_GATE``). Runbooks: claims scored
# 0.75-0.9 were right 3 of 5 times, from 0.9 on 5 of 5.
HIGH_FROM = {"runbook": 0.9}
BELOW_HIGH_GATE = 0.74


def gated(section: str, score: float) -> float:
    """``score``, or at most medium when the section is high only from a higher score (``HIGH_FROM``)."""
    gate = HIGH_FROM.get(section)
    return min(score, BELOW_HIGH_GATE) if gate is not None and score < gate else score


# --- knowledge: runbooks, client notes, past tickets ----------------------------


def knowledge_section(*, dense_score: float, exact_terms: bool, heading_names_problem: bool, top: bool,
                      title_names_code: bool = False) -> float:
    """That a retrieved section matches the ticket.

    0.15 + 1.1 x (cosine - 0.3), clipped to [0.1, 0.75]; +0.1 when the section
    contains identifiers of the query verbatim; +0.1 when its heading names the
    problem; +0.05 for the top-ranked hit; +0.1 when the document's title names an
    error code of the ticket ("Replication error 1722" for a ticket that saw 1722).
    """
    base = min(0.75, max(0.1, 0.15 + 1.1 * (dense_score - 0.3)))
    return (base + (0.1 if exact_terms else 0.0) + (0.1 if heading_names_problem else 0.0)
            + (0.05 if top else 0.0) + (0.1 if title_names_code else 0.0))


# The runbook floor: a best runbook scoring below it is not shown as "the runbook"; the packet says
# "No runbook matches this ticket well enough" (RUNBOOK_NONE) and shows the nearest one at low
# confidence (at most RUNBOOK_NEAR_MISS). Fitted on the tuning halves by ``bench/eval_packets.py``
# (the threshold that keeps the most right runbook claims and drops the most wrong ones).
RUNBOOK_FLOOR = 0.51
RUNBOOK_NONE = 0.6
RUNBOOK_NEAR_MISS = 0.3


def client_note(section: float, *, lists_device: bool) -> float:
    """A client note section: +0.15 when the note's front matter lists the ticket's device."""
    return section + 0.15 if lists_device else section


def past_ticket(section: float, *, same_device: bool, same_category: bool) -> float:
    """A similar past ticket: the section score, +0.1 on the same device, +0.05 in the same category."""
    score = section
    if same_device:
        score += 0.1
    if same_category:
        score += 0.05
    return score


# --- the summary ----------------------------------------------------------------------

SUMMARY_TICKET_FIELDS = 0.95  # who, what, where and when, from the ticket's own fields
SUMMARY_DESCRIPTION = 0.9  # the first sentence of the description, as written
SUMMARY_ALERTS = 0.85  # triage signals on the ticket's device
SUMMARY_ESCALATION = 0.9  # ticket times and customer-visible notes
SUMMARY_STATUS = 0.9  # the status of a ticket without notes


def summary_tried(*, last_has_outcome: bool) -> float:
    """The summary's sentence on L1's notes: surer when the latest note states its outcome."""
    return 0.85 if last_has_outcome else 0.7


def model_sentence(cited: Sequence[float]) -> float:
    """A model-written sentence: at most as sure as its weakest cited record, a little less for
    the rewording."""
    return 0.9 * min(cited)
