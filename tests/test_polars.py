"""Polars frames in, polars frames out: the same features as pandas (docs/user_guide/polars.md)."""

import numpy as np
import pandas as pd
import pytest
from conftest import FAST, LABELS, REVIEWS

from textcnn import TextCNNEncoder, TfidfLinearEncoder

pl = pytest.importorskip("polars")

TEXTS = pd.DataFrame({"a": REVIEWS, "b": [r.upper()[::-1] for r in REVIEWS]})
TEXTS.loc[[1, 5], "a"] = None  # blank texts: null in polars, None in pandas


@pytest.mark.parametrize(
    "make",
    [lambda: TfidfLinearEncoder(cv=3, random_state=0, min_df=1), lambda: TextCNNEncoder(**FAST)],
)
def test_polars_input_gives_the_pandas_features(make, tmp_path):
    import textcnn

    frame = pl.from_pandas(TEXTS)
    assert frame["a"].null_count() == 2
    expected = make().fit_transform(TEXTS, LABELS)
    enc = make().set_output(transform="polars")
    out = enc.fit_transform(frame, pl.Series("y", LABELS))
    assert isinstance(out, pl.DataFrame)
    assert out.columns == list(enc.get_feature_names_out())
    assert list(enc.feature_names_in_) == ["a", "b"]
    np.testing.assert_array_equal(out.to_numpy(), expected)
    new = enc.transform(frame.head(4))
    assert isinstance(new, pl.DataFrame) and new.shape == (4, 2)
    np.testing.assert_array_equal(
        new.to_numpy(), make().fit(TEXTS, LABELS).transform(TEXTS.head(4))
    )
    enc.save(tmp_path / "m.textcnn")  # the output choice is kept with the model
    loaded = textcnn.load(tmp_path / "m.textcnn")
    assert isinstance(loaded.transform(frame.head(4)), pl.DataFrame)


def test_categorical_text_columns_are_read_as_their_strings():
    frame = pl.from_pandas(TEXTS[["b"]]).with_columns(pl.col("b").cast(pl.Categorical))
    enc = TfidfLinearEncoder(cv=3, random_state=0, min_df=1)
    np.testing.assert_array_equal(
        enc.fit_transform(frame, LABELS),
        TfidfLinearEncoder(cv=3, random_state=0, min_df=1).fit_transform(TEXTS[["b"]], LABELS),
    )
