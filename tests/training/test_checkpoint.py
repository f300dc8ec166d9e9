from importlib import metadata

import pytest
import torch

from sportlens.errors import ModelError
from sportlens.training.checkpoint import load_checkpoint, new_card, save_checkpoint


def test_checkpoint_round_trip_keeps_weights_and_card(tmp_path):
    state = {"w": torch.arange(6, dtype=torch.float32).reshape(2, 3)}
    card = new_card("classify", model="tiny", classes=["a", "b"], metrics={"val": {"accuracy": 0.5}})
    path = save_checkpoint(tmp_path / "best.pt", state, card)
    loaded_state, loaded_card = load_checkpoint(path, "classify")
    assert torch.equal(loaded_state["w"], state["w"])
    assert loaded_card["classes"] == ["a", "b"]
    assert loaded_card["metrics"]["val"]["accuracy"] == 0.5
    assert loaded_card["versions"]["torch"] == metadata.version("torch")
    assert set(loaded_card) >= {"format", "format_version", "task", "created_utc", "command", "versions"}
    assert not list(tmp_path.glob(".tmp-*"))


def test_checkpoint_of_another_task_is_refused(tmp_path):
    path = save_checkpoint(tmp_path / "ball.pt", {}, new_card("ball"))
    with pytest.raises(ModelError, match="model is for task 'ball', not 'classify'"):
        load_checkpoint(path, "classify")


def test_missing_unreadable_and_foreign_checkpoints(tmp_path):
    with pytest.raises(ModelError, match="checkpoint not found"):
        load_checkpoint(tmp_path / "none.pt", "classify")
    (tmp_path / "junk.pt").write_bytes(b"not a checkpoint")
    with pytest.raises(ModelError, match="cannot read checkpoint"):
        load_checkpoint(tmp_path / "junk.pt", "classify")
    torch.save({"weights": torch.zeros(1)}, tmp_path / "plain.pt")
    with pytest.raises(ModelError, match="not a sportlens model \\(no model card\\)"):
        load_checkpoint(tmp_path / "plain.pt", "classify")


def test_newer_checkpoint_format_is_refused(tmp_path):
    card = new_card("classify")
    card["format_version"] = 99
    path = save_checkpoint(tmp_path / "new.pt", {}, card)
    with pytest.raises(ModelError, match="newer than this sportlens"):
        load_checkpoint(path, "classify")
