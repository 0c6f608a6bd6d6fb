"""The run-log contract: what `RunLogWriter.write_*` writes is what the readers decode."""

from __future__ import annotations

import pytest

from tracklab.backend import runlog


def _written(tmp_path, write) -> list[tuple[str, object]]:
    log = runlog.RunLogWriter(str(tmp_path / runlog.LOG_NAME))
    write(log)
    log.close()
    return list(runlog.iter_all_records(log.path))


def test_each_record_kind_reads_back_as_written(tmp_path):
    header = runlog.RunHeader(id="r1", mlflow_run_id="m1", project="p", entity="", name="n", notes=None,
                              tags=["a"], group=None, job_type="train", sweep_id=None, start_time=12.5,
                              resumed=False, mode="online", files_dir="/f", pid=7, user="u", program="x.py")
    exit_record = runlog.ExitRecord(exit_code=1, state="failed", time=13.0)
    sample = runlog.SystemSample(timestamp=12.75, metrics={"cpu": 3.0})

    def write(log: runlog.RunLogWriter) -> None:
        log.write_header(header)
        log.write_config({"lr": 0.1})
        log.write_metric({"name": "acc", "summary": "max"})
        log.write_row({"loss": 0.5, "_step": 0})
        log.write_row({"nan": float("nan"), "_step": 1})  # what orjson cannot write takes the standard encoder
        log.write_system(sample)
        log.write_file(runlog.FileRecord("media/a.png", "now"))
        log.write_update({"name": "renamed"})
        log.write_summary({"loss": 0.5})
        log.write_exit(exit_record)

    records = _written(tmp_path, write)
    kinds = [kind for kind, _ in records]
    assert kinds == [runlog.HEADER, runlog.CONFIG, runlog.METRIC, runlog.HISTORY, runlog.HISTORY, runlog.SYSTEM,
                     runlog.FILE, runlog.UPDATE, runlog.SUMMARY, runlog.EXIT]
    payloads = [payload for _, payload in records]
    assert runlog.decode_header(payloads[0]) == header
    assert payloads[1] == {"lr": 0.1} and payloads[2] == {"name": "acc", "summary": "max"}
    assert payloads[3] == {"loss": 0.5, "_step": 0}
    assert payloads[4]["_step"] == 1 and payloads[4]["nan"] != payloads[4]["nan"]
    assert runlog.SystemSample.decode(payloads[5]) == sample
    assert runlog.FileRecord.decode(payloads[6]) == runlog.FileRecord("media/a.png", "now")
    assert payloads[7] == {"name": "renamed"} and payloads[8] == {"loss": 0.5}
    assert runlog.ExitRecord.decode(payloads[9]) == exit_record


def test_decoding_fills_what_older_records_left_out_and_refuses_a_header_without_identity():
    assert runlog.ExitRecord.decode({}) == runlog.ExitRecord(exit_code=0, state="finished", time=None)
    assert runlog.FileRecord.decode({"path": "a.txt"}).policy is None  # not uploaded before the end
    with pytest.raises(ValueError, match="project"):
        runlog.decode_header({"id": "r1", "start_time": 1.0})
