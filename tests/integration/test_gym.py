"""`wandb.init(monitor_gym=True)` with gymnasium's `RecordVideo`: each video the wrapper writes is
logged as `videos`. (wandb 0.31's own patch fails on gymnasium >= 1.0 at `env.close()`:
`RecordVideo` has no `enabled` attribute, so there is no offline record to compare with.)"""

from __future__ import annotations

from tests import helpers
from tests.integration._support import only_run, rows, run_standin

SCRIPT = """
import numpy as np
import gymnasium as gym
import wandb

class Dot(gym.Env):
    \"\"\"A dot walking right on a 32x32 picture: rgb_array frames without pygame.\"\"\"
    metadata = {"render_modes": ["rgb_array"], "render_fps": 8}
    def __init__(self, render_mode="rgb_array"):
        self.render_mode = render_mode
        self.observation_space = gym.spaces.Box(0, 31, (1,), np.float32)
        self.action_space = gym.spaces.Discrete(2)
    def reset(self, seed=None, options=None):
        super().reset(seed=seed)
        self.x = 0
        return np.array([0], np.float32), {}
    def step(self, action):
        self.x += 1
        return np.array([self.x], np.float32), 1.0, self.x >= 10, False, {}
    def render(self):
        frame = np.zeros((32, 32, 3), np.uint8)
        frame[12:20, self.x * 2:self.x * 2 + 8] = 255
        return frame

run = wandb.init(project="gym", monitor_gym=True)
env = gym.wrappers.RecordVideo(Dot(), "videos", episode_trigger=lambda e: e < 2, disable_logger=True)
env.reset(seed=0)
for episode in range(2):
    done = False
    while not done:
        _, _, term, trunc, _ = env.step(0)
        done = term or trunc
    wandb.log({"episode": episode})
    env.reset()
env.close()
wandb.finish()
"""


def test_monitor_gym_logs_record_video_files(tl_dir, tmp_path):
    helpers.require("gymnasium")
    helpers.require("moviepy")
    work = tmp_path / "work"
    run_standin(SCRIPT, work)
    run = only_run("gym")
    videos = [r["videos"] for r in rows(run) if "videos" in r]
    assert len(videos) == 2  # episodes 0 and 1; the trigger records no third
    for video in videos:
        assert video["_type"] == "video-file" and video["path"].endswith(".mp4")
    names = sorted(f.name for f in run.files() if f.name.endswith(".mp4"))
    assert len(names) == 2
    assert sorted(p.name for p in (work / "videos").iterdir()) == ["rl-video-episode-0.mp4", "rl-video-episode-1.mp4"]
