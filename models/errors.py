"""Why a training run stops before anything is written or registered.

Every error is a ``ValueError`` whose message is one line naming the reason; the CLI
prints it and exits non-zero.
"""

from __future__ import annotations


class TrainingDataError(ValueError):
    """The training data cannot give a trustworthy model."""


class NoEligibleSnapshotError(TrainingDataError):
    """No feature snapshot whose label window has fully elapsed at the as-of date."""


class TooFewRowsError(TrainingDataError):
    """Fewer labelled rows than ``models.min_rows``."""


class NoPositiveLabelsError(TrainingDataError):
    """No (or too few) positive labels overall or in a split that needs them."""


class FeatureCatalogueError(TrainingDataError):
    """The feature catalogue is missing or names columns the feature table lacks."""
