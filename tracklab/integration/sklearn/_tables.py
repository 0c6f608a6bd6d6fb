"""The tables behind the sklearn charts, each wrapped in wandb's built-in panel (`visualize`)."""

from __future__ import annotations

import itertools
import time
from typing import Any, Sequence

import numpy as np

from tracklab.integration.sklearn._checks import CHART_LIMIT, over_limit, termwarn


def _chart(panel: str, columns: list[str], data: list[list[Any]]) -> Any:
    from tracklab.plot import visualize
    from tracklab.sdk.data_types import Table

    return visualize(panel, Table(columns=columns, data=data))


def summary_metrics(model: Any, X_test: Any, y_test: Any) -> Any:  # noqa: N803 - sklearn's names
    from sklearn import metrics
    from sklearn.base import is_classifier, is_regressor

    y_test = np.asarray(y_test)
    y_pred = model.predict(X_test)
    values: dict[str, float] = {}
    if is_classifier(model):
        values["accuracy_score"] = metrics.accuracy_score(y_test, y_pred)
        for name, fn in (("precision", metrics.precision_score), ("recall", metrics.recall_score),
                         ("f1_score", metrics.f1_score)):
            values[name] = fn(y_test, y_pred, average="weighted")
    elif is_regressor(model):
        values["mae"] = metrics.mean_absolute_error(y_test, y_pred)
        values["mse"] = metrics.mean_squared_error(y_test, y_pred)
        values["r2_score"] = metrics.r2_score(y_test, y_pred)
    name = type(model).__name__
    return _chart("wandb/metrics/v1", ["metric_name", "metric_value", "model_name"],
                  [[k, round(v, 2), name] for k, v in values.items()])


def learning_curve(model: Any, X: Any, y: Any, cv: Any = None, shuffle: bool = False,  # noqa: N803
                   random_state: Any = None, train_sizes: Any = None, n_jobs: int = 1, scoring: Any = None) -> Any:
    from sklearn import model_selection

    sizes, train, test = model_selection.learning_curve(model, X, y, cv=cv, n_jobs=n_jobs, train_sizes=train_sizes,
                                                        scoring=scoring, shuffle=shuffle, random_state=random_state)
    train, test = np.mean(train, axis=1), np.mean(test, axis=1)
    data: list[list[Any]] = []
    for i in range(len(train)):
        if over_limit(i, "learning_curve", CHART_LIMIT / 2):
            break
        data += [["train", round(train[i], 2), sizes[i]], ["test", round(test[i], 2), sizes[i]]]
    return _chart("wandb/learning_curve/v1", ["dataset", "score", "train_size"], data)


def feature_importances(model: Any, feature_names: Sequence[str] | None) -> Any:
    attribute = next((a for a in ("feature_importances_", "feature_log_prob_", "coef_") if hasattr(model, a)), None)
    if attribute is None:
        termwarn("could not find any of attributes feature_importances_, feature_log_prob_, coef_ on classifier. "
                 "Cannot plot feature importances.")
        return None
    importances = np.asarray(getattr(model, attribute))
    if importances.ndim > 1:
        if sum(dim > 1 for dim in importances.shape) > 1:
            termwarn(f"{importances.ndim}-dimensional feature importances array passed to plot_feature_importances."
                     f" {importances.ndim}-dimensional and higher feature importances arrays are not currently "
                     "supported. These importances will not be plotted.")
            return None
        importances = np.squeeze(importances)
    order = np.argsort(importances)[::-1]
    names = order if feature_names is None else np.array(feature_names)[order]
    return _chart("wandb/feature_importances/v1", ["feature_names", "importances"],
                  [[names[i], importances[order][i]] for i in range(len(names))])


def class_proportions(y_train: np.ndarray, y_test: np.ndarray, labels: Sequence[Any] | None) -> Any:
    from sklearn.utils.multiclass import unique_labels

    classes = np.array(unique_labels(*((y_train,) if y_test is None else (y_train, y_test))))
    data: list[list[Any]] = []
    for i, cls in enumerate(classes):
        data += [[cls, "train", (y_train == cls).sum()], [cls, "test", (y_test == cls).sum()]]
        if over_limit(i, "class_proportions"):
            break
    if labels is not None and isinstance(data[0][0], (int, np.integer)):
        for row in data:
            row[0] = labels[row[0]]
    return _chart("wandb/class_proportions/v1", ["class", "dataset", "count"], data)


