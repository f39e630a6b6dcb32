"""Look for values everywhere, as an auditor would: every column of every table, every
byte of every file under a folder (emails decoded too)."""

from __future__ import annotations

import email
import email.policy
from pathlib import Path

from django.db import connection

SEPARATOR = b"\n" + b"-" * 79 + b"\n"


def database_mentions(values: list[str]) -> list[str]:
    """Return "table.column: value" for each column of each table holding a value."""
    found = []
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            for column in connection.introspection.get_table_description(cursor, table):
                text = f"LOWER(CAST({quote(column.name)} AS TEXT))"
                for value in values:
                    cursor.execute(
                        f"SELECT 1 FROM {quote(table)} WHERE {text} LIKE %s LIMIT 1",
                        [f"%{value.lower()}%"])
                    if cursor.fetchone():
                        found.append(f"{table}.{column.name}: {value}")
    return found


def file_mentions(root: Path, values: list[str]) -> list[str]:
    """Return "path: value" for each file under ``root`` whose bytes or decoded emails hold
    a value."""
    found = []
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        data = path.read_bytes()
        texts = [data.decode("utf-8", "replace")]
        if "mail" in path.parts:
            texts += [_decoded(chunk) for chunk in data.split(SEPARATOR) if chunk.strip()]
        haystack = "\n".join(texts).lower()
        found += [f"{path}: {value}" for value in values if value.lower() in haystack]
    return found


def _decoded(raw: bytes) -> str:
    message = email.message_from_bytes(raw, policy=email.policy.default)
    parts = [f"{name}: {value}" for name, value in message.items()]
    parts += [part.get_content() for part in message.walk()
              if part.get_content_maintype() == "text"]
    return "\n".join(parts)
