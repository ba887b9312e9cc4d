"""The AutoGluon feature generator, through real (small, one-LightGBM) TabularPredictor fits."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from conftest import FAST, make_texts

pytest.importorskip("autogluon.tabular", reason="the autogluon extra is not installed")

from autogluon.tabular import TabularPredictor  # noqa: E402
from sklearn.base import clone  # noqa: E402

from textcnn import TextCNNEncoder, TfidfLinearEncoder  # noqa: E402
from textcnn.autogluon import TextCNNFeatureGenerator  # noqa: E402

GBM = {"GBM": {}}  # one LightGBM model: the text features are the subject, not the AutoML
# One thread: LightGBM's OpenMP threads spin when the other core is busy (CI runs one test
# at a time, but a developer's machine may not be idle), which made a 4 s fit take 30 s.
ONE_CORE = {"num_cpus": 1}


def make_frame(n: int, seed: int = 0) -> pd.DataFrame:
    rng = np.random.RandomState(seed)
    labels = rng.randint(0, 2, size=n)
    return pd.DataFrame(
        {
            "review": make_texts(labels, rng),
            "shop": rng.choice(["north", "south", "east"], size=n),
            "price": rng.rand(n).round(3),
            "label": np.where(labels == 1, "pos", "neg"),
        }
    )


@pytest.fixture(scope="module")
def fitted(tmp_path_factory):
    """A predictor fitted on 240 rows through the generator (auto-detected text column)."""
    frame = make_frame(300)
    train, test = frame.iloc[:240], frame.iloc[240:].reset_index(drop=True)
    path = tmp_path_factory.mktemp("ag") / "predictor"
    predictor = TabularPredictor(label="label", path=str(path), verbosity=0).fit(
        train,
        feature_generator=TextCNNFeatureGenerator(encoders=[TextCNNEncoder(**FAST)]),
        hyperparameters=GBM,
        fit_weighted_ensemble=False,
        **ONE_CORE,
    )
    return predictor, train, test


def test_text_column_found_and_its_features_reach_the_model(fitted):
    predictor, _, test = fitted
    generator = predictor._learner.feature_generator
    assert isinstance(generator, TextCNNFeatureGenerator)
    assert generator.text_columns_ == ["review"]  # AutoGluon's own 'text' special type
    assert generator.text_features_ == ["review__textcnn_1"]  # P(class 1) = P("pos")
    assert predictor.class_labels == ["neg", "pos"]
    assert predictor.model_names() == ["LightGBM"]
    model = predictor._trainer.load_model("LightGBM")
    assert "review__textcnn_1" in model.features
    # the rest of the table went through AutoGluon's default pipeline as usual
    assert {"price", "shop", "review.char_count"} <= set(model.features)
    assert any(f.startswith("__nlp__.") for f in model.features)  # its own n-grams
    assert predictor.evaluate(test, silent=True)["accuracy"] > 0.9


def test_training_rows_get_the_out_of_fold_features(fitted):
    predictor, train, _ = fitted
    codes = (train["label"] == "pos").to_numpy().astype(int)  # AutoGluon's label cleaning
    expected = (
        clone(TextCNNEncoder(**FAST))
        .set_params(target_type="binary")
        .fit_transform(train[["review"]], codes)[:, 0]
    )
    seen = predictor.transform_features()  # the rows the model was trained on
    np.testing.assert_allclose(
        seen["review__textcnn_1"], expected[seen.index].astype(np.float32), rtol=1e-6
    )


def test_new_rows_get_the_fold_average(fitted):
    predictor, train, test = fitted
    encoder = predictor._learner.feature_generator.encoders_[0]
    assert len(encoder.models_[0]) == FAST["cv"]  # K fold networks, no refit
    new = predictor.transform_features(test)["review__textcnn_1"].to_numpy()
    np.testing.assert_allclose(new, encoder.transform(test[["review"]])[:, 0], rtol=1e-6)
    # a training row sent again as new data gets the average, not its out-of-fold value
    again = predictor.transform_features(train.iloc[:40])["review__textcnn_1"].to_numpy()
    oof = predictor.transform_features().reindex(range(40))["review__textcnn_1"].to_numpy()
    both = ~np.isnan(oof)  # some of the first 40 rows are in AutoGluon's holdout
    assert not np.allclose(again[both], oof[both])


def test_saved_predictor_loads_and_predicts_the_same(fitted):
    predictor, _, test = fitted
    loaded = TabularPredictor.load(predictor.path)
    pd.testing.assert_frame_equal(loaded.predict_proba(test), predictor.predict_proba(test))
    pd.testing.assert_frame_equal(
        loaded.transform_features(test), predictor.transform_features(test)
    )


def test_missing_text_column_is_a_clear_error(fitted):
    predictor, train, test = fitted
    with pytest.raises(ValueError, match=r"text column\(s\) \['review'\] missing"):
        predictor.predict(test.drop(columns=["review"]))
    generator = TextCNNFeatureGenerator(text_columns=["body"], encoders=[TextCNNEncoder(**FAST)])
    with pytest.raises(ValueError, match=r"text column\(s\) \['body'\] not in the training data"):
        TabularPredictor(label="label", verbosity=0, path=str(predictor.path) + "-x").fit(
            train, feature_generator=generator, hyperparameters=GBM, **ONE_CORE
        )


def test_named_column_that_autogluon_does_not_call_text():
    frame = make_frame(120)
    frame["title"] = frame["review"].str.split().str[:2].str.join(" ")  # 2 words: a category
    X, y = frame[["title", "price"]], (frame["label"] == "pos").astype(int)
    assert TextCNNFeatureGenerator(post_generators=[]).fit_transform(X, y).shape[1] == 2  # none
    generator = TextCNNFeatureGenerator(
        text_columns=["title"], encoders=[TfidfLinearEncoder(cv=3)], post_generators=[]
    )
    out = generator.fit_transform(X, y, problem_type="binary")
    assert list(out.columns) == ["title", "price", "title__tfidf_1"]
    assert out["title__tfidf_1"].dtype == np.float32
    assert generator.encoders_[0].random_state == 0  # the generator's random_state


def test_unlabeled_rows_get_the_fold_average_and_problem_types():
    frame = make_frame(150)
    X = frame[["review"]]
    y = frame["price"].where(frame.index < 120)  # 30 rows without a label (unlabeled_data)
    generator = TextCNNFeatureGenerator(encoders=[TextCNNEncoder(**FAST)], post_generators=[])
    out = generator.fit_transform(X, y, problem_type="regression")
    encoder = generator.encoders_[0]
    assert encoder.target_type_ == "continuous"
    assert generator.text_features_ == ["review__textcnn"]
    np.testing.assert_allclose(
        out["review__textcnn"].iloc[120:], encoder.transform(X.iloc[120:])[:, 0], rtol=1e-6
    )
    with pytest.raises(ValueError, match="supports the problem types"):
        TextCNNFeatureGenerator(post_generators=[]).fit_transform(X, y, problem_type="softclass")
    with pytest.raises(ValueError, match="needs the label"):
        TextCNNFeatureGenerator(post_generators=[]).fit_transform(X)


class _InSample(TextCNNFeatureGenerator):
    """The leak the contract forbids: features predicted by models that saw the row."""

    def _fit_transform(self, X, y=None, **kwargs):
        out, special = super()._fit_transform(X, y, **kwargs)
        out[self.text_features_] = self._transform(X)[self.text_features_]
        return out, special


@pytest.mark.parametrize("generator_class", [TextCNNFeatureGenerator, _InSample])
def test_random_labels_give_chance_through_bagging_and_stacking(
    generator_class, tmp_path, monkeypatch
):
    calls = {"fit_transform": 0, "fit": 0}
    for name in calls:
        original = getattr(TextCNNEncoder, name)

        def counted(self, *args, _name=name, _original=original, **kwargs):
            calls[_name] += 1
            return _original(self, *args, **kwargs)

        monkeypatch.setattr(TextCNNEncoder, name, counted)
    frame = make_frame(400)
    frame["label"] = np.random.RandomState(1).randint(0, 2, size=len(frame))  # pure noise
    generator = generator_class(encoders=[TextCNNEncoder(**FAST), TfidfLinearEncoder(cv=3)])
    predictor = TabularPredictor(label="label", path=str(tmp_path), verbosity=0).fit(
        frame,
        feature_generator=generator,
        hyperparameters=GBM,
        num_bag_folds=2,
        num_stack_levels=1,
        dynamic_stacking=False,
        **ONE_CORE,
    )
    board = predictor.leaderboard(silent=True).set_index("model")
    assert {"LightGBM_BAG_L1", "LightGBM_BAG_L2"} <= set(board.index)
    score = board.loc["LightGBM_BAG_L1", "score_val"]  # out-of-fold over all 400 rows
    if generator_class is TextCNNFeatureGenerator:
        assert 0.4 < score < 0.62  # chance: the features carry no label of their own row
        assert calls == {"fit_transform": 1, "fit": 0}  # bags and stack levels refit nothing
    else:
        assert score > 0.75  # the same pipeline with in-sample features: the guard bites


def _generator(predictor):
    return predictor._learner.feature_generators[0]


def test_a_cnn_cut_short_by_the_deadline_steps_aside_to_its_ngram_models(
    tmp_path, monkeypatch, caplog
):
    """The deadline stops the CNN after its first step (under the planner's floor of row
    passes): its networks step aside and its features are its n-gram models'."""
    from textcnn._torch import clock

    monkeypatch.setattr(clock.Clock, "out_of_time", lambda self: True)  # no time, ever
    train = make_frame(240)
    cnn = TextCNNEncoder(**{**FAST, "step_aside": True})
    generator = TextCNNFeatureGenerator(encoders=[cnn], time_limit=120)
    with caplog.at_level("WARNING", logger="textcnn"):
        predictor = TabularPredictor(label="label", path=str(tmp_path), verbosity=0).fit(
            train,
            feature_generator=generator,
            hyperparameters=GBM,
            fit_weighted_ensemble=False,
            time_limit=120,
            **ONE_CORE,
        )
    fitted = _generator(predictor)
    assert fitted.time_budget_ == pytest.approx(0.3 * 120)
    (cnn,) = fitted.encoders_
    assert type(cnn).__name__ == "TextCNNEncoder" and cnn.plan_.aside == ("review",)
    assert fitted.text_features_ == ["review__textcnn_1"]  # AutoGluon codes the labels 0, 1
    assert fitted.fallbacks_ == [
        "TextCNNEncoder: column 'review': the deadline stopped its networks after "
        f"{min(cnn.epochs_trained_['review']):.2g} of 4 planned epochs",
        "TextCNNEncoder stepped aside on column(s) ['review']: their features are their "
        "n-gram models' (as TfidfLinearEncoder's)",
    ]
    codes = (train["label"] == "pos").to_numpy().astype(int)
    expected = TfidfLinearEncoder(cv=3, random_state=0).fit_transform(train[["review"]], codes)
    seen = predictor.transform_features()
    np.testing.assert_allclose(
        seen["review__textcnn_1"], expected[seen.index, 0].astype(np.float32), rtol=1e-5
    )
    warned = [r.getMessage() for r in caplog.records if "time budget" in r.getMessage()]
    assert len(warned) == 2
    assert any("step aside" in r.getMessage() for r in caplog.records)
    assert predictor.model_names() and predictor.predict(train.head(5)).shape == (5,)


