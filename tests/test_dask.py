"""Scale-out on a real Dask cluster: 2 worker processes on loopback.

Folds dispatched through joblib's Dask backend, partition-wise transform of a Dask
DataFrame, and ``textcnn transform --scheduler``: each compared with the in-process result.
"""

import joblib
import numpy as np
import pandas as pd
import pytest
from conftest import FAST, make_texts

from textcnn import TextCNNEncoder, TfidfLinearEncoder
from textcnn.cli import main

dd = pytest.importorskip("dask.dataframe")
distributed = pytest.importorskip("distributed")


@pytest.fixture(scope="module")
def client():
    from textcnn.dask import local_cluster

    cluster = local_cluster(2, silence_logs=40)  # processes, 1 thread each, loopback only
    with cluster, distributed.Client(cluster) as c:
        yield c


@pytest.fixture(scope="module")
def table():
    rng = np.random.RandomState(3)
    labels = rng.randint(0, 2, size=240)
    return pd.DataFrame(
        {
            "id": np.arange(240),
            "title": make_texts(labels, rng),
            "body": make_texts(labels, rng),
            "label": np.where(labels == 1, "pos", "neg"),
        }
    )


@pytest.mark.parametrize(
    "make",
    [lambda: TextCNNEncoder(**FAST), lambda: TfidfLinearEncoder(cv=3, random_state=0, min_df=1)],
    ids=["cnn", "tfidf"],
)
def test_folds_run_on_the_workers_with_the_same_results(client, table, make):
    X, y = table[["title", "body"]], table["label"]
    local = make()
    expected = local.fit_transform(X, y)
    with distributed.get_task_stream(client) as stream, joblib.parallel_config(backend="dask"):
        remote = make()
        got = remote.fit_transform(X, y)
    # In process the 3 folds of a column train as one group; on the cluster they are
    # split into one group per worker. A fold trains the same in any group, up to
    # floating-point summation order (seen: 3e-8).
    np.testing.assert_allclose(got, expected, rtol=0, atol=1e-6)
    np.testing.assert_allclose(remote.transform(X), local.transform(X), rtol=0, atol=1e-6)
    # 2 text columns x 2 fold groups ran as tasks on the cluster, on both workers
    assert len(stream.data) >= 4
    assert len({task["worker"] for task in stream.data}) == 2


def test_checkpoint_units_written_by_the_workers_resume_a_fit(client, table, tmp_path):
    """On a cluster each worker writes the units it trained; a resumed fit loads them."""
    X, y = table[["title", "body"]], table["label"]
    with joblib.parallel_config(backend="dask"):
        expected = TextCNNEncoder(**FAST).fit_transform(X, y)
        TextCNNEncoder(**FAST, checkpoint_dir=tmp_path).fit_transform(X, y)
        units = sorted(tmp_path.glob("*.unit"))
        assert len(units) >= 4  # 2 columns x 2 fold groups, one per worker
        for unit in units[1:]:  # as if the run was lost after its first unit
            unit.unlink()
        kept = units[0].stat().st_mtime_ns
        got = TextCNNEncoder(**FAST, checkpoint_dir=tmp_path).fit_transform(X, y)
    np.testing.assert_array_equal(got, expected)
    assert units[0].stat().st_mtime_ns == kept  # loaded, not trained again
    assert sorted(tmp_path.glob("*.unit")) == units


def test_partitionwise_transform_matches_in_process(client, table):
    from textcnn.dask import transform

    enc = TextCNNEncoder(**FAST).fit(table[["title", "body"]], table["label"])
    ddf = dd.from_pandas(table, npartitions=4)
    lazy = transform(ddf, enc, keep=["id"])
    assert lazy.npartitions == 4
    assert list(lazy.columns) == ["id", *enc.get_feature_names_out()]
    got = lazy.compute()
    np.testing.assert_array_equal(got["id"], table["id"])
    np.testing.assert_allclose(
        got.drop(columns="id").to_numpy(), enc.transform(table[["title", "body"]]), rtol=1e-6
    )
    empty = transform(ddf[ddf["id"] < 0], enc).compute()  # partitions with no rows
    assert empty.shape == (0, 2) and (empty.dtypes == np.float64).all()
    with pytest.raises(ValueError, match="not in the data"):
        transform(ddf.drop(columns="body"), enc)


