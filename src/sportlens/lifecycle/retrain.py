"""`run_retrain`: a candidate trained on the production model's data plus new data, compared with production
on the same held-out data, registered, and promoted only when it is better by the stated margin (the gate).

Per task, an adapter says how to join the old and new data, train with the production run's own options,
and score a run on held-out data. The held-out data must share no file with either training set (checked).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sportlens.errors import DataFormatError, UserError
from sportlens.events import Progress, ensure_progress
from sportlens.io.output_dir import output_run
from sportlens.lifecycle.options import RetrainOptions
from sportlens.lifecycle.registry import ModelRegistry
from sportlens.summary import Summary, plain


@dataclass(frozen=True)
class Adapter:
    source: Callable[[dict[str, Any]], Path]  # the production model's training data, from its card
    files: Callable[[Path], set[Any]]  # what a data source holds: files, recordings (for the overlap check)
    combine: Callable[[Path, Path, Path], Path]  # (old, new, target manifest) -> training data for the candidate
    train: Callable[[Path, Path, dict[str, Any], Progress], None]  # (data, run folder, production options)
    score: Callable[[Path, Path, Path, Progress], dict[str, float]]  # (run, held-out data, out) -> metrics
    metrics: tuple[str, ...]


# ---- classify: image folders or manifests ---------------------------------------------------------------

def _classify_source(card: dict[str, Any]) -> Path:
    return Path(str((card.get("data") or {}).get("source", "")))


def _classify_files(source: Path) -> set[Path]:
    from sportlens.classify.data import scan_images

    return {item.path.resolve() for item in scan_images(source).items}


def _classify_combine(old: Path, new: Path, target: Path) -> Path:
    import pandas as pd

    from sportlens.classify.data import scan_images
    from sportlens.io.atomic import write_csv

    rows = [{"path": str(item.path.resolve()), "class": item.label, "source": name}
            for name, source in (("production data", old), ("new data", new))
            for item in scan_images(source).items]
    return write_csv(target, pd.DataFrame(rows, columns=["path", "class", "source"]))


def _classify_train(data: Path, run: Path, production_options: dict[str, Any], progress: Progress) -> None:
    from sportlens.classify.options import TrainOptions
    from sportlens.classify.train import run_train

    known = set(TrainOptions.__dataclass_fields__)
    options = {k: v for k, v in production_options.items() if k in known and k != "resume"}
    run_train(data, run, TrainOptions(**options), progress.child("candidate"))


def _classify_score(run: Path, holdout: Path, out: Path, progress: Progress) -> dict[str, float]:
    from sportlens.classify.evaluate import run_eval
    from sportlens.classify.options import EvalOptions

    metrics = run_eval(run, holdout, out, EvalOptions(split="all", n_mistakes=0), progress).metrics
    return {"accuracy": float(metrics["accuracy"]), "macro_f1": float(metrics["macro_f1"]),
            "n": int(metrics.get("n_images", 0))}


# ---- imu: labelled long CSVs (recording_id, label, person ...) ------------------------------------------

def _imu_source(card: dict[str, Any]) -> Path:
    return Path(str(card.get("data") or ""))


def _imu_table(source: Path):
    import pandas as pd

    from sportlens.errors import DataFormatError

    if not source.is_file() or source.suffix.lower() != ".csv":
        raise DataFormatError("IMU retraining takes labelled CSV files (recording_id, label, ...)", source,
                              "export the recordings as one labelled CSV")
    return pd.read_csv(source)


def _imu_files(source: Path) -> set[str]:
    """A recording is the unit: the same recording_id in two sets is the same recording."""
    return set(_imu_table(source)["recording_id"].astype(str))


def _imu_combine(old: Path, new: Path, target: Path) -> Path:
    import pandas as pd

    from sportlens.errors import DataFormatError
    from sportlens.io.atomic import write_csv

    a, b = _imu_table(old), _imu_table(new)
    if set(a.columns) != set(b.columns):
        raise DataFormatError(f"the new data's columns differ from the production data's "
                              f"({sorted(set(a.columns) ^ set(b.columns))})", new, "use the same columns")
    return write_csv(target.with_suffix(".csv"), pd.concat([a, b[a.columns]], ignore_index=True))


def _imu_train(data: Path, run: Path, production_options: dict[str, Any], progress: Progress) -> None:
    from sportlens.imu.options import TrainOptions
    from sportlens.imu.pipeline import run_train
    from sportlens.options import options_from_mapping

    known = set(TrainOptions.__dataclass_fields__)
    options = options_from_mapping(TrainOptions, {k: v for k, v in production_options.items()
                                                  if k in known and k != "epochs"})
    run_train(data, run, options, progress.child("candidate"))


def _imu_score(run: Path, holdout: Path, out: Path, progress: Progress) -> dict[str, float]:
    import json

    import numpy as np

    from sportlens.imu.classify import load_model
    from sportlens.imu.options import EvalOptions
    from sportlens.imu.pipeline import run_eval

    model = run / "model.joblib"
    load_model(model)  # a clear error for a folder without a model
    options = json.loads((run / "summary.json").read_text(encoding="utf-8")).get("options", {}) \
        if (run / "summary.json").is_file() else {}
    summary = run_eval(model, holdout, out, EvalOptions(label_col=options.get("label_col") or "label"), progress)
    e = summary.metrics["evaluation"]
    confusion = np.asarray(e["confusion"], float)
    truth, said = confusion.sum(1), confusion.sum(0)
    f1 = [2 * confusion[k, k] / (truth[k] + said[k]) for k in range(len(confusion)) if truth[k] > 0]
    return {"accuracy": float(e["accuracy"]), "macro_f1": float(np.mean(f1)) if f1 else 0.0,
            "n": int(e["n_windows"])}


ADAPTERS: dict[str, Adapter] = {
    "classify": Adapter(_classify_source, _classify_files, _classify_combine, _classify_train, _classify_score,
                        ("macro_f1", "accuracy")),
    "imu": Adapter(_imu_source, _imu_files, _imu_combine, _imu_train, _imu_score, ("macro_f1", "accuracy")),
}


def run_retrain(task: str, new_data: str | Path, out_dir: str | Path, options: RetrainOptions,
                progress: Progress | None = None) -> Summary:
    progress = ensure_progress(progress, "retrain")
    new_data, out_dir, holdout = Path(new_data), Path(out_dir), Path(options.holdout)
    adapter = ADAPTERS.get(task)
    if adapter is None:
        raise UserError(f"retrain does not support task {task!r} yet", hint=f"supported: {', '.join(ADAPTERS)}")
    if options.metric not in adapter.metrics:
        raise UserError(f"--metric {options.metric}: {task} is scored by {', '.join(adapter.metrics)}")
    for path, what in ((new_data, "new data"), (holdout, "held-out data")):
        if not path.exists():
            raise DataFormatError(f"{what} not found", path)
    registry = ModelRegistry(options.registry)
    production = registry.production(task)
    if production is None:
        raise UserError(f"no production {task} model in the registry {registry.uri}",
                        hint="register one and promote it: sportlens models register RUN --promote")
    production_dir = registry.fetch(task)
    card = registry.card(task)
    old_data = adapter.source(card)
    if not old_data.exists():
        raise DataFormatError("the production model's training data is no longer there", old_data,
                              "put it back (retraining needs the old data plus the new)")
    training = adapter.files(old_data) | adapter.files(new_data)
    shared = adapter.files(holdout) & training
    if shared:
        raise DataFormatError(f"the held-out data shares {len(shared)} file(s) with the training data "
                              f"(e.g. {sorted(map(str, shared))[0]})", holdout,
                              "hold out files neither model trained on")
    import json

    production_summary = production_dir / "summary.json"
    production_options = (json.loads(production_summary.read_text(encoding="utf-8")).get("options", {})
                          if production_summary.is_file() else {})
    production_options.update({k: v for k, v in options.overrides().items() if v is not None})
    summary = Summary("retrain", inputs=[str(new_data), str(holdout)], options=plain(options))
    with output_run(out_dir, summary, new_data, holdout, old_data):
        data = adapter.combine(old_data, new_data, out_dir / "training_data.csv")  # a manifest or the joined CSV
        adapter.train(data, out_dir / "candidate", production_options, progress)
        production_scores = adapter.score(production_dir, holdout, out_dir / "eval-production",
                                          progress.child("production"))
        candidate_scores = adapter.score(out_dir / "candidate", holdout, out_dir / "eval-candidate",
                                         progress.child("candidate"))
        metric = options.metric
        gain = candidate_scores[metric] - production_scores[metric]
        promote = gain >= options.margin
        decision = "promoted" if promote else "kept out"
        tags = {"retrain.holdout": str(holdout.resolve()), "retrain.metric": metric,
                f"retrain.candidate_{metric}": f"{candidate_scores[metric]:.6f}",
                f"retrain.production_{metric}": f"{production_scores[metric]:.6f}",
                "retrain.production_version": str(production.version), "retrain.margin": str(options.margin),
                "retrain.decision": decision}
        version = registry.register(out_dir / "candidate", tags=tags)
        if promote:
            registry.promote(task, version.version)
        summary.metrics.update({
            "task": task, "metric": metric, "margin": options.margin, "gain": round(gain, 6),
            "candidate": candidate_scores, "production": production_scores, "decision": decision,
            "promoted": promote, "candidate_version": version.version,
            "production_version_before": production.version,
            "production_version_after": version.version if promote else production.version,
            "registry": registry.uri,
        })
        if not promote:
            summary.warn(f"the candidate is not better by {options.margin:g} {metric} "
                         f"({candidate_scores[metric]:.4f} vs {production_scores[metric]:.4f}): "
                         f"version {version.version} is registered but production stays {production.version}")
    return summary