def test_a_failing_neural_encoder_is_dropped_and_the_ngram_encoder_stands_in(tmp_path, monkeypatch):
    def broken(self, *args, **kwargs):
        raise RuntimeError("out of memory")

    monkeypatch.setattr(TextCNNEncoder, "fit_transform", broken)
    train = make_frame(240)
    generator = TextCNNFeatureGenerator(encoders=[TextCNNEncoder(**FAST)], time_limit=120)
    predictor = TabularPredictor(label="label", path=str(tmp_path), verbosity=0).fit(
        train, feature_generator=generator, hyperparameters=GBM, fit_weighted_ensemble=False,
        time_limit=120, **ONE_CORE,
    )  # fmt: skip
    fitted = _generator(predictor)
    assert [type(e).__name__ for e in fitted.encoders_] == ["TfidfLinearEncoder"]
    assert fitted.text_features_ == ["review__tfidf_1"]
    assert fitted.fallbacks_ == [
        "TextCNNEncoder failed (RuntimeError: out of memory): dropped",
        "TfidfLinearEncoder stands in for the neural encoder(s)",
    ]


def test_no_budget_left_means_no_text_features_and_autogluon_still_fits(tmp_path):
    train = make_frame(240)
    generator = TextCNNFeatureGenerator(
        encoders=[TextCNNEncoder(**FAST), TfidfLinearEncoder()], time_limit=1e-6
    )
    predictor = TabularPredictor(label="label", path=str(tmp_path), verbosity=0).fit(
        train, feature_generator=generator, hyperparameters=GBM, fit_weighted_ensemble=False,
        **ONE_CORE,
    )  # fmt: skip
    fitted = _generator(predictor)
    assert fitted.encoders_ == [] and fitted.text_features_ == []
    assert fitted.fallbacks_[-1] == "no text features: no encoder fitted within the time budget"
    assert [f.split(" ")[0] for f in fitted.fallbacks_[:2]] == [
        "TfidfLinearEncoder",
        "TextCNNEncoder",
    ]  # the n-gram encoder is tried first
    assert predictor.model_names() and predictor.predict(train.head(3)).shape == (3,)


