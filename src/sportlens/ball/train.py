"""`ball train`: train a heatmap network on labelled clips into a run folder (best.pt with its model card),
through the shared fit loop (`sportlens.training.fit`) with the ball's own loss and validation F1."""

from __future__ import annotations

import hashlib
import json
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import torch

from sportlens.ball.dataset import Augment, FrameCache, TrainWindows, group_table_for, split_by_group
from sportlens.ball.formats import LabelledClip, find_labelled_clips
from sportlens.ball.heatmap import SIGMA_PX, THRESHOLD, focal_bce
from sportlens.ball.inference import clip_points
from sportlens.ball.metrics import evaluate
from sportlens.ball.models import NET_SPECS, TASK, NetSpec, build_network
from sportlens.ball.options import TrainOptions
from sportlens.ball.postprocess import PostSettings, postprocess
from sportlens.ball.track import BallTrack
from sportlens.errors import UserError
from sportlens.events import Progress, ensure_progress
from sportlens.io.atomic import write_csv, write_json
from sportlens.io.output_dir import output_run
from sportlens.summary import Summary, plain
from sportlens.training import FitConfig, Phase, fit, load_checkpoint, save_checkpoint
from sportlens.training.checkpoint import new_card

BUDGET_HINT = "--time-budget MIN caps it"
THRESHOLDS = (0.3, 0.4, 0.5, 0.6, 0.7)  # tried on the validation matches after training


def _fingerprint(clips: list[LabelledClip]) -> str:
    digest = hashlib.sha256()
    for c in clips:
        digest.update(f"{c.labels.resolve()}\t{len(c.track)}\t{int(c.track.visible.sum())}\n".encode())
    return digest.hexdigest()[:16]


def load_clips(data: list[Path]) -> tuple[list[LabelledClip], dict[str, str], list[str]]:
    """Every labelled clip under the DATA paths, its match (group) and where the grouping came from."""
    clips: list[LabelledClip] = []
    groups: dict[str, str] = {}
    sources: list[str] = []
    for path in data:
        found = find_labelled_clips(path)
        table, readme = group_table_for(path)
        for clip in found:
            groups[clip.name] = table.get(clip.name, clip.group)
        sources.append(str(readme) if readme else f"{path}: clip folders (gameN) or one group per rally")
        clips += found
    names = [c.name for c in clips]
    if len(set(names)) != len(names):
        dup = next(n for n in names if names.count(n) > 1)
        raise UserError(f"two clips are both called {dup!r}", data[0],
                        "give each DATA folder clips with distinct names")
    return clips, groups, sources


def predict_clips(net: torch.nn.Module, spec: NetSpec, clips: list[LabelledClip], cache: FrameCache,
                  ) -> list[tuple[np.ndarray, np.ndarray]]:
    """(points in source pixels at threshold 0, peak confidence) for every clip."""
    out = []
    for clip in clips:
        frames, background = cache.get(clip)
        out.append(clip_points(net, spec, frames, background, (clip.track.width, clip.track.height)))
    return out


def score(clips: list[LabelledClip], raw: list[tuple[np.ndarray, np.ndarray]], threshold: float,
          tolerance_px: float) -> dict[str, float]:
    """The `ball eval` metrics of predictions (post-processed as `ball track` does) at `threshold`."""
    pairs = []
    for clip, (points, confidence) in zip(clips, raw, strict=True):
        pts = np.where((confidence >= threshold)[:, None], points, np.nan)
        t = clip.track
        track = postprocess(BallTrack.from_points(pts, confidence, t.width, t.height, t.fps), PostSettings())
        pairs.append((t, track))
    m = evaluate(pairs, tolerance_px)
    return {k: float(m[k]) for k in ("f1", "sibatracc", "precision", "recall", "accuracy", "rmse_px", "frames")}


def network_fps(net: torch.nn.Module, spec: NetSpec, passes: int = 4) -> float:
    """Frames per second of the network alone (input at its size, 2 windows a pass) on this machine."""
    from sportlens.ball.inference import predict_heatmaps

    windows = np.random.default_rng(0).integers(0, 255, (2, spec.frames, spec.height, spec.width, 3), np.uint8)
    bg = windows[:, 0] if spec.background else None
    predict_heatmaps(net, windows, bg)
    t0 = time.perf_counter()
    for _ in range(passes):
        predict_heatmaps(net, windows, bg)
    return round(passes * 2 * spec.frames / (time.perf_counter() - t0), 1)


