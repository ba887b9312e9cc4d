"""Input coercion and checks shared by the encoders and the CLI: texts, target, folds.

Pure functions (numpy, pandas, scikit-learn; no torch): the estimators call them and
assign what they return, and the CLI gets the same checks (and words) by calling the
estimators.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any, NamedTuple

import numpy as np
import pandas as pd
from sklearn.utils.multiclass import type_of_target

logger = logging.getLogger(__name__)

#: What a network or linear model learns: class scores or one regression estimate.
CLASSIFICATION = "classification"
REGRESSION = "regression"

TARGET_TYPES = ("auto", "binary", "multiclass", "continuous")


def to_text(value: Any) -> str:
    """NaN/None -> "", str as is, anything else -> ``str(value)``.

    Examples
    --------
    >>> [to_text(v) for v in ("a", None, float("nan"), 7)]
    ['a', '', '', '7']
    """
    if isinstance(value, str):
        return value
    if value is None or (not isinstance(value, (list, tuple, np.ndarray)) and pd.isna(value)):
        return ""
    return str(value)


def as_2d(X: Any) -> Any:
    """Accept a Series, a list of str or a 1-D array as one text column."""
    if isinstance(X, pd.Series):
        return X.to_frame()
    if isinstance(X, (list, tuple)) and (len(X) == 0 or isinstance(X[0], str) or X[0] is None):
        return np.asarray(X, dtype=object).reshape(-1, 1)
    if isinstance(X, np.ndarray) and X.ndim == 1:
        return X.astype(object).reshape(-1, 1)
    return X


#: Share of a column's non-empty values that parse as numbers above which it is not text.
NUMERIC_SHARE = 0.9


def numeric_share(texts: Sequence[str], sample: int = 2000) -> float:
    """Share of the non-empty values (of the first ``sample``) that parse as numbers.

    Examples
    --------
    >>> numeric_share(["42", " 3.5", "1e3", "n/a", ""])
    0.75
    """
    values = [t.strip() for t in texts[:sample] if t.strip()]
    if not values:
        return 0.0
    parsed = 0
    for v in values:
        try:
            float(v.replace(",", ""))
        except ValueError:
            continue
        parsed += 1
    return parsed / len(values)


def blank_rows(texts: Sequence[str]) -> np.ndarray:
    """Which texts are blank: empty or whitespace only (missing values were read as "").

    Examples
    --------
    >>> blank_rows(["a", "", "  ", "b c"]).tolist()
    [False, True, True, False]
    """
    return np.fromiter((not t.strip() for t in texts), bool, len(texts))


def check_text_columns(
    names: Sequence[str], columns: Sequence[Sequence[str]], empty: str = "error"
) -> list[np.ndarray]:
    """Every text column must be text, and hold some in at least one row.

    A column whose values are mostly numbers (over :data:`NUMERIC_SHARE`) is encoded as
    given, with a warning naming it: a text model learns little from it. A column blank in
    every row is an error (``empty="error"``), or is left out with a warning
    (``empty="drop"``: the caller drops the columns whose blank rows are all True).

    Returns
    -------
    list of ndarray of bool
        Per column, its blank rows (:func:`blank_rows`).

    Raises
    ------
    ValueError
        Naming the first column that is empty (or blank) in every row (with
        ``empty="drop"``: only when every column is).
    """
    blanks = []
    for name, texts in zip(names, columns, strict=True):
        blanks.append(blank_rows(texts))
        if blanks[-1].all():
            if empty != "drop":
                raise ValueError(
                    f"text column {name!r} is empty in every row (empty_columns='drop' "
                    "leaves such a column out)"
                )
            logger.warning(
                "text column %r is empty in every row: dropped (empty_columns='drop'); it "
                "gets no output columns",
                name,
            )
            continue
        share = numeric_share(texts)
        if share > NUMERIC_SHARE:
            logger.warning(
                "text column %r holds numbers (%.0f%% of its values parse as numbers): a text "
                "model learns little from it; pass it to the tabular model as a number instead",
                name,
                100 * share,
            )
    if blanks and all(blank.all() for blank in blanks):
        raise ValueError(f"every text column ({', '.join(map(repr, names))}) is empty in every row")
    return blanks


class Target(NamedTuple):
    """A checked training target: what the model trains on, and the fitted facts."""

    values: np.ndarray  #: class codes 0..k-1 (int64), or float64 values
    task: str  #: :data:`CLASSIFICATION` or :data:`REGRESSION`
    target_type: str  #: "binary", "multiclass" or "continuous"
    classes: np.ndarray | None  #: class labels (classification)


def _scalar(value: Any) -> Any:
    return value.item() if isinstance(value, np.generic) else value


def encode_target(y: Any, n_samples: int, target_type: str, owner: str) -> Target:
    """Check ``y`` and encode it for training.

    Parameters
    ----------
    y : array-like of shape (n_samples,) or None
        The target. A named pandas Series is named in the errors.
    n_samples : int
        Rows of ``X``.
    target_type : {"auto", "binary", "multiclass", "continuous"}
        As in sklearn's ``TargetEncoder``.
    owner : str
        The estimator's class name, for the error when ``y`` is None.

    Returns
    -------
    Target

    Raises
    ------
    ValueError
        ``y`` missing, of the wrong shape or length, with missing values, constant,
        or not of ``target_type``.

    Examples
    --------
    >>> t = encode_target(["b", "a", "b"], 3, "auto", "Enc")
    >>> t.values.tolist(), t.target_type, t.classes.tolist()
    ([1, 0, 1], 'binary', ['a', 'b'])
    """
    if y is None:
        raise ValueError(f"{owner} requires y to be passed, but the target y is None")
    name = getattr(y, "name", None)
    what = "y" if not isinstance(name, str) else f"y (column {name!r})"
    y = np.asarray(y)
    if y.dtype == object and not any(isinstance(v, str) for v in y.ravel()):
        y = np.asarray(y.tolist())  # numbers held in an object array
    if y.ndim == 2 and y.shape[1] == 1:
        y = y.ravel()
    if y.ndim != 1:
        raise ValueError(f"y must be 1-D, got shape {y.shape}")
    if len(y) != n_samples:
        raise ValueError(f"X has {n_samples} rows but y has {len(y)}")
    missing = np.flatnonzero(pd.isna(y))
    if len(missing):
        raise ValueError(
            f"{what} is missing in {len(missing)} row(s) (first: data row "
            f"{int(missing[0]) + 1}, counting from 1); drop or fill them"
        )
    if target_type == "auto":
        target_type = type_of_target(y, input_name="y", raise_unknown=True)
        if target_type not in ("binary", "multiclass", "continuous"):
            raise ValueError(f"unsupported target type {target_type!r} for y")
    if target_type == "continuous":
        try:
            y = y.astype(np.float64)
        except (TypeError, ValueError) as exc:
            raise ValueError(f"target_type='continuous' but y is not numeric: {exc}") from exc
    if (y == y[0]).all():  # one rule for every target type, worded for its task
        need = (
            "a regression target must vary"
            if target_type == "continuous"
            else "one class, a classifier needs at least two"
        )
        raise ValueError(f"y is constant (every value is {_scalar(y[0])!r}): {need}")
    if target_type == "continuous":
        return Target(y, REGRESSION, target_type, None)
    classes, codes = np.unique(y, return_inverse=True)
    if target_type == "binary" and len(classes) != 2:
        raise ValueError(f"target_type='binary' but y has {len(classes)} classes")
    return Target(codes.astype(np.int64), CLASSIFICATION, target_type, classes)


def check_fold_sizes(cv: Any, target: Target) -> None:
    """With ``cv`` folds, every class (and the data) must fill each test fold.

    Raises
    ------
    ValueError
        Fewer rows than folds, or a class with fewer members than folds.
    """
    if not isinstance(cv, (int, np.integer)):
        return
    if len(target.values) < cv:
        raise ValueError(f"cv={cv} folds need at least {cv} rows, got {len(target.values)}")
    if target.task == CLASSIFICATION:
        counts = np.bincount(target.values)
        if counts.min() < cv:
            small = _scalar(target.classes[int(np.argmin(counts))])
            raise ValueError(
                f"class {small!r} has {int(counts.min())} member(s), fewer than cv={cv} "
                "folds; lower cv or merge rare classes"
            )
