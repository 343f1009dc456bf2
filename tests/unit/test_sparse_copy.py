"""The index backup keeps Qdrant Edge's preallocated files sparse (retrieval/backup.py): same bytes, holes kept."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from retrieval.backup import copy_sparse


def test_a_sparse_file_is_copied_with_the_same_bytes_and_its_holes(tmp_path: Path) -> None:
    source = tmp_path / "page_0.dat"
    with source.open("wb") as f:  # 32 MB like a WAL segment: data at the start, in the middle and at the end
        f.write(b"head" * 1000)
        f.seek(16 << 20)
        f.write(b"middle")
        f.seek((32 << 20) - 4)
        f.write(b"tail")
    os.utime(source, (1_700_000_000, 1_700_000_000))
    target = tmp_path / "copy.dat"
    copy_sparse(source, target)
    assert target.read_bytes() == source.read_bytes()
    assert target.stat().st_mtime == source.stat().st_mtime  # like copy2
    if source.stat().st_blocks * 512 >= 16 << 20:
        pytest.skip("this filesystem does not keep holes (the source itself is not sparse)")
    assert target.stat().st_blocks * 512 < 1 << 20  # not 32 MB of zeros


def test_an_empty_and_a_dense_file(tmp_path: Path) -> None:
    for name, data in (("empty", b""), ("dense", os.urandom(3 << 20))):
        source = tmp_path / name
        source.write_bytes(data)
        copy_sparse(source, tmp_path / f"{name}.copy")
        assert (tmp_path / f"{name}.copy").read_bytes() == data
