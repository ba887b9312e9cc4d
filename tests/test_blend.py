"""The networks' n-gram linear blend branch (``linear_blend``) and task-aware defaults."""

import numpy as np
import pytest
from conftest import FAST
from sklearn.linear_model import LogisticRegression, Ridge

import textcnn
from textcnn import TextCNNEncoder, TextRNNEncoder, _input, _torch
from textcnn._ngram import LinearHead, make_vectorizer


@pytest.mark.parametrize("n_classes", [2, 3])
def test_linear_head_equals_logistic_regression(n_classes):
    rng = np.random.RandomState(0)
    X, y = rng.randn(60, 5), rng.randint(0, n_classes, 60)
    head = LinearHead.fit(X, y, "classification", C=2.0, alpha=1.0, n_classes=n_classes)
    reference = LogisticRegression(C=2.0, max_iter=1000).fit(X, y).predict_proba(X)
    np.testing.assert_allclose(head.predict(X), reference, atol=1e-5)


def test_linear_head_covers_classes_missing_from_a_fold():
    rng = np.random.RandomState(0)
    X, y = rng.randn(30, 4), rng.choice([0, 2], 30)  # class 1 absent
    head = LinearHead.fit(X, y, "classification", C=1.0, alpha=1.0, n_classes=3)
    proba = head.predict(X)
    reference = LogisticRegression(C=1.0, max_iter=1000).fit(X, y).predict_proba(X)
    np.testing.assert_allclose(proba[:, [0, 2]], reference, atol=1e-5)
    assert proba.shape == (30, 3) and np.all(proba[:, 1] == 0)
    single = LinearHead.fit(X, np.full(30, 1), "classification", 1.0, 1.0, n_classes=3)
    np.testing.assert_allclose(single.predict(X), np.tile([0.0, 1.0, 0.0], (30, 1)))


def test_linear_head_equals_ridge():
    rng = np.random.RandomState(0)
    X, y = rng.randn(40, 4), rng.randn(40)
    head = LinearHead.fit(X, y, "regression", C=1.0, alpha=0.3)
    np.testing.assert_allclose(head.predict(X)[:, 0], Ridge(alpha=0.3).fit(X, y).predict(X), 1e-5)


def test_blend_is_the_weighted_mean_of_network_and_linear_model(binary_data):
    X, y = binary_data
    enc = TextCNNEncoder(**{**FAST, "linear_blend": 0.3}).fit(X, y)
    ngrams = enc.ngram_vectorizers_[0].transform(X["review"])
    parts = []
    for net in enc.models_[0]:
        ids, lengths = textcnn._text.encode(
            enc._tokenize(X["review"].tolist()), enc.vocabularies_[0], enc.max_length
        )
        parts.append(0.7 * _torch.predict(net, ids, lengths) + 0.3 * net.linear.predict(ngrams))
    np.testing.assert_allclose(enc.transform(X)[:, 0], np.mean(parts, axis=0)[:, 1], atol=1e-12)


def test_no_blend_leaves_the_plain_network(binary_data):
    X, y = binary_data
    plain = TextCNNEncoder(**{**FAST, "linear_blend": 0.0}).fit(X, y)
    assert plain.ngram_vectorizers_ == [None]
    assert all(net.linear is None for net in plain.models_[0])
    blended = TextCNNEncoder(**FAST).fit(X, y)  # same seeds: same networks
    a, b = plain.transform(X), blended.transform(X)
    assert not np.allclose(a, b)
    for p, q in zip(plain.models_[0], blended.models_[0], strict=True):
        for s, t in zip(p.module.parameters(), q.module.parameters(), strict=True):
            np.testing.assert_array_equal(s.detach().numpy(), t.detach().numpy())


def test_blend_helps_where_the_network_is_weak(binary_data):
    """Networks trained 1 epoch are weak; the blend lifts OOF accuracy toward the n-grams'."""
    X, y = binary_data
    weak = {**FAST, "max_epochs": 1, "lr": 1e-4}
    plain = TextCNNEncoder(**{**weak, "linear_blend": 0.0}).fit_transform(X, y)[:, 0]
    blended = TextCNNEncoder(**weak).fit_transform(X, y)[:, 0]
    accuracy = lambda p: np.mean((p > 0.5) == (y == "pos"))  # noqa: E731
    assert accuracy(blended) > accuracy(plain) + 0.1


def test_blend_survives_save_and_load(binary_data, tmp_path):
    X, y = binary_data
    enc = TextCNNEncoder(**FAST).fit(X, y)
    enc.save(tmp_path / "b.textcnn")
    loaded = textcnn.load(tmp_path / "b.textcnn")
    assert loaded.ngram_vectorizers_[0].vocabulary_ == enc.ngram_vectorizers_[0].vocabulary_
    np.testing.assert_array_equal(loaded.transform(X), enc.transform(X))


