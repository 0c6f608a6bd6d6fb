"""The `plot_*` functions of `wandb.sklearn`: check the inputs, build the chart, log it."""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from tracklab.integration.sklearn import _tables
from tracklab.integration.sklearn._checks import fitted, not_missing, right_types, termwarn


def _log(key: str, chart: Any) -> None:
    import tracklab

    if chart is not None:
        tracklab.log({key: chart})


def _termlog(message: str) -> None:
    import tracklab

    tracklab.termlog(message)


def plot_classifier(model: Any, X_train: Any, X_test: Any, y_train: Any, y_test: Any, y_pred: Any,  # noqa: N803
                    y_probas: Any, labels: Sequence[Any] | None, is_binary: bool = False,
                    model_name: str = "Classifier", feature_names: Sequence[str] | None = None,
                    log_learning_curve: bool = False) -> None:
    """Every classifier chart: importances, confusion matrix, metrics, proportions, calibration, ROC, PR."""
    from sklearn import naive_bayes

    _termlog(f"\nPlotting {model_name}.")
    multinomial = isinstance(model, naive_bayes.MultinomialNB)
    if not multinomial:
        plot_feature_importances(model, feature_names)
    if log_learning_curve:
        plot_learning_curve(model, X_train, y_train)
    plot_confusion_matrix(y_test, y_pred, labels)
    plot_summary_metrics(model, X=X_train, y=y_train, X_test=X_test, y_test=y_test)
    plot_class_proportions(y_train, y_test, labels)
    if not multinomial:
        plot_calibration_curve(model, X_train, y_train, model_name)
    plot_roc(y_test, y_probas, labels)
    plot_precision_recall(y_test, y_probas, labels)


def plot_regressor(model: Any, X_train: Any, X_test: Any, y_train: Any, y_test: Any,  # noqa: N803
                   model_name: str = "Regressor") -> None:
    """Every regressor chart: metrics, learning curve, outlier candidates, residuals."""
    _termlog(f"\nPlotting {model_name}.")
    plot_summary_metrics(model, X_train, y_train, X_test, y_test)
    plot_learning_curve(model, X_train, y_train)
    plot_outlier_candidates(model, X_train, y_train)
    plot_residuals(model, X_train, y_train)


def plot_clusterer(model: Any, X_train: Any, cluster_labels: Any, labels: Sequence[Any] | None = None,  # noqa: N803
                   model_name: str = "Clusterer") -> None:
    """Elbow curve (k-means) and silhouette plot."""
    from sklearn.cluster import KMeans

    _termlog(f"\nPlotting {model_name}.")
    kmeans = isinstance(model, KMeans)
    if kmeans:
        plot_elbow_curve(model, X_train)
    plot_silhouette(model, X_train, cluster_labels, labels=labels, kmeans=kmeans)


def plot_summary_metrics(model: Any = None, X: Any = None, y: Any = None, X_test: Any = None,  # noqa: N803
                         y_test: Any = None) -> None:
    if (not_missing(model=model, X=X, y=y, X_test=X_test, y_test=y_test)
            and right_types(model=model, X=X, y=y, X_test=X_test, y_test=y_test) and fitted(model)):
        _log("summary_metrics", _tables.summary_metrics(model, X_test, y_test))


def plot_learning_curve(model: Any = None, X: Any = None, y: Any = None, cv: Any = None,  # noqa: N803
                        shuffle: bool = False, random_state: Any = None, train_sizes: Any = None, n_jobs: int = 1,
                        scoring: Any = None) -> None:
    if not_missing(model=model, X=X, y=y) and right_types(model=model, X=X, y=y):
        sizes = np.linspace(0.1, 1.0, 5) if train_sizes is None else train_sizes
        _log("learning_curve", _tables.learning_curve(model, X, np.asarray(y), cv, shuffle, random_state, sizes,
                                                      n_jobs, scoring))


def plot_feature_importances(model: Any = None, feature_names: Sequence[str] | None = None,
                             title: str = "Feature Importance", max_num_features: int = 50) -> None:
    if not_missing(model=model) and right_types(model=model) and fitted(model):
        _log("feature_importances", _tables.feature_importances(model, feature_names))


