"""Following one run log into one store: read a chunk, translate it, hand it to the store thread.

Progress (the byte offset the store holds, the MLflow run id, the key map) is saved in the run
folder after each stored batch, so a restarted writer or `tracklab sync` continues where it
stopped and never duplicates rows.
"""

from __future__ import annotations

import errno
import logging
import os
import time
from typing import Any

from tracklab.backend import mapping, native_media, runlog
from tracklab.backend.history_columns import ARTIFACT as HISTORY_COLUMNS_ARTIFACT
from tracklab.backend.liveness import process_alive
from tracklab.backend.points import HistoryPoints
from tracklab.backend.run_folder import RunFolder
from tracklab.backend.store import Batch
from tracklab.backend.writer._store_calls import StoreCalls
from tracklab.backend.writer._translate import RecordTranslator
from tracklab.backend.writer._uploads import RunUploads

# ~3,800 rows of 10 scalars: the parsed rows, their text and SQLite's parse of it are the
# writer's largest buffers (two chunks live at once: one parsed, one inserting). 2 MB chunks
# cost ~35 MB more at peak for ~3% less of the writer's CPU time.
READ_CHUNK = 512 * 1024
POLL_INTERVAL = 0.1  # the longest wait between looks at an idle log
_FIRST_POLL = 0.01  # right after new records: a busy loop's next flush is already on its way
UPLOAD_INTERVAL = 10.0
# The console copy follows a live run faster than the other files (the run page tails it), while
# it is small: it is sent whole each time, so a larger one goes up with the others.
CONSOLE_INTERVAL = 2.0
CONSOLE_LIVE_LIMIT = 1 << 20

logger = logging.getLogger("tracklab.writer")


