"""Ball tracking metrics: SiBaTrAcc (the tennis tracking task) and TrackNetV3's point counts.

SiBaTrAcc, per frame: 0 when both say no ball; 5 when the ball is there and not predicted, or predicted and
not there; else min(floor(distance_px / 8) ** 1.5, 5). Clip score = 1 - sum / (5 * frames); the data set's
score is the mean over clips (each clip counts once, whatever its length).

TrackNetV3 counts, per frame, with the distance measured after scaling both points to a 512x288 frame:
TP predicted and labelled within the tolerance (4 px by default); FP predicted and labelled but farther than
the tolerance, or predicted where there is no ball; FN labelled and not predicted; TN neither. Counts are
pooled over clips. rmse_px is the root mean square distance in source pixels over frames where both say ball.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sportlens.ball.track import BallTrack

SIBATRACC_STEP_PX = 8.0
SIBATRACC_CAP = 5.0
EVAL_SIZE = (512, 288)  # TrackNetV3 measures distances in its network's input frame
DEFAULT_TOLERANCE_PX = 4.0


def _check_pair(truth: BallTrack, predicted: BallTrack) -> None:
    if len(truth) != len(predicted):
        raise ValueError(f"the prediction has {len(predicted)} frames, the labels {len(truth)}")


def sibatracc_frame_scores(truth: BallTrack, predicted: BallTrack) -> np.ndarray:
    """(n,) per-frame penalty 0..5 (distances in source pixels)."""
    _check_pair(truth, predicted)
    t, p = truth.visible, predicted.visible
    d = np.hypot(truth.x - predicted.x, truth.y - predicted.y)
    both = t & p
    scores = np.where(t != p, SIBATRACC_CAP, 0.0)
    scores[both] = np.minimum(np.floor(d[both] / SIBATRACC_STEP_PX) ** 1.5, SIBATRACC_CAP)
    return scores


def sibatracc_clip(truth: BallTrack, predicted: BallTrack) -> float:
    """1 - sum(penalties) / (5 * frames) for one clip (1.0 for an empty clip)."""
    scores = sibatracc_frame_scores(truth, predicted)
    return 1.0 if scores.size == 0 else float(1.0 - scores.sum() / (SIBATRACC_CAP * scores.size))


def sibatracc(pairs: list[tuple[BallTrack, BallTrack]]) -> float:
    """Mean clip score over (truth, predicted) pairs."""
    return float(np.mean([sibatracc_clip(t, p) for t, p in pairs])) if pairs else float("nan")


@dataclass
class PointCounts:
    """TrackNetV3's frame counts and the squared-error sum for rmse_px."""

    tp: int = 0
    fp: int = 0
    fn: int = 0
    tn: int = 0
    fp_far: int = 0  # of fp: predicted and labelled, farther than the tolerance
    fp_no_ball: int = 0  # of fp: predicted where there is no ball
    sq_err_px: float = 0.0
    both: int = 0

    def __add__(self, other: PointCounts) -> PointCounts:
        return PointCounts(*(getattr(self, f) + getattr(other, f) for f in self.__dataclass_fields__))

    @property
    def frames(self) -> int:
        return self.tp + self.fp + self.fn + self.tn

    def metrics(self) -> dict[str, float]:
        """precision, recall, f1, accuracy, rmse_px (NaN where undefined) and the counts."""
        nan = float("nan")
        precision = self.tp / (self.tp + self.fp) if self.tp + self.fp else nan
        recall = self.tp / (self.tp + self.fn) if self.tp + self.fn else nan
        f1 = (2 * precision * recall / (precision + recall)
              if self.tp and precision + recall > 0 else (0.0 if self.tp + self.fp + self.fn else nan))
        return {"precision": precision, "recall": recall, "f1": f1,
                "accuracy": (self.tp + self.tn) / self.frames if self.frames else nan,
                "rmse_px": float(np.sqrt(self.sq_err_px / self.both)) if self.both else nan,
                "tp": self.tp, "fp": self.fp, "fn": self.fn, "tn": self.tn,
                "fp_far": self.fp_far, "fp_no_ball": self.fp_no_ball}


def point_counts(truth: BallTrack, predicted: BallTrack, tolerance_px: float = DEFAULT_TOLERANCE_PX,
                 eval_size: tuple[int, int] = EVAL_SIZE) -> PointCounts:
    """Count TP/FP/FN/TN for one clip; tolerance_px is in the eval_size frame (TrackNetV3: 4 px at 512x288)."""
    _check_pair(truth, predicted)
    t, p = truth.visible, predicted.visible
    sx, sy = eval_size[0] / truth.width, eval_size[1] / truth.height
    d_eval = np.hypot((truth.x - predicted.x) * sx, (truth.y - predicted.y) * sy)
    d_src = np.hypot(truth.x - predicted.x, truth.y - predicted.y)
    both = t & p
    near = both & (d_eval <= tolerance_px)
    far = both & ~near
    no_ball = p & ~t
    return PointCounts(tp=int(near.sum()), fp=int(far.sum() + no_ball.sum()), fn=int((t & ~p).sum()),
                       tn=int((~t & ~p).sum()), fp_far=int(far.sum()), fp_no_ball=int(no_ball.sum()),
                       sq_err_px=float((d_src[both] ** 2).sum()), both=int(both.sum()))


def tolerance_in_source_px(tolerance_px: float, width: int, height: int,
                           eval_size: tuple[int, int] = EVAL_SIZE) -> float:
    """The tolerance expressed in source pixels (along x; the same along y when the aspect ratios agree)."""
    return tolerance_px * width / eval_size[0]


def evaluate(pairs: list[tuple[BallTrack, BallTrack]], tolerance_px: float = DEFAULT_TOLERANCE_PX) -> dict:
    """All metrics over (truth, predicted) pairs: sibatracc (mean over clips) and the pooled point metrics."""
    counts = PointCounts()
    for t, p in pairs:
        counts = counts + point_counts(t, p, tolerance_px)
    out = {"sibatracc": sibatracc(pairs), **counts.metrics(), "frames": counts.frames, "clips": len(pairs),
           "tolerance_px": tolerance_px, "tolerance_eval_size": list(EVAL_SIZE)}
    if pairs:
        sizes = {(t.width, t.height) for t, _ in pairs}
        out["tolerance_px_source"] = (tolerance_in_source_px(tolerance_px, *next(iter(sizes)))
                                      if len(sizes) == 1 else None)
    return out
