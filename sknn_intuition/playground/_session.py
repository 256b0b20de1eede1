"""One learner's playground: data, estimator, training thread, pictures, code.

Nothing here imports a web library: the page (``_app``) only reads a
:class:`Session` and calls its methods, so the training logic is tested
without a browser. Training runs in a thread of its own, one epoch
(one ``partial_fit`` call) at a time, under a lock that the page takes to
draw a consistent snapshot.
"""

import ast
import io
import threading
import time
import warnings

import numpy as np
from sklearn.base import clone
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import log_loss
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler

from .. import (
    FeedForwardClassifier,
    PerceptronClassifier,
    SigmoidNeuronClassifier,
    TowerRegressor,
)
from .datasets import DATASETS, dataset_code, make_dataset

SEED = 0
GRID = 80  # the surface: GRID x GRID points
UNIT_GRID = 28  # each hidden unit's map: UNIT_GRID x UNIT_GRID points
CURVE_POINTS = 300  # the towers' curve
MAX_UNITS = 32  # hidden units drawn per layer
MAX_UPLOAD_ROWS = 5000


class Step:
    """A step of the explanation: its estimator and the parameters the page offers."""

    def __init__(self, key, title, cls, params, regression=False):
        self.key, self.title, self.cls, self.regression = key, title, cls, regression
        # name -> (default text, options or None for free text)
        self.params = params


STEPS = {
    "perceptron": Step("perceptron", "1. A perceptron", PerceptronClassifier, {
        "eta0": ("1.0", None),
        "alpha": ("0.0001", None),
        "batch_size": ("'auto'", None),
    }),
    "sigmoid": Step("sigmoid", "2. A sigmoid neuron", SigmoidNeuronClassifier, {
        "solver": ("sgd", ["sgd", "adam", "lbfgs"]),
        "learning_rate_init": ("'auto'", None),
        "alpha": ("0.0001", None),
        "batch_size": ("'auto'", None),
    }),
    "towers": Step("towers", "3. Towers of sigmoids", TowerRegressor, {
        "n_towers": ("12", None),
        "steepness": ("4.0", None),
        "solver": ("lstsq", ["lstsq", "sgd", "adam"]),
        "learning_rate_init": ("0.01", None),
        "alpha": ("1e-06", None),
        "batch_size": ("'auto'", None),
    }, regression=True),
    "network": Step("network", "4. A network", FeedForwardClassifier, {
        "hidden_layer_sizes": ("8, 8", None),
        "activation": ("tanh", ["tanh", "relu", "logistic", "identity"]),
        "solver": ("adam", ["adam", "sgd", "lbfgs"]),
        "learning_rate_init": ("0.03", None),
        "batch_size": ("10", None),
        "alpha": ("0.0001", None),
    }),
}

ALL_PARAMS = list(dict.fromkeys(name for step in STEPS.values() for name in step.params))


def parse_value(text):
    """A parameter as typed: a Python literal (``0.03``, ``8, 8``, ``'auto'``) or a bare word."""
    text = text.strip()
    try:
        return ast.literal_eval(text)
    except (ValueError, SyntaxError):
        return text


def read_csv(data):
    """Two feature columns and a label column from CSV bytes (a header row is optional).

    Returns ``X, y, header``: whether the first row was a header.
    """
    text = data.decode("utf-8-sig") if isinstance(data, bytes) else data
    rows = [line for line in text.splitlines() if line.strip()]
    if not rows:
        raise ValueError("the CSV file is empty.")
    try:
        [float(v) for v in rows[0].split(",")]
        header = False
    except ValueError:
        rows, header = rows[1:], True
    if len(rows) > MAX_UPLOAD_ROWS:
        raise ValueError(f"the CSV file has {len(rows)} rows; the playground takes "
                         f"at most {MAX_UPLOAD_ROWS}.")
    try:
        table = np.loadtxt(io.StringIO("\n".join(rows)), delimiter=",", ndmin=2)
    except ValueError as exc:
        raise ValueError(f"could not read the CSV file as numbers: {exc}") from None
    if table.shape[1] != 3:
        raise ValueError(f"the CSV file needs 3 columns (two features and a label); "
                         f"it has {table.shape[1]}.")
    y = table[:, 2]
    if np.all(y == np.round(y)):
        y = y.astype(int)
    if len(np.unique(y)) != 2:
        raise ValueError(f"the label column needs exactly two classes; it has "
                         f"{len(np.unique(y))}.")
    if len(y) < 8:
        raise ValueError("the CSV file needs at least 8 rows.")
    return table[:, :2], y, header


