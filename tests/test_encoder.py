import time

import joblib
import numpy as np
import pandas as pd
import pytest
import torch
from conftest import FAST, make_texts
from sklearn.base import clone
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.exceptions import NotFittedError
from sklearn.model_selection import GroupKFold, KFold
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder

import textcnn
import textcnn._crossfit
import textcnn._torch
from textcnn import TextCNNEncoder, TextRNNEncoder


def accuracy(p, y, positive="pos"):
    return np.mean((p[:, 0] > 0.5) == (np.asarray(y) == positive))


def test_binary_oof_features(make, binary_data):
    X, y = binary_data
    enc = make()
    oof = enc.fit_transform(X, y)
    assert oof.shape == (160, 1) and oof.dtype == np.float64
    assert np.all((oof >= 0) & (oof <= 1))
    assert accuracy(oof, y) > 0.9  # the words carry the label
    assert enc.target_type_ == "binary"
    assert enc.classes_.tolist() == ["neg", "pos"]
    assert enc.n_features_in_ == 1 and enc.feature_names_in_.tolist() == ["review"]
    assert enc.get_feature_names_out().tolist() == [f"review__{enc._prefix}_pos"]
    assert len(enc.models_[0]) == 3


def test_fit_transform_is_not_fit_then_transform(make, binary_data):
    X, y = binary_data
    oof = make().fit_transform(X, y)
    in_sample = make().fit(X, y).transform(X)
    assert not np.allclose(oof, in_sample, atol=1e-3)
    # in-sample predictions of the fold average are more confident than out-of-fold ones
    assert np.mean(np.abs(in_sample - 0.5)) > np.mean(np.abs(oof - 0.5))


def test_each_row_predicted_by_a_model_that_did_not_train_on_it(binary_data, monkeypatch):
    X, y = binary_data
    X = X.assign(second=X["review"].str.upper())  # two text columns, two learners
    real = textcnn._crossfit.cross_fit_many
    log = {"trained": {}, "predicted": {0: [], 1: []}}

    def spy(folds, n, learners, progress=False, n_jobs=None):
        wrapped = []
        for c, (fit_folds, predict_folds) in enumerate(learners):

            def fit(numbers, rows, c=c, fit_folds=fit_folds):
                for i, r in zip(numbers, rows, strict=True):
                    log["trained"][c, i] = set(r.tolist())
                return list(zip(fit_folds(numbers, rows), numbers, strict=True))

            def pred(models, rows, c=c, predict_folds=predict_folds):
                for (_, i), r in zip(models, rows, strict=True):
                    assert not log["trained"][c, i] & set(r.tolist())
                    log["predicted"][c].extend(r.tolist())
                return predict_folds([net for net, _ in models], rows)

            wrapped.append((fit, pred))
        return [(oof, [m for m, _ in models]) for oof, models in real(folds, n, wrapped)]

    monkeypatch.setattr(textcnn._crossfit, "cross_fit_many", spy)
    out = TextCNNEncoder(**FAST).fit_transform(X, y)
    assert out.shape == (len(y), 2)
    for c in (0, 1):
        assert sorted(log["predicted"][c]) == list(range(len(y)))


def test_every_fold_starts_from_the_same_pristine_matrix(binary_data, monkeypatch, tmp_path):
    X, y = binary_data
    words = sorted({w for t in X["review"] for w in t.split()})
    rng = np.random.RandomState(0)
    path = tmp_path / "vectors.txt"
    path.write_text("".join(f"{w} {' '.join(map(str, rng.randn(6)))}\n" for w in words))
    seen = []
    init = textcnn._torch.WordEmbedding.__init__

    def record(self, vocab_size, embedding_dim, mode="non-static", pretrained=None):
        seen.append((pretrained, pretrained.clone()))
        init(self, vocab_size, embedding_dim, mode, pretrained)

    monkeypatch.setattr(textcnn._torch.WordEmbedding, "__init__", record)
    params = {**FAST, "embeddings": str(path), "embedding_mode": "non-static"}
    enc = TextCNNEncoder(**params).fit(X, y)
    assert len(seen) == 3
    first = seen[0][1]
    for given, snapshot in seen:
        torch.testing.assert_close(snapshot, first)  # same start for every fold
        torch.testing.assert_close(given, first)  # nobody fine-tuned the shared tensor
    tuned = [m.module.table for m in enc.models_[0]]
    assert not torch.allclose(tuned[0], first)  # fine-tuning happened, on copies
    assert enc.embedding_coverage_["review"] == pytest.approx(1.0)


