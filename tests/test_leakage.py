"""Leakage guard: out-of-fold features carry no more target information than they should.

(a) With random labels, a downstream model trained on ``fit_transform`` features is at
chance on the training rows and on held-out rows, while the same model on in-sample
``fit(X, y).transform(X)`` features overfits visibly. (b) With real signal, the OOF
features' quality on the training rows is within fold noise of the quality of
``transform`` features on held-out rows.
"""

import numpy as np
import pytest
from conftest import FAST, make_texts
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score

from textcnn import TextCNNEncoder, TfidfLinearEncoder
from textcnn.datasets import load_bbc_news

ENCODERS = {
    "tfidf": lambda: TfidfLinearEncoder(cv=5, random_state=0, min_df=1, C=100.0),
    "cnn": lambda: TextCNNEncoder(**{**FAST, "cv": 5, "max_epochs": 12, "n_filters": 32}),
}


def random_label_data(n: int = 400, seed: int = 0):
    """Texts of random words (memorisable) and labels independent of them."""
    rng = np.random.RandomState(seed)
    vocab = [f"w{i}" for i in range(400)]
    texts = [" ".join(rng.choice(vocab, size=rng.randint(6, 14))) for _ in range(n)]
    return np.asarray(texts, dtype=object), rng.randint(0, 2, size=n)


@pytest.mark.parametrize("kind", sorted(ENCODERS))
def test_random_labels_oof_is_at_chance_in_sample_overfits(kind):
    X, y = random_label_data()
    train, held = np.arange(300), np.arange(300, 400)
    enc = ENCODERS[kind]()
    oof = enc.fit_transform(X[train], y[train])
    held_features = enc.transform(X[held])
    downstream = LogisticRegression().fit(oof, y[train])
    auc_train = roc_auc_score(y[train], downstream.predict_proba(oof)[:, 1])
    auc_held = roc_auc_score(y[held], downstream.predict_proba(held_features)[:, 1])
    # chance: AUC 0.5, standard error ~0.033 on 300 rows, ~0.058 on 100
    assert abs(auc_train - 0.5) < 0.12, auc_train
    assert abs(auc_held - 0.5) < 0.18, auc_held

    leaky = ENCODERS[kind]().fit(X[train], y[train]).transform(X[train])
    overfit = LogisticRegression().fit(leaky, y[train])
    auc_leaky = roc_auc_score(y[train], overfit.predict_proba(leaky)[:, 1])
    assert auc_leaky > 0.85, auc_leaky  # in-sample features "know" the random labels


def _accuracy(enc, features, y):
    if features.shape[1] == 1:
        return np.mean(enc.classes_[(features[:, 0] > 0.5).astype(int)] == y)
    return np.mean(enc.classes_[features.argmax(1)] == y)


def _check_oof_matches_held_out(enc, X, y, train, held, folds_of):
    oof = enc.fit_transform(X[train], y[train])
    acc_oof = _accuracy(enc, oof, y[train])
    acc_held = _accuracy(enc, enc.transform(X[held]), y[held])
    fold_accs = [_accuracy(enc, oof[f], y[train][f]) for f in folds_of(len(train))]
    noise = max(np.std(fold_accs), np.sqrt(acc_held * (1 - acc_held) / len(held)))
    assert abs(acc_oof - acc_held) <= 3 * noise + 0.01, (acc_oof, acc_held, noise)
    return acc_oof, acc_held


def _chunks(k):
    return lambda n: np.array_split(np.arange(n), k)


def test_oof_quality_matches_held_out_quality_tfidf_on_bbc_news():
    frame = load_bbc_news().sample(frac=1.0, random_state=0)
    X, y = frame["text"].to_numpy(dtype=object), frame["category"].to_numpy()
    train, held = np.arange(1500), np.arange(1500, len(y))
    acc_oof, acc_held = _check_oof_matches_held_out(
        TfidfLinearEncoder(random_state=0), X, y, train, held, _chunks(5)
    )
    assert acc_oof > 0.9 and acc_held > 0.9


def test_oof_quality_matches_held_out_quality_cnn():
    rng = np.random.RandomState(1)
    labels = rng.randint(0, 2, size=600)
    noisy = np.where(rng.rand(600) < 0.15, 1 - labels, labels)  # 15% label noise
    X = np.asarray(make_texts(labels, rng), dtype=object)
    y = np.where(noisy == 1, "pos", "neg")
    train, held = np.arange(400), np.arange(400, 600)
    acc_oof, acc_held = _check_oof_matches_held_out(
        TextCNNEncoder(**{**FAST, "cv": 5}), X, y, train, held, _chunks(5)
    )
    assert acc_oof > 0.7 and acc_held > 0.7
