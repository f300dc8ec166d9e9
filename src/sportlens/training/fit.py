"""A generic supervised fit loop: phases, one-cycle learning rates, mixed precision, best-on-validation,
a time budget that ends the schedule on time, and resume from `last.pt`.

The task supplies the model, its parameter groups (bottom to top), a batch iterator, a training step (the
loss of one batch; classification cross-entropy with label smoothing and mixup/cutmix is the default), a
validation function and the metric to monitor with its direction; this module knows nothing about images,
balls or actions. Progress goes out as events (`sportlens.events.Progress`): the epochs as one step, the
batches of each epoch as another, one message per epoch.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import torch
from torch import nn

from sportlens.events import Progress, ensure_progress
from sportlens.io.atomic import atomic_path

Batches = Callable[[int, torch.Generator], Iterable[tuple[torch.Tensor, torch.Tensor]]]
Validate = Callable[[nn.Module], dict[str, float]]
SaveBest = Callable[[dict[str, torch.Tensor], dict[str, float], int], None]
# step(model, inputs, targets, generator) -> the scalar loss of one batch (inputs and targets already on the
# device; fit runs it under autocast and does the backward pass and the optimiser step)
TrainStep = Callable[[nn.Module, torch.Tensor, torch.Tensor, torch.Generator], torch.Tensor]
MONITOR_MODES = ("max", "min")


@dataclass(frozen=True)
class Phase:
    """One stage of training, e.g. "head" (backbone frozen) then "finetune" (all groups, discriminative LRs).

    lr is the peak learning rate of the top group; lr_ratios (one per group, bottom to top) scale it for
    the lower groups; frozen lists the group indices whose parameters do not train in this phase;
    budget_fraction is this phase's share of the time budget (the last phase gets whatever is left).
    """

    name: str
    epochs: int
    lr: float
    lr_ratios: tuple[float, ...] | None = None
    frozen: tuple[int, ...] = ()
    budget_fraction: float = 1.0


@dataclass(frozen=True)
class FitConfig:
    """Settings of a fit that do not depend on the phase. time_budget_s=None trains for the phases' epochs.

    monitor names the validation metric that picks the best epoch, monitor_mode whether higher ("max") or
    lower ("min") is better; ties go to the lower validation loss. label_smoothing and the mix settings are
    those of the default classification step (`classification_step`).

    budget_clock "wall" measures the budget in wall-clock seconds; "cpu" in this process's CPU seconds divided
    by torch's thread count, i.e. seconds of a machine with those cores to itself (fair on a shared machine).
    bn_recalibration_batches > 0 recomputes batch-norm running statistics over that many training batches
    before each validation ("precise BN"): in short runs the running averages lag the weights.
    patience: early stopping; the run ends once that many epochs in a row did not beat the best one
    (stopped_by "early_stopping"), counted across phases and across a resume.
    """

    phases: tuple[Phase, ...]
    time_budget_s: float | None = None
    weight_decay: float = 0.05
    label_smoothing: float = 0.1
    mixup_alpha: float = 0.0
    cutmix_alpha: float = 0.0
    mix_prob: float = 1.0
    pct_start: float = 0.25
    div_factor: float = 25.0
    final_div_factor: float = 1e4
    grad_clip: float | None = 2.0
    seed: int = 0
    amp: str = "auto"
    channels_last: bool = True
    monitor: str = "accuracy"
    monitor_mode: str = "max"
    budget_clock: str = "wall"
    bn_recalibration_batches: int = 0
    patience: int | None = None  # stop after this many epochs without a better monitored metric (None: never)

    def __post_init__(self) -> None:
        if self.patience is not None and self.patience < 1:
            raise ValueError(f"patience must be at least 1 epoch, got {self.patience}")
        if self.monitor_mode not in MONITOR_MODES:
            raise ValueError(f"monitor_mode must be 'max' or 'min', not {self.monitor_mode!r}")
        if not self.phases or any(p.epochs < 1 for p in self.phases):
            raise ValueError("every phase needs at least one epoch")

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class FitResult:
    history: list[dict[str, float]] = field(default_factory=list)
    best_metrics: dict[str, float] = field(default_factory=dict)
    best_epoch: int = -1
    epochs_run: int = 0
    stopped_by: str = "epochs"
    train_seconds: float = 0.0
    wall_seconds: float = 0.0
    amp_dtype: str | None = None


def budget_clock(kind: str):
    """A seconds counter for time budgets: wall clock, or process CPU seconds per torch thread."""
    if kind == "wall":
        return time.monotonic
    if kind == "cpu":
        threads = max(torch.get_num_threads(), 1)
        return lambda: time.process_time() / threads
    raise ValueError(f"budget clock must be 'wall' or 'cpu', not {kind!r}")


def one_cycle_lr(progress: float, peak: float, pct_start: float, div_factor: float, final_div_factor: float) -> float:
    """Learning rate at `progress` in [0, 1] of a cosine one-cycle: peak/div up to peak, then down to peak/final."""
    progress = min(max(progress, 0.0), 1.0)
    start, end = peak / div_factor, peak / final_div_factor
    if progress < pct_start:
        return start + (peak - start) * (1 - math.cos(math.pi * progress / pct_start)) / 2
    q = (progress - pct_start) / max(1.0 - pct_start, 1e-9)
    return end + (peak - end) * (1 + math.cos(math.pi * q)) / 2


def resolve_amp(amp: str, device: torch.device) -> torch.dtype | None:
    """Mixed-precision dtype for `amp` ("auto", "off", "bf16", "fp16") on `device`; None means float32."""
    if amp == "off":
        return None
    if amp == "fp16":
        return torch.float16
    if amp == "bf16":
        return torch.bfloat16
    if device.type == "cuda":
        return torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float16
    # CPUs with AVX512-BF16/AMX run bf16 convolutions about 1.7x faster than float32 (measured on this project's
    # 2-core EPYC); others would be slower, so stay in float32 there.
    try:
        return torch.bfloat16 if torch.ops.mkldnn._is_mkldnn_bf16_supported() else None
    except (AttributeError, RuntimeError):
        return None


def _param_groups(
    groups: Sequence[Sequence[nn.Parameter]], phase: Phase, weight_decay: float
) -> list[dict[str, Any]]:
    ratios = phase.lr_ratios or (1.0,) * len(groups)
    if len(ratios) != len(groups):
        raise ValueError(f"phase {phase.name!r} has {len(ratios)} lr ratios for {len(groups)} groups")
    out = []
    for index, params in enumerate(groups):
        trainable = index not in phase.frozen
        for p in params:
            p.requires_grad_(trainable)
        if not trainable:
            continue
        # no weight decay on biases and normalisation scales: decaying them only hurts
        decay = [p for p in params if p.ndim > 1]
        no_decay = [p for p in params if p.ndim <= 1]
        for plist, wd in ((decay, weight_decay), (no_decay, 0.0)):
            if plist:
                out.append({"params": plist, "weight_decay": wd, "lr_ratio": ratios[index], "lr": phase.lr})
    return out


def _mix(
    x: torch.Tensor, y: torch.Tensor, config: FitConfig, gen: torch.Generator
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, float]:
    """Mixup or cutmix (chosen at random when both are on); returns x, y_a, y_b, lambda."""
    use_mix = config.mixup_alpha > 0 or config.cutmix_alpha > 0
    if not use_mix or torch.rand((), generator=gen).item() >= config.mix_prob or len(x) < 2:
        return x, y, y, 1.0
    perm = torch.randperm(len(x), generator=gen)
    cut = config.cutmix_alpha > 0 and (config.mixup_alpha <= 0 or torch.rand((), generator=gen).item() < 0.5)
    alpha = config.cutmix_alpha if cut else config.mixup_alpha
    lam = float(torch.distributions.Beta(alpha, alpha).sample().item()) if alpha > 0 else 1.0
    if cut:
        h, w = x.shape[-2:]
        cut_h, cut_w = int(h * math.sqrt(1 - lam)), int(w * math.sqrt(1 - lam))
        cy = int(torch.randint(h, (), generator=gen))
        cx = int(torch.randint(w, (), generator=gen))
        y0, y1 = max(cy - cut_h // 2, 0), min(cy + cut_h // 2, h)
        x0, x1 = max(cx - cut_w // 2, 0), min(cx + cut_w // 2, w)
        x = x.clone()
        x[..., y0:y1, x0:x1] = x[perm][..., y0:y1, x0:x1]
        lam = 1 - (y1 - y0) * (x1 - x0) / (h * w)
    else:
        x = lam * x + (1 - lam) * x[perm]
    return x, y, y[perm], lam


def classification_step(config: FitConfig) -> TrainStep:
    """The default step: cross-entropy on integer targets with config's label smoothing, on a batch mixed
    by mixup or cutmix (config.mixup_alpha, cutmix_alpha, mix_prob; off when both alphas are 0)."""
    loss_fn = nn.CrossEntropyLoss(label_smoothing=config.label_smoothing)

    def step(model: nn.Module, x: torch.Tensor, y: torch.Tensor, gen: torch.Generator) -> torch.Tensor:
        x, y_a, y_b, lam = _mix(x, y, config, gen)
        logits = model(x).float()
        if lam == 1.0:
            return loss_fn(logits, y_a)
        return lam * loss_fn(logits, y_a) + (1 - lam) * loss_fn(logits, y_b)

    return step


@torch.no_grad()
def recalibrate_batch_norm(model: nn.Module, batches: Iterable[tuple[torch.Tensor, torch.Tensor]], n_batches: int,
                           device: torch.device, channels_last: bool = True) -> None:
    """Replace batch-norm running statistics by their plain average over `n_batches` batches (train mode)."""
    norms = [m for m in model.modules() if isinstance(m, nn.modules.batchnorm._BatchNorm)]
    if not norms:
        return
    momenta = [m.momentum for m in norms]
    for m in norms:
        m.reset_running_stats()
        m.momentum = None  # cumulative average
    was_training = model.training
    model.train()
    for k, (x, _) in enumerate(batches):
        if k >= n_batches:
            break
        x = x.to(device)
        if channels_last and x.ndim == 4:
            x = x.contiguous(memory_format=torch.channels_last)
        model(x)
    for m, momentum in zip(norms, momenta, strict=True):
        m.momentum = momentum
    model.train(was_training)


def _score(metrics: dict[str, float], config: FitConfig) -> tuple[float, float]:
    """Larger is better: the monitored metric (negated when lower is better), then the lower validation loss
    (ties on the monitored metric are common on small validation sets)."""
    if config.monitor not in metrics:
        raise ValueError(f"validation returned no {config.monitor!r} (the monitored metric); got {sorted(metrics)}")
    value = float(metrics[config.monitor])
    return (value if config.monitor_mode == "max" else -value, -float(metrics.get("loss", 0.0)))


def _duration(seconds: float) -> str:
    return f"{seconds:.0f} s" if seconds < 90 else f"{seconds / 60:.0f} min" if seconds < 5400 else \
        f"{seconds / 3600:.1f} h"


def fit(
    model: nn.Module,
    groups: Sequence[Sequence[nn.Parameter]],
    train_batches: Batches,
    steps_per_epoch: int,
    validate: Validate,
    config: FitConfig,
    run_dir: str | Path,
    save_best: SaveBest,
    resume: bool = False,
    device: torch.device | str = "cpu",
    progress: Progress | None = None,
    step: TrainStep | None = None,
    budget_hint: str = "a time budget caps it",
) -> FitResult:
    """Train `model` through `config.phases`; validate after every epoch and hand the best state to `save_best`.

    `train_batches(epoch, generator)` yields (inputs, targets) on any device, `steps_per_epoch` batches.
    `step` computes the loss of one batch (default: `classification_step(config)`); `validate(model)`
    returns metrics that include `config.monitor`. After each epoch `run_dir/last.pt` holds everything
    needed to resume, written before the epoch is reported, so a run stopped from a progress listener
    resumes after that epoch. With a time budget, the learning-rate schedule follows the larger of step
    progress and time progress, so the rate anneals to its floor just as the budget runs out. Without one,
    the first epoch's duration gives an estimate of the whole run as a progress message (ending with
    `budget_hint`).
    """
    device = torch.device(device)
    run_dir = Path(run_dir)
    progress = ensure_progress(progress, "train")
    step = step or classification_step(config)
    clock = budget_clock(config.budget_clock)
    wall_t0 = time.monotonic()
    amp_dtype = resolve_amp(config.amp, device)
    scaler = torch.amp.GradScaler("cuda") if amp_dtype == torch.float16 and device.type == "cuda" else None
    model.to(device)
    if config.channels_last:
        model.to(memory_format=torch.channels_last)
    torch.manual_seed(config.seed)

    result = FitResult(amp_dtype=None if amp_dtype is None else str(amp_dtype).replace("torch.", ""))
    best_score = (float("-inf"), float("-inf"))
    start_phase, start_epoch, elapsed_before = 0, 0, 0.0
    opt_state = None
    state: dict[str, Any] = {}
    last_path = run_dir / "last.pt"
    if resume:
        state = torch.load(last_path, map_location="cpu", weights_only=True)
        if state.get("finished"):
            return _restore_result(state, result)
        model.load_state_dict(state["model"])
        start_phase, start_epoch = int(state["phase"]), int(state["epoch_in_phase"])
        elapsed_before = float(state["elapsed_s"])
        result.history = list(state["history"])
        result.best_metrics = dict(state["best_metrics"])
        result.best_epoch = int(state["best_epoch"])
        best_score = _score(result.best_metrics, config) if result.best_metrics else best_score
        opt_state = state["optimizer"]
        torch.set_rng_state(state["torch_rng"])

    t0 = clock() - elapsed_before
    global_epoch = sum(p.epochs for p in config.phases[:start_phase]) + start_epoch
    total_epochs = sum(p.epochs for p in config.phases)
    epochs_this_run = 0
    with progress.step("train", total=total_epochs, unit="epochs") as epoch_step:
        if global_epoch:
            epoch_step.advance(global_epoch)
        for phase_index in range(start_phase, len(config.phases)):
            phase = config.phases[phase_index]
            optimizer = torch.optim.AdamW(_param_groups(groups, phase, config.weight_decay), lr=phase.lr)
            first_epoch = start_epoch if phase_index == start_phase else 0
            if opt_state is not None and phase_index == start_phase:
                optimizer.load_state_dict(opt_state)
            phase_elapsed = float(state["phase_elapsed_s"]) if resume and phase_index == start_phase else 0.0
            phase_t0 = clock() - phase_elapsed
            phase_budget = _phase_budget(config, phase_index, clock() - t0 - phase_elapsed)
            out_of_time = False
            for epoch in range(first_epoch, phase.epochs):
                epoch_wall_t0 = time.monotonic()
                model.train()
                gen = torch.Generator().manual_seed(config.seed * 100_003 + global_epoch)
                loss_sum, seen, n_batches = 0.0, 0, 0
                lr_top = phase.lr
                name = f"{phase.name} {epoch + 1}/{phase.epochs}"
                with progress.step(name, total=steps_per_epoch, unit="batches") as batch_step:
                    for x, y in train_batches(global_epoch, gen):
                        progress_frac = _progress(
                            epoch, n_batches, steps_per_epoch, phase.epochs, clock() - phase_t0, phase_budget
                        )
                        lr_top = one_cycle_lr(
                            progress_frac, phase.lr, config.pct_start, config.div_factor, config.final_div_factor
                        )
                        for group in optimizer.param_groups:
                            group["lr"] = lr_top * group["lr_ratio"]
                        x, y = x.to(device, non_blocking=True), y.to(device, non_blocking=True)
                        if config.channels_last and x.ndim == 4:
                            x = x.contiguous(memory_format=torch.channels_last)
                        with torch.autocast(device.type, dtype=amp_dtype or torch.float32,
                                            enabled=amp_dtype is not None):
                            loss = step(model, x, y, gen)
                        optimizer.zero_grad(set_to_none=True)
                        if scaler is not None:
                            scaler.scale(loss).backward()
                            scaler.unscale_(optimizer)
                        else:
                            loss.backward()
                        if config.grad_clip:
                            nn.utils.clip_grad_norm_(model.parameters(), config.grad_clip)
                        if scaler is not None:
                            scaler.step(optimizer)
                            scaler.update()
                        else:
                            optimizer.step()
                        loss_sum += float(loss.detach()) * len(x)
                        seen += len(x)
                        n_batches += 1
                        batch_step.advance()
                        if phase_budget is not None and clock() - phase_t0 >= phase_budget:
                            out_of_time = True
                            break
                if config.bn_recalibration_batches:
                    calib_gen = torch.Generator().manual_seed(config.seed * 7_919 + global_epoch)
                    recalibrate_batch_norm(model, train_batches(global_epoch, calib_gen),
                                           config.bn_recalibration_batches, device, config.channels_last)
                model.eval()
                with torch.no_grad():
                    metrics = {k: float(v) for k, v in validate(model).items()}
                global_epoch += 1
                row = {
                    "epoch": global_epoch,
                    "phase": phase.name,
                    "train_loss": loss_sum / max(seen, 1),
                    **{f"val_{k}": v for k, v in metrics.items()},
                    "lr": lr_top,
                    "elapsed_s": clock() - t0,
                    "wall_s": time.monotonic() - wall_t0,
                }
                result.history.append(row)
                improved = _score(metrics, config) > best_score
                if improved:
                    best_score = _score(metrics, config)
                    result.best_metrics, result.best_epoch = metrics, global_epoch
                    best_state = {k: v.detach().cpu().clone() for k, v in model.state_dict().items()}
                    save_best(best_state, metrics, global_epoch)
                phase_done = out_of_time or epoch + 1 == phase.epochs
                # a finished phase hands over no optimizer state: the next phase builds its own
                _save_last(
                    last_path, model, None if phase_done else optimizer, phase_index + (1 if phase_done else 0),
                    0 if phase_done else epoch + 1, clock() - t0,
                    0.0 if phase_done else clock() - phase_t0, result, finished=False,
                )
                progress.message(
                    f"epoch {global_epoch:3d} {phase.name:8s} train_loss {row['train_loss']:.3f}  "
                    + "  ".join(f"val_{k} {v:.3f}" for k, v in metrics.items())
                    + ("  (best)" if improved else "")
                )
                epochs_this_run += 1
                if epochs_this_run == 1 and config.time_budget_s is None and global_epoch < total_epochs:
                    per_epoch = time.monotonic() - epoch_wall_t0
                    progress.message(
                        f"{per_epoch:.1f} s per epoch: about {_duration(per_epoch * (total_epochs - global_epoch))}"
                        f" more for {total_epochs} epochs; {budget_hint}"
                    )
                epoch_step.advance()
                if config.patience is not None and global_epoch - result.best_epoch >= config.patience:
                    result.stopped_by = "early_stopping"
                    progress.message(f"early stopping: {config.patience} epoch(s) without a better "
                                     f"val_{config.monitor} (best: epoch {result.best_epoch})")
                    break
                if out_of_time:
                    break
            if result.stopped_by == "early_stopping":
                break
            if out_of_time:  # a cut-short earlier phase still lets the later phases run on what is left
                result.stopped_by = "time_budget"
            start_epoch, opt_state = 0, None
    result.epochs_run = len(result.history)
    result.train_seconds = clock() - t0
    result.wall_seconds = time.monotonic() - wall_t0
    _save_last(last_path, model, None, len(config.phases), 0, result.train_seconds, 0.0, result, finished=True)
    return result


def _phase_budget(config: FitConfig, phase_index: int, elapsed: float) -> float | None:
    if config.time_budget_s is None:
        return None
    remaining = max(config.time_budget_s - elapsed, 0.0)
    if phase_index == len(config.phases) - 1:
        return remaining
    return min(config.time_budget_s * config.phases[phase_index].budget_fraction, remaining)


def _progress(
    epoch: int, batch: int, steps_per_epoch: int, epochs: int, phase_elapsed: float, budget: float | None
) -> float:
    """Schedule position in [0, 1]: epoch progress, or time progress when that is further along."""
    step_frac = (epoch + min(batch / max(steps_per_epoch, 1), 1.0)) / max(epochs, 1)
    time_frac = 0.0 if budget is None else phase_elapsed / max(budget, 1e-9)
    return max(step_frac, time_frac)


def _save_last(
    path: Path,
    model: nn.Module,
    optimizer: torch.optim.Optimizer | None,
    phase: int,
    epoch_in_phase: int,
    elapsed_s: float,
    phase_elapsed_s: float,
    result: FitResult,
    finished: bool,
) -> None:
    state = {
        "model": model.state_dict(),
        "optimizer": None if optimizer is None else optimizer.state_dict(),
        "phase": phase,
        "epoch_in_phase": epoch_in_phase,
        "elapsed_s": elapsed_s,
        "phase_elapsed_s": phase_elapsed_s,
        "history": result.history,
        "best_metrics": result.best_metrics,
        "best_epoch": result.best_epoch,
        "stopped_by": result.stopped_by,
        "torch_rng": torch.get_rng_state(),
        "finished": finished,
    }
    with atomic_path(path) as tmp:
        torch.save(state, tmp)


def _restore_result(state: dict[str, Any], result: FitResult) -> FitResult:
    result.history = list(state["history"])
    result.best_metrics = dict(state["best_metrics"])
    result.best_epoch = int(state["best_epoch"])
    result.epochs_run = len(result.history)
    result.stopped_by = str(state.get("stopped_by", "epochs"))
    result.train_seconds = float(state["elapsed_s"])
    return result
