"""The FLAML and H2O AutoML examples run on a small synthetic frame (real, time-boxed fits)."""

from __future__ import annotations

import importlib.util
import os
import shutil
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import FAST, make_texts

from textcnn import TextCNNEncoder, TfidfLinearEncoder

EXAMPLES = Path(__file__).parents[1] / "examples"


def load_example(name: str):
    spec = importlib.util.spec_from_file_location(name, EXAMPLES / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def small_frame(n: int = 240, seed: int = 0) -> pd.DataFrame:
    """Every text is unique, so as a category (what the AutoMLs do alone) it is useless."""
    rng = np.random.RandomState(seed)
    labels = rng.randint(0, 2, size=n)
    texts = [f"{t} {i}" for i, t in enumerate(make_texts(labels, rng))]
    return pd.DataFrame(
        {
            "review": texts,
            "shop": rng.choice(["north", "south", "east"], size=n),
            "price": rng.rand(n).round(3),
            "label": np.where(labels == 1, "pos", "neg"),
        }
    )


def encoders():
    return [TextCNNEncoder(**FAST), TfidfLinearEncoder(cv=3, random_state=0)]


def test_flaml_example_text_features_beat_text_as_a_category(capsys):
    pytest.importorskip("flaml.automl", reason="the flaml extra is not installed")
    example = load_example("flaml_automl")
    results = example.run(
        small_frame(),
        target="label",
        text="review",
        categorical=["shop"],
        numeric=["price"],
        regression=False,
        time_budget=3,
        encoders=encoders(),
        estimators=["lgbm"],
        n_jobs=1,
    )
    alone = results["FLAML alone (text as a category)"]["score"]
    ours = results["FLAML + textcnn"]["score"]
    assert ours > 0.85
    assert ours > alone + 0.2
    assert "FLAML + textcnn" in capsys.readouterr().out


def test_flaml_pipeline_gives_automl_out_of_fold_features():
    pytest.importorskip("flaml.automl", reason="the flaml extra is not installed")
    from flaml import AutoML

    example = load_example("flaml_automl")
    frame = small_frame()
    seen = {}

    class Recording(AutoML):  # what FLAML's fit receives
        def fit(self, X_train=None, y_train=None, **kwargs):
            seen["X"] = X_train.copy()
            return super().fit(X_train, y_train, **kwargs)

    automl = Recording(task="classification", time_budget=2, estimator_list=["lgbm"], n_jobs=1)
    automl.verbose = 0
    model = example.make_model("review", ["shop"], ["price"], automl, [TextCNNEncoder(**FAST)])
    model.fit(frame, frame["label"])
    expected = TextCNNEncoder(**FAST).fit_transform(frame[["review"]], frame["label"])[:, 0]
    assert list(seen["X"].columns) == ["review__textcnn_pos", "shop", "price"]
    np.testing.assert_allclose(seen["X"]["review__textcnn_pos"], expected)


def _java() -> bool:
    return shutil.which("java") is not None


def _zombie_children() -> list[str]:
    """This process's children that exited and were never waited for (Linux)."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:
            continue
        name, rest = text[text.index("(") + 1 : text.rindex(")")], text[text.rindex(")") + 2 :]
        state, ppid = rest.split()[:2]
        if state == "Z" and int(ppid) == os.getpid():
            found.append(name)
    return found


@pytest.mark.skipif(not _java(), reason="H2O needs Java: apt-get install default-jre-headless")
def test_h2o_example_text_features_beat_h2o_alone(capsys):
    pytest.importorskip("h2o", reason="the h2o extra is not installed")
    example = load_example("h2o_automl")
    try:
        results = example.run(
            small_frame(),
            target="label",
            text="review",
            categorical=["shop"],
            numeric=["price"],
            regression=False,
            max_runtime_secs=20,
            encoders=encoders(),
            max_models=2,
            nthreads=1,
        )
    finally:
        example.stop_h2o()
    assert _zombie_children() == []  # the JVM was reaped, not left defunct
    alone = results["H2O AutoML alone"]["score"]
    ours = results["H2O AutoML + textcnn"]["score"]
    assert ours > 0.85
    assert ours > alone + 0.2


def test_h2o_example_without_java_exits_with_the_install_hint(monkeypatch):
    example = load_example("h2o_automl")
    monkeypatch.delenv("JAVA_HOME", raising=False)
    monkeypatch.setattr(example.shutil, "which", lambda name: None)
    monkeypatch.setattr(sys, "argv", ["h2o_automl.py"])
    with pytest.raises(SystemExit, match="apt-get install default-jre-headless"):
        example.main()
    with pytest.raises(RuntimeError, match="no java was found"):
        example.start_h2o()