def test_random_labels_give_chance_oof_but_memorised_in_sample(make):
    rng = np.random.RandomState(1)
    words = [f"w{i}" for i in range(400)]
    X = [" ".join(rng.choice(words, size=8)) for _ in range(300)]
    y = rng.randint(0, 2, size=300)
    params = {"max_epochs": 15, "embedding_dim": 32}
    oof = make(**params).fit_transform(X, y)
    in_sample = make(**params).fit(X, y).transform(X)
    acc_oof = np.mean((oof[:, 0] > 0.5) == y)
    acc_in = np.mean((in_sample[:, 0] > 0.5) == y)
    assert abs(acc_oof - 0.5) < 0.1  # 300 rows: 0.1 is > 3 standard errors
    assert acc_in > 0.75


def test_same_seed_same_output_other_seed_other_output(make, binary_data):
    X, y = binary_data
    # identical at one thread count: n_threads="auto" follows the machine's load, and
    # another count sums the products in another order
    a = make(n_threads=1).fit_transform(X, y)
    b = make(n_threads=1).fit_transform(X, y)
    np.testing.assert_array_equal(a, b)
    c = make(random_state=1, n_threads=1).fit_transform(X, y)
    assert not np.allclose(a, c)
    # torch's global RNG is left alone
    torch.manual_seed(123)
    before = torch.rand(1)
    torch.manual_seed(123)
    make().fit(X, y)
    assert torch.equal(torch.rand(1), before)


def test_pickle_round_trip(make, binary_data, tmp_path):
    X, y = binary_data
    enc = make(n_threads=1).fit(X, y)  # one thread count: bit-equal sums
    joblib.dump(enc, tmp_path / "enc.joblib")
    loaded = joblib.load(tmp_path / "enc.joblib")
    np.testing.assert_array_equal(loaded.transform(X), enc.transform(X))
    assert all(p.device.type == "cpu" for p in loaded.models_[0][0].module.parameters())


def test_multiclass_and_several_columns(make):
    rng = np.random.RandomState(0)
    labels = rng.randint(0, 3, size=150)
    cues = {0: "red", 1: "green", 2: "blue"}
    title = [f"{cues[k]} thing {'x' * rng.randint(1, 4)}" for k in labels]
    body = make_texts((labels == 1).astype(int), rng)
    X = pd.DataFrame({"title": title, "body": body})
    y = np.array(["r", "g", "b"])[labels]
    enc = make()
    out = enc.fit_transform(X, y)
    assert out.shape == (150, 6)
    names = enc.get_feature_names_out().tolist()
    assert names == [f"{c}__{enc._prefix}_{k}" for c in ("title", "body") for k in ("b", "g", "r")]
    np.testing.assert_allclose(out[:, :3].sum(1), 1.0, rtol=1e-6)
    np.testing.assert_allclose(out[:, 3:].sum(1), 1.0, rtol=1e-6)
    title_acc = np.mean(enc.classes_[out[:, :3].argmax(1)] == y)
    assert title_acc > 0.9
    frame = enc.set_output(transform="pandas").transform(X)
    assert list(frame.columns) == names and frame.shape == (150, 6)


