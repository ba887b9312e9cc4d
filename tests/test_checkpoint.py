"""Checkpoints: an interrupted fit resumes from its finished units (issue 31)."""

import numpy as np
import pandas as pd
import pytest
from conftest import FAST, LABELS, REVIEWS

from textcnn import TextCNNEncoder, TextRNNEncoder
from textcnn._model_file import checkpoint

TABLE = pd.DataFrame({"a": REVIEWS, "b": [r.upper()[::-1] for r in REVIEWS]})
PARAMS = {**FAST, "cv": 3, "n_threads": 1, "random_state": 0}


class FakeFailure(Exception):
    """Stands for a kill right after a unit was written."""


def _interrupt_after(monkeypatch, units: int) -> list[str]:
    """Make Checkpoint.save raise once ``units`` units are written; the names written."""
    written: list[str] = []
    save = checkpoint.Checkpoint.save

    def save_then_fail(self, name, models, pack):
        save(self, name, models, pack)
        written.append(name)
        if len(written) == units:
            raise FakeFailure(name)

    monkeypatch.setattr(checkpoint.Checkpoint, "save", save_then_fail)
    return written


@pytest.mark.parametrize("kind", ["cnn", "bigru", "cnn-refit", "cnn-guard"])
def test_resumed_fit_equals_an_uninterrupted_one(tmp_path, monkeypatch, kind):
    cls = TextRNNEncoder if kind == "bigru" else TextCNNEncoder
    params = {
        k: v for k, v in PARAMS.items() if kind != "bigru" or k not in ("kernel_sizes", "n_filters")
    }
    if kind == "cnn-refit":
        params["refit"] = True
    if kind == "cnn-guard":  # the out-of-fold guard and early stopping on loaded networks
        params.update(step_aside=True, early_stopping=True)
    expected = cls(**params).fit_transform(TABLE, LABELS)
    expected_new = cls(**params).fit(TABLE, LABELS).transform(TABLE[:5])

    written = _interrupt_after(monkeypatch, 1)
    with pytest.raises(FakeFailure):
        cls(**params, checkpoint_dir=tmp_path).fit_transform(TABLE, LABELS)
    assert written == ["column0-folds1-2-3"]
    monkeypatch.undo()

    loaded = []
    load = checkpoint.Checkpoint.load

    def counting_load(self, name, unpack):
        models = load(self, name, unpack)
        loaded.append((name, models is not None))
        return models

    monkeypatch.setattr(checkpoint.Checkpoint, "load", counting_load)
    resumed = cls(**params, checkpoint_dir=tmp_path)
    out = resumed.fit_transform(TABLE, LABELS)
    assert loaded[0] == ("column0-folds1-2-3", True)  # finished: not trained again
    assert ("column1-folds1-2-3", False) in loaded  # the rest: trained now
    np.testing.assert_array_equal(out, expected)  # bit-identical on one thread
    if kind == "cnn-refit":
        assert ("column0-refit", False) in loaded
    # a third run finds every unit and trains nothing
    loaded.clear()
    again = cls(**params, checkpoint_dir=tmp_path).fit(TABLE, LABELS)
    assert loaded and all(hit for _, hit in loaded)
    np.testing.assert_array_equal(again.transform(TABLE[:5]), expected_new)
    assert again.epochs_trained_ == cls(**params).fit(TABLE, LABELS).epochs_trained_


def test_resume_under_n_jobs(tmp_path):
    """Units trained in joblib workers are written there; a resumed run reuses them."""
    params = {**PARAMS, "n_jobs": 2}
    expected = TextCNNEncoder(**params).fit_transform(TABLE, LABELS)
    TextCNNEncoder(**params, checkpoint_dir=tmp_path).fit_transform(TABLE, LABELS)
    units = sorted(p.name for p in tmp_path.glob("*.unit"))
    assert units == [f"column{c}-folds{f}.unit" for c in (0, 1) for f in ("1-3", "2")]
    kept = tmp_path / units[0]
    kept_stat = kept.stat()
    for name in units[1:]:  # as if the run was killed after its first unit
        (tmp_path / name).unlink()
    out = TextCNNEncoder(**params, checkpoint_dir=tmp_path).fit_transform(TABLE, LABELS)
    np.testing.assert_array_equal(out, expected)
    assert kept.stat().st_mtime_ns == kept_stat.st_mtime_ns  # loaded, not written again
    assert sorted(p.name for p in tmp_path.glob("*.unit")) == units


