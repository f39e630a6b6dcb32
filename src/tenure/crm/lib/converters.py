"""Path converters of Tenure's URLs.

``<id:pk>`` matches a database id: Django's ``<int:pk>`` also takes 99999999999999999999,
which no 64-bit key can hold (SQLite raises OverflowError, PostgreSQL a DataError).
An id beyond the largest key does not match, so the page answers 404. The root URL map
registers it before it includes the apps' maps.
"""

from __future__ import annotations

from .bounds import MAX_ID


class IdConverter:
    regex = "[0-9]{1,19}"

    def to_python(self, value: str) -> int:
        number = int(value)
        if number > MAX_ID:
            raise ValueError(value)  # Django takes it as "no match"
        return number

    def to_url(self, value) -> str:
        return str(int(value))
