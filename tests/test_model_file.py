import json
import logging
import os
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import textcnn
from textcnn._model_file import read_manifest


@pytest.fixture
def fitted(make, binary_data):
    X, y = binary_data
    return make().fit(X, y), X


def test_save_load_round_trip(fitted, tmp_path):
    enc, X = fitted
    path = tmp_path / "model.textcnn"
    enc.save(path)
    loaded = textcnn.load(path)
    assert type(loaded) is type(enc)
    np.testing.assert_array_equal(loaded.transform(X), enc.transform(X))
    assert loaded.get_feature_names_out().tolist() == enc.get_feature_names_out().tolist()
    assert loaded.get_params() == enc.get_params()
    manifest = read_manifest(path)
    assert manifest["format_version"] == 3 and manifest["classes"] == ["neg", "pos"]


def test_round_trip_multiclass_regression_and_pretrained(tmp_path, binary_data):
    X, y = binary_data
    rng = np.random.RandomState(0)
    vec = tmp_path / "v.txt"
    words = sorted({w for t in X["review"] for w in t.split()})
    vec.write_text("".join(f"{w} {' '.join(map(str, rng.randn(5)))}\n" for w in words))
    from conftest import FAST

    targets = {"multi": np.arange(len(y)) % 3, "reg": rng.randn(len(y))}
    for name, target in targets.items():
        enc = textcnn.TextCNNEncoder(
            **{**FAST, "embeddings": vec, "embedding_mode": "multichannel"}
        ).fit(X, target)
        enc.save(tmp_path / name)
        loaded = textcnn.load(tmp_path / name)
        np.testing.assert_array_equal(loaded.transform(X), enc.transform(X))
        assert loaded.embeddings == str(vec)


def _rewrite(src, dst, change):
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w") as zout:
        for item in zin.infolist():
            zout.writestr(item.filename, change(item.filename, zin.read(item.filename)))


