"""TfidfLinearEncoder: same cross-fitting contract and code as the neural encoders."""

import numpy as np
import pandas as pd
import pytest
from conftest import FAST
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold

from textcnn import TextCNNEncoder, TfidfLinearEncoder


def test_oof_equals_a_hand_written_cross_fit(binary_data):
    X, y = binary_data
    enc = TfidfLinearEncoder(cv=3, random_state=0, min_df=1)
    oof = enc.fit_transform(X, y)
    assert oof.shape == (len(y), 1)
    assert len(enc.models_[0]) == 3
    # refit each fold by hand: the TF-IDF on every text (no target), the linear model on
    # the fold's training rows only
    seed = np.random.RandomState(0).randint(2**31 - 1)
    folds = StratifiedKFold(3, shuffle=True, random_state=seed).split(X, y)
    texts = X["review"].to_numpy()
    tfidf = enc._vectorizer().fit(texts)
    assert all(model[0] is enc.models_[0][0][0] for model in enc.models_[0])  # shared
    for (train, test), model in zip(folds, enc.models_[0], strict=True):
        hand = LogisticRegression(C=4.0, max_iter=1000).fit(
            tfidf.transform(texts[train]), (y == "pos")[train]
        )
        # float32 TF-IDF rows: the same up to rounding, whatever rows are transformed with them
        np.testing.assert_allclose(
            oof[test, 0], hand.predict_proba(tfidf.transform(texts[test]))[:, 1], rtol=1e-5
        )
        np.testing.assert_allclose(
            model.predict_proba(X["review"].to_numpy()[test])[:, 1], oof[test, 0], rtol=1e-5
        )


def test_regression_and_multiclass_outputs():
    rng = np.random.RandomState(0)
    words = np.array(["red", "green", "blue", "x", "y", "z"])
    X = [" ".join(rng.choice(words, 5)) for _ in range(120)]
    y_reg = np.array([t.count("red") * 2.0 - t.count("blue") for t in X])
    enc = TfidfLinearEncoder(cv=4, random_state=0, min_df=1, target_type="continuous")
    oof = enc.fit_transform(X, y_reg)
    assert enc.target_type_ == "continuous"
    assert oof.shape == (120, 1)
    assert np.corrcoef(oof[:, 0], y_reg)[0, 1] > 0.8
    y_cls = np.array(["r", "g", "b"])[rng.randint(0, 3, 120)]
    out = TfidfLinearEncoder(cv=4, random_state=0, min_df=1).fit(X, y_cls).transform(X[:7])
    assert out.shape == (7, 3)
    np.testing.assert_allclose(out.sum(1), 1.0)


def test_bad_parameters_are_named():
    with pytest.raises(ValueError, match="analyzer"):
        TfidfLinearEncoder(analyzer="words").fit(["a b", "c d"] * 5, [0, 1] * 5)
    with pytest.raises(ValueError, match=r"'C' parameter of TfidfLinearEncoder .* Got 0"):
        TfidfLinearEncoder(C=0).fit(["a b", "c d"] * 5, [0, 1] * 5)
    # the encoder's own parameter table, not TfidfVectorizer's, names the fault
    with pytest.raises(ValueError, match=r"'min_df' parameter of TfidfLinearEncoder"):
        TfidfLinearEncoder(min_df=-1).fit(["a b", "c d"] * 5, [0, 1] * 5)


def test_stacks_with_the_cnn_under_one_column_transformer(binary_data):
    from sklearn.compose import ColumnTransformer

    X, y = binary_data
    X = X.assign(n=np.arange(len(y)) % 7)
    ct = ColumnTransformer(
        [
            ("cnn", TextCNNEncoder(**FAST), "review"),
            ("tfidf", TfidfLinearEncoder(cv=3, random_state=0, min_df=1), "review"),
            ("num", "passthrough", ["n"]),
        ]
    ).set_output(transform="pandas")
    out = ct.fit_transform(X, y)
    assert out.columns.tolist() == [
        "cnn__review__textcnn_pos",
        "tfidf__review__tfidf_pos",
        "num__n",
    ]
    model = LogisticRegression().fit(out, y)
    assert model.score(ct.transform(X), y) > 0.9
    assert isinstance(out, pd.DataFrame)


def test_a_class_missing_from_a_fold_gets_probability_zero():
    """A rare class (one row) is absent from some folds' training rows: no crash, p = 0."""
    X = [f"word{i % 7} common text {i % 3}" for i in range(60)] + ["rare words only here"]
    y = ["a", "b", "c"] * 20 + ["d"]
    folds = [(np.arange(0, 61, 1)[np.arange(61) % 3 != k], np.arange(61)[np.arange(61) % 3 == k])
             for k in range(3)]  # fmt: skip
    enc = TfidfLinearEncoder(cv=folds, min_df=1)
    oof = enc.fit_transform(X, y)
    assert oof.shape == (61, 4)
    np.testing.assert_allclose(oof.sum(1), 1.0)
    assert oof[60, 3] == 0.0  # row 60 ("d") was held out from the only fold that had "d"


@pytest.mark.parametrize("case", ["binary", "multiclass", "continuous", "refit", "char"])
def test_save_and_load_give_the_same_features(tmp_path, case):
    """A pickle-free model file (the neural encoders'): the loaded transform is equal."""
    import subprocess
    import sys

    import textcnn

    rng = np.random.RandomState(0)
    words = np.array(["red", "green", "blue", "x", "y", "z"])
    X = pd.DataFrame({"a": [" ".join(rng.choice(words, 5)) for _ in range(90)]})
    X["b"] = X["a"].str[::-1]
    y = {
        "binary": np.array(["no", "yes"])[(X["a"].str.count("red") > 0).astype(int)],
        "multiclass": np.array(["r", "g", "b"])[rng.randint(0, 3, 90)],
        "continuous": X["a"].str.count("red") * 2.0 - X["a"].str.count("blue"),
    }.get(case, (X["a"].str.count("red") > 1).to_numpy())
    params = {"cv": 3, "random_state": 0, "min_df": 1}
    if case == "refit":
        params["refit"] = True
    if case == "continuous":
        params["target_type"] = "continuous"
    if case == "char":
        params.update(analyzer="char_wb", ngram_range=(2, 4), lowercase=False)
    enc = TfidfLinearEncoder(**params).set_output(transform="pandas").fit(X, y)
    path = tmp_path / "m.textcnn"
    enc.save(path)
    new = pd.DataFrame({"a": ["red red x", "", "blue z y green"], "b": ["der", "x", ""]})
    loaded = textcnn.load(path)
    assert type(loaded) is TfidfLinearEncoder
    assert loaded.get_params() == enc.get_params()
    assert len(loaded.models_[0]) == (1 if case == "refit" else 3)
    pd.testing.assert_frame_equal(loaded.transform(new), enc.transform(new), check_exact=True)
    pd.testing.assert_frame_equal(loaded.transform(X), enc.transform(X), check_exact=True)
    assert list(loaded.get_feature_names_out()) == list(enc.get_feature_names_out())
    # loading it imports no torch
    code = (
        "import sys, pandas, textcnn; "
        "textcnn.load(sys.argv[1]).transform(pandas.DataFrame({'a': ['red x'], 'b': ['x']})); "
        "print('torch' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code, str(path)], capture_output=True, text=True)
    assert out.stdout.strip() == "False", out.stderr
