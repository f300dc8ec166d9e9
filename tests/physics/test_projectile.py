import numpy as np
import pytest

from sportlens.physics import Drag, best_release_angle, projectile
from sportlens.physics.projectile import optimal_angle_closed_form

G = 9.80665


@pytest.mark.parametrize(
    ("v", "angle", "h"), [(10.0, 45.0, 0.0), (13.0, 38.0, 2.1), (20.0, 10.0, 1.0), (8.0, 0.0, 1.8)]
)
def test_no_drag_matches_closed_form(v, angle, h):
    th = np.radians(angle)
    vy = v * np.sin(th)
    flight = (vy + np.sqrt(vy**2 + 2 * G * h)) / G
    traj = projectile(v, angle, height_m=h)
    assert traj.flight_time_s == pytest.approx(flight, rel=1e-12)
    # range with release height: the square under the root is v^2 sin^2(theta)
    assert traj.range_m == pytest.approx(
        v * np.cos(th) / G * (v * np.sin(th) + np.sqrt((v * np.sin(th)) ** 2 + 2 * G * h))
    )
    assert traj.apex_m == pytest.approx(h + vy**2 / (2 * G))
    # the path follows y = h + x tan(theta) - g x^2 / (2 v^2 cos^2(theta))
    expected_y = h + traj.x_m * np.tan(th) - G * traj.x_m**2 / (2 * v**2 * np.cos(th) ** 2)
    assert traj.y_m == pytest.approx(expected_y, abs=1e-9)
    assert (traj.range, traj.apex, traj.flight_time) == (traj.range_m, traj.apex_m, traj.flight_time_s)
    assert traj.y_m[-1] == 0.0 and traj.x_m[0] == 0.0


def test_level_ground_range_formula():
    assert projectile(10.0, 30.0).range_m == pytest.approx(100 * np.sin(np.radians(60)) / G)


def test_drag_solver_reproduces_no_drag_when_drag_is_tiny():
    tiny = Drag(drag_coefficient=1e-12, area_m2=1e-12, mass_kg=1.0)
    a, b = projectile(15.0, 40.0, 1.5, drag=tiny), projectile(15.0, 40.0, 1.5)
    assert a.range_m == pytest.approx(b.range_m, rel=1e-7)
    assert a.apex_m == pytest.approx(b.apex_m, rel=1e-7)
    assert a.flight_time_s == pytest.approx(b.flight_time_s, rel=1e-7)


def test_drag_shortens_range_and_lowers_apex():
    football = Drag.ball(diameter_m=0.22, mass_kg=0.43, drag_coefficient=0.25)
    free, dragged = projectile(25.0, 35.0), projectile(25.0, 35.0, drag=football)
    assert dragged.range_m < free.range_m
    assert dragged.apex_m < free.apex_m
    assert 0.5 * free.range_m < dragged.range_m < 0.8 * free.range_m  # k v^2 is about g at 25 m/s here
    assert dragged.y_m[-1] == 0.0


def test_drag_against_analytic_vertical_rise():
    # straight up with quadratic drag: apex = ln(1 + k v0^2 / g) / (2 k)
    ball = Drag.ball(0.07, 0.058, 0.55)
    k, v0 = ball.k_per_m, 30.0
    traj = projectile(v0, 90.0, drag=ball)
    assert traj.apex_m == pytest.approx(np.log(1 + k * v0**2 / G) / (2 * k), rel=1e-6)
    assert traj.range_m == pytest.approx(0.0, abs=1e-6)


def test_best_release_angle_level_ground_is_45():
    angle, rng = best_release_angle(12.0)
    assert angle == pytest.approx(45.0, abs=1e-3)
    assert rng == pytest.approx(144 / G, rel=1e-9)


@pytest.mark.parametrize(("v", "h"), [(13.0, 2.1), (8.0, 2.0), (25.0, 1.0)])
def test_best_release_angle_with_height_is_below_45(v, h):
    angle, rng = best_release_angle(v, height_m=h)
    assert angle < 45.0
    assert angle == pytest.approx(optimal_angle_closed_form(v, h), abs=1e-3)
    # closed-form best range with height: (v / g) sqrt(v^2 + 2 g h)
    assert rng == pytest.approx(v / G * np.sqrt(v**2 + 2 * G * h), rel=1e-8)


def test_best_angle_with_drag_is_lower_still():
    shot_put_angle, _ = best_release_angle(13.0, 2.1)
    ball = Drag.ball(0.22, 0.43, 0.25)
    dragged, _ = best_release_angle(25.0, 0.0, drag=ball)
    assert shot_put_angle == pytest.approx(optimal_angle_closed_form(13.0, 2.1), abs=1e-3)
    assert 30.0 < dragged < 45.0


def test_invalid_inputs():
    with pytest.raises(ValueError, match="speed_mps"):
        projectile(-1.0, 45.0)
    with pytest.raises(ValueError, match="angle_deg"):
        projectile(10.0, 120.0)
    with pytest.raises(ValueError, match="height_m"):
        projectile(10.0, 45.0, height_m=-1.0)
    with pytest.raises(ValueError, match="mass_kg must be positive"):
        Drag(0.5, 0.01, 0.0)
