"""The fit loop on small real problems: three Gaussian blobs (classification, a tiny MLP) and a noisy line
(regression through the same loop with an MSE step)."""

from __future__ import annotations

import importlib
import math
import re

import pytest
import torch
from torch import nn

from sportlens.events import EventLog, Progress
from sportlens.training.fit import FitConfig, Phase, fit, one_cycle_lr

fit_module = importlib.import_module("sportlens.training.fit")  # the package re-exports the function `fit`

N_CLASSES = 3


def blobs(n_per_class: int, seed: int) -> tuple[torch.Tensor, torch.Tensor]:
    gen = torch.Generator().manual_seed(seed)
    centres = torch.tensor([[3.0, 0.0], [-3.0, 0.0], [0.0, 3.0]])
    y = torch.arange(N_CLASSES).repeat_interleave(n_per_class)
    x = centres[y] + 0.6 * torch.randn(len(y), 2, generator=gen)
    return x, y


class Problem:
    def __init__(self, batch_size: int = 16):
        torch.manual_seed(0)
        self.model = nn.Sequential(nn.Linear(2, 16), nn.ReLU(), nn.Dropout(0.1), nn.Linear(16, N_CLASSES))
        self.groups = [list(self.model[0].parameters()), list(self.model[3].parameters())]
        self.x, self.y = blobs(40, seed=1)
        self.vx, self.vy = blobs(20, seed=2)
        self.batch_size = batch_size
        self.saved: list[int] = []
        self.best_state = None

    def batches(self, epoch, gen):
        order = torch.randperm(len(self.x), generator=gen)
        for start in range(0, len(order) - self.batch_size + 1, self.batch_size):
            idx = order[start : start + self.batch_size]
            yield self.x[idx], self.y[idx]

    def validate(self, model):
        logits = model(self.vx)
        return {"loss": float(nn.functional.cross_entropy(logits, self.vy)),
                "accuracy": float((logits.argmax(1) == self.vy).float().mean())}

    def save_best(self, state, metrics, epoch):
        self.saved.append(epoch)
        self.best_state = state

    def run(self, config, run_dir, **kw):
        steps = len(self.x) // self.batch_size
        return fit(self.model, self.groups, self.batches, steps, self.validate, config, run_dir, self.save_best, **kw)


def ticking_clock(monkeypatch, tick_s: float) -> None:
    """Replace the budget clock by one that advances tick_s per reading: budgets end after a fixed amount of
    work, whatever the machine's speed."""
    now = [0.0]

    def read() -> float:
        now[0] += tick_s
        return now[0]

    monkeypatch.setattr(fit_module, "budget_clock", lambda kind: read)


def test_one_cycle_lr_endpoints():
    assert one_cycle_lr(0.0, 1.0, 0.25, 25, 1e4) == pytest.approx(1 / 25)
    assert one_cycle_lr(0.25, 1.0, 0.25, 25, 1e4) == pytest.approx(1.0)
    assert one_cycle_lr(1.0, 1.0, 0.25, 25, 1e4) == pytest.approx(1e-4)
    # half-way down the cosine: the mean of peak and floor
    assert one_cycle_lr(0.625, 1.0, 0.25, 25, 1e4) == pytest.approx((1 + 1e-4) / 2)


def test_fit_learns_and_keeps_the_best(tmp_path):
    problem = Problem()
    config = FitConfig(phases=(Phase("train", 12, 0.05),), amp="off", channels_last=False, label_smoothing=0.0)
    result = problem.run(config, tmp_path)
    assert result.best_metrics["accuracy"] == 1.0
    assert result.epochs_run == 12 and [row["epoch"] for row in result.history] == list(range(1, 13))
    assert result.stopped_by == "epochs"
    assert problem.saved[-1] == result.best_epoch
    assert (tmp_path / "last.pt").is_file()
    # the learning rate followed the one-cycle: the last epoch ends near the floor
    assert result.history[-1]["lr"] < 0.05 * 0.05


