"""The data home of the offline data sets: locating it, and reading files checked by sha256."""

from __future__ import annotations

import hashlib
import logging
import os
from pathlib import Path

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
    "book_prices/Data_Train.xlsx": (
        "3e9587cc208d901d70f1eae92cae50e1e3644ec8420ca246c7a5b0d77504ff26"
    ),
}


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

    Examples
    --------
    >>> import tempfile
    >>> from textcnn.datasets import get_data_home
    >>> home = tempfile.mkdtemp()
    >>> get_data_home(home).is_dir()                # an explicit folder wins over TEXTCNN_DATA
    True
    >>> get_data_home(home + "/missing")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    FileNotFoundError: Data home folder '.../missing' (data_home='.../missing') does not exist. ...
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
