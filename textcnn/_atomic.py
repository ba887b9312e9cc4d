"""Atomic writes: a file is replaced whole or not at all, never seen half-written."""

from __future__ import annotations

import contextlib
import os
import secrets
from collections.abc import Iterator
from pathlib import Path
from typing import IO


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike[str]) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; on success it replaces ``path``.

    On any error (or Ctrl-C) the temporary file is removed and ``path`` is untouched,
    so readers never see a half-written file.

    Parameters
    ----------
    path : str or os.PathLike
        The final destination.

    Yields
    ------
    pathlib.Path
        Where to write.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> target = pathlib.Path(tempfile.mkdtemp()) / "out.txt"
    >>> with atomic_path(target) as tmp:
    ...     _ = tmp.write_text("done")
    >>> target.read_text()
    'done'
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = _new_temp_file(path)
    try:
        yield tmp
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def _new_temp_file(path: Path) -> Path:
    """Create an empty, uniquely named file beside ``path`` and return its path.

    Created like ``open(name, "x")``: with mode ``0o666 & ~umask``, the mode a plain
    write gives, which the final file keeps after the rename. (``tempfile.mkstemp``
    creates mode 0600, meant for shared temp directories; here the file sits in the
    destination's own directory and becomes the destination.)
    """
    for _ in range(100):
        tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
        try:
            os.close(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666))
        except FileExistsError:
            continue
        return tmp
    raise FileExistsError(f"{path.parent}: no free temporary name for {path.name}")


def check_writable(path: str | os.PathLike[str]) -> None:
    """Raise ``OSError`` now if a file cannot be written beside ``path`` (before any work).

    Creates and removes an empty temporary file in ``path``'s directory: the check
    that also catches read-only file systems and permissions, which ``os.access``
    misses for root.
    """
    _new_temp_file(Path(path)).unlink()


def write_text_atomic(path: str | os.PathLike[str], text: str) -> None:
    r"""Write ``text`` to ``path`` atomically (UTF-8).

    Parameters
    ----------
    path : str or os.PathLike
        The destination; replaced only once the whole text is written.
    text : str
        What to write.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> from textcnn.io import write_text_atomic
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "report.md"
    >>> write_text_atomic(path, "| a |\n")
    >>> path.read_text()
    '| a |\n'
    """
    with atomic_path(path) as tmp:
        tmp.write_text(text, encoding="utf-8")


@contextlib.contextmanager
def atomic_open(path: str | os.PathLike[str], mode: str = "w") -> Iterator[IO]:
    r"""``open`` a temporary file that replaces ``path`` when the block succeeds.

    Parameters
    ----------
    path : str or os.PathLike
        The destination.
    mode : str, default="w"
        ``open``'s mode for the temporary file (``"w"``, ``"wb"``).

    Yields
    ------
    file object
        The open temporary file. If the block raises, it is removed and ``path`` is left
        as it was.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> from textcnn.io import atomic_open
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "out.txt"
    >>> _ = path.write_text("old")
    >>> try:
    ...     with atomic_open(path) as fh:
    ...         _ = fh.write("half of the new")
    ...         raise KeyboardInterrupt
    ... except KeyboardInterrupt:
    ...     pass
    >>> path.read_text()  # untouched: nothing half-written
    'old'
    >>> with atomic_open(path) as fh:
    ...     _ = fh.write("new")
    >>> path.read_text()
    'new'
    """
    with atomic_path(path) as tmp, open(tmp, mode) as fh:
        yield fh
