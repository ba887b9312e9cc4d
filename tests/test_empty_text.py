"""Blank texts get one output value, in ``fit_transform`` and ``transform`` alike (issue 32)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from conftest import FAST, FAST_RNN, make_texts

import textcnn
from textcnn import TextCNNEncoder, TextRNNEncoder, TfidfLinearEncoder

BLANKS = ["", "   ", None, float("nan"), "\n\t"]


def sparse_table(task: str, n: int = 150, seed: int = 0):
    """A text column blank in about 40 % of the rows, blank more often in one class."""
    rng = np.random.RandomState(seed)
    labels = rng.randint(0, 3 if task == "multiclass" else 2, size=n)
    texts: list[object] = make_texts(np.minimum(labels, 1), rng)
    blank = rng.rand(n) < np.where(labels == 0, 0.6, 0.2)
    for i in np.flatnonzero(blank):
        texts[i] = BLANKS[i % len(BLANKS)]
    X = pd.DataFrame({"note": texts, "title": make_texts(labels % 2, rng)})
    y = labels.astype(float) + rng.normal(0, 0.1, n) if task == "continuous" else labels
    return X, y, blank


ENCODERS = {
    "tfidf": lambda **kw: TfidfLinearEncoder(cv=3, random_state=0, **kw),
    "cnn": lambda **kw: TextCNNEncoder(**{**FAST, "max_epochs": 2, **kw}),
    "bigru": lambda **kw: TextRNNEncoder(**{**FAST_RNN, "max_epochs": 2, **kw}),
}


def prior(y, task: str) -> np.ndarray:
    if task == "continuous":
        return np.array([np.mean(y)])
    shares = np.bincount(y) / len(y)
    return shares[1:] if task == "binary" else shares


@pytest.mark.parametrize("kind", list(ENCODERS))
@pytest.mark.parametrize("task", ["binary", "multiclass", "continuous"])
def test_blank_rows_get_the_prior_in_fit_transform_and_transform(kind, task):
    if kind != "tfidf" and task == "multiclass":
        pytest.skip("the networks: binary and continuous suffice; the rule is shared")
    X, y, blank = sparse_table(task)
    enc = ENCODERS[kind]()
    oof = enc.fit_transform(X, y)
    k = len(prior(y, task))
    note = oof[:, :k]  # the first column's features
    np.testing.assert_allclose(enc.empty_value_, prior(y, task))
    np.testing.assert_allclose(note[blank], np.tile(prior(y, task), (blank.sum(), 1)), rtol=1e-6)
    assert len({tuple(row) for row in note[blank]}) == 1  # one value (float32 as the features)
    assert not np.isclose(note[~blank], prior(y, task)).all(axis=1).any()  # only the blanks
    # new blank rows: exactly the value the training rows had, never a fold average
    new = X.iloc[:20].copy()
    new["note"] = ["", None, "  ", float("nan")] * 5
    out = enc.transform(new)
    np.testing.assert_array_equal(out[:, :k], np.tile(note[blank][0], (20, 1)))
    # the other column's blank-free rows are untouched by the rule
    assert np.isfinite(out).all() and not np.isclose(out[:, k:], prior(y, task)).all()


@pytest.mark.parametrize("kind", ["tfidf", "cnn"])
def test_empty_text_nan_gives_missing_values_in_both(kind):
    X, y, blank = sparse_table("binary")
    enc = ENCODERS[kind](empty_text="nan")
    oof = enc.fit_transform(X, y)
    assert np.isnan(oof[blank, 0]).all() and np.isfinite(oof[~blank]).all()
    assert np.isnan(enc.transform(pd.DataFrame({"note": [""], "title": ["good"]}))[0, 0])
    with pytest.raises(ValueError, match="'empty_text' parameter"):
        ENCODERS[kind](empty_text="zero").fit(X, y)


def test_before_the_rule_the_fold_models_disagreed_on_blank_rows():
    """What issue 32 found: each fold's own value for an empty text, their average at transform."""
    X, y, blank = sparse_table("binary")
    enc = TfidfLinearEncoder(cv=5, random_state=0)
    enc.fit(X, y)
    folds = [m.predict_proba(pd.Series([""]))[0, 1] for m in enc.models_[0]]
    assert len(set(np.round(folds, 6))) > 1  # the five fold models: five values
    assert enc.transform(pd.DataFrame({"note": [""], "title": ["x"]}))[0, 0] == pytest.approx(
        prior(y, "binary")[0]
    )


