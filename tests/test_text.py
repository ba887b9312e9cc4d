import numpy as np

from textcnn._text import PAD, UNK, build_vocabulary, encode, tokenize


def test_tokenize_contractions_and_punctuation():
    assert tokenize("It's GREAT, isn't it?") == ["it", "'s", "great", ",", "is", "n't", "it", "?"]
    assert tokenize("Can't", lowercase=False) == ["Ca", "n't"]
    assert tokenize("") == []


def test_vocabulary_order_and_min_count():
    docs = [["b", "a"], ["a", "c"], ["b", "a"]]
    assert build_vocabulary(docs) == ["<pad>", "<unk>", "a", "b", "c"]
    assert build_vocabulary(docs, min_count=2) == ["<pad>", "<unk>", "a", "b"]
    assert build_vocabulary(docs, max_size=1) == ["<pad>", "<unk>", "a"]
    # independent of row order
    assert build_vocabulary(docs[::-1]) == build_vocabulary(docs)


def test_encode_pads_truncates_and_marks_unknown():
    itos = ["<pad>", "<unk>", "a", "b"]
    ids, lengths = encode([["a", "b", "zz"], [], ["b"]], itos, max_length=2)
    np.testing.assert_array_equal(ids, [[2, 3], [PAD, PAD], [3, PAD]])
    np.testing.assert_array_equal(lengths, [2, 0, 1])
    ids, lengths = encode([["zz"]], itos)
    assert ids.tolist() == [[UNK]] and lengths.tolist() == [1]
    ids, lengths = encode([[], []], itos)
    assert ids.shape == (2, 1) and lengths.tolist() == [0, 0]
