"""Platt scaling: a score turned into a probability by a logistic curve fitted on held-out rows.

:math:`P(\\text{churn} \\mid z) = 1 / (1 + e^{-(a z + b)})`, with (a, b) maximising the
likelihood of held-out labels whose 0/1 targets are smoothed to
:math:`t_+ = (N_+ + 1)/(N_+ + 2)` and :math:`t_- = 1/(N_- + 2)` (Platt 1999, "Probabilistic
outputs for support vector machines"; Lin, Lin & Weng 2007, "A note on Platt's
probabilistic outputs", whose Newton iteration with backtracking this follows). The
smoothing keeps (a, b) finite when the held-out rows are perfectly separated.

The curve is monotone, so the ranking (ROC AUC, average precision, lift) of a score is
what it was; only the probabilities, and so the Brier score, change. Each score is given
on a scale where a straight logistic is plausible: the booster's log-odds, the log of the
days since the last purchase, the log-odds of 1 - P(alive).
"""

from __future__ import annotations

import numpy as np

from ..exceptions import InputError, NotFittedError

_MAX_STEPS = 100


class PlattCalibrator:
    """Platt scaling of a one-dimensional score (scikit-learn style).

    Attributes
    ----------
    slope_, intercept_ : float
        a and b of :math:`1 / (1 + e^{-(a z + b)})` on the standardised score.
    """

    def fit(self, score: np.ndarray, churned: np.ndarray) -> PlattCalibrator:
        """Fit the curve to held-out scores and their labels; return self."""
        z = np.asarray(score, dtype=float)
        y = np.asarray(churned, dtype=bool)
        if z.shape != y.shape or z.ndim != 1 or len(z) == 0:
            raise InputError("calibration needs one score per label, and at least one row.")
        if not np.all(np.isfinite(z)):
            raise InputError("calibration scores must be finite numbers.")
        positives, negatives = int(y.sum()), int((~y).sum())
        target = np.where(y, (positives + 1) / (positives + 2), 1 / (negatives + 2))
        self.center_ = float(z.mean())
        self.scale_ = float(z.std()) or 1.0
        x = (z - self.center_) / self.scale_
        self.slope_, self.intercept_ = _newton(x, target, positives, negatives)
        return self

    def log_odds(self, score: np.ndarray) -> np.ndarray:
        """Return the calibrated log-odds of each score, :math:`a z + b`."""
        if not hasattr(self, "slope_"):
            raise NotFittedError("this PlattCalibrator is not fitted yet: call fit first.")
        x = (np.asarray(score, dtype=float) - self.center_) / self.scale_
        return self.slope_ * x + self.intercept_

    def predict(self, score: np.ndarray) -> np.ndarray:
        """Return the calibrated probability of each score."""
        return _sigmoid(self.log_odds(score))


def _newton(x: np.ndarray, t: np.ndarray, positives: int, negatives: int
            ) -> tuple[float, float]:
    """Minimise the cross-entropy of sigmoid(a x + b) against targets t (Lin et al. 2007)."""
    a, b = 0.0, float(np.log((positives + 1) / (negatives + 1)))
    loss = _loss(a, b, x, t)
    for _ in range(_MAX_STEPS):
        p = _sigmoid(a * x + b)
        g = np.array([x @ (p - t), (p - t).sum()])
        w = p * (1 - p) + 1e-12
        h = np.array([[x @ (w * x), x @ w], [x @ w, w.sum()]]) + 1e-12 * np.eye(2)
        if np.max(np.abs(g)) < 1e-10 * len(x):
            break
        step = np.linalg.solve(h, g)
        length = 1.0
        while length > 1e-10:
            na, nb = a - length * step[0], b - length * step[1]
            new = _loss(na, nb, x, t)
            if new <= loss + 1e-4 * length * (g @ -step):
                a, b, loss = na, nb, new
                break
            length /= 2
        else:
            break
    return float(a), float(b)


def _loss(a: float, b: float, x: np.ndarray, t: np.ndarray) -> float:
    f = a * x + b
    # -t log p - (1 - t) log(1 - p) with p = sigmoid(f), stably.
    return float(np.sum(np.logaddexp(0.0, f) - t * f))


def _sigmoid(f: np.ndarray) -> np.ndarray:
    return np.exp(-np.logaddexp(0.0, -f))
