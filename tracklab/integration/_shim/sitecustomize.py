"""Started by Python at start-up when this folder is on PYTHONPATH (`tracklab run` puts it there).

With `TRACKLAB_AS_WANDB=1` it makes `import wandb` give TrackLab. Either way it then runs the
`sitecustomize` this one shadows, if there is one further along `sys.path`.
"""

import os
import sys


def _tracklab_standin() -> None:
    if os.environ.get("TRACKLAB_AS_WANDB", "").strip().lower() not in ("1", "true", "yes", "on"):
        return
    try:
        import tracklab  # noqa: F401
    except ImportError:  # tracklab not installed for this interpreter: use the copy this shim is part of
        sys.path.append(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
    try:
        from tracklab.integration import enable_wandb_standin

        enable_wandb_standin()
    except Exception as exc:  # never break the interpreter's start-up
        sys.stderr.write(f"tracklab: could not stand in for wandb: {exc!r}\n")


def _chain_next_sitecustomize() -> None:
    import importlib.machinery
    import importlib.util

    here = os.path.dirname(os.path.abspath(__file__))
    rest = [p for p in sys.path if os.path.abspath(p or ".") != here]
    spec = importlib.machinery.PathFinder.find_spec("sitecustomize", rest)
    if spec is None or spec.loader is None:
        return
    module = importlib.util.module_from_spec(spec)
    sys.modules["sitecustomize"] = module
    spec.loader.exec_module(module)


_tracklab_standin()
_chain_next_sitecustomize()
