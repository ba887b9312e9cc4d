"""Fold-batched (grouped) training and prediction equal the one-network-at-a-time path."""

import numpy as np
import pytest
import torch

from textcnn._torch import (
    TextCNN,
    TextRNN,
    TrainConfig,
    WordEmbedding,
    predict,
    predict_many,
    train_many,
)
from textcnn._torch.batching import lockstep_schedule
from textcnn._torch.group import make_group
from textcnn._torch.optim import GroupAdam

VOCAB, DIM = 40, 6
PRETRAINED = torch.from_numpy(np.random.RandomState(0).normal(size=(VOCAB, DIM)).astype("f4"))
PRETRAINED[0] = 0
BUILDS = {
    "cnn": lambda: TextCNN(
        WordEmbedding(VOCAB, DIM, "non-static", PRETRAINED), 3, kernel_sizes=(2, 3, 4), n_filters=5
    ),
    "cnn-multichannel": lambda: TextCNN(
        WordEmbedding(VOCAB, DIM, "multichannel", PRETRAINED), 1, kernel_sizes=(1, 3), n_filters=4
    ),
    "cnn-static": lambda: TextCNN(
        WordEmbedding(VOCAB, DIM, "static", PRETRAINED), 3, kernel_sizes=(2, 3), n_filters=4
    ),
    "bigru": lambda: TextRNN(WordEmbedding(VOCAB, DIM, "non-static", PRETRAINED), 3, hidden_size=5),
}


def corpus(n=150, seed=0):
    rng = np.random.RandomState(seed)
    lengths = rng.randint(0, 14, size=n)
    ids = np.zeros((n, 14), dtype=np.int64)
    for i, m in enumerate(lengths):
        ids[i, :m] = rng.randint(1, VOCAB, size=m)
    y = (ids[:, :3].sum(1) % 3).astype(np.int64)  # learnable from the first words
    return ids, lengths, y


@pytest.mark.parametrize(
    ("kind", "schedule", "sample"),
    [(kind, "constant", 1.0) for kind in BUILDS]
    + [("cnn", "onecycle", 1.0), ("cnn", "onecycle", 0.6), ("bigru", "onecycle", 0.6)],
)
def test_members_train_in_a_group_as_they_would_alone(kind, schedule, sample):
    """Also with the one-cycle schedule (each member's learning rate follows its own
    steps) and a row sample per epoch (each member draws its own)."""
    ids, lengths, y = corpus()
    task = "regression" if kind == "cnn-multichannel" else "classification"
    target = y.astype(float) + 0.1 * lengths if task == "regression" else y
    rng = np.random.RandomState(1)
    jobs = [
        (np.sort(rng.choice(150, size=size, replace=False)), seed)
        for size, seed in [(120, 11), (97, 12), (131, 13)]
    ]
    cfg = TrainConfig(
        max_epochs=6,
        batch_size=16,
        patience=1,
        lr=1e-2,
        weight_decay=1e-4,
        schedule=schedule,
        sample=sample,
    )
    together = train_many(BUILDS[kind], ids, lengths, target, task, cfg, jobs, order_seed=5)
    alone = [
        train_many(BUILDS[kind], ids, lengths, target, task, cfg, [job], order_seed=5)[0]
        for job in jobs
    ]
    for a, b in zip(together, alone, strict=True):
        assert a.best_epoch == b.best_epoch
        assert (a.target_mean, a.target_scale) == (b.target_mean, b.target_scale)
        # same weights up to floating-point summation order (batched vs single products)
        np.testing.assert_allclose(
            predict(a, ids, lengths), predict(b, ids, lengths), rtol=0, atol=1e-5
        )
    # the members are really different networks (own rows, own seeds)
    assert not np.allclose(predict(together[0], ids, lengths), predict(together[1], ids, lengths))


