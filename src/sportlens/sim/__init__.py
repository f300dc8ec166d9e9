"""Sport simulations: Gymnasium environments (half-pipe pumping, high-bar swing), scripted coaches' policies,
Stable-Baselines3 training, evaluation and rendering. `import sportlens.sim.envs` registers the environments."""
