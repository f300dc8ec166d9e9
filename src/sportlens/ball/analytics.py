"""Analytics on any ball track (no video needed): speed per frame, shots (hits) and bounces from direction
changes, rally segments, and with four court corners the court position and speed in metres.

Every threshold is in seconds or relative to the frame width, so the same settings fit any frame rate and
resolution; nothing assumes a ball or shuttle size. Velocities come from straight-line fits over short windows
of consecutive visible frames; nothing is computed across a gap the post-processing left empty.

A hit turns the ball abruptly: over a window around the frame, two straight lines that meet at the frame
explain the positions much better than one parabola (constant acceleration). An apex or a slow curve is a
parabola, so it is not taken for a hit even when the ball's image direction reverses there.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from sportlens.ball.track import BallTrack
from sportlens.signals import finite_runs

HIT, BOUNCE = "hit", "bounce"


@dataclass(frozen=True)
class AnalyticsSettings:
    """Thresholds of the ball analytics (seconds, degrees, or fractions of the frame width)."""

    speed_window_s: float = 0.1  # velocity from a straight-line fit over this long a window (>= 3 frames)
    turn_window_s: float = 0.1  # the in- and out-going velocity of a turn each from this long a window
    min_turn_deg: float = 30.0  # a hit turns the ball's image direction by at least this
    kink_ratio: float = 3.0  # a hit: one parabola leaves this many times the misfit of two lines meeting there
    min_speed: float = 0.1  # frame widths per second: slower on either side is not a hit (jitter)
    min_event_gap_s: float = 0.2  # two events closer than this are one (the sharper turn is kept)
    max_hit_gap_s: float = 0.4  # a hit hidden in a gap this short is found from the flights on both sides
    rally_gap_s: float = 1.0  # a gap longer than this ends a rally
    still_speed: float = 0.05  # frame widths per second: slower than this the ball is at rest ...
    still_s: float = 0.5  # ... and at rest this long ends a rally
    min_rally_s: float = 0.5  # shorter stretches of ball in play are not rallies
    bounces: bool = False  # tennis: tell bounces from hits
    max_bounce_gain: float = 1.0  # a bounce does not speed the ball up in the image (a hit does)

    def __post_init__(self) -> None:
        for name in ("speed_window_s", "turn_window_s", "min_turn_deg", "kink_ratio", "min_speed", "min_event_gap_s",
                     "max_hit_gap_s", "rally_gap_s", "still_speed", "still_s", "min_rally_s", "max_bounce_gain"):
            if not getattr(self, name) > 0:
                raise ValueError(f"{name} must be positive, got {getattr(self, name)}")


@dataclass(frozen=True)
class Event:
    """A direction change: a hit or a bounce at frame (x, y in source pixels), with the turn and the speeds."""

    frame: int
    time_s: float
    kind: str
    x: float
    y: float
    turn_deg: float
    speed_in_px_s: float
    speed_out_px_s: float
    in_gap: bool  # found between two flights across a gap, not on visible frames


@dataclass(frozen=True)
class Rally:
    start_frame: int
    end_frame: int  # inclusive: the last frame with the ball
    fps: float

    @property
    def start_s(self) -> float:
        return self.start_frame / self.fps

    @property
    def end_s(self) -> float:
        return self.end_frame / self.fps

    @property
    def duration_s(self) -> float:
        return (self.end_frame - self.start_frame + 1) / self.fps


@dataclass(frozen=True)
class Court:
    """The homography from image pixels to a flat court (metres) and the court's size."""

    homography: np.ndarray
    width_m: float
    length_m: float
    name: str = ""

    @classmethod
    def from_corners(cls, corners_px, width_m: float, length_m: float, name: str = "") -> Court:
        """corners_px: (4, 2) image points of the court's far-left, far-right, near-right, near-left corners."""
        from sportlens.camera import court_corners_m, court_homography

        h = court_homography(np.asarray(corners_px, float).reshape(4, 2), court_corners_m(width_m, length_m))
        return cls(h, width_m, length_m, name)

    def to_court(self, points_px: np.ndarray) -> np.ndarray:
        """(n, 2) image points -> (n, 2) court metres (NaN rows stay NaN)."""
        from sportlens.camera import apply_homography

        return apply_homography(self.homography, points_px)