def test_early_stopping_is_per_member():
    ids, lengths, y = corpus(400, seed=3)
    y[200:] = np.random.RandomState(0).randint(0, 3, size=200)  # rows 200+: noise
    jobs = [(np.arange(200), 1), (np.arange(200, 400), 2)]
    cfg = TrainConfig(max_epochs=8, batch_size=16, patience=1, lr=3e-2)
    signal, noise = train_many(BUILDS["cnn"], ids, lengths, y, "classification", cfg, jobs)
    # one group, two fates: the member fed noise stops early, the other keeps learning
    assert signal.best_epoch >= 4
    assert noise.best_epoch <= 2
    alone = train_many(BUILDS["cnn"], ids, lengths, y, "classification", cfg, jobs[:1])[0]
    np.testing.assert_allclose(
        predict(signal, ids, lengths), predict(alone, ids, lengths), rtol=0, atol=1e-5
    )


def test_group_adam_equals_torch_adam_and_sparse_adam():
    torch.manual_seed(0)
    dense = torch.nn.Parameter(torch.randn(1, 4, 3))
    table = torch.nn.Parameter(torch.randn(10, 3))
    ref_dense = torch.nn.Parameter(dense.detach().clone())
    ref_table = torch.nn.Parameter(table.detach().clone())
    start = table.detach().clone()
    ours = GroupAdam([(dense, None), (table, None)], 1, lr=0.1, weight_decay=0.0)
    adam = torch.optim.Adam([ref_dense], lr=0.1)
    sparse = torch.optim.SparseAdam([ref_table], lr=0.1)
    for step in range(4):
        rows = torch.tensor([[1, 2, 2], [5, 1, 7 - step]])
        for p, t, opt in ((dense, table, ours), (ref_dense, ref_table, None)):
            loss = (p * torch.arange(12.0).view(1, 4, 3)).sin().sum()
            loss = loss + torch.nn.functional.embedding(rows, t, sparse=True).cos().sum()
            if opt is not None:
                opt.zero_grad()
            else:
                adam.zero_grad(), sparse.zero_grad()
            loss.backward()
        ours.step([0])
        adam.step()
        sparse.step()
    torch.testing.assert_close(dense, ref_dense, rtol=1e-5, atol=1e-6)
    torch.testing.assert_close(table, ref_table, rtol=1e-5, atol=1e-6)
    untouched = [0, 3, 8, 9]  # rows never looked up never move (lazy)
    assert torch.equal(table[untouched], start[untouched])


def test_inactive_members_do_not_move():
    weight = torch.nn.Parameter(torch.ones(3, 2, 2))
    table = torch.nn.Parameter(torch.ones(3 * 4, 2))  # 3 members x 4 rows
    opt = GroupAdam([(weight, None), (table, None)], 3, lr=0.5, weight_decay=0.1)
    for _ in range(2):
        opt.zero_grad()
        rows = torch.tensor([1, 5, 6])  # member 0 row 1, member 1 rows 1 and 2
        (
            weight[[0, 2]].sum() + torch.nn.functional.embedding(rows, table, sparse=True).sum()
        ).backward()
        opt.step([0, 2])
    assert torch.equal(weight[1], torch.ones(2, 2))  # member 1 did not run
    assert not torch.equal(weight[0], torch.ones(2, 2))
    assert opt.steps.tolist() == [2, 0, 2]


def test_lockstep_schedule_is_complete_and_member_independent():
    rng = np.random.RandomState(0)
    lengths = [rng.randint(1, 30, size=n) for n in (230, 231, 200)]
    steps = lockstep_schedule(lengths, 8, [np.random.RandomState(s) for s in (1, 2, 3)], [4, 1])
    for k, member_lengths in enumerate(lengths):
        mine = [pos for step in steps for j, pos in step if j == k]
        assert sorted(np.concatenate(mine).tolist()) == list(range(len(member_lengths)))
        alone = lockstep_schedule([member_lengths], 8, [np.random.RandomState(k + 1)], [4, 1])
        assert [p.tolist() for step in alone for _, p in step] == [p.tolist() for p in mine]
    # members take batches of similar length at each step: little padding when stacked
    widths = [max(lengths[k][p].max() for k, p in step) for step in steps]
    padded = sum(w * sum(len(p) for _, p in step) for w, step in zip(widths, steps, strict=True))
    assert padded < 1.3 * sum(int(x.sum()) for x in lengths)