def test_regression_in_target_units(make):
    rng = np.random.RandomState(0)
    labels = rng.randint(0, 2, size=160)
    X = make_texts(labels, rng)
    y = 5000.0 + 1000.0 * labels + rng.randn(160)
    enc = make(max_epochs=8)
    out = enc.fit_transform(X, y)
    assert enc.target_type_ == "continuous"
    assert enc.get_feature_names_out().tolist() == [f"x0__{enc._prefix}"]
    assert out.shape == (160, 1)
    rmse = np.sqrt(np.mean((out[:, 0] - y) ** 2))
    assert rmse < 250  # target sd is ~500: the scale is restored and the cue learnt
    assert abs(out.mean() - y.mean()) < 100


def test_nan_text_is_empty_string(make, binary_data):
    X, y = binary_data
    X_nan = X.copy()
    X_nan.loc[::7, "review"] = None
    X_empty = X.copy()
    X_empty.loc[::7, "review"] = ""
    a = make().fit_transform(X_nan, y)
    b = make().fit_transform(X_empty, y)
    np.testing.assert_array_equal(a, b)


def test_accepts_series_list_and_arrays(binary_data):
    X, y = binary_data
    ref = TextCNNEncoder(**FAST).fit_transform(X, y)
    for variant in (X["review"], X["review"].tolist(), X["review"].to_numpy(), X.to_numpy()):
        np.testing.assert_array_equal(TextCNNEncoder(**FAST).fit_transform(variant, y), ref)


def test_refit_uses_one_model(make, binary_data):
    X, y = binary_data
    enc = make(refit=True)
    oof = enc.fit_transform(X, y)
    assert len(enc.models_[0]) == 1
    np.testing.assert_array_equal(oof, make().fit_transform(X, y))
    assert accuracy(enc.transform(X), y) > 0.9
    fitted = make(refit=True).fit(X, y)
    assert len(fitted.models_[0]) == 1
    # fit() and fit_transform() train the same refit network
    np.testing.assert_array_equal(fitted.transform(X), enc.transform(X))


def test_groups_and_custom_splitter(binary_data, monkeypatch):
    X, y = binary_data
    groups = np.arange(len(y)) // 4
    folds_seen = []
    real = textcnn._crossfit.make_folds

    def spy(splitter, n, y_, g):
        folds = real(splitter, n, y_, g)
        folds_seen.append((type(splitter).__name__, folds))
        return folds

    monkeypatch.setattr(textcnn._crossfit, "make_folds", spy)
    TextCNNEncoder(**FAST).fit_transform(X, y, groups=groups)
    name, folds = folds_seen[-1]
    assert name == "StratifiedGroupKFold"
    for train, test in folds:
        assert not set(groups[train]) & set(groups[test])
    out = TextCNNEncoder(**{**FAST, "cv": GroupKFold(4)}).fit_transform(X, y, groups=groups)
    assert out.shape == (160, 1) and folds_seen[-1][0] == "GroupKFold"
    TextCNNEncoder(**{**FAST, "cv": KFold(3)}).fit_transform(X, y)
    assert folds_seen[-1][0] == "KFold"


def test_pipeline_with_column_transformer_and_hgb(binary_data):
    X, y = binary_data
    X = X.assign(shop=np.where(np.arange(160) % 2, "a", "b"), price=np.arange(160.0))
    pre = ColumnTransformer(
        [
            ("text", TextCNNEncoder(**FAST), ["review"]),
            ("cat", OneHotEncoder(), ["shop"]),
        ],
        remainder="passthrough",
    )
    pipe = make_pipeline(pre, HistGradientBoostingClassifier(max_iter=30, random_state=0))
    pipe.fit(X.iloc[:120], y[:120])
    assert pipe.score(X.iloc[120:], y[120:]) > 0.85
    names = pipe[0].get_feature_names_out().tolist()
    assert names[0] == "text__review__textcnn_pos"
    assert clone(pipe).get_params()["columntransformer__text__cv"] == 3