def test_the_cnn_gets_the_budget_left_as_max_time(tmp_path):
    train = make_frame(240)
    generator = TextCNNFeatureGenerator(
        encoders=[TextCNNEncoder(**FAST), TfidfLinearEncoder()], time_limit=300, time_share=0.5
    )
    predictor = TabularPredictor(label="label", path=str(tmp_path), verbosity=0).fit(
        train, feature_generator=generator, hyperparameters=GBM, fit_weighted_ensemble=False,
        **ONE_CORE,
    )  # fmt: skip
    fitted = _generator(predictor)
    cnn, tfidf = fitted.encoders_  # the templates' order, whatever order they fitted in
    assert type(cnn).__name__ == "TextCNNEncoder" and type(tfidf).__name__ == "TfidfLinearEncoder"
    assert 140 < cnn.max_time <= 150  # 150 s less the n-gram encoder's seconds
    assert fitted.fallbacks_ == []
    assert min(cnn.epochs_trained_["review"]) == FAST["max_epochs"]  # time was no constraint
    with pytest.raises(ValueError, match="time_share must be in"):
        TextCNNFeatureGenerator(time_share=0)


def test_the_predictors_time_limit_is_found_without_being_repeated(tmp_path):
    """``TabularPredictor.fit(time_limit=...)`` alone sets the generator's budget."""
    train = make_frame(240)
    generator = TextCNNFeatureGenerator(encoders=[TfidfLinearEncoder()])
    predictor = TabularPredictor(label="label", path=str(tmp_path), verbosity=0).fit(
        train, feature_generator=generator, hyperparameters=GBM, fit_weighted_ensemble=False,
        time_limit=200, **ONE_CORE,
    )  # fmt: skip
    assert _generator(predictor).time_budget_ == pytest.approx(0.3 * 200)
    # no limit anywhere: no budget (the encoders run to their own stopping rules)
    alone = TextCNNFeatureGenerator(encoders=[TfidfLinearEncoder()])
    alone.fit_transform(train.drop(columns="label"), train["label"], problem_type="binary")
    assert alone.time_budget_ is None and alone.fallbacks_ == []


