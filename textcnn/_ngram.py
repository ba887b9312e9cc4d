"""TF-IDF n-grams and a linear model: ``TfidfLinearEncoder`` and the networks' blend branch.

Torch-free. :func:`make_vectorizer` and :func:`make_linear` are the one definition of
the cheap model; :class:`LinearHead` keeps a fitted linear model as two plain arrays,
so a network's blend branch is stored in the pickle-free model file.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.preprocessing import normalize

from . import _text
from ._input import CLASSIFICATION
from ._threads import one_blas_thread

#: Settings of the networks' linear blend branch (those of ``TfidfLinearEncoder``'s defaults).
BLEND_VECTORIZER = dict(analyzer="word", ngram_range=(1, 2), min_df=2, max_features=200_000)
BLEND_C = 4.0
BLEND_ALPHA = 0.3


def make_vectorizer(
    analyzer: str = "word",
    ngram_range: tuple[int, int] = (1, 2),
    min_df: int | float = 2,
    max_features: int | None = 200_000,
    sublinear_tf: bool = True,
    lowercase: bool = True,
    vocabulary: list[str] | None = None,
) -> TfidfVectorizer:
    """TF-IDF over the package's word tokens (or character n-grams).

    Parameters
    ----------
    analyzer : {"word", "char_wb", "char"}, default="word"
        ``"word"`` uses :func:`textcnn._text.tokenize` (words, contractions, punctuation).
    ngram_range : tuple of int, default=(1, 2)
        N-gram sizes.
    min_df : int or float, default=2
        Minimum document count (int) or share (float).
    max_features : int or None, default=200000
        Keep the most frequent n-grams only.
    sublinear_tf : bool, default=True
        ``1 + log(tf)`` term frequencies.
    lowercase : bool, default=True
        Lower-case before tokenising.
    vocabulary : list of str or None, default=None
        A fixed vocabulary (to rebuild a stored vectorizer; then set ``idf_``).

    Returns
    -------
    sklearn.feature_extraction.text.TfidfVectorizer
        Unfitted.

    Examples
    --------
    >>> make_vectorizer(min_df=1).fit(["Don't panic"]).get_feature_names_out().tolist()
    ['do', "do n't", "n't", "n't panic", 'panic']
    """
    words = analyzer == "word"
    return TfidfVectorizer(
        analyzer=analyzer,
        tokenizer=functools.partial(_text.tokenize, lowercase=lowercase) if words else None,
        token_pattern=None,
        lowercase=not words and lowercase,
        ngram_range=tuple(ngram_range),
        min_df=min_df,
        max_features=max_features,
        sublinear_tf=sublinear_tf,
        vocabulary=vocabulary,
        dtype=np.float32,
    )


def _word_options(vectorizer: TfidfVectorizer) -> dict[str, Any] | None:
    """``tokenize``'s keywords if ``vectorizer`` is :func:`make_vectorizer`'s word kind."""
    tokenizer = vectorizer.tokenizer
    plain = (
        vectorizer.analyzer == "word"
        and isinstance(tokenizer, functools.partial)
        and tokenizer.func is _text.tokenize
        and not tokenizer.args
        and vectorizer.input == "content"
        and vectorizer.preprocessor is None
        and not vectorizer.lowercase
        and vectorizer.strip_accents is None
        and vectorizer.stop_words is None
        and not vectorizer.binary
    )
    return dict(tokenizer.keywords) if plain else None


def _word_grams(tokens: list[str], low: int, high: int) -> list[str]:
    """The n-grams (``low <= n <= high``) of ``tokens``, as sklearn's word analyzer joins them."""
    grams = list(tokens) if low == 1 else []
    for n in range(max(2, low), high + 1):
        if n == 2:
            grams += [a + " " + b for a, b in zip(tokens, tokens[1:], strict=False)]
        else:
            grams += [" ".join(tokens[i : i + n]) for i in range(len(tokens) - n + 1)]
    return grams


