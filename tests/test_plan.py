"""The budget planner: a fake clock (made-up probes) drives the plan through its order."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
from conftest import FAST
from sklearn.metrics import roc_auc_score

from textcnn import TextCNNEncoder, TfidfLinearEncoder, _plan
from textcnn._plan import ColumnCost, Plan, make_plan, predict_seconds

#: 600 short rows and 400 long ones (so the training length can be cut)
LENGTHS = np.r_[np.full(600, 20), np.full(400, 400)]
COST = [ColumnCost(1e-3, 2e-4, LENGTHS, head_s=0.5, head_rows=800, width=100)]
BASE = Plan(5, 4, width=100)


def plan_for(budget, base=BASE, costs=COST, **kw):
    args = {"n_rows": 1000, "validation_fraction": 0.1, "refit": False, **kw}
    return make_plan(base, budget, costs, **args)


def kinds(plan: Plan) -> list[str]:
    """The kinds of cut made, in order (as DEGRADE_ORDER names them)."""
    names = {"filters": "width", "training": "training", "folds": "folds"}
    return [names.get(cut.split()[0], "max_length") for cut in plan.cuts]


def test_a_generous_budget_or_none_changes_nothing():
    assert plan_for(None) == BASE
    generous = plan_for(1e6)
    assert (generous.folds, generous.epochs, generous.sample) == (5, 4, 1.0)
    assert (generous.width, generous.max_length) == (100, None)
    assert generous.cuts == () and generous.train
    assert generous.predicted_s == pytest.approx(predict_seconds(BASE, COST, 1000, 0.1, False))


def test_the_plan_degrades_in_the_documented_order_as_the_budget_shrinks():
    full = predict_seconds(BASE, COST, 1000, 0.1, False)
    seen_kinds, last_cost = [], full
    for share in np.geomspace(1.0, 1e-4, 80):
        plan = plan_for(share * full)
        if not plan.train:
            break
        assert plan.predicted_s <= share * full + 1e-9  # what is planned fits the budget
        assert plan.predicted_s <= last_cost + 1e-9  # a smaller budget never buys more
        last_cost = plan.predicted_s
        made = kinds(plan)
        assert made == [k for k in _plan.DEGRADE_ORDER if k in made]  # in order
        # a later kind of cut only once the earlier ones reached their floor
        if "training" in made:
            assert plan.width == _plan.MIN_WIDTH
            assert plan.epochs == np.ceil(plan.epochs * plan.sample)  # whole epochs first
        if "folds" in made:
            assert (plan.epochs, plan.sample) == (1, 0.05)
        if "max_length" in made:
            assert plan.folds == 2
        seen_kinds.append(tuple(made))
    assert set(seen_kinds) >= {
        ("width",),
        ("width", "training"),
        ("width", "training", "folds"),
        ("width", "training", "folds", "max_length"),
    }
    assert not plan.train  # at last, not even the cheapest plan fits: step aside
    assert plan.describe().startswith("step aside (n-gram features only)")


def test_training_is_never_cut_below_the_floor_of_row_passes():
    """Under the floor the blend scored below the n-gram model alone: step aside instead."""
    least = 1500.0  # base: 4 epochs x 720 rows = 2880 passes per network
    full = predict_seconds(BASE, COST, 1000, 0.1, False)
    for share in np.geomspace(1.0, 1e-3, 40):
        plan = plan_for(share * full, least=least)
        if plan.train:
            assert _plan.passes(plan, 1000, 0.1) >= least
    assert not plan.train
    # a plan that already trains less than the floor is not cut in training at all
    tiny = plan_for(0.3 * full, least=1e6)
    assert "training" not in kinds(tiny) and "folds" not in kinds(tiny)


def test_a_splitter_keeps_its_folds():
    full = predict_seconds(BASE, COST, 1000, 0.1, False)
    for share in np.geomspace(1.0, 1e-3, 30):
        plan = plan_for(share * full, min_folds=5)
        assert plan.folds == 5 and "folds" not in kinds(plan)


def test_no_width_cut_for_a_network_without_one_nor_length_cut_for_short_texts():
    short = [ColumnCost(1e-3, 2e-4, np.full(1000, 20))]
    plan = plan_for(1e-3, base=Plan(5, 4), costs=short)
    assert "width" not in kinds(plan) and "max_length" not in kinds(plan)
    assert not plan.train


def test_the_width_scales_the_predicted_cost():
    narrow = replace(BASE, width=50)
    ratio = predict_seconds(narrow, COST, 1000, 0.0, False) / predict_seconds(
        BASE, COST, 1000, 0.0, False
    )
    assert ratio == pytest.approx(_plan.WIDTH_FIXED + (1 - _plan.WIDTH_FIXED) * 0.5, rel=0.05)


# ---------------------------------------------------------------- the encoder, with a fake probe
def fake_probe(train_s: float, predict_share: float = 1 / 3):
    def probe(build, ids, lengths, y, task, cfg, jobs, steps=5):
        return train_s, train_s * predict_share

    return probe


def data(n=120, seed=0):
    rng = np.random.RandomState(seed)
    words = np.array(["good", "bad", "film", "plot", "great", "awful", "the", "a"])
    y = rng.randint(0, 2, n)
    texts = [" ".join(rng.choice(words, 8)) + (" great" if label else " awful") for label in y]
    return texts, np.where(y == 1, "pos", "neg")


def test_a_generous_max_time_gives_the_same_output_as_none(make):
    """Every network kind: the probe leaves no trace (its own networks, RNGs and head)."""
    X, y = data()
    plain = make().fit_transform(X, y)
    enc = make(max_time=1e6)
    np.testing.assert_array_equal(enc.fit_transform(X, y), plain)
    assert enc.plan_.cuts == () and enc.plan_.train and enc.plan_.predicted_s > 0


def test_stepping_aside_gives_the_ngram_encoders_features(monkeypatch, tmp_path, caplog):
    import textcnn._torch

    monkeypatch.setattr(textcnn._torch, "probe", fake_probe(10.0))  # 10 s a token
    X, y = data()
    params = {k: v for k, v in FAST.items() if k in ("cv", "random_state")}
    enc = TextCNNEncoder(**{**FAST, "max_time": 30.0, "step_aside": True})
    with caplog.at_level("WARNING", logger="textcnn"):
        out = enc.fit_transform(X, y)
    assert not enc.plan_.train
    assert "step aside (n-gram features only)" in caplog.text
    expected = TfidfLinearEncoder(**params).fit_transform(X, y)
    np.testing.assert_allclose(out, expected, rtol=1e-6, atol=1e-9)
    assert enc.epochs_trained_ == {"x0": [0.0, 0.0, 0.0]}
    # new rows: the heads' average, as TfidfLinearEncoder's transform gives it
    ngram = TfidfLinearEncoder(**params).fit(X, y)
    np.testing.assert_allclose(enc.transform(X[:10]), ngram.transform(X[:10]), rtol=1e-6)
    # the model file keeps the decision, and `info` says it
    path = tmp_path / "aside.textcnn"
    enc.save(path)
    import textcnn

    loaded = textcnn.load(path)
    np.testing.assert_array_equal(loaded.transform(X[:10]), enc.transform(X[:10]))
    with pytest.raises(ValueError, match="stepped aside"):
        enc.top_ngrams(X)


def test_fewer_folds_when_time_is_short_keep_the_out_of_fold_contract(monkeypatch):
    import textcnn._torch

    X, y = data(300)
    base = TextCNNEncoder(**{**FAST, "cv": 5}).fit_transform(X, y)
    assert base.shape == (300, 1)
    # a cost at which 5 folds do not fit even on a 5% row sample, but fewer folds do (no
    # floor of row passes here: these networks are far under it anyway)
    monkeypatch.setattr(textcnn._torch, "probe", fake_probe(2e-3, 1 / 30))
    monkeypatch.setattr(_plan, "MIN_PASSES", (0, 0))
    monkeypatch.setattr(_plan, "MIN_WIDTH", FAST["n_filters"])  # no narrower network
    enc = TextCNNEncoder(**{**FAST, "cv": 5, "max_time": 1.2})
    out = enc.fit_transform(X, y)
    plan = enc.plan_
    assert plan.train and plan.cuts[0] == "training 4 -> 0.05 epochs (1 epoch on 5% of the rows)"
    assert plan.folds < 5 and len(enc.models_[0]) == plan.folds
    assert out.shape == (300, 1) and np.isfinite(out).all()
    assert enc.epochs_trained_["x0"] == [1.0] * plan.folds


def test_random_labels_stay_at_chance_under_a_cut_plan(monkeypatch):
    import textcnn._torch

    monkeypatch.setattr(textcnn._torch, "probe", fake_probe(2e-3, 1 / 30))
    monkeypatch.setattr(_plan, "MIN_PASSES", (0, 0))
    monkeypatch.setattr(_plan, "MIN_WIDTH", FAST["n_filters"])
    X, _ = data(400)
    y = np.random.RandomState(1).choice(["a", "b"], 400)
    enc = TextCNNEncoder(**{**FAST, "cv": 5, "max_time": 1.5})
    oof = enc.fit_transform(X, y)[:, 0]
    assert enc.plan_.folds < 5
    accuracy = np.mean((oof > 0.5) == (y == enc.classes_[1]))
    assert 0.38 < accuracy < 0.62


def test_sample_and_training_length_reach_the_training_steps(monkeypatch):
    from textcnn._torch import TrainConfig, training

    calls = []
    real = training.train_step

    def counting(group, optimizer, data, members, step, generators, cfg):
        calls.append((sum(len(p) for _, p in step), int(data.train_lengths.max())))
        return real(group, optimizer, data, members, step, generators, cfg)

    monkeypatch.setattr(training, "train_step", counting)
    from textcnn._torch import TextCNN, WordEmbedding

    def build():
        return TextCNN(WordEmbedding(20, 4, "rand"), 2, (2,), 3, 0.0)

    rng = np.random.RandomState(0)
    ids = rng.randint(1, 20, size=(200, 40))
    lengths = np.full(200, 40)
    y = rng.randint(0, 2, 200)
    cfg = TrainConfig(max_epochs=1, batch_size=10, early_stopping=False)
    training.train_many(build, ids, lengths, y, "classification", cfg, [(np.arange(200), 0)])
    assert sum(n for n, _ in calls) == 200 and {w for _, w in calls} == {40}
    calls.clear()
    cut = TrainConfig(max_epochs=1, batch_size=10, early_stopping=False, sample=0.5, max_length=8)
    training.train_many(build, ids, lengths, y, "classification", cut, [(np.arange(200), 0)])
    assert sum(n for n, _ in calls) == 100 and {w for _, w in calls} == {8}


def test_step_aside_false_trains_the_cheapest_plan_instead(monkeypatch):
    import textcnn._torch

    monkeypatch.setattr(textcnn._torch, "probe", fake_probe(10.0))
    X, y = data()
    enc = TextCNNEncoder(**{**FAST, "max_time": 30.0, "step_aside": False})
    enc.fit_transform(X, y)
    assert enc.plan_.train and enc.plan_.aside == ()
    assert all(net.module is not None for net in enc.models_[0])


def test_networks_that_do_not_beat_their_ngram_models_out_of_fold_step_aside(caplog):
    """One epoch of a tiny network against word cues a linear model reads at once."""
    X, y = data(300)
    params = {**FAST, "max_epochs": 1, "step_aside": True}
    with caplog.at_level("WARNING", logger="textcnn"):
        enc = TextCNNEncoder(**params)
        out = enc.fit_transform(X, y)
    assert enc.plan_.aside == ("x0",) and "did not beat their n-gram models" in caplog.text
    expected = TfidfLinearEncoder(cv=3, random_state=0).fit_transform(X, y)
    np.testing.assert_allclose(out, expected, rtol=1e-6, atol=1e-9)
    # the same fit without the guard keeps the networks, and they do score worse
    kept = TextCNNEncoder(**{**params, "step_aside": False})
    worse = kept.fit_transform(X, y)
    assert kept.plan_.aside == ()
    codes = (np.asarray(y) == "pos").astype(int)
    assert roc_auc_score(codes, worse[:, 0]) <= roc_auc_score(codes, out[:, 0])
    # a refit trains no network for a column that stepped aside out of fold
    refit = TextCNNEncoder(**{**params, "refit": True})
    refit.fit_transform(X, y)
    assert [net.module for net in refit.models_[0]] == [None]


def test_the_guard_keeps_a_blend_that_beats_its_heads():
    from textcnn._neural_column import guard_column
    from textcnn._ngram import LinearHead
    from textcnn._torch import FittedNet

    y = np.array([0, 1] * 10)
    ngrams = np.zeros((20, 1))  # the heads know nothing: P = 0.5 everywhere
    head = LinearHead(np.zeros((1, 1)), np.zeros(1), "classification")
    nets = [FittedNet(object(), "classification", linear=head) for _ in range(2)]
    folds = [(np.arange(10, 20), np.arange(10)), (np.arange(10), np.arange(10, 20))]
    good = np.c_[1 - (0.2 + 0.6 * y), 0.2 + 0.6 * y]  # the blend leans the right way
    kept, out = guard_column(nets, folds, good, ngrams, y, "column 'x'")
    assert kept is nets and out is good
    bad = good[:, ::-1]
    aside, heads = guard_column(nets, folds, bad, ngrams, y, "column 'x'")
    assert all(n.module is None for n in aside)
    np.testing.assert_allclose(heads, 0.5)


def test_less_training_counts_down_in_twentieths_without_listing_every_plan():
    steps = _plan._candidates("training", Plan(5, 2), COST, 2)
    got = [(p.epochs, round(p.sample, 4)) for p in steps]
    assert got[:2] == [(2, 0.975), (2, 0.95)] and got[19] == (1, 1.0) and got[-1] == (1, 0.05)
    assert len(got) == 39
    huge = _plan._candidates("training", Plan(5, 100_000), COST, 2)  # on demand: 2M plans
    assert len(huge) == 1_999_999 and (huge[0].epochs, huge[-1].sample) == (100_000, 0.05)
    with pytest.raises(IndexError):
        huge[len(huge)]
    # the searches over it pick what a scan of a short plan's list picks
    for budget in (3.0, 1.0, 0.3):
        a, b = plan_for(budget, base=Plan(5, 100_000)), plan_for(budget, base=Plan(5, 4))
        assert (a.folds, a.epochs, a.sample, a.train) == (b.folds, b.epochs, b.sample, b.train)


def test_a_group_behind_its_plan_follows_the_clock_to_the_deadline(monkeypatch):
    """Slower than planned, the one-cycle rate decays by the time left, not the steps left."""
    from types import SimpleNamespace

    from textcnn._torch import clock as clock_module
    from textcnn._torch.optim import lr_factor

    now = [1000.0]
    monkeypatch.setattr(clock_module, "time", SimpleNamespace(time=lambda: now[0]))
    clock = clock_module.Clock(SimpleNamespace(deadline=1100.0, name="c", progress=False), 4)
    clock.start_epoch()
    now[0] += 0.5
    clock.step(1, 5, 100, 3)  # 0.1 s a step: 4 epochs of 100 steps end at 1040
    now[0] += 9.5
    clock.end_epoch(1)
    assert not clock.behind and clock.room_for_epoch()
    clock.start_epoch()
    now[0] += 5.0
    clock.step(2, 5, 100, 3)  # now 1 s a step: the plan would end at 1310
    assert clock.behind and clock.time_progress() == pytest.approx(0.15)
    now[0] = 1099.0  # near the deadline the rate is near 0, whatever the steps say
    assert lr_factor("onecycle", max(0.3, clock.time_progress()), 0.1) == pytest.approx(
        0.011, abs=1e-3
    )
    # without a deadline nothing is ever behind
    free = clock_module.Clock(SimpleNamespace(deadline=None, name="c", progress=False), 4)
    free.start_epoch()
    now[0] += 100.0
    free.step(1, 5, 100, 3)
    free.end_epoch(1)
    assert not free.behind and free.time_progress() == 0.0


def test_networks_behind_their_ngram_models_after_one_epoch_stop_there(monkeypatch, caplog):
    """The early judge: the same features as the guard after training, from one epoch of four."""
    from textcnn import _neural_column

    X, y = data(300)
    X = [t + (" zq" if c == "pos" else " xv") for t, c in zip(X, y, strict=True)]  # a perfect cue
    params = {**FAST, "max_epochs": 4, "step_aside": True}
    with caplog.at_level("INFO", logger="textcnn"):
        early = TextCNNEncoder(**params)
        out = early.fit_transform(X, y)
    assert "after epoch 1 the networks are far behind their n-gram models" in caplog.text
    assert early.plan_.aside == ("x0",)
    assert early.epochs_trained_ == {"x0": [1.0, 1.0, 1.0]}  # three epochs each not trained
    monkeypatch.setattr(_neural_column, "EARLY_JUDGE", False)
    late = TextCNNEncoder(**params)
    np.testing.assert_array_equal(late.fit_transform(X, y), out)  # the guard: the same heads
    assert late.plan_.aside == ("x0",) and late.epochs_trained_ == {"x0": [4.0, 4.0, 4.0]}
    # a refit after it trains no network either
    refit = TextCNNEncoder(**{**params, "refit": True})
    monkeypatch.setattr(_neural_column, "EARLY_JUDGE", True)
    refit.fit_transform(X, y)
    assert [net.module for net in refit.models_[0]] == [None]


def test_the_early_judge_passes_networks_that_beat_their_heads(monkeypatch):
    """A judge that finds the blend ahead changes nothing: the output of training on."""
    from textcnn import _neural_column

    X, y = data(300)
    params = {**FAST, "max_epochs": 3, "step_aside": False}
    expected = TextCNNEncoder(**params).fit_transform(X, y)
    asked = []

    def ahead(self, jobs, heads, verdict, folds):  # the judge's answer: "they pay"
        def judge(outputs_of):
            outs = outputs_of([np.arange(5)] * len(jobs))
            asked.append([o.shape for o in outs])
            return False

        return judge

    monkeypatch.setattr(_neural_column.NeuralColumn, "early_judge", ahead)
    enc = TextCNNEncoder(**params)
    np.testing.assert_array_equal(enc.fit_transform(X, y), expected)
    assert asked == [[(5, 2)] * 3]  # once, after epoch 1, each member's probabilities
    assert enc.epochs_trained_ == {"x0": [3.0, 3.0, 3.0]}
