"""`sportlens ball track VIDEO -o OUT` and `sportlens ball eval DATA`: thin commands over `run_track` / `run_eval`.

Only light imports here (typer, pathlib, enum), so `sportlens --help` stays fast."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path

import typer

from sportlens.command import JSON_HELP, OUT_HELP

app = typer.Typer(help="Ball tracking in racket-sport video: track a video, evaluate on labelled clips, train a "
                       "heatmap model.", no_args_is_help=True)


class NetworkChoice(StrEnum):
    tracknet_small = "tracknet-small"
    tracknet = "tracknet"


MODEL_HELP = ("Ball model: classic (frame differencing + Kalman gating, no training), tracknet-small or tracknet "
              "(heatmap networks; weights shipped for tracknet-small), or a run folder / best.pt of "
              "`sportlens ball train` [tracknet-small].")


@app.command("track")
def track(
    video: Path = typer.Argument(..., metavar="VIDEO", show_default=False,
                                 help="A video (mp4/mov/avi/mkv) or a folder of numbered frames."),
    out: Path = typer.Option(..., "-o", "--out", help=OUT_HELP, show_default=False),
    model: str | None = typer.Option(None, "--model", metavar="NAME|PATH", show_default=False, help=MODEL_HELP),
    max_gap: int | None = typer.Option(None, metavar="FRAMES", show_default=False,
                                       help="Fill gaps up to this many frames along the fitted trajectory [5]."),
    trail: int | None = typer.Option(None, metavar="FRAMES", show_default=False,
                                     help="Length of the fading trail in annotated.mp4 [12]."),
    no_video: bool = typer.Option(False, "--no-video", help="Skip annotated.mp4 (faster)."),
    heatmap_video: bool = typer.Option(False, "--heatmap-video",
                                       help="Also write heatmap.mp4: the network's heatmap over each frame."),
    bounces: bool = typer.Option(False, "--bounces", help="Tennis: tell bounces from hits in shots.csv."),
    court: str | None = typer.Option(None, "--court", metavar="X1,Y1,...,X4,Y4", show_default=False,
                                     help="The court's far-left, far-right, near-right, near-left corners in "
                                          "image pixels: court position and speed in m/s, court.png."),
    court_size: str | None = typer.Option(None, "--court-size", metavar="badminton|tennis|W,L", show_default=False,
                                          help="The court of --court: a name or width,length in metres."),
    as_json: bool = typer.Option(False, "--json", help=JSON_HELP),
) -> None:
    """Track the ball: track.csv (frame,time_s,visible,x,y,confidence), annotated.mp4, track.png, shots.csv,
    rallies.csv, speed.csv, summary.json."""
    from sportlens.ball.options import TrackOptions
    from sportlens.ball.pipeline import run_track
    from sportlens.command import report, run_task

    values = {"model": model, "max_gap_frames": max_gap, "trail_frames": trail,
              "annotated_video": False if no_video else None, "heatmap_video": heatmap_video or None,
              "bounces": bounces or None, "court": court, "court_size": court_size}
    options = TrackOptions(**{k: v for k, v in values.items() if v is not None})
    summary = run_task("ball", lambda progress: run_track(video, out, options, progress))
    m = summary.metrics
    lines = [f"ball {m['frames_with_ball']}/{m['frames']} frames with a ball ({m['frames_filled']} filled), "
             f"{m['fps']} frames/s end to end"]
    if m["frames_with_ball"]:
        speed = (f"{m['max_speed_mps']} m/s" if m.get("max_speed_mps") is not None
                 else f"{m['max_speed_px_s']:.0f} px/s")
        lines.append(f"{m['shots']} shot(s)" + (f", {m['bounces']} bounce(s)" if "bounces" in m else "")
                     + f" in {m['rallies']} rally(ies); top speed {speed}")
    report(summary, as_json, lines, out)


@app.command("eval")
def evaluate(
    data: Path = typer.Argument(..., metavar="DATA", show_default=False,
                                help="Labelled clips: NNNNN.mp4 + NNNNN.csv (rally layout), or clip folders with "
                                     "Label.csv (TrackNet) or labels.csv (tracking task), or one rally CSV."),
    out: Path | None = typer.Option(None, "-o", "--out", show_default=False,
                                    help="Also write per_clip.csv and summary.json here. " + OUT_HELP),
    model: str | None = typer.Option(None, "--model", metavar="NAME|PATH", show_default=False, help=MODEL_HELP),
    tolerance: float | None = typer.Option(None, "--tolerance-px", metavar="PX", show_default=False,
                                           help="TP radius in a 512x288 frame (TrackNetV3's convention) [4]."),
    fps: float | None = typer.Option(None, metavar="FPS", show_default=False,
                                     help="Frame rate of image-folder clips, which store none [30]."),
    as_json: bool = typer.Option(False, "--json", help=JSON_HELP),
) -> None:
    """Score a model on labelled clips: SiBaTrAcc, precision, recall, F1, accuracy, rmse_px, frames/s."""
    from sportlens.ball.options import EvalOptions
    from sportlens.ball.pipeline import run_eval
    from sportlens.command import report, run_task

    values = {"model": model, "tolerance_px": tolerance, "fps": fps}
    options = EvalOptions(**{k: v for k, v in values.items() if v is not None})
    summary = run_task("ball", lambda progress: run_eval(data, out, options, progress))
    m = summary.metrics
    line = (f"ball eval ({m['model']}) on {m['clips']} clip(s), {m['frames']} frames: SiBaTrAcc {m['sibatracc']:.3f}, "
            f"F1 {m['f1']:.3f} (P {m['precision']:.3f}, R {m['recall']:.3f}) at {m['tolerance_px']:g} px in "
            f"512x288, accuracy {m['accuracy']:.3f}, RMSE {m['rmse_px']:.1f} px, {m['fps']} frames/s")
    report(summary, as_json, [line], out)


@app.command("train")
def train(
    data: list[Path] = typer.Argument(..., metavar="DATA...", show_default=False,
                                      help="Labelled clips (the layouts `ball eval` reads). Split by match: the "
                                           "README.md table beside the data (rally, match), else the gameN folder."),
    out: Path = typer.Option(..., "-o", "--out", show_default=False,
                             help="Run folder (best.pt with its model card, history.csv, split.csv). " + OUT_HELP),
    model: NetworkChoice = typer.Option(NetworkChoice.tracknet_small, "--model", help="Network to train."),
    epochs: int | None = typer.Option(None, min=1, show_default=False, help="Epochs [30]."),
    time_budget: float | None = typer.Option(None, "--time-budget", metavar="MIN", show_default=False,
                                             help="Stop after this many minutes, keeping the best epoch; the "
                                                  "learning-rate schedule ends on time."),
    steps: int | None = typer.Option(None, "--steps-per-epoch", show_default=False, help="Batches per epoch [100]."),
    batch_size: int | None = typer.Option(None, show_default=False, help="Crops per batch [16]."),
    seed: int = typer.Option(0, help="Seed of the split, the initialisation and the augmentation."),
    threads: int | None = typer.Option(None, show_default=False, help="Torch threads (default: torch's choice)."),
    patience: int | None = typer.Option(None, "--patience", metavar="N", min=1, show_default=False,
                                        help="Early stopping: end after N epochs without a better validation F1."),
    resume: bool = typer.Option(False, "--resume", help="Continue the interrupted run in OUT."),
    as_json: bool = typer.Option(False, "--json", help=JSON_HELP),
) -> None:
    """Train a heatmap network; the epoch with the best validation F1 is kept (best.pt)."""
    from sportlens.ball.options import TrainOptions

    values = {"model": model.value, "epochs": epochs, "time_budget_min": time_budget, "steps_per_epoch": steps,
              "batch_size": batch_size, "seed": seed, "threads": threads, "patience": patience, "resume": resume}
    options = TrainOptions(**{k: v for k, v in values.items() if v is not None})
    from sportlens.ball.train import run_train
    from sportlens.command import report, run_task

    summary = run_task("ball train", lambda progress: run_train(list(data), out, options, progress))
    m = summary.metrics
    test = m["test"]
    line = (f"{m['model']}: validation F1 {m['val']['f1']:.3f}, SiBaTrAcc {m['val']['sibatracc']:.3f} (threshold "
            f"{m['threshold']:g}, epoch {m['training']['best_epoch']} of {m['training']['epochs_run']})"
            + ("" if test is None else f"; test F1 {test['f1']:.3f}, SiBaTrAcc {test['sibatracc']:.3f}")
            + f"; {m['training']['train_minutes']:.1f} min")
    report(summary, as_json, [line], out)
