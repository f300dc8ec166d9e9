"""The fit loop on a small real problem: two Gaussian blobs per class, a tiny MLP."""

from __future__ import annotations

import math

import pytest
import torch
from torch import nn

from sportlens.training.fit import FitConfig, Phase, fit, one_cycle_lr

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
        return fit(self.model, self.groups, self.batches, steps * self.batch_size, steps, self.validate, config,
                   run_dir, self.save_best, progress=False, **kw)


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


def test_time_budget_stops_early_with_the_best_model(tmp_path):
    problem = Problem(batch_size=4)
    config = FitConfig(phases=(Phase("train", 100_000, 0.05),), time_budget_s=0.6, amp="off", channels_last=False)
    result = problem.run(config, tmp_path)
    assert result.stopped_by == "time_budget"
    assert result.epochs_run < 100_000
    assert 0.6 <= result.train_seconds < 5.0
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
