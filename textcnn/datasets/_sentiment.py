"""Loaders for the Kim (2014) sentence-classification benchmarks: MR, SST-1/2, CR, MPQA."""

from __future__ import annotations

import logging
import os

import pandas as pd

from ._home import _read_bytes, get_data_home

logger = logging.getLogger(__name__)

_SST_SPLITS = ("train", "dev", "test")


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
    r"""Load MR, the movie-review sentence polarity data set (Pang & Lee 2005).

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

    Examples
    --------
    A data home holding a two-sentence MR (the real files have 5,331 lines each; they are
    Windows-1252, so ``\xe9`` reads as "é"):

    >>> import pathlib, tempfile
    >>> from textcnn.datasets import load_mr
    >>> home = pathlib.Path(tempfile.mkdtemp())
    >>> (home / "mr").mkdir()
    >>> _ = (home / "mr" / "rt-polarity.neg").write_bytes(b"a dull , lifeless film . \n")
    >>> _ = (home / "mr" / "rt-polarity.pos").write_bytes(b"a caf\xe9 gem . \n")
    >>> load_mr(home, verify=False).to_dict("list")
    {'text': ['a dull , lifeless film .', 'a café gem .'], 'label': ['neg', 'pos']}
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
    r"""Load one split of SST-2 (binary Stanford Sentiment Treebank, sentence level).

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

    Examples
    --------
    >>> import pathlib, tempfile
    >>> from textcnn.datasets import load_sst2
    >>> home = pathlib.Path(tempfile.mkdtemp())
    >>> (home / "sst2").mkdir()
    >>> _ = (home / "sst2" / "stsa.binary.test").write_text("1 a gem .\n0 a dud .\n")
    >>> load_sst2(home, split="test", verify=False).to_dict("list")
    {'text': ['a gem .', 'a dud .'], 'label': [1, 0]}
    """
    return _load_sst(data_home, "sst2/stsa.binary", split, verify=verify, name="SST-2")


def load_sst1(
    data_home: str | os.PathLike[str] | None = None,
    *,
    split: str = "train",
    verify: bool = True,
) -> pd.DataFrame:
    r"""Load one split of SST-1 (5-class Stanford Sentiment Treebank, sentence level).

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

    Examples
    --------
    >>> import pathlib, tempfile
    >>> from textcnn.datasets import load_sst1
    >>> home = pathlib.Path(tempfile.mkdtemp())
    >>> (home / "sst1").mkdir()
    >>> _ = (home / "sst1" / "stsa.fine.dev").write_text("4 a gem .\n2 a film .\n")
    >>> load_sst1(home, split="dev", verify=False).to_dict("list")
    {'text': ['a gem .', 'a film .'], 'label': [4, 2]}
    """
    return _load_sst(data_home, "sst1/stsa.fine", split, verify=verify, name="SST-1")


def load_cr(
    data_home: str | os.PathLike[str] | None = None, *, verify: bool = True
) -> pd.DataFrame:
    r"""Load CR, the customer-review sentence polarity data set (Hu & Liu 2004).

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

    Examples
    --------
    >>> import pathlib, tempfile
    >>> from textcnn.datasets import load_cr
    >>> home = pathlib.Path(tempfile.mkdtemp())
    >>> (home / "cr").mkdir()
    >>> _ = (home / "cr" / "custrev.neg").write_text("the battery died .\n\n")
    >>> _ = (home / "cr" / "custrev.pos").write_text("great zoom .\n")
    >>> load_cr(home, verify=False).to_dict("list")  # blank lines are dropped
    {'text': ['the battery died .', 'great zoom .'], 'label': ['neg', 'pos']}
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
    r"""Load MPQA, the opinion-polarity data set of short phrases (Wiebe et al. 2005).

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

    Examples
    --------
    >>> import pathlib, tempfile
    >>> from textcnn.datasets import load_mpqa
    >>> home = pathlib.Path(tempfile.mkdtemp())
    >>> (home / "mpqa").mkdir()
    >>> _ = (home / "mpqa" / "mpqa.neg").write_text("threatened\n")
    >>> _ = (home / "mpqa" / "mpqa.pos").write_text("welcomed\n")
    >>> load_mpqa(home, verify=False).to_dict("list")
    {'text': ['threatened', 'welcomed'], 'label': ['neg', 'pos']}
    """
    return _load_polarity_pair(
        data_home,
        "mpqa/mpqa.neg",
        "mpqa/mpqa.pos",
        encoding="utf-8",
        verify=verify,
        name="MPQA",
    )
