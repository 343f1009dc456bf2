"""The offline embedding models: checksum, model folder, no network."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from bot.errors import ConfigError
from retrieval.embed import (
    BM25_DIR,
    BUNDLED_SHA256,
    TOKENIZER_DIR,
    Embedder,
    bundled_model_dir,
    bundled_onnx_path,
    sha256_file,
)

ROOT = Path(__file__).resolve().parents[2]


def test_shipped_tokenizer_and_notices() -> None:
    config = json.loads((TOKENIZER_DIR / "tokenizer_config.json").read_text())
    assert config["model_max_length"] == 256
    for name in ("tokenizer.json", "special_tokens_map.json", "config.json", "LICENSE", "NOTICE"):
        assert (TOKENIZER_DIR / name).is_file(), name
    assert "Apache License" in (TOKENIZER_DIR / "LICENSE").read_text()
    words = (BM25_DIR / "english.txt").read_text().split()
    assert len(words) == 179 and "the" in words and "dc01" not in words


def test_installed_model_has_the_pinned_checksum() -> None:
    assert sha256_file(bundled_onnx_path()) == BUNDLED_SHA256


def test_a_model_file_with_the_wrong_checksum_is_refused(tmp_path: Path) -> None:
    fake = tmp_path / "model.onnx"
    fake.write_bytes(b"not the model")
    with pytest.raises(ConfigError, match="sha256"):
        bundled_model_dir(tmp_path / "data", onnx=fake)
    assert not (tmp_path / "data" / "models" / "all-minilm-l6-v2-int8" / "model.onnx").exists()


def test_a_corrupted_copy_is_replaced_before_loading(tmp_path: Path) -> None:
    folder = bundled_model_dir(tmp_path)
    (folder / "model.onnx").write_bytes(b"corrupted")
    again = bundled_model_dir(tmp_path)
    assert sha256_file(again / "model.onnx") == BUNDLED_SHA256
    assert json.loads((again / "tokenizer_config.json").read_text())["model_max_length"] == 256


def test_dense_vectors_are_unit_length_and_meaningful(embedder: Embedder) -> None:  # noqa: F811
    vectors = embedder.dense([
        "Active Directory replication between domain controllers is failing",
        "DC02 cannot replicate from DC01",
        "The office printer is out of toner",
    ])
    assert vectors.shape == (3, 384)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-3)
    assert vectors[0] @ vectors[1] > vectors[0] @ vectors[2] + 0.2
    query = embedder.dense_query("replication failing on the domain controller")
    assert query.shape == (384,)


def test_bm25_keeps_identifiers_and_drops_stopwords(embedder: Embedder) -> None:  # noqa: F811
    one = embedder.sparse_query("the 0x800423f4 on DC01")
    two = embedder.sparse_query("0x800423f4 DC01")
    assert sorted(one.indices) == sorted(two.indices) and len(two.indices) == 2


def test_models_load_and_run_without_any_network(tmp_path: Path) -> None:
    """A fresh process with every socket connection refused loads both models and embeds."""
    script = f"""
import socket, sys
attempts = []
def refuse(self, address, *a, **k):
    attempts.append(address)
    raise OSError("network disabled by the test")
socket.socket.connect = refuse
socket.socket.connect_ex = refuse
socket.create_connection = lambda address, *a, **k: refuse(None, address)
sys.path.insert(0, {str(ROOT)!r})
from retrieval.embed import Embedder
e = Embedder(data_dir=__import__("pathlib").Path({str(tmp_path)!r}))
assert e.dense(["AD replication failing on DC01"]).shape == (1, 384)
assert e.sparse_query("KB5034441 failed").indices
print("attempts", len(attempts))
"""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HF_", "FASTEMBED"))}
    env["HF_HUB_OFFLINE"] = "1"
    env["FASTEMBED_CACHE_PATH"] = str(tmp_path / "empty-cache")
    done = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "attempts 0" in done.stdout
    assert not (tmp_path / "empty-cache").exists() or not any((tmp_path / "empty-cache").iterdir())
