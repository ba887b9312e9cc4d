"""The CLI, run as a subprocess on temporary files."""

import argparse
import gzip
import json
import os
import re
import stat
import subprocess
import sys
import zipfile

import numpy as np
import pandas as pd
import pytest
from conftest import make_texts

import textcnn

FAST = ["--embeddings", "none", "--cv", "2", "--max-epochs", "6", "--lr", "0.01", "-q"]
FAST += ["--no-step-aside"]  # tiny networks: keep them (tests/test_plan.py: stepping aside)
FIT = ["fit-transform", "--text", "review", "--target", "label", *FAST]


def mode(path):
    return stat.S_IMODE(os.stat(path).st_mode)


def run(*args, cwd=None):
    out = subprocess.run(
        [sys.executable, "-m", "textcnn.cli", *map(str, args)],
        capture_output=True,
        text=True,
        timeout=600,
        cwd=cwd,
    )
    assert "Traceback" not in out.stderr, out.stderr
    return out


def one_line_error(out, *fragments):
    assert out.returncode == 1, (out.stdout, out.stderr)
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("textcnn: error: "), out.stderr
    for fragment in fragments:
        assert fragment in lines[0], lines[0]


@pytest.fixture(scope="module")
def train_csv(tmp_path_factory):
    rng = np.random.RandomState(0)
    labels = rng.randint(0, 2, size=200)
    frame = pd.DataFrame(
        {
            "id": [f"r{i:03d}" for i in range(200)],
            "review": make_texts(labels, rng),
            "shop": rng.choice(["a", "b"], size=200),
            "label": np.where(labels == 1, "pos", "neg"),
        }
    )
    path = tmp_path_factory.mktemp("cli") / "train.csv"
    frame.to_csv(path, index=False)
    return path


@pytest.fixture(scope="module")
def fitted(train_csv):
    folder = train_csv.parent
    out = run(
        "fit-transform",
        train_csv,
        "--text",
        "review",
        "--target",
        "label",
        "--id",
        "id",
        "--keep",
        "shop",
        "--model-out",
        folder / "m.textcnn",
        "--out",
        folder / "oof.csv",
        *FAST,
    )
    assert out.returncode == 0, out.stderr
    return folder / "m.textcnn", folder / "oof.csv"


def test_version():
    out = run("--version")
    assert out.returncode == 0 and out.stdout.strip() == f"textcnn {textcnn.__version__}"


def test_no_command_prints_help_and_fails():
    out = run()
    assert out.returncode == 2 and "fit-transform" in out.stdout


def test_fit_transform_writes_oof_features_and_model(fitted, train_csv):
    model, oof_path = fitted
    oof = pd.read_csv(oof_path)
    assert list(oof.columns) == ["id", "shop", "review__textcnn_pos"]
    train = pd.read_csv(train_csv)
    assert oof["id"].tolist() == train["id"].tolist()
    p = oof["review__textcnn_pos"].to_numpy()
    assert np.all((p >= 0) & (p <= 1))
    assert np.mean((p > 0.5) == (train["label"] == "pos")) > 0.7  # chance: 0.5


def test_transform_streams_and_matches_the_python_api(fitted, train_csv, tmp_path):
    model, _ = fitted
    new = pd.read_csv(train_csv).drop(columns="label")
    new.loc[3, "review"] = None
    data = tmp_path / "new.csv.gz"
    with gzip.open(data, "wt") as fh:
        new.to_csv(fh, index=False, sep=";")
    expected = textcnn.load(model).transform(new[["review"]])[:, 0]
    for out_name, chunk in (("a.csv", 7), ("b.parquet", 50), ("c.tsv", 1000)):
        out = run(
            "transform",
            data,
            "--model",
            model,
            "--out",
            tmp_path / out_name,
            "--chunksize",
            chunk,
            "--id",
            "id",
            "-q",
        )
        assert out.returncode == 0, out.stderr
        if out_name.endswith(".parquet"):
            got = pd.read_parquet(tmp_path / out_name)
        else:
            got = pd.read_csv(tmp_path / out_name, sep="\t" if "tsv" in out_name else ",")
        assert list(got.columns) == ["id", "review__textcnn_pos"]
        assert got["id"].tolist() == new["id"].tolist()
        np.testing.assert_allclose(got["review__textcnn_pos"], expected, atol=1e-6)
    kept = run("transform", data, "--model", model, "--out", tmp_path / "all.csv", "--keep")
    assert kept.returncode == 0 and "rows/s" in kept.stdout
    assert list(pd.read_csv(tmp_path / "all.csv").columns) == [
        "id",
        "review",
        "shop",
        "review__textcnn_pos",
    ]