def test_cli_transform_on_a_cluster_over_several_files(client, table, tmp_path, capsys):
    enc = TextCNNEncoder(**FAST).fit(table[["title", "body"]], table["label"])
    model = tmp_path / "m.textcnn"
    enc.save(model)
    for part, rows in enumerate(np.array_split(np.arange(len(table)), 3)):
        table.iloc[rows].to_csv(tmp_path / f"part-{part}.csv", index=False)
    out = tmp_path / "features.parquet"
    args = ["transform", str(tmp_path / "part-*.csv"), "--model", str(model), "--id", "id"]
    code = main([*args, "--out", str(out), "--scheduler", client.scheduler.address])
    assert code == 0
    assert "240 rows from 3 file(s)" in capsys.readouterr().out
    got = pd.read_parquet(out).sort_values("id")
    expected = enc.transform(table[["title", "body"]])
    np.testing.assert_allclose(got.drop(columns="id").to_numpy(), expected, rtol=1e-5)
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".features")]  # no temp left
    assert main([*args, "--out", str(tmp_path / "f.json"), "--dask"]) == 1
    assert "with Dask, write .parquet" in capsys.readouterr().err
    assert main(["transform", str(tmp_path / "nope-*.csv"), "--model", str(model), "--out",
                 str(tmp_path / "g.parquet"), "--dask"]) == 1  # fmt: skip
    assert "no such file" in capsys.readouterr().err


def test_one_csv_rule_for_the_single_file_and_the_dask_reader(tmp_path):
    """Same file, same frame: the delimiter is sniffed and "NA" in a text stays text."""
    from textcnn.dask import read_table
    from textcnn.io import read_chunks

    path = tmp_path / "semicolons.csv"  # a .csv that is not comma-separated
    path.write_text(
        "id;text;score\n1;NA;NA\n2;null;2.5\n3;;3\n4;plain words, with a comma;n/a\n",
        encoding="utf-8",
    )
    single = next(read_chunks(path, None, ["text"], ["text"], None, None, "utf-8"))
    dask = read_table([str(path)], text=["text"]).compute().reset_index(drop=True)

    def cells(frame):  # one missing marker (pandas gives NaN, Dask's strings <NA>)
        return frame.astype(object).where(frame.notna(), None)

    pd.testing.assert_frame_equal(cells(single), cells(dask), check_dtype=False)
    assert single["text"].tolist()[:2] == ["NA", "null"] and pd.isna(single["text"][2])
    assert single["score"].isna().tolist() == [True, False, False, True]  # numeric: NA is missing


def test_the_dask_destination_rule_is_one_function(tmp_path, capsys):
    from textcnn.dask import check_destination

    assert check_destination(tmp_path / "f.csv") == tmp_path / "f.csv"
    with pytest.raises(ValueError, match="with Dask, write .parquet") as err:
        check_destination(tmp_path / "f.json")
    # the CLI refuses before reading the data, with the same words
    rng = np.random.RandomState(0)
    labels = rng.randint(0, 2, 40)
    X = pd.DataFrame({"review": make_texts(labels, rng)})
    TextCNNEncoder(**{**FAST, "max_epochs": 1}).fit(X, labels).save(tmp_path / "m.textcnn")
    args = ["transform", str(tmp_path / "in.csv"), "--model", str(tmp_path / "m.textcnn")]
    assert main([*args, "--out", str(tmp_path / "f.json"), "--dask"]) == 1
    assert str(err.value) in capsys.readouterr().err
