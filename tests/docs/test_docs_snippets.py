"""The user docs, followed literally: every code block of README.md, docs/quickstart.md,
docs/moving-from-wandb.md and docs/troubleshooting.md runs as written, each in a fresh folder with
its own TRACKLAB_DIR and a fresh interpreter (so a block needs all of its imports).

Marker comments in a block, which this test honours:
- `# doc-test: skip (why)`: not run here (installs packages, a server that runs until Ctrl-C);
- `# doc-test: continues (...)`: runs after the block before it, in the same folder and store
  (a read-back of the run that block logged);
- `# doc-test: with train.py` / `# doc-test: with wandb/`: the folder first gets a small wandb
  training script / real wandb offline runs, as the user's own folder would have.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests import helpers
from tests.docs._markdown import REPO, SKIP_MARK, Block, code_blocks, code_spans
from tests.helpers import python_env

USER_DOCS = ["README.md", "docs/quickstart.md", "docs/moving-from-wandb.md", "docs/troubleshooting.md"]
ALL_DOCS = ["README.md", *sorted(str(p.relative_to(REPO)) for p in (REPO / "docs").glob("*.md"))]

CONTINUES = "doc-test: continues"
WITH = "doc-test: with "

TRAIN_PY = """\
import argparse

import wandb

parser = argparse.ArgumentParser()
parser.add_argument("--lr", type=float, default=0.01)
args = parser.parse_args()
assert getattr(wandb, "__tracklab__", False), "the stand-in is off: wandb is the real package"
run = wandb.init(project="train", config=vars(args))
for step in range(3):
    wandb.log({"loss": args.lr / (step + 1)})
wandb.finish()
"""

WANDB_RUN = """
import wandb
run = wandb.init(project="old-project", config={"lr": 0.1})
for step in range(3):
    wandb.log({"loss": 1.0 / (step + 1)})
