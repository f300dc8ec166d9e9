"""Trained models of every task, versioned in an MLflow model registry with their cards.

The registry is any MLflow tracking URI; by default a SQLite store in ~/.sportlens/registry/ (or
$SPORTLENS_REGISTRY), with the artifacts beside it. A model's name is `sportlens-<task>`; each registered run
folder becomes a version whose artifacts are the model file, its card (model_card.json) and the run's
summary.json; the card's figures are the run's metrics. The version with the alias `production` is the one
the service and `analyze` load.
"""

from __future__ import annotations

import json
import logging
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sportlens.errors import ModelError, UserError

PRODUCTION = "production"
MODEL_FILES = ("best.pt", "model.joblib")  # what each train command writes into its run folder
RUN_FILES = ("summary.json", "model_card.json", "train_config.json", "split.csv", "history.csv")
EXPERIMENT = "sportlens"


def default_registry() -> str:
    env = os.environ.get("SPORTLENS_REGISTRY")
    if env:
        return env
    folder = Path.home() / ".sportlens" / "registry"
    return f"sqlite:///{folder / 'mlflow.db'}"


def model_name(task: str) -> str:
    return f"sportlens-{task}"


def read_card(model_file: Path) -> dict[str, Any]:
    """The model card of a .pt checkpoint or a .joblib model, whatever its task."""
    from sportlens.models.card import CARD_FORMAT

    try:
        if model_file.suffix == ".pt":
            import torch

            blob = torch.load(model_file, map_location="cpu", weights_only=True)
        else:
            import joblib

            blob = joblib.load(model_file)
    except Exception as exc:  # foreign or damaged file
        raise ModelError(f"cannot read the model ({type(exc).__name__})", model_file) from None
    card = blob.get("card") if isinstance(blob, dict) else None
    if not isinstance(card, dict) or card.get("format") != CARD_FORMAT or "task" not in card:
        raise ModelError("not a sportlens model (no model card)", model_file)
    return card


def find_model_file(run: Path) -> Path:
    """The model file of a run folder (or the file itself)."""
    if run.is_file():
        return run
    if not run.is_dir():
        raise ModelError("run not found", run, "give the -o folder of a train command")
    for name in MODEL_FILES:
        if (run / name).is_file():
            return run / name
    raise ModelError("no model in this folder", run, f"a train command's -o folder holds {' or '.join(MODEL_FILES)}")


def _flat_metrics(metrics: Any, prefix: str = "") -> dict[str, float]:
    """Numbers of a (nested) metrics mapping as MLflow metric names: val.accuracy, test.macro_f1 ..."""
    out: dict[str, float] = {}
    if isinstance(metrics, dict):
        for key, value in metrics.items():
            name = f"{prefix}{key}"
            if isinstance(value, bool):
                continue
            if isinstance(value, int | float):
                out[name] = float(value)
            elif isinstance(value, dict):
                out.update(_flat_metrics(value, name + "."))
    return out


@dataclass(frozen=True)
class Version:
    name: str
    version: int
    task: str
    aliases: tuple[str, ...]
    run_id: str
    source_path: str
    created: int
    metrics: dict[str, float]
    tags: dict[str, str]

    def row(self) -> dict[str, Any]:
        return {"name": self.name, "version": self.version, "task": self.task,
                "production": PRODUCTION in self.aliases, "aliases": list(self.aliases),
                "source": self.source_path, "metrics": self.metrics, "tags": self.tags}