def test_info(fitted):
    model, _ = fitted
    out = run("info", model)
    assert out.returncode == 0
    assert "TextCNNEncoder" in out.stdout and "text columns: review" in out.stdout
    assert "target:       2 classes (neg, pos)\n" in out.stdout
    assert "2 fold models averaged" in out.stdout
    acc = float(re.search(r"review: oof_accuracy = ([0-9.]+)", out.stdout).group(1))
    assert 0.7 < acc <= 1


def test_refuses_to_overwrite_without_force(fitted, train_csv):
    model, oof = fitted
    before = oof.read_bytes()
    out = run("transform", train_csv, "--model", model, "--out", oof)
    one_line_error(out, str(oof), "--force")
    assert oof.read_bytes() == before
    out = run("transform", train_csv, "--model", model, "--out", oof, "--force", "-q")
    assert out.returncode == 0 and oof.read_bytes() != before


def test_input_errors_are_one_line(fitted, train_csv, tmp_path):
    model, _ = fitted
    train = pd.read_csv(train_csv)
    fit = [
        "fit-transform",
        "--text",
        "review",
        "--target",
        "label",
        "--model-out",
        tmp_path / "m",
        "--out",
        tmp_path / "o.csv",
        *FAST,
    ]

    one_line_error(run(*fit, tmp_path / "nope.csv"), "nope.csv", "no such file")
    (tmp_path / "empty.csv").write_text("")
    one_line_error(run(*fit, tmp_path / "empty.csv"), "empty.csv", "empty")
    (tmp_path / "header.csv").write_text("review,label\n")
    one_line_error(run(*fit, tmp_path / "header.csv"), "header.csv", "no data rows")
    train.drop(columns="review").to_csv(tmp_path / "nocol.csv", index=False)
    one_line_error(run(*fit, tmp_path / "nocol.csv"), "nocol.csv", "no column 'review'")
    nan = train.copy()
    nan.loc[[4, 9], "label"] = None
    nan.to_csv(tmp_path / "nan.csv", index=False)
    one_line_error(run(*fit, tmp_path / "nan.csv"), "'label'", "2 row(s)", "data row 5")
    train.assign(label="pos").to_csv(tmp_path / "one.csv", index=False)
    one_line_error(
        run(*fit, tmp_path / "one.csv"),
        "one.csv: y is constant (every value is 'pos'): one class, a classifier needs at least two",
    )
    train.assign(label=3.25).to_csv(tmp_path / "flat.csv", index=False)
    one_line_error(
        run(*fit, tmp_path / "flat.csv"),
        "flat.csv: y is constant (every value is 3.25): a regression target must vary",
    )
    train.assign(label=3.0).to_csv(tmp_path / "flat3.csv", index=False)
    one_line_error(
        run(*fit, tmp_path / "flat3.csv", "--target-type", "continuous"),
        "flat3.csv: y is constant (every value is 3.0): a regression target must vary",
    )
    train.assign(review="").to_csv(tmp_path / "blank.csv", index=False)
    one_line_error(run(*fit, tmp_path / "blank.csv"), "'review'", "empty in every row")
    (tmp_path / "latin.csv").write_bytes(
        ("review,label\n" + "caf\xe9 ok,pos\nbad,neg\n" * 5).encode("cp1252")
    )
    one_line_error(run(*fit, tmp_path / "latin.csv"), "latin.csv", "--encoding cp1252")
    assert not (tmp_path / "o.csv").exists() and not (tmp_path / "m").exists()

    other = tmp_path / "other.csv"
    train.rename(columns={"review": "comment"}).to_csv(other, index=False)
    one_line_error(
        run("transform", other, "--model", model, "--out", tmp_path / "t.csv"),
        "other.csv",
        "no column 'review'",
    )
    assert not (tmp_path / "t.csv").exists()


