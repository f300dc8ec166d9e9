"""Movement analysis on poses: repetitions from video."""
