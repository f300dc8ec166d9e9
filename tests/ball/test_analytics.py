"""Ball analytics on generated ballistic tracks with known hits, bounces, gaps, rests and a known homography."""

from __future__ import annotations

import numpy as np
import pytest

from sportlens.ball.analytics import AnalyticsSettings, Court, analyse, analytics_metrics, event_rows, rally_rows
from sportlens.ball.options import TrackOptions
from sportlens.ball.track import BallTrack
from sportlens.camera import COURT_SIZES_M, apply_homography, court_corners_m
from sportlens.options import OptionError

W, H = 1280, 720
G = 1000.0  # px/s^2, downwards in the image


def flights(start, legs, fps, g=G) -> np.ndarray:
    """(n, 2) image positions: legs of (start velocity (vx, vy) px/s, seconds) under gravity g, each leg starting
    where the last one ended (a hit or a bounce changes the velocity at once)."""
    pts, p = [], np.asarray(start, float)
    for (vx, vy), seconds in legs:
        n = int(round(seconds * fps))
        t = np.arange(n) / fps
        pts.append(np.column_stack([p[0] + vx * t, p[1] + vy * t + 0.5 * g * t**2]))
        T = n / fps
        p = np.array([p[0] + vx * T, p[1] + vy * T + 0.5 * g * T**2])
    return np.concatenate(pts)


def track_of(points, fps, noise=0.0, seed=0) -> BallTrack:
    points = np.asarray(points, float) + np.random.default_rng(seed).normal(0, noise, np.shape(points))
    return BallTrack.from_points(np.clip(points, 0, [W, H]), None, W, H, fps)


RALLY = [((800, -500), 1.0), ((-800, -500), 1.0), ((800, -500), 1.0)]  # hits at 1 s and 2 s


@pytest.mark.parametrize("fps", [30, 60])
@pytest.mark.parametrize("noise", [0.0, 1.5])
def test_hits_of_a_rally_at_any_frame_rate_and_with_jitter(fps, noise):
    result = analyse(track_of(flights((200, 600), RALLY, fps), fps, noise))
    assert [e.frame for e in result.hits] == [fps, 2 * fps] and not result.bounces
    assert [round(e.turn_deg) for e in result.hits] == pytest.approx([180, 180], abs=3)
    assert len(result.rallies) == 1 and (result.rallies[0].start_frame, result.rallies[0].end_frame) == (0, 3 * fps - 1)
    # speed: |(800, -500 + G t)| runs from 943 px/s down to 800 at the apex (0.5 s) and back up to 943
    speed = result.speed_px_s
    assert np.nanpercentile(speed, 2) == pytest.approx(800, rel=0.01 + noise * 0.02)
    assert np.nanmax(speed) == pytest.approx(943.4, rel=0.05)
    assert np.nanmedian(speed) == pytest.approx(np.median(np.hypot(800, -500 + G * (np.arange(fps) / fps))), rel=0.02)


def test_an_apex_where_the_image_direction_reverses_is_not_a_hit():
    # a high lob seen from behind: nearly vertical in the image, it goes up, stops, comes down
    for noise, seed in ((0.0, 0), (1.0, 1), (2.0, 2)):
        result = analyse(track_of(flights((600, 700), [((40, -1100), 1.6)], 30, g=1300), 30, noise, seed))
        assert result.events == [] and len(result.rallies) == 1


def test_bounces_are_told_from_hits_only_when_asked():
    # tennis from the side: the ball falls, bounces at 0.6 s (vertical speed reversed, 30 % lost), is hit at 1.1 s
    legs = [((700, 0), 0.6), ((700, -0.7 * G * 0.6), 0.5), ((-900, -400), 0.8)]
    points = flights((100, 300), legs, 30)
    plain = analyse(track_of(points, 30, 1.0))
    assert [(e.frame, e.kind) for e in plain.events] == [(18, "hit"), (33, "hit")]
    tennis = analyse(track_of(points, 30, 1.0), AnalyticsSettings(bounces=True))
    assert [(e.frame, e.kind) for e in tennis.events] == [(18, "bounce"), (33, "hit")]
    assert analytics_metrics(tennis)["shots"] == 1 and analytics_metrics(tennis)["bounces"] == 1
    rows = rally_rows(tennis)
    assert [(r["shots"], r["bounces"]) for r in rows] == [(1, 1)]


