"""`sportlens posecls train|eval|predict`: pose classification from BlazePose keypoints of photos and clips.

Thin: flags become the options dataclasses, then `run_train` / `run_eval` / `run_predict`. Light imports
only, so `sportlens --help` stays fast.
"""

from __future__ import annotations

from pathlib import Path

import typer

from sportlens.command import JSON_HELP, OUT_HELP, report, run_task, top_k_lines

app = typer.Typer(help="Pose classification from keypoints (photos, clips, videos): train, evaluate, predict.",
                  no_args_is_help=True)

DATA_HELP = "A folder of CLASS/ sub-folders of photos and/or clips."
MODEL_HELP = "Run folder written by `posecls train` (or its model.joblib)."
MAX_SIDE_HELP = "Photos and frames are shrunk to this long side (px) before pose estimation."
FRAMES_HELP = "Frames spread evenly over each clip that are classified."


@app.command()
def train(
    data: Path = typer.Argument(..., help=DATA_HELP),
    out: Path = typer.Option(..., "-o", "--out", help=f"Run folder (model.joblib with its card). {OUT_HELP}"),
    n_trees: int = typer.Option(500, "--n-trees", help="Trees of the random forest."),
    seed: int = typer.Option(0, help="Seed of the random forest."),
    max_side: int = typer.Option(640, help=MAX_SIDE_HELP),
    frames_per_clip: int = typer.Option(8, help=FRAMES_HELP),
    cv_folds: int = typer.Option(5, help="Cross-validation folds grouped by photo/clip before the final fit "
                                         "(0: none)."),
    as_json: bool = typer.Option(False, "--json", help=JSON_HELP),
) -> None:
    """Train a random forest on normalised keypoints and joint angles (each pose also mirrored)."""
    from sportlens.posecls.options import TrainOptions
    from sportlens.posecls.pipeline import run_train

    options = TrainOptions(n_trees=n_trees, seed=seed, max_side=max_side, frames_per_clip=frames_per_clip,
                           cv_folds=cv_folds)
    summary = run_task("posecls train", lambda progress: run_train(data, out, options, progress))
    m = summary.metrics
    cv = (f"; grouped {m['cv_folds']}-fold CV accuracy {m['cv_accuracy']:.3f}" if m.get("cv_accuracy") is not None
          else "")
    report(summary, as_json, [f"trained on {m['poses']} poses ({m['images_with_person']}/{m['images']} photos with "
                              f"a person, {m['clips']} clips), {len(m['classes'])} classes{cv}"], out)


@app.command("eval")
def evaluate(
    run: Path = typer.Argument(..., help=MODEL_HELP),
    data: Path = typer.Argument(..., help=DATA_HELP),
    out: Path | None = typer.Option(None, "-o", "--out", help=f"Output folder (default RUN/eval). {OUT_HELP}"),
    mistakes: int = typer.Option(10, help="How many of the most confident mistakes to list."),
    max_side: int = typer.Option(640, help=MAX_SIDE_HELP),
    frames_per_clip: int = typer.Option(8, help=FRAMES_HELP),
    as_json: bool = typer.Option(False, "--json", help=JSON_HELP),
) -> None:
    """Accuracy, macro F1, the confusion matrix and the most confident mistakes (per clip too)."""
    from sportlens.posecls.options import EvalOptions
    from sportlens.posecls.pipeline import run_eval

    options = EvalOptions(mistakes=mistakes, max_side=max_side, frames_per_clip=frames_per_clip)
    summary = run_task("posecls eval", lambda progress: run_eval(run, data, out, options, progress))
    m = summary.metrics
    clips = f"; {m['clip_accuracy']:.3f} over {m['n_clips']} clips" if m.get("n_clips") else ""
    report(summary, as_json, [f"accuracy {m['accuracy']:.3f}, macro F1 {m['macro_f1']:.3f} on {m['n_images']} "
                              f"photos/frames{clips}"])


@app.command()
def predict(
    run: Path = typer.Argument(..., help=MODEL_HELP),
    inputs: list[Path] = typer.Argument(..., metavar="INPUT...", help="Photos, videos or folders of them."),
    out: Path | None = typer.Option(None, "-o", "--out", help="Write predictions.csv and, per video, "
                                    f"<video>_frames.csv, _segments.csv, _labels.png here (needed for videos). "
                                    f"{OUT_HELP}"),
    top_k: int = typer.Option(3, "--top-k", "-k", help="Classes per photo."),
    max_side: int = typer.Option(640, help=MAX_SIDE_HELP),
    step: int = typer.Option(1, help="Videos: classify every STEP-th frame."),
    smooth: float = typer.Option(0.5, metavar="SECONDS", help="Videos: majority vote of the frame labels over a "
                                                              "window this long (0: none)."),
    as_json: bool = typer.Option(False, "--json", help=JSON_HELP),
) -> None:
    """Top-k pose classes for each photo; for each video a label per frame, smoothed, and its segments."""
    from sportlens.posecls.options import PredictOptions
    from sportlens.posecls.pipeline import run_predict

    options = PredictOptions(top_k=top_k, max_side=max_side, step=step, smooth_s=smooth)
    summary = run_task("posecls predict", lambda progress: run_predict(run, inputs, out, options, progress))
    lines = top_k_lines(summary.metrics["predictions"])
    for video in summary.metrics.get("videos", []):
        lines.append(f"{video['input']}: " + ", ".join(
            f"{s['label']} {s['start_s']:.1f}-{s['end_s']:.1f} s" for s in video["segments"]))
    report(summary, as_json, lines)
