"""The playground's data sets, in plain numpy (they need no web library).

Each function returns ``X, y`` and is deterministic for a given
``random_state``, so the code the playground shows can make the same data.
"""

import numpy as np
from sklearn.datasets import make_blobs, make_circles, make_moons
from sklearn.utils import check_random_state

__all__ = ["make_curve", "make_dataset", "make_spiral", "make_xor", "DATASETS"]


def make_xor(n_samples=200, *, noise=0.2, random_state=None):
    """Points in the square [-1, 1]², labelled 1 where x₁ and x₂ differ in sign.

    No line separates the classes: the classic problem a single neuron
    cannot learn. ``noise`` is the standard deviation of Gaussian noise added
    to the points after labelling.
    """
    rng = check_random_state(random_state)
    X = rng.uniform(-1, 1, size=(n_samples, 2))
    y = (X[:, 0] * X[:, 1] < 0).astype(int)
    return X + noise * rng.standard_normal(X.shape), y


def make_spiral(n_samples=200, *, noise=0.2, random_state=None):
    """Two interleaved spirals, one per class (about 1.5 turns each)."""
    rng = check_random_state(random_state)
    y = np.arange(n_samples) % 2
    t = rng.uniform(0.25, 1.0, size=n_samples)
    angle = 3 * np.pi * t + np.pi * y
    X = np.column_stack([t * np.cos(angle), t * np.sin(angle)])
    return X + 0.25 * noise * rng.standard_normal(X.shape), y


def make_curve(n_samples=200, *, noise=0.2, random_state=None):
    """A 1-D regression curve for the towers: a sine wave with a bump, plus noise."""
    rng = check_random_state(random_state)
    x = rng.uniform(-3, 3, size=n_samples)
    y = np.sin(1.5 * x) + 0.8 * np.exp(-4 * (x - 1) ** 2)
    return x.reshape(-1, 1), y + noise * rng.standard_normal(n_samples)


def _blobs(n_samples=200, *, noise=0.2, random_state=None):
    return make_blobs(n_samples=n_samples, centers=[[-1, -1], [1, 1]],
                      cluster_std=round(0.3 + 2 * noise, 6), random_state=random_state)


def _circles(n_samples=200, *, noise=0.2, random_state=None):
    return make_circles(n_samples=n_samples, noise=round(noise / 2, 6), factor=0.5,
                        random_state=random_state)


def _moons(n_samples=200, *, noise=0.2, random_state=None):
    return make_moons(n_samples=n_samples, noise=noise, random_state=random_state)


#: name -> (function, how the playground's code writes the call, is it 1-D regression)
DATASETS = {
    "blobs": (_blobs, "make_blobs(n_samples={n}, centers=[[-1, -1], [1, 1]], "
              "cluster_std={std}, random_state={seed})", False),
    "moons": (_moons, "make_moons(n_samples={n}, noise={noise}, random_state={seed})", False),
    "circles": (_circles, "make_circles(n_samples={n}, noise={half_noise}, factor=0.5, "
                "random_state={seed})", False),
    "xor": (make_xor, "make_xor(n_samples={n}, noise={noise}, random_state={seed})", False),
    "spiral": (make_spiral, "make_spiral(n_samples={n}, noise={noise}, random_state={seed})",
               False),
    "curve": (make_curve, "make_curve(n_samples={n}, noise={noise}, random_state={seed})", True),
}


def make_dataset(name, n_samples=200, *, noise=0.2, random_state=0):
    """One of the playground's data sets by name (see ``DATASETS``)."""
    if name not in DATASETS:
        raise ValueError(f"unknown data set {name!r}; known: {list(DATASETS)}")
    return DATASETS[name][0](n_samples, noise=noise, random_state=random_state)


def dataset_code(name, n_samples, noise, random_state=0):
    """The Python line that makes the data set (``X, y = ...``) and its import."""
    call = DATASETS[name][1].format(
        n=n_samples, noise=noise, half_noise=round(noise / 2, 6),
        std=round(0.3 + 2 * noise, 6), seed=random_state,
    )
    module = ("sklearn.datasets" if name in ("blobs", "moons", "circles")
              else "sknn_intuition.playground.datasets")
    func = call.split("(", 1)[0]
    return f"from {module} import {func}", f"X, y = {call}"
