"""What ``textcnn info`` prints of a model file, in words for people (torch-free)."""

from __future__ import annotations

import json
import os
from typing import Any

from ._model_file import decode_param


def describe_target(target_type: str, classes: Any) -> str:
    """The task the encoder chose, for people, with how to choose the other one.

    Examples
    --------
    >>> describe_target("multiclass", [1, 2, 3])
    'target: 3 classes (1, 2, 3); use --target-type continuous for regression'
    >>> describe_target("continuous", None)
    'target: continuous (regression)'
    """
    if target_type == "continuous":
        return "target: continuous (regression)"
    shown = ", ".join(str(c) for c in list(classes)[:10]) + (", ..." if len(classes) > 10 else "")
    numeric = all(isinstance(c, (int, float)) and not isinstance(c, bool) for c in classes)
    hint = "; use --target-type continuous for regression" if numeric else ""
    return f"target: {len(classes)} classes ({shown}){hint}"


def human(value: Any) -> str:
    """A metric for people: 4 significant digits (``0.4395``, ``59.43``); others as str."""
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value)


def model_lines(manifest: dict[str, Any], path: str | os.PathLike[str]) -> list[str]:
    """``textcnn info``'s lines for a model file's manifest (:func:`read_manifest`'s).

    Parameters
    ----------
    manifest : dict
        The checked manifest, with its member blobs (``"_blobs"``).
    path : str or os.PathLike
        The file, as named on the command line.

    Returns
    -------
    list of str
        Class, columns, target, the models per column, metrics.
    """
    params = manifest["params"]
    neural = "networks" in manifest
    per_column = manifest["networks"] if neural else manifest["models"]
    n_models = len(per_column[0])
    scheme = "refit on all rows" if params.get("refit") else f"{n_models} fold models averaged"
    cv = decode_param(params.get("cv"))
    lines = [
        f"model:        {path}",
        f"class:        {manifest['class']} (textcnn {manifest['textcnn_version']}, "
        f"format {manifest['format_version']})",
        f"text columns: {', '.join(manifest['feature_names_in'] or [])}",
        "target:       "
        + describe_target(manifest["target_type"], manifest["classes"]).removeprefix("target: "),
    ]
    names = manifest["feature_names_in"] or [f"x{j}" for j in range(manifest["n_features_in"])]
    kept = manifest.get("kept_columns")  # empty_columns="drop" left some out
    if kept is not None and len(kept) < len(names):
        dropped = [n for j, n in enumerate(names) if j not in kept]
        lines.append(f"dropped:      {', '.join(dropped)} (empty in every row)")
    if kept is not None:
        names = [names[j] for j in kept]
    if neural:
        lines += [
            f"networks:     {n_models} per text column ({scheme}); cv={cv!r}",
            f"embeddings:   {params.get('embeddings')} ({manifest['embedding_mode']})",
            "coverage:     "
            + (", ".join(f"{k} {v:.1%}" for k, v in manifest["embedding_coverage"].items()) or "-"),
        ]
        aside = [
            n for n, nets in zip(names, manifest["networks"], strict=True) if "network" in nets[0]
        ]
        lines += [f"n-grams only: {', '.join(aside)} (the networks stepped aside)"] if aside else []
    else:
        grams = json.loads(manifest["_blobs"]["ngrams.json"])
        linear = (
            "ridge regression" if manifest["target_type"] == "continuous" else "logistic regression"
        )
        lines += [
            f"models:       TF-IDF + {linear}, {n_models} per text column ({scheme}); cv={cv!r}",
            "n-grams:      "
            + ", ".join(f"{n} {len(v):,}" for n, v in zip(names, grams, strict=True)),
        ]
    lines += [
        f"not stored:   {k}={v} (stored None)"
        for k, v in (manifest.get("replaced_params") or {}).items()
    ]
    lines += [f"metric:       {k} = {human(v)}" for k, v in (manifest.get("metrics") or {}).items()]
    return lines
