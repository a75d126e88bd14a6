"""Reading and writing the catalogue's CSV files: UTF-8 (an Excel BOM is fine), a header row,
errors that name the row and the column, and cells that cannot run as formulas.

Pure: text in, rows out. Row numbers are what a spreadsheet shows: the header is row 1.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

MAX_ROWS = 50_000
MAX_BYTES = 20 * 1024 * 1024
MAX_CELL = 10_000
# OWASP CSV injection: a cell starting with one of these may run as a formula in a spreadsheet.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n", "\0")


@dataclass(frozen=True)
class RowError:
    row: int  # 1 is the header
    column: str | None
    message: str

    def __str__(self) -> str:
        where = f"row {self.row}" + (f", column {self.column}" if self.column else "")
        return f"{where}: {self.message}"


class CsvRefused(Exception):
    """The file as a whole cannot be read: nothing in it was looked at further."""

    def __init__(self, errors: list[RowError]) -> None:
        super().__init__("; ".join(str(e) for e in errors))
        self.errors = errors


def decode(data: bytes) -> str:
    if len(data) > MAX_BYTES:
        raise CsvRefused([RowError(1, None, f"The file is over {MAX_BYTES // 1024 // 1024} MB.")])
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise CsvRefused(
            [
                RowError(
                    1,
                    None,
                    f"The file is not UTF-8 (byte {error.start + 1}): save it as 'CSV UTF-8'.",
                )
            ]
        ) from None


def unescape(value: str) -> str:
    """A cell this software exported with a protective ``'`` reads back as it was."""
    if value.startswith("'") and value[1:2] and value[1] in FORMULA_START:
        return value[1:]
    return value


def read_rows(
    text: str, columns: Sequence[str], required: Sequence[str]
) -> list[tuple[int, dict[str, str]]]:
    """``(row number, {column: cell})`` for each data row; ``CsvRefused`` when the header is
    wrong or the file cannot be parsed. Unknown columns are refused (a typo would otherwise be
    ignored silently); missing optional columns read as empty."""
    if text.startswith("\ufeff"):
        text = text[1:]
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader, None)
    except csv.Error as error:
        raise CsvRefused([RowError(1, None, f"Not a CSV file: {error}")]) from None
    if not header:
        raise CsvRefused([RowError(1, None, "The file is empty: it needs a header row.")])
    names = [name.strip().lower() for name in header]
    errors = [
        RowError(1, name, f"Unknown column; the columns are: {', '.join(columns)}.")
        for name in names
        if name not in columns
    ]
    errors += [
        RowError(1, name, "This column is missing.") for name in required if name not in names
    ]
    if len(set(names)) != len(names):
        errors.append(RowError(1, None, "A column appears twice."))
    if errors:
        raise CsvRefused(errors)
    rows: list[tuple[int, dict[str, str]]] = []
    number = 1
    try:
        for record in reader:
            number += 1
            if not any(cell.strip() for cell in record):
                continue  # a blank line
            if len(rows) >= MAX_ROWS:
                raise CsvRefused(
                    [RowError(number, None, f"At most {MAX_ROWS:,} rows per file: split it.")]
                )
            if len(record) != len(names):
                raise CsvRefused(
                    [RowError(number, None, f"{len(record)} cells, the header has {len(names)}.")]
                )
            for name, cell in zip(names, record, strict=True):
                if len(cell) > MAX_CELL:
                    raise CsvRefused([RowError(number, name, f"Over {MAX_CELL:,} characters.")])
            row = {name: unescape(cell) for name, cell in zip(names, record, strict=True)}
            rows.append((number, {column: row.get(column, "") for column in columns}))
    except csv.Error as error:
        raise CsvRefused([RowError(number + 1, None, f"Cannot read this row: {error}")]) from None
    return rows


def safe_cell(value: str) -> str:
    """A text cell as exported: a leading formula character gets a ``'`` before it."""
    return "'" + value if value.startswith(FORMULA_START) else value


def write_rows(columns: Sequence[str], rows: Iterable[Sequence[object]], *, text: set[str]) -> str:
    """CSV with CRLF line ends; cells of the ``text`` columns escaped against formulas."""
    out = io.StringIO(newline="")
    writer = csv.writer(out)
    writer.writerow(columns)
    for row in rows:
        writer.writerow(
            [
                safe_cell(str(cell)) if column in text and cell is not None else cell
                for column, cell in zip(columns, row, strict=True)
            ]
        )
    return out.getvalue()
