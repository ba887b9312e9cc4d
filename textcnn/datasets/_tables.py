"""Loaders for the extra text and mixed tabular + text data sets.

SMS Spam (text only), Twitter US airline sentiment and WineEnthusiast wine reviews.
"""

from __future__ import annotations

import csv
import io
import logging
import os

import numpy as np
import pandas as pd

from ._home import _read_bytes, get_data_home

logger = logging.getLogger(__name__)

#: Columns of ``Tweets.csv`` that are annotation outputs and leak the target
#: ``airline_sentiment``; dropped by :func:`load_airline_tweets` when ``drop_leaky=True``.
AIRLINE_LEAKY_COLUMNS: tuple[str, ...] = (
    "airline_sentiment_confidence",
    "negativereason",
    "negativereason_confidence",
    "airline_sentiment_gold",
    "negativereason_gold",
)


def load_sms_spam(
    data_home: str | os.PathLike[str] | None = None, *, verify: bool = True
) -> pd.DataFrame:
    r"""Load the SMS Spam Collection v.1 (Almeida et al. 2011).

    Reads ``sms_spam/SMSSpamCollection``, a UTF-8 TSV without header
    (``label<TAB>message``). Messages contain unbalanced double quotes, so quoting is
    disabled (``quoting=csv.QUOTE_NONE``); with default quoting rows get merged. NA
    detection is off, so every message is kept verbatim as a string.

    Parameters
    ----------
    data_home : str or os.PathLike, default=None
        Data home folder; see :func:`get_data_home`.
    verify : bool, default=True
        Check the sha256 of the file against :data:`SHA256`.

    Returns
    -------
    pandas.DataFrame
        5,574 rows with columns ``label`` (str, ``"ham"`` 4,827 / ``"spam"`` 747) and
        ``text`` (str), in file order.

    Raises
    ------
    FileNotFoundError
        If the data home or the file is missing.
    ValueError
        If ``verify`` is True and the checksum differs.

    Examples
    --------
    Quoting is off, so an unbalanced double quote stays in its message:

    >>> import pathlib, tempfile
    >>> from textcnn.datasets import load_sms_spam
    >>> home = pathlib.Path(tempfile.mkdtemp())
    >>> (home / "sms_spam").mkdir()
    >>> _ = (home / "sms_spam" / "SMSSpamCollection").write_text(
    ...     'ham\tsee you at 5 "ok\nspam\tWIN a prize now\n'
    ... )
    >>> load_sms_spam(home, verify=False).to_dict("list")
    {'label': ['ham', 'spam'], 'text': ['see you at 5 "ok', 'WIN a prize now']}
    """
    home = get_data_home(data_home)
    raw = _read_bytes(home, "sms_spam/SMSSpamCollection", verify=verify)
    frame = pd.read_csv(
        io.BytesIO(raw),
        sep="\t",
        header=None,
        names=["label", "text"],
        quoting=csv.QUOTE_NONE,
        encoding="utf-8",
        dtype=str,
        keep_default_na=False,
        na_filter=False,
    )
    frame = frame.reset_index(drop=True)
    logger.debug("Loaded SMS Spam: %d rows from %s", len(frame), home)
    return frame


