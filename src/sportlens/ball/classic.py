"""The classic ball tracker: no training. Three-frame differencing finds small moving blobs, a size and shape
filter keeps ball-like ones, and a constant-acceleration Kalman filter picks the one that continues the
trajectory (a track starts from three candidates in a row with a steady velocity).

Sizes and speeds are fractions of the frame width, never fixed pixels, so the same settings serve tennis,
badminton or squash footage at any resolution; no colour is assumed (the difference is taken on grey levels).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class ClassicSettings:
    """Detection and gating settings (fractions of the frame width unless the name says otherwise)."""

    work_width: int = 640  # frames are shrunk to this width before differencing (speed; the ball stays > 1 px)
    diff_threshold: int = 10  # grey-level change (0..255) that counts as motion
    min_ball: float = 0.002  # smallest ball blob diameter / frame width
    max_ball: float = 0.03  # largest (a fast ball is blurred into a streak: length up to 4x this)
    max_step: float = 0.08  # largest ball displacement per frame / frame width
    init_residual: float = 0.006  # a new track: 3 candidates whose steps differ by at most this / width
    gate_sigma: float = 4.0  # a candidate farther than this many standard deviations from the prediction is rejected
    max_misses: int = 5  # frames a track coasts on its prediction before it is dropped
    init_strength: int = 30  # a track starts only from blobs whose grey level changes at least this much
    max_candidates: int = 40  # strongest blobs kept per frame
    min_strength_ratio: float = 0.3  # a tracked candidate must have at least this share of the ball's contrast


def _kalman_matrices(q: float, r: float):
    """Constant-acceleration model, state (x, y, vx, vy, ax, ay), one frame per step."""
    f1 = np.array([[1.0, 1.0, 0.5], [0.0, 1.0, 1.0], [0.0, 0.0, 1.0]])
    F = np.kron(f1, np.eye(2))
    H = np.zeros((2, 6))
    H[0, 0] = H[1, 1] = 1.0
    g = np.array([[1 / 6], [1 / 2], [1.0]])  # jerk enters as white noise
    Q = np.kron(g @ g.T, np.eye(2)) * q**2
    return F, H, Q, np.eye(2) * r**2


class ClassicTracker:
    """Feed frames in order (`feed`), then `finish()` for per-frame (x, y) in source pixels and a confidence."""

    def __init__(self, width: int, height: int, settings: ClassicSettings | None = None):
        self.settings = s = settings or ClassicSettings()
        self.width, self.height = width, height
        self.scale = min(1.0, s.work_width / width)
        self.work_size = (max(1, round(width * self.scale)), max(1, round(height * self.scale)))
        ww = self.work_size[0]
        self.min_area = max(1.0, np.pi / 4 * (s.min_ball * ww) ** 2) + 8  # + the ring the dilation adds
        self.max_area = np.pi / 4 * (s.max_ball * ww + 2) ** 2 * 4
        self.max_len = 4 * s.max_ball * ww + 2
        self.max_step = s.max_step * ww
        self.init_residual = max(1.5, s.init_residual * ww)
        self.F, self.H, self.Q, self.R = _kalman_matrices(q=max(0.5, 0.002 * ww), r=max(0.7, 0.0015 * ww))
        self._kernel = np.ones((3, 3), np.uint8)
        self._greys: list[np.ndarray] = []
        self._history: list[np.ndarray] = []  # candidates of the last frames (for starting a track)
        self._state: np.ndarray | None = None
        self._cov: np.ndarray | None = None
        self._misses = 0
        self._strength = 0.0  # running contrast of the tracked ball
        self.points: list[tuple[float, float]] = []
        self.confidence: list[float] = []

    # ---- detection --------------------------------------------------------------------------------------------

    def _grey(self, image: np.ndarray) -> np.ndarray:
        import cv2

        grey = image if image.ndim == 2 else cv2.cvtColor(image, cv2.COLOR_RGB2GRAY)
        if grey.shape[1] != self.work_size[0]:
            grey = cv2.resize(grey, self.work_size, interpolation=cv2.INTER_AREA)
        return cv2.GaussianBlur(grey, (3, 3), 0)

    def candidates(self, prev: np.ndarray, cur: np.ndarray, nxt: np.ndarray) -> np.ndarray:
        """(k, 3) x, y (work pixels) and strength of ball-like blobs moving in `cur`."""
        import cv2

        d1 = cv2.absdiff(cur, prev)
        d2 = cv2.absdiff(cur, nxt)
        both = cv2.min(d1, d2)
        _, mask = cv2.threshold(both, self.settings.diff_threshold, 255, cv2.THRESH_BINARY)
        # join the broken pieces of long edges (a moving arm, a player's outline) so the size filter drops them
        mask = cv2.dilate(mask, self._kernel)
        n, _, stats, centroids = cv2.connectedComponentsWithStats(mask, connectivity=8)
        if n <= 1:
            return np.zeros((0, 3))
        stats, centroids = stats[1:], centroids[1:]
        area = stats[:, cv2.CC_STAT_AREA].astype(float)
        w, h = stats[:, cv2.CC_STAT_WIDTH], stats[:, cv2.CC_STAT_HEIGHT]
        long_side, short_side = np.maximum(w, h), np.maximum(np.minimum(w, h), 1)
        keep = ((area >= self.min_area) & (area <= self.max_area) & (long_side <= self.max_len)
                & (long_side / short_side <= 5) & (area / (w * h) >= 0.25))
        if not keep.any():
            return np.zeros((0, 3))
        idx = np.flatnonzero(keep)
        strength = np.array([float(both[stats[i, 1]:stats[i, 1] + h[i], stats[i, 0]:stats[i, 0] + w[i]].max())
                             for i in idx])
        out = np.column_stack([centroids[idx], strength])
        if len(out) > self.settings.max_candidates:
            out = out[np.argsort(-out[:, 2])[: self.settings.max_candidates]]
        return out

    # ---- tracking ---------------------------------------------------------------------------------------------

    def _start(self, cands: np.ndarray) -> tuple[float, float] | None:
        """Start a track from a candidate continuing two earlier ones with a steady velocity."""
        if len(self._history) < 2 or not len(cands):
            return None
        c1, c2 = self._history[-1], self._history[-2]
        if not len(c1) or not len(c2):
            return None
        best = None
        # a new track needs clear contrast; one replacing a coasting track needs half the contrast it had
        floor = max(self.settings.init_strength, self.settings.min_strength_ratio * self._strength
                    if self._state is not None else 0.0)
        steps = cands[:, None, :2] - c1[None, :, :2]  # (n0, n1, 2)
        dist = np.hypot(steps[..., 0], steps[..., 1])
        for i, j in zip(*np.nonzero((dist <= self.max_step) & (dist >= 1.0)), strict=True):
            expected = c1[j, :2] - steps[i, j]  # where the ball was two frames ago at this velocity
            residual = np.hypot(*(c2[:, :2] - expected).T)
            k = int(np.argmin(residual))
            if residual[k] > self.init_residual:
                continue
            # the most contrasted triple wins: edges of a moving player also move steadily, but faintly
            strength = min(cands[i, 2], c1[j, 2], c2[k, 2])
            if strength < floor:
                continue
            score = strength - residual[k]
            if best is None or score > best[0]:
                best = (score, i, j, k)
        if best is None:
            return None
        _, i, j, k = best
        # the two earlier frames of the starting triple are ball positions too: give them back if still empty
        for back, cand in ((1, c1[j]), (2, c2[k])):
            if len(self.points) >= back and np.isnan(self.points[-back][0]):
                self.points[-back] = self._source_xy(cand[0], cand[1])
                self.confidence[-back] = 0.4
        pos, v1, v0 = cands[i, :2], cands[i, :2] - c1[j, :2], c1[j, :2] - c2[k, :2]
        self._state = np.array([pos[0], pos[1], v1[0], v1[1], v1[0] - v0[0], v1[1] - v0[1]])
        self._strength = float(min(cands[i, 2], c1[j, 2], c2[k, 2]))
        self._cov = np.diag([2.0, 2.0, 4.0, 4.0, 4.0, 4.0]) ** 2 / 4
        self._misses = 0
        return float(pos[0]), float(pos[1])

    def _step(self, cands: np.ndarray) -> tuple[tuple[float, float] | None, float]:
        """Predict, gate, update; returns the measured position (work pixels) and its confidence."""
        F, H, Q, R = self.F, self.H, self.Q, self.R
        x = F @ self._state
        P = F @ self._cov @ F.T + Q
        self._state, self._cov = x, P
        if len(cands):
            S = H @ P @ H.T + R
            innov = cands[:, :2] - (H @ x)[None, :]
            d2 = np.einsum("ni,ij,nj->n", innov, np.linalg.inv(S), innov)
            step = np.hypot(*(innov.T))
            # a candidate far fainter than the ball so far is an edge of something else (a player it passes)
            ok = ((d2 <= self.settings.gate_sigma**2) & (step <= self.max_step)
                  & (cands[:, 2] >= self.settings.min_strength_ratio * self._strength))
            if ok.any():
                i = int(np.argmin(np.where(ok, d2, np.inf)))
                K = P @ H.T @ np.linalg.inv(S)
                self._state = x + K @ innov[i]
                self._cov = (np.eye(6) - K @ H) @ P
                self._misses = 0
                self._strength = 0.7 * self._strength + 0.3 * cands[i, 2]
                return (float(cands[i, 0]), float(cands[i, 1])), float(np.exp(-0.5 * d2[i] / 4.0))
        self._misses += 1
        if self._misses > self.settings.max_misses:
            self._state = self._cov = None
        return None, 0.0

    def _source_xy(self, x: float, y: float) -> tuple[float, float]:
        return (min(max(x / self.scale, 0.0), float(self.width)), min(max(y / self.scale, 0.0), float(self.height)))

    def _emit(self, pos: tuple[float, float] | None, conf: float) -> None:
        if pos is None:
            self.points.append((np.nan, np.nan))
            self.confidence.append(0.0)
        else:
            self.points.append(self._source_xy(*pos))
            self.confidence.append(round(min(max(conf, 0.0), 1.0), 3))

    def _process(self, prev: np.ndarray, cur: np.ndarray, nxt: np.ndarray) -> None:
        cands = self.candidates(prev, cur, nxt)
        pos, conf = (None, 0.0) if self._state is None else self._step(cands)
        if pos is None:  # no track, or it lost the ball (a hit turns it round): look for a fresh start
            start = self._start(cands)
            if start is not None:
                pos, conf = start, 0.5
        self._history = [*self._history[-1:], cands]
        self._emit(pos, conf)

    def feed(self, image: np.ndarray) -> None:
        """Add the next frame (RGB or grey, source size); frame k is decided when frame k+1 arrives."""
        grey = self._grey(image)
        self._greys.append(grey)
        if len(self._greys) == 2:  # the first frame has no predecessor: no motion can be measured
            self._emit(None, 0.0)
            self._history.append(np.zeros((0, 3)))
        elif len(self._greys) == 3:
            self._process(*self._greys)
            self._greys.pop(0)

    def finish(self) -> tuple[np.ndarray, np.ndarray]:
        """(n, 2) x, y in source pixels (NaN = no ball) and (n,) confidence, for every frame fed."""
        if self._greys:  # the last frame has no successor
            self._emit(None, 0.0)
            self._greys = []
        return np.array(self.points, dtype=float).reshape(-1, 2), np.array(self.confidence, dtype=float)