def test_a_hit_hidden_in_a_gap_is_found_from_the_flights_around_it():
    points = flights((200, 600), RALLY[:2], 30)
    hidden = points.copy()
    hidden[27:34] = np.nan  # the player covers the ball for 7 frames around the hit at frame 30
    result = analyse(track_of(hidden, 30))
    (hit,) = result.hits
    assert hit.in_gap and hit.frame == 30 and hit.turn_deg == pytest.approx(180, abs=2)
    # straight-line extensions of the two flights: within 2 % of the frame width of the true hit point
    assert np.hypot(hit.x - points[30, 0], hit.y - points[30, 1]) < 0.02 * W
    # speed is not computed across the gap
    assert np.isnan(result.speed_px_s[27:34]).all() and np.isfinite(result.speed_px_s[:27]).all()


def test_rallies_split_by_a_long_gap_and_by_the_ball_at_rest():
    fps = 30
    rally = flights((200, 600), RALLY[:2], fps)  # 2 s
    rest = np.repeat([[640.0, 690.0]], 45, axis=0) + np.random.default_rng(0).normal(0, 0.5, (45, 2))  # 1.5 s
    gap = np.full((60, 2), np.nan)  # 2 s without the ball
    short = flights((300, 500), [((600, -200), 0.3)], fps)  # 0.3 s: too short to be a rally
    points = np.concatenate([rally, rest, rally, gap, rally, gap, short])
    result = analyse(track_of(points, fps))
    starts = [(r.start_frame, r.end_frame) for r in result.rallies]
    # the first and last frames at rest (60, 104) still count: their speed windows reach into the flights
    assert starts == [(0, 60), (104, 164), (225, 284)]
    assert [e.frame for e in result.hits] == [30, 135, 255]
    assert [row["shots"] for row in rally_rows(result)] == [1, 1, 1]
    assert [row["rally"] for row in event_rows(result)] == [1, 2, 3]
    assert analytics_metrics(result)["rallies"] == 3


def test_court_speed_and_landing_point_through_a_known_homography():
    # a tennis court seen in perspective; the ball rolls along the court plane at 20 m/s, 2 m from the left
    # sideline, from the far baseline towards the net
    width, length = COURT_SIZES_M["tennis"]
    corners_px = np.array([[420.0, 180.0], [860.0, 180.0], [1180.0, 660.0], [100.0, 660.0]])
    court = Court.from_corners(corners_px, width, length, "tennis")
    to_image = np.linalg.inv(court.homography)
    fps = 50
    t = np.arange(25) / fps
    ground = np.column_stack([np.full_like(t, 2.0), 1.0 + 20.0 * t])
    track = BallTrack.from_points(apply_homography(to_image, ground), None, W, H, fps)
    result = analyse(track, court=court)
    assert result.court_m == pytest.approx(ground, abs=1e-6)
    assert np.nanmedian(result.speed_mps) == pytest.approx(20.0, rel=1e-3)
    assert analytics_metrics(result)["max_speed_mps"] == pytest.approx(20.0, rel=1e-3)
    (row,) = rally_rows(result)
    assert (row["end_court_x_m"], row["end_court_y_m"]) == pytest.approx((2.0, 1.0 + 20.0 * 24 / fps), abs=0.01)
    # the corners map onto the court's corners
    assert court.to_court(corners_px) == pytest.approx(court_corners_m(width, length), abs=1e-9)


def test_court_options_are_checked():
    ok = TrackOptions(model="classic", court="420,180,860,180,1180,660,100,660", court_size="badminton")
    assert ok.court == (420, 180, 860, 180, 1180, 660, 100, 660) and ok.court_dimensions() == (6.1, 13.4, "badminton")
    assert TrackOptions(model="classic", court=[1, 2, 3, 4, 5, 6, 7, 8], court_size="8,20").court_dimensions() == \
        (8.0, 20.0, "")
    with pytest.raises(OptionError, match="--court needs 8 comma-separated numbers"):
        TrackOptions(model="classic", court="1,2,3", court_size="tennis")
    with pytest.raises(OptionError, match="--court needs --court-size"):
        TrackOptions(model="classic", court="1,2,3,4,5,6,7,8")
    with pytest.raises(OptionError, match="--court-size needs --court"):
        TrackOptions(model="classic", court_size="tennis")
    with pytest.raises(OptionError, match="--court-size must be two positive lengths"):
        TrackOptions(model="classic", court="1,2,3,4,5,6,7,8", court_size="0,20")


def test_the_named_courts_of_the_options_are_the_cameras():
    from sportlens.ball.options import COURT_NAMES

    assert set(COURT_NAMES) == set(COURT_SIZES_M)


def test_an_empty_track_has_no_events_and_no_speed():
    result = analyse(BallTrack.empty(40, W, H, 30.0))
    assert result.events == [] and result.rallies == [] and np.isnan(result.speed_px_s).all()
    assert analytics_metrics(result) == {"shots": 0, "rallies": 0, "max_speed_px_s": None, "median_speed_px_s": None}