class ModelRegistry:
    """register / list / show / promote / fetch, on one MLflow store."""

    def __init__(self, uri: str | None = None):
        self.uri = uri or default_registry()
        self._client = None

    @property
    def client(self):
        if self._client is None:
            self._client = self._connect()
        return self._client

    def _connect(self):
        for noisy in ("mlflow", "alembic", "mlflow.store.db.utils"):
            logging.getLogger(noisy).setLevel(logging.WARNING)
        os.environ.setdefault("MLFLOW_ENABLE_ARTIFACTS_PROGRESS_BAR", "false")
        from mlflow import MlflowClient

        if self.uri.startswith("sqlite:///"):
            Path(self.uri.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
        try:
            client = MlflowClient(tracking_uri=self.uri, registry_uri=self.uri)
            experiment = client.get_experiment_by_name(EXPERIMENT)
            if experiment is None:
                client.create_experiment(EXPERIMENT, artifact_location=self._artifact_root())
        except Exception as exc:  # any store error: one line naming the store
            raise UserError(f"cannot open the model registry {self.uri} ({type(exc).__name__}: "
                            f"{str(exc).splitlines()[0] if str(exc) else ''})",
                            hint="check --registry / $SPORTLENS_REGISTRY") from None
        return client

    def _artifact_root(self) -> str | None:
        if self.uri.startswith("sqlite:///"):
            return (Path(self.uri.removeprefix("sqlite:///")).parent / "artifacts").resolve().as_uri()
        return None  # a tracking server decides

    # ---- writing ----------------------------------------------------------------------------------------

    def register(self, run: str | Path, promote_if_first: bool = False, tags: dict[str, str] | None = None) -> Version:
        """Log a run folder (model file, card, summary) as a new version of `sportlens-<task>`."""
        model_file = find_model_file(Path(run))
        card = read_card(model_file)
        task = str(card["task"])
        client = self.client
        experiment = client.get_experiment_by_name(EXPERIMENT)
        mlrun = client.create_run(experiment.experiment_id, run_name=f"{task} {model_file.parent.name}",
                                  tags={"sportlens.task": task})
        run_id = mlrun.info.run_id
        try:
            for key in ("model", "created_utc", "command"):
                if key in card:
                    client.log_param(run_id, key, str(card[key])[:6000])
            for key, value in _flat_metrics(card.get("metrics")).items():
                client.log_metric(run_id, key, value)
            with tempfile.TemporaryDirectory() as tmp:
                card_file = Path(tmp) / "model_card.json"
                card_file.write_text(json.dumps(card, indent=2, default=str), encoding="utf-8")
                client.log_artifact(run_id, str(card_file), "model")
            client.log_artifact(run_id, str(model_file), "model")
            folder = model_file.parent
            for name in RUN_FILES:
                if name != "model_card.json" and (folder / name).is_file():
                    client.log_artifact(run_id, str(folder / name), "model")
            client.set_terminated(run_id)
        except BaseException:
            client.set_terminated(run_id, status="FAILED")
            raise
        name = model_name(task)
        from mlflow.exceptions import MlflowException

        try:
            client.get_registered_model(name)
        except MlflowException:
            client.create_registered_model(name, description=f"sportlens {task} models")
        version_tags = {"source_path": str(model_file.resolve()), "model_file": model_file.name, **(tags or {})}
        made = client.create_model_version(name, f"runs:/{run_id}/model", run_id, tags=version_tags)
        if promote_if_first and self.production(task) is None:
            self.promote(task, int(made.version))
        return self.show(task, int(made.version))

    def promote(self, task: str, version: int) -> Version:
        """Make `version` the production model of the task (the alias moves; the old version stays)."""
        from mlflow.exceptions import MlflowException

        name = model_name(task)
        try:
            self.client.get_model_version(name, str(version))
        except MlflowException:
            raise ModelError(f"{name} has no version {version}", hint="see `sportlens models list`") from None
        self.client.set_registered_model_alias(name, PRODUCTION, str(version))
        return self.show(task, version)

    def tag(self, task: str, version: int, tags: dict[str, str]) -> None:
        for key, value in tags.items():
            self.client.set_model_version_tag(model_name(task), str(version), key, str(value))

    # ---- reading ----------------------------------------------------------------------------------------

    def _aliases(self, name: str, version: int) -> tuple[str, ...]:
        """Aliases of a version (MLflow's version search leaves them out; the registered model has them)."""
        aliases = getattr(self.client.get_registered_model(name), "aliases", {}) or {}
        return tuple(sorted(a for a, v in aliases.items() if int(v) == version))

    def _version(self, mv) -> Version:
        run = self.client.get_run(mv.run_id)
        aliases = self._aliases(mv.name, int(mv.version))
        return Version(mv.name, int(mv.version), mv.name.removeprefix("sportlens-"), aliases,
                       mv.run_id, (mv.tags or {}).get("source_path", ""), int(mv.creation_timestamp or 0),
                       dict(run.data.metrics), {k: v for k, v in (mv.tags or {}).items()})

    def list(self, task: str | None = None) -> list[Version]:
        names = [model_name(task)] if task else [m.name for m in self.client.search_registered_models()
                                                 if m.name.startswith("sportlens-")]
        out = []
        for name in sorted(names):
            versions = self.client.search_model_versions(f"name='{name}'")
            out += [self._version(mv) for mv in sorted(versions, key=lambda v: int(v.version))]
        return out

    def show(self, task: str, version: int | None = None) -> Version:
        from mlflow.exceptions import MlflowException

        name = model_name(task)
        try:
            mv = (self.client.get_model_version_by_alias(name, PRODUCTION) if version is None
                  else self.client.get_model_version(name, str(version)))
        except MlflowException:
            what = "no production version" if version is None else f"no version {version}"
            raise ModelError(f"{name} has {what}", hint="see `sportlens models list`") from None
        return self._version(mv)

    def production(self, task: str) -> Version | None:
        try:
            return self.show(task)
        except ModelError:
            return None

    def card(self, task: str, version: int | None = None) -> dict[str, Any]:
        return json.loads((self.fetch(task, version) / "model_card.json").read_text(encoding="utf-8"))

    def fetch(self, task: str, version: int | None = None, cache: Path | None = None) -> Path:
        """The version's files (model file, card, summary) in a local folder: a run folder the task's
        commands load like the one the train command wrote."""
        import mlflow.artifacts

        chosen = self.show(task, version)
        root = cache or Path(tempfile.gettempdir()) / "sportlens-registry"
        target = root / f"{chosen.name}-v{chosen.version}-{chosen.run_id[:12]}"
        if not (target / "model" / "model_card.json").is_file():
            target.mkdir(parents=True, exist_ok=True)
            mlflow.artifacts.download_artifacts(run_id=chosen.run_id, artifact_path="model", dst_path=str(target),
                                                tracking_uri=self.uri)
        return target / "model"


def registry_exists(uri: str | None = None) -> bool:
    """Whether a registry is there to ask, without starting MLflow: a SQLite store's file exists, or another
    kind of URI was configured on purpose."""
    uri = uri or default_registry()
    if uri.startswith("sqlite:///"):
        return Path(uri.removeprefix("sqlite:///")).is_file()
    return True


def production_run(task: str, uri: str | None = None) -> Path | None:
    """The local folder of the task's production model, or None when there is no registry or no production
    version (callers then use their own default, e.g. the shipped weights)."""
    if not registry_exists(uri):
        return None
    registry = ModelRegistry(uri)
    if registry.production(task) is None:
        return None
    return registry.fetch(task)