@dataclass(frozen=True)
class BallAnalytics:
    """What the analytics found on one track."""

    speed_px_s: np.ndarray  # (n,) NaN where no ball or no velocity (a run of one frame)
    events: list[Event]
    rallies: list[Rally]
    court_m: np.ndarray | None = None  # (n, 2) ball position projected on the court plane, NaN where no ball
    speed_mps: np.ndarray | None = None  # (n,) speed of that projection
    settings: AnalyticsSettings = field(default_factory=AnalyticsSettings)
    court: Court | None = None
    visible: np.ndarray | None = None  # (n,) bool, the track's

    @property
    def hits(self) -> list[Event]:
        return [e for e in self.events if e.kind == HIT]

    @property
    def bounces(self) -> list[Event]:
        return [e for e in self.events if e.kind == BOUNCE]

    def rally_of(self, frame: int) -> int | None:
        """1-based number of the rally holding frame, or None."""
        for k, r in enumerate(self.rallies):
            if r.start_frame <= frame <= r.end_frame:
                return k + 1
        return None


def _frames(seconds: float, fps: float, least: int) -> int:
    return max(least, int(round(seconds * fps)))


def _slope_kernel(n: int) -> np.ndarray:
    """Weights whose dot product with n equally spaced samples is their least-squares slope per sample."""
    i = np.arange(n, dtype=float) - (n - 1) / 2
    return i / (i**2).sum()


def _pieces(mask: np.ndarray, cuts=()) -> list[tuple[int, int]]:
    """The runs of mask, each cut again before every frame in cuts (a hit starts a new flight)."""
    out = []
    for start, stop in finite_runs(mask):
        inner = sorted(c for c in cuts if start < c < stop)
        out += list(zip([start, *inner], [*inner, stop], strict=True))
    return out


def velocity(track: BallTrack, window_s: float = 0.1, points: np.ndarray | None = None, cuts=()) -> np.ndarray:
    """(n, 2) velocity per frame (units of `points`, default source pixels, per second): the slope of a
    straight-line fit over a centred window of window_s (at least 3 frames) inside each run of visible frames,
    runs cut at the frames in `cuts` (hits: no window averages the ball's in- and out-going flight); shorter
    runs use differences; NaN where not visible or in a run of one frame."""
    from scipy.signal import savgol_filter

    pts = track.points() if points is None else np.asarray(points, float)
    out = np.full((len(track), 2), np.nan)
    window = _frames(window_s, track.fps, 3) | 1  # odd
    for start, stop in _pieces(track.visible & np.isfinite(pts).all(axis=1), cuts):
        run = pts[start:stop]
        if len(run) < 2:
            continue
        if len(run) >= window:
            out[start:stop] = savgol_filter(run, window, 1, deriv=1, axis=0, mode="interp")
        else:
            out[start:stop] = np.gradient(run, axis=0)
    return out * track.fps


def speed_px_s(track: BallTrack, window_s: float = 0.1, cuts=()) -> np.ndarray:
    """(n,) ball speed in the image, px/s (NaN where not visible or no velocity); cuts: hit frames."""
    return np.hypot(*velocity(track, window_s, cuts=cuts).T)


def _angle_deg(a: np.ndarray, b: np.ndarray) -> float:
    na, nb = np.hypot(*a), np.hypot(*b)
    if na == 0 or nb == 0:
        return 0.0
    return float(np.degrees(np.arccos(np.clip(np.dot(a, b) / (na * nb), -1.0, 1.0))))