def test_damaged_model_file_is_refused(fitted, train_csv, tmp_path):
    model, _ = fitted
    bad = tmp_path / "bad.textcnn"
    with zipfile.ZipFile(model) as zin, zipfile.ZipFile(bad, "w") as zout:
        for item in zin.infolist():
            blob = zin.read(item.filename)
            if item.filename == "vocabularies.json":
                blob = json.dumps(["<pad>", "<unk>", "evil"]).encode()
            zout.writestr(item.filename, blob)
    out = run("transform", train_csv, "--model", bad, "--out", tmp_path / "t.csv")
    one_line_error(out, "checksum mismatch")
    one_line_error(run("info", train_csv), "not a textcnn model file")
    assert not (tmp_path / "t.csv").exists()


def test_demo_prints_oof_accuracy():
    args = ["--cv", "2", "--max-length", "30", "--max-epochs", "2", "-q", "--no-step-aside"]
    out = run("demo", *args)
    assert out.returncode == 0, out.stderr
    assert "2225 articles, 5 classes" in out.stdout
    assert "stepped aside" not in out.stdout  # the networks' own features, as asked
    assert "text__textcnn_business" in out.stdout
    accuracy = float(re.search(r"OOF accuracy ([0-9.]+)", out.stdout).group(1))
    assert 0.85 < accuracy <= 1.0


def test_demo_bad_argument_is_one_line_error():
    one_line_error(run("demo", "--cv", "1"), "The 'cv' parameter of TextCNNEncoder", "Got 1")


def test_outputs_get_the_umask_mode(train_csv, tmp_path, umask):
    """The CLI's files get 0o666 & ~umask, also where --force replaces a 0644 file."""
    from textcnn.cli import main  # in-process: the umask set here applies

    model, oof = tmp_path / "m.textcnn", tmp_path / "oof.parquet"
    assert main([*map(str, FIT), str(train_csv), "--model-out", str(model), "--out", str(oof)]) == 0
    assert mode(model) == 0o640 and mode(oof) == 0o640
    for name in ("t.csv", "t.csv.gz", "t.parquet"):
        target = tmp_path / name
        target.write_text("old")
        target.chmod(0o644)
        argv = ["transform", str(train_csv), "--model", str(model), "--out", str(target)]
        assert main([*argv, "--force", "-q"]) == 0
        assert mode(target) == 0o640, name


def test_transform_verbose_logs_like_fit_transform(fitted, train_csv, tmp_path):
    model, _ = fitted
    for i, flags in enumerate((["transform", "-v"], ["-v", "transform"])):
        out = run(*flags, train_csv, "--model", model, "--out", tmp_path / f"{i}.csv")
        assert out.returncode == 0, out.stderr
        logs = [line for line in out.stderr.splitlines() if line.startswith("INFO textcnn")]
        loaded = f"INFO textcnn._model_file.state: loaded {model}: TextCNNEncoder for column(s) "
        loaded += "['review'], "
        assert logs[0].startswith(loaded) and logs[0].endswith("2 network(s) each"), logs
        assert any(line.startswith("INFO textcnn: 200 rows featurized") for line in logs), logs
        assert logs[-1] == f"INFO textcnn: wrote {tmp_path / f'{i}.csv'}"
    quiet = run("transform", train_csv, "--model", model, "--out", tmp_path / "q.csv")
    assert quiet.returncode == 0 and "INFO" not in quiet.stderr


