"""Update rules. An optimizer turns gradients into parameter updates.

It never sees ``X`` or ``y``: it receives the list of parameter arrays and the
list of their gradients (same shapes) and updates the parameters in place.
Its whole state — current learning rate, velocities, moment estimates — is a
plain ``dict`` of numbers and arrays (``optimizer.state``), so an estimator can
keep it between ``partial_fit`` calls and still pickle, clone and persist with
skops. The allowed solver names are the keys of :data:`OPTIMIZERS`.

When the parameters are views that exactly tile one flat buffer (as the
feed-forward network lays them out, see :func:`tiled_copy`), the gradients
and the optimizer's own arrays are laid out the same way, and a step is a
handful of operations on the whole buffer instead of a handful per array.
"""

import numpy as np


def tiled_buffer(arrays):
    """The 1-D array that ``arrays`` exactly tile, in order, or None.

    ``arrays`` tile a buffer when each is a C-contiguous view of it, each
    starts where the one before ends, and together they cover all of it.
    """
    if not arrays:
        return None
    base = arrays[0].base
    if (
        not isinstance(base, np.ndarray)
        or base.ndim != 1
        or not base.flags.c_contiguous
        or base.base is not None
    ):
        return None
    address = base.__array_interface__["data"][0]
    offset = 0
    for a in arrays:
        if (
            a.base is not base
            or a.dtype != base.dtype
            or not a.flags.c_contiguous
            or a.__array_interface__["data"][0] != address + offset * base.itemsize
        ):
            return None
        offset += a.size
    return base if offset == base.size else None


def tiled_copy(arrays, fill=True):
    """New arrays shaped like ``arrays`` that tile one new flat buffer.

    With ``fill`` the values of ``arrays`` are copied in; otherwise the new
    arrays are uninitialised.
    """
    sizes = [a.size for a in arrays]
    dtype = np.result_type(*arrays) if arrays else np.float64
    buffer = np.empty(sum(sizes), dtype=dtype)
    out, start = [], 0
    for a, size in zip(arrays, sizes):
        view = buffer[start : start + size].reshape(a.shape)
        if fill:
            view[...] = a
        out.append(view)
        start += size
    return out


def empty_like_params(params):
    """Uninitialised arrays shaped like ``params``, tiled if ``params`` are."""
    if tiled_buffer(params) is not None:
        return tiled_copy(params, fill=False)
    return [np.empty_like(p) for p in params]


def zeros_like_params(params):
    """Zero arrays shaped like ``params``, tiled if ``params`` are."""
    out = empty_like_params(params)
    for a in out:
        a[...] = 0
    return out


def _like_params(arrays, params):
    # Arrays from a saved state, laid out like params again (a pickled or
    # copied state holds separate arrays even when params are tiled).
    if tiled_buffer(params) is not None and tiled_buffer(arrays) is None:
        return tiled_copy(arrays)
    return arrays


class _FlatCache:
    """One flat buffer per group of arrays when every group is tiled.

    The trainer passes the same lists at every step, so the answer is kept
    for the lists last seen (the check costs more than a small step).
    """

    def __init__(self):
        self._groups = None
        self._result = None

    def __call__(self, *groups):
        last = self._groups
        if last is not None and len(last) == len(groups) and all(
            a is b for a, b in zip(last, groups)
        ):
            return self._result
        flats = [tiled_buffer(g) for g in groups]
        if all(f is not None for f in flats):
            result = [[f] for f in flats]
        else:
            result = list(groups)
        self._groups, self._result = groups, result
        return result