@pytest.mark.parametrize("rule", ["prior", "nan"])
def test_a_model_file_keeps_the_blank_value(rule, tmp_path):
    X, y, blank = sparse_table("binary")
    enc = ENCODERS["cnn"](empty_text=rule)
    enc.fit(X, y)
    enc.save(tmp_path / "m.textcnn")
    loaded = textcnn.load(tmp_path / "m.textcnn")
    new = pd.DataFrame({"note": ["", "good film", None], "title": ["a", "b", "c"]})
    np.testing.assert_array_equal(loaded.transform(new), enc.transform(new))
    np.testing.assert_array_equal(loaded.empty_value_, enc.empty_value_)
    assert np.isnan(loaded.transform(new)[0, 0]) == (rule == "nan")


def test_the_cli_gives_blank_cells_one_value(tmp_path):
    from textcnn.cli import main

    X, y, blank = sparse_table("binary")
    frame = X[["note"]].assign(label=np.where(y == 1, "pos", "neg"), row_id=np.arange(len(y)))
    frame.to_csv(tmp_path / "train.csv", index=False)
    args = ["fit-transform", str(tmp_path / "train.csv"), "--text", "note", "--target", "label"]
    args += ["--embeddings", "none", "--cv", "2", "--max-epochs", "2", "-q", "--no-step-aside"]
    args += ["--model-out", str(tmp_path / "m.textcnn"), "--out", str(tmp_path / "oof.csv")]
    assert main([*args, "--id", "row_id"]) == 0
    oof = pd.read_csv(tmp_path / "oof.csv").set_index("row_id")["note__textcnn_pos"]
    new = tmp_path / "new.csv"
    pd.DataFrame({"note": ["", "good", ""], "row_id": [0, 1, 2]}).to_csv(new, index=False)
    argv = ["transform", str(new), "--model", str(tmp_path / "m.textcnn"), "-q"]
    assert main([*argv, "--out", str(tmp_path / "new_out.csv"), "--id", "row_id"]) == 0
    out = pd.read_csv(tmp_path / "new_out.csv")["note__textcnn_pos"].to_numpy()
    shares = (y == 1).mean()
    np.testing.assert_allclose(oof.to_numpy()[blank], shares, rtol=1e-6)
    np.testing.assert_allclose(out[[0, 2]], shares, rtol=1e-6)
    assert out[1] != pytest.approx(shares)


def test_sklearn_clone_and_params_carry_the_rule():
    from sklearn.base import clone

    enc = TextCNNEncoder(empty_text="nan")
    assert clone(enc).get_params()["empty_text"] == "nan"
    assert TfidfLinearEncoder().get_params()["empty_text"] == "prior"


def test_the_autogluon_plugin_gives_blank_rows_one_value():
    pytest.importorskip("autogluon.tabular", reason="the autogluon extra is not installed")
    from textcnn.autogluon import TextCNNFeatureGenerator

    X, y, blank = sparse_table("binary")
    generator = TextCNNFeatureGenerator(
        text_columns=["note"], encoders=[TfidfLinearEncoder(cv=3)], post_generators=[]
    )
    out = generator.fit_transform(X[["note"]], pd.Series(y), problem_type="binary")
    feature = out["note__tfidf_1"].to_numpy()
    np.testing.assert_allclose(feature[blank], np.mean(y), rtol=1e-6)  # float32 features
    new = generator.transform(pd.DataFrame({"note": ["", None, "good film"]}))
    assert new["note__tfidf_1"].iloc[0] == new["note__tfidf_1"].iloc[1] == feature[blank][0]


