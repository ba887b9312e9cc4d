import pytest

from textcnn.io import atomic_open, write_text_atomic


def test_atomic_write_replaces_only_on_success(tmp_path):
    target = tmp_path / "sub" / "out.csv"
    write_text_atomic(target, "a,b\n")
    assert target.read_text() == "a,b\n"
    with pytest.raises(RuntimeError), atomic_open(target) as fh:
        fh.write("half")
        raise RuntimeError("interrupted")
    assert target.read_text() == "a,b\n"  # untouched
    assert [p.name for p in target.parent.iterdir()] == ["out.csv"]  # no temp file left