def _kink_ratio(t: np.ndarray, pts: np.ndarray) -> float:
    """Misfit of one parabola over that of two straight lines meeting at t = 0 (both three parameters a
    coordinate), for points (m, 2) at times t (m,) in frames."""
    quad = np.column_stack([np.ones_like(t), t, t**2])
    kink = np.column_stack([np.ones_like(t), np.minimum(t, 0), np.maximum(t, 0)])
    sse = []
    for basis in (quad, kink):
        coef, *_ = np.linalg.lstsq(basis, pts, rcond=None)
        sse.append(float(((basis @ coef - pts) ** 2).sum()))
    return sse[0] / max(sse[1], 1e-9)


def _turns(a: np.ndarray, b: np.ndarray) -> bool:
    """A sign change of the horizontal or vertical velocity between a and b."""
    return bool(np.any(np.sign(a) * np.sign(b) < 0))


def _visible_turns(track: BallTrack, s: AnalyticsSettings) -> list[Event]:
    """Hits on runs of visible frames: the turn between the fits over the w frames before and after a frame."""
    w = _frames(s.turn_window_s, track.fps, 3)
    kernel = _slope_kernel(w + 1)
    pts = track.points()
    min_speed = s.min_speed * track.width
    events = []
    for start, stop in finite_runs(track.visible):
        if stop - start < 2 * w + 1:
            continue
        run = pts[start:stop]
        # slope of the w + 1 points ending at k (left) and starting at k (right), for k = w .. len - w - 1
        windows = np.lib.stride_tricks.sliding_window_view(run, w + 1, axis=0)  # (len - w, 2, w + 1)
        slopes = windows @ kernel * track.fps  # (len - w, 2)
        left, right = slopes[:-w], slopes[w:]
        for j in range(len(left)):
            k = j + w
            v_in, v_out = left[j], right[j]
            if np.hypot(*v_in) < min_speed or np.hypot(*v_out) < min_speed or not _turns(v_in, v_out):
                continue
            turn = _angle_deg(v_in, v_out)
            if turn < s.min_turn_deg:
                continue
            # the kink over up to twice the window: a tracker rounds the corner of a hit over a frame or two
            wk = min(2 * w, k, len(run) - 1 - k)
            t = np.arange(-wk, wk + 1, dtype=float)
            if _kink_ratio(t, run[k - wk:k + wk + 1]) < s.kink_ratio:
                continue
            frame = start + k
            events.append(Event(frame, frame / track.fps, HIT, float(pts[frame, 0]), float(pts[frame, 1]), turn,
                                float(np.hypot(*v_in)), float(np.hypot(*v_out)), False))
    return events


def _gap_turns(track: BallTrack, s: AnalyticsSettings) -> list[Event]:
    """Hits hidden in short gaps (the racket or the player covers the ball): the flights on both sides of the
    gap point in turned directions. The hit is placed where their straight-line extensions come closest."""
    w = _frames(s.turn_window_s, track.fps, 3)
    max_gap = _frames(s.max_hit_gap_s, track.fps, 1)
    min_speed = s.min_speed * track.width
    pts = track.points()
    runs = [r for r in finite_runs(track.visible) if r[1] - r[0] >= 3]
    events = []
    for (a0, a1), (b0, b1) in zip(runs[:-1], runs[1:], strict=True):
        gap = b0 - a1
        if gap < 1 or gap > max_gap:
            continue
        left, right = pts[max(a0, a1 - w - 1):a1], pts[b0:min(b1, b0 + w + 1)]
        v_in = left.T @ _slope_kernel(len(left)) * track.fps
        v_out = right.T @ _slope_kernel(len(right)) * track.fps
        if np.hypot(*v_in) < min_speed or np.hypot(*v_out) < min_speed or not _turns(v_in, v_out):
            continue
        turn = _angle_deg(v_in, v_out)
        if turn < s.min_turn_deg:
            continue
        frames = np.arange(a1 - 1, b0 + 1)
        from_left = pts[a1 - 1] + np.outer(frames - (a1 - 1), v_in / track.fps)
        from_right = pts[b0] + np.outer(frames - b0, v_out / track.fps)
        k = int(np.argmin(np.hypot(*(from_left - from_right).T)))
        frame = int(frames[k])
        x, y = (from_left[k] + from_right[k]) / 2
        x, y = float(np.clip(x, 0, track.width)), float(np.clip(y, 0, track.height))
        events.append(Event(frame, frame / track.fps, HIT, x, y, turn, float(np.hypot(*v_in)),
                            float(np.hypot(*v_out)), True))
    return events


