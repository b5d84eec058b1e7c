"""The bank's twelve categories, and a keyword rule to place a question that names none."""

from __future__ import annotations

import re

CATEGORIES: tuple[str, ...] = (
    "Core Machine Learning Algorithms",
    "Mathematical Foundations",
    "Model Evaluation & Selection",
    "Optimization Techniques",
    "Deep Learning Concepts",
    "Model Interpretability",
    "Feature Engineering",
    "Model Deployment & Production",
    "Unsupervised Learning",
    "Recommender Systems",
    "Time Series Forecasting",
    "Industry Applications & Real-World Scenarios",
)

# Checked in order; the first category with a keyword in the question wins. Order matters:
# "backpropagation in neural networks" is optimisation, "dropout in neural networks" deep learning.
_KEYWORDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    (
        "Optimization Techniques",
        (
            "gradient descent",
            "backpropagation",
            "optimizer",
            "adam",
            "rmsprop",
            "learning rate",
            "hyperparameter",
            "sgd",
        ),
    ),
    (
        "Deep Learning Concepts",
        (
            "vanishing",
            "exploding",
            "batch norm",
            "dropout",
            "transfer learning",
            "cnn",
            "lstm",
            "gru",
            "transformer",
            "attention",
            "autoencoder",
            "neural network",
        ),
    ),
    (
        "Model Evaluation & Selection",
        (
            "confusion matrix",
            "precision",
            "recall",
            "roc",
            "auc",
            "cross-validation",
            "overfitting",
            "metric",
        ),
    ),
    (
        "Mathematical Foundations",
        (
            "regularization",
            "regularisation",
            "l1",
            "l2",
            "eigen",
            "bias-variance",
            "norm",
            "derivative",
            "probability",
        ),
    ),
    (
        "Feature Engineering",
        ("missing data", "missing value", "imputation", "feature", "encoding", "scaling"),
    ),
    (
        "Core Machine Learning Algorithms",
        (
            "ensemble",
            "bagging",
            "boosting",
            "random forest",
            "xgboost",
            "svm",
            "decision tree",
            "regression",
        ),
    ),
    ("Model Interpretability", ("shap", "lime", "interpret", "explain model")),
    ("Model Deployment & Production", ("deploy", "production", "drift", "serving", "a/b")),
    ("Unsupervised Learning", ("cluster", "k-means", "pca", "dbscan", "unsupervised")),
    ("Recommender Systems", ("recommend", "collaborative filtering", "cold start")),
    ("Time Series Forecasting", ("time series", "arima", "forecast", "seasonality")),
)


# One pattern per category, compiled once: a keyword counts at the start of a word.
_PATTERNS = tuple(
    (category, re.compile(rf"(?<![a-z0-9])(?:{'|'.join(re.escape(w) for w in words)})"))
    for category, words in _KEYWORDS
)


def infer_category(text: str, default: str = "General") -> str:
    """Best-guess category from keywords; `default` when nothing matches."""
    lowered = text.lower()
    for category, pattern in _PATTERNS:
        if pattern.search(lowered):
            return category
    return default
