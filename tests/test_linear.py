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
    # refit each fold by hand from the fold models' own training rows
    seed = np.random.RandomState(0).randint(2**31 - 1)
    folds = StratifiedKFold(3, shuffle=True, random_state=seed).split(X, y)
    for (train, test), model in zip(folds, enc.models_[0], strict=True):
        hand = enc._pipeline("classification").fit(
            X["review"].to_numpy()[train], (y == "pos")[train]
        )
        np.testing.assert_allclose(
            oof[test, 0], hand.predict_proba(X["review"].to_numpy()[test])[:, 1]
        )
        np.testing.assert_allclose(
            model.predict_proba(X["review"].to_numpy()[test])[:, 1], oof[test, 0]
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
