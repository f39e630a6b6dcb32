"""The ``tenure`` command: Django's management commands plus Tenure's own.

``tenure import``, ``tenure demo-data``, ``tenure migrate``, ``tenure runserver``...
Exit status: 0 on success, 1 on failure, 2 on bad usage.
"""

from __future__ import annotations

import os
import sys

# Command names with a dash cannot be module names; they map to these.
ALIASES = {"demo-data": "demo_data"}


def main(argv: list[str] | None = None) -> int:
    """Run one ``tenure`` sub-command and return its exit status."""
    args = list(sys.argv[1:] if argv is None else argv)
    if args:
        args[0] = ALIASES.get(args[0], args[0])
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tenure.crm.settings")

    import django
    from django.core.management import execute_from_command_line, get_commands

    django.setup()
    if args and not args[0].startswith("-") and args[0] != "help":
        if args[0] not in get_commands():
            print(f"tenure: unknown command '{args[0]}'. Run 'tenure help' for the list.",
                  file=sys.stderr)
            return 2
    try:
        execute_from_command_line(["tenure", *args])
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
