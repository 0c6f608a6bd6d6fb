"""`wandb.sklearn.plot_*` with the stand-in on: the same tables and keys as real wandb offline."""

from __future__ import annotations

import pytest

from tests import helpers

helpers.require("sklearn")
pytestmark = pytest.mark.slow  # trains real models in fresh interpreters (20-80 s each on 2 cores)

from tests.integration._support import only_run, rows, run_standin  # noqa: E402

CLASSIFIER = """
import wandb
from sklearn.datasets import make_classification
from sklearn.ensemble import RandomForestClassifier
run = wandb.init(project="sk")
X, y = make_classification(n_samples=120, n_features=4, random_state=0)
Xtr, Xte, ytr, yte = X[:80], X[80:], y[:80], y[80:]
clf = RandomForestClassifier(n_estimators=5, random_state=0).fit(Xtr, ytr)
wandb.sklearn.plot_classifier(clf, Xtr, Xte, ytr, yte, clf.predict(Xte), clf.predict_proba(Xte), ["no", "yes"],
                              model_name="RF", feature_names=["a", "b", "c", "d"])
wandb.finish()
"""

OTHERS = """
import wandb
from wandb.integration.sklearn import plot_regressor, plot_clusterer
from sklearn.cluster import KMeans
from sklearn.datasets import make_blobs, make_regression
from sklearn.linear_model import Ridge
run = wandb.init(project="sk2")
X, y = make_regression(n_samples=60, n_features=3, random_state=0)
plot_regressor(Ridge().fit(X[:40], y[:40]), X[:40], X[40:], y[:40], y[40:], model_name="Ridge")
Xc, _ = make_blobs(n_samples=60, centers=3, n_features=2, random_state=0)
kmeans = KMeans(n_clusters=3, n_init=2, random_state=0).fit(Xc)
plot_clusterer(kmeans, Xc, kmeans.labels_)
wandb.finish()
"""


def _tables(summary: dict) -> dict[str, str]:
    return {key: value["sha256"] for key, value in summary.items()
            if isinstance(value, dict) and value.get("_type") == "table-file"}


def test_classifier_charts_match_wandb_offline(tl_dir, tmp_path):
    from tests._wandb_offline import run_wandb_offline

    oracle = run_wandb_offline(CLASSIFIER, tmp_path / "oracle")
    run_standin(CLASSIFIER, tl_dir.parent / "work")
    run = only_run("sk")
    keys = [sorted(k for k in row if not k.startswith("_")) for row in rows(run)]
    assert keys == [sorted(k for k in row if not k.startswith("_")) for row in oracle["history"]]
    assert keys == [["feature_importances"], ["confusion_matrix"], ["summary_metrics"], ["class_proportions"],
                    ["calibration_curve"], ["roc_table"], ["precision_recall_table"]]
    assert _tables(run.summary) == _tables(oracle["summary"])  # byte-identical table files
    viz = run.config["_wandb"]["viz"]
    assert viz["confusion_matrix"]["id"] == "wandb/confusion_matrix/v1"
    assert viz["calibration_curve"]["id"] == "wandb/calibration/v1"
    assert set(run.config["_wandb"]["visualize"]) == {"roc", "precision_recall"}


def test_regressor_and_clusterer_charts(tl_dir):
    run_standin(OTHERS, tl_dir.parent / "work")
    run = only_run("sk2")
    keys = [k for row in rows(run) for k in row if not k.startswith("_")]
    assert keys == ["summary_metrics", "learning_curve", "outlier_candidates", "residuals", "elbow_curve",
                    "silhouette_plot"]
    viz = {key: value["id"] for key, value in run.config["_wandb"]["viz"].items()}
    assert viz == {"summary_metrics": "wandb/metrics/v1", "learning_curve": "wandb/learning_curve/v1",
                   "outlier_candidates": "wandb/outliers/v1", "residuals": "wandb/residuals_plot/v1",
                   "elbow_curve": "wandb/elbow/v1", "silhouette_plot": "wandb/silhouette_/v1"}
    summary = run.summary
    assert summary["residuals"]["ncols"] == 5 and summary["silhouette_plot"]["nrows"] == 60
    assert summary["summary_metrics"]["nrows"] == 3 and summary["elbow_curve"]["nrows"] == 5