def _check_resume(out_dir: Path, record: dict[str, Any], resume: bool) -> None:
    if not resume:
        return
    config = out_dir / "train_config.json"
    if not (out_dir / "last.pt").is_file() or not config.is_file():
        raise UserError("nothing to resume in this folder", out_dir, "train without --resume first")
    if json.loads(config.read_text(encoding="utf-8")) != json.loads(json.dumps(record)):
        raise UserError("--resume needs the same data and options as the interrupted run", out_dir,
                        "see train_config.json there")


def run_train(data: list[str | Path] | str | Path, out_dir: str | Path, options: TrainOptions = TrainOptions(),
              progress: Progress | None = None) -> Summary:
    """Train `options.model` on the labelled clips under DATA into `out_dir`.

    Split by match (the README table beside the data, else the clip's game folder or rally): train / val / test.
    The epoch with the best validation F1 is kept. Files: best.pt (weights + model card), model_card.json,
    split.csv, history.csv (one row per epoch, written as training goes), train_config.json, last.pt (resume).
    Interrupted, the folder stays marked incomplete with last.pt; `options.resume` continues from there."""
    progress = ensure_progress(progress, "ball train")
    data = [Path(d) for d in (data if isinstance(data, list | tuple) else [data])]
    out_dir = Path(out_dir)
    spec = NET_SPECS[options.model]
    record = {"options": {k: v for k, v in plain(options).items() if k not in ("resume", "threads")},
              "data": [str(d.resolve()) for d in data]}
    _check_resume(out_dir, record, options.resume)
    clips, groups, group_sources = load_clips(data)  # every label file read and checked before any output
    splits = split_by_group(clips, groups, options.seed)
    by_split = {s: [c for c in clips if splits[c.name] == s] for s in ("train", "val", "test")}
    summary = Summary("ball train", inputs=[str(d) for d in data], options=plain(options))
    if options.threads:
        torch.set_num_threads(options.threads)
    with output_run(out_dir, summary, *data, clean=not options.resume):
        write_json(out_dir / "train_config.json", record)
        write_csv(out_dir / "split.csv", pd.DataFrame(
            [{"clip": c.name, "group": groups[c.name], "split": splits[c.name], "frames": len(c.track),
              "frames_with_ball": int(c.track.visible.sum()), "labels": str(c.labels)} for c in clips]))
        _train_into(by_split, groups, group_sources, clips, out_dir, options, spec, summary, progress)
    return summary