def test_autogluon_keeps_its_xgboost_model_in_this_environment(fitted, tmp_path):
    """XGBoost trains inside AutoGluon beside the plugin (xgboost 2.1 + scikit-learn 1.9
    raised '_estimator_type undefined', and AutoGluon skipped the model without a word)."""
    pytest.importorskip("xgboost", reason="the flaml extra (xgboost) is not installed")
    _, train, test = fitted
    predictor = TabularPredictor(label="label", path=str(tmp_path / "xgb"), verbosity=0).fit(
        train,
        feature_generator=TextCNNFeatureGenerator(encoders=[TfidfLinearEncoder(cv=3)]),
        hyperparameters={"XGB": {"n_estimators": 20}},
        fit_weighted_ensemble=False,
        raise_on_model_failure=True,
        **ONE_CORE,
    )
    assert predictor.model_names() == ["XGBoost"]
    model = predictor._trainer.load_model("XGBoost")
    assert "review__tfidf_1" in model.features  # P(class 1) = P("pos")
    assert predictor.evaluate(test, silent=True)["accuracy"] > 0.9


def _fake_probe(seconds_per_token):
    def probe(build, ids, lengths, y, task, cfg, jobs, steps=5):
        return seconds_per_token, seconds_per_token / 3

    return probe


@pytest.mark.parametrize("cost", [3e-3, 10.0])
def test_every_cut_of_the_planner_is_listed_and_a_cnn_that_steps_aside_is_kept(
    tmp_path, monkeypatch, caplog, cost
):
    """A short budget: the plan trains less (each cut listed), or the networks step aside
    (listed; their features are the n-gram models', under the encoder's names)."""
    import textcnn._torch
    from textcnn import _plan

    monkeypatch.setattr(textcnn._torch, "probe", _fake_probe(cost))
    monkeypatch.setattr(_plan, "MIN_PASSES", (0, 0))  # tiny networks: no floor of row passes
    train = make_frame(240)
    cnn = TextCNNEncoder(**{**FAST, "step_aside": cost > 1})  # the guard only where it steps aside
    generator = TextCNNFeatureGenerator(encoders=[cnn], time_limit=40)
    with caplog.at_level("WARNING", logger="textcnn"):
        predictor = TabularPredictor(label="label", path=str(tmp_path), verbosity=0).fit(
            train, feature_generator=generator, hyperparameters=GBM,
            fit_weighted_ensemble=False, **ONE_CORE,
        )  # fmt: skip
    fitted = _generator(predictor)
    (cnn,) = fitted.encoders_
    assert type(cnn).__name__ == "TextCNNEncoder"
    assert fitted.text_features_ == ["review__textcnn_1"]
    assert fitted.fallbacks_ and all(f.startswith("TextCNNEncoder") for f in fitted.fallbacks_)
    assert [
        f.removeprefix("TextCNNEncoder: ") for f in fitted.fallbacks_[: len(cnn.plan_.cuts)]
    ] == list(cnn.plan_.cuts)
    if cost < 1:  # cheaper plan: fewer epochs than the 4 asked for
        assert cnn.plan_.train and cnn.plan_.cuts[0].startswith("training 4 -> ")
    else:
        assert not cnn.plan_.train and cnn.plan_.aside == ("review",)
        assert fitted.fallbacks_[-1].startswith(
            "TextCNNEncoder stepped aside on column(s) ['review']: their features are"
        )
        codes = (train["label"] == "pos").to_numpy().astype(int)
        expected = TfidfLinearEncoder(cv=3, random_state=0).fit_transform(train[["review"]], codes)
        seen = predictor.transform_features()
        np.testing.assert_allclose(
            seen["review__textcnn_1"], expected[seen.index, 0].astype(np.float32), rtol=1e-5
        )
    budget_lines = [r for r in caplog.records if "time budget" in r.getMessage()]
    assert len(budget_lines) == len(fitted.fallbacks_)