def _keep_apart(events: list[Event], gap_frames: int) -> list[Event]:
    """Of events closer than gap_frames, keep the sharpest turn."""
    kept: list[Event] = []
    for e in sorted(events, key=lambda e: -e.turn_deg):
        if all(abs(e.frame - k.frame) >= gap_frames for k in kept):
            kept.append(e)
    return sorted(kept, key=lambda e: e.frame)


def _as_bounce(e: Event, v_in: np.ndarray, v_out: np.ndarray, s: AnalyticsSettings) -> bool:
    """Tennis: downward in the image before, upward after, the horizontal direction kept (or slow), and no
    speed gained (a racket adds speed, the ground takes some)."""
    down_up = v_in[1] > 0 > v_out[1]
    sideways_kept = v_in[0] * v_out[0] >= 0 or max(abs(v_in[0]), abs(v_out[0])) < 0.25 * np.hypot(*v_in)
    return bool(down_up and sideways_kept and e.speed_out_px_s <= s.max_bounce_gain * e.speed_in_px_s)


def _directions(track: BallTrack, e: Event, w: int) -> tuple[np.ndarray, np.ndarray]:
    """The in- and out-going velocity around an event from the visible frames within w before and after."""
    pts, vis = track.points(), track.visible
    before = [k for k in range(max(0, e.frame - w - (1 if e.in_gap else 0)), e.frame + 1) if vis[k]]
    after = [k for k in range(e.frame, min(len(track), e.frame + w + 1)) if vis[k]]
    if e.in_gap:  # the flights on each side of the gap
        before = [k for k in range(e.frame, -1, -1) if vis[k]][:w + 1][::-1]
        after = [k for k in range(e.frame + 1, len(track)) if vis[k]][:w + 1]

    def fit(idx):
        if len(idx) < 2:
            return np.zeros(2)
        return np.polyfit(np.asarray(idx, float), pts[idx], 1)[0] * track.fps

    return fit(before), fit(after)


def find_events(track: BallTrack, settings: AnalyticsSettings | None = None) -> list[Event]:
    """Hits (and with settings.bounces, bounces) in frame order."""
    s = settings or AnalyticsSettings()
    events = _keep_apart(_visible_turns(track, s) + _gap_turns(track, s), _frames(s.min_event_gap_s, track.fps, 1))
    if not s.bounces:
        return events
    w = _frames(s.turn_window_s, track.fps, 3)
    out = []
    for e in events:
        v_in, v_out = _directions(track, e, w)
        out.append(Event(**{**e.__dict__, "kind": BOUNCE}) if _as_bounce(e, v_in, v_out, s) else e)
    return out


def find_rallies(track: BallTrack, speed: np.ndarray, settings: AnalyticsSettings | None = None) -> list[Rally]:
    """Ball in play: visible frames joined across gaps up to rally_gap_s, cut where the ball rests
    (speed below still_speed for still_s or longer), kept when they last min_rally_s or longer."""
    s = settings or AnalyticsSettings()
    vis = track.visible.copy()
    still = vis & (np.nan_to_num(speed, nan=np.inf) < s.still_speed * track.width)
    still_frames = _frames(s.still_s, track.fps, 2)
    for start, stop in finite_runs(still):
        if stop - start >= still_frames:
            vis[start:stop] = False
    gap_frames = _frames(s.rally_gap_s, track.fps, 1)
    spans: list[list[int]] = []
    for start, stop in finite_runs(vis):
        if spans and start - spans[-1][1] <= gap_frames:
            spans[-1][1] = stop
        else:
            spans.append([start, stop])
    min_frames = _frames(s.min_rally_s, track.fps, 2)
    return [Rally(int(a), int(b) - 1, track.fps) for a, b in spans if b - a >= min_frames]