@pytest.mark.parametrize("kind", ["cnn", "bigru"])
def test_predict_many_equals_one_network_at_a_time(kind):
    ids, lengths, y = corpus()
    cfg = TrainConfig(max_epochs=2, batch_size=32)
    jobs = [(np.arange(0, 150, 2), 1), (np.arange(1, 150, 2), 2)]
    nets = train_many(BUILDS[kind], ids, lengths, y, "classification", cfg, jobs)
    shared = predict_many(nets, ids, lengths, batch_size=7)
    for net, got in zip(nets, shared, strict=True):
        np.testing.assert_allclose(got, predict(net, ids, lengths), rtol=0, atol=1e-6)
    own = predict_many(nets, ids, lengths, rows=[np.arange(3, 40), np.arange(100, 150)])
    np.testing.assert_allclose(own[0], shared[0][3:40], rtol=0, atol=1e-6)
    np.testing.assert_allclose(own[1], shared[1][100:150], rtol=0, atol=1e-6)
    assert {p.device.type for n in nets for p in n.module.parameters()} == {"cpu"}


def test_cnn_group_forward_backward_and_unstack_equal_the_members():
    torch.manual_seed(0)
    members = [BUILDS["cnn"]().eval() for _ in range(3)]
    group = make_group(members)
    assert isinstance(group, TextCNN) and group.n_members == 3  # the CNN is its own group
    ids, lengths, _ = corpus(9)
    ids_t, lens_t = torch.from_numpy(ids), torch.from_numpy(lengths)
    want = torch.stack([m(ids_t, lens_t)[0] for m in members])
    torch.testing.assert_close(group.eval()(ids_t, lens_t), want, rtol=1e-5, atol=1e-6)
    # gradients of the stacked weights are the members' own
    batch = ids_t.expand(3, -1, -1)
    group(batch, lens_t.expand(3, -1)).square().sum().backward()
    for k, m in enumerate(members):
        m(ids_t, lens_t).square().sum().backward()
        torch.testing.assert_close(group.out_weight.grad[k], m.out_weight.grad[0])
        torch.testing.assert_close(group.weight.grad[k], m.weight.grad[0], rtol=1e-4, atol=1e-5)
        torch.testing.assert_close(
            group.table.grad.to_dense()[k * VOCAB : (k + 1) * VOCAB],
            m.table.grad.to_dense(),
            rtol=1e-5,
            atol=1e-6,
        )
    # padding taps of narrow filters get no gradient, so they stay zero
    assert torch.all(group.weight.grad * (1 - group.weight_mask) == 0)
    with torch.no_grad():
        group.weight.mul_(2 * group.weight_mask)
        group.table.add_(1.0)
        group.table[::VOCAB] = 0.0  # padding rows stay zero (they never get a gradient)
    back = group.unstack()
    assert [m.n_members for m in back] == [1, 1, 1]
    torch.testing.assert_close(
        torch.stack([m.eval()(ids_t, lens_t)[0] for m in back]),
        group.eval()(ids_t, lens_t),
        rtol=1e-5,
        atol=1e-5,
    )


@pytest.mark.parametrize("kind", ["cnn", "cnn-multichannel", "cnn-static"])
def test_a_single_network_is_a_group_of_one(kind):
    """stack / unstack copy weights exactly; a group of one computes what its member does."""
    torch.manual_seed(0)
    net = BUILDS[kind]().eval()
    group = TextCNN.stack([net, BUILDS[kind]()])
    (back, _) = group.unstack()
    for name, value in net.state_dict().items():
        assert torch.equal(back.state_dict()[name], value), name
    ids, lengths, _ = corpus(12)
    ids_t, lens_t = torch.from_numpy(ids), torch.from_numpy(lengths)
    with torch.inference_mode():
        alone = net(ids_t, lens_t)  # (1, B, O)
        first = group.eval()(ids_t, lens_t, members=torch.tensor([0]))
    assert alone.shape == (1, 12, net.out_bias.shape[1])
    torch.testing.assert_close(first, alone, rtol=1e-5, atol=1e-6)  # batched products
    # the frozen tables of static and multichannel networks are shared, not trained
    trainable = {name for name, p in group.named_parameters() if p.requires_grad}
    assert ("table" in trainable) == (kind != "cnn-static")