def test_empty_ngram_vocabulary_means_no_branch(caplog):
    X = ["alpha", "beta", "gamma", "delta"] * 2 + ["x y", "z w"]
    y = [0, 1, 0, 1, 0, 1, 0, 1, 0, 1]
    X = [f"{t} {i}" for i, t in enumerate(X)]  # every n-gram but the words once
    enc = TextCNNEncoder(**{**FAST, "cv": 2}).fit(X, y)
    assert enc.ngram_vectorizers_[0] is not None  # words repeat: a branch
    unique = [f"w{i}" for i in range(10)]
    enc = TextCNNEncoder(**{**FAST, "cv": 2}).fit(unique, y)
    assert enc.ngram_vectorizers_ == [None] and "no linear blend branch" in caplog.text


@pytest.mark.parametrize(
    ("cls", "target", "dropout", "patience"),
    [
        (TextCNNEncoder, "classes", 0.5, 1),
        (TextCNNEncoder, "continuous", 0.2, 2),
        (TextRNNEncoder, "classes", 0.5, 2),
        (TextRNNEncoder, "continuous", 0.5, 2),
    ],
)
def test_auto_dropout_and_patience_follow_the_task(cls, target, dropout, patience, binary_data):
    X, y = binary_data
    y = (y == "pos").astype(float) + np.linspace(0, 0.5, len(y)) if target == "continuous" else y
    params = {k: v for k, v in FAST.items() if k not in ("kernel_sizes", "n_filters")}
    enc = cls(**{**params, "max_epochs": 1}).fit(X, y)
    task = _input.REGRESSION if target == "continuous" else _input.CLASSIFICATION
    module = enc.models_[0][0].module  # the CNN keeps a rate, the RNN an nn.Dropout layer
    assert (module.dropout if cls is TextCNNEncoder else module.dropout.p) == dropout
    assert enc._train_config("cpu", task).patience == patience
    assert cls(**{**params, "dropout": 0.1}).get_params()["dropout"] == 0.1


@pytest.mark.parametrize(
    ("param", "value"),
    [
        ("linear_blend", 1.5),
        ("linear_blend", -0.1),
        ("dropout", 1.0),
        ("dropout", "high"),
        ("patience", 0),
        ("patience", "auto-ish"),
    ],
)
def test_bad_blend_dropout_patience(param, value, binary_data):
    X, y = binary_data
    with pytest.raises(ValueError, match=param):
        TextCNNEncoder(**{**FAST, param: value}).fit(X, y)


def test_vectorizer_rebuilt_from_its_vocabulary():
    texts = ["good film", "bad film", "good plot", "bad plot"]
    fitted = make_vectorizer().fit(texts)
    rebuilt = make_vectorizer(vocabulary=fitted.get_feature_names_out().tolist())
    rebuilt.idf_ = fitted.idf_
    np.testing.assert_array_equal(
        rebuilt.transform(texts).toarray(), fitted.transform(texts).toarray()
    )


def test_version_1_model_files_still_load(binary_data, tmp_path):
    """Files written before the blend branch (format 1, no ngrams.json) load and transform."""
    import json
    import zipfile

    X, y = binary_data
    enc = TextCNNEncoder(**{**FAST, "linear_blend": 0.0}).fit(X, y)
    enc.save(tmp_path / "v2.textcnn")
    with zipfile.ZipFile(tmp_path / "v2.textcnn") as zf:
        manifest = json.loads(zf.read("manifest.json"))
        blobs = {n: zf.read(n) for n in ("vocabularies.json", "tensors.npz")}
    manifest["format_version"] = 1
    del manifest["sha256"]["ngrams.json"]
    with zipfile.ZipFile(tmp_path / "v1.textcnn", "w") as zf:
        zf.writestr("manifest.json", json.dumps(manifest))
        for name, blob in blobs.items():
            zf.writestr(name, blob)
    loaded = textcnn.load(tmp_path / "v1.textcnn")
    assert loaded.ngram_vectorizers_ == [None]
    np.testing.assert_array_equal(loaded.transform(X), enc.transform(X))


NGRAM_TEXTS = [
    "Don't panic, it's fine!",
    "The plot is a tedious mess; the plot is worse.",
    "",
    "   ",
    "Café naïve résumé — ÉCOLE",
    "a b a b a b a b c",
    "one",
] * 3


@pytest.mark.parametrize(
    "options",
    [
        {},  # the blend's and TfidfLinearEncoder's defaults
        {"ngram_range": (1, 3), "sublinear_tf": False},
        {"ngram_range": (2, 3), "lowercase": False},
        {"ngram_range": (1, 1), "min_df": 1},
        {"analyzer": "char_wb", "ngram_range": (2, 4)},  # left to sklearn
    ],
)
def test_own_ngram_transform_equals_sklearns(options):
    from textcnn._ngram import transform

    vectorizer = make_vectorizer(**{"min_df": 2, **options}).fit(NGRAM_TEXTS[:14])
    new = [*NGRAM_TEXTS, "unseen words only", "the plot thickens, don't it"]
    ours, theirs = transform(vectorizer, new), vectorizer.transform(new)
    assert ours.shape == theirs.shape and ours.dtype == theirs.dtype == np.float32
    np.testing.assert_array_equal(ours.indptr, theirs.indptr)
    np.testing.assert_array_equal(ours.indices, theirs.indices)
    np.testing.assert_array_equal(ours.data, theirs.data)  # bit for bit
