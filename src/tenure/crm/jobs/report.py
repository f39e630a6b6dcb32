"""What one run of a scheduled job did, and the rows it skipped.

A job meets old rows written before today's validators existed, or straight into the
database. One such row must not stop the job for the whole shop: the job skips it, logs
why, and names it in its report, which the worker keeps as the job's last result.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

logger = logging.getLogger(__name__)

#: Rows named in the text of a report; the log has every one.
NAMED = 20


@dataclass
class JobReport:
    done: int = 0
    skipped: list[str] = field(default_factory=list)

    def skip(self, row: str, problems: list[str]) -> None:
        """Record that ``row`` was left out because of ``problems``, and log it."""
        text = f"{row}: {'; '.join(problems)}"
        self.skipped.append(text)
        logger.warning("skipped %s", text)

    def __str__(self) -> str:
        if not self.skipped:
            return str(self.done)
        named = " | ".join(self.skipped[:NAMED])
        more = f" | and {len(self.skipped) - NAMED} more" if len(self.skipped) > NAMED else ""
        return f"{self.done}; skipped {len(self.skipped)}: {named}{more}"