def test_the_deadline_stops_every_member_at_the_same_step(monkeypatch):
    """max_time: the members stop together mid-epoch, validated, each with its best state."""
    from textcnn._torch import clock

    ids, lengths, y = corpus(300, seed=1)
    jobs = [(np.arange(0, 300, 2), 1), (np.arange(1, 300, 2), 2), (np.arange(150), 3)]
    cfg = TrainConfig(max_epochs=10, batch_size=16, patience=5, lr=1e-2, deadline=float("inf"))
    checks = []

    def out_of_time(self):
        checks.append(1)
        return len(checks) > 12  # epoch 1 checks 8 times (9 steps), then 4 steps of epoch 2

    monkeypatch.setattr(clock.Clock, "out_of_time", out_of_time)
    nets = train_many(BUILDS["cnn"], ids, lengths, y, "classification", cfg, jobs)
    assert [n.epochs_trained for n in nets] == [1 + 5 / 9] * 3  # the same step of epoch 2
    assert {n.best_epoch for n in nets} <= {1, 2}  # validated in the cut epoch too
    for net in nets:
        assert np.isfinite(predict(net, ids, lengths)).all()
    # no deadline: the same jobs run to the epoch limit or early stopping
    monkeypatch.undo()
    free = train_many(BUILDS["cnn"], ids, lengths, y, "classification", TrainConfig(), jobs[:1])
    assert free[0].epochs_trained == int(free[0].epochs_trained) >= 2


def test_an_epoch_that_would_end_past_the_deadline_does_not_start(monkeypatch, caplog):
    from textcnn._torch import clock

    ids, lengths, y = corpus(150)
    now = [1000.0]
    monkeypatch.setattr(clock.time, "time", lambda: now[0])
    real_step = clock.Clock.step

    def step(self, *args):
        now[0] += 1.0  # every step takes one (fake) second: an epoch of 10 steps, 10 s
        real_step(self, *args)

    monkeypatch.setattr(clock.Clock, "step", step)
    cfg = TrainConfig(max_epochs=10, batch_size=16, early_stopping=False, deadline=1000.0 + 20)
    with caplog.at_level("INFO", logger="textcnn"):
        (net,) = train_many(
            BUILDS["cnn"], ids, lengths, y, "classification", cfg, [(np.arange(150), 1)]
        )
    assert net.epochs_trained == 2.0  # a third epoch would end at 1027 > 1020: not started
    assert any("no room for epoch 3" in r.getMessage() for r in caplog.records)
    # a first epoch longer than the budget: a warning after the first steps, one partial epoch
    caplog.clear()
    cfg = TrainConfig(max_epochs=10, batch_size=16, early_stopping=False, deadline=now[0] + 6.5)
    with caplog.at_level("INFO", logger="textcnn"):
        (net,) = train_many(
            BUILDS["cnn"], ids, lengths, y, "classification", cfg, [(np.arange(150), 1)]
        )
    assert net.epochs_trained == pytest.approx(7 / 10)
    warnings = [r.getMessage() for r in caplog.records if r.levelname == "WARNING"]
    (warning,) = [w for w in warnings if "one epoch needs" in w]
    assert "one epoch needs about 10.0 s but max_time leaves 6.5 s" in warning
    assert any("max_time reached in epoch 1 of 10 (70% of it)" in w for w in warnings)
    assert "about 65% of their rows" in warning


