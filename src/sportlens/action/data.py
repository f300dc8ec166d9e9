"""Skeleton data sets from what users have: a Penn Action label folder, or a folder of CLASS/ sub-folders
holding videos, `sportlens pose` output folders or their keypoints.csv files. Videos go through the pose
pipeline (BlazePose), so a model trained on hand-annotated Penn Action joints runs on a user's video."""

from __future__ import annotations

from pathlib import Path

from sportlens.action.skeleton import SkeletonClip, from_pose, read_keypoints_csv, read_penn_action
from sportlens.constants import VIDEO_SUFFIXES
from sportlens.errors import DataFormatError, InputFileError
from sportlens.events import Progress, ensure_progress


def _penn_files(path: Path) -> list[Path]:
    folder = path / "labels" if (path / "labels").is_dir() else path
    return sorted(folder.glob("*.mat"))


def is_clip_source(path: Path) -> bool:
    """A file or folder that holds one clip: a video, a Penn .mat, a keypoints.csv or a pose output folder."""
    if path.is_dir():
        return (path / "keypoints.csv").is_file()
    return path.suffix.lower() in VIDEO_SUFFIXES | {".mat", ".csv"}


def read_clip(path: Path, label: str | None = None, progress: Progress | None = None) -> SkeletonClip:
    """One clip from a video (through BlazePose), a Penn Action .mat, a keypoints.csv or a pose output folder."""
    if not path.exists():
        raise InputFileError("input not found", path, "give a video, a keypoints.csv, a pose output folder or a .mat")
    if path.is_dir():
        path = path / "keypoints.csv"
    suffix = path.suffix.lower()
    if suffix == ".mat":
        clip = read_penn_action(path)
        return clip if label is None else SkeletonClip(clip.xy, label, clip.source, clip.split, clip.fps)
    if suffix == ".csv":
        xy, fps = read_keypoints_csv(path)
        return SkeletonClip(xy, label, str(path), None, fps)
    if suffix in VIDEO_SUFFIXES:
        from sportlens.pose.options import PoseOptions
        from sportlens.pose.pipeline import clean_sequence, estimate_sequence
        from sportlens.video.decode import probe_video

        options = PoseOptions(workers=1)
        seq = clean_sequence(estimate_sequence(probe_video(path), options, progress).sequence, options)
        return SkeletonClip(from_pose(seq.xy_px, seq.names, seq.visibility, 0.0), label, str(path), None,
                            seq.video_fps)
    raise DataFormatError("not a clip sportlens reads", path, "give a video, a keypoints.csv, a pose output "
                          "folder or a Penn Action .mat file")


def load_clips(path: str | Path, progress: Progress | None = None) -> list[SkeletonClip]:
    """Every labelled clip under `path` (Penn Action folder, or CLASS/ sub-folders of clips)."""
    path = Path(path)
    progress = ensure_progress(progress, "action")
    if not path.is_dir():
        raise InputFileError("data folder not found", path, "give a Penn Action folder or a folder of CLASS/ "
                             "sub-folders of clips")
    penn = _penn_files(path)
    if penn:
        clips = []
        with progress.step("read", total=len(penn), unit="clips") as step:
            for file in penn:
                clips.append(read_penn_action(file))
                step.advance()
        return clips
    sources = [(cls.name, item) for cls in sorted(p for p in path.iterdir() if p.is_dir())
               for item in sorted(cls.iterdir()) if is_clip_source(item)]
    if not sources:
        raise DataFormatError("no clips found", path, "expected Penn Action .mat files or CLASS/ sub-folders "
                              "holding videos, keypoints.csv files or pose output folders")
    clips = []
    with progress.step("skeletons", total=len(sources), unit="clips") as step:
        for label, item in sources:
            clips.append(read_clip(item, label))
            step.advance()
    return clips
