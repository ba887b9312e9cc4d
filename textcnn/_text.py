"""Tokenisation, vocabulary and id encoding (stdlib + numpy only).

Ids: ``PAD = 0`` (all-zero embedding, never trained), ``UNK = 1`` (words outside
the vocabulary), real words from 2 on, most frequent first.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence

import numpy as np

PAD = 0
UNK = 1
SPECIALS = ("<pad>", "<unk>")

# Words, English contractions split the way GloVe / Kim 2014's ``clean_str`` split them
# ("don't" -> "do n't", "it's" -> "it 's"), and every other non-space character alone.
_TOKEN_RE = re.compile(r"\w+?(?=n't\b)|n't\b|'\w+|\w+|[^\w\s]")


LEVELS = ("word", "char")


def tokenize(text: str, lowercase: bool = True, level: str = "word") -> list[str]:
    """Split one text into tokens.

    Parameters
    ----------
    text : str
        The text.
    lowercase : bool, default=True
        Lower-case before splitting (GloVe-6B is lower-case).
    level : {"word", "char"}, default="word"
        Words and punctuation, or single characters (spaces included).

    Returns
    -------
    list of str
        The tokens.

    Examples
    --------
    >>> tokenize("Don't panic, it's fine!")
    ['do', "n't", 'panic', ',', 'it', "'s", 'fine', '!']
    >>> tokenize("Hi, U2", level="char")
    ['h', 'i', ',', ' ', 'u', '2']
    """
    if lowercase:
        text = text.lower()
    if level == "char":
        return list(text)
    return _TOKEN_RE.findall(text)


def tokenize_all(
    texts: Iterable[str], lowercase: bool = True, level: str = "word"
) -> list[list[str]]:
    """Tokenise many texts (see :func:`tokenize`)."""
    return [tokenize(t, lowercase, level) for t in texts]


def build_vocabulary(
    docs: Iterable[Sequence[str]], min_count: int = 1, max_size: int | None = None
) -> list[str]:
    """Build the id -> word list: specials, then words by falling frequency.

    Parameters
    ----------
    docs : iterable of sequence of str
        Tokenised documents.
    min_count : int, default=1
        Drop words seen fewer times.
    max_size : int or None, default=None
        Keep at most this many words (specials not counted).

    Returns
    -------
    list of str
        ``itos``: ``itos[i]`` is the word of id ``i``; ``itos[:2]`` are the specials.

    Examples
    --------
    >>> build_vocabulary([["a", "b", "a"], ["c", "a", "b"]], min_count=2)
    ['<pad>', '<unk>', 'a', 'b']
    """
    counts = Counter(w for doc in docs for w in doc)
    # Ties broken alphabetically so the vocabulary does not depend on row order.
    words = sorted((w for w, c in counts.items() if c >= min_count), key=lambda w: (-counts[w], w))
    if max_size is not None:
        words = words[:max_size]
    return [*SPECIALS, *words]


def encode(
    docs: Sequence[Sequence[str]], itos: Sequence[str], max_length: int | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Map tokenised documents to a right-padded id matrix and lengths.

    Parameters
    ----------
    docs : sequence of sequence of str
        Tokenised documents.
    itos : sequence of str
        Vocabulary from :func:`build_vocabulary`.
    max_length : int or None, default=None
        Keep only the first ``max_length`` tokens of a document.

    Returns
    -------
    ids : ndarray of shape (n_docs, max(1, longest)), dtype int32
        Token ids, ``PAD`` after each document's end.
    lengths : ndarray of shape (n_docs,), dtype int64
        Number of real tokens per document.

    Examples
    --------
    >>> ids, lengths = encode([["a", "z"], []], ["<pad>", "<unk>", "a"])
    >>> ids.tolist(), lengths.tolist()
    ([[2, 1], [0, 0]], [2, 0])
    """
    stoi = {w: i for i, w in enumerate(itos)}
    if max_length is not None:
        docs = [doc[:max_length] for doc in docs]
    lengths = np.fromiter((len(d) for d in docs), dtype=np.int64, count=len(docs))
    flat = np.fromiter(
        (stoi.get(w, UNK) for doc in docs for w in doc), dtype=np.int32, count=int(lengths.sum())
    )
    return right_padded(flat, lengths), lengths


def right_padded(flat: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """Rows of ``lengths`` ids taken in order from ``flat``, right-padded with ``PAD``.

    Returns
    -------
    ndarray of shape (len(lengths), max(1, longest)), dtype int32

    Examples
    --------
    >>> right_padded(np.array([4, 5, 6]), np.array([2, 0, 1])).tolist()
    [[4, 5], [0, 0], [6, 0]]
    """
    width = max(1, int(lengths.max(initial=0)))
    ids = np.zeros((len(lengths), width), dtype=np.int32)
    ids[np.arange(width)[None, :] < lengths[:, None]] = flat  # row-major: each row's prefix
    return ids