@pytest.mark.parametrize("kind", ["cnn", "cnn-multichannel", "cnn-static"])
def test_token_space_prediction_equals_the_windowed_product(kind, monkeypatch):
    """transform's path: each token projected once, then lookups; same outputs, any batch."""
    from textcnn._torch import cnn

    ids, lengths, y = corpus()
    cfg = TrainConfig(max_epochs=2, batch_size=32)
    jobs = [(np.arange(0, 150, 2), 1), (np.arange(1, 150, 2), 2)]
    task = "regression" if kind == "cnn-multichannel" else "classification"
    target = y.astype(float) if task == "regression" else y
    nets = train_many(BUILDS[kind], ids, lengths, target, task, cfg, jobs)
    per_batch = predict_many(nets, ids, lengths)  # each batch's own distinct tokens
    monkeypatch.setattr(cnn, "TOKEN_SPACE", False)
    windowed = predict_many(nets, ids, lengths)
    for a, b in zip(per_batch, windowed, strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
    for batch_size in (7, 1024):
        tokens = predict_many(nets, ids, lengths, batch_size=batch_size, token_space=True)
        for a, b in zip(tokens, windowed, strict=True):
            np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
    own = predict_many(nets, ids, lengths, rows=[np.arange(3, 40), np.arange(100, 150)],
                       token_space=True)  # fmt: skip
    np.testing.assert_allclose(own[1], windowed[1][100:150], rtol=1e-5, atol=1e-6)
    # the fitted networks keep no projection: it lives on the prediction group only
    assert all(getattr(n.module, "projection", None) is None for n in nets)


def test_projection_is_capped_and_needs_every_token():
    torch.manual_seed(0)
    group = TextCNN.stack([BUILDS["cnn"](), BUILDS["cnn"]()])
    ids = torch.tensor([[3, 4, 5, 0]])
    assert not group.project(ids, max_bytes=10)  # over the cap: the windowed product stays
    assert group.projection is None
    assert group.project(ids)
    with torch.inference_mode(), pytest.raises(ValueError, match="was not projected"):
        group(torch.tensor([[6, 7]]), torch.tensor([2]))
    with torch.inference_mode():  # the projected tokens are served as before
        assert group(torch.tensor([[3, 5]]), torch.tensor([2])).shape == (2, 1, 3)


@pytest.mark.parametrize("kind", ["cnn", "cnn-multichannel", "cnn-static"])
def test_token_space_training_gets_the_windowed_products_gradients(kind, monkeypatch):
    """Training in token space: same scores and gradients, selected members and all."""
    from textcnn._torch import cnn

    ids, lengths, _ = corpus()
    torch.manual_seed(0)
    group = TextCNN.stack([BUILDS[kind]() for _ in range(3)])
    x = torch.from_numpy(ids[:60]).view(3, 20, -1)
    lens = torch.from_numpy(lengths[:60]).view(3, 20)
    results = {}
    for token_space in (False, True):
        monkeypatch.setattr(cnn, "TOKEN_SPACE", token_space)
        for members in (torch.tensor([2, 0]), None):
            group.zero_grad()
            rows = slice(0, 2) if members is not None else slice(None)
            out = group(x[rows], lens[rows], members=members)
            (out**2).sum().backward()
            grads = {
                n: (p.grad.to_dense() if p.grad.is_sparse else p.grad).clone()
                for n, p in group.named_parameters()
                if p.grad is not None
            }
            results[token_space, members is None] = out.detach().clone(), grads
    for every in (False, True):
        (out_w, grads_w), (out_t, grads_t) = results[False, every], results[True, every]
        np.testing.assert_allclose(out_t, out_w, rtol=1e-5, atol=1e-6)
        assert sorted(grads_t) == sorted(grads_w) and "weight" in grads_w
        for name, grad in grads_w.items():
            assert grad.abs().max() > 0
            np.testing.assert_allclose(grads_t[name], grad, rtol=1e-4, atol=1e-5, err_msg=name)
