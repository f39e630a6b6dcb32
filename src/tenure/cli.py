"""The ``tenure`` command: Django's management commands plus Tenure's own.

``tenure import``, ``tenure demo-data``, ``tenure migrate``, ``tenure runserver``...
The analyst commands ``tenure analyze`` and ``tenure clv`` run without Django: they only call
the analytics library (`tenure.commands`). Exit status: 0 on success, 1 on failure, 2 on bad
usage.
"""

from __future__ import annotations

import os
import sys

# Command names with a dash cannot be module names; they map to these.
ALIASES = {"demo-data": "demo_data"}
#: Commands that need no settings and no database, a fast start.
ANALYST = {
    "analyze": "retention report of a transactions file; no database",
    "clv": "fit a customer-value model to a file and print its parameters; no database",
}


def main(argv: list[str] | None = None) -> int:
    """Run one ``tenure`` sub-command and return its exit status."""
    args = list(sys.argv[1:] if argv is None else argv)
    if args and args[0] in ANALYST:
        return _analyst(args[0], args[1:])
    if args[:1] == ["help"] and args[1:2] and args[1] in ANALYST:
        return _analyst(args[1], ["--help"])
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
    if args in ([], ["help"]):
        print("\n[analytics]")
        for name, what in ANALYST.items():
            print(f"    {name}  ({what})")
    return 0


def _analyst(name: str, argv: list[str]) -> int:
    if name == "analyze":
        from tenure.commands.analyze import analyze

        return analyze(argv)
    from tenure.commands.clv import clv

    return clv(argv)


if __name__ == "__main__":
    sys.exit(main())
