"""`tracklab sweep` and `tracklab agent`: wandb's sweep commands, run locally on optuna."""

from __future__ import annotations

import os
import sys

import click


def _say(message: str) -> None:
    from tracklab.sweeps import _term

    _term.log(message)


def _fail(message: str) -> None:
    click.echo(f"tracklab: ERROR {message}", err=True)
    sys.exit(1)


def _load_yaml(path: str) -> dict:
    import yaml

    try:
        with open(path) as handle:
            config = yaml.safe_load(handle)
    except OSError as exc:
        _fail(f"Couldn't open sweep file: {path} ({exc.strerror})")
    except yaml.YAMLError as exc:
        _fail(f"Error in configuration file: {exc}")
    if not config:
        _fail("Configuration file is empty")
    return config


def _list_sweeps(project: str | None) -> None:
    from tracklab.sweeps import _storage
    from tracklab.sweeps._state import SweepHandle, list_sweeps

    found = [s for s in list_sweeps() if project is None or s["project"] == project]
    if not found:
        _say(f"no sweeps in {_storage.describe()}")
        return
    click.echo(f"{'ID':<10} {'PROJECT':<20} {'METHOD':<7} {'STATE':<9} {'RUNS':>5}  {'BEST':<12} NAME")
    for record in found:
        handle = SweepHandle.open(record["id"])
        best = handle.best_trial()
        best_text = f"{best.value:.6g}" if best is not None else "-"
        click.echo(f"{record['id']:<10} {str(record['project'])[:20]:<20} {record['method']:<7} "
                   f"{handle.effective_state():<9} {len(handle.trials()):>5}  {best_text:<12} {record['name'] or ''}")


@click.command(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--project", "-p", default=None, help="The project of the sweep (and of its runs).")
@click.option("--entity", "-e", default=None, help="The entity recorded with the sweep.")
@click.option("--name", default=None, help="The name of the sweep (overrides the config's).")
@click.option("--program", default=None, help="The program of the sweep (overrides the config's).")
@click.option("--controller", is_flag=True, default=False, help="Accepted for wandb; agents schedule themselves.")
@click.option("--verbose", is_flag=True, default=False, help="Print the parsed config.")
@click.option("--prior_run", "-R", "prior_runs", multiple=True, help="ID of an existing run to add to the sweep.")
@click.option("--update", default=None, metavar="SWEEP_ID", help="Update the config of a pending or running sweep.")
@click.option("--stop", is_flag=True, default=False, help="Finish the sweep: no new runs, running runs finish.")
@click.option("--cancel", is_flag=True, default=False, help="Cancel the sweep: running runs are killed.")
@click.option("--pause", is_flag=True, default=False, help="Pause the sweep: agents wait.")
@click.option("--resume", is_flag=True, default=False, help="Resume a paused sweep.")
@click.argument("config_yaml_or_sweep_id")
def sweep(project: str | None, entity: str | None, name: str | None, program: str | None, controller: bool,
          verbose: bool, prior_runs: tuple[str, ...], update: str | None, stop: bool, cancel: bool, pause: bool,
          resume: bool, config_yaml_or_sweep_id: str) -> None:
    """Create a sweep from CONFIG_YAML, change the state of SWEEP_ID, or `ls` the sweeps."""
    from tracklab.errors import UsageError
    from tracklab.sweeps._state import CANCELED, FINISHED, PAUSED, RUNNING, SweepHandle

    target = config_yaml_or_sweep_id
    actions = [flag for flag, on in (("stop", stop), ("cancel", cancel), ("pause", pause), ("resume", resume)) if on]
    if len(actions) > 1:
        _fail(f"choose one of --{', --'.join(actions)}")
    try:
        if target == "ls" and not os.path.exists(target) and not actions:
            _list_sweeps(project)
            return
        if actions:
            path = target if "/" in target or not project else f"{project}/{target}"
            handle = SweepHandle.open(path)
            state, verb = {"stop": (FINISHED, "Stopping"), "cancel": (CANCELED, "Cancelling"),
                           "pause": (PAUSED, "Pausing"), "resume": (RUNNING, "Resuming")}[actions[0]]
            _say(f"{verb} sweep {handle.project}/{handle.id}.")
            handle.set_state(state, {"stop": "stopped", "cancel": "canceled"}.get(actions[0]))
            _say("Done.")
            return
        config = _load_yaml(target)
        if name:
            config["name"] = name
        if program:
            config["program"] = program
        if verbose:
            import yaml

            click.echo(yaml.safe_dump(config, sort_keys=False), err=True)
        if update:
            handle = SweepHandle.open(update)
            _say(f"Updating sweep {handle.project}/{handle.id} from: {target}")
            handle.update_config(config)
            _say("Done.")
            return
        from tracklab.sweeps import sweep as create_sweep
        from tracklab.sweeps._schema import parse

        parse(config)
        _say(f"Creating sweep from: {target}")
        import contextlib
        import io

        with contextlib.redirect_stdout(io.StringIO()):  # the Python API's own print line
            sweep_id = create_sweep(config, entity=entity, project=project, prior_runs=list(prior_runs) or None)
        handle = SweepHandle.open(sweep_id)
        _say(f"Creating sweep with ID: {sweep_id}")
        from tracklab.sweeps import _storage

        _say(f"Sweep stored in: {_storage.describe()}")
        path = "/".join(p for p in (handle.entity, handle.project, sweep_id) if p)
        _say(f"Run sweep agent with: tracklab agent {path}")
    except UsageError as exc:
        _fail(str(exc))


@click.command(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--project", "-p", default=None, help="The project of the sweep.")
@click.option("--entity", "-e", default=None, help="The entity of the sweep.")
@click.option("--count", default=None, type=int, help="The most runs this agent does.")
@click.option("--forward-signals", "-f", is_flag=True, default=False, help="Accepted for wandb.")
@click.option("--term-timeout", "-t", default=None, type=int,
              help="Seconds between terminating and killing a run (default WANDB_AGENT_KILL_DELAY or 30).")
@click.option("--max-consecutive-failed-runs", default=None, type=int, help="Stop after this many failures in a row.")
@click.argument("sweep_id")
def agent(project: str | None, entity: str | None, count: int | None, forward_signals: bool,
          term_timeout: int | None, max_consecutive_failed_runs: int | None, sweep_id: str) -> None:
    """Run the program of sweep SWEEP_ID for each trial the sweep hands out."""
    from tracklab.errors import UsageError
    from tracklab.sweeps import agent as run_agent

    _say("Starting sweep agent: entity={}, project={}, count={}".format(entity, project, count))
    try:
        run_agent(sweep_id, entity=entity, project=project, count=count, forward_signals=forward_signals,
                  term_timeout=term_timeout, max_consecutive_failed_runs=max_consecutive_failed_runs)
    except (UsageError, ValueError, TypeError) as exc:
        _fail(str(exc))
