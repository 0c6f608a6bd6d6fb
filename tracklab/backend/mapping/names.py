"""Every name TrackLab gives things in MLflow: tag keys, artifact paths, MLflow's limits.

Run tags, the tags of a sweep's parent run, and the registered-model / model-version /
logged-model tags that hold artifacts. No other module spells a `tracklab.*` or `mlflow.*` key.
"""


# MLflow 3.17 limits (mlflow/utils/validation.py).
MAX_KEY_LENGTH = 250
MAX_PARAM_VALUE_LENGTH = 6000
MAX_TAG_VALUE_LENGTH = 8000
MAX_METRICS_PER_BATCH = 1000
MAX_PARAMS_TAGS_PER_BATCH = 100

# -- run tags ------------------------------------------------------------------------------------
TAG_RUN_ID = "tracklab.run_id"
TAG_ENTITY = "tracklab.entity"
TAG_STATE = "tracklab.state"
TAG_GROUP = "tracklab.group"
TAG_JOB_TYPE = "tracklab.job_type"
TAG_USER_TAGS = "tracklab.tags"
TAG_KEYMAP = "tracklab.keymap"  # continued in `tracklab.keymap.1`, `.2`, ... past MLflow's tag length
TAG_SWEEP_ID = "tracklab.sweep_id"
TAG_OBJECT_KEYS = "tracklab.object_keys"
TAG_METRICS = "tracklab.metrics"  # define_metric definitions (JSON list)
TAG_CHANGED_PARAMS = "tracklab.changed_params"  # config keys whose param keeps an older value (JSON list)
TAG_KIND = "tracklab.kind"  # "sweep" on a sweep's parent run
TAG_SWEEP = "tracklab.sweep"  # the sweep id, on a sweep's parent run
TAG_BULK_KEYS = "tracklab.bulk_keys"  # the last idempotency keys a run's bulk batches were stored under
TAG_PARENT_RUN = "mlflow.parentRunId"
TAG_RUN_NAME = "mlflow.runName"
TAG_NOTE = "mlflow.note.content"
TAG_USER = "mlflow.user"
TAG_SOURCE_NAME = "mlflow.source.name"
TAG_SOURCE_TYPE = "mlflow.source.type"
TAG_GIT_COMMIT = "mlflow.source.git.commit"
TAG_LOGGED_IMAGES = "mlflow.loggedImages"  # images in `mlflow.log_image`'s layout
TAG_LOGGED_ARTIFACTS = "mlflow.loggedArtifacts"  # tables MLflow's UI can show ("View as table")
USER_TAG_PREFIX = "tag."  # each wandb tag also becomes `tag.<name>` = "true" so MLflow can filter on it
KIND_SWEEP = "sweep"

# -- artifact paths inside the MLflow run -------------------------------------------------------
CONFIG_ARTIFACT = "config.yaml"
SUMMARY_ARTIFACT = "wandb-summary.json"
METADATA_ARTIFACT = "wandb-metadata.json"
OUTPUT_ARTIFACT = "output.log"
OBJECTS_ARTIFACT = "tracklab/history-objects.jsonl"
SWEEP_CONFIG_ARTIFACT = "sweep.yaml"  # on a sweep's parent run

# -- artifacts: registered-model (collection) tags ----------------------------------------------
RM_PROJECT = "tracklab.project"
RM_NAME = "tracklab.artifact_name"
RM_TYPE = "tracklab.artifact_type"
RM_LATEST = "tracklab.latest"
RM_ALIAS_PREFIX = "tracklab.alias."
RM_PORTFOLIO = "tracklab.portfolio"
RM_DEFAULT_TTL = "tracklab.default_ttl"  # seconds: the TTL of versions logged with ArtifactTTL.INHERIT
RM_LOCK_OWNER = "tracklab.lock_owner"  # on a collection's lock model (remote stores)
# -- artifacts: model-version tags --------------------------------------------------------------
MV_DIGEST = "tracklab.digest"
MV_INFO = "tracklab.info"  # JSON: model_id, location, size, file_count, objects (remote blob root)
MV_TTL = "tracklab.ttl"  # seconds
MV_TTL_INHERITED = "tracklab.ttl_inherited"  # "true" when the TTL came from the collection default
MV_EXPIRES = "tracklab.expires_at"  # ISO 8601 UTC: creation time + TTL
MV_METADATA = "tracklab.metadata"
MV_TAGS = "tracklab.tags"
MV_LINKED_FROM = "tracklab.linked_from"
MV_USED_BY_PREFIX = "tracklab.used_by."
# -- artifacts: logged-model tags ---------------------------------------------------------------
LM_DIGEST = "tracklab.digest"
LM_PROJECT = "tracklab.project"
LM_COLLECTION = "tracklab.collection"
LM_VERSION = "tracklab.version"
LM_MODEL_VERSIONS = "mlflow.modelVersions"  # MLflow's own list of the versions made from a logged model
# -- artifacts: run-scoped versions (`run-<run id>-<key>`: a LoggedModel each, no registered model) --
LM_RUN_ARTIFACT = "tracklab.run_artifact"  # the artifact name; LM_VERSION holds its `vN`
LM_ALIASES = "tracklab.aliases"  # JSON list of the version's wandb aliases ("latest" included)
LM_DESCRIPTION = "tracklab.description"
