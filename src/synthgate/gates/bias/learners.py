"""The standard classifiers of the model-fairness check, on the bias gate's feature matrix.

Columns arrive as numerical values (NaN kept) followed by integer category codes (-1 for a category the
real table never had), so no string handling is needed here.
"""

from __future__ import annotations

from sklearn.compose import ColumnTransformer
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

#: Native categorical splits in gradient boosting need fewer categories than its 255 bins.
MAX_NATIVE_CATEGORIES = 250


def make_model(kind: str, categories: list[int], seed: int) -> Pipeline:
    """A fresh, unfitted classifier.

    Parameters
    ----------
    kind : "logistic" (one-hot categoricals, median-imputed and scaled numericals) or "gradient_boosting"
        (scikit-learn's ``HistGradientBoostingClassifier`` with native categorical splits).
    categories : per feature column, its number of categories; 0 for a numerical column.
    seed : random state of the classifier.
    """
    numeric = [i for i, k in enumerate(categories) if k == 0]
    categorical = [i for i, k in enumerate(categories) if k > 0]
    if kind == "logistic":
        prepare = ColumnTransformer([
            ("numeric", make_pipeline(SimpleImputer(strategy="median", add_indicator=True), StandardScaler()),
             numeric),
            ("categorical", OneHotEncoder(handle_unknown="ignore"), categorical)])
        return make_pipeline(prepare, LogisticRegression(max_iter=2000))
    if kind == "gradient_boosting":
        native = [0 < k <= MAX_NATIVE_CATEGORIES for k in categories]
        # Half scikit-learn's default number of rounds at a larger step: near its accuracy on tables like
        # Adult at half the time, which matters with several honest replicates to train.
        model = HistGradientBoostingClassifier(categorical_features=native if any(native) else None,
                                               max_iter=50, learning_rate=0.2, early_stopping=False,
                                               random_state=seed)
        return make_pipeline(model)
    raise ValueError(f"unknown classifier {kind!r}; known: logistic, gradient_boosting")