def test_a_checkpoint_of_another_run_is_refused(tmp_path):
    TextCNNEncoder(**PARAMS, checkpoint_dir=tmp_path).fit(TABLE, LABELS)
    with pytest.raises(
        ValueError, match=r"another run: parameter lr: 0.01 then, 0.02 now.*--force"
    ):
        TextCNNEncoder(**{**PARAMS, "lr": 0.02}, checkpoint_dir=tmp_path).fit(TABLE, LABELS)
    other = TABLE.assign(a=TABLE["a"].str.lower())
    with pytest.raises(ValueError, match="another run: the texts differ"):
        TextCNNEncoder(**PARAMS, checkpoint_dir=tmp_path).fit(other, LABELS)
    with pytest.raises(ValueError, match="rows: 24 then, 12 now"):
        TextCNNEncoder(**PARAMS, checkpoint_dir=tmp_path).fit(TABLE[:12], LABELS[:12])
    # what does not change the result may change: threads, verbosity, the directory itself
    TextCNNEncoder(**{**PARAMS, "verbose": True}, checkpoint_dir=str(tmp_path)).fit(TABLE, LABELS)
    assert checkpoint.clear(tmp_path) == 3  # checkpoint.json and the two columns' units
    TextCNNEncoder(**{**PARAMS, "lr": 0.02}, checkpoint_dir=tmp_path).fit(TABLE, LABELS)


def test_a_damaged_unit_is_trained_again(tmp_path, caplog):
    expected = TextCNNEncoder(**PARAMS).fit_transform(TABLE, LABELS)
    TextCNNEncoder(**PARAMS, checkpoint_dir=tmp_path).fit_transform(TABLE, LABELS)
    unit = tmp_path / "column1-folds1-2-3.unit"
    unit.write_bytes(unit.read_bytes()[:-100])  # torn
    out = TextCNNEncoder(**PARAMS, checkpoint_dir=tmp_path).fit_transform(TABLE, LABELS)
    assert "column1-folds1-2-3.unit is damaged" in caplog.text
    np.testing.assert_array_equal(out, expected)
    assert checkpoint.read_unit(unit)[0]  # written again, whole


def _count_epochs(monkeypatch) -> list[int]:
    """Record the epoch number of every epoch the training loop runs."""
    from textcnn._torch import training

    epochs: list[int] = []
    real = training.train_epoch

    def counting(*args, **kwargs):
        epochs.append(args[7][-1])  # order = [order_seed, epoch]
        return real(*args, **kwargs)

    monkeypatch.setattr(training, "train_epoch", counting)
    return epochs


@pytest.mark.parametrize("cls", [TextCNNEncoder, TextRNNEncoder])
def test_a_fit_killed_mid_unit_resumes_at_the_next_epoch(tmp_path, monkeypatch, cls):
    """One column, one unit: the kill comes after epoch 2 of 4; the resume trains 3 and 4."""
    params = {
        k: v
        for k, v in PARAMS.items()
        if cls is TextCNNEncoder or k not in ("kernel_sizes", "n_filters")
    }
    params.update(early_stopping=True, patience=5)  # best weights and counters carried over
    one = TABLE[["a"]]
    expected = cls(**params).fit_transform(one, LABELS)

    saves = []
    save = checkpoint.Progress.save

    def save_then_fail(self, info, arrays):
        save(self, info, arrays)
        saves.append(info["epoch"])
        if info["epoch"] == 2:
            raise FakeFailure(self.name)

    monkeypatch.setattr(checkpoint.Progress, "save", save_then_fail)
    with pytest.raises(FakeFailure):
        cls(**params, checkpoint_dir=tmp_path).fit_transform(one, LABELS)
    assert saves == [1, 2]
    assert [p.name for p in tmp_path.iterdir() if p.suffix != ".json"] == [
        "column0-folds1-2-3.progress"
    ]
    assert "2 of 4 epochs done" in "\n".join(checkpoint.describe(tmp_path))
    monkeypatch.undo()

    epochs = _count_epochs(monkeypatch)
    out = cls(**params, checkpoint_dir=tmp_path).fit_transform(one, LABELS)
    assert epochs == [3, 4]  # epochs 1 and 2 were not trained again
    np.testing.assert_array_equal(out, expected)  # bit-identical on one thread
    assert sorted(p.name for p in tmp_path.glob("column*")) == ["column0-folds1-2-3.unit"]


