"""The writer: follows a run log and moves its records into an MLflow store.

It runs as its own process next to each live run (`python -m tracklab.backend.writer FOLDER`,
started by `tracklab.backend.writer_process`), and in-process for `tracklab sync`. Progress (the
log offset the store holds) is kept per tracking URI in the run folder, so a writer that dies,
a store that is down, or a second sync never duplicates or loses rows. See docs/architecture.md.

Modules: `_translate` (run-log records into store batches), `_run_writer` (following the log,
the store thread, the end of the run), `_store_calls` (the store, retried with backoff),
`_uploads` (files into the run's artifacts), `_sync` (the writer lock, loading a folder
in-process), `__main__` (the process).
"""

from tracklab.backend.writer._run_writer import RunWriter
from tracklab.backend.writer._sync import sync_folder, writer_lock

__all__ = ["RunWriter", "sync_folder", "writer_lock"]
