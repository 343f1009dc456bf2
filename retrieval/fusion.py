"""Rank fusion and exact identifier matching (pure functions).

``rrf`` and ``dbsf`` compute exactly what Qdrant's Query API computes for
``FusionQuery(fusion=RRF)`` and ``FusionQuery(fusion=DBSF)`` over the same
prefetch lists (the formulas of ``qdrant_client.hybrid.fusion``, which the
embedded engine uses; a test checks the rankings agree). Doing the fusion
here, over candidate lists Qdrant returned, lets one ranking span two
physical collections (a client's and ``_global``) and keeps each hit's dense
and sparse scores, which the packet's confidence is built from.
"""

from __future__ import annotations

import re
from collections.abc import Hashable, Iterable, Sequence

RRF_K = 2  # Qdrant's default ranking constant

# A query token: letters/digits with inner '.', '_', '-', ':', '\' or '/'.
_TOKEN = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9._:\\/-]*[A-Za-z0-9])?")
_HEX = re.compile(r"^0x[0-9a-f]+$", re.IGNORECASE)


def rrf(lists: Sequence[Sequence[Hashable]], *, k: int = RRF_K, weights: Sequence[float] | None = None) -> dict:
    """Reciprocal rank fusion as Qdrant computes it: sum over lists of 1 / (rank / weight + k - 1), rank from 1."""
    scores: dict = {}
    for index, ranked in enumerate(lists):
        weight = 1.0 if weights is None else weights[index]
        if weight <= 0:
            continue
        for position, key in enumerate(ranked):
            scores[key] = scores.get(key, 0.0) + 1.0 / ((position + 1.0) / weight + k - 1.0)
    return scores


def dbsf(lists: Sequence[Sequence[tuple[Hashable, float]]]) -> dict:
    """Distribution-based score fusion: each list's scores scaled by mean +- 3 sd, then summed."""
    scores: dict = {}
    for ranked in lists:
        if not ranked:
            continue
        values = [score for _, score in ranked]
        if len(values) == 1:
            normalised = [0.5]
        else:
            mean = sum(values) / len(values)
            variance = sum((v - mean) ** 2 for v in values) / (len(values) - 1)
            if variance == 0:
                normalised = [0.5] * len(values)
            else:
                low, high = mean - 3 * variance**0.5, mean + 3 * variance**0.5
                normalised = [(v - low) / (high - low) for v in values]
        for (key, _), value in zip(ranked, normalised, strict=True):
            scores[key] = scores.get(key, 0.0) + value
    return scores


def identifiers(query: str) -> list[str]:
    """The tokens of ``query`` that name something exactly: DC01, 1311, 0x800423f4, KB5034441,
    KubePodCrashLooping, DFSR, ACME-DC01, w32tm, HKLM\\Software\\Microsoft\\Rpc.

    A token counts when it contains a digit (three or more characters, or
    letters and digits), is an all-caps acronym of three or more letters, is
    CamelCase, or joins parts with '.', '_', '\\' or '/'. Plain words do not:
    the sparse score already rewards them.
    """
    found: list[str] = []
    seen: set[str] = set()
    for token in _TOKEN.findall(query):
        token = token.strip(".:-/\\")
        if not token or token.casefold() in seen:
            continue
        if _is_identifier(token):
            seen.add(token.casefold())
            found.append(token)
    return found


def _is_identifier(token: str) -> bool:
    has_digit = any(c.isdigit() for c in token)
    has_alpha = any(c.isalpha() for c in token)
    if _HEX.match(token):
        return True
    if has_digit and (has_alpha or len(token) >= 3):
        return True
    letters = [c for c in token if c.isalpha()]
    if len(letters) >= 3 and all(c.isupper() for c in letters) and not has_digit:
        return True
    if re.search(r"[a-z][A-Z]", token):
        return True
    return any(sep in token for sep in "._\\/") and has_alpha


def term_patterns(terms: Iterable[str]) -> list[tuple[str, re.Pattern[str]]]:
    """Each term with its compiled pattern, once per query: a search checks them against 40 to 80 hits."""
    return [(term, re.compile(r"(?<![A-Za-z0-9])" + re.escape(term) + r"(?![A-Za-z0-9])", re.IGNORECASE))
            for term in terms]


def exact_terms(terms: Iterable[str] | Sequence[tuple[str, re.Pattern[str]]], text: str) -> list[str]:
    """The ``terms`` that occur verbatim in ``text`` (case-insensitive, not inside a longer word); ``terms``
    may be ``term_patterns``' output."""
    pairs = [t if isinstance(t, tuple) else term_patterns([t])[0] for t in terms]
    return [term for term, pattern in pairs if pattern.search(text)]