def test_a_run_stopped_by_max_time_continues_with_more_time(tmp_path, monkeypatch, caplog):
    """The deadline cut the networks in epoch 2: a resumed run trains on from there."""
    from textcnn._torch import clock

    one = pd.concat([TABLE[["a"]]] * 4, ignore_index=True)  # 64 rows per network: 4 steps
    labels = np.tile(LABELS, 4)
    params = {**PARAMS, "max_time": 600, "checkpoint_dir": tmp_path}
    checks = []

    def out_of_time(self):
        checks.append(1)
        return len(checks) > 4  # epoch 1 checks 3 times (4 steps), epoch 2 stops after 2 steps

    monkeypatch.setattr(clock.Clock, "out_of_time", out_of_time)
    cut = TextCNNEncoder(**params).fit(one, labels)
    assert cut.epochs_trained_["a"] == [1.5] * 3
    assert "deadline stopped its networks" in " ".join(cut.plan_.cuts)
    assert not list(tmp_path.glob("*.unit"))  # not finished: only its training state kept
    lines = "\n".join(checkpoint.describe(tmp_path))
    assert "2 of 4 epochs done, stopped by max_time" in lines
    assert "plan: 3 folds x 4 epochs" in lines
    monkeypatch.undo()

    epochs = _count_epochs(monkeypatch)
    caplog.set_level("INFO", logger="textcnn")
    more = TextCNNEncoder(**{**params, "max_time": 1200}).fit(one, labels)  # more time: same run
    assert epochs == [3, 4]  # continued, not started over
    assert more.epochs_trained_["a"] == [3.5] * 3
    assert more.plan_.cuts == () and more.plan_.folds == 3 and more.plan_.epochs == 4
    assert "its plan is kept" in caplog.text
    assert [p.name for p in tmp_path.glob("column*")] == ["column0-folds1-2-3.unit"]
    # the finished unit is loaded by a third run, with or without max_time
    again = TextCNNEncoder(**{**params, "max_time": None}).fit(one, labels)
    assert again.epochs_trained_ == more.epochs_trained_


def test_a_damaged_progress_file_starts_its_unit_over(tmp_path, monkeypatch, caplog):
    one = TABLE[["a"]]
    expected = TextCNNEncoder(**PARAMS).fit_transform(one, LABELS)
    save = checkpoint.Progress.save

    def save_then_fail(self, info, arrays):
        save(self, info, arrays)
        raise FakeFailure(self.name)

    monkeypatch.setattr(checkpoint.Progress, "save", save_then_fail)
    with pytest.raises(FakeFailure):
        TextCNNEncoder(**PARAMS, checkpoint_dir=tmp_path).fit_transform(one, LABELS)
    monkeypatch.undo()
    progress = tmp_path / "column0-folds1-2-3.progress"
    progress.write_bytes(progress.read_bytes()[:-50])  # torn
    epochs = _count_epochs(monkeypatch)
    out = TextCNNEncoder(**PARAMS, checkpoint_dir=tmp_path).fit_transform(one, LABELS)
    assert "column0-folds1-2-3.progress is damaged" in caplog.text
    assert epochs == [1, 2, 3, 4]
    np.testing.assert_array_equal(out, expected)


def test_describe_lists_the_finished_units(tmp_path):
    TextCNNEncoder(**PARAMS, checkpoint_dir=tmp_path).fit(TABLE, LABELS)
    (tmp_path / "column1-folds1-2-3.unit").write_bytes(b"torn")
    lines = checkpoint.describe(tmp_path)
    assert "24 rows" in lines[0]
    assert any("column0-folds1-2-3" in line and "finished, 3 network(s)" in line for line in lines)
    assert any("column1-folds1-2-3" in line and "damaged" in line for line in lines)
