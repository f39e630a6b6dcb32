"""The languages the library writes sentences in (churn reasons, report notes).

A module of its own so that checking a language setting does not import the churn
package (LightGBM, scikit-learn): ``tenure analyze --no-churn`` never needs them.
"""

from __future__ import annotations

#: The languages a reason can be described in.
LANGUAGES = ("en", "ru", "uk")