def plot_class_proportions(y_train: Any = None, y_test: Any = None, labels: Sequence[Any] | None = None) -> None:
    if not_missing(y_train=y_train, y_test=y_test) and right_types(y_train=y_train, y_test=y_test):
        _log("class_proportions", _tables.class_proportions(np.array(y_train), np.array(y_test), labels))


def plot_calibration_curve(clf: Any = None, X: Any = None, y: Any = None,  # noqa: N803
                           clf_name: str = "Classifier") -> None:
    if not (not_missing(clf=clf, X=X, y=y) and right_types(clf=clf, X=X, y=y) and fitted(clf)):
        return
    y = np.asarray(y)
    if y.dtype.char == "U" or not ((y == 0) | (y == 1)).all():
        termwarn("This function only supports binary classification at the moment and therefore expects labels to "
                 "be binary. Skipping calibration curve.")
        return
    _log("calibration_curve", _tables.calibration_curves(clf, X, y, clf_name))


def plot_roc(y_true: Any = None, y_probas: Any = None, labels: Sequence[Any] | None = None, plot_micro: bool = True,
             plot_macro: bool = True, classes_to_plot: Sequence[Any] | None = None) -> None:
    import tracklab.plot

    _log("roc", tracklab.plot.roc_curve(y_true, y_probas, labels, classes_to_plot))


def plot_precision_recall(y_true: Any = None, y_probas: Any = None, labels: Sequence[Any] | None = None,
                          plot_micro: bool = True, classes_to_plot: Sequence[Any] | None = None) -> None:
    import tracklab.plot

    _log("precision_recall", tracklab.plot.pr_curve(y_true, y_probas, labels, classes_to_plot))


def plot_confusion_matrix(y_true: Any = None, y_pred: Any = None, labels: Sequence[Any] | None = None,
                          true_labels: Sequence[Any] | None = None, pred_labels: Sequence[Any] | None = None,
                          normalize: bool = False) -> None:
    y_true, y_pred = np.asarray(y_true), np.asarray(y_pred)
    if not_missing(y_true=y_true, y_pred=y_pred) and right_types(y_true=y_true, y_pred=y_pred):
        _log("confusion_matrix", _tables.confusion_matrix(y_true, y_pred, labels, true_labels, pred_labels,
                                                          normalize))


def plot_elbow_curve(clusterer: Any = None, X: Any = None, cluster_ranges: Sequence[int] | None = None,  # noqa: N803
                     n_jobs: int = 1, show_cluster_time: bool = True) -> None:
    if not hasattr(clusterer, "n_clusters"):
        _termlog("n_clusters attribute not in classifier. Cannot plot elbow method.")
        return
    if not_missing(clusterer=clusterer) and fitted(clusterer):
        _log("elbow_curve", _tables.elbow_curve(clusterer, X, cluster_ranges, n_jobs))


def plot_silhouette(clusterer: Any = None, X: Any = None, cluster_labels: Any = None,  # noqa: N803
                    labels: Sequence[Any] | None = None, metric: str = "euclidean", kmeans: bool = True) -> None:
    if not_missing(clusterer=clusterer) and right_types(clusterer=clusterer) and fitted(clusterer):
        X = X.values if hasattr(X, "values") and not isinstance(X, np.ndarray) else X  # noqa: N806
        _log("silhouette_plot", _tables.silhouette(clusterer, np.asarray(X), cluster_labels, metric, kmeans))


def plot_residuals(regressor: Any = None, X: Any = None, y: Any = None) -> None:  # noqa: N803
    if not_missing(regressor=regressor, X=X, y=y) and right_types(regressor=regressor, X=X, y=y) and fitted(regressor):
        _log("residuals", _tables.residuals(regressor, X, np.asarray(y)))


def plot_outlier_candidates(regressor: Any = None, X: Any = None, y: Any = None) -> None:  # noqa: N803
    if not_missing(regressor=regressor, X=X, y=y) and right_types(regressor=regressor, X=X, y=y) and fitted(regressor):
        _log("outlier_candidates", _tables.outlier_candidates(regressor, X, np.asarray(y)))