def test_frozen_group_does_not_move_in_head_phase(tmp_path):
    problem = Problem()
    before = problem.model[0].weight.detach().clone()
    config = FitConfig(phases=(Phase("head", 2, 0.05, frozen=(0,)),), amp="off", channels_last=False)
    problem.run(config, tmp_path)
    assert torch.equal(problem.model[0].weight, before)
    assert not torch.equal(problem.best_state["3.weight"], Problem().model[3].weight)


def test_time_budget_stops_early_with_the_best_model(tmp_path, monkeypatch):
    ticking_clock(monkeypatch, 0.01)
    problem = Problem(batch_size=4)
    config = FitConfig(phases=(Phase("train", 100_000, 0.05),), time_budget_s=0.6, amp="off", channels_last=False)
    result = problem.run(config, tmp_path)
    assert result.stopped_by == "time_budget"
    assert 1 <= result.epochs_run < 10
    assert result.train_seconds == pytest.approx(0.6, abs=0.05)
    assert problem.best_state is not None
    # the schedule ran out with the budget: the last learning rate is near the floor
    assert result.history[-1]["lr"] < 0.05 * 0.1


class Interrupted(Exception):
    pass


@pytest.mark.parametrize("dies_in_epoch", [3, 4])  # 3: first epoch of the second phase; 4: in its middle
def test_resume_after_interruption_reproduces_the_uninterrupted_run(tmp_path, dies_in_epoch):
    config = FitConfig(
        phases=(Phase("head", 2, 0.05, frozen=(0,)), Phase("all", 4, 0.02, lr_ratios=(0.1, 1.0))),
        amp="off", channels_last=False, mixup_alpha=0.4,
    )
    straight = Problem()
    straight.run(config, tmp_path / "straight")

    broken = Problem()
    calls = {"epochs": 0}
    original = broken.batches

    def dies(epoch, gen):
        calls["epochs"] += 1
        if calls["epochs"] == dies_in_epoch:  # the process is killed during this epoch
            raise Interrupted
        yield from original(epoch, gen)

    broken.batches = dies
    with pytest.raises(Interrupted):
        broken.run(config, tmp_path / "broken")
    resumed = Problem()
    result = resumed.run(config, tmp_path / "broken", resume=True)
    assert [row["epoch"] for row in result.history] == [1, 2, 3, 4, 5, 6]
    assert [row["phase"] for row in result.history] == ["head", "head", "all", "all", "all", "all"]
    for name, value in straight.model.state_dict().items():
        assert torch.allclose(value, resumed.model.state_dict()[name], atol=1e-6), name
    # resuming a finished run trains nothing more
    again = Problem()
    finished = again.run(config, tmp_path / "broken", resume=True)
    assert finished.epochs_run == 6 and again.saved == []
    assert math.isclose(finished.best_metrics["accuracy"], result.best_metrics["accuracy"])


def test_batch_norm_recalibration_gives_the_plain_average_of_batch_statistics():
    from sportlens.training.fit import recalibrate_batch_norm

    torch.manual_seed(0)
    model = nn.Sequential(nn.Conv2d(1, 2, 1, bias=False), nn.BatchNorm2d(2))
    batches = [(torch.randn(4, 1, 3, 3) * (k + 1) + k, torch.zeros(4)) for k in range(3)]
    recalibrate_batch_norm(model, iter(batches), n_batches=2, device=torch.device("cpu"), channels_last=False)
    with torch.no_grad():
        outs = [model[0](x) for x, _ in batches[:2]]
    means = torch.stack([o.mean(dim=(0, 2, 3)) for o in outs]).mean(0)
    variances = torch.stack([o.var(dim=(0, 2, 3), unbiased=True) for o in outs]).mean(0)
    assert torch.allclose(model[1].running_mean, means, atol=1e-5)
    assert torch.allclose(model[1].running_var, variances, atol=1e-5)
    assert model[1].momentum == 0.1 and model.training


