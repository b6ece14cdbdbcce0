"""Markdown tables of benchmark results, as printed and as pasted in README.md."""

from __future__ import annotations

from dataclasses import dataclass, field

MB = 1_000_000


@dataclass
class Table:
    """One result table, with the command that reproduces it."""

    title: str
    command: str
    columns: list[str]
    rows: list[list[str]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def add(self, *cells) -> None:
        self.rows.append([_cell(value) for value in cells])

    def markdown(self) -> str:
        lines = [f"### {self.title}", "", f"`{self.command}`", ""]
        lines.append("| " + " | ".join(self.columns) + " |")
        lines.append("|" + "|".join("---" for _ in self.columns) + "|")
        lines.extend("| " + " | ".join(row) + " |" for row in self.rows)
        notes = [note for note in self.notes if note]
        if notes:
            lines.append("")
            lines.extend(f"- {note}" for note in notes)
        return "\n".join(lines) + "\n"


def _cell(value) -> str:
    if isinstance(value, float):
        return f"{value:.3g}" if abs(value) < 100 else f"{value:.0f}"
    return str(value)


def megabytes(value: int) -> str:
    return f"{value / MB:.0f}" if value else "-"


def percent(value: float | None) -> str:
    return "-" if value is None else f"{100 * value:.0f}%"


def fixed(value: float | None, digits: int = 2) -> str:
    return "-" if value is None else f"{value:.{digits}f}"
