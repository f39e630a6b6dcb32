"""One figure of the bench report, shared by ``run.py`` and the pieces that build rows."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Row:
    figure: str
    size: str
    value: str
    target: str = ""
    met: bool | None = None
    notes: list[str] = field(default_factory=list)
