"""The files outside the database that mention a person: import uploads, rejects
files, the emails of the file mail backend (the demo's "mail server").

A text file is rewritten without the records that mention the person; an email
file without their messages; a spreadsheet, Parquet or ZIP file that mentions
them is removed (its rows were imported already). Nothing is changed until
:meth:`FilePlan.apply`, which keeps the originals until :meth:`FilePlan.commit`,
so an erasure that fails can put every file back with :meth:`FilePlan.undo`.
"""

from __future__ import annotations

import email
import email.policy
import io
import os
import re
import shutil
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.db import connections

from tenure.crm.imports.models import ImportRun

from .identifiers import Identifiers

# The file mail backend ends every message with a line of 79 dashes.
MAIL_SEPARATOR = b"\n" + b"-" * 79 + b"\n"
SQLITE_HEADER = b"SQLite format 3\x00"
ZIP_HEADER = b"PK\x03\x04"
PARQUET_HEADER = b"PAR1"
BACKUP_SUFFIX = ".erasure-backup"


@dataclass
class FileChange:
    path: Path
    content: bytes | None  # None: the file is removed
    backup: Path | None = None


@dataclass
class FilePlan:
    """The rewrites and removals that take a person out of the files."""

    changes: list[FileChange] = field(default_factory=list)
    # Files that mention the person and are left alone (other databases): reported.
    left: list[Path] = field(default_factory=list)

    @property
    def rewritten(self) -> int:
        return sum(1 for change in self.changes if change.content is not None)

    @property
    def removed(self) -> int:
        return sum(1 for change in self.changes if change.content is None)

    def apply(self) -> None:
        """Put the new files in place, keeping each original beside it until commit."""
        for change in self.changes:
            change.backup = change.path.with_name(change.path.name + BACKUP_SUFFIX)
            os.replace(change.path, change.backup)
            if change.content is not None:
                _write_like(change.backup, change.path, change.content)

    def undo(self) -> None:
        """Put back every original that :meth:`apply` moved aside."""
        for change in self.changes:
            if change.backup is not None and change.backup.exists():
                os.replace(change.backup, change.path)
                change.backup = None

    def commit(self) -> None:
        """Delete the originals kept by :meth:`apply`."""
        for change in self.changes:
            if change.backup is not None:
                change.backup.unlink(missing_ok=True)
                change.backup = None


def _write_like(original: Path, path: Path, content: bytes) -> None:
    temporary = path.with_name(path.name + ".erasure-new")
    temporary.write_bytes(content)
    shutil.copymode(original, temporary)
    os.replace(temporary, path)


def plan(identifiers: Identifiers) -> FilePlan:
    """Return the changes that remove ``identifiers``' person from the files."""
    result = FilePlan()
    pattern = identifiers.line_pattern()
    if pattern is None:
        return result
    raw_terms = _raw_terms(identifiers)
    mail_dirs = _mail_dirs()
    for path in _candidate_files():
        head = _head(path)
        if head.startswith(SQLITE_HEADER):
            if _file_mentions(path, raw_terms):
                result.left.append(path)
            continue
        change = _change_for(path, head, pattern, raw_terms, mail_dirs)
        if change is not None:
            result.changes.append(change)
    return result


def _change_for(path: Path, head: bytes, pattern: re.Pattern, raw_terms: list[bytes],
                mail_dirs: list[Path]) -> FileChange | None:
    data = path.read_bytes()
    if any(_inside(path, folder) for folder in mail_dirs):
        content = _without_messages(data, pattern)
    elif head.startswith(ZIP_HEADER):
        content = None if _zip_mentions(data, pattern, raw_terms) else data
    elif head.startswith(PARQUET_HEADER):
        content = None if _parquet_mentions(data, pattern) else data
    elif b"\x00" in head:
        content = None if _bytes_mention(data, raw_terms) else data
    else:
        content = _without_records(data, pattern)
    if content == data:
        return None
    return FileChange(path, content or None)


def _candidate_files() -> Iterator[Path]:
    """Yield every regular file under the var folder and the mail folder, and every
    rejects file an import wrote elsewhere; the live database files excepted."""
    skip = _database_files()
    seen: set[Path] = set()
    roots = [Path(settings.VAR_DIR), *_mail_dirs()]
    extra = [Path(p) for p in ImportRun.objects.exclude(rejects_file="")
             .values_list("rejects_file", flat=True)]
    for path in [*_walk(roots), *extra]:
        try:
            resolved = path.resolve()
        except OSError:
            continue
        # A backup left by an erasure that crashed is looked at like any other file.
        if resolved in seen or resolved in skip or not resolved.is_file():
            continue
        seen.add(resolved)
        yield resolved


def _walk(roots: list[Path]) -> Iterator[Path]:
    for root in roots:
        if root.is_dir():
            for folder, _dirs, names in os.walk(root):
                for name in sorted(names):
                    yield Path(folder) / name