def _colour(p, pale=False):
    """Probability of class 1 -> RGBA packed in uint32: orange (0), white (0.5), blue (1)."""
    p = np.clip(np.nan_to_num(p, nan=0.5), 0, 1)[..., None]
    orange, white = np.array([245, 147, 34]), np.array([232, 234, 235])
    blue = np.array([8, 119, 189])
    rgb = np.where(p < 0.5, orange + (white - orange) * (2 * p),
                   white + (blue - white) * (2 * p - 1))
    rgb = 0.55 * rgb + 0.45 * 255 if pale else rgb
    rgba = np.concatenate([rgb, np.full(p.shape, 255)], axis=-1).astype(np.uint8)
    return rgba.view(np.uint32)[..., 0]


def _unit_colour(a):
    """A hidden unit's outputs, scaled to its own range, as colours."""
    lo, hi = np.nanmin(a), np.nanmax(a)
    span = hi - lo
    return _colour((a - lo) / span if span > 1e-12 else np.full_like(a, 0.5))


def _wrap_call(name, args, indent, width=88):
    """``name(arg, ...),`` over as many lines as it takes, the arguments aligned."""
    lines, line = [], f"{indent}{name}("
    pad = " " * len(line)
    for i, arg in enumerate(args):
        piece = arg + ("," if i < len(args) - 1 else "),")
        if len(line) + len(piece) > width and not line.endswith("("):
            lines.append(line.rstrip())
            line = pad
        line += piece + " "
    return [*lines, line.rstrip()]


