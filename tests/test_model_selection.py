"""The encoders inside GridSearchCV / cross_val_score over a Pipeline, with n_jobs."""

import numpy as np
import pytest
from conftest import FAST
from sklearn.base import clone
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV, cross_val_score
from sklearn.pipeline import make_pipeline

from textcnn import TextCNNEncoder, TfidfLinearEncoder


@pytest.mark.parametrize(
    "encoder",
    [TfidfLinearEncoder(cv=3, random_state=0, min_df=1), TextCNNEncoder(**FAST)],
    ids=["tfidf", "cnn"],
)
def test_cross_val_score_is_the_same_with_two_processes(binary_data, encoder):
    X, y = binary_data
    pipe = make_pipeline(encoder, LogisticRegression())
    serial = cross_val_score(pipe, X, y, cv=4, n_jobs=1)
    parallel = cross_val_score(pipe, X, y, cv=4, n_jobs=2)
    np.testing.assert_allclose(parallel, serial)
    assert serial.mean() > 0.65  # chance is 0.5


def test_grid_search_over_encoder_parameters(binary_data):
    X, y = binary_data
    pipe = make_pipeline(TfidfLinearEncoder(cv=3, random_state=0, min_df=1), LogisticRegression())
    grid = {"tfidflinearencoder__C": [0.01, 10.0], "tfidflinearencoder__ngram_range": [(1, 1)]}
    serial = GridSearchCV(pipe, grid, cv=3, n_jobs=1).fit(X, y)
    parallel = GridSearchCV(pipe, grid, cv=3, n_jobs=2).fit(X, y)
    np.testing.assert_allclose(
        parallel.cv_results_["mean_test_score"], serial.cv_results_["mean_test_score"]
    )
    assert serial.best_params_["tfidflinearencoder__C"] == 10.0
    # the refit best pipeline carries its own fitted encoder, not the template's
    assert not hasattr(pipe.steps[0][1], "models_")
    assert serial.best_estimator_.score(X, y) > 0.9


def test_clones_share_no_fitted_state(binary_data):
    X, y = binary_data
    enc = TextCNNEncoder(**FAST).fit(X, y)
    before = enc.transform(X)
    twin = clone(enc)
    assert not hasattr(twin, "models_")
    twin.set_params(random_state=1).fit(X, np.where(y == "pos", "neg", "pos"))  # flipped labels
    np.testing.assert_array_equal(enc.transform(X), before)
    assert np.corrcoef(twin.transform(X)[:, 0], before[:, 0])[0, 1] < 0