class RunWriter:
    """Moves one run folder's log into one store."""

    def __init__(self, folder: RunFolder, tracking_uri: str, parent_pid: int | None = None,
                 root: str | None = None) -> None:
        self.folder = folder
        self.tracking_uri = tracking_uri
        self.parent_pid = parent_pid
        state = folder.sync_state(tracking_uri)
        self.offset = 0
        self.stored_offset = int(state.get("offset", 0))
        self.run_id: str | None = state.get("mlflow_run_id")
        self.experiment_id: str | None = state.get("experiment_id")
        self.translator = RecordTranslator(folder, dict(state.get("keymap", {})), _sent_params(state.get("params")))
        self.store = StoreCalls(tracking_uri, root, parent_pid)
        self.uploads = RunUploads(folder, self.store, state.get("uploaded", {}))
        self._last_upload = 0.0
        self._last_console = 0.0
        self._executor = None
        self._in_flight = None
        self._state_fault = False
        self.end_fd: int | None = None  # the training process's word on the run's end (say_end)
        self._lease = None  # a run_lease.LeaseKeeper, False where the store keeps no leases

    def _save_state(self, ended: bool = False) -> None:
        try:
            self._write_state(ended)
        except OSError as exc:
            # A full or read-only run folder: the store has the rows; a later sync that starts
            # from the last saved offset re-sends some, which the store ignores (same keys).
            if not self._state_fault:
                logger.warning("tracklab writer: cannot save progress in %s (%s); continuing", self.folder.path, exc)
            self._state_fault = True

    def _write_state(self, ended: bool) -> None:
        t = self.translator
        self.folder.write_sync_state(self.tracking_uri, {
            "offset": self.stored_offset,
            "mlflow_run_id": self.run_id,
            "experiment_id": self.experiment_id,
            "keymap": t.keymap,
            "params": t.logged_params,
            "uploaded": self.uploads.uploaded,
            "ended": ended,
            "updated": time.time(),
        })

    @property
    def _files_dir(self) -> str:
        return (self.translator.header or {}).get("files_dir") or self.folder.files_dir

    # -- one step ------------------------------------------------------------------------
    def step(self, give_up_at: float | None = None) -> int:
        """Read what is new in the log and hand it to the store; return the number of records read.

        The store write runs in a background thread while the next chunk is parsed (SQLite
        releases the GIL while it inserts), so parsing and inserting overlap.
        """
        # While replaying what the store already holds, never read past that point.
        limit = self.stored_offset - self.offset if self.offset < self.stored_offset else READ_CHUNK
        records, history_texts, new_offset = runlog.read_chunk(self.folder.log_path, self.offset,
                                                               min(limit, READ_CHUNK))
        if not records and new_offset == self.offset:
            return 0
        replay = new_offset <= self.stored_offset
        batch = None if replay else Batch()
        t = self.translator
        t.add(records, batch)
        if batch is not None:
            if history_texts and t.rows_are_points(batch.history):
                batch.history_rows = history_texts
        elif t.replayed:
            t.columns.add_points(t.replayed)
            t.replayed = HistoryPoints()
        self.offset = new_offset
        new_session = batch is not None and any(kind == runlog.HEADER for kind, _ in records)
        if t.header is not None and (self.run_id is None or new_session):
            self.drain(give_up_at)
            header, known = t.header, self.run_id
            self.run_id = self.store.retry("opening the run", lambda: self.store.get().ensure_run(header, known),
                                           give_up_at)
            self.experiment_id = self.store.get().experiment_id_of(self.run_id)
            self._keep_lease()
        if batch is None:
            return len(records)
        if t.keymap_dirty:
            batch.tags.update(mapping.keymap_tags(t.keymap))
            t.keymap_dirty = False
        self.drain(give_up_at)
        if batch and self.run_id is not None:
            run_id = self.run_id
            self._in_flight = (self._pool().submit(
                self.store.retry, "writing", lambda: self.store.get().write(run_id, batch), give_up_at), new_offset)
        else:
            self._stored(new_offset)
        # After the submit: a parquet row group is built while SQLite inserts, never before it.
        t.columns.add_points(batch.history)
        if t.files_now:
            self.drain(give_up_at)
            self._upload_files(t.files_now, give_up_at)
            t.files_now = []
        if t.images:
            self.drain(give_up_at)
            self.uploads.native_images(self.run_id, self._files_dir, t.images, give_up_at)
            t.images = []
        return len(records)

    def _pool(self):
        if self._executor is None:
            from concurrent.futures import ThreadPoolExecutor

            self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="tracklab-store")
        return self._executor

    def drain(self, give_up_at: float | None = None) -> None:
        """Wait for the write in flight, then record its progress."""
        if self._in_flight is None:
            return
        future, offset = self._in_flight
        self._in_flight = None
        future.result()
        self._stored(offset)

    def _stored(self, offset: int) -> None:
        self.stored_offset = max(self.stored_offset, offset)
        self._save_state()

    def _upload_files(self, names: list[str] | None, give_up_at: float | None) -> None:
        self.uploads.files(self.run_id, self._files_dir, names, give_up_at)
        self._save_state()

    # -- the end of the run --------------------------------------------------------------
    def publish(self, give_up_at: float | None = None) -> None:
        """Upload the derived files: config, summary, history objects, run files."""
        self.drain(give_up_at)
        if self.run_id is None:
            return
        t = self.translator
        if not self.uploads.defer_failures:
            self.uploads.retry_deferred(give_up_at)
        self.uploads.config(self.run_id, t.config, give_up_at)
        self.uploads.json_file(self.run_id, mapping.SUMMARY_ARTIFACT, t.summary, give_up_at)
        if t.object_keys:
            path, run_id = t.objects_path, self.run_id
            self.store.retry("uploading history objects",
                             lambda: self.store.get().put_artifact(run_id, mapping.OBJECTS_ARTIFACT, path), give_up_at)
        self._upload_files(None, give_up_at)
        self._last_upload = time.time()

    def finalize(self, state: str, give_up_at: float | None = None) -> None:
        """Close the run in the store with its final state."""
        self.uploads.defer_failures = False  # from here on, uploads are retried until give_up_at
        if self.run_id is None:
            return
        t = self.translator
        self.publish(give_up_at)
        run_id = self.run_id
        tags = {mapping.TAG_STATE: state}
        if t.tables:
            tags[mapping.TAG_LOGGED_ARTIFACTS] = mapping.tag_value(native_media.logged_tables_tag(t.tables))
        if t.metrics_defs:
            tags.update(mapping.metric_defs_tag(t.metrics_defs.values()))
        if t.object_keys:
            tags.update(mapping.object_keys_tag(t.object_keys))
        columns = t.columns.close()
        if columns is not None:
            self.store.retry("uploading the history columns",
                             lambda: self.store.get().put_artifact(run_id, HISTORY_COLUMNS_ARTIFACT, columns),
                             give_up_at)
        end_ms = int(((t.exit.time if t.exit else None) or time.time()) * 1000)
        self.store.retry("ending the run", lambda: self.store.get().write(run_id, Batch(tags=tags)), give_up_at)
        self.store.retry("ending the run", lambda: self.store.get().end_run(run_id, mapping.mlflow_status(state), end_ms),
                         give_up_at)
        self.uploads.staged_artifacts()
        self._save_state(ended=True)

    def abandon(self) -> None:
        """The writer stops for good before the run's end: leave the run "crashed" (MLflow
        FAILED), not RUNNING, where the store still answers (one try, no retries). `tracklab
        sync` later loads the rest and ends it with its real state."""
        if self.run_id is None:
            return
        try:
            store = self.store.get()
            store.write(self.run_id, Batch(tags={mapping.TAG_STATE: "crashed"}))
            store.end_run(self.run_id, mapping.mlflow_status("crashed"), int(time.time() * 1000))
        except Exception:  # the store is what failed: the run log still has everything
            logger.warning("tracklab writer: could not mark run %s crashed in the store", self.run_id)

    def ended_state(self) -> str | None:
        exit_record = self.translator.exit
        return exit_record.state if exit_record else None

    # -- following a live run -------------------------------------------------------------
    def follow(self, linger: float = 600.0) -> str:
        """Follow the log until the run ends (or its process dies); return the final state."""
        poll = _FIRST_POLL
        self.uploads.defer_failures = True  # a refused upload never holds up the points (_uploads)
        while True:
            count = self.step()
            state = self.ended_state()
            if state is not None and count == 0:
                self.finalize(state)
                return state
            if count == 0 and self.end_fd is not None and self._end_told():
                continue  # the end came on stdin: the next turn ends the run
            if count == 0:
                if not process_alive(self.parent_pid):
                    # The training process died without an exit record: take what it left.
                    while self.step():
                        pass
                    state = self.ended_state() or "killed"
                    self.finalize(state, give_up_at=time.time() + linger)
                    return state
                if time.time() - self._last_upload > UPLOAD_INTERVAL and self.run_id is not None:
                    self._publish_meanwhile()
                elif time.time() - self._last_console > CONSOLE_INTERVAL and self.run_id is not None:
                    self._upload_console()
                time.sleep(poll)
                poll = min(poll * 2, POLL_INTERVAL)
            else:
                poll = _FIRST_POLL

    def _publish_meanwhile(self) -> None:
        """The upload during the run: a full run folder skips it (the end of the run tries again)."""
        try:
            self.publish()
        except OSError as exc:
            if exc.errno not in (errno.ENOSPC, errno.EDQUOT):
                raise
            logger.warning("tracklab writer: run files not uploaded yet (%s); retried at the end", exc)
            self._last_upload = time.time()

    def _upload_console(self) -> None:
        """Send `output.log` if it changed and is still small (between the full uploads)."""
        self._last_console = time.time()
        name = mapping.OUTPUT_ARTIFACT
        try:
            if os.path.getsize(os.path.join(self._files_dir, name)) > CONSOLE_LIVE_LIMIT:
                return
        except OSError:
            return  # nothing printed yet
        before = self.uploads.uploaded.get(name)
        try:
            self.uploads.files(self.run_id, self._files_dir, [name], None)
        except OSError as exc:
            if exc.errno not in (errno.ENOSPC, errno.EDQUOT):
                raise
            return  # the full upload says so, and the end of the run tries again
        if self.uploads.uploaded.get(name) != before:
            self._save_state()

    def _end_told(self) -> bool:
        """Whether the training process told the run's end on `end_fd` (its run log could not
        take the exit record); reads it into the translator."""
        import json
        import select

        ready, _, _ = select.select([self.end_fd], [], [], 0)
        if not ready:
            return False
        line = os.read(self.end_fd, 4096)
        if not line:  # EOF: the training process is gone (process_alive says the same)
            self.end_fd = None
            return False
        try:
            self.translator.exit = runlog.ExitRecord.decode(json.loads(line))
        except (ValueError, TypeError, AttributeError):
            return False
        self.end_fd = None
        return True

    def _keep_lease(self) -> None:
        """Lease the run on a shared store while this writer works on it (`backend/run_lease`):
        a process on another machine that tries to resume it meanwhile is refused."""
        if self._lease is not None or self.run_id is None:
            return
        from tracklab.backend import run_lease

        try:
            leases = run_lease.leases_for(self.tracking_uri)
        except Exception as exc:  # the server is down: the run still gets written; no lease this time
            logger.info("tracklab writer: no lease for run %s (%s)", self.run_id, exc)
            leases = None
        if leases is None:
            self._lease = False
            return
        self._lease = run_lease.LeaseKeeper(leases, self.run_id, run_lease.holder_for(self.parent_pid))
        claim = self._lease.start()
        if claim is not None and not claim.granted:
            logger.warning("tracklab writer: run %s is leased by %s (%.0f s left), not by this run's process",
                           self.run_id, claim.holder, claim.seconds_left)

    def close(self) -> None:
        if self._lease:
            self._lease.stop()
        if self._executor is not None:
            self._executor.shutdown(wait=True)
        self.translator.close()
        self.store.close()


def _sent_params(saved: Any) -> dict[str, str | None]:
    """The params a saved sync state says were sent: {key: value}, or a list of keys (before
    params followed the config; their values are unknown, so the next config sends them again)."""
    if isinstance(saved, dict):
        return dict(saved)
    return dict.fromkeys(saved or ())