def test_progress_events_epochs_batches_and_one_line_per_epoch(tmp_path):
    problem = Problem()
    log = EventLog()
    config = FitConfig(phases=(Phase("head", 1, 0.05, frozen=(0,)), Phase("all", 2, 0.02)), amp="off",
                       channels_last=False)
    problem.run(config, tmp_path, progress=Progress("demo", log))
    epochs = [e for e in log.events if e.step == "train"]
    assert (epochs[0].kind, epochs[0].total, epochs[0].unit) == ("start", 3, "epochs")
    assert [e.done for e in epochs if e.kind == "advance"] == [1, 2, 3]
    batch_steps = [e.step for e in log.events if e.unit == "batches" and e.kind == "start"]
    assert batch_steps == ["head 1/1", "all 1/2", "all 2/2"]
    assert all(e.total == 7 for e in log.events if e.unit == "batches")  # 120 items // 16
    lines = [e.message for e in log.events if e.kind == "message"]
    per_epoch = [line for line in lines if line.startswith("epoch")]
    assert len(per_epoch) == 3 and "val_accuracy" in per_epoch[0] and "(best)" in per_epoch[0]
    # no time budget: after the first epoch, an estimate of the rest
    (estimate,) = [line for line in lines if "per epoch" in line]
    assert re.fullmatch(r"\d+\.\d s per epoch: about \d+ (s|min|h) more for 3 epochs; a time budget caps it",
                        estimate)


def test_a_progress_listener_can_stop_the_run_and_resume_continues(tmp_path):
    """Ctrl-C in the CLI or a cancelled job: the listener raises after epoch 2; last.pt holds epoch 2."""
    config = FitConfig(phases=(Phase("train", 4, 0.05),), amp="off", channels_last=False)
    straight = Problem()
    straight.run(config, tmp_path / "straight")

    def stop_after_two(event):
        if event.step == "train" and event.kind == "advance" and event.done == 2:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        Problem().run(config, tmp_path / "stopped", progress=Progress("demo", stop_after_two))
    state = torch.load(tmp_path / "stopped" / "last.pt", weights_only=True)
    assert len(state["history"]) == 2 and not state["finished"]
    resumed = Problem()
    result = resumed.run(config, tmp_path / "stopped", resume=True)
    assert [row["epoch"] for row in result.history] == [1, 2, 3, 4]
    for name, value in straight.model.state_dict().items():
        assert torch.allclose(value, resumed.model.state_dict()[name], atol=1e-6), name


def test_cancel_stops_within_an_epoch(tmp_path):
    progress = Progress("demo")
    seen = []

    def cancel_on_third_batch(event):
        if event.unit == "batches" and event.kind == "advance":
            seen.append(event.done)
            if event.done == 3:
                progress.cancel()

    progress.listener = cancel_on_third_batch
    from sportlens.events import Cancelled

    with pytest.raises(Cancelled):
        Problem().run(FitConfig(phases=(Phase("train", 5, 0.05),), amp="off", channels_last=False), tmp_path,
                      progress=progress)
    assert seen == [1, 2, 3]
    assert not (tmp_path / "last.pt").exists()  # stopped inside the first epoch: nothing to resume from


class Line:
    """Regression: y = 2x - 1 plus noise, fitted by a linear layer through the same loop."""

    def __init__(self):
        gen = torch.Generator().manual_seed(3)
        self.x = torch.linspace(-1, 1, 64).unsqueeze(1)
        self.y = 2 * self.x - 1 + 0.05 * torch.randn(64, 1, generator=gen)
        self.vx = torch.linspace(-0.95, 0.95, 16).unsqueeze(1)
        self.vy = 2 * self.vx - 1
        torch.manual_seed(0)
        self.model = nn.Linear(1, 1)
        self.saved: list[tuple[int, float]] = []

    def batches(self, epoch, gen):
        order = torch.randperm(64, generator=gen)
        for start in range(0, 64, 16):
            idx = order[start : start + 16]
            yield self.x[idx], self.y[idx]

    def validate(self, model):
        return {"loss": float(nn.functional.mse_loss(model(self.vx), self.vy))}

    def save_best(self, state, metrics, epoch):
        self.saved.append((epoch, metrics["loss"]))