def load_airline_tweets(
    data_home: str | os.PathLike[str] | None = None,
    *,
    verify: bool = True,
    drop_leaky: bool = True,
) -> pd.DataFrame:
    r"""Load Twitter US Airline Sentiment (``Tweets.csv``; CrowdFlower via Kaggle).

    Mixed tabular + text data: 14,640 tweets, target ``airline_sentiment``
    (negative 9,178 / neutral 3,099 / positive 2,363). The CSV has quoted fields with
    embedded newlines and is parsed with :func:`pandas.read_csv` defaults.

    **Leaky columns.** ``negativereason`` is non-null exactly when the label is
    negative; ``negativereason_confidence``, ``airline_sentiment_confidence``,
    ``airline_sentiment_gold`` and ``negativereason_gold`` are also annotation
    outputs. None of them may be used as features (they are listed in
    :data:`AIRLINE_LEAKY_COLUMNS`). Note also 36 fully duplicated rows and 155
    duplicated ``tweet_id`` values: group by ``tweet_id`` in cross-validation.

    Parameters
    ----------
    data_home : str or os.PathLike, default=None
        Data home folder; see :func:`get_data_home`.
    verify : bool, default=True
        Check the sha256 of the file against :data:`SHA256`.
    drop_leaky : bool, default=True
        Drop the leaky columns (``negativereason*``, ``airline_sentiment_confidence``,
        ``*_gold``).

    Returns
    -------
    pandas.DataFrame
        14,640 rows; 15 columns, or 10 with ``drop_leaky=True`` (``tweet_id``,
        ``airline_sentiment``, ``airline``, ``name``, ``retweet_count``, ``text``,
        ``tweet_coord``, ``tweet_created``, ``tweet_location``, ``user_timezone``).

    Raises
    ------
    FileNotFoundError
        If the data home or the file is missing.
    ValueError
        If ``verify`` is True and the checksum differs.

    Examples
    --------
    A one-tweet file with the real header; the leaky annotation columns are dropped:

    >>> import pathlib, tempfile
    >>> from textcnn.datasets import load_airline_tweets
    >>> home = pathlib.Path(tempfile.mkdtemp())
    >>> (home / "airline_tweets").mkdir()
    >>> header = (
    ...     "tweet_id,airline_sentiment,airline_sentiment_confidence,negativereason,"
    ...     "negativereason_confidence,airline,airline_sentiment_gold,name,"
    ...     "negativereason_gold,retweet_count,text,tweet_coord,tweet_created,"
    ...     "tweet_location,user_timezone"
    ... )
    >>> row = '1,negative,1.0,Late Flight,0.7,United,,ann,,0,"@united late, again",,2015-02-24,,'
    >>> _ = (home / "airline_tweets" / "Tweets.csv").write_text(header + "\n" + row + "\n")
    >>> tweets = load_airline_tweets(home, verify=False)
    >>> tweets.shape
    (1, 10)
    >>> [c for c in tweets.columns if "negativereason" in c or "gold" in c]
    []
    >>> tweets.loc[0, "text"]
    '@united late, again'
    """
    home = get_data_home(data_home)
    raw = _read_bytes(home, "airline_tweets/Tweets.csv", verify=verify)
    frame = pd.read_csv(io.BytesIO(raw), encoding="utf-8")
    if drop_leaky:
        leaky = [
            col
            for col in frame.columns
            if col.startswith("negativereason")
            or col.endswith("_gold")
            or col == "airline_sentiment_confidence"
        ]
        frame = frame.drop(columns=leaky)
    frame = frame.reset_index(drop=True)
    logger.debug("Loaded airline tweets: %d rows from %s", len(frame), home)
    return frame


def load_wine_reviews(
    data_home: str | os.PathLike[str] | None = None, *, verify: bool = True
) -> pd.DataFrame:
    r"""Load the WineEnthusiast wine-reviews sample (``wine_reviews.csv``).

    Mixed tabular + text regression: target ``points`` (80-100) from ``description``
    (review text) plus ``price``, ``alcohol`` (string such as ``"13%"``), ``year``,
    ``location`` and ``varietal``. ``excerpt`` is a truncated copy of ``description``
    and ``title`` names the varietal: use one text column only. The file has CRLF line
    endings, which :func:`pandas.read_csv` handles.

    Parameters
    ----------
    data_home : str or os.PathLike, default=None
        Data home folder; see :func:`get_data_home`.
    verify : bool, default=True
        Check the sha256 of the file against :data:`SHA256`.

    Returns
    -------
    pandas.DataFrame
        5,141 rows and 9 columns (``varietal``, ``title``, ``excerpt``, ``points``,
        ``price``, ``location``, ``description``, ``alcohol``, ``year``). Missing values
        are kept (e.g. 165 missing prices, 1 missing description).

    Raises
    ------
    FileNotFoundError
        If the data home or the file is missing.
    ValueError
        If ``verify`` is True and the checksum differs.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> from textcnn.datasets import load_wine_reviews
    >>> home = pathlib.Path(tempfile.mkdtemp())
    >>> (home / "wine_reviews").mkdir()
    >>> _ = (home / "wine_reviews" / "wine_reviews.csv").write_bytes(
    ...     b"varietal,title,excerpt,points,price,location,description,alcohol,year\r\n"
    ...     b"Merlot,A Merlot,Ripe plum,88,15.0,Napa,Ripe plum and oak.,13.5%,2012\r\n"
    ... )
    >>> wines = load_wine_reviews(home, verify=False)
    >>> wines[["points", "description", "alcohol"]].to_dict("records")
    [{'points': 88, 'description': 'Ripe plum and oak.', 'alcohol': '13.5%'}]
    """
    home = get_data_home(data_home)
    raw = _read_bytes(home, "wine_reviews/wine_reviews.csv", verify=verify)
    frame = pd.read_csv(io.BytesIO(raw), encoding="utf-8").reset_index(drop=True)
    logger.debug("Loaded wine reviews: %d rows from %s", len(frame), home)
    return frame


