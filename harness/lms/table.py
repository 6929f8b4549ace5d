"""Reading the instructor's small CSV files (roster, extensions) with forgiving headers.

- Encoding: UTF-8 with or without a BOM; CP949/EUC-KR (what Excel on a Korean Windows
  saves as "CSV") when the file is not UTF-8.
- Delimiter: comma, semicolon or tab, whichever the header line uses most.
- Headers are matched case-, space-, underscore- and hyphen-insensitively against
  each column's accepted spellings; unknown columns are kept as extras.
- Size is capped (`MAX_TABLE_BYTES`); errors name the file, the row (1 = header, as a
  spreadsheet shows it) and the column, and say what to do.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

MAX_TABLE_BYTES = 5 << 20


class TableError(ValueError):
    """A CSV file the instructor wrote is malformed.

    Attributes:
        message: what is wrong, without the location.
        path: the file.
        row: the 1-based row as a spreadsheet shows it (1 = header), or None.
        column: the column's header as written, or None.
    """

    def __init__(self, message: str, *, path: Path, row: int | None = None, column: str | None = None):
        where = f"{path}" + (f", row {row}" if row is not None else "") + (f", column {column!r}" if column else "")
        super().__init__(f"{where}: {message}")
        self.message, self.path, self.row, self.column = message, path, row, column


@dataclass
class Table:
    """A CSV file with its columns mapped to canonical names.

    Attributes:
        path: the file.
        header: the header cells as written.
        columns: canonical name -> index of the column that provides it.
        rows: ``(row number, cells)`` for every non-empty data row.
    """

    path: Path
    header: list[str]
    columns: dict[str, int]
    rows: list[tuple[int, list[str]]]

    def get(self, cells: list[str], name: str) -> str | None:
        """The stripped cell of canonical column `name` (None when absent or empty)."""
        index = self.columns.get(name)
        if index is None or index >= len(cells):
            return None
        value = unicodedata.normalize("NFC", cells[index]).strip()
        return value or None

    def written(self, name: str) -> str:
        """The header as written for canonical column `name`."""
        return self.header[self.columns[name]]


def header_key(text: str) -> str:
    """``Student ID`` / ``student_id`` / ``\\ufeffStudent-ID`` -> ``studentid``."""
    return re.sub(r"[\s_\-.()]+", "", unicodedata.normalize("NFC", text).replace("\ufeff", "").casefold())


def _decode(raw: bytes, path: Path) -> str:
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return raw.decode("cp949")
    except UnicodeDecodeError:
        raise TableError("neither UTF-8 nor CP949 text; save it as 'CSV UTF-8'", path=path) from None


def read_table(path: str | Path, aliases: dict[str, tuple[str, ...]], *, what: str) -> Table:
    """Reads a CSV file and maps its header to canonical column names.

    Args:
        path: the file.
        aliases: canonical name -> accepted spellings (compared with `header_key`).
        what: what the file is, for messages ("roster", "extensions").

    Raises:
        TableError: unreadable, too big, empty, two columns for one meaning, or a row
            with more cells than the header.
    """
    path = Path(path)
    try:
        with open(path, "rb") as fh:
            raw = fh.read(MAX_TABLE_BYTES + 1)
    except OSError as exc:
        raise TableError(f"cannot read the {what} ({exc.strerror or exc})", path=path) from None
    if len(raw) > MAX_TABLE_BYTES:
        raise TableError(f"larger than {MAX_TABLE_BYTES >> 20} MB; is this really the {what}?", path=path)
    text = _decode(raw, path)
    first = text.split("\n", 1)[0]
    delimiter = max(",;\t", key=first.count)
    records = list(csv.reader(io.StringIO(text), delimiter=delimiter))
    numbered = [(n, cells) for n, cells in enumerate(records, 1) if any(c.strip() for c in cells)]
    if not numbered:
        raise TableError(f"the {what} is empty; the first row must be a header", path=path)
    header_row, header = numbered[0]
    lookup = {header_key(spelling): name for name, spellings in aliases.items() for spelling in spellings}
    columns: dict[str, int] = {}
    for index, cell in enumerate(header):
        name = lookup.get(header_key(cell))
        if name is None:
            continue
        if name in columns:
            raise TableError(f"two columns mean the same thing ({header[columns[name]]!r} and {cell!r}); keep one",
                             path=path, row=header_row, column=cell)
        columns[name] = index
    rows = []
    for n, cells in numbered[1:]:
        if len(cells) > len(header) and any(c.strip() for c in cells[len(header):]):
            raise TableError(f"{len(cells)} cells but the header has {len(header)}; a comma inside a value needs "
                             f"quotes", path=path, row=n)
        rows.append((n, cells))
    return Table(path=path, header=header, columns=columns, rows=rows)
