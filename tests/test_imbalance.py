"""A rare class: thresholds tuned on held-out rows, around a pipeline with the encoders."""

import numpy as np
import pandas as pd
import pytest
from conftest import FAST
from sklearn.compose import ColumnTransformer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import balanced_accuracy_score
from sklearn.model_selection import TunedThresholdClassifierCV
from sklearn.pipeline import make_pipeline

from textcnn import TextCNNEncoder, TfidfLinearEncoder


def rare_class_table(n: int, seed: int) -> tuple[pd.DataFrame, np.ndarray]:
    """12 % positives; a cue word in 70 % of them and 10 % of the others: P(pos | cue) < 0.5."""
    rng = np.random.RandomState(seed)
    y = (rng.rand(n) < 0.12).astype(int)
    words = np.array(["flight", "late", "crew", "seat", "bag", "gate", "fine", "ok"])
    cue = rng.rand(n) < np.where(y == 1, 0.7, 0.1)
    texts = [" ".join(rng.choice(words, 6)) + (" thanks" if c else "") for c in cue]
    return pd.DataFrame({"text": texts}), y


@pytest.mark.parametrize(
    "make",
    [lambda: TfidfLinearEncoder(cv=3, random_state=0, min_df=1), lambda: TextCNNEncoder(**FAST)],
)
def test_a_threshold_tuned_on_held_out_rows_moves_below_one_half(make):
    X, y = rare_class_table(600, 0)
    X_new, y_new = rare_class_table(600, 1)
    pipeline = make_pipeline(ColumnTransformer([("text", make(), ["text"])]), LogisticRegression())
    default = pipeline.fit(X, y)
    assert (default.predict(X_new) == 0).mean() > 0.95  # at 0.5: nearly all "negative"
    tuned = TunedThresholdClassifierCV(
        make_pipeline(ColumnTransformer([("text", make(), ["text"])]), LogisticRegression()),
        scoring="balanced_accuracy",
        cv=3,
        random_state=0,
    ).fit(X, y)
    assert 0.0 < tuned.best_threshold_ < 0.5
    assert (
        balanced_accuracy_score(y_new, tuned.predict(X_new))
        > balanced_accuracy_score(y_new, default.predict(X_new)) + 0.05
    )
