"""Update rules. An optimizer turns gradients into parameter updates.

It never sees ``X`` or ``y``: it receives the list of parameter arrays and the
list of their gradients (same shapes) and updates the parameters in place.
Its whole state — current learning rate, velocities, moment estimates — is a
plain ``dict`` of numbers and arrays (``optimizer.state``), so an estimator can
keep it between ``partial_fit`` calls and still pickle, clone and persist with
skops. The allowed solver names are the keys of :data:`OPTIMIZERS`.
"""

import numpy as np


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
        if state is None or state.get("learning_rate_init") != self.learning_rate_init:
            # New, or the user changed learning_rate_init between partial_fit
            # calls: start the schedule again from the new rate.
            state = dict(state or {})
            state["learning_rate_init"] = self.learning_rate_init
            state["learning_rate"] = self.learning_rate_init
            if self.momentum > 0 and "velocities" not in state:
                state["velocities"] = [np.zeros_like(p) for p in params]
        elif self.momentum > 0 and "velocities" not in state:
            state["velocities"] = [np.zeros_like(p) for p in params]
        self.state = state

    @property
    def learning_rate(self):
        return self.state["learning_rate"]

    def update_params(self, params, grads):
        """Apply one step in place; ``grads`` are used as scratch space."""
        lr = self.state["learning_rate"]
        if self.momentum == 0:
            for p, g in zip(params, grads):
                g *= -lr
                p += g
            return
        mu = self.momentum
        for p, g, v in zip(params, grads, self.state["velocities"]):
            g *= -lr  # g now holds -lr * grad
            v *= mu
            v += g  # v = mu v - lr grad
            if self.nesterov:
                p += g
                # g is free now: hold mu v in it instead of a temporary.
                p += np.multiply(v, mu, out=g)  # p += mu v - lr grad
            else:
                p += v

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
                "ms": [np.zeros_like(p) for p in params],
                "vs": [np.zeros_like(p) for p in params],
            }
        self.state = state

    @property
    def learning_rate(self):
        return self.state["learning_rate"]

    def update_params(self, params, grads):
        s = self.state
        s["t"] += 1
        t = s["t"]
        b1, b2 = self.beta_1, self.beta_2
        self.learning_rate_init = s["learning_rate_init"] = float(self.learning_rate_init)
        lr = self.learning_rate_init * np.sqrt(1 - b2**t) / (1 - b1**t)
        s["learning_rate"] = lr
        for p, g, m, v in zip(params, grads, s["ms"], s["vs"]):
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
