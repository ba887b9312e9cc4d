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