def test_regression_csv_features_are_short_and_info_is_for_people(train_csv, tmp_path):
    train = pd.read_csv(train_csv)
    rng = np.random.RandomState(1)
    train["rating"] = np.where(train["label"] == "pos", 4.0, 2.0) + rng.rand(len(train))
    train.to_csv(tmp_path / "rated.csv", index=False)
    model, oof = tmp_path / "m.textcnn", tmp_path / "oof.csv"
    out = run(
        "fit-transform",
        tmp_path / "rated.csv",
        "--text",
        "review",
        "--target",
        "rating",
        "--model-out",
        model,
        "--out",
        oof,
        *FAST,
    )
    assert out.returncode == 0, out.stderr
    cells = pd.read_csv(oof, dtype=str)["review__textcnn"]
    # the shortest text of each float32 ("3.0780716"), not its float64 digits
    assert all(str(np.float32(c)) == c for c in cells), cells.head()
    assert max(len(c.lstrip("-").replace(".", "").lstrip("0")) for c in cells) <= 9
    values = cells.astype(float)
    assert 1.5 < values.min() and values.max() < 5.5 and values.std() > 0.1
    info = run("info", model)
    assert info.returncode == 0
    r2 = re.search(r"metric:       review: oof_r2 = (\S+)\n", info.stdout).group(1)
    assert len(r2.lstrip("-").replace(".", "").lstrip("0")) <= 4  # 4 significant digits
    assert 0.05 < float(r2) <= 1  # chance: <= 0


def test_info_log_loss_has_4_significant_digits(fitted):
    model, _ = fitted
    out = run("info", model).stdout
    loss = re.search(r"review: oof_log_loss = (\S+)\n", out).group(1)
    assert re.fullmatch(r"0\.0*[1-9]\d{0,3}", loss), loss  # 4 significant digits
    assert 0 < float(loss) < 0.6


def test_cli_model_transforms_to_arrays_in_python(fitted, train_csv):
    """The CLI's own pandas output is not stored in the model file."""
    model, _ = fitted
    assert isinstance(textcnn.load(model).transform(pd.read_csv(train_csv)[["review"]]), np.ndarray)


# ---------------------------------------------------------------- encoder options (parity)
#: Encoder parameters without a fit-transform option (documented in textcnn.cli.NOT_OPTIONS).
EXCLUDED = {"cell", "verbose"}  # --kind bigru/bilstm sets cell; -v/-q and the terminal, verbose
BASE = ["fit-transform", "t.csv", "--text", "review", "--target", "label"]
BASE += ["--model-out", "m", "--out", "o.csv", "-q"]
NAMED = {  # string parameters: a value other than the default, and what it parses to
    "embeddings": ("none", None),
    "embedding_mode": ("multichannel", "multichannel"),
    "level": ("char", "char"),
    "target_type": ("continuous", "continuous"),
    "device": ("cpu", "cpu"),
    "empty_text": ("nan", "nan"),
    "analyzer": ("char_wb", "char_wb"),
    "empty_columns": ("drop", "drop"),
}


def other_value(name, default):
    """Command-line words giving ``name`` a value other than its default, and that value."""
    flag = "--" + name.replace("_", "-")
    if isinstance(default, bool):
        return [f"--no-{flag[2:]}" if default else flag], not default
    if isinstance(default, tuple):
        return [flag, "2", "6"], (2, 6)
    if isinstance(default, int):
        return [flag, str(default + 2)], default + 2
    if isinstance(default, float):
        return [flag, "0.25"], 0.25
    if name == "lr_schedule":  # the CNN's default is "onecycle", the RNN's "constant"
        other = "constant" if default == "onecycle" else "onecycle"
        return [flag, other], other
    if isinstance(default, str) and name not in NAMED:
        return [flag, "3"], 3  # a number for an "auto"-like default (int or float: 3 == 3.0)
    if name == "checkpoint_dir":  # a path: kept as the string given
        return [flag, "ckpt"], "ckpt"
    if default is None:
        return [flag, "3"], 3
    return [flag, NAMED[name][0]], NAMED[name][1]


