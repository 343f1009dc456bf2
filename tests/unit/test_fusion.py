"""Fusion formulas and identifier matching (pure)."""

from __future__ import annotations

import pytest
from qdrant_client.http import models
from qdrant_client.hybrid.fusion import distribution_based_score_fusion, reciprocal_rank_fusion

from retrieval.fusion import dbsf, exact_terms, identifiers, rrf


def _points(pairs: list[tuple[int, float]]) -> list[models.ScoredPoint]:
    return [models.ScoredPoint(id=i, version=0, score=s) for i, s in pairs]


LISTS = [[(1, 0.9), (2, 0.8), (3, 0.5), (7, 0.1)], [(3, 12.0), (9, 7.5), (1, 1.0)]]


def test_rrf_equals_qdrants_formula() -> None:
    ours = rrf([[i for i, _ in lst] for lst in LISTS])
    theirs = reciprocal_rank_fusion([_points(lst) for lst in LISTS], limit=100)
    assert {p.id: pytest.approx(p.score) for p in theirs} == ours


def test_dbsf_equals_qdrants_formula() -> None:
    ours = dbsf(LISTS)
    theirs = distribution_based_score_fusion([_points(lst) for lst in LISTS], limit=100)
    assert {p.id: pytest.approx(p.score) for p in theirs} == ours


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("DC01 replication failing, event 1311 in the log", ["DC01", "1311"]),
        ("VSS error 0x800423f4 after KB5034441", ["VSS", "0x800423f4", "KB5034441"]),
        ("KubePodCrashLooping firing for api", ["KubePodCrashLooping"]),
        ("DFSR stopped on ACME-DC01", ["DFSR", "ACME-DC01"]),
        ("ran w32tm /resync and gpupdate", ["w32tm"]),
        ("check HKLM\\Software\\Microsoft\\Rpc", ["HKLM\\Software\\Microsoft\\Rpc"]),
        ("the server is slow again", []),
        ("error 5 on port 80", []),  # short numbers are too common to count
    ],
)
def test_identifiers(query: str, expected: list[str]) -> None:
    assert identifiers(query) == expected


def test_exact_terms_match_whole_tokens_case_insensitively() -> None:
    text = "Run repadmin on dc01. Event ID 13110 is different. See KB5034441."
    assert exact_terms(["DC01", "1311", "KB5034441", "DC0"], text) == ["DC01", "KB5034441"]