@pytest.mark.parametrize(
    ("X", "y", "match"),
    [
        (pd.DataFrame({"t": []}, dtype=object), [], "0 sample"),
        (["a b", "c d", "e f", "g h"], ["x"] * 4, "one class, a classifier needs at least two"),
        (["a b", "c d", "e f", "g h"], [3.25] * 4, "regression target must vary"),
        (["a b", "c d", "e f", "g h"], [1.0, np.nan, 2.0, 3.0], "missing in 1 row.*data row 2"),
        (["a", "b"], [0, 1], "at least 3 rows"),
        (["a"] * 10, [0] * 8 + [1] * 2, "class 1 has 2 member"),
        (["", None, "  ", ""], [0, 1, 0, 1], "text column 'x0' is empty in every row"),
    ],
)
def test_bad_input_errors(X, y, match):
    with pytest.raises(ValueError, match=match):
        TextCNNEncoder(**FAST).fit(X, y)


@pytest.mark.parametrize("encoder", [TextCNNEncoder, textcnn.TfidfLinearEncoder])
@pytest.mark.parametrize(
    ("y", "target_type", "message"),
    [
        ([3.25] * 6, "auto", "every value is 3.25): a regression target must vary"),
        ([3.0] * 6, "continuous", "every value is 3.0): a regression target must vary"),
        ([3.0] * 6, "auto", "every value is 3.0): one class, a classifier needs at least two"),
        (["pos"] * 6, "auto", "every value is 'pos'): one class, a classifier needs at least two"),
        ([1] * 6, "binary", "every value is 1): one class, a classifier needs at least two"),
    ],
)
def test_constant_target_is_one_error_worded_for_its_task(encoder, y, target_type, message):
    X = ["good film", "bad film", "great", "awful", "fine", "dull"]
    params = {"cv": 2, "target_type": target_type}
    if encoder is TextCNNEncoder:
        params = {**FAST, **params}
    with pytest.raises(ValueError, match="^y is constant") as err:
        encoder(**params).fit_transform(X, np.asarray(y))
    assert str(err.value) == f"y is constant ({message}"


def test_wrong_columns_and_unfitted(binary_data):
    X, y = binary_data
    with pytest.raises(NotFittedError):
        TextCNNEncoder(**FAST).transform(X)
    enc = TextCNNEncoder(**FAST).fit(X, y)
    with pytest.raises(ValueError, match="review"):
        enc.transform(X.rename(columns={"review": "comment"}))
    with pytest.raises(ValueError, match="review_2"):
        enc.transform(pd.concat([X, X.add_suffix("_2")], axis=1))
    with pytest.raises(ValueError, match="target_type"):
        TextCNNEncoder(**{**FAST, "target_type": "ordinal"}).fit(X, y)
    with pytest.raises(ValueError, match="embedding_mode"):
        TextCNNEncoder(**{**FAST, "embedding_mode": "dynamic"}).fit(X, y)


def test_public_api():
    assert textcnn.__all__ == [
        "TextCNNEncoder", "TextRNNEncoder", "TfidfLinearEncoder", "load", "__version__",
    ]  # fmt: skip
    assert TextCNNEncoder().get_params()["cv"] == 5
    assert textcnn.TfidfLinearEncoder().get_params()["cv"] == 5


@pytest.mark.skipif(torch.cuda.is_available(), reason="checks the CPU fallback")
def test_model_fitted_for_cuda_transforms_on_a_cpu_only_machine(binary_data):
    X, y = binary_data
    enc = TextCNNEncoder(**FAST).fit(X, y)
    expected = enc.transform(X)
    enc.set_params(device="cuda")  # as if it had been fitted on a GPU machine
    np.testing.assert_array_equal(enc.transform(X), expected)
    with pytest.raises(ValueError, match="CUDA is not available"):
        enc.fit(X, y)


