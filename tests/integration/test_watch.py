"""`watch` / `unwatch` on torch models: wandb's keys, bins and cadence, the graph, hook removal."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
import torch

import tracklab  # noqa: E402
from tests.integration._support import histogram_keys, only_run, rows  # noqa: E402
from tracklab.sdk import wandb_watch as torch_watch  # noqa: E402

# The same training loop under real wandb offline and under TrackLab (`wandb` is either).
MLP_SCRIPT = """
import torch
torch.manual_seed(0)
model = torch.nn.Sequential(torch.nn.Linear(4, 8), torch.nn.ReLU(), torch.nn.Linear(8, 1))
run = wandb.init(project="watch")
wandb.watch(model, log="all", log_freq=2, log_graph=True)
opt = torch.optim.SGD(model.parameters(), lr=0.1)
x, y = torch.randn(16, 4), torch.randn(16, 1)
for i in range(5):
    loss = ((model(x) - y) ** 2).mean()
    opt.zero_grad(); loss.backward(); opt.step()
    wandb.log({"loss": loss.item()})
wandb.finish()
"""


@pytest.fixture(autouse=True)
def _first_watch_of_the_process(monkeypatch):
    """Key prefixes count watched models per process (as wandb does): start each test from zero."""
    monkeypatch.setattr(torch_watch, "_global_watch_idx", 0)


def _mlp() -> torch.nn.Module:
    torch.manual_seed(0)
    return torch.nn.Sequential(torch.nn.Linear(4, 8), torch.nn.ReLU(), torch.nn.Linear(8, 1))


def _train(model: torch.nn.Module, steps: int, log: bool = True) -> None:
    x, y = torch.randn(16, 4), torch.randn(16, 1)
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    for _ in range(steps):
        loss = ((model(x) - y) ** 2).mean()
        opt.zero_grad()
        loss.backward()
        opt.step()
        if log:
            tracklab.log({"loss": loss.item()})


def _hook_count(model: torch.nn.Module) -> int:
    forward = sum(len(m._forward_hooks) for m in model.modules())
    backward = sum(len(p._backward_hooks or {}) for p in model.parameters())
    return forward + backward


@pytest.mark.slow
def test_histograms_and_graph_match_wandb_offline(tl_dir, tmp_path):
    from tests._wandb_offline import run_wandb_offline

    oracle = run_wandb_offline("import wandb\n" + MLP_SCRIPT, tmp_path / "oracle")
    exec(compile("import tracklab as wandb\n" + MLP_SCRIPT, "mlp", "exec"), {})
    ours = rows(only_run("watch"))
    theirs = oracle["history"]
    assert [sorted(histogram_keys(r)) for r in ours] == [sorted(histogram_keys(r)) for r in theirs]
    assert sorted(histogram_keys(ours[1])) == sorted(
        f"{kind}/{name}" for kind in ("gradients", "parameters") for name in ("0.weight", "0.bias", "2.weight",
                                                                                "2.bias"))
    for mine, real in zip(ours, theirs, strict=True):
        for key in histogram_keys(real):
            assert mine[key]["bins"] == real[key]["bins"], key
            assert mine[key]["values"] == real[key]["values"], key
    summary = only_run("watch").summary
    assert summary["graph_0"]["_type"] == "graph-file" == oracle["summary"]["graph_0"]["_type"]
    graph = json.loads(Path(tl_dir, "runs", "watch", only_run("watch").id, "files",
                            summary["graph_0"]["path"]).read_text())
    real_graph = json.loads(Path(oracle["files_dir"], oracle["summary"]["graph_0"]["path"]).read_text())
    for node in graph["nodes"] + real_graph["nodes"]:
        node.pop("id")  # id(module): differs between processes
    assert graph == real_graph


@pytest.mark.parametrize("log, kinds", [("gradients", {"gradients"}), ("parameters", {"parameters"}),
                                        ("all", {"gradients", "parameters"}), (None, set())])
def test_log_choices_and_frequency(tl_dir, log, kinds):
    run = tracklab.init(project=f"freq-{log}")
    model = _mlp()
    run.watch(model, log=log, log_freq=3)
    _train(model, 7)
    run.finish()
    logged = [(row["_step"], {k.split("/")[0] for k in histogram_keys(row)}) for row in rows(only_run(run.project))]
    assert [step for step, found in logged if found] == ([2, 5] if kinds else [])
    assert all(found in (set(), kinds) for _, found in logged)


def test_second_model_gets_a_prefix_and_bad_input_is_refused(tl_dir):
    run = tracklab.init(project="two")
    first, second = _mlp(), _mlp()
    run.watch([first, second], log="parameters", log_freq=1, idx=0)
    first(torch.randn(2, 4))
    second(torch.randn(2, 4))
    tracklab.log({})
    with pytest.raises(ValueError):
        run.watch(_mlp(), log="weights")
    with pytest.raises(TypeError):
        run.watch("not a model")
    run.finish()
    keys = histogram_keys(rows(only_run("two"))[0])
    assert "parameters/0.weight" in keys and "parameters/graph_10.weight" in keys


def test_unwatch_and_finish_remove_every_hook(tl_dir):
    run = tracklab.init(project="hooks")
    model, other = _mlp(), _mlp()
    baseline = _hook_count(model)
    run.watch(model, log="all", log_freq=1, log_graph=True)
    run.watch(other, log="all", log_freq=1)
    assert _hook_count(model) > baseline and _hook_count(other) > baseline
    run.unwatch(model)
    assert _hook_count(model) == baseline and not hasattr(model, "_wandb_hook_names")
    run.watch(model, log="gradients", log_freq=1, log_graph=True)  # watching again after unwatch is allowed
    _train(model, 1)
    run.finish()
    assert _hook_count(model) == baseline and _hook_count(other) == baseline
    _train(model, 1, log=False)  # nothing is logged to the finished run, nothing raises


def test_graph_hooks_go_once_the_graph_is_built(tl_dir):
    run = tracklab.init(project="graph")
    model = _mlp()
    run.watch(model, log=None, log_graph=True)
    assert _hook_count(model) == 3
    model(torch.randn(2, 4))
    assert _hook_count(model) == 0
    assert run.summary["graph_0"]["_type"] == "graph-file"
    run.finish()


def test_no_work_between_logging_steps(tl_dir, monkeypatch):
    computed = []
    original = torch_watch.histogram_of
    monkeypatch.setattr(torch_watch, "histogram_of", lambda t: computed.append(1) or original(t))
    run = tracklab.init(project="cheap")
    model = _mlp()
    run.watch(model, log="all", log_freq=50)
    _train(model, 120, log=False)
    assert len(computed) == 2 * 8  # steps 50 and 100, 4 gradients + 4 parameters each

    # Between logging steps a watched model trains about as fast as an unwatched one.
    def seconds(m: torch.nn.Module) -> float:
        start = time.perf_counter()
        _train(m, 200, log=False)
        return time.perf_counter() - start

    plain = min(seconds(_mlp()) for _ in range(3))
    watched_model = _mlp()
    run.watch(watched_model, log="all", log_freq=10**9)
    watched = min(seconds(watched_model) for _ in range(3))
    run.finish()
    assert watched < plain * 2 + 0.05, (watched, plain)
