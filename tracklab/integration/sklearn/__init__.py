"""`wandb.sklearn` / `wandb.integration.sklearn`: scikit-learn charts, logged as wandb logs them.

Each `plot_*` checks its inputs, computes a table and logs it with wandb's built-in panel id
(`wandb/roc/v1`, `wandb/confusion_matrix/v1`, ...) under wandb's key (`roc`, `confusion_matrix`,
`summary_metrics`, ...). The umbrella `plot_classifier`, `plot_regressor` and `plot_clusterer`
log the charts that fit the model.
"""

from tracklab.integration.sklearn._plots import (
    plot_calibration_curve,
    plot_class_proportions,
    plot_classifier,
    plot_clusterer,
    plot_confusion_matrix,
    plot_elbow_curve,
    plot_feature_importances,
    plot_learning_curve,
    plot_outlier_candidates,
    plot_precision_recall,
    plot_regressor,
    plot_residuals,
    plot_roc,
    plot_silhouette,
    plot_summary_metrics,
)

__all__ = [
    "plot_classifier", "plot_clusterer", "plot_regressor", "plot_summary_metrics", "plot_learning_curve",
    "plot_feature_importances", "plot_class_proportions", "plot_calibration_curve", "plot_roc",
    "plot_precision_recall", "plot_confusion_matrix", "plot_elbow_curve", "plot_silhouette", "plot_residuals",
    "plot_outlier_candidates",
]
