"""The tour teaches: every step prints its numbers, computed by real fits, in 80 columns."""

import pathlib
import re

import numpy as np
import pytest

from sknn_intuition import _tour
from sknn_intuition.__main__ import main as module_main


@pytest.fixture(scope="module")
def walked():
    lines = []
    results = _tour.tour(out=lines.append, peers=False)
    return lines, results


def test_every_line_fits_in_80_columns(walked):
    lines, _ = walked
    too_wide = [line for line in lines if len(line) > 80]
    assert not too_wide


def test_the_steps_come_in_the_order_and_numbering_of_the_user_guide(walked):
    lines, _ = walked
    titles = [line for line in lines if re.match(r"^\d[a-z]?\. ", line)]
    assert [t.split(".")[0] for t in titles] == ["1", "2", "3", "4a", "4b", "5", "6", "7", "8"]
    words = ["function", "perceptron", "sigmoid", "tower", "towers add up", "network",
             "loss", "backpropagation", "descent"]
    for word, title in zip(words, titles):
        assert word in title.lower()
    # the same numbers as the user guide's pages
    guide = pathlib.Path(__file__).resolve().parent.parent / "docs" / "user_guide"
    for number, page in [("1", "learning_a_function"), ("2", "perceptron"),
                         ("3", "sigmoid_neuron"), ("4", "towers"), ("5", "feedforward"),
                         ("6", "training"), ("7", "backpropagation"), ("8", "sgd_paths")]:
        assert (guide / f"{page}.rst").read_text().splitlines()[2].startswith(f"{number}. ")


def test_a_line_learns_from_pairs_but_cannot_bend(walked):
    _, results = walked
    one = results["step_learning_a_function"]
    assert one["prediction"] == pytest.approx(7.0)
    assert one["line_r2"] < 0.3


def test_the_critic_judges_harshly_then_gently(walked):
    lines, results = walked
    assert results["step_perceptron"]["verdicts"] == [0, 1]
    assert abs(results["step_perceptron"]["threshold"] - 0.5) < 0.05
    text = "\n".join(lines)
    assert "rating 0.49   z = w·x + b = -0.01   verdict 0" in text
    assert "rating 0.51   z = w·x + b = +0.01   verdict 1" in text
    gentle = results["step_sigmoid"]["gentle"]
    np.testing.assert_allclose(gentle, [0.4975, 0.5025], atol=1e-3)
    assert f"rating 0.49 -> {gentle[0]:.3f}" in text


def test_the_s_sharpens_with_the_weight_and_slides_with_the_bias(walked):
    _, results = walked
    slopes = results["step_sigmoid"]["slope_at_06"]
    assert all(a < b for a, b in zip(slopes, slopes[1:]))
    centres = results["step_sigmoid"]["centres"]
    for b, centre in centres.items():
        assert centre == pytest.approx(-b / 20, abs=1e-3)


def test_one_tower_is_two_sigmoids(walked):
    lines, results = walked
    three = results["step_one_tower"]
    assert three["walls"] == pytest.approx((-0.5, 1.5))
    assert three["slope"] == pytest.approx(20.0)  # steepness 40 over a width of 2
    assert three["gap"] < 1e-6
    np.testing.assert_allclose(three["tower"], [0, 1, 1, 1, 0], atol=1e-3)
    assert "a = -0.5 and c = 1.5" in " ".join(lines)


def test_the_largest_error_halves_as_towers_double(walked):
    lines, results = walked
    errors = np.array(results["step_towers_add_up"]["errors"])
    ratios = errors[1:] / errors[:-1]
    np.testing.assert_allclose(ratios[1:], 0.5, atol=0.05)
    assert results["step_towers_add_up"]["smooth_error"] < errors[2]
    text = "\n".join(lines)
    for e in errors:
        assert f"{e:.4f}" in text


def test_a_network_bends_where_a_line_cannot(walked):
    lines, results = walked
    five = results["step_network"]
    assert five["net_r2"] > 0.95
    assert five["line_r2"] < 0.3
    text = "\n".join(lines)
    assert f"R² = {five['net_r2']:.3f}" in text
    assert f"R² = {five['line_r2']:.3f}" in text


def test_the_loss_falls(walked):
    lines, results = walked
    six = results["step_loss"]
    for curve in six["curves"].values():
        assert curve[-1] < 0.3 * curve[0]
    adam = six["curves"]["Adam (the default)"]
    assert six["loss_1000"] < adam[-1]
    assert f"{adam[-1]:.4f}" in "\n".join(lines)


def test_backpropagation_agrees_with_finite_differences(walked):
    lines, results = walked
    seven = results["step_backprop"]
    assert seven["prediction"] == pytest.approx(0.913414, abs=1e-6)
    assert seven["worst_gap"] < 1e-7
    dw, dv, db, dc = (g.ravel() for g in seven["gradients"])
    np.testing.assert_allclose(dv, [0.663267, 0.312161], atol=1e-6)
    np.testing.assert_allclose(db, [0.131205, -0.097154], atol=1e-6)
    np.testing.assert_allclose(dw, 1.5 * db)  # ∂L/∂w = δ x with x = 1.5
    assert dc[0] == pytest.approx(2 * (seven["prediction"] - 0.5))  # no factor ½
    assert "+0.826827" in "\n".join(lines)


def test_momentum_crosses_the_valley_and_divergence_is_caught(walked):
    _, results = walked
    eight = results["step_descent"]
    gaps = {k: np.hypot(*(p[-1] - eight["best"])) for k, p in eight["paths"].items()}
    assert gaps["momentum 0.9"] < gaps["plain SGD, rate 0.05"] / 3
    assert eight["caught"] == "Training diverged"


def test_the_peer_comparison_comes_last_and_fits_in_80_columns():
    lines = []
    rows = _tour.run(["PerceptronClassifier", "TowerRegressor"], out=lines.append)
    assert lines[1].startswith("Beside scikit-learn")
    assert [r["estimator"] for r in rows] == ["PerceptronClassifier", "TowerRegressor"]
    assert max(len(line) for line in lines) <= 80
    text = "\n".join(lines)
    for row in rows:
        assert f"ours {row['ours']['test_score']:.3f}" in text
        assert f"peer {row['peer']['test_score']:.3f}" in text
    n = rows[1]["ours"]["best_params"]["n_towers"]
    assert f"n_towers={n} won" in text


def test_the_command_saves_figures(tmp_path, capsys):
    pytest.importorskip("matplotlib")
    module_main(["--no-peers", "--plots", str(tmp_path)])
    out = capsys.readouterr().out
    assert "tour finished" in out
    saved = sorted(p.name for p in tmp_path.glob("*.png"))
    # one figure per step, named by the step's number
    assert [name.split("_")[0] for name in saved] == [
        "1", "2", "3", "4a", "4b", "5", "6", "7", "8"
    ]
    assert max(len(line) for line in out.splitlines()) <= 80 or str(tmp_path) in out


def test_unknown_estimators_are_refused():
    with pytest.raises(SystemExit):
        module_main(["NoSuchEstimator"])


def test_the_tour_names_the_explanation_it_follows(walked):
    lines, _ = walked
    opening = " ".join(lines[:6])
    assert "Nielsen" in opening and "3Blue1Brown" in opening