@pytest.mark.parametrize("make", ["cnn"], indirect=True)
def test_damaged_files_are_refused(fitted, tmp_path):
    enc, _ = fitted
    good = tmp_path / "good.textcnn"
    enc.save(good)
    raw = good.read_bytes()
    (tmp_path / "truncated").write_bytes(raw[: len(raw) // 2])
    with pytest.raises(ValueError, match="truncated"):
        textcnn.load(tmp_path / "truncated")

    def flip_weights(name, blob):
        return blob[:-20] + bytes(b ^ 1 for b in blob[-20:]) if name == "tensors.npz" else blob

    _rewrite(good, tmp_path / "tampered", flip_weights)
    with pytest.raises(ValueError, match="checksum mismatch in tensors.npz"):
        textcnn.load(tmp_path / "tampered")

    def bump_version(name, blob):
        if name != "manifest.json":
            return blob
        manifest = json.loads(blob)
        manifest["format_version"] = 99
        return json.dumps(manifest).encode()

    _rewrite(good, tmp_path / "future", bump_version)
    with pytest.raises(ValueError, match="format version 99"):
        textcnn.load(tmp_path / "future")

    pd.DataFrame({"a": [1]}).to_csv(tmp_path / "data.csv")
    with pytest.raises(ValueError, match="not a textcnn model file"):
        textcnn.load(tmp_path / "data.csv")
    with pytest.raises(FileNotFoundError):
        textcnn.load(tmp_path / "missing.textcnn")


@pytest.mark.parametrize("make", ["cnn"], indirect=True)
def test_saved_model_gets_the_umask_mode(fitted, tmp_path, umask):
    enc, _ = fitted
    enc.save(tmp_path / "m.textcnn")
    assert os.stat(tmp_path / "m.textcnn").st_mode & 0o777 == 0o640
    (tmp_path / "m.textcnn").chmod(0o644)
    enc.save(tmp_path / "m.textcnn")  # replacing a file: the umask's mode, not 0600
    assert os.stat(tmp_path / "m.textcnn").st_mode & 0o777 == 0o640


@pytest.mark.parametrize("make", ["cnn"], indirect=True)
def test_set_output_survives_save_and_load(fitted, tmp_path):
    enc, X = fitted
    enc.save(tmp_path / "default.textcnn")
    assert isinstance(textcnn.load(tmp_path / "default.textcnn").transform(X), np.ndarray)
    enc.set_output(transform="pandas").save(tmp_path / "pandas.textcnn")
    assert read_manifest(tmp_path / "pandas.textcnn")["output_config"] == {"transform": "pandas"}
    out = textcnn.load(tmp_path / "pandas.textcnn").transform(X)
    assert isinstance(out, pd.DataFrame)
    assert out.columns.tolist() == ["review__textcnn_pos"]
    pd.testing.assert_frame_equal(out, enc.transform(X))


def test_every_parameter_round_trips_or_the_save_says_what_it_stored(tmp_path, binary_data, caplog):
    from conftest import FAST
    from sklearn.model_selection import KFold, StratifiedKFold

    from textcnn import TextCNNEncoder

    X, y = binary_data
    splitter = StratifiedKFold(3, shuffle=True, random_state=1)
    enc = TextCNNEncoder(**{**FAST, "cv": splitter, "max_epochs": 1}).fit(X, y)
    enc.save(tmp_path / "s.textcnn")
    loaded = textcnn.load(tmp_path / "s.textcnn")
    assert type(loaded.cv) is StratifiedKFold and repr(loaded.cv) == repr(splitter)
    folds = list(KFold(3).split(X))  # explicit folds: index arrays
    enc.set_params(cv=folds).save(tmp_path / "f.textcnn")
    back = textcnn.load(tmp_path / "f.textcnn").cv
    assert len(back) == 3
    for (tr, te), (tr2, te2) in zip(folds, back, strict=True):
        np.testing.assert_array_equal(tr, tr2)
        np.testing.assert_array_equal(te, te2)
    # a value with no file form: stored None, and the save says so (log, manifest, info)
    gensim = pytest.importorskip("gensim")
    vectors = gensim.models.KeyedVectors(4)
    vectors.add_vectors(["good", "bad"], np.eye(2, 4, dtype=np.float32))
    enc.set_params(cv=3)
    enc.embeddings = vectors
    with caplog.at_level(logging.WARNING, logger="textcnn"):
        enc.save(tmp_path / "kv.textcnn")
    assert "embeddings=" in caplog.text and "stored None" in caplog.text
    manifest = read_manifest(tmp_path / "kv.textcnn")
    assert manifest["params"]["embeddings"] is None
    assert "KeyedVectors" in manifest["replaced_params"]["embeddings"]
    assert textcnn.load(tmp_path / "kv.textcnn").embeddings is None


def test_files_written_before_the_torch_sub_package_load_to_the_same_outputs(tmp_path):
    """Format-3 files written by textcnn before the CNN was stacked (commit 4818b64).

    Made by fitting on the texts below: ``TextCNNEncoder(kernel_sizes=(2, 3), n_filters=4)``
    and ``TextRNNEncoder(hidden_size=4)``, both with ``embeddings=None, embedding_dim=8,
    max_epochs=2, cv=2, random_state=0``. They load to the same outputs (up to float32
    summation order: ``transform`` now runs in token space), and saving them
    again writes the same tensor names, shapes and values (the format is unchanged).
    """
    import io

    words = "good bad great awful film plot acting dull witty long fun boring".split()
    rng = np.random.RandomState(0)
    texts = [" ".join(rng.choice(words, size=rng.randint(1, 9))) for _ in range(60)]
    data = Path(__file__).parent / "data"
    expected = np.load(data / "format3_expected.npz")
    for name in ("cnn", "gru"):
        old = data / f"format3_{name}.textcnn"
        enc = textcnn.load(old)
        # transform now sums per-token projections (token space): float32 summation order
        np.testing.assert_allclose(enc.transform(texts), expected[name], rtol=0, atol=1e-6)
        enc.save(tmp_path / f"{name}.textcnn")
        arrays = []
        for path in (old, tmp_path / f"{name}.textcnn"):
            with zipfile.ZipFile(path) as zf:
                with np.load(io.BytesIO(zf.read("tensors.npz"))) as npz:
                    arrays.append({k: npz[k] for k in npz.files})
        before, after = arrays
        assert list(before) == list(after)
        for key, value in before.items():
            assert after[key].dtype == value.dtype and after[key].shape == value.shape, key
            np.testing.assert_array_equal(after[key], value)
