"""
===============================================
Tuning a network with Pipeline and GridSearchCV
===============================================

The estimators are scikit-learn estimators: they go into a
:class:`~sklearn.pipeline.Pipeline`, are tuned by
:class:`~sklearn.model_selection.GridSearchCV` and scored by
cross-validation like any other. Here a
:class:`~sklearn.preprocessing.StandardScaler` followed by a
:class:`~sknn_intuition.FeedForwardClassifier` is tuned on the breast cancer
dataset bundled with scikit-learn, over the two knobs the explanation names —
the width of the hidden layer and its activation (60 epochs of Adam each).
"""

import matplotlib.pyplot as plt
import pandas as pd
from sklearn.datasets import load_breast_cancer
from sklearn.model_selection import GridSearchCV, train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sknn_intuition import FeedForwardClassifier

X, y = load_breast_cancer(return_X_y=True)
X_train, X_test, y_train, y_test = train_test_split(X, y, stratify=y, random_state=0)

pipe = make_pipeline(
    StandardScaler(),
    FeedForwardClassifier(learning_rate_init=0.01, max_iter=60, tol=None, random_state=0),
)
grid = {
    "feedforwardclassifier__hidden_layer_sizes": [(2,), (8,), (32,)],
    "feedforwardclassifier__activation": ["sigmoid", "tanh", "relu"],
}
search = GridSearchCV(pipe, grid, cv=3).fit(X_train, y_train)
print("best parameters:", search.best_params_)
print(f"cross-validated accuracy: {search.best_score_:.3f}")
print(f"held-out accuracy: {search.score(X_test, y_test):.3f}")

# %%
# The grid at a glance
# --------------------
# Mean cross-validated accuracy for each width and activation. On this
# nearly linearly separable dataset even two hidden neurons do well; the grid
# search measures it rather than guessing.
results = pd.DataFrame(search.cv_results_)
results["width"] = results["param_feedforwardclassifier__hidden_layer_sizes"].map(lambda t: t[0])
results["activation"] = results["param_feedforwardclassifier__activation"]
table = results.pivot_table(
    index="activation", columns="width", values="mean_test_score", aggfunc="mean"
)

fig, ax = plt.subplots(figsize=(6, 3.6))
im = ax.imshow(table.values, cmap="viridis", vmin=0.9, vmax=1.0)
ax.set_xticks(range(table.shape[1]), [f"{w} neurons" for w in table.columns])
ax.set_yticks(range(table.shape[0]), table.index)
for i in range(table.shape[0]):
    for j in range(table.shape[1]):
        ax.text(j, i, f"{table.values[i, j]:.3f}", ha="center", va="center", color="w")
ax.set(title="GridSearchCV: mean accuracy over 3 folds", xlabel="hidden layer width")
fig.colorbar(im, ax=ax)
fig.tight_layout()
plt.show()

# %%
# The full table of the search, best first:
columns = ["params", "mean_test_score", "std_test_score", "mean_fit_time"]
results.sort_values("rank_test_score")[columns].head(8).round(4)
