"""The writer: durability under SIGKILL, exit paths, fork safety, offline runs and sync,
concurrency on a new store, and a real `mlflow server` that goes away mid-run."""

from __future__ import annotations

import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

import tracklab
from tests.helpers import (free_port, mlflow_client, python_env, run, run_python, spawn, start_python, stop, stored_run,
                           wait_until, wait_until_up)

HERE = Path(__file__).resolve().parent


def _metric_count(root: Path, run_uuid: str) -> int:
    with sqlite3.connect(root / "mlflow.db") as conn:
        return conn.execute("SELECT COUNT(*) FROM metrics WHERE run_uuid = ?", (run_uuid,)).fetchone()[0]


def test_sigkill_loses_nothing_logged_a_second_before(tl_dir, tmp_path):
    proc = start_python(
        """
        import time, tracklab
        run = tracklab.init(project="p", id="killed01")
        print("ready", flush=True)
        step = 0
        while True:
            run.log({"step_time": time.time(), "value": float(step)})
            step += 1
            time.sleep(0.001)
        """,
        cwd=tmp_path,
    )
    assert proc.stdout.readline().strip() == "ready"
    time.sleep(random.uniform(1.5, 3.0))  # not a wait for a condition: the kill lands at a random moment
    killed_at = time.time()
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    # The writer notices its parent is gone, loads what the log holds and marks the run killed.
    stored = wait_until(lambda: (r := stored_run(tl_dir, "p", "killed01")).info.status != "RUNNING" and r,
                        interval=0.2, what="the killed run's status")
    assert stored.info.status == "KILLED"
    assert stored.data.tags["tracklab.state"] == "killed"
    client = mlflow_client(tl_dir)
    times = sorted(m.value for m in client.get_metric_history(stored.info.run_id, "step_time"))
    steps = sorted(m.step for m in client.get_metric_history(stored.info.run_id, "value"))
    assert steps == list(range(len(steps))), "a gap in the stored steps"
    assert times and times[-1] >= killed_at - 1.0, f"lost {killed_at - times[-1]:.2f}s before the kill"


