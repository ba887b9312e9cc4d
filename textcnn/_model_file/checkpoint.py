"""Checkpoints of a fit's finished work, so that an interrupted fit resumes (issue 31).

A checkpoint directory holds ``checkpoint.json`` (what the run is: a digest of its
texts, target and groups, its parameters and the package version) and one file per
finished *unit*: a column's group of fold networks, or its refit network. Each unit is
written atomically as soon as it is trained, in the model file's layout (the same
array names, :func:`~textcnn._model_file.state.column_arrays`), in a zip whose
manifest holds the arrays' sha256. A fit given the same directory loads the units that
are there instead of training them again; a unit that cannot be read (torn, damaged)
is trained again, and a directory written for other data or parameters is refused
with one error naming what differs.

Torch-free, like the rest of :mod:`textcnn._model_file`: ``textcnn info DIR`` lists
the finished units without importing torch.
"""

from __future__ import annotations

import hashlib
import io
import json
import logging
import os
import zipfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from .._atomic import atomic_path
from .._version import __version__
from . import container

logger = logging.getLogger(__name__)

RUN_FILE = "checkpoint.json"
UNIT_SUFFIX = ".unit"
UNIT_FORMAT = "textcnn-checkpoint-unit"
#: Parameters that do not change what a fit computes (on one thread), left out of the digest.
NEUTRAL_PARAMS = ("checkpoint_dir", "verbose", "n_jobs", "n_threads", "device")


def _sha256(parts: Sequence[bytes]) -> str:
    digest = hashlib.sha256()
    for part in parts:
        digest.update(len(part).to_bytes(8, "little"))
        digest.update(part)
    return digest.hexdigest()


def run_facts(
    columns: Sequence[Sequence[str]],
    target: np.ndarray,
    groups: np.ndarray | None,
    params: dict[str, Any],
) -> dict[str, Any]:
    """What identifies a fit: digests of its data, its parameters, the package version.

    Parameters
    ----------
    columns : sequence of sequence of str
        The text columns (after the blank-text rule).
    target : ndarray
        The encoded target.
    groups : ndarray or None
        The fold groups.
    params : dict
        ``get_params()`` of the encoder.

    Returns
    -------
    dict
        JSON-able: ``rows``, ``texts``, ``target``, ``groups`` (sha256 or None),
        ``params`` (name -> JSON form) and ``version``.

    Examples
    --------
    >>> a = run_facts([["a", "b"]], np.array([0, 1]), None, {"lr": 0.1, "verbose": True})
    >>> b = run_facts([["a", "c"]], np.array([0, 1]), None, {"lr": 0.2, "verbose": False})
    >>> differences(a, b)
    ['the texts differ', 'parameter lr: 0.1 then, 0.2 now']
    """
    stored = {}
    for name, value in sorted(params.items()):
        if name in NEUTRAL_PARAMS:
            continue
        try:
            stored[name] = container.encode_param(value)
        except Exception:  # no JSON form (e.g. a KeyedVectors): its type (its repr
            stored[name] = f"<{type(value).__name__}>"  # may hold a memory address)
    return {
        "rows": len(columns[0]) if columns else 0,
        "texts": _sha256([t.encode("utf-8", "surrogatepass") for col in columns for t in col]),
        "target": _sha256([np.ascontiguousarray(target).tobytes(), str(target.dtype).encode()]),
        "groups": None if groups is None else _sha256([np.asarray(groups).astype(str).tobytes()]),
        "params": json.loads(json.dumps(stored, default=str)),
        "version": __version__,
    }


def differences(then: dict[str, Any], now: dict[str, Any]) -> list[str]:
    """What differs between two :func:`run_facts`, in words (empty: the same run)."""
    out = []
    if then.get("rows") != now.get("rows"):
        out.append(f"rows: {then.get('rows')} then, {now.get('rows')} now")
    if then.get("rows") == now.get("rows"):  # else every digest differs: rows say it
        out += [
            f"the {k} differ" for k in ("texts", "target", "groups") if then.get(k) != now.get(k)
        ]
    old, new = then.get("params", {}), now.get("params", {})
    for name in sorted(set(old) | set(new)):
        if old.get(name) != new.get(name):
            out.append(f"parameter {name}: {old.get(name)!r} then, {new.get(name)!r} now")
    if then.get("version") != now.get("version"):
        out.append(f"textcnn version: {then.get('version')} then, {now.get('version')} now")
    return out


class StaleCheckpoint(ValueError):
    """A checkpoint directory holds another run's work (the message says what differs)."""