def analyse(track: BallTrack, settings: AnalyticsSettings | None = None, court: Court | None = None) -> BallAnalytics:
    """Speed, events and rallies of a (post-processed) track; with a court, its ground-plane position and m/s."""
    s = settings or AnalyticsSettings()
    events = find_events(track, s)
    cuts = [e.frame for e in events]
    speed = speed_px_s(track, s.speed_window_s, cuts)
    rallies = find_rallies(track, speed, s)
    court_m = speed_mps = None
    if court is not None:
        court_m = court.to_court(track.points())
        speed_mps = np.hypot(*velocity(track, s.speed_window_s, court_m, cuts).T)
    return BallAnalytics(speed, events, rallies, court_m, speed_mps, s, court, track.visible)


def _stat(values: np.ndarray | None, fn) -> float | None:
    if values is None:
        return None
    finite = values[np.isfinite(values)]
    return round(float(fn(finite)), 2) if finite.size else None


def analytics_metrics(result: BallAnalytics) -> dict:
    """The figures summary.json holds: counts and speeds."""
    m = {"shots": len(result.hits), "rallies": len(result.rallies),
         "max_speed_px_s": _stat(result.speed_px_s, np.max), "median_speed_px_s": _stat(result.speed_px_s, np.median)}
    if result.settings.bounces:
        m["bounces"] = len(result.bounces)
    if result.speed_mps is not None:
        m["max_speed_mps"] = _stat(result.speed_mps, np.max)
        m["median_speed_mps"] = _stat(result.speed_mps, np.median)
    return m


def _round(v: float | None, digits: int = 2) -> float | None:
    return None if v is None or not np.isfinite(v) else round(float(v), digits)


def event_rows(result: BallAnalytics) -> list[dict]:
    """shots.csv: one row per hit or bounce."""
    rows = []
    for k, e in enumerate(result.events):
        row = {"shot": k + 1, "frame": e.frame, "time_s": round(e.time_s, 4), "kind": e.kind, "x": round(e.x, 2),
               "y": round(e.y, 2), "turn_deg": round(e.turn_deg, 1), "speed_in_px_s": round(e.speed_in_px_s, 1),
               "speed_out_px_s": round(e.speed_out_px_s, 1), "in_gap": e.in_gap, "rally": result.rally_of(e.frame)}
        if result.court is not None:
            cx, cy = result.court.to_court(np.array([[e.x, e.y]]))[0]
            row.update({"court_x_m": _round(cx), "court_y_m": _round(cy)})
        rows.append(row)
    return rows


def rally_rows(result: BallAnalytics) -> list[dict]:
    """rallies.csv: one row per rally."""
    rows = []
    for k, r in enumerate(result.rallies):
        span = slice(r.start_frame, r.end_frame + 1)
        inside = [e for e in result.events if r.start_frame <= e.frame <= r.end_frame]
        row = {"rally": k + 1, "start_frame": r.start_frame, "end_frame": r.end_frame, "start_s": round(r.start_s, 3),
               "end_s": round(r.end_s, 3), "duration_s": round(r.duration_s, 3),
               "shots": sum(e.kind == HIT for e in inside),
               "frames_with_ball": int(np.count_nonzero(result.visible[span])),
               "max_speed_px_s": _stat(result.speed_px_s[span], np.max)}
        if result.settings.bounces:
            row["bounces"] = sum(e.kind == BOUNCE for e in inside)
        if result.court_m is not None:
            row["max_speed_mps"] = _stat(result.speed_mps[span], np.max)
            end = result.court_m[r.end_frame]
            row.update({"end_court_x_m": _round(end[0]), "end_court_y_m": _round(end[1])})
        rows.append(row)
    return rows