def _database_files() -> set[Path]:
    """Return the live SQLite database and its journal files (the erasure rewrites
    them through SQLite itself)."""
    found = set()
    for connection in connections.all(initialized_only=False):
        if connection.vendor != "sqlite":
            continue
        name = str(connection.settings_dict.get("NAME") or "")
        if name and name != ":memory:" and not name.startswith("file:"):
            for suffix in ("", "-wal", "-shm", "-journal"):
                found.add(Path(name + suffix).resolve())
    return found


def _mail_dirs() -> list[Path]:
    folders = [Path(settings.VAR_DIR) / "mail"]
    if getattr(settings, "EMAIL_FILE_PATH", None):
        folders.append(Path(settings.EMAIL_FILE_PATH))
    return folders


def _inside(path: Path, folder: Path) -> bool:
    try:
        return path.is_relative_to(folder.resolve())
    except OSError:
        return False


def _head(path: Path) -> bytes:
    with path.open("rb") as source:
        return source.read(8192)


def _raw_terms(identifiers: Identifiers) -> list[bytes]:
    terms = set(identifiers.terms()) | identifiers.phones
    found = []
    for term in terms:
        for encoding in ("utf-8", "cp1251", "utf-16-le"):
            try:
                found.append(term.encode(encoding))
            except UnicodeEncodeError:
                continue
    return found


def _bytes_mention(data: bytes, raw_terms: list[bytes]) -> bool:
    lowered = data.lower()
    return any(term.lower() in lowered for term in raw_terms)


def _file_mentions(path: Path, raw_terms: list[bytes], chunk: int = 1 << 20) -> bool:
    """Return whether the file's bytes hold a term, read a megabyte at a time."""
    overlap = max((len(term) for term in raw_terms), default=1)
    previous = b""
    with path.open("rb") as source:
        while block := source.read(chunk):
            if _bytes_mention(previous + block, raw_terms):
                return True
            previous = block[-overlap:]
    return False


def _decode(data: bytes) -> tuple[str, str]:
    """Return the text and the encoding to write it back in."""
    for encoding in ("utf-8-sig" if data.startswith(b"\xef\xbb\xbf") else "utf-8", "cp1251"):
        try:
            return data.decode(encoding), encoding
        except UnicodeDecodeError:
            continue
    return data.decode("latin-1"), "latin-1"


def _records(text: str) -> Iterator[str]:
    """Yield the records of a delimited text file, each with its line ends; a quoted
    field may span lines, so a record ends only where the quotes are balanced."""
    record, quotes = [], 0
    for line in text.splitlines(keepends=True):
        record.append(line)
        quotes += line.count('"')
        if quotes % 2 == 0:
            yield "".join(record)
            record, quotes = [], 0
    if record:
        yield "".join(record)


def _without_records(data: bytes, pattern: re.Pattern) -> bytes:
    text, encoding = _decode(data)
    records = list(_records(text))
    kept = [record for record in records if not pattern.search(record)]
    if len(kept) == len(records):
        return data
    return "".join(kept).encode(encoding)


def _without_messages(data: bytes, pattern: re.Pattern) -> bytes:
    """Return a file of the mail backend without the messages that mention the person."""
    chunks = data.split(MAIL_SEPARATOR)
    ends_with_separator = len(chunks) > 1 and not chunks[-1]
    if ends_with_separator:
        chunks.pop()
    kept = [chunk for chunk in chunks if not pattern.search(_message_text(chunk))]
    if len(kept) == len(chunks):
        return data
    if not kept:
        return b""
    return MAIL_SEPARATOR.join(kept) + (MAIL_SEPARATOR if ends_with_separator else b"")


def _message_text(raw: bytes) -> str:
    """Return an email's headers and text parts decoded, and its raw text."""
    parts = [raw.decode("utf-8", "replace")]
    message = email.message_from_bytes(raw, policy=email.policy.default)
    parts += [f"{name}: {value}" for name, value in message.items()]
    for part in message.walk():
        if part.get_content_maintype() == "text":
            try:
                parts.append(part.get_content())
            except (LookupError, ValueError):
                continue
    return "\n".join(parts)


def _zip_mentions(data: bytes, pattern: re.Pattern, raw_terms: list[bytes]) -> bool:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            for member in archive.infolist():
                content = archive.read(member)
                if _bytes_mention(content, raw_terms) or pattern.search(_decode(content)[0]):
                    return True
    except (zipfile.BadZipFile, OSError, RuntimeError):
        return _bytes_mention(data, raw_terms)
    return False


def _parquet_mentions(data: bytes, pattern: re.Pattern) -> bool:
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        table = pq.read_table(io.BytesIO(data))
    except (pa.ArrowException, OSError):
        return False
    for column in table.columns:
        if pa.types.is_string(column.type) or pa.types.is_large_string(column.type):
            if any(value and pattern.search(value) for value in column.to_pylist()):
                return True
    return False