def test_the_plugin_drops_a_text_column_blank_in_every_row_and_keeps_the_others(caplog):
    """Issue 32: one all-empty column used to fail every encoder, so no text features at all."""
    pytest.importorskip("autogluon.tabular", reason="the autogluon extra is not installed")
    from textcnn.autogluon import TextCNNFeatureGenerator

    X, y, _ = sparse_table("binary")
    X = X.assign(empty=[None, "", "  "] * (len(X) // 3))
    generator = TextCNNFeatureGenerator(
        text_columns=["title", "empty"], encoders=[TfidfLinearEncoder(cv=3)], post_generators=[]
    )
    with caplog.at_level("WARNING", logger="textcnn"):
        out = generator.fit_transform(X[["title", "empty"]], pd.Series(y), problem_type="binary")
    assert generator.text_columns_ == ["title"]
    assert generator.text_features_ == ["title__tfidf_1"] and "title__tfidf_1" in out
    assert generator.fallbacks_ == ["text column(s) ['empty'] blank in every labelled row: dropped"]
    assert any("['empty'] blank in every labelled row" in r.getMessage() for r in caplog.records)
    with pytest.raises(ValueError, match="text column 'empty' is empty in every row"):
        TfidfLinearEncoder(cv=3).fit(X[["title", "empty"]], y)  # an encoder: a clear error


def test_texts_cut_at_max_length_are_counted_once_per_column(caplog):
    X, y, _ = sparse_table("binary")
    X = X.assign(note=[" ".join(["good"] * (3 + i % 7)) for i in range(len(X))])
    with caplog.at_level("INFO", logger="textcnn"):
        ENCODERS["cnn"](max_length=6).fit(X, y)
    lines = [r.getMessage() for r in caplog.records if "longer than max_length" in r.getMessage()]
    n_long = sum(3 + i % 7 > 6 for i in range(len(X)))
    assert len(lines) == 2 and [line.split(":")[0] for line in lines] == [
        "column 'note'",
        "column 'title'",
    ]  # one line per column, in column order
    assert lines[0] == (
        f"column 'note': {n_long} of {len(X)} texts are longer than max_length=6 tokens: the "
        "networks read their first 6 (the longest has 9)"
    )


@pytest.mark.parametrize("kind", list(ENCODERS))
def test_empty_columns_drop_leaves_an_all_blank_column_out(kind, tmp_path, caplog):
    """empty_columns="drop": the blank column gets no outputs; the rest is the fit without it."""
    X, y, _ = sparse_table("binary")
    X = X.assign(empty=[None, "", "  "] * (len(X) // 3))[["note", "empty", "title"]]
    with pytest.raises(ValueError, match="text column 'empty' is empty in every row.*'drop'"):
        ENCODERS[kind]().fit(X, y)  # the default: one clear error
    with caplog.at_level("WARNING", logger="textcnn"):
        enc = ENCODERS[kind](empty_columns="drop")
        oof = enc.fit_transform(X, y)
    assert any("'empty' is empty in every row: dropped" in r.getMessage() for r in caplog.records)
    assert enc.dropped_columns_ == ["empty"] and enc.kept_columns_ == [0, 2]
    assert [n.split("__")[0] for n in enc.get_feature_names_out()] == ["note", "title"]
    alone = ENCODERS[kind]()
    np.testing.assert_array_equal(oof, alone.fit_transform(X[["note", "title"]], y))
    new = X[:9].assign(empty=["now it has text"] * 9)  # transform takes it, and ignores it
    np.testing.assert_array_equal(enc.transform(new), alone.transform(new[["note", "title"]]))
    # a model file keeps the choice
    enc.save(tmp_path / "m.textcnn")
    loaded = textcnn.load(tmp_path / "m.textcnn")
    assert loaded.dropped_columns_ == ["empty"]
    assert list(loaded.get_feature_names_out()) == list(enc.get_feature_names_out())
    np.testing.assert_array_equal(loaded.transform(new), enc.transform(new))
    # nothing left to encode: an error
    with pytest.raises(ValueError, match=r"every text column \('empty'\) is empty"):
        ENCODERS[kind](empty_columns="drop").fit(X[["empty"]], y)
