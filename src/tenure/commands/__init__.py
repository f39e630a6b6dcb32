"""The analyst commands: ``tenure analyze`` and ``tenure clv``, over files, with no database.

Each module builds its argument parser and returns an exit status (0 done, 1 the input
cannot be used, 2 bad usage); `tenure.cli` dispatches to them before Django is loaded.
"""
