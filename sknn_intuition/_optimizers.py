"""Update rules. An optimizer turns gradients into parameter updates.

It never sees ``X`` or ``y``: it receives the list of parameter arrays and the
list of their gradients (same shapes) and updates the parameters in place.
Its whole state (current learning rate, velocities, moment estimates) is a
plain ``dict`` of numbers and arrays (``optimizer.state``), so an estimator can
keep it between ``partial_fit`` calls and still pickle, clone and persist with
skops. The allowed solver names are the keys of :data:`OPTIMIZERS`.
"""

import numpy as np


def _like(arrays, params):
    # Saved state arrays, laid out like params: the trainer may hand a
    # network's parameters over as one flat array or layer by layer, and a
    # state saved one way is resumed the other way with the same values.
    if [a.shape for a in arrays] == [p.shape for p in params]:
        return [np.asarray(a, dtype=p.dtype) for a, p in zip(arrays, params)]
    flat = np.concatenate([np.ravel(a) for a in arrays])
    out, start = [], 0
    for p in params:
        out.append(flat[start : start + p.size].reshape(p.shape).astype(p.dtype))
        start += p.size
    return out


class SGDOptimizer:
    """Stochastic gradient descent, optionally with (Nesterov) momentum.

    Update rule, for each parameter ``p`` with gradient ``g``::

        v = momentum * v - learning_rate * g
        p += v                                   # classical momentum
        p += momentum * v - learning_rate * g    # Nesterov's momentum

    With ``momentum=0`` this is plain ``p -= learning_rate * g``.

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
        state = dict(state or {})
        if state.get("learning_rate_init") != self.learning_rate_init:
            # New, or the user changed learning_rate_init between partial_fit
            # calls: start the schedule again from the new rate.
            state["learning_rate_init"] = self.learning_rate_init
            state["learning_rate"] = self.learning_rate_init
        if self.momentum > 0:
            if "velocities" in state:
                state["velocities"] = _like(state["velocities"], params)
            else:
                state["velocities"] = [np.zeros_like(p) for p in params]
        self.state = state

    @property
    def learning_rate(self):
        return self.state["learning_rate"]

    @property
    def effective_learning_rate(self):
        """The step a steady gradient takes: ``lr / (1 - momentum)``.

        With momentum the velocity adds up a steady gradient's steps, so a
        proximal step (see ``_sgd.l1_proximal_step``) must match this step,
        not ``lr``, for its fixed point to be the penalised optimum.
        """
        return self.state["learning_rate"] / (1.0 - self.momentum)

    def step_sizes(self, params):
        """The step per unit of gradient of each weight, shaped like ``params``.

        One number for every weight: :attr:`effective_learning_rate`.
        """
        return [self.effective_learning_rate] * len(params)

    def update_params(self, params, grads):
        """Apply one step in place; ``grads`` are used as scratch space."""
        lr, mu = self.state["learning_rate"], self.momentum
        if mu == 0:
            for p, g in zip(params, grads):
                g *= -lr
                p += g  # p -= lr * g
            return
        for p, g, v in zip(params, grads, self.state["velocities"]):
            g *= -lr  # g now holds -lr * grad
            v *= mu
            v += g  # v = mu v - lr grad
            if self.nesterov:
                p += g
                p += np.multiply(v, mu, out=g)  # p += mu v - lr grad
            else:
                p += v

    def iteration_ends(self, time_step):
        """Called after each epoch with the number of samples seen so far."""
        if self.schedule == "invscaling":
            # lr / (t + 1) ** power_t, as exp(-power_t log(t + 1)): a large
            # power_t underflows to a zero rate instead of overflowing.
            decay = np.exp(-self.power_t * np.log1p(float(time_step)))
            self.state["learning_rate"] = float(self.learning_rate_init * decay)

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
                "t": 0,
                "ms": [np.zeros_like(p) for p in params],
                "vs": [np.zeros_like(p) for p in params],
            }
        else:
            state = dict(state)
            state["ms"] = _like(state["ms"], params)
            state["vs"] = _like(state["vs"], params)
        state["learning_rate_init"] = self.learning_rate_init
        state.setdefault("learning_rate", self.learning_rate_init)
        self.state = state

    @property
    def learning_rate(self):
        return self.state["learning_rate"]

    @property
    def effective_learning_rate(self):
        """The scale of the last update's steps (they are per weight, see
        :meth:`step_sizes`)."""
        return self.state["learning_rate"]

    def step_sizes(self, params):
        """The step per unit of gradient of each weight in the last update.

        Adam divides each weight's step by ``√v + ε``: a proximal step (the
        L1 penalty's) must shrink each weight by its own step, ``lr / (√v + ε)``
        times the penalty, for its fixed point to be the penalised optimum.
        ``params`` are the arrays the proximal step works on, laid out as the
        optimizer's (one flat buffer, or the same arrays).
        """
        vs = _like(self.state["vs"], params)
        for v in vs:
            np.sqrt(v, out=v)
            v += self.epsilon
            np.divide(self.state["learning_rate"], v, out=v)
        return vs

    def update_params(self, params, grads):
        """Apply one step in place; ``grads`` are used as scratch space."""
        s = self.state
        s["t"] += 1
        b1, b2, t = self.beta_1, self.beta_2, s["t"]
        lr = self.learning_rate_init * np.sqrt(1 - b2**t) / (1 - b1**t)
        s["learning_rate"] = lr
        for p, g, m, v in zip(params, grads, s["ms"], s["vs"]):
            m *= b1
            m += (1 - b1) * g  # m = b1 m + (1 - b1) g
            v *= b2
            g *= g
            g *= 1 - b2
            v += g  # v = b2 v + (1 - b2) g²
            np.sqrt(v, out=g)
            g += self.epsilon
            np.divide(m, g, out=g)
            g *= lr
            p -= g  # p -= lr m / (√v + ε)

    def iteration_ends(self, time_step):
        pass

    def trigger_stopping(self, verbose=False):
        return True


OPTIMIZERS = {"sgd": SGDOptimizer, "adam": AdamOptimizer}