#: The text columns of the book-prices table (Author, Edition, Genre and BookCategory are
#: short strings, Title a few words, Synopsis a paragraph).
BOOK_TEXT_COLUMNS = ("Title", "Author", "Edition", "Synopsis", "Genre", "BookCategory")


def load_book_prices(
    data_home: str | os.PathLike[str] | None = None, *, verify: bool = True
) -> pd.DataFrame:
    r"""Load the book-prices table (MachineHack, ``book_prices/Data_Train.xlsx``).

    Mixed tabular + long-text regression with several text columns
    (:data:`BOOK_TEXT_COLUMNS`): predict ``log_price`` = log10(``Price`` + 1), as Shi et
    al. (2021) do. ``Reviews`` ("4.0 out of 5 stars") and ``Ratings`` ("8 customer
    reviews") are parsed into the numbers ``stars`` and ``n_reviews``. 631 rows repeat
    Title + Author + Edition and 688 synopses repeat: group folds by ``Synopsis``.
    Reading the Excel file needs ``openpyxl`` (``pip install openpyxl``).

    Parameters
    ----------
    data_home : str or os.PathLike, default=None
        Data home folder; see :func:`get_data_home`.
    verify : bool, default=True
        Check the sha256 of the file against :data:`SHA256`.

    Returns
    -------
    pandas.DataFrame
        6,237 rows: the nine columns of the file, then ``stars``, ``n_reviews`` and
        ``log_price``.

    Raises
    ------
    FileNotFoundError
        If the data home or the file is missing.
    ImportError
        If ``openpyxl`` is not installed.
    ValueError
        If ``verify`` is True and the checksum differs.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> import pandas as pd
    >>> from textcnn.datasets import load_book_prices
    >>> home = pathlib.Path(tempfile.mkdtemp())
    >>> (home / "book_prices").mkdir()
    >>> pd.DataFrame({"Title": ["Leviathan"], "Author": ["Thomas Hobbes"],
    ...     "Edition": ["Paperback,– 25 Feb 1982"], "Reviews": ["4.8 out of 5 stars"],
    ...     "Ratings": ["1 customer review"], "Synopsis": ["During the time men live"],
    ...     "Genre": ["Politics"], "BookCategory": ["Humour"], "Price": [299.0]},
    ... ).to_excel(home / "book_prices" / "Data_Train.xlsx", index=False)
    >>> books = load_book_prices(home, verify=False)
    >>> books[["stars", "n_reviews", "log_price"]].round(3).to_dict("records")
    [{'stars': 4.8, 'n_reviews': 1, 'log_price': 2.477}]
    """
    try:
        import openpyxl  # noqa: F401
    except ImportError as exc:
        raise ImportError("load_book_prices reads an Excel file: pip install openpyxl") from exc
    home = get_data_home(data_home)
    raw = _read_bytes(home, "book_prices/Data_Train.xlsx", verify=verify)
    frame = pd.read_excel(io.BytesIO(raw), engine="openpyxl").reset_index(drop=True)
    frame["stars"] = frame["Reviews"].str.extract(r"([\d.]+)", expand=False).astype(float)
    reviews = frame["Ratings"].str.extract(r"([\d,]+)", expand=False).str.replace(",", "")
    frame["n_reviews"] = reviews.astype(int)
    frame["log_price"] = np.log10(frame["Price"] + 1)
    logger.debug("Loaded book prices: %d rows from %s", len(frame), home)
    return frame