@pytest.mark.parametrize(
    ("kind", "cls_name"),
    [("cnn", "TextCNNEncoder"), ("bilstm", "TextRNNEncoder"), ("tfidf", "TfidfLinearEncoder")],
)
def test_every_encoder_parameter_is_an_option_that_reaches_the_encoder(kind, cls_name):
    import inspect

    from textcnn import cli

    assert set(cli.NOT_OPTIONS) == EXCLUDED
    cls = getattr(textcnn, cls_name)
    parser = cli.build_parser()
    params = [p for p in inspect.signature(cls).parameters.values() if p.name not in EXCLUDED]
    assert len(params) >= (10 if kind == "tfidf" else 20)  # the signature was read
    # options not given keep the encoder's own defaults (the CLI's seed default is 0)
    preset = {"cell": "lstm"} if kind == "bilstm" else {}
    unset = cli.make_encoder(parser.parse_args([*BASE, "--kind", kind])).get_params()
    assert unset == cls(**preset, random_state=0).get_params()
    for param in params:
        words, expected = other_value(param.name, param.default)
        args = parser.parse_args([*BASE, "--kind", kind, *words])
        enc = cli.make_encoder(args)
        assert type(enc) is cls
        assert enc.get_params()[param.name] == expected, (param.name, words)


def test_old_option_names_and_presets_still_work():
    from textcnn import cli

    parser = cli.build_parser()
    enc = cli.make_encoder(parser.parse_args([*BASE, "--seed", "7", "--refit", "--cv", "3"]))
    assert (enc.random_state, enc.refit, enc.cv) == (7, True, 3)
    assert cli.make_encoder(parser.parse_args(BASE)).random_state == 0  # the CLI's default
    char = cli.make_encoder(parser.parse_args([*BASE, "--kind", "char", "--max-length", "50"]))
    assert (char.level, char.n_filters, char.kernel_sizes, char.max_length) == (
        "char", 64, (3, 5, 7), 50,
    )  # fmt: skip
    gru = cli.make_encoder(parser.parse_args([*BASE, "--kind", "bigru"]))
    assert (type(gru).__name__, gru.cell) == ("TextRNNEncoder", "gru")
    assert gru.patience == textcnn.TextRNNEncoder().patience  # the class's own default
    assert cli.make_encoder(parser.parse_args([*BASE, "--max-length", "none"])).max_length is None


def test_option_values_parse_generically():
    from textcnn.cli import EncoderOption

    auto = EncoderOption("dropout", {"cnn": "auto"}, 'float or "auto"', "Dropout.")
    assert [auto.parse(t) for t in ("auto", "0.3", "1")] == ["auto", 0.3, 1.0]
    with pytest.raises(argparse.ArgumentTypeError, match='expected float or "auto"'):
        auto.parse("fast")
    loose = EncoderOption("dropout", {"cnn": "auto"}, "", "Dropout.")  # undocumented type
    assert loose.parse("auto") == "auto"
    length = EncoderOption("max_length", {"cnn": 400}, "int or None", "Tokens.")
    assert [length.parse(t) for t in ("7", "none", "None")] == [7, None, None]
    with pytest.raises(argparse.ArgumentTypeError, match="expected int or None"):
        length.parse("7.5")


def test_bad_option_values_and_kinds_are_refused(train_csv, tmp_path, capsys):
    from textcnn.cli import main

    argv = [*FIT, train_csv, "--model-out", tmp_path / "m", "--out", tmp_path / "o.csv"]
    with pytest.raises(SystemExit) as exit_:
        main([*map(str, argv), "--max-epochs", "2.5"])
    assert exit_.value.code == 2  # argparse's usage error
    assert "argument --max-epochs: expected int or \"auto\", got '2.5'" in capsys.readouterr().err
    assert main([*map(str, argv), "--hidden-size", "8"]) == 1
    err = capsys.readouterr().err
    assert err == "textcnn: error: --hidden-size applies to --kind bigru/bilstm, not cnn\n"
    assert not (tmp_path / "m").exists() and not (tmp_path / "o.csv").exists()


