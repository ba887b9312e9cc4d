"""TF-IDF + linear model under the same cross-fitting contract as the neural encoders.

Cheap and strong: the baseline the neural features must beat, and what they are
stacked with (Driverless AI calls this transformer "TextLinModel").
"""

from __future__ import annotations

from numbers import Integral, Real
from typing import Any

import numpy as np
from sklearn.pipeline import Pipeline
from sklearn.utils._param_validation import Interval, RealNotInt, StrOptions

from . import _input, _ngram
from ._constraints import IntTuple
from ._crossfit_encoder import ColumnLearner, _CrossFitEncoder


class TfidfLinearEncoder(_CrossFitEncoder):
    """Cross-fitted TF-IDF + logistic / ridge regression text features.

    One ``TfidfVectorizer`` per text column -- it sees only the texts, so it is fitted
    once on all training rows and shared by the folds, as the neural encoders'
    vocabularies are -- and one ``LogisticRegression`` (classification) or ``Ridge``
    (regression) per fold, fitted on that fold's training rows only. The folds, seeds,
    output columns and names are those of :class:`TextCNNEncoder`, so the two stack
    cleanly.

    {contract}

    Parameters
    ----------
    analyzer : {"word", "char_wb", "char"}, default="word"
        Word n-grams (the package's tokenizer: words, contractions, punctuation) or
        character n-grams.
    ngram_range : tuple of int, default=(1, 2)
        N-gram sizes.
    min_df : int or float, default=2
        Ignore n-grams in fewer training documents (count) or a smaller share (float).
    max_features : int or None, default=200000
        Keep the most frequent n-grams only.
    sublinear_tf : bool, default=True
        ``1 + log(tf)`` term frequencies.
    lowercase : bool, default=True
        Lower-case before tokenising.
    C : float, default=4.0
        Inverse L2 strength of the logistic regression (classification).
    alpha : float, default=0.3
        L2 strength of the ridge regression (regression).
    cv : int or splitter, default=5
        Folds, as for :class:`TextCNNEncoder`.
    refit : bool, default=False
        ``transform`` with one model fitted on all rows instead of the fold average.
    target_type : {"auto", "binary", "multiclass", "continuous"}, default="auto"
        As in ``TargetEncoder``.
    {empty_text_param}
    n_jobs : int or None, default=None
        Folds fitted at once through joblib.
    random_state : int, RandomState or None, default=None
        Seeds the folds.
    verbose : bool or int, default=False
        Progress bar over folds.

    Attributes
    ----------
    classes_ : ndarray
        Class labels (classification).
    target_type_ : str
        ``"binary"``, ``"multiclass"`` or ``"continuous"``.
    models_ : list of list of sklearn.pipeline.Pipeline
        Per column, the fold models (or the refit one): the column's shared TF-IDF,
        then the fold's linear model.
    empty_value_ : ndarray
        What a blank text gets in each of its column's outputs (``empty_text``): the
        target's prior, or NaN.

    Examples
    --------
    >>> from textcnn import TfidfLinearEncoder
    >>> X = ["good film", "bad film", "great", "awful"] * 5
    >>> y = ["pos", "neg", "pos", "neg"] * 5
    >>> enc = TfidfLinearEncoder(cv=2, random_state=0)
    >>> enc.fit_transform(X, y).shape
    (20, 1)
    >>> enc.get_feature_names_out().tolist()
    ['x0__tfidf_pos']
    """

    _prefix = "tfidf"
    _parameter_constraints: dict[str, list[Any]] = {
        **_CrossFitEncoder._parameter_constraints,
        "analyzer": [StrOptions({"word", "char_wb", "char"})],
        "ngram_range": [IntTuple(2, 2, increasing=True)],
        "min_df": [
            Interval(Integral, 1, None, closed="left"),
            Interval(RealNotInt, 0, 1, closed="both"),
        ],
        "max_features": [Interval(Integral, 1, None, closed="left"), None],
        "sublinear_tf": ["boolean"],
        "lowercase": ["boolean"],
        "C": [Interval(Real, 0, None, closed="neither")],
        "alpha": [Interval(Real, 0, None, closed="neither")],
    }

    def __init__(
        self,
        *,
        analyzer: str = "word",
        ngram_range: tuple[int, int] = (1, 2),
        min_df: int | float = 2,
        max_features: int | None = 200_000,
        sublinear_tf: bool = True,
        lowercase: bool = True,
        C: float = 4.0,
        alpha: float = 0.3,
        cv: Any = 5,
        refit: bool = False,
        target_type: str = "auto",
        empty_text: str = "prior",
        empty_columns: str = "error",
        n_jobs: int | None = None,
        random_state: Any = None,
        verbose: bool | int = False,
    ) -> None:
        self.analyzer = analyzer
        self.ngram_range = ngram_range
        self.min_df = min_df
        self.max_features = max_features
        self.sublinear_tf = sublinear_tf
        self.lowercase = lowercase
        self.C = C
        self.alpha = alpha
        self.cv = cv
        self.refit = refit
        self.target_type = target_type
        self.empty_text = empty_text
        self.empty_columns = empty_columns
        self.n_jobs = n_jobs
        self.random_state = random_state
        self.verbose = verbose

    def _vectorizer(self) -> Any:
        return _ngram.make_vectorizer(
            self.analyzer,
            tuple(self.ngram_range),
            self.min_df,
            self.max_features,
            self.sublinear_tf,
            self.lowercase,
        )

    def _column_learner(
        self,
        name: str,
        texts: list[str],
        target: _input.Target,
        n_outputs: int,
        seed: int,
        setup: dict[str, Any],
    ) -> ColumnLearner:
        docs = np.asarray(texts, dtype=object)
        y, task = target.values, target.task
        # The TF-IDF sees only the texts (never the target): fitted once on all training
        # rows and shared by the folds, like the neural encoders' vocabularies. Only the
        # linear model, which sees the target, is fitted per fold.
        vectorizer = self._vectorizer()
        try:
            matrix = vectorizer.fit_transform(docs)
        except ValueError as exc:  # e.g. no n-gram in min_df documents
            raise ValueError(f"text column {name!r}: {exc}") from exc

        def fit_rows(jobs: list[tuple[np.ndarray, int]]) -> list[Pipeline]:
            models = []
            for rows, _ in jobs:
                linear = _ngram.make_linear(task, self.C, self.alpha).fit(matrix[rows], y[rows])
                models.append(Pipeline([("tfidf", vectorizer), ("linear", linear)]))
            return models

        def predict_rows(models: list[Pipeline], rows: list[np.ndarray]) -> list[np.ndarray]:
            return [
                _predict(m[-1], matrix[r], n_outputs) for m, r in zip(models, rows, strict=True)
            ]

        return ColumnLearner(fit_rows, predict_rows, {})

    def save(self, path: Any) -> None:
        """Save to a model file that runs no code when loaded (see :func:`textcnn.load`).

        The model file of the neural encoders (a zip of a JSON manifest, the n-gram
        vocabularies and ``.npz`` arrays: idf, and each linear model's coefficients), no
        pickle; ``textcnn.load(path)`` gives back an encoder whose ``transform`` equals
        this one's.

        Parameters
        ----------
        path : str or os.PathLike
            Destination, written atomically.
        """
        from . import _model_file

        _model_file.save(self, path)

    def _predict_column(self, c: int, texts: list[str]) -> np.ndarray:
        docs = np.asarray(texts, dtype=object)
        models = self.models_[c]
        n_outputs = 1 if self.target_type_ == "continuous" else len(self.classes_)
        shared = models[0][0]
        if all(m[0] is shared for m in models):  # one TF-IDF for the column: vectorize once
            matrix = _ngram.transform(shared, docs)
            return np.mean([_predict(m[-1], matrix, n_outputs) for m in models], axis=0)
        return np.mean([_predict(m[-1], m[0].transform(docs), n_outputs) for m in models], axis=0)


def _predict(linear: Any, X: Any, n_outputs: int) -> np.ndarray:
    """Class probabilities (n, k), or the regression estimate (n, 1).

    A class absent from a fold's training rows (a rare class) gets probability 0.
    """
    if not hasattr(linear, "predict_proba"):
        return linear.predict(X)[:, None]
    proba = linear.predict_proba(X)
    if proba.shape[1] == n_outputs:
        return proba
    full = np.zeros((X.shape[0], n_outputs))
    full[:, linear.classes_] = proba
    return full
