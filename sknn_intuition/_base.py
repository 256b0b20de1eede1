"""Input checks and label handling shared by the estimators.

Every public estimator validates its input here, so that a bad input gets the
same clear message whichever estimator it is given to.
"""

import numpy as np
from scipy import sparse
from sklearn.utils.class_weight import compute_class_weight
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import validate_data

from ._heads import ClassTargets
from ._sgd import fit_mode
from ._sklearn_private import _check_sample_weight

FLOAT_DTYPES = (np.float64, np.float32)


def validate_fit_data(
    est, X, y, *, reset, classifier, accept_sparse=("csr",), multi_output=None
):
    """Validate ``X, y`` for fit/partial_fit; float32 stays float32.

    When training continues (a later ``partial_fit``, or ``fit`` with
    ``warm_start``), X takes the dtype of the fitted parameters.
    """
    dtype = list(FLOAT_DTYPES)
    if fit_mode(est) != "fresh":
        dtype = est._sgd_parameters()[0].dtype
    X, y = validate_data(
        est,
        X,
        y,
        reset=reset,
        accept_sparse=list(accept_sparse) if accept_sparse else False,
        dtype=dtype,
        order="C",
        y_numeric=not classifier,
        multi_output=not classifier if multi_output is None else multi_output,
    )
    if sparse.issparse(y):
        raise ValueError(
            f"y is a sparse matrix; {type(est).__name__} takes targets as a dense "
            "array: convert them with y.toarray()."
        )
    if not classifier and np.asarray(y).dtype.kind not in "fiub":
        raise ValueError(
            f"y must be numeric for a regressor, got dtype {np.asarray(y).dtype}; "
            "convert it, e.g. with y.astype(float)."
        )
    if X.shape[0] < 1:
        raise ValueError("Found array with 0 sample(s) while a minimum of 1 is required.")
    return X, y


def validate_sample_weight(sample_weight, X):
    """Check weights: shape, finite, non-negative, not all zero."""
    if sample_weight is None:
        return None
    sw = _check_sample_weight(
        sample_weight, X, dtype=X.dtype, ensure_non_negative=True
    )
    if not np.all(np.isfinite(sw)):
        raise ValueError("sample_weight contains NaN or infinity.")
    if not np.any(sw > 0):
        raise ValueError(
            "sample_weight: all weights are zero; at least one sample needs a "
            "positive weight."
        )
    return sw


def check_classes(est, y, classes, *, partial):
    """Set or check ``classes_``; return ``y`` as indices into ``classes_``.

    ``fit`` takes the classes from ``y``. The first ``partial_fit`` needs them
    all, given as ``classes``; later calls check ``y`` against them.
    """
    check_classification_targets(y)
    if partial:
        if fit_mode(est) == "fresh":
            if classes is None:
                raise ValueError(
                    "classes must be passed on the first call to partial_fit: "
                    "all the labels that may ever appear, e.g. classes=np.unique(y)."
                )
            est.classes_ = _classes_array(classes)
        elif classes is not None and not np.array_equal(
            np.unique(np.asarray(classes)), est.classes_
        ):
            raise ValueError(
                f"classes={np.unique(classes).tolist()} is not the same as on the "
                f"first call to partial_fit ({est.classes_.tolist()})."
            )
    else:
        est.classes_ = np.unique(y)
    if len(est.classes_) < 2:
        raise ValueError(
            f"{type(est).__name__} needs samples of at least 2 classes in the "
            f"data, but the data contain only one class: {est.classes_[0]!r}."
        )
    idx = np.searchsorted(est.classes_, y)
    idx = np.clip(idx, 0, len(est.classes_) - 1)
    unseen = est.classes_[idx] != y
    if np.any(unseen):
        raise ValueError(
            f"y contains labels not in classes: {np.unique(y[unseen]).tolist()}; "
            f"classes are {est.classes_.tolist()}."
        )
    return idx