class Checkpoint:
    """A checkpoint directory opened for one fit (see the module docstring).

    Parameters
    ----------
    directory : path
        Created if missing.
    facts : dict
        :func:`run_facts` of the fit.

    Raises
    ------
    StaleCheckpoint
        The directory holds a checkpoint of another run (the message says what differs).
    """

    def __init__(self, directory: str | os.PathLike[str], facts: dict[str, Any]) -> None:
        self.directory = Path(directory)
        self.directory.mkdir(parents=True, exist_ok=True)
        run = self.directory / RUN_FILE
        if run.is_file():
            try:
                then = json.loads(run.read_text(encoding="utf-8"))
            except (OSError, ValueError) as exc:
                raise ValueError(
                    f"checkpoint {self.directory}: {RUN_FILE} cannot be read ({exc}); delete "
                    "the directory (CLI: --force) to start over"
                ) from exc
            changed = differences(then, facts)
            if changed:
                raise StaleCheckpoint(
                    f"checkpoint {self.directory} was written by another run: "
                    + "; ".join(changed)
                    + ". Use another directory, or delete this one (CLI: --force) to start over"
                )
        else:
            with atomic_path(run) as tmp:
                Path(tmp).write_text(json.dumps(facts, indent=1), encoding="utf-8")

    def path(self, name: str) -> Path:
        """The file of unit ``name``."""
        return self.directory / f"{name}{UNIT_SUFFIX}"

    def load(self, name: str, unpack: Callable[[list, dict], list]) -> list | None:
        """The unit's models (``unpack(info, arrays)``), or None if it is not finished.

        A unit file that cannot be read or fails its checksum is removed (it is trained
        again), with a warning.
        """
        path = self.path(name)
        if not path.is_file():
            return None
        try:
            info, arrays = read_unit(path)
            models = unpack(info, arrays)
        except Exception as exc:  # torn or damaged: train it again
            logger.warning("checkpoint unit %s is damaged (%s): training it again", path, exc)
            path.unlink(missing_ok=True)
            return None
        logger.info("checkpoint: %s is finished, loaded from %s", name, path)
        return models

    def save(self, name: str, models: list, pack: Callable[[list], tuple[list, dict]]) -> None:
        """Write the unit's models (``pack(models) -> (info, arrays)``), atomically."""
        info, arrays = pack(models)
        buf = io.BytesIO()
        np.savez(buf, **arrays)
        blob = buf.getvalue()
        manifest = {
            "format": UNIT_FORMAT,
            "textcnn_version": __version__,
            "name": name,
            "info": info,
            "sha256": hashlib.sha256(blob).hexdigest(),
        }
        with atomic_path(self.path(name)) as tmp:
            with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED) as zf:
                zf.writestr("unit.json", json.dumps(manifest))
                zf.writestr("arrays.npz", blob)

    def fit(
        self,
        name: str,
        fit: Callable[[list], list],
        jobs: list,
        pack: Callable[[list], tuple[list, dict]],
        unpack: Callable[[list, dict], list],
    ) -> list:
        """``fit(jobs)``'s models: the unit a former run finished, else trained and written."""
        models = self.load(name, unpack)
        if models is None:
            models = fit(jobs)
            self.save(name, models, pack)
        return models


def read_unit(path: Path) -> tuple[list, dict[str, np.ndarray]]:
    """A unit file's facts and arrays, every check made (format, checksum)."""
    with zipfile.ZipFile(path) as zf:
        manifest = json.loads(zf.read("unit.json"))
        blob = zf.read("arrays.npz")
    if manifest.get("format") != UNIT_FORMAT:
        raise ValueError(f"not a {UNIT_FORMAT} file")
    if hashlib.sha256(blob).hexdigest() != manifest.get("sha256"):
        raise ValueError("its arrays fail their sha256")
    with np.load(io.BytesIO(blob), allow_pickle=False) as data:
        arrays = {k: data[k] for k in data.files}
    return manifest["info"], arrays


def clear(directory: str | os.PathLike[str]) -> int:
    """Remove a checkpoint directory's run file and units (``--force``); how many files."""
    directory = Path(directory)
    if not directory.is_dir():
        return 0
    files = [directory / RUN_FILE, *directory.glob(f"*{UNIT_SUFFIX}")]
    removed = 0
    for f in files:
        if f.is_file():
            f.unlink()
            removed += 1
    return removed


def describe(directory: str | os.PathLike[str]) -> list[str]:
    """Lines for ``textcnn info DIR``: the run, and each finished unit (readable or not)."""
    directory = Path(directory)
    facts = json.loads((directory / RUN_FILE).read_text(encoding="utf-8"))
    lines = [
        f"checkpoint:   {directory} (textcnn {facts.get('version')}, {facts.get('rows')} rows)",
    ]
    units = sorted(directory.glob(f"*{UNIT_SUFFIX}"))
    for path in units:
        try:
            info, _ = read_unit(path)
            state = f"finished, {len(info)} network(s)"
        except Exception as exc:
            state = f"damaged ({exc}): trained again on resume"
        lines.append(f"  {path.stem:<24} {state}")
    if not units:
        lines.append("  no unit finished yet")
    return lines