def _train_into(by_split: dict[str, list[LabelledClip]], groups: dict[str, str], group_sources: list[str],
                clips: list[LabelledClip], out_dir: Path, options: TrainOptions, spec: NetSpec, summary: Summary,
                progress: Progress) -> None:
    torch.manual_seed(options.seed)
    net = build_network(spec)
    cache = FrameCache(spec, options.cache_mb)
    windows = TrainWindows(by_split["train"], spec, cache, Augment())
    history: list[dict[str, Any]] = []
    if options.resume:  # the epoch log goes on from the epochs the resumed state holds
        history = list(torch.load(out_dir / "last.pt", map_location="cpu", weights_only=True)["history"])
    t0 = time.monotonic()

    def train_batches(epoch: int, gen: torch.Generator):
        rng = np.random.default_rng([options.seed, epoch])
        for _ in range(options.steps_per_epoch):
            yield windows.batch(options.batch_size, rng)

    def step(model, x, y, gen):
        return focal_bce(model(x), y)

    def validate(model) -> dict[str, float]:
        metrics = score(by_split["val"], predict_clips(model, spec, by_split["val"], cache), THRESHOLD,
                        options.tolerance_px)
        # one row per epoch as training goes (fit's own history, with the training loss, replaces it at the end)
        history.append({"epoch": len(history) + 1, **{f"val_{k}": v for k, v in metrics.items()},
                        "wall_s": round(time.monotonic() - t0, 1)})
        write_csv(out_dir / "history.csv", pd.DataFrame(history))
        return metrics

    split_record = {
        "method": "by match (group)", "seed": options.seed, "group_source": group_sources, "file": "split.csv",
        **{s: {"clips": len(c), "frames": sum(len(x.track) for x in c),
               "groups": sorted({groups[x.name] for x in c})} for s, c in by_split.items()},
    }
    card_base = {
        "network": spec.to_dict(),
        "threshold": THRESHOLD,
        "sigma_px": SIGMA_PX,
        "data": {"sources": sorted({str(c.labels.parent.resolve()) for c in clips}), "clips": len(clips),
                 "frames": sum(len(c.track) for c in clips), "fingerprint": _fingerprint(clips)},
        "split": split_record,
        "augment": plain(Augment()),
        "options": {k: v for k, v in plain(options).items() if k != "resume"},
    }

    def save_best(state, metrics, epoch) -> None:
        card = new_card(TASK, **card_base, metrics={"val": metrics}, training={"best_epoch": epoch})
        save_checkpoint(out_dir / "best.pt", state, card)

    config = FitConfig(
        phases=(Phase("train", options.epochs, options.lr),),
        time_budget_s=None if options.time_budget_min is None else options.time_budget_min * 60,
        weight_decay=0.01, seed=options.seed, monitor="f1", monitor_mode="max", amp="auto",
        patience=options.patience,
    )
    progress.message(
        f"training {spec.name} on {len(by_split['train'])} clips ({', '.join(split_record['train']['groups'])}), "
        f"validating on {len(by_split['val'])} ({', '.join(split_record['val']['groups'])}), testing on "
        f"{len(by_split['test'])} ({', '.join(split_record['test']['groups']) or 'none'})"
        + ("" if options.time_budget_min is None else f", budget {options.time_budget_min:g} min"))
    result = fit(net, [list(net.parameters())], train_batches, options.steps_per_epoch, validate, config, out_dir,
                 save_best, resume=options.resume, progress=progress, step=step, budget_hint=BUDGET_HINT)

    state, card = load_checkpoint(out_dir / "best.pt", TASK)
    net.load_state_dict(state)
    net.eval()
    # the decision threshold is chosen on the validation matches (never on the test ones)
    val_raw = predict_clips(net, spec, by_split["val"], cache)
    tried = {t: score(by_split["val"], val_raw, t, options.tolerance_px) for t in THRESHOLDS}
    threshold = max(THRESHOLDS, key=lambda t: (tried[t]["f1"], -abs(t - THRESHOLD)))
    test = (score(by_split["test"], predict_clips(net, spec, by_split["test"], cache), threshold,
                  options.tolerance_px) if by_split["test"] else None)
    card["threshold"] = threshold
    card["metrics"] = {"val": tried[threshold], "val_at_0.5": result.best_metrics, "test": test,
                       "tolerance_px": options.tolerance_px, "thresholds_tried": {str(t): tried[t]["f1"]
                                                                                   for t in THRESHOLDS}}
    card["speed"] = {"network_fps": network_fps(net, spec), "torch_threads": torch.get_num_threads(),
                     "what": f"network alone, {spec.width}x{spec.height} input, 2 windows a pass, this machine"}
    card["training"] = {"best_epoch": result.best_epoch, "epochs_run": result.epochs_run,
                        "stopped_by": result.stopped_by, "train_minutes": round(result.train_seconds / 60, 2),
                        "amp": result.amp_dtype, "decoded_clips": cache.decoded_clips}
    save_checkpoint(out_dir / "best.pt", {k: v.cpu() for k, v in net.state_dict().items()}, card)
    write_json(out_dir / "model_card.json", card)
    if result.history:
        write_csv(out_dir / "history.csv", pd.DataFrame(result.history))
    summary.metrics.update({"model": spec.name, "val": card["metrics"]["val"], "test": test, "threshold": threshold,
                            "training": card["training"], "speed": card["speed"], "split": split_record})
    summary.timings["train_s"] = round(result.train_seconds, 1)
