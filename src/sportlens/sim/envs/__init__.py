"""The sport environments, registered with Gymnasium on import:

    import gymnasium, sportlens.sim.envs
    env = gymnasium.make("sportlens/HalfPipe-v0")

Each id's default parameters are data in ENVIRONMENTS (one row per id); `gymnasium.make(id, **kwargs)`
overrides any of them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import gymnasium


@dataclass(frozen=True)
class EnvSpec:
    entry_point: str
    max_episode_steps: int
    actions: str  # "Discrete" or "Box": which algorithms can drive it
    kwargs: dict[str, Any] = field(default_factory=dict)
    description: str = ""


ENVIRONMENTS: dict[str, EnvSpec] = {
    "sportlens/HalfPipe-v0": EnvSpec("sportlens.sim.envs.halfpipe:HalfPipeEnv", 600, "Discrete", {},
                                     "skater pumping up a half-pipe; discrete crouch/hold/stand"),
    "sportlens/HalfPipeContinuous-v0": EnvSpec("sportlens.sim.envs.halfpipe:HalfPipeEnv", 600, "Box",
                                               {"continuous": True},
                                               "the half-pipe with a continuous leg command in [-1, 1]"),
    "sportlens/HighBarSwing-v0": EnvSpec("sportlens.sim.envs.highbar:HighBarSwingEnv", 800, "Box", {},
                                         "gymnast on the high bar (double pendulum, hip torque): a giant swing"),
    "sportlens/HighBarSwingDiscrete-v0": EnvSpec("sportlens.sim.envs.highbar:HighBarSwingEnv", 800,
                                                 "Discrete", {"discrete": True},
                                                 "the high bar with three hip torques (flex, none, extend)"),
    "sportlens/HighBarRelease-v0": EnvSpec("sportlens.sim.envs.highbar:HighBarSwingEnv", 800, "Box",
                                           {"goal": "release"},
                                           "the high bar: reach a release height of the centre of mass"),
}

for _id, _spec in ENVIRONMENTS.items():
    if _id not in gymnasium.registry:
        gymnasium.register(_id, entry_point=_spec.entry_point, max_episode_steps=_spec.max_episode_steps,
                           kwargs=dict(_spec.kwargs))
