import numpy as np
import pytest

from sportlens.physics import (
    court_homography,
    impulse,
    moment_of_inertia,
    momentum,
    parallel_axis,
    speed_from_track,
    takeoff_velocity_from_force,
    velocity_change,
)
from sportlens.physics.inertia import SEGMENT_MODELS, angular_momentum
from sportlens.physics.speed import to_metres

G = 9.80665


def test_momentum_and_impulse():
    assert momentum(0.43, 30.0) == pytest.approx(12.9)
    assert momentum(2.0, [1.0, -3.0]) == pytest.approx([2.0, -6.0])
    t = np.linspace(0, 0.5, 501)
    assert impulse(np.full_like(t, 100.0), t) == pytest.approx(50.0)
    # half-sine force peak F over duration d: impulse 2 F d / pi
    assert impulse(800 * np.sin(np.pi * t / 0.5), t) == pytest.approx(2 * 800 * 0.5 / np.pi, rel=1e-5)
    assert velocity_change(50.0, 0.5) == pytest.approx(100.0)
    with pytest.raises(ValueError, match="mass_kg must be positive"):
        momentum(0.0, 1.0)


def test_takeoff_velocity_from_force_plate():
    mass, d = 70.0, 0.3
    t = np.linspace(0, d, 3001)
    extra = 1200 * np.sin(np.pi * t / d)  # above body weight
    v = takeoff_velocity_from_force(mass * G + extra, t, mass)
    assert v == pytest.approx(2 * 1200 * d / np.pi / mass, rel=1e-5)


def test_segment_models_and_parallel_axis():
    m, length, r = 3.0, 0.4, 0.05
    centre = moment_of_inertia("rod-centre", m, length_m=length)
    assert centre == pytest.approx(m * length**2 / 12)
    # rod about its end = about its centre + m (L/2)^2
    assert moment_of_inertia("rod-end", m, length_m=length) == pytest.approx(parallel_axis(centre, m, length / 2))
    cyl = moment_of_inertia("cylinder-centre", m, length_m=length, radius_m=r)
    assert moment_of_inertia("cylinder-end", m, length_m=length, radius_m=r) == pytest.approx(
        parallel_axis(cyl, m, length / 2)
    )
    assert moment_of_inertia("solid-sphere", 7.26, radius_m=0.06) == pytest.approx(0.4 * 7.26 * 0.0036)
    assert moment_of_inertia("hollow-sphere", 0.6, radius_m=0.12) == pytest.approx(2 / 3 * 0.6 * 0.0144)
    assert angular_momentum(2.0, 3.0) == 6.0
    assert all(spec.needs for spec in SEGMENT_MODELS.values())
    with pytest.raises(ValueError, match="unknown segment model 'cone'"):
        moment_of_inertia("cone", 1.0, radius_m=1.0)
    with pytest.raises(ValueError, match="needs length_m"):
        moment_of_inertia("rod-end", 1.0, radius_m=1.0)


def test_speed_from_track_with_scale_skips_missing_points():
    t = np.arange(10) / 30.0
    x = 100 + 300 * t / 0.02 * 0.02  # 300 px/s
    y = np.full_like(t, 50.0)
    x[4] = np.nan  # ball not seen in frame 4
    s = speed_from_track(t, x, y, m_per_px=0.05)  # 300 px/s * 0.05 = 15 m/s
    assert s.n_points == 9
    assert s.speed_mps == pytest.approx(np.full(8, 15.0))
    assert s.mean_speed_mps == pytest.approx(15.0)
    assert s.fit_speed_mps == pytest.approx(15.0)
    with pytest.raises(ValueError, match="exactly one of"):
        speed_from_track(t, x, y)


def test_court_homography_recovers_a_known_projection():
    # a tennis court (23.77 m x 10.97 m) seen by a camera: image = H_true(court)
    h_true = np.array([[40.0, 8.0, 300.0], [2.0, -15.0, 700.0], [0.001, 0.02, 1.0]])
    court = np.array([[0, 0], [10.97, 0], [10.97, 23.77], [0, 23.77], [5.485, 6.4], [5.485, 17.37]])
    image = to_metres(court[:, 0], court[:, 1], homography=h_true)
    h = court_homography(image, court)
    assert to_metres(image[:, 0], image[:, 1], homography=h) == pytest.approx(court, abs=1e-8)
    # a ball moving 20 m/s along the court, tracked in the image
    t = np.arange(8) / 50.0
    path = np.column_stack([np.full_like(t, 3.0), 2.0 + 20.0 * t])
    px = to_metres(path[:, 0], path[:, 1], homography=h_true)
    s = speed_from_track(t, px[:, 0], px[:, 1], homography=h)
    assert s.mean_speed_mps == pytest.approx(20.0, rel=1e-8)
    assert s.fit_speed_mps == pytest.approx(20.0, rel=1e-8)
    with pytest.raises(ValueError, match="at least 4"):
        court_homography(image[:3], court[:3])


def test_physics_input_errors():
    t = np.arange(4) / 10.0
    x = np.arange(4.0)
    with pytest.raises(ValueError, match="m_per_px must be positive"):
        speed_from_track(t, x, x, m_per_px=0.0)
    with pytest.raises(ValueError, match="at least 2 visible points"):
        speed_from_track(t, np.array([1.0, np.nan, np.nan, np.nan]), x, m_per_px=1.0)
    with pytest.raises(ValueError, match="time_s must increase"):
        speed_from_track(t[::-1], x, x, m_per_px=1.0)
    line = np.column_stack([np.arange(5.0), np.arange(5.0)])
    with pytest.raises(ValueError, match="degenerate"):
        court_homography(line, line * 2)
    with pytest.raises(ValueError, match="must be positive"):
        moment_of_inertia("rod-end", 1.0, length_m=-0.3)
    with pytest.raises(ValueError, match="same length"):
        impulse([1.0, 2.0], [0.0])