@pytest.mark.parametrize(
    ("words", "expected"),
    [
        (
            ["--dropout", "0.3", "--patience", "2", "--kernel-sizes", "2", "3", "--n-filters", "8",
             "--embedding-dim", "12", "--no-lowercase", "--max-norm", "none", "--min-count", "2",
             "--weight-decay", "0.001", "--validation-fraction", "0.2", "--batch-size", "16"],
            {"dropout": 0.3, "patience": 2, "kernel_sizes": (2, 3), "n_filters": 8,
             "embedding_dim": 12, "lowercase": False, "max_norm": None, "min_count": 2,
             "weight_decay": 0.001, "validation_fraction": 0.2, "batch_size": 16},
        ),
        (
            ["--kind", "bilstm", "--hidden-size", "8", "--num-layers", "2", "--no-bidirectional",
             "--no-early-stopping", "--max-length", "30"],
            {"cell": "lstm", "hidden_size": 8, "num_layers": 2, "bidirectional": False,
             "early_stopping": False, "max_length": 30},
        ),
    ],
)  # fmt: skip
def test_command_line_values_reach_the_fitted_encoder(train_csv, tmp_path, words, expected):
    model = tmp_path / "m.textcnn"
    out = run(*FIT, train_csv, "--model-out", model, "--out", tmp_path / "o.csv", *words)
    assert out.returncode == 0, out.stderr
    params = textcnn.load(model).get_params()
    assert {k: params[k] for k in expected} == expected
    assert (params["embeddings"], params["cv"], params["random_state"]) == (None, 2, 0)


def test_number_like_text_stays_text_where_only_strings_fit():
    from textcnn.cli import EncoderOption

    vectors = EncoderOption("embeddings", {"cnn": "glove-6b-50d"}, "str, path or None", "")
    assert [vectors.parse(t) for t in ("2024", "none", "v.txt")] == ["2024", None, "v.txt"]
    rate = EncoderOption("lr", {"cnn": 1e-3}, "float", "")
    assert rate.parse("1") == 1.0 and isinstance(rate.parse("1"), float)


def test_transform_threads_go_through_the_thread_policy(fitted, train_csv, tmp_path, monkeypatch):
    """``transform --threads N`` sets the encoder's n_threads; the policy applies it."""
    import torch

    from textcnn import _threads
    from textcnn.cli import main

    seen = []
    real = _threads.choose_threads

    def spy(n_threads, torch_threads, n_jobs):
        seen.append(n_threads)
        return real(n_threads, torch_threads, n_jobs)

    monkeypatch.setattr(_threads, "choose_threads", spy)
    before = torch.get_num_threads()
    args = ["transform", train_csv, "--model", train_csv.parent / "m.textcnn", "-q"]
    assert main([*map(str, args), "--threads", "1", "--out", str(tmp_path / "a.csv")]) == 0
    assert main([*map(str, args), "--out", str(tmp_path / "b.csv")]) == 0
    assert seen == [1, "auto"]  # given, then the model's own n_threads
    assert torch.get_num_threads() == before
    out = run(*args, "--threads", "0", "--out", tmp_path / "c.csv")
    assert out.returncode == 2 and "expected an integer >= 1, got 0" in out.stderr