def calibration_curves(clf: Any, X: Any, y: np.ndarray, clf_name: str) -> Any:  # noqa: N803
    from sklearn import calibration, model_selection, naive_bayes
    from sklearn.linear_model import LogisticRegression

    if isinstance(clf, naive_bayes.ComplementNB):
        X = X - X.min()  # noqa: N806
    data: list[list[Any]] = [["Perfectly calibrated", 0, 0, 0, 0], ["Perfectly calibrated", 1, 1, 0, 0]]
    x_train, x_test, y_train, y_test = model_selection.train_test_split(X, y, test_size=0.9, random_state=42)
    models = [(LogisticRegression(C=1.0), "Logistic"),
              (calibration.CalibratedClassifierCV(clf, cv=2, method="isotonic"), f"{clf_name} Isotonic"),
              (calibration.CalibratedClassifierCV(clf, cv=2, method="sigmoid"), f"{clf_name} Sigmoid")]
    for model, name in models:
        model.fit(x_train, y_train)
        if hasattr(model, "predict_proba"):
            prob = model.predict_proba(x_test)[:, 1]
        else:
            prob = model.decision_function(x_test)
            prob = (prob - prob.min()) / (prob.max() - prob.min())
        hist, edges = np.histogram(prob, bins=10, density=False)
        positives, predicted = calibration.calibration_curve(y_test, prob, n_bins=10)
        for i in range(len(positives)):
            data.append([name, round(positives[i], 3), round(predicted[i], 3), hist[i], edges[i]])
            if over_limit(i, "calibration_curve", CHART_LIMIT - 2):
                break
    return _chart("wandb/calibration/v1",
                  ["model", "fraction_of_positives", "mean_predicted_value", "hist_dict", "edge_dict"], data)


def confusion_matrix(y_true: np.ndarray, y_pred: np.ndarray, labels: Sequence[Any] | None = None,
                     true_labels: Sequence[Any] | None = None, pred_labels: Sequence[Any] | None = None,
                     normalize: bool = False) -> Any:
    from sklearn import metrics
    from sklearn.utils.multiclass import unique_labels

    matrix = metrics.confusion_matrix(y_true, y_pred)
    classes = unique_labels(y_true, y_pred) if labels is None else np.asarray(labels)
    if normalize:
        with np.errstate(invalid="ignore", divide="ignore"):
            matrix = np.around(matrix.astype("float") / matrix.sum(axis=1)[:, np.newaxis], decimals=2)
        matrix[np.isnan(matrix)] = 0.0
    true_classes, pred_classes = classes, classes
    if true_labels is not None:
        keep = np.isin(classes, true_labels)
        true_classes, matrix = classes[keep], matrix[keep]
    if pred_labels is not None:
        keep = np.isin(classes, pred_labels)
        pred_classes, matrix = classes[keep], matrix[:, keep]
    data: list[list[Any]] = []
    for count, (i, j) in enumerate(itertools.product(range(matrix.shape[0]), range(matrix.shape[1])), start=1):
        if labels is not None and isinstance(pred_classes[0], (int, np.integer)):
            data.append([labels[pred_classes[i]], labels[true_classes[j]], matrix[i, j]])
        else:
            data.append([pred_classes[i], true_classes[j], matrix[i, j]])
        if over_limit(count, "confusion_matrix"):
            break
    return _chart("wandb/confusion_matrix/v1", ["Predicted", "Actual", "Count"], data)


