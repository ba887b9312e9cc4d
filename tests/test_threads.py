"""The thread policy (textcnn._threads): auto threads, oversubscription, Dask workers."""

import sys

import pytest


@pytest.fixture
def machine(monkeypatch):
    """A 4-core machine whose running threads and thread pools the test sets."""
    import threadpoolctl

    from textcnn import _threads

    state = {"running": 0}
    monkeypatch.setattr(_threads, "_threads_warned", False)
    monkeypatch.setattr(_threads.os, "cpu_count", lambda: 4)
    monkeypatch.setattr(_threads, "running_elsewhere", lambda: state["running"])
    pools = [
        {"filepath": "/x/torch/lib/libgomp.so.1", "internal_api": "openmp", "num_threads": 4},
        {"filepath": "/x/scikit_learn.libs/libgomp-e9.so.1", "internal_api": "openmp",
         "num_threads": 4},
    ]  # fmt: skip
    monkeypatch.setattr(threadpoolctl, "threadpool_info", lambda: pools)
    return state


def test_oversubscription_warns_once_naming_the_pools(machine, caplog):
    from textcnn._threads import warn_if_oversubscribed

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

    from textcnn import TextCNNEncoder, _threads
    from textcnn._threads import choose_threads

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
    real = _threads.choose_threads

    def spy(*args):
        used.append((real(*args), torch.get_num_threads()))
        return used[-1][0]

    monkeypatch.setattr(_threads, "choose_threads", spy)
    inside = []
    monkeypatch.setattr(
        TextCNNEncoder,
        "_fit_setup",
        lambda self, real=TextCNNEncoder._fit_setup: (
            inside.append(torch.get_num_threads()) or real(self)
        ),
    )
    before = torch.get_num_threads()
    X, y = binary_data
    enc = TextCNNEncoder(**{**FAST, "max_epochs": 1, "n_threads": "auto"}).fit(X, y)
    enc.transform(X)
    expected = max(1, min(before, 4 - 2))
    assert [chosen for chosen, _ in used] == [expected, expected]
    assert inside == [expected]  # the fit ran under the choice
    assert torch.get_num_threads() == before  # and restored it
    with pytest.raises(ValueError, match="n_threads"):
        TextCNNEncoder(**{**FAST, "n_threads": 0}).fit(X, y)


def test_running_threads_are_read_from_proc_loadavg():
    from textcnn._threads import running_elsewhere

    running = running_elsewhere()
    if sys.platform.startswith("linux"):
        assert isinstance(running, int) and running >= 0
    else:
        assert running is None


def test_the_policy_starts_from_the_dask_workers_threads(machine, monkeypatch):
    from textcnn import _threads

    count = [4]
    get, put = (lambda: count[0]), (lambda n: count.__setitem__(0, n))
    monkeypatch.setattr(_threads, "dask_worker_threads", lambda: 1)
    with _threads.torch_threads("auto", None, get, put) as n:
        assert n == count[0] == 1  # a single-thread worker: one torch thread
    assert count[0] == 4
    with _threads.torch_threads(2, None, get, put) as n:
        assert n == count[0] == 2  # an explicit count is as given
    monkeypatch.setattr(_threads, "dask_worker_threads", lambda: None)
    machine["running"] = 1
    with _threads.torch_threads("auto", None, get, put) as n:
        assert n == count[0] == 3  # 1 busy thread on 4 cores
    assert count[0] == 4