def mse_step(model, x, y, gen):
    return nn.functional.mse_loss(model(x), y)


def test_regression_with_an_mse_step_and_a_minimised_monitor(tmp_path):
    line = Line()
    config = FitConfig(phases=(Phase("train", 30, 0.1),), weight_decay=0.0, amp="off", channels_last=False,
                       monitor="loss", monitor_mode="min")
    result = fit(line.model, [list(line.model.parameters())], line.batches, 4, line.validate, config, tmp_path,
                 line.save_best, step=mse_step)
    assert line.model.weight.item() == pytest.approx(2.0, abs=0.05)
    assert line.model.bias.item() == pytest.approx(-1.0, abs=0.05)
    losses = [row["val_loss"] for row in result.history]
    assert result.best_metrics["loss"] == min(losses) < 0.01
    assert result.best_epoch == losses.index(min(losses)) + 1
    # a checkpoint is saved exactly when the validation loss reaches a new low
    lows = [(i + 1, v) for i, v in enumerate(losses) if v < min(losses[:i], default=math.inf)]
    assert line.saved == lows
    assert result.history[0]["train_loss"] > 10 * result.history[-1]["train_loss"]


def test_monitor_must_be_among_the_validation_metrics(tmp_path):
    line = Line()
    config = FitConfig(phases=(Phase("train", 1, 0.1),), amp="off", channels_last=False, monitor="accuracy")
    with pytest.raises(ValueError, match="validation returned no 'accuracy'"):
        fit(line.model, [list(line.model.parameters())], line.batches, 4, line.validate, config, tmp_path,
            line.save_best, step=mse_step)
    with pytest.raises(ValueError, match="monitor_mode must be 'max' or 'min'"):
        FitConfig(phases=(Phase("train", 1, 0.1),), monitor_mode="lowest")
    with pytest.raises(ValueError, match="at least one epoch"):
        FitConfig(phases=(Phase("train", 0, 0.1),))


def test_early_stopping_after_patience_epochs_without_improvement(tmp_path):
    # a learning rate of 0: the weights never move, so epoch 1 stays the best and every later epoch ties it
    problem = Problem()
    config = FitConfig(phases=(Phase("head", 3, 0.0), Phase("train", 10, 0.0)), amp="off", channels_last=False,
                       patience=2)
    log = EventLog()
    result = problem.run(config, tmp_path / "run", progress=Progress("demo", log))
    assert result.stopped_by == "early_stopping" and result.best_epoch == 1 and result.epochs_run == 3
    assert problem.saved == [1]
    messages = [e.message for e in log.events if e.kind == "message"]
    assert any("early stopping: 2 epoch(s) without a better val_accuracy (best: epoch 1)" in m for m in messages)
    # the same run without patience goes through all 13 epochs of both phases
    assert Problem().run(FitConfig(phases=config.phases, amp="off", channels_last=False), tmp_path / "all").epochs_run \
        == 13
    # a learning run keeps improving: patience 3 does not cut 12 epochs that each beat the last
    learning = Problem().run(FitConfig(phases=(Phase("train", 12, 0.05),), amp="off", channels_last=False,
                                       label_smoothing=0.0, patience=12), tmp_path / "learn")
    assert learning.stopped_by == "epochs" and learning.epochs_run == 12
    with pytest.raises(ValueError, match="patience must be at least 1"):
        FitConfig(phases=config.phases, patience=0)