def _classes_array(classes):
    """``np.unique(classes)``, or a clear error for labels that cannot be ordered."""
    try:
        values = np.unique(np.asarray(classes))
    except TypeError:
        values = None
    if values is None or any(v is None for v in np.asarray(classes, dtype=object).ravel()):
        raise ValueError(
            f"classes must be labels of one kind that can be sorted (numbers or "
            f"strings), without None; got {list(np.asarray(classes, dtype=object))}."
        )
    return values


def class_sample_weight(est, y_idx, sample_weight, class_weight, *, partial, dtype):
    """Fold ``class_weight`` ('balanced', a dict or None) into sample weights."""
    if class_weight is None:
        return sample_weight
    if partial and isinstance(class_weight, str):
        raise ValueError(
            "class_weight='balanced' is not supported by partial_fit, which "
            "cannot see the class frequencies of all the data; pass a dict "
            "computed once, e.g. with sklearn.utils.class_weight.compute_class_weight."
        )
    y = est.classes_[y_idx]
    if isinstance(class_weight, dict):
        unknown = set(class_weight) - set(est.classes_.tolist())
        if unknown:
            raise ValueError(
                f"class_weight has labels that are not classes: {sorted(unknown)}; "
                f"classes are {est.classes_.tolist()}."
            )
        values = np.array(list(class_weight.values()), dtype=float)
        if not np.all(np.isfinite(values)) or np.any(values < 0):
            raise ValueError(
                "class_weight must map classes to finite, non-negative weights; "
                f"got {class_weight!r}."
            )
    cw = compute_class_weight(class_weight, classes=est.classes_, y=y)
    w = cw[y_idx].astype(dtype)
    w = w if sample_weight is None else w * sample_weight
    if not np.any(w > 0):
        raise ValueError(
            f"class_weight={class_weight!r} (with the sample weights) gives every "
            "sample a weight of zero: nothing to learn from."
        )
    return w


def encode_labels(y_idx, n_classes, *, positive, negative, dtype):
    """Targets for the output neurons: one column if binary, else one per class.

    With two classes a single neuron answers "is it ``classes_[1]``?"; with
    more, neuron ``k`` answers "is it ``classes_[k]``?". They are kept as the
    class indices (:class:`._heads.ClassTargets`), written out a batch at a
    time by the trainer, or whole by ``np.asarray``.
    """
    return ClassTargets(y_idx, n_classes, positive=positive, negative=negative, dtype=dtype)


def check_warm_start(est, n_features, fitted_features, classes=None, fitted_classes=None):
    """A warm start trains the fitted model on: the data must fit it."""
    if n_features != fitted_features:
        raise ValueError(
            f"warm_start=True: X has {n_features} features, but the fitted "
            f"{type(est).__name__} has {fitted_features}; set warm_start=False to "
            "train a new model on these data."
        )
    if classes is not None and not np.array_equal(classes, fitted_classes):
        raise ValueError(
            f"warm_start=True: y has the classes {classes.tolist()}, but the fitted "
            f"{type(est).__name__} has {fitted_classes.tolist()}; set "
            "warm_start=False to train a new model on these data."
        )


def prepare_classification(est, X, y, sample_weight, classes, *, partial, negative):
    """The front of every classifier's fit, in one place.

    Validates ``X`` and ``y``, sets or checks ``classes_``, folds
    ``class_weight`` into the sample weights and encodes the targets for the
    output neurons (``1`` for the sample's class, ``negative`` elsewhere).

    Returns
    -------
    X, y, sample_weight, Y
        The validated data, the weights (or None) and the encoded targets.
    """
    mode = fit_mode(est)
    warm = mode == "warm"
    fitted = (est.n_features_in_, est.classes_) if warm else None
    X, y = validate_fit_data(est, X, y, reset=mode != "partial", classifier=True)
    y_idx = check_classes(est, y, classes, partial=partial)
    if warm:
        check_warm_start(est, X.shape[1], fitted[0], est.classes_, fitted[1])
    sw = validate_sample_weight(sample_weight, X)
    sw = class_sample_weight(
        est, y_idx, sw, est.class_weight, partial=partial, dtype=X.dtype
    )
    Y = encode_labels(
        y_idx, len(est.classes_), positive=1, negative=negative, dtype=X.dtype
    )
    return X, y, sw, Y