def test_top_ngrams_name_the_words_that_drive_each_class(binary_data):
    from conftest import NEG, POS

    X, y = binary_data
    enc = TextCNNEncoder(**{**FAST, "refit": True, "max_epochs": 8, "n_filters": 16}).fit(X, y)
    table = enc.top_ngrams(X, n_filters=3, n_ngrams=4)
    assert table.columns.tolist() == [
        "column", "output", "rank", "filter", "width", "drive", "weight", "mean_activation",
        "ngrams",
    ]  # fmt: skip
    assert table["output"].tolist() == ["pos"] * 3 + ["neg"] * 3
    assert (table["column"] == "review").all()
    assert table.groupby("output")["drive"].apply(lambda d: d.is_monotonic_decreasing).all()
    for output, cues in (("pos", POS), ("neg", NEG)):
        grams = [g for row in table[table["output"] == output]["ngrams"] for g in row]
        assert all(1 <= len(g.split()) <= 3 for g in grams)  # widths are 2 and 3
        hits = sum(any(w in cues for w in g.split()) for g in grams)
        assert hits >= len(grams) // 2, grams


def test_top_ngrams_for_regression_reads_higher_and_lower():
    rng = np.random.RandomState(0)
    X = [" ".join(rng.choice(["up", "down", "x", "y", "z"], 6)) for _ in range(150)]
    y = np.array([t.count("up") - t.count("down") for t in X], dtype=float)
    enc = TextCNNEncoder(**{**FAST, "refit": True, "max_epochs": 10, "target_type": "continuous"})
    table = enc.fit(X, y).top_ngrams(X, n_filters=2, n_ngrams=3)
    assert table["output"].tolist() == ["higher", "higher", "lower", "lower"]
    top_up = " ".join(table["ngrams"].iloc[0])
    top_down = " ".join(table["ngrams"].iloc[2])
    assert top_up.count("up") > top_up.count("down")
    assert top_down.count("down") > top_down.count("up")


@pytest.mark.parametrize(
    ("cls", "params", "name"),
    [
        ("cnn", {"n_filters": 0}, "n_filters"),
        ("cnn", {"kernel_sizes": ()}, "kernel_sizes"),
        ("cnn", {"kernel_sizes": (3, 0)}, "kernel_sizes"),
        ("cnn", {"device": "tpu"}, "device"),
        ("cnn", {"dropout": 2.0}, "dropout"),
        ("cnn", {"lr": -1}, "lr"),
        ("cnn", {"lowercase": "yes"}, "lowercase"),
        ("cnn", {"patience": 0}, "patience"),
        ("cnn", {"embedding_mode": "frozen"}, "embedding_mode"),
        ("cnn", {"n_threads": 0}, "n_threads"),
        ("cnn", {"target_type": "ordinal"}, "target_type"),
        ("rnn", {"cell": "rnn"}, "cell"),
        ("rnn", {"hidden_size": 0}, "hidden_size"),
    ],
)
def test_every_parameter_is_checked_before_any_work(cls, params, name, binary_data, monkeypatch):
    """One table (``_parameter_constraints``) states each domain, checked up front."""
    from textcnn import _neural_encoder

    def no_work(*args, **kwargs):
        raise AssertionError("work started before the parameters were checked")

    monkeypatch.setattr(_neural_encoder._NeuralEncoder, "_fit_setup", no_work)
    monkeypatch.setattr(textcnn._crossfit, "make_folds", no_work)
    X, y = binary_data
    klass = TextCNNEncoder if cls == "cnn" else TextRNNEncoder
    enc = klass(**{**({} if cls == "rnn" else FAST), **params})
    with pytest.raises(ValueError, match=rf"The '{name}' parameter of {klass.__name__} must be"):
        enc.fit(X, y)
    with pytest.raises(ValueError, match=rf"'{name}' parameter"):
        enc.fit_transform(X, y)