wandb.finish()
"""


def _chains() -> list[list[Block]]:
    """The blocks to run, a block together with the blocks that continue it."""
    chains: list[list[Block]] = []
    for doc in USER_DOCS:
        for block in code_blocks(doc):
            if block.lang not in ("python", "bash", "sh", "shell"):
                continue
            if CONTINUES in block.text:  # after the last block of this doc that runs
                runnable = [c for c in chains if c[0].doc == doc and SKIP_MARK not in c[0].text]
                assert runnable, f"{block.name} continues nothing"
                runnable[-1].append(block)
            else:
                chains.append([block])
    return chains


CHAINS = _chains()


def _env(folder: Path) -> dict[str, str]:
    env = {k: v for k, v in python_env().items() if not k.startswith(("WANDB_", "TRACKLAB_", "MLFLOW_"))}
    env["TRACKLAB_DIR"] = str(folder / "tracklab-store")
    return env


def _prepare(block: Block, folder: Path) -> None:
    for line in block.text.splitlines():
        if WITH + "train.py" in line:
            (folder / "train.py").write_text(TRAIN_PY)
        elif WITH + "wandb/" in line:
            from tests._wandb_offline import run_wandb_offline

            made = run_wandb_offline(WANDB_RUN, folder / "wandb-maker")
            named = re.search(r"offline-run-[\w-]+", line)
            target = folder / "wandb" / (named.group(0) if named else Path(made["run_dir"]).name)
            target.parent.mkdir(exist_ok=True)
            shutil.copytree(made["run_dir"], target)


def _run(block: Block, folder: Path) -> subprocess.CompletedProcess:
    if block.lang == "python":
        script = folder / f"block_{block.line}.py"
        argv = [sys.executable, str(script)]
    else:
        script = folder / f"block_{block.line}.sh"
        argv = ["bash", "-e", str(script)]
    script.write_text(block.text)
    return helpers.run(argv, cwd=folder, env=_env(folder), capture_output=True, text=True, timeout=300)


@pytest.mark.parametrize("chain", CHAINS, ids=[chain[0].name for chain in CHAINS])
def test_doc_block_runs_as_written(chain: list[Block], tmp_path: Path) -> None:
    first = chain[0]
    if SKIP_MARK in first.text:
        reason = first.text.split(SKIP_MARK, 1)[1].splitlines()[0].strip(" -()")
        assert reason, f"{first.name}: a skipped block says why"
        pytest.skip(f"{first.name}: {reason}")
    for block in chain:
        _prepare(block, tmp_path)
        done = _run(block, tmp_path)
        assert done.returncode == 0, f"{block.name} failed ({done.returncode}):\n{block.text}\n{done.stdout}\n{done.stderr}"
        assert "Traceback" not in done.stderr, f"{block.name}:\n{done.stderr}"


def test_the_read_back_blocks_name_their_ids() -> None:
    readme = (REPO / "README.md").read_text()
    assert "`<run id>` is the id `run.id` printed above" in readme
    quickstart = (REPO / "docs/quickstart.md").read_text()
    assert "**oldest first**" in quickstart and "**newest first**" in quickstart and "not MLflow's" in quickstart


def test_every_user_doc_block_is_run_or_says_why_not() -> None:
    blocks = [block for doc in USER_DOCS for block in code_blocks(doc)]
    assert len(blocks) >= 10
    for block in blocks:
        assert block.lang in ("python", "bash", "text"), f"{block.name}: unknown block language {block.lang!r}"
    skipped = [block for block in blocks if SKIP_MARK in block.text]
    assert len(skipped) <= 6, [block.name for block in skipped]  # the docs stay runnable, not marked away


_LINK = re.compile(r"\]\(([^)\s]+)\)")


@pytest.mark.parametrize("doc", ALL_DOCS)
def test_doc_links_stay_in_the_repository(doc: str) -> None:
    text = (REPO / doc).read_text(encoding="utf-8")
    for target in _LINK.findall(text):
        if target.startswith(("http://", "https://", "#", "mailto:")):
            continue
        path = (REPO / doc).parent / target.split("#", 1)[0]
        assert path.resolve().is_relative_to(REPO), f"{doc} links outside the repository: {target}"
        assert path.exists(), f"{doc} links to a missing file: {target}"
    for machine_path in ("/work/", "/root/", "/tmp/pytest", "/shared/reference", "anchors.md"):
        assert machine_path not in text, f"{doc} names a file outside the repository: {machine_path}"


@pytest.mark.parametrize("doc", ALL_DOCS)
def test_bold_code_headings_render(doc: str) -> None:
    """`**`a `b` c`**` does not render as one code span (the inner backticks end it: `a ` and ` c`
    become code, `b` plain text); such quotes use a longer backtick run (`**``a `b` c``**`)."""
    for number, line in enumerate((REPO / doc).read_text(encoding="utf-8").splitlines(), 1):
        for bold in re.findall(r"\*\*(`.*?)\*\*", line):
            spans = code_spans(bold)
            assert spans is not None, f"{doc}:{number}: an unclosed code span in {bold[:60]!r}"
            for span in spans:
                assert span == span.strip(), f"{doc}:{number}: the bold code span {bold[:60]!r} does not render"


@pytest.mark.parametrize("doc", USER_DOCS)
def test_files_the_user_docs_cite_exist(doc: str) -> None:
    """A file named in a code span (`tracklab/backend/store_setup.py`) is there, from the repository root."""
    for number, line in enumerate((REPO / doc).read_text(encoding="utf-8").splitlines(), 1):
        for span in code_spans(line) or []:
            for path in re.findall(r"[\w./-]+\.(?:py|md|toml|rs|sql|yaml)\b", span):
                if "/" in path and not path.startswith(("/", "~", "http")):
                    assert (REPO / path).exists() or ((REPO / doc).parent / path).exists(), \
                        f"{doc}:{number} cites {path}, which is not in the repository"
