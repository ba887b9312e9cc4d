import sys

import numpy as np
import pytest
from sklearn.model_selection import GroupKFold, KFold, ShuffleSplit, StratifiedGroupKFold

from textcnn._crossfit import cross_fit, make_folds, make_splitter


class Recorder:
    """A dummy model: remembers its training rows, refuses to predict them."""

    def __init__(self):
        self.seen: list[set[int]] = []
        self.predicted = []

    def fit(self, i, rows):
        self.seen.append(set(rows.tolist()))
        return i

    def predict(self, model, rows):
        assert not self.seen[model] & set(rows.tolist()), "predicted a row it trained on"
        self.predicted.extend(rows.tolist())
        return np.column_stack([rows, np.full(len(rows), model)]).astype(float)


@pytest.mark.parametrize("classification", [True, False])
def test_every_row_predicted_once_by_a_model_that_never_saw_it(classification):
    n = 103
    y = np.arange(n) % 3 if classification else np.linspace(0, 1, n)
    folds = make_folds(make_splitter(5, classification, None, 0), n, y, None)
    rec = Recorder()
    oof, models = cross_fit(folds, n, rec.fit, rec.predict)
    assert sorted(rec.predicted) == list(range(n))
    np.testing.assert_array_equal(oof[:, 0], np.arange(n))  # each row's own prediction
    assert models == [0, 1, 2, 3, 4]
    for i, (_, test) in enumerate(folds):
        assert np.all(oof[test, 1] == i)


def test_splitter_choice():
    groups = np.repeat(np.arange(10), 3)
    assert isinstance(make_splitter(3, True, groups, 0), StratifiedGroupKFold)
    assert isinstance(make_splitter(3, False, groups, 0), GroupKFold)
    assert isinstance(make_splitter(3, False, None, 0), KFold)
    kf = KFold(4)
    assert make_splitter(kf, True, None, 0) is kf
    with pytest.raises(ValueError, match="at least 2"):
        make_splitter(1, True, None, 0)


def test_groups_never_straddle_folds():
    groups = np.repeat(np.arange(12), 4)
    y = np.arange(48) % 2
    folds = make_folds(make_splitter(3, True, groups, 0), 48, y, groups)
    for train, test in folds:
        assert not set(groups[train]) & set(groups[test])


def test_overlapping_splitter_is_refused():
    with pytest.raises(ValueError, match="non-overlapping"):
        make_folds(ShuffleSplit(3, test_size=0.3, random_state=0), 20, np.zeros(20), None)


def test_missing_rows_detected():
    rec = Recorder()
    with pytest.raises(AssertionError, match="zero or several"):
        cross_fit([(np.arange(5, 10), np.arange(0, 4))], 10, rec.fit, rec.predict)


@pytest.fixture
def machine(monkeypatch):
    """A 4-core machine whose running threads and thread pools the test sets."""
    import threadpoolctl

    from textcnn import _crossfit

    state = {"running": 0}
    monkeypatch.setattr(_crossfit, "_threads_warned", False)
    monkeypatch.setattr(_crossfit.os, "cpu_count", lambda: 4)
    monkeypatch.setattr(_crossfit, "_running_elsewhere", lambda: state["running"])
    pools = [
        {"filepath": "/x/torch/lib/libgomp.so.1", "internal_api": "openmp", "num_threads": 4},
        {"filepath": "/x/scikit_learn.libs/libgomp-e9.so.1", "internal_api": "openmp",
         "num_threads": 4},
    ]  # fmt: skip
    monkeypatch.setattr(threadpoolctl, "threadpool_info", lambda: pools)
    return state


def test_oversubscription_warns_once_naming_the_pools(machine, caplog):
    from textcnn._crossfit import warn_if_oversubscribed

    machine["running"] = 1
    assert not warn_if_oversubscribed(3, None)  # 3 + 1 threads on 4 cores: fine
    assert not warn_if_oversubscribed(4, 3)  # folds in joblib workers: they limit threads
    assert not caplog.records
    machine["running"] = 2
    assert warn_if_oversubscribed(4, None)  # 4 + 2 > 4
    assert not warn_if_oversubscribed(4, None)  # once per process
    (record,) = caplog.records
    assert record.levelname == "WARNING"
    message = record.getMessage()
    assert message.startswith("training with 4 torch threads while 2 other thread(s) run on 4 ")
    assert "libgomp.so.1 (openmp, 4), libgomp-e9.so.1 (openmp, 4)" in message
    assert "torch.set_num_threads(k)" in message and "threadpool_limits(k)" in message


def test_fit_on_a_busy_machine_warns_once(machine, caplog, binary_data):
    import torch
    from conftest import FAST

    from textcnn import TextCNNEncoder

    X, y = binary_data
    machine["running"] = 4
    with caplog.at_level("WARNING", logger="textcnn"):
        TextCNNEncoder(**{**FAST, "max_epochs": 1, "n_threads": 2}).fit(X, y)
        TextCNNEncoder(**{**FAST, "max_epochs": 1, "n_threads": 2}).fit(X, y)
    warned = [r for r in caplog.records if "oversubscribed" in r.getMessage()]
    assert len(warned) == 1
    assert "training with 2 torch threads while 4 other" in warned[0].getMessage()
    assert torch.get_num_threads() >= 1


def test_auto_threads_leave_room_for_busy_threads(machine, binary_data, monkeypatch):
    import torch
    from conftest import FAST

    from textcnn import TextCNNEncoder, _crossfit, _device
    from textcnn._crossfit import choose_threads

    machine["running"] = 0
    assert choose_threads("auto", 4, None) == 4
    machine["running"] = 3
    assert choose_threads("auto", 4, None) == 1  # 3 busy threads on 4 cores
    assert choose_threads("auto", 4, 2) == 4  # joblib workers limit their own threads
    assert choose_threads(3, 4, None) == 3  # explicit: as given
    machine["running"] = 2
    assert choose_threads("auto", 1, None) == 1  # never more than torch's own count
    # the encoder trains and predicts under the choice, then restores torch's count
    used = []
    real = _device.torch_threads

    def spy(n):
        used.append(n)
        return real(n)

    monkeypatch.setattr(_device, "torch_threads", spy)
    before = torch.get_num_threads()
    X, y = binary_data
    enc = TextCNNEncoder(**{**FAST, "max_epochs": 1}).fit(X, y)
    enc.transform(X)
    expected = max(1, min(before, 4 - 2))
    assert used == [expected, expected]
    assert torch.get_num_threads() == before
    with pytest.raises(ValueError, match="n_threads"):
        TextCNNEncoder(**{**FAST, "n_threads": 0}).fit(X, y)
    assert _crossfit.choose_threads is choose_threads


def test_running_threads_are_read_from_proc_loadavg():
    from textcnn._crossfit import _running_elsewhere

    running = _running_elsewhere()
    if sys.platform.startswith("linux"):
        assert isinstance(running, int) and running >= 0
    else:
        assert running is None
