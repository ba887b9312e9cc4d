"""Checkpoints of a fit's finished work, so that an interrupted fit resumes (issue 31).

A checkpoint directory holds ``checkpoint.json`` (what the run is: a digest of its
texts, target and groups, its parameters and the package version, then the plan its
networks train) and one file per finished *unit*: a column's group of fold networks, or
its refit network. Each unit is written atomically as soon as it is trained, in the
model file's layout (the same array names,
:func:`~textcnn._model_file.state.column_arrays`), in a zip whose manifest holds the
arrays' sha256. A fit given the same directory loads the units that are there instead
of training them again; a unit that cannot be read (torn, damaged) is trained again, and
a directory written for other data or parameters is refused with one error naming what
differs.

While a unit trains, its training state after each epoch (weights, the optimiser's
moments, each network's best weights, early-stopping counters and random generators)
is kept beside it as ``<unit>.progress`` (:class:`Progress`): a run killed mid-unit
resumes at the next epoch, as if never stopped. A unit that ``max_time``'s deadline
stopped keeps only its progress file, so a run given more time continues its networks
from where they stopped instead of from scratch.

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
PROGRESS_SUFFIX = ".progress"
UNIT_FORMAT = "textcnn-checkpoint-unit"
#: Parameters left out of the digest: those that do not change what a fit computes (on
#: one thread), and ``max_time``, whose plan the checkpoint records (a resumed run trains
#: the first run's plan; more time only moves its deadline).
NEUTRAL_PARAMS = ("checkpoint_dir", "verbose", "n_jobs", "n_threads", "device", "max_time")


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
            facts = {**facts, **{k: v for k, v in then.items() if k not in facts}}
        else:
            _write_json(run, facts)
        self.facts = facts

    def recall(self, key: str) -> Any:
        """What :meth:`record` kept under ``key`` (e.g. the plan), or None."""
        return self.facts.get("recorded", {}).get(key)

    def record(self, key: str, value: Any) -> None:
        """Keep a JSON-able ``value`` in ``checkpoint.json`` for a resumed run."""
        self.facts = {**self.facts, "recorded": {**self.facts.get("recorded", {}), key: value}}
        _write_json(self.directory / RUN_FILE, self.facts)

    def path(self, name: str) -> Path:
        """The file of unit ``name``."""
        return self.directory / f"{name}{UNIT_SUFFIX}"

    def progress(self, name: str) -> Progress:
        """The training state of unit ``name`` while it trains (see :class:`Progress`)."""
        return Progress(self.directory / f"{name}{PROGRESS_SUFFIX}", name)

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
        _write_zip(self.path(name), name, *pack(models))

    def fit(
        self,
        name: str,
        fit: Callable[..., list],
        jobs: list,
        pack: Callable[[list], tuple[list, dict]],
        unpack: Callable[[list, dict], list],
    ) -> list:
        """``fit(jobs, progress)``'s models: the unit a former run finished, else trained.

        A unit trained to its end is written and its progress file removed; one that the
        deadline stopped (a model's ``deadline_cut``) keeps its progress file instead, so a
        resumed run continues it.
        """
        progress = self.progress(name)
        models = self.load(name, unpack)
        if models is not None:
            progress.path.unlink(missing_ok=True)  # a kill between the two writes left it
            return models
        models = fit(jobs, progress)
        if any(getattr(m, "deadline_cut", False) for m in models):
            logger.info(
                "checkpoint: %s was stopped by max_time; its training state is kept in %s "
                "(a resumed run continues it)",
                name,
                progress.path,
            )
            return models
        self.save(name, models, pack)
        progress.path.unlink(missing_ok=True)
        return models


class Progress:
    """The training state of one unit between epochs: ``<unit>.progress`` (atomic).

    The training loop (:func:`textcnn._torch.training.fit_loop`) saves its state after
    each epoch and, starting, loads one a former run left. Stored as a unit is: a zip of
    the facts (JSON) and the arrays (``.npz``) with their sha256.

    Parameters
    ----------
    path : Path
        The progress file.
    name : str
        The unit's name.
    """

    def __init__(self, path: Path, name: str) -> None:
        self.path, self.name = path, name

    def load(self) -> tuple[dict, dict[str, np.ndarray]] | None:
        """The saved facts and arrays, or None (none saved; a damaged one is removed)."""
        if not self.path.is_file():
            return None
        try:
            return read_unit(self.path)
        except Exception as exc:  # torn or damaged: that unit starts over
            logger.warning("checkpoint %s is damaged (%s): the unit starts over", self.path, exc)
            self.path.unlink(missing_ok=True)
            return None

    def save(self, info: dict, arrays: dict[str, np.ndarray]) -> None:
        """Replace the saved state, atomically."""
        _write_zip(self.path, self.name, info, arrays)


def _write_json(path: Path, facts: dict[str, Any]) -> None:
    text = json.dumps(facts, indent=1, default=lambda v: v.item())  # numpy scalars
    with atomic_path(path) as tmp:
        Path(tmp).write_text(text, encoding="utf-8")


def _write_zip(path: Path, name: str, info: Any, arrays: dict[str, np.ndarray]) -> None:
    """A unit or progress file: manifest (facts, sha256 of the arrays) and arrays, atomically.

    Stored, not deflated: the arrays are float weights that do not compress, and a
    progress file is written after every epoch.
    """
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
    with atomic_path(path) as tmp:
        with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_STORED) as zf:
            zf.writestr("unit.json", json.dumps(manifest))
            zf.writestr("arrays.npz", blob)


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
    """Remove a checkpoint directory's run file, units and progress (``--force``); how many."""
    directory = Path(directory)
    if not directory.is_dir():
        return 0
    files = [
        directory / RUN_FILE,
        *directory.glob(f"*{UNIT_SUFFIX}"),
        *directory.glob(f"*{PROGRESS_SUFFIX}"),
    ]
    removed = 0
    for f in files:
        if f.is_file():
            f.unlink()
            removed += 1
    return removed


def describe(directory: str | os.PathLike[str]) -> list[str]:
    """Lines for ``textcnn info DIR``: the run, its plan, each unit finished or in progress."""
    directory = Path(directory)
    facts = json.loads((directory / RUN_FILE).read_text(encoding="utf-8"))
    lines = [
        f"checkpoint:   {directory} (textcnn {facts.get('version')}, {facts.get('rows')} rows)",
    ]
    plan = facts.get("recorded", {}).get("plan")
    if plan:
        lines.append(
            f"  plan: {plan.get('folds')} folds x {plan.get('epochs')} epochs"
            + ("" if plan.get("train", True) else ", n-gram features only (stepped aside)")
        )
    units = sorted(directory.glob(f"*{UNIT_SUFFIX}"))
    for path in units:
        try:
            info, _ = read_unit(path)
            state = f"finished, {len(info)} network(s)"
        except Exception as exc:
            state = f"damaged ({exc}): trained again on resume"
        lines.append(f"  {path.stem:<24} {state}")
    for path in sorted(directory.glob(f"*{PROGRESS_SUFFIX}")):
        try:
            info, _ = read_unit(path)
            state = f"in progress: {info['epoch']} of {info['n_epochs']} epochs done"
            if info.get("deadline_cut"):
                state += ", stopped by max_time (a resumed run continues it)"
        except Exception as exc:
            state = f"damaged ({exc}): starts over on resume"
        lines.append(f"  {path.stem:<24} {state}")
    if not units:
        lines.append("  no unit finished yet")
    return lines
