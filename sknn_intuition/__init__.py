"""sknn_intuition: why neural networks work, as scikit-learn estimators.

The perceptron, the sigmoid neuron, towers of sigmoids (the universal
approximation theorem) and the feed-forward network trained by SGD and
backpropagation, each one an estimator you can fit, tune and look at.
"""

from ._feedforward import FeedForwardClassifier, FeedForwardRegressor
from ._perceptron import PerceptronClassifier
from ._persistence import trusted_types
from ._sigmoid_neuron import SigmoidNeuronClassifier
from ._tower import TowerRegressor
from .plotting import LossCurveDisplay, NetworkDiagram, TowerDisplay

__version__ = "0.1.0.dev0"

__all__ = [
    "FeedForwardClassifier",
    "FeedForwardRegressor",
    "LossCurveDisplay",
    "NetworkDiagram",
    "PerceptronClassifier",
    "SigmoidNeuronClassifier",
    "TowerDisplay",
    "TowerRegressor",
    "__version__",
    "trusted_types",
]