class Session:
    """The state of one learner's page."""

    def __init__(self):
        self.lock = threading.RLock()
        self._thread = None
        self._stop = threading.Event()
        self.step_key = "network"
        self.dataset = "moons"
        self.noise = 0.2
        self.n_train = 200
        self.upload = None  # (filename, X, y)
        self.texts = {}
        self.message = ""
        self.version = 0  # increases with every change the page must draw
        self._set_texts()
        self.set_data()

    # ------------------------------------------------------------ settings
    @property
    def step(self):
        return STEPS[self.step_key]

    def _set_texts(self):
        self.texts = {name: default for name, (default, _) in self.step.params.items()}

    def set_step(self, key):
        if key not in STEPS:
            raise ValueError(f"unknown step {key!r}; known: {list(STEPS)}")
        self.pause()
        with self.lock:
            self.step_key = key
            self._set_texts()
            if self.step.regression:
                self.dataset = "curve"
            elif self.dataset == "curve":
                self.dataset = "moons"
            self.set_data()

    def set_param(self, name, text):
        self.pause()
        with self.lock:
            self.texts[name] = text
            self.reset()

    def set_data(self, dataset=None, noise=None, n_train=None):
        self.pause()
        with self.lock:
            self.dataset = dataset if dataset is not None else self.dataset
            if noise is not None:
                self.noise = min(max(float(noise), 0.0), 1.0)
            if n_train is not None:
                self.n_train = min(max(int(n_train), 10), MAX_UPLOAD_ROWS)
            if self.dataset == "upload" and self.upload is not None:
                X, y = self.upload[1], self.upload[2]
                split = dict(test_size=0.25)
            else:
                if self.dataset == "upload":
                    self.dataset = "curve" if self.step.regression else "moons"
                if self.dataset not in DATASETS:
                    raise ValueError(f"unknown data set {self.dataset!r}; known: "
                                     f"{list(DATASETS)}")
                if DATASETS[self.dataset][2] != self.step.regression:  # towers: the curve only
                    self.dataset = "curve" if self.step.regression else "moons"
                n_val = max(self.n_train // 2, 10)
                X, y = make_dataset(self.dataset, self.n_train + n_val, noise=self.noise,
                                    random_state=SEED)
                split = dict(train_size=self.n_train)
            self.X_train, self.X_val, self.y_train, self.y_val = train_test_split(
                X, y, random_state=SEED, **split)
            self.classes = None if self.step.regression else np.unique(y)
            Xall = np.vstack([self.X_train, self.X_val])
            lo, hi = Xall.min(axis=0), Xall.max(axis=0)
            pad = 0.1 * (hi - lo) + 1e-3
            self.bounds = [(round(float(a), 1), round(float(b), 1))
                           for a, b in zip(lo - pad, hi + pad)]
            self.reset()

    def set_upload(self, filename, data):
        X, y, header = read_csv(data)
        self.pause()
        with self.lock:
            self._header = header
            if self.step.regression:
                self.set_step("network")
            self.upload = (filename, X, y)
            self.set_data("upload")

    # ------------------------------------------------------------ training
    def params(self):
        """The estimator's parameters as typed on the page (plus the seed)."""
        values = {name: parse_value(self.texts[name]) for name in self.step.params}
        return {**values, "random_state": SEED}

    def _mode(self):
        solver = self.texts.get("solver")
        if solver == "lstsq":
            return "exact"
        if solver == "lbfgs":
            return "lbfgs"
        return "partial"

    def _build(self):
        extra = {"warm_start": True, "max_iter": 1} if self._mode() == "lbfgs" else {}
        return self.step.cls(**self.params(), **extra)

    def reset(self):
        """A new, untrained estimator with the current parameters; its error if they are invalid."""
        self.pause()
        with self.lock:
            self.scaler = StandardScaler().fit(self.X_train)
            self.Xs_train = self.scaler.transform(self.X_train)
            self.Xs_val = self.scaler.transform(self.X_val)
            self.epoch = 0
            self.train_loss, self.val_loss = [], []
            self.scores = (None, None)
            self.done = False
            self.message = ""
            self.version += 1
            try:
                self.model = self._build()
                # The estimator checks its own parameters: one trial epoch on a few
                # samples of each class, on a copy, so that a bad value shows at once.
                if self.step.regression:
                    few = np.arange(min(20, len(self.y_train)))
                else:
                    few = np.concatenate([np.flatnonzero(self.y_train == c)[:10]
                                          for c in self.classes])
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    self._train_one(clone(self.model), self.Xs_train[few], self.y_train[few])
            except Exception as exc:  # the estimator's own message, shown on the page
                self.model = None
                self.message = f"{type(exc).__name__}: {exc}"
                return self.message
        return None

    def _train_one(self, est, X, y):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            if self._mode() == "partial":
                if self.step.regression:
                    est.partial_fit(X, y)
                else:
                    est.partial_fit(X, y, classes=self.classes)
            else:
                est.fit(X, y)
        return est

    def train_epoch(self):
        """One epoch; False when training cannot go on (error, or an exact solve done)."""
        with self.lock:
            if self.model is None or self.done:
                return False
            try:
                with warnings.catch_warnings(record=True) as caught:
                    warnings.simplefilter("always")
                    self._train_one(self.model, self.Xs_train, self.y_train)
            except Exception as exc:
                # A diverging epoch: the estimator has rolled itself back to the last
                # good model, which stays on the page.
                self.message = f"{type(exc).__name__}: {exc}"
                self.version += 1
                return False
            self.epoch += 1
            notes = [w for w in caught if not issubclass(w.category, ConvergenceWarning)]
            if notes and not self.message:  # e.g. the towers' warning about too many towers
                self.message = f"{notes[0].category.__name__}: {notes[0].message}"
            self.done = self._mode() == "exact"
            self.train_loss.append(self._loss(self.Xs_train, self.y_train))
            self.val_loss.append(self._loss(self.Xs_val, self.y_val))
            self.scores = (self.model.score(self.Xs_train, self.y_train),
                           self.model.score(self.Xs_val, self.y_val))
            self.version += 1
            return not self.done

    def _loss(self, X, y):
        """The step's own loss on (scaled) X: what its training minimises, without penalty."""
        model = self.model
        if self.step.regression:
            return float(np.mean((model.predict(X) - y) ** 2))
        if isinstance(model, PerceptronClassifier):
            sign = np.where(y == self.classes[1], 1.0, -1.0)
            return float(np.mean(np.maximum(0.0, -sign * model.decision_function(X))))
        P = model.predict_proba(X)
        if isinstance(model, SigmoidNeuronClassifier) and model.loss == "squared_error":
            return float(np.mean((P[:, 1] - (y == self.classes[1])) ** 2))
        return float(log_loss(y, P, labels=self.classes))

    @property
    def running(self):
        return self._thread is not None and self._thread.is_alive()

    def start(self):
        with self.lock:
            if self.running or self.model is None or self.done:
                return
            self._stop.clear()
            self._thread = threading.Thread(target=self._run, daemon=True,
                                            name="playground-training")
            self._thread.start()

    def _run(self):
        while not self._stop.is_set():
            if not self.train_epoch():
                break
            time.sleep(0.0005)  # lets the page's thread draw between epochs

    def pause(self):
        """Stop the training thread after its current epoch (call without the lock)."""
        thread = self._thread
        self._stop.set()
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout=5)
        self._thread = None

    def step_once(self):
        self.pause()
        self.train_epoch()

    # ------------------------------------------------------------ pictures
    def grid_axes(self, n=GRID):
        return [np.linspace(lo, hi, n) for lo, hi in self.bounds]

    def _grid(self, n):
        gx, gy = self.grid_axes(n)
        xx, yy = np.meshgrid(gx, gy)
        return np.column_stack([xx.ravel(), yy.ravel()]), xx.shape

    def snapshot(self):
        """What the page draws, computed under the lock: a consistent picture."""
        with self.lock:
            snap = {
                "version": self.version, "epoch": self.epoch, "message": self.message,
                "running": self.running, "done": self.done,
                "train_loss": list(self.train_loss),
                "val_loss": list(self.val_loss), "scores": self.scores,
                "regression": self.step.regression, "trained": self.epoch > 0,
            }
            if not snap["trained"]:
                return snap
            if self.step.regression:
                x = np.linspace(*self.bounds[0], CURVE_POINTS).reshape(-1, 1)
                xs = self.scaler.transform(x)
                snap["curve_x"] = x[:, 0]
                snap["curve_y"] = self.model.predict(xs)
                T = self.model.tower_activations(xs)
                snap["towers"] = T * self.model.heights_[:, 0]
                return snap
            grid, shape = self._grid(GRID)
            gs = self.scaler.transform(grid)
            snap["labels"] = self.model.predict(gs).reshape(shape)
            if hasattr(self.model, "predict_proba"):
                p = self.model.predict_proba(gs)[:, 1]
            else:  # the perceptron's step, shaded by the distance from its line
                d = self.model.decision_function(gs)
                d = 4 * d / (np.abs(d).max() + 1e-12)
                p = 1 / (1 + np.exp(-d))
            snap["surface"] = _colour(p.reshape(shape), pale=True)  # the points stand out
            small, sshape = self._grid(UNIT_GRID)
            ss = self.scaler.transform(small)
            if isinstance(self.model, FeedForwardClassifier):
                layers = self.model.hidden_activations(ss)
            elif isinstance(self.model, SigmoidNeuronClassifier):
                layers = [self.model.predict_proba(ss)[:, 1:]]
            else:
                layers = [np.sign(self.model.decision_function(ss)).reshape(-1, 1)]
            snap["unit_counts"] = [A.shape[1] for A in layers]
            snap["units"] = [
                [_unit_colour(A[:, j].reshape(sshape)) for j in range(min(A.shape[1], MAX_UNITS))]
                for A in layers
            ]
            return snap

    # ------------------------------------------------------------ the code
    def code(self):
        """Python that reproduces the current model, as a plain script."""
        with self.lock:
            return self._code()

    def _code(self):
        step, mode = self.step, self._mode()
        name = step.cls.__name__
        lines = ["import warnings", "", "import numpy as np"]
        if self.dataset == "upload":
            filename = self.upload[0]
            data_lines = [f"data = np.loadtxt({filename!r}, delimiter=',', ndmin=2"
                          + (", skiprows=1)" if self._upload_has_header() else ")"),
                          "X, y = data[:, :2], data[:, 2]"]
            if np.issubdtype(self.upload[2].dtype, np.integer):
                data_lines[-1] += ".astype(int)"
            split = "test_size=0.25"
        else:
            n_val = max(self.n_train // 2, 10)
            imp, call = dataset_code(self.dataset, self.n_train + n_val, self.noise, SEED)
            lines.append(imp)
            data_lines = [call]
            split = f"train_size={self.n_train}"
        lines += [
            "from sklearn.exceptions import ConvergenceWarning",
            "from sklearn.model_selection import train_test_split",
            "from sklearn.pipeline import make_pipeline",
            "from sklearn.preprocessing import StandardScaler",
            "",
            f"from sknn_intuition import {name}",
            "",
            *data_lines,
            f"X_train, X_val, y_train, y_val = train_test_split(X, y, {split}, "
            f"random_state={SEED})",
            "",
        ]
        params = {k: v for k, v in self.params().items() if k != "random_state"}
        n = self.epoch
        if mode == "partial":
            params["max_iter"] = max(n, 1)
            if step.cls is PerceptronClassifier:
                params["tol"] = None
            else:
                params["tol"] = 0
                params["n_iter_no_change"] = max(n, 1)
        elif mode == "lbfgs":
            params.update(max_iter=1, warm_start=True)
        params["random_state"] = SEED
        lines += ["model = make_pipeline(", "    StandardScaler(),",
                  *_wrap_call(name, [f"{k}={v!r}" for k, v in params.items()], "    "), ")"]
        if n == 0:
            lines.append("# not trained yet: press train or step on the page")
            return "\n".join(lines) + "\n"
        lines.append("with warnings.catch_warnings():")
        lines.append("    warnings.simplefilter('ignore', ConvergenceWarning)")
        if mode == "partial":
            lines.append(f"    model.fit(X_train, y_train)  # {n} epoch{'s' * (n != 1)}, "
                         "as on the page")
        elif mode == "lbfgs":
            lines.append(f"    for epoch in range({n}):  # one L-BFGS iteration per epoch, "
                         "as on the page")
            lines.append("        model.fit(X_train, y_train)")
        else:
            lines.append("    model.fit(X_train, y_train)  # solved exactly, in one step")
        score = "R²" if step.regression else "accuracy"
        lines += [
            f"print('training {score}:', model.score(X_train, y_train))",
            f"print('validation {score}:', model.score(X_val, y_val))",
            "",
        ]
        if step.regression:
            lo, hi = self.bounds[0]
            lines += [
                "# the page's curve",
                f"x = np.linspace({lo}, {hi}, {CURVE_POINTS}).reshape(-1, 1)",
                "curve = model.predict(x)",
            ]
        else:
            (x0, x1), (y0, y1) = self.bounds
            lines += [
                f"# the page's surface: the model on a {GRID} x {GRID} grid over the plot",
                f"xx, yy = np.meshgrid(np.linspace({x0}, {x1}, {GRID}), "
                f"np.linspace({y0}, {y1}, {GRID}))",
                "grid = np.column_stack([xx.ravel(), yy.ravel()])",
                "labels = model.predict(grid).reshape(xx.shape)",
            ]
        return "\n".join(lines) + "\n"

    def _upload_has_header(self):
        return getattr(self, "_header", False)