def test_the_chosen_task_is_stated_and_progress_reaches_stderr(train_csv, tmp_path):
    """An integer target becomes classes: the summary and ``info`` say so, and how to change it."""
    train = pd.read_csv(train_csv)
    rng = np.random.RandomState(2)
    train["stars"] = np.where(train["label"] == "pos", 4, 1) + rng.randint(0, 2, len(train))
    train.to_csv(tmp_path / "stars.csv", index=False)
    model = tmp_path / "m.textcnn"
    args = ["--text", "review", "--target", "stars", "--model-out", model]
    fast = [a for a in FAST if a != "-q"]
    out = run("fit-transform", tmp_path / "stars.csv", *args, "--out", tmp_path / "o.csv", *fast)
    assert out.returncode == 0, out.stderr
    said = "target: 4 classes (1, 2, 4, 5); use --target-type continuous for regression"
    assert said in out.stdout
    # not a terminal: progress goes to the log at the default verbosity ...
    assert "INFO textcnn.progress: column 1 of 1: fold(s) 1, 2 of 2 done, " in out.stderr
    info = run("info", model).stdout
    assert "target:       4 classes (1, 2, 4, 5); use --target-type continuous" in info
    # ... and -q silences it
    quiet = run(
        "fit-transform", tmp_path / "stars.csv", *args, "--force", "--out", tmp_path / "q.csv",
        *FAST,
    )  # fmt: skip
    assert quiet.returncode == 0 and quiet.stderr == "" and quiet.stdout == ""


def test_an_unwritable_destination_is_refused_before_any_work(
    train_csv, tmp_path, monkeypatch, capsys
):
    from textcnn import _atomic, io
    from textcnn.cli import main

    def read_only(path):
        raise OSError(30, "Read-only file system")

    read = []
    monkeypatch.setattr(_atomic, "check_writable", read_only)
    monkeypatch.setattr(io, "read_chunks", lambda *a, **k: read.append(1))
    out = tmp_path / "o.csv"
    args = ["fit-transform", str(train_csv), "--text", "review", "--target", "label"]
    code = main([*args, "--model-out", str(tmp_path / "m.textcnn"), "--out", str(out), "-q"])
    assert code == 1 and read == []  # refused before reading, let alone training
    assert capsys.readouterr().err == (
        f"textcnn: error: {out}: cannot be written (Read-only file system)\n"
    )