def elbow_curve(clusterer: Any, X: Any, cluster_ranges: Sequence[int] | None, n_jobs: int) -> Any:  # noqa: N803
    from joblib import Parallel, delayed

    ranges = range(1, 10, 2) if cluster_ranges is None else sorted(cluster_ranges)
    results = Parallel(n_jobs=n_jobs)(delayed(_score_clusters)(clusterer, X, k) for k in ranges)
    errors, times = zip(*results, strict=True)
    return _chart("wandb/elbow/v1", ["cluster_ranges", "errors", "clustering_time"],
                  [list(row) for row in zip(ranges, np.absolute(errors), times, strict=True)])


def _score_clusters(clusterer: Any, X: Any, n_clusters: int) -> tuple[float, float]:  # noqa: N803
    from sklearn.base import clone

    start = time.time()
    model = clone(clusterer)
    model.n_clusters = n_clusters
    return model.fit(X).score(X), time.time() - start


def silhouette(clusterer: Any, X: np.ndarray, cluster_labels: Any, metric: str, kmeans: bool) -> Any:  # noqa: N803
    from sklearn.metrics import silhouette_samples, silhouette_score

    cluster_labels = np.asarray(cluster_labels)
    average = silhouette_score(X, cluster_labels, metric=metric)
    samples = silhouette_samples(X, cluster_labels, metric=metric)
    y_sil: list[Any] = []
    x_sil: list[Any] = []
    color_sil: list[int] = []
    y_lower = 10
    for i in range(len(np.unique(cluster_labels))):
        values = np.sort(samples[cluster_labels == i])
        for j, y_value in enumerate(range(y_lower, y_lower + len(values))):
            y_sil.append(y_value)
            x_sil.append(values[j])
            color_sil.append(i)
            if over_limit(len(color_sil), "silhouette"):
                break
        y_lower += len(values) + 10
    if kmeans:
        centerx, centery = clusterer.cluster_centers_[:, 0], clusterer.cluster_centers_[:, 1]
    else:
        centerx = centery = [None] * len(color_sil)
    colors = cluster_labels
    data = [[X[i, 0], X[i, 1], colors[i], centerx[colors[i]], centery[colors[i]], y_sil[i], 0, x_sil[i],
             color_sil[i], average] for i in range(len(color_sil))]
    return _chart("wandb/silhouette_/v1", ["x", "y", "colors", "centerx", "centery", "y_sil", "x1", "x2",
                                           "color_sil", "silhouette_avg"], data)


def outlier_candidates(regressor: Any, X: Any, y: np.ndarray) -> Any:  # noqa: N803
    regressor.fit(X, y)
    leverage = (X * np.linalg.pinv(X).T).sum(1)
    dof = X.shape[0] - np.linalg.matrix_rank(X)
    residuals = y - regressor.predict(X)
    mse = np.dot(residuals, residuals) / dof
    studentized = residuals / np.sqrt(mse) / np.sqrt(1 - leverage)
    distance = studentized**2 / X.shape[1] * (leverage / (1 - leverage))
    threshold = 4 / X.shape[0]
    percentage = round(sum(distance >= threshold) / X.shape[0] * 100.0, 3)
    kept = []
    for count, d in enumerate(distance, start=1):
        kept.append(d)
        if over_limit(count, "outlier_candidates"):
            break
    return _chart("wandb/outliers/v1", ["distance", "instance_indicies", "outlier_percentage", "influence_threshold"],
                  [[d, i, percentage, threshold] for i, d in enumerate(kept)])


def residuals(regressor: Any, X: Any, y: np.ndarray) -> Any:  # noqa: N803
    from sklearn import model_selection

    x_train, x_test, y_train, y_test = model_selection.train_test_split(X, y, test_size=0.2)
    regressor.fit(x_train, y_train)
    scores = (regressor.score(x_train, y_train), regressor.score(x_test, y_test))
    data: list[list[Any]] = []
    for dataset, xs, ys in (("train", x_train, y_train), ("test", x_test, y_test)):
        predicted = regressor.predict(xs)
        for count, (pred, residual) in enumerate(zip(predicted, predicted - ys, strict=True), start=1):
            data.append([dataset, pred, residual, *scores])
            if over_limit(count, "residuals", 100):
                break
    return _chart("wandb/residuals_plot/v1", ["dataset", "y_pred", "residuals", "train_score", "test_score"], data)
