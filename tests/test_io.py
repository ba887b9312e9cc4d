import os
import stat

import numpy as np
import pandas as pd
import pytest

from textcnn.io import TableWriter, atomic_open, atomic_path, write_text_atomic


def mode(path):
    return stat.S_IMODE(os.stat(path).st_mode)


def test_atomic_write_replaces_only_on_success(tmp_path):
    target = tmp_path / "sub" / "out.csv"
    write_text_atomic(target, "a,b\n")
    assert target.read_text() == "a,b\n"
    with pytest.raises(RuntimeError), atomic_open(target) as fh:
        fh.write("half")
        raise RuntimeError("interrupted")
    assert target.read_text() == "a,b\n"  # untouched
    assert [p.name for p in target.parent.iterdir()] == ["out.csv"]  # no temp file left


def test_atomic_writes_get_the_mode_of_a_plain_open(tmp_path, umask):
    plain = tmp_path / "plain.txt"
    with open(plain, "w") as fh:
        fh.write("x")
    assert mode(plain) == 0o640  # 0o666 & ~0o027
    write_text_atomic(tmp_path / "new.txt", "x")
    assert mode(tmp_path / "new.txt") == 0o640
    existing = tmp_path / "existing.txt"  # what --force replaces
    existing.write_text("old")
    existing.chmod(0o644)
    with atomic_open(existing) as fh:
        fh.write("new")
    assert existing.read_text() == "new" and mode(existing) == 0o640
    os.umask(0o002)
    with atomic_path(tmp_path / "shared.txt") as tmp:
        tmp.write_text("x")
    assert mode(tmp_path / "shared.txt") == 0o664


@pytest.mark.parametrize("name", ["t.csv", "t.tsv", "t.csv.gz", "t.parquet"])
def test_table_files_get_the_umask_mode(tmp_path, umask, name):
    out = tmp_path / name
    with atomic_path(out) as tmp:
        writer = TableWriter(tmp, out)
        writer.write(pd.DataFrame({"id": ["a", "b"], "x__textcnn": [0.25, 0.5]}))
        writer.close()
    assert mode(out) == 0o640


def test_dask_outputs_get_the_umask_mode(tmp_path, umask):
    dd = pytest.importorskip("dask.dataframe")
    from textcnn.dask import write_table

    ddf = dd.from_pandas(pd.DataFrame({"x": np.arange(6.0)}), npartitions=2)
    assert write_table(ddf, tmp_path / "d.csv") == 6
    assert mode(tmp_path / "d.csv") == 0o640
    assert write_table(ddf, tmp_path / "d.parquet") == 6
    assert mode(tmp_path / "d.parquet") == 0o750  # a directory of parts
    parts = list((tmp_path / "d.parquet").iterdir())
    assert parts and {mode(p) for p in parts} == {0o640}


FEATURES = np.array([3.0780715942382812, 1 / 3, 1e-8, 0.1, 123456.789, -2.5])


def shortest_float32(text):
    """True when ``text`` is the shortest decimal text of a float32 value."""
    return str(np.float32(text)) == text


@pytest.mark.parametrize("name", ["t.csv", "t.tsv", "t.csv.gz"])
def test_csv_features_are_the_shortest_float32_text(tmp_path, name):
    out = tmp_path / name
    frame = pd.DataFrame({"id": np.arange(6), "price": FEATURES * 7, "x__textcnn": FEATURES})
    with atomic_path(out) as tmp:
        writer = TableWriter(tmp, out, features=["x__textcnn"])
        writer.write(frame.iloc[:3])
        writer.write(frame.iloc[3:])
        writer.close()
    text = pd.read_csv(out, sep="\t" if "tsv" in name else ",", dtype=str)
    assert text["x__textcnn"].tolist() == [
        "3.0780716", "0.33333334", "1e-08", "0.1", "123456.79", "-2.5",
    ]  # fmt: skip
    assert all(shortest_float32(t) for t in text["x__textcnn"])
    back = pd.read_csv(out, sep="\t" if "tsv" in name else ",")
    # reads back as exactly the float32 value; other columns keep float64
    np.testing.assert_array_equal(
        back["x__textcnn"].astype(np.float32), FEATURES.astype(np.float32)
    )
    np.testing.assert_array_equal(back["price"], FEATURES * 7)


def test_parquet_features_keep_their_type(tmp_path):
    out = tmp_path / "t.parquet"
    with atomic_path(out) as tmp:
        writer = TableWriter(tmp, out, features=["x__textcnn"])
        writer.write(pd.DataFrame({"x__textcnn": FEATURES}))
        writer.close()
    np.testing.assert_array_equal(pd.read_parquet(out)["x__textcnn"], FEATURES)


def test_dask_csv_features_are_the_shortest_float32_text(tmp_path):
    dd = pytest.importorskip("dask.dataframe")
    from textcnn.dask import write_table

    frame = pd.DataFrame({"price": FEATURES * 7, "x__textcnn": FEATURES})
    write_table(dd.from_pandas(frame, npartitions=2), tmp_path / "d.csv", features=["x__textcnn"])
    text = pd.read_csv(tmp_path / "d.csv", dtype=str)
    assert text["x__textcnn"].iloc[0] == "3.0780716"
    assert all(shortest_float32(t) for t in text["x__textcnn"])
    back = pd.read_csv(tmp_path / "d.csv")
    np.testing.assert_array_equal(
        back["x__textcnn"].astype(np.float32), FEATURES.astype(np.float32)
    )
    np.testing.assert_array_equal(back["price"], FEATURES * 7)