def transform(vectorizer: TfidfVectorizer, texts: Any) -> Any:
    """``vectorizer.transform(texts)``: the same matrix, 1.5-1.7x faster for word n-grams.

    For :func:`make_vectorizer`'s word n-grams the counting loop is this module's own
    (sklearn's keeps a dict per text and joins each n-gram through a generic path);
    the TF-IDF weighting then repeats sklearn's steps in sklearn's order on the same
    sorted counts, so every value is identical (tested). Any other vectorizer is left
    to sklearn.

    Parameters
    ----------
    vectorizer : TfidfVectorizer
        Fitted.
    texts : sequence of str
        The texts.

    Returns
    -------
    scipy.sparse matrix of shape (len(texts), n_features)
    """
    options = _word_options(vectorizer)
    if options is None:
        return vectorizer.transform(texts)
    get, (low, high) = vectorizer.vocabulary_.get, vectorizer.ngram_range
    indices: list[int] = []
    indptr = [0]
    for text in texts:
        grams = _word_grams(_text.tokenize(text, **options), low, high)
        indices += [j for j in map(get, grams) if j is not None]
        indptr.append(len(indices))
    counts = sp.csr_matrix(
        (np.ones(len(indices), dtype=vectorizer.dtype), indices, indptr),
        shape=(len(indptr) - 1, len(vectorizer.vocabulary_)),
    )
    counts.sum_duplicates()  # sorted indices, as sklearn's
    if vectorizer.sublinear_tf:
        np.log(counts.data, counts.data)
        counts.data += 1.0
    if vectorizer.use_idf:
        counts.data *= vectorizer.idf_[counts.indices]
    if vectorizer.norm is not None:
        counts = normalize(counts, norm=vectorizer.norm, copy=False)
    return counts


def make_linear(task: str, C: float, alpha: float) -> Any:
    """``LogisticRegression(C)`` for classification, ``Ridge(alpha)`` for regression."""
    if task == CLASSIFICATION:
        return LogisticRegression(C=C, max_iter=1000)
    return Ridge(alpha=alpha)


@dataclass
class LinearHead:
    """A fitted linear model as arrays: ``scores = X @ coef.T + intercept``.

    Parameters
    ----------
    coef : ndarray of shape (k, n_features), float32
        ``k = 1`` for binary classification (the logit of the second class) and
        regression, else one row per class.
    intercept : ndarray of shape (k,), float64
        Offsets.
    task : {"classification", "regression"}
        How scores become outputs.
    """

    coef: np.ndarray
    intercept: np.ndarray
    task: str

    @classmethod
    def fit(
        cls, X: Any, y: np.ndarray, task: str, C: float, alpha: float, n_classes: int = 2
    ) -> LinearHead:
        """Fit :func:`make_linear` on ``X`` (sparse TF-IDF) and keep its arrays.

        ``y`` holds class codes ``0 .. n_classes - 1`` (classification). Classes absent
        from ``y`` (possible in a grouped fold) get probability 0; a single class, 1.
        BLAS runs on one thread: the solvers gain little from more on sparse input,
        and idle OpenBLAS threads spin and starve torch's threads afterwards.
        """
        present = np.unique(y) if task == CLASSIFICATION else None
        if present is not None and len(present) < 2:
            model = None
        else:
            with one_blas_thread():
                model = make_linear(task, C, alpha).fit(X, y)
        if present is None or (n_classes == 2 and len(present) == 2):
            coef = np.atleast_2d(np.asarray(model.coef_, dtype=np.float32))
            return cls(coef, np.atleast_1d(np.asarray(model.intercept_, dtype=np.float64)), task)
        coef = np.zeros((n_classes, X.shape[1]), dtype=np.float32)
        intercept = np.full(n_classes, -1e4)  # absent classes: probability 0
        intercept[present] = 0.0
        if model is not None and len(present) == 2:  # sklearn's binary form: the 2nd's logit
            coef[present[1]], intercept[present[1]] = model.coef_[0], model.intercept_[0]
        elif model is not None:
            coef[present], intercept[present] = model.coef_, model.intercept_
        return cls(coef, intercept, task)

    def predict(self, X: Any) -> np.ndarray:
        """Class probabilities (n, n_classes), or the regression estimate (n, 1).

        Examples
        --------
        >>> head = LinearHead(np.array([[2.0]]), np.array([0.0]), "classification")
        >>> head.predict(np.array([[0.0], [1.0]])).round(3).tolist()
        [[0.5, 0.5], [0.119, 0.881]]
        """
        scores = np.asarray(X @ self.coef.T.astype(np.float64)) + self.intercept  # (n, k)
        if self.task != CLASSIFICATION:
            return scores
        if scores.shape[1] == 1:  # binary: the logit of the second class
            scores = np.hstack([np.zeros_like(scores), scores])
        scores -= scores.max(axis=1, keepdims=True)
        expd = np.exp(scores)
        return expd / expd.sum(axis=1, keepdims=True)
