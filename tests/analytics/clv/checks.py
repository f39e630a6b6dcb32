"""Checks the model tests share."""

from __future__ import annotations

import numpy as np
import pytest


def assert_gradient_is_the_derivative(model, prepared, params, *, rel: float = 1e-6,
                                      abs: float = 0.0) -> None:  # noqa: A002 (pytest's name)
    """Assert the model's analytic gradient equals central differences of its likelihood."""
    params = np.asarray(params, dtype=float)
    gradient = model._log_likelihood(params, prepared)[1]
    for i in range(len(params)):
        h = np.zeros(len(params))
        h[i] = 1e-5 * params[i]  # near the cube root of machine epsilon: least total error
        numeric = (model._log_likelihood(params + h, prepared)[0]
                   - model._log_likelihood(params - h, prepared)[0]) / (2 * h[i])
        assert gradient[i] == pytest.approx(numeric, rel=rel, abs=abs), (params, i)