class SGDOptimizer:
    """Stochastic gradient descent, optionally with (Nesterov) momentum.

    Update rule, for each parameter ``p`` with gradient ``g``::

        v = momentum * v - learning_rate * g
        p += v                                   # classical momentum
        p += momentum * v - learning_rate * g    # Nesterov's momentum

    With ``momentum=0`` this is plain ``p -= learning_rate * g``. The state
    keeps ``momentum * v`` under ``'velocities'`` (with the momentum under
    ``'momentum'``), which saves a pass over the parameters per step.

    Parameters
    ----------
    params : list of ndarray
        The arrays that will be updated (used for shapes and dtypes).
    learning_rate_init : float
    learning_rate : {'constant', 'invscaling', 'adaptive'}
        'constant' keeps ``learning_rate_init``; 'invscaling' uses
        ``learning_rate_init / (t + 1) ** power_t`` after ``t`` samples;
        'adaptive' divides the rate by 5 each time training stalls.
    momentum : float
    nesterov : bool
    power_t : float
    state : dict or None
        A state saved from an earlier optimizer, to continue from.
    """

    def __init__(
        self,
        params,
        learning_rate_init=0.01,
        learning_rate="constant",
        momentum=0.0,
        nesterov=False,
        power_t=0.5,
        state=None,
        **ignored,
    ):
        self.learning_rate_init = float(learning_rate_init)
        self.schedule = learning_rate
        self.momentum = float(momentum)
        self.nesterov = bool(nesterov)
        self.power_t = float(power_t)
        if state is None or state.get("learning_rate_init") != self.learning_rate_init:
            # New, or the user changed learning_rate_init between partial_fit
            # calls: start the schedule again from the new rate.
            state = dict(state or {})
            state["learning_rate_init"] = self.learning_rate_init
            state["learning_rate"] = self.learning_rate_init
        if self.momentum > 0:
            if "velocities" not in state:
                state["velocities"] = zeros_like_params(params)
            else:
                state["velocities"] = _like_params(state["velocities"], params)
                # They are kept times the momentum they were saved with.
                saved = state.get("momentum", self.momentum)
                if saved and saved != self.momentum:
                    for u in state["velocities"]:
                        u *= self.momentum / saved
            state["momentum"] = self.momentum
        self.state = state
        self._flat = _FlatCache()

    @property
    def learning_rate(self):
        return self.state["learning_rate"]

    @property
    def gradient_scale(self):
        """The factor, ``-learning_rate``, this optimizer applies to gradients first.

        Whoever computes the gradients may apply it instead (saving a pass
        over them) and say so with ``update_params(..., prescaled=True)``.
        """
        return -self.state["learning_rate"]

    def update_params(self, params, grads, prescaled=False):
        """Apply one step in place; ``grads`` are used as scratch space.

        With ``prescaled`` the gradients come already multiplied by
        :attr:`gradient_scale`.
        """
        lr = self.state["learning_rate"]
        if self.momentum == 0:
            params, grads = self._flat(params, grads)
            for p, g in zip(params, grads):
                if not prescaled:
                    g *= -lr
                p += g
            return
        mu = self.momentum
        # The state holds u = mu v, the velocity times the momentum, rather
        # than v: then a step is five passes over the parameters, not six.
        params, grads, vels = self._flat(params, grads, self.state["velocities"])
        for p, g, u in zip(params, grads, vels):
            if not prescaled:
                g *= -lr  # g now holds -lr * grad
            u += g  # u = mu v - lr grad: the new velocity v'
            if self.nesterov:
                p += g
                u *= mu  # u = mu v', for the next step
                p += u  # p += mu v' - lr grad
            else:
                p += u  # p += v'
                u *= mu

    def iteration_ends(self, time_step):
        """Called after each epoch with the number of samples seen so far."""
        if self.schedule == "invscaling":
            self.state["learning_rate"] = self.learning_rate_init / (
                time_step + 1
            ) ** self.power_t

    def trigger_stopping(self, verbose=False):
        """Training stalled: return True to stop, or lower the rate and go on."""
        if self.schedule != "adaptive":
            return True
        if self.state["learning_rate"] <= 1e-6:
            return True
        self.state["learning_rate"] /= 5.0
        if verbose:
            print(f"Setting learning rate to {self.state['learning_rate']:.6g}")
        return False


class AdamOptimizer:
    """Adam (Kingma & Ba, 2014): per-parameter steps from moment estimates.

    Update rule, for each parameter ``p`` with gradient ``g`` at step ``t``::

        m = beta_1 m + (1 - beta_1) g
        v = beta_2 v + (1 - beta_2) g²
        p -= lr * sqrt(1 - beta_2^t) / (1 - beta_1^t) * m / (sqrt(v) + epsilon)

    Parameters
    ----------
    params : list of ndarray
    learning_rate_init : float
    beta_1, beta_2, epsilon : float
    state : dict or None
    """

    def __init__(
        self,
        params,
        learning_rate_init=0.001,
        beta_1=0.9,
        beta_2=0.999,
        epsilon=1e-8,
        state=None,
        **ignored,
    ):
        self.learning_rate_init = float(learning_rate_init)
        self.beta_1 = float(beta_1)
        self.beta_2 = float(beta_2)
        self.epsilon = float(epsilon)
        if state is None:
            state = {
                "learning_rate_init": self.learning_rate_init,
                "learning_rate": self.learning_rate_init,
                "t": 0,
                "ms": zeros_like_params(params),
                "vs": zeros_like_params(params),
            }
        else:
            state["ms"] = _like_params(state["ms"], params)
            state["vs"] = _like_params(state["vs"], params)
        self.state = state
        self._flat = _FlatCache()

    @property
    def learning_rate(self):
        return self.state["learning_rate"]

    # Adam's step is not linear in the gradient: it takes them as they are.
    gradient_scale = None

    def update_params(self, params, grads, prescaled=False):
        if prescaled:
            raise ValueError("Adam takes gradients as they are, not prescaled.")
        s = self.state
        s["t"] += 1
        t = s["t"]
        b1, b2 = self.beta_1, self.beta_2
        self.learning_rate_init = s["learning_rate_init"] = float(self.learning_rate_init)
        lr = self.learning_rate_init * np.sqrt(1 - b2**t) / (1 - b1**t)
        s["learning_rate"] = lr
        params, grads, ms, vs = self._flat(params, grads, s["ms"], s["vs"])
        for p, g, m, v in zip(params, grads, ms, vs):
            m *= b1
            m += (1 - b1) * g
            v *= b2
            g *= g
            g *= 1 - b2
            v += g  # v = b2 v + (1 - b2) g²
            np.sqrt(v, out=g)
            g += self.epsilon
            np.divide(m, g, out=g)
            g *= -lr
            p += g

    def iteration_ends(self, time_step):
        pass

    def trigger_stopping(self, verbose=False):
        return True


OPTIMIZERS = {"sgd": SGDOptimizer, "adam": AdamOptimizer}
