"""The tour teaches: every step prints its numbers, computed by real fits, in 80 columns."""

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


def test_the_six_steps_come_in_the_order_of_the_explanation(walked):
    lines, _ = walked
    titles = [line for line in lines if re.match(r"^\d\. ", line)]
    assert [t[0] for t in titles] == list("123456")
    for word, title in zip(
        ["perceptron", "sigmoid", "tower", "towers add up", "network", "loss"], titles
    ):
        assert word in title.lower()


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


def test_the_peer_comparison_comes_last_and_fits_in_80_columns():
    lines = []
    rows = _tour.run(["PerceptronClassifier", "TowerRegressor"], out=lines.append)
    assert lines[1].startswith("7. ")
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
    assert len(list(tmp_path.glob("*.png"))) == 4
    assert max(len(line) for line in out.splitlines()) <= 80 or str(tmp_path) in out


def test_unknown_estimators_are_refused():
    with pytest.raises(SystemExit):
        module_main(["NoSuchEstimator"])