def test_killed_run_with_dead_writer_is_recovered_by_sync(tl_dir, tmp_path):
    proc = start_python(
        """
        import os, signal, tracklab
        run = tracklab.init(project="p", id="orphan01")
        for i in range(500):
            run.log({"v": float(i)})
        run._runlog.flush()
        os.kill(run._writer.process.pid, signal.SIGKILL)  # the writer dies too
        print("ready", flush=True)
        import time; time.sleep(60)
        """,
        cwd=tmp_path,
    )
    assert proc.stdout.readline().strip() == "ready"
    proc.kill()
    proc.wait()
    out = run([sys.executable, "-m", "tracklab.cli", "sync"], cwd=tmp_path, env=python_env(),
              capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    stored = stored_run(tl_dir, "p", "orphan01")
    assert stored.info.status == "KILLED"
    assert _metric_count(tl_dir, stored.info.run_id) == 500


@pytest.mark.parametrize(
    "ending, returncodes, status, state",
    [
        ("raise RuntimeError('boom')", {1}, "FAILED", "failed"),
        # SIGTERM: the run is finished as killed, then the process dies of the signal, as without TrackLab.
        ("import os, signal; os.kill(os.getpid(), signal.SIGTERM); import time; time.sleep(30)", {-signal.SIGTERM},
         "KILLED", "killed"),
        # Python ends an unhandled KeyboardInterrupt by dying of SIGINT, or with 1 when code that ran at
        # exit (the run's finish) cleared its note of it: either way, not a success.
        ("raise KeyboardInterrupt", {1, -signal.SIGINT}, "KILLED", "killed"),
        ("import sys; sys.exit(0)", {0}, "FINISHED", "finished"),
        ("pass", {0}, "FINISHED", "finished"),
    ],
)
def test_every_way_out_flushes_and_sets_the_status(tl_dir, tmp_path, ending, returncodes, status, state):
    proc = run_python(
        f"""
        import tracklab
        run = tracklab.init(project="p", id="exit0001")
        for i in range(100):
            run.log({{"v": float(i)}})
        {ending}
        """,
        cwd=tmp_path, check=False,
    )
    assert proc.returncode in returncodes, proc.stderr
    stored = stored_run(tl_dir, "p", "exit0001")
    assert stored.info.status == status
    assert stored.data.tags["tracklab.state"] == state
    assert _metric_count(tl_dir, stored.info.run_id) == 100


def test_forked_children_never_write(tl_dir, tmp_path):
    run_python(
        """
        import os, tracklab
        run = tracklab.init(project="p", id="forked01")
        run.log({"v": 1.0})
        for _ in range(3):
            pid = os.fork()
            if pid == 0:
                run.log({"v": 99.0})
                tracklab.log({"child": 1.0})
                run.finish()
                os._exit(0)
            os.waitpid(pid, 0)
        pid = os.fork()
        if pid == 0:
            import sys
            sys.exit(0)  # a normal exit runs atexit in the child: it must not finish the run
        os.waitpid(pid, 0)
        run.log({"v": 2.0})
        run.finish()
        """,
        cwd=tmp_path,
    )
    stored = stored_run(tl_dir, "p", "forked01")
    values = [m.value for m in mlflow_client(tl_dir).get_metric_history(stored.info.run_id, "v")]
    assert sorted(values) == [1.0, 2.0]
    assert "child" not in stored.data.metrics
    assert stored.info.status == "FINISHED"


def test_offline_run_never_imports_mlflow_and_syncs_twice_without_duplicates(tl_dir, tmp_path):
    out = run_python(
        """
        import sys, tracklab
        run = tracklab.init(project="off", id="offline1", mode="offline", config={"a": 1})
        for i in range(300):
            run.log({"v": float(i), "s": str(i)})
        run.summary["best"] = 3
        run.finish()
        print(run.sync_dir)
        print("mlflow" in sys.modules, "sqlite3" in sys.modules)
        """,
        cwd=tmp_path, env={"WANDB_MODE": "offline"},
    )
    sync_dir, imported = out.stdout.strip().splitlines()[-2:]
    assert imported == "False False"
    assert mlflow_client(tl_dir).get_experiment_by_name("off") is None
    for _ in range(2):
        result = run([sys.executable, "-m", "tracklab.cli", "sync", sync_dir], cwd=tmp_path,
                     env=python_env(), capture_output=True, text=True, timeout=120)
        assert result.returncode == 0, result.stderr
    stored = stored_run(tl_dir, "off", "offline1")
    assert stored.info.status == "FINISHED"
    assert _metric_count(tl_dir, stored.info.run_id) == 300
    api_run = tracklab.Api().run("off/offline1")
    assert api_run.summary["best"] == 3 and api_run.config == {"a": 1}
    assert [r["s"] for r in api_run.scan_history(keys=["s"])][:3] == ["0", "1", "2"]


def test_sync_with_no_paths_loads_every_unfinished_run(tl_dir, tmp_path):
    for run_id in ("offa0001", "offb0001"):
        run_python(f"""
            import tracklab
            run = tracklab.init(project="many", id="{run_id}", mode="offline")
            run.log({{"v": 1.0}})
            run.finish()
            """, cwd=tmp_path)
    result = run([sys.executable, "-m", "tracklab.cli", "sync"], cwd=tmp_path, env=python_env(),
                 capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert "2 run(s) processed" in result.stdout
    for run_id in ("offa0001", "offb0001"):
        assert stored_run(tl_dir, "many", run_id).info.status == "FINISHED"
    again = run([sys.executable, "-m", "tracklab.cli", "sync"], cwd=tmp_path, env=python_env(),
                capture_output=True, text=True, timeout=120)
    assert "0 run(s) processed" in again.stdout


def test_eight_processes_on_a_new_store(new_tl_dir, tmp_path):
    code = """
        import json, sys, time, tracklab
        run = tracklab.init(project="par", id=f"par{sys.argv[1]:0>5}")
        lat = []
        clock = time.perf_counter_ns
        for i in range(10_000):
            row = {f"m{j}": i + j * 0.5 for j in range(10)}
            start = clock()
            run.log(row)
            lat.append(clock() - start)
        run.finish()
        lat.sort()
        print(json.dumps({"p50_us": lat[len(lat) // 2] / 1e3, "p99_us": lat[int(len(lat) * 0.99)] / 1e3,
                          "max_us": lat[-1] / 1e3}))
        """
    import textwrap

    procs = [spawn([sys.executable, "-c", textwrap.dedent(code), str(i)], cwd=tmp_path,
                   env=python_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for i in range(8)]
    results = []
    for proc in procs:
        out, err = proc.communicate(timeout=600)
        assert proc.returncode == 0, err
        results.append(json.loads(out.strip().splitlines()[-1]))
    with sqlite3.connect(new_tl_dir / "mlflow.db") as conn:
        total = conn.execute("SELECT COUNT(*) FROM metrics").fetchone()[0]
        finished = conn.execute("SELECT COUNT(*) FROM runs WHERE status = 'FINISHED'").fetchone()[0]
    assert total == 800_000
    assert finished == 8
    print("log() latency per process:", results)


def _start_mlflow_server(root: Path, port: int) -> subprocess.Popen:
    proc = spawn(
        [sys.executable, "-m", "mlflow", "server", "--host", "127.0.0.1", "--port", str(port),
         "--backend-store-uri", f"sqlite:///{root / 'server.db'}", "--artifacts-destination",
         str(root / "server-artifacts"), "--workers", "1"],
        cwd=root, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    wait_until_up(port, proc, timeout=120)
    return proc


@pytest.mark.server
@pytest.mark.slow
def test_remote_mlflow_server_stopped_and_restarted_mid_run(tl_dir, tmp_path):
    port = free_port()
    uri = f"http://127.0.0.1:{port}"
    server = _start_mlflow_server(tmp_path, port)
    proc = start_python(
        """
        import sys, time, tracklab
        run = tracklab.init(project="remote", id="remote01", settings={"finish_timeout": 120})
        for i in range(200):
            run.log({"v": float(i)})
        print("half", flush=True)
        sys.stdin.readline()
        for i in range(200, 400):
            run.log({"v": float(i)})
            time.sleep(0.005)
        print("logged", flush=True)
        run.finish()
        print("done", flush=True)
        """,
        cwd=tmp_path, env={"TRACKLAB_TRACKING_URI": uri}, stdin=subprocess.PIPE,
    )
    try:
        assert proc.stdout.readline().strip() == "half"
        from mlflow.tracking import MlflowClient

        client = MlflowClient(tracking_uri=uri)

        def first_half_stored() -> bool:
            experiment = client.get_experiment_by_name("remote")
            found = experiment and client.search_runs([experiment.experiment_id])
            return bool(found) and len(client.get_metric_history(found[0].info.run_id, "v")) == 200

        wait_until(first_half_stored, timeout=120, interval=0.2, what="the first 200 points on the server")
        stop(server, timeout=30)  # the store goes away while training goes on
        proc.stdin.write("go\n")
        proc.stdin.flush()
        assert proc.stdout.readline().strip() == "logged"  # the second half, logged with the server down
        server = _start_mlflow_server(tmp_path, port)
        assert proc.stdout.readline().strip() == "done"
        proc.wait(timeout=120)
        experiment = client.get_experiment_by_name("remote")
        found = client.search_runs([experiment.experiment_id], filter_string="tags.`tracklab.run_id` = 'remote01'")
        assert len(found) == 1
        history = client.get_metric_history(found[0].info.run_id, "v")
        assert sorted(m.step for m in history) == list(range(400))
        assert found[0].info.status == "FINISHED"
        api_run = tracklab.Api(tracking_uri=uri).run("remote/remote01")
        assert api_run.config == {} and api_run.summary["v"] == 399.0
    finally:
        stop(proc, signal.SIGKILL, timeout=0)
        stop(server, timeout=30)


@pytest.mark.server
@pytest.mark.slow
def test_finish_waits_a_bounded_time_when_the_server_is_down_then_sync_completes(tl_dir, tmp_path):
    port = free_port()
    uri = f"http://127.0.0.1:{port}"
    out = run_python(
        """
        import time, tracklab
        run = tracklab.init(project="down", id="down0001", settings={"finish_timeout": 3})
        for i in range(50):
            run.log({"v": float(i)})
        start = time.time()
        run.finish()
        print(round(time.time() - start, 1), run.sync_dir)
        """,
        cwd=tmp_path, env={"TRACKLAB_TRACKING_URI": uri},
    )
    waited, sync_dir = out.stdout.strip().splitlines()[-1].split()
    assert float(waited) < 30
    assert "pending" in out.stderr and "tracklab sync" in out.stderr
    server = _start_mlflow_server(tmp_path, port)
    try:
        # The detached writer may finish on its own once the server is back; sync makes sure.
        result = run([sys.executable, "-m", "tracklab.cli", "sync", sync_dir, "--tracking-uri", uri],
                     cwd=tmp_path, env=python_env(), capture_output=True, text=True, timeout=300)
        assert result.returncode == 0, result.stderr
        from mlflow.tracking import MlflowClient

        client = MlflowClient(tracking_uri=uri)
        experiment = client.get_experiment_by_name("down")
        found = client.search_runs([experiment.experiment_id], filter_string="tags.`tracklab.run_id` = 'down0001'")
        assert len(found) == 1 and found[0].info.status == "FINISHED"
        assert len(client.get_metric_history(found[0].info.run_id, "v")) == 50
    finally:
        stop(server, timeout=30)


def test_the_next_run_recovers_an_orphan(tl_dir, tmp_path):
    proc = start_python(
        """
        import os, signal, tracklab
        run = tracklab.init(project="p", id="orphan02")
        for i in range(100):
            run.log({"v": float(i)})
        run._runlog.flush()
        os.kill(run._writer.process.pid, signal.SIGKILL)
        print("ready", flush=True)
        import time; time.sleep(60)
        """,
        cwd=tmp_path,
    )
    assert proc.stdout.readline().strip() == "ready"
    proc.kill()
    proc.wait()
    run_python("""
        import tracklab
        run = tracklab.init(project="p", mode="offline", id="offline9")  # offline runs are never auto-loaded
        run.finish()
        run = tracklab.init(project="p", id="nextrun1")
        # Its writer recovers the orphan in the background: keep the run open until it has.
        import os, pathlib
        from tests.helpers import stored_run, wait_until
        root = pathlib.Path(os.environ["TRACKLAB_DIR"])
        wait_until(lambda: stored_run(root, "p", "orphan02").info.status != "RUNNING",
                   timeout=60, interval=0.2, what="the orphan's recovery")
        run.finish()
        """, cwd=tmp_path)
    stored = wait_until(lambda: (r := stored_run(tl_dir, "p", "orphan02")).info.status != "RUNNING" and r,
                        interval=0.2, what="the orphan's status")
    assert stored.info.status == "KILLED"
    assert _metric_count(tl_dir, stored.info.run_id) == 100
    from tests.helpers import mlflow_client as client_for

    experiment = client_for(tl_dir).get_experiment_by_name("p")
    assert not client_for(tl_dir).search_runs([experiment.experiment_id], "tags.`tracklab.run_id` = 'offline9'")


def _stored_points(db: Path) -> tuple[list[tuple], list[tuple]]:
    with sqlite3.connect(db) as conn:
        metrics = conn.execute("SELECT key, value, timestamp, step, is_nan FROM metrics "
                               "ORDER BY key, step, timestamp, value").fetchall()
        latest = conn.execute("SELECT key, value, timestamp, step, is_nan FROM latest_metrics ORDER BY key").fetchall()
    return metrics, latest


def test_sqlite_reading_json_rows_stores_what_python_tuples_store(tmp_path, monkeypatch):
    """The writer's fast path (SQLite reads the chunk's JSON rows itself) and the tuple path give
    the same metrics and latest_metrics rows, for awkward values and keys, chunk after chunk."""
    from tracklab.backend import writer as writer_module
    from tracklab.backend.run_folder import RunFolder
    from tracklab.backend.writer import _run_writer, _translate

    offline_dir = tmp_path / "offline"
    run_python(
        """
        import random, struct, tracklab
        random.seed(7)
        run = tracklab.init(project="p", id="paths01", mode="offline")
        for step in range(3000):
            row = {"f": random.random(), "tiny": random.random() * 1e-300, "huge": random.gauss(0, 1) * 1e300,
                   "bits": struct.unpack("d", struct.pack("Q", random.getrandbits(62)))[0],
                   "int": step * 7, "flag": step % 3 == 0, "text": "s", "none": None}
            if step % 500 == 7:
                row["nan"] = float("nan")
                row["inf"] = float("inf")
            if step % 200 == 3:
                row["bad key?"] = 1.5        # escaped for MLflow
                row["ключ"] = 2.5             # non-ASCII
            if step % 100 == 9:
                row["big"] = 2**60 + 1
            run.log(row)
        run.finish()
        """,
        cwd=tmp_path, env={"TRACKLAB_DIR": str(offline_dir)},
    )
    folder = RunFolder(str(next(offline_dir.glob("runs/*/paths01"))))
    from tracklab.backend import sqlite_store

    json_batches = []
    real_rows_json = sqlite_store._rows_json

    def counting_rows_json(batch):
        rows_json = real_rows_json(batch)
        json_batches.append(rows_json is not None)
        return rows_json

    monkeypatch.setattr(sqlite_store, "_rows_json", counting_rows_json)
    monkeypatch.setattr(_run_writer, "READ_CHUNK", 64 * 1024)  # many chunks, some all-plain, some not
    stores = {}
    for name, readable in (("json", None), ("tuples", False)):
        if readable is False:
            monkeypatch.setattr(_translate.RecordTranslator, "rows_are_points", lambda self, points: False)
        root = tmp_path / name
        uri = f"sqlite:///{root / 'mlflow.db'}"
        assert writer_module.sync_folder(folder, uri, root=str(root)) == "synced"
        stores[name] = _stored_points(root / "mlflow.db")
        if name == "json":
            assert 0 < sum(json_batches) < len(json_batches)  # both kinds of chunk were written
    metrics, latest = stores["json"]
    assert len(metrics) > 3000 * 5
    assert stores["json"] == stores["tuples"]


def test_run_log_records_read_back_exactly_with_both_parsers(tmp_path):
    """The writer parses with orjson and falls back to the standard parser for what strict JSON
    lacks; every record reads back as the training process wrote it."""
    import math

    from tracklab.backend import runlog

    rows = [{"_step": 0, "a": 0.1, "b": 2**53 + 1, "huge": 2**70, "nan": float("nan"), "inf": float("-inf"),
             "s": "snow \u2603 and a lone \udc80 surrogate", "nested": {"_type": "histogram", "values": [1, 2]}},
            {"_step": 1, "a": 1e-310, "b": -0.0, "t": True, "n": None}]
    log = runlog.RunLogWriter(str(tmp_path / runlog.LOG_NAME))
    for row in rows:
        log.append(runlog.HISTORY, row)
    log.close()
    records, texts, _ = runlog.read_chunk(str(tmp_path / runlog.LOG_NAME))
    assert [kind for kind, _ in records] == [runlog.HISTORY, runlog.HISTORY] and len(texts) == 2
    first, second = records[0][1], records[1][1]
    assert math.isnan(first.pop("nan")) and math.isnan(rows[0].pop("nan"))
    assert first == rows[0] and type(first["huge"]) is int
    assert second == rows[1] and math.copysign(1, second["b"]) == -1


def test_translating_a_chunk_key_by_key_gives_what_row_by_row_gives(tmp_path, monkeypatch):
    """Chunks of plain numeric rows are translated a key at a time; the result (points, summary,
    history objects) equals the row-by-row path's, and chunks holding anything else fall back."""
    import copy
    import random

    from tracklab.backend import runlog
    from tracklab.backend.points import HistoryPoints
    from tracklab.backend.run_folder import RunFolder
    from tracklab.backend.store import Batch
    from tracklab.backend.writer._translate import RecordTranslator

    random.seed(3)
    plain = [{"_step": s, "_timestamp": 1.7e9 + s / 7, "_runtime": s / 7, "loss": random.random(), "epoch": s // 10}
             for s in range(40)]
    partial = [{"_step": s, "_timestamp": 1.7e9 + s, "a": float(s), **({"b": -s} if s % 3 else {}),
                **({"c/d e": 2.5} if s == 5 else {})} for s in range(40, 60)]
    odd_values = [True, None, float("nan"), float("inf"), 2**60, "text", {"_type": "histogram", "values": [1]}]
    chunks = [plain, partial, [{"_step": 60 + i, "x": 1.0, "y": value} for i, value in enumerate(odd_values)],
              [{"_step": 70, "x": 1e308}, {"_step": 71, "x": 1e308}], plain[:3]]

    fast_calls = []
    real_numeric_rows = RecordTranslator._numeric_rows

    def translate(fast: bool) -> tuple:
        def numeric_rows(self, rows, points):
            taken = fast and real_numeric_rows(self, rows, points)
            fast_calls.append(taken)
            return taken

        monkeypatch.setattr(RecordTranslator, "_numeric_rows", numeric_rows)
        folder = RunFolder(str(tmp_path / ("fast" if fast else "rows")))
        os.makedirs(folder.path)
        translator = RecordTranslator(folder, {}, set())
        outcome = []
        for chunk in chunks:
            batch = Batch()
            translator.add([(runlog.HISTORY, row) for row in copy.deepcopy(chunk)], batch)
            points: HistoryPoints = batch.history
            outcome.append((list(points.steps), list(points.times), list(points.tuples()), points.latest()))
        with open(translator.objects_path) as handle:
            objects = handle.read()
        translator.close()
        return outcome, translator.summary, translator.last_step, translator.keymap, objects

    fast = translate(True)
    assert fast_calls[:3] == [True, True, False]  # the plain chunks, not the one with odd values
    assert fast_calls[3] is False                # 1e308 + 1e308 overflows: checked row by row
    rows = translate(False)
    assert repr(fast) == repr(rows)  # repr: NaN compares unequal to itself


def test_history_copy_reads_back_as_logged_and_needs_neither_pyarrow_nor_numpy(tmp_path, monkeypatch):
    """The writer writes the parquet copy of the history with its own small writer: pyarrow reads
    it back as the points logged (NaN, clamped inf and bools between a key's numbers, keys only
    some rows have, a step logged again, several row groups), and writing imports neither pyarrow
    nor numpy (~60 MB of the writer process between them)."""
    import pandas as pd

    from tracklab.backend import history_columns
    from tracklab.backend.points import HistoryPoints

    monkeypatch.setattr(history_columns, "_ROW_GROUP", 5000)
    rng = random.Random(11)
    chunks, logged = [], []
    step = 0
    for _ in range(6):
        points = HistoryPoints()
        for _ in range(rng.randint(500, 3000)):
            if rng.random() < 0.02:
                step -= 2  # steps logged again: the last value wins on read-back
            ts = 1_700_000_000_000 + step
            row = points.new_row(step, ts)
            numbers = [key for key in ("loss", "acc", "a/b", "ключ") if rng.random() < 0.9]
            for key in numbers:
                value = rng.random()
                rows, values = points.column(key)
                rows.append(row)
                values.append(value)
                logged.append((key, step, value, ts))
            if rng.random() < 0.1:  # a value the writer converted: a key holds one value per row
                key = "flag" if "loss" in numbers else "loss"
                value, is_nan = rng.choice(((1.0, 0), (0.0, 0), (1.7976931348623157e308, 0), (0.0, 1)))
                points.add_odd(row, (key, value, ts, step, is_nan))
                logged.append((key, step, float("nan") if is_nan else value, ts))
            step += 1
        chunks.append(points)
    writer = history_columns.HistoryColumnsWriter(str(tmp_path / "history.parquet"))
    for points in chunks:
        writer.add_points(points)
    path = writer.close()
    wide, times = history_columns.read_frame(path)

    import pyarrow.parquet as pq

    assert pq.ParquetFile(path).metadata.num_row_groups > 3
    long = pd.DataFrame(logged, columns=["key", "step", "value", "timestamp"])
    long = long.drop_duplicates(["key", "step"], keep="last")
    expected = long.pivot(index="step", columns="key", values="value")
    expected.columns = [str(c) for c in expected.columns]
    pd.testing.assert_frame_equal(wide.sort_index(axis=1), expected.sort_index(axis=1), check_names=False)
    assert times.to_dict() == long.groupby("step")["timestamp"].max().to_dict()
    assert wide["flag"].notna().sum() > 10 and wide["loss"].isna().sum() > 10

    proc = run_python(
        f"""
        import sys
        from tracklab.backend import history_columns
        from tracklab.backend.points import HistoryPoints
        points = HistoryPoints()
        for step in range(history_columns.MIN_POINTS):
            row = points.new_row(step, step)
            rows, values = points.column("x")
            rows.append(row)
            values.append(step / 3)
        writer = history_columns.HistoryColumnsWriter({str(tmp_path / "second.parquet")!r})
        writer.add_points(points)
        print(writer.close() is not None, [m for m in ("pyarrow", "numpy", "pandas") if m in sys.modules])
        """,
        cwd=tmp_path,
    )
    assert proc.stdout.split() == ["True", "[]"]


def test_writer_stores_a_long_run_without_importing_pandas(tl_dir, tmp_path):
    """The writer builds the parquet copy of a long run from array buffers: `pyarrow.array()`
    would import pandas (~0.5 s of CPU taken from the training loop). The copy reads back whole."""
    from tracklab.backend.history_columns import MIN_POINTS

    steps = MIN_POINTS // 4 + 10
    run_python(
        f"""
        import tracklab
        run = tracklab.init(project="p", id="long01", mode="offline")
        for step in range({steps}):
            run.log({{"a": step * 0.5, "b": float(step), "c": -step, "d": 1.0 / (step + 1)}})
        run.finish()
        """,
        cwd=tmp_path,
    )
    proc = run_python(
        """
        import glob, os, sys
        from tracklab.backend.run_folder import RunFolder
        from tracklab.backend.writer import sync_folder
        root = os.environ["TRACKLAB_DIR"]
        folder = glob.glob(os.path.join(root, "runs", "*", "long01"))[0]
        print(sync_folder(RunFolder(folder), "sqlite:///" + os.path.join(root, "mlflow.db"), root=root),
              "pandas" in sys.modules, os.path.exists(os.path.join(folder, "history.parquet")))
        """,
        cwd=tmp_path,
    )
    assert proc.stdout.split() == ["synced", "False", "True"]
    history = tracklab.Api().run("p/long01").history(samples=10**7)
    assert len(history) == steps and history["c"].iloc[-1] == -(steps - 1) and history["a"].iloc[7] == 3.5


def test_history_rows_encoded_fast_read_back_as_the_standard_encoder_writes_them():
    """`log()` encodes plain rows with orjson; every row reads back exactly as the standard
    encoder's record does, and what orjson would write differently takes the standard path."""
    import orjson

    from tracklab.backend import runlog

    parse = runlog._record_parser()
    plain = {"loss": 0.25, "tiny": 5e-324, "big": 1e16, "neg0": -0.0, "step": 2**63, "ok": True, "s": "snow \u2603"}
    assert runlog.encode_row(plain) == orjson.dumps(plain).decode()  # the fast path was taken
    awkward = [{"nan": float("nan")}, {"inf": float("-inf")}, {"none": None}, {"huge": 2**64},
               {"lone": "a \udc80 surrogate"}, {"nested": {"_type": "histogram", "values": [1, 2]}}, {1: 2.0},
               {"text": "null, as a word"}]
    for row in [plain, *awkward]:
        assert repr(parse(runlog.encode_row(row))) == repr(parse(runlog.encode(row)))
    for row in awkward:
        assert runlog.encode_row(row) == runlog.encode(row)