def test_a_failed_fit_leaves_a_fitted_encoder_as_it_was(binary_data, monkeypatch):
    """Fitted state is assigned in one place, after everything succeeded."""
    from textcnn import _torch

    X, y = binary_data
    enc = TextCNNEncoder(**{**FAST, "max_epochs": 1}).fit(X, y)
    before = enc.transform(X)
    vocabularies = [list(v) for v in enc.vocabularies_]

    def broken(*args, **kwargs):
        raise RuntimeError("out of memory")

    monkeypatch.setattr(_torch, "train_many", broken)
    other = pd.DataFrame({"review": [f"unseen words {i} here" for i in range(len(y))]})
    with pytest.raises(RuntimeError, match="out of memory"):
        enc.fit(other, y)
    assert enc.vocabularies_ == vocabularies
    np.testing.assert_array_equal(enc.transform(X), before)


def test_max_time_bounds_the_fit_and_every_network_of_a_column_stops_together(binary_data):
    X, y = binary_data
    params = {**FAST, "max_epochs": 100_000, "early_stopping": True, "patience": 100_000}
    start = time.perf_counter()
    enc = TextCNNEncoder(**{**params, "max_time": 1.5})
    oof = enc.fit_transform(X, y)
    took = time.perf_counter() - start
    assert took < 15  # unbounded, 100,000 epochs would take hours
    trained = enc.epochs_trained_["review"]
    assert len(trained) == 3 and len(set(trained)) == 1 and trained[0] < 100_000
    assert oof.shape == (len(y), 1) and np.isfinite(oof).all()
    with pytest.raises(ValueError, match="'max_time' parameter"):
        TextCNNEncoder(**{**FAST, "max_time": 0}).fit(X, y)


def test_a_numeric_text_column_gets_a_warning_naming_it(binary_data, caplog):
    X, y = binary_data
    rng = np.random.RandomState(0)
    X = X.assign(age=[str(v) for v in rng.randint(18, 90, size=len(y))])
    with caplog.at_level("WARNING", logger="textcnn"):
        TextCNNEncoder(**{**FAST, "max_epochs": 1}).fit(X, y)
    (record,) = [r for r in caplog.records if "holds numbers" in r.getMessage()]
    assert record.getMessage().startswith("text column 'age' holds numbers (100% of its values")


def test_progress_reaches_the_logs_when_no_terminal_shows_bars(binary_data, caplog, monkeypatch):
    from textcnn import _progress

    monkeypatch.setattr(_progress.ProgressLog.__init__, "__defaults__", (0.0,))  # every step
    X, y = binary_data
    with caplog.at_level("INFO", logger="textcnn.progress"):
        TextCNNEncoder(**{**FAST, "verbose": True}).fit_transform(X, y)
    lines = [r.getMessage() for r in caplog.records if r.name == "textcnn.progress"]
    assert any(
        line.startswith("column 'review': epoch 1 of at most 4, step 1/")
        and "network(s) training" in line
        and "s left" in line
        for line in lines
    ), lines
    assert lines[-1].startswith("column 1 of 1: fold(s) 1, 2, 3 of 3 done, ")
    caplog.clear()
    with caplog.at_level("INFO", logger="textcnn.progress"):
        TextCNNEncoder(**FAST).fit_transform(X, y)  # verbose=False: silent
    assert not [r for r in caplog.records if r.name == "textcnn.progress"]


@pytest.mark.parametrize("level", ["word", "char"])
def test_transform_in_token_space_equals_the_windowed_product(level, binary_data, monkeypatch):
    from textcnn._torch import cnn

    X, y = binary_data
    params = {**FAST, "max_epochs": 2, "level": level, "kernel_sizes": (2, 3, 5)}
    enc = TextCNNEncoder(**params).fit(X, y)
    tokens = enc.transform(X)
    monkeypatch.setattr(cnn, "PROJECTION_BYTES", 0)  # nothing fits the cap: per batch
    np.testing.assert_allclose(enc.transform(X), tokens, rtol=1e-6, atol=1e-7)
    monkeypatch.setattr(cnn, "TOKEN_SPACE", False)  # the windowed product
    np.testing.assert_allclose(enc.transform(X), tokens, rtol=1e-6, atol=1e-7)