def test_input_errors_come_before_torch_is_imported(train_csv, tmp_path):
    """A column typo or a constant target fails in a second, not after loading torch."""
    frame = pd.read_csv(train_csv).assign(same="x")
    frame.to_csv(tmp_path / "t.csv", index=False)
    common = f"'--model-out', {str(tmp_path / 'm')!r}, '--out', {str(tmp_path / 'o.csv')!r}, '-q'"
    code = (
        "import sys\n"
        "from textcnn.cli import main\n"
        f"typo = main(['fit-transform', {str(tmp_path / 't.csv')!r}, '--text', 'reviw', "
        f"'--target', 'label', {common}])\n"
        f"constant = main(['fit-transform', {str(tmp_path / 't.csv')!r}, '--text', 'review', "
        f"'--target', 'same', {common}])\n"
        "assert (typo, constant) == (1, 1), (typo, constant)\n"
        "assert 'torch' not in sys.modules, 'torch was imported'\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    errors = out.stderr.splitlines()
    assert "no column" in errors[0] and "reviw" in errors[0]
    assert "y is constant" in errors[1]


def test_checkpoint_resumes_refuses_another_run_and_info_lists_it(train_csv, tmp_path):
    """--checkpoint: a rerun loads the finished units (same output); another run's is refused."""
    ckpt, argv = tmp_path / "ckpt", [*FIT, "--threads", "1"]
    outs = [tmp_path / f"oof{i}.csv" for i in range(4)]

    def fit(i, *extra):
        model = tmp_path / f"m{i}.textcnn"
        return run(*argv, train_csv, "--model-out", model, "--out", outs[i], *extra)

    assert fit(0).returncode == 0  # no checkpoint: the reference
    assert fit(1, "--checkpoint", ckpt).returncode == 0
    assert sorted(p.name for p in ckpt.iterdir()) == ["checkpoint.json", "column0-folds1-2.unit"]
    unit = ckpt / "column0-folds1-2.unit"
    written = unit.stat().st_mtime_ns
    out = fit(2, "--checkpoint", ckpt, "-v")  # every unit finished: nothing trains again
    assert out.returncode == 0 and "column0-folds1-2 is finished" in out.stderr
    assert unit.stat().st_mtime_ns == written
    assert outs[0].read_bytes() == outs[1].read_bytes() == outs[2].read_bytes()
    info = run("info", ckpt)
    assert info.returncode == 0 and "column0-folds1-2" in info.stdout
    assert "finished, 2 network(s)" in info.stdout
    one_line_error(fit(3, "--checkpoint", ckpt, "--lr", "0.02"), "another run", "lr", "--force")
    assert fit(3, "--checkpoint", ckpt, "--lr", "0.02", "--force").returncode == 0
    assert unit.stat().st_mtime_ns != written  # started over


def test_kind_tfidf_fits_saves_informs_and_transforms(train_csv, tmp_path):
    """The cheap peer is first-class: fit-transform, a pickle-free model file, info, transform."""
    model, oof = tmp_path / "t.textcnn", tmp_path / "oof.csv"
    out = run("fit-transform", train_csv, "--text", "review", "--target", "label", "--id", "id",
              "--kind", "tfidf", "--C", "2", "--min-df", "1", "--model-out", model, "--out", oof,
              "-q")  # fmt: skip
    assert out.returncode == 0, out.stderr
    frame = pd.read_csv(train_csv)
    enc = textcnn.TfidfLinearEncoder(C=2, min_df=1, random_state=0)
    expected = enc.fit_transform(frame[["review"]], frame["label"])
    np.testing.assert_allclose(pd.read_csv(oof)["review__tfidf_pos"], expected[:, 0], rtol=1e-6)
    with zipfile.ZipFile(model) as zf:
        assert sorted(zf.namelist()) == [
            "manifest.json", "ngrams.json", "tensors.npz", "vocabularies.json"
        ]  # fmt: skip
    info = run("info", model).stdout
    assert "class:        TfidfLinearEncoder" in info
    assert "TF-IDF + logistic regression, 5 per text column (5 fold models averaged)" in info
    n_grams = len(enc.models_[0][0][0].vocabulary_)
    assert f"n-grams:      review {n_grams:,}" in info
    assert "review: oof_accuracy" in info
    new = tmp_path / "new.csv"
    out = run("transform", "--model", model, train_csv, "--out", new, "--threads", "2", "-q")
    assert out.returncode == 0, out.stderr
    np.testing.assert_allclose(
        pd.read_csv(new)["review__tfidf_pos"], enc.transform(frame[["review"]])[:, 0], rtol=1e-6
    )
    # options of the networks are refused for it, as one line
    refused = run("fit-transform", train_csv, "--text", "review", "--target", "label",
                  "--kind", "tfidf", "--checkpoint", tmp_path / "c", "--model-out",
                  tmp_path / "x", "--out", tmp_path / "x.csv")  # fmt: skip
    one_line_error(refused, "--checkpoint applies to --kind cnn/bigru/bilstm/char, not tfidf")


def test_an_empty_column_dropped_on_the_command_line(train_csv, tmp_path):
    """--empty-columns drop: the fit goes on, the metrics and info name the columns kept."""
    frame = pd.read_csv(train_csv).assign(notes="")
    path = tmp_path / "with_empty.csv"
    frame.to_csv(path, index=False)
    model, oof = tmp_path / "m.textcnn", tmp_path / "oof.csv"
    args = ["fit-transform", path, "--text", "review", "--text", "notes", "--target", "label",
            "--kind", "tfidf", "--model-out", model, "--out", oof]  # fmt: skip
    one_line_error(run(*args), "'notes' is empty in every row", "empty_columns='drop'")
    out = run(*args, "--empty-columns", "drop")
    assert out.returncode == 0, out.stderr
    assert "review: oof_accuracy" in out.stdout and "notes:" not in out.stdout
    assert list(pd.read_csv(oof).columns) == ["review__tfidf_pos"]
    info = run("info", model).stdout
    assert "dropped:      notes (empty in every row)" in info
    assert "n-grams:      review " in info
