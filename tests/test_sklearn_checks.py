"""scikit-learn's estimator checks on tiny CPU settings, with the documented failures."""

from sklearn.utils.estimator_checks import parametrize_with_checks

from textcnn import TextCNNEncoder, TextRNNEncoder, TfidfLinearEncoder

TINY = dict(
    embeddings=None,
    embedding_dim=4,
    max_epochs=1,
    early_stopping=False,
    cv=2,
    random_state=0,
    device="cpu",
)

EXPECTED_FAILURES = {
    "check_transformer_general": "fit_transform is out-of-fold by design, so it differs "
    "from fit().transform() (as for TargetEncoder)",
    "check_transformer_data_not_an_array": "same reason: out-of-fold fit_transform",
    "check_fit1d": "a 1-D input is accepted on purpose: it is one text column",
    "check_fit2d_predict1d": "same reason: a 1-D input at transform is one text column",
}


def expected_failed_checks(estimator):
    return EXPECTED_FAILURES


ESTIMATORS = [
    TextCNNEncoder(n_filters=2, kernel_sizes=(2,), **TINY),
    TextCNNEncoder(n_filters=2, kernel_sizes=(2,), level="char", **TINY),
    TextRNNEncoder(hidden_size=2, **TINY),
    TfidfLinearEncoder(min_df=1, cv=2, random_state=0),
]


@parametrize_with_checks(ESTIMATORS, expected_failed_checks=expected_failed_checks)
def test_sklearn_compatible(estimator, check):
    check(estimator)
