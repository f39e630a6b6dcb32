"""A process that only starts (a command, a web worker before its warm-up) loads no heavy
library: every ``tenure`` command would otherwise pay a second or more of CPU for pandas,
Ibis and Arrow that most of them never use."""

from __future__ import annotations

import json
import os
import subprocess
import sys

HEAVY = ("pandas", "ibis", "pyarrow", "duckdb", "scipy", "sklearn", "lightgbm", "openpyxl")


def test_setting_django_up_loads_no_heavy_library():
    code = ("import json, sys, django; django.setup(); "
            f"print(json.dumps([m for m in {HEAVY!r} if m in sys.modules]))")
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "tenure.crm.settings"}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True,
                         text=True, timeout=120, check=True).stdout
    assert json.loads(out.strip().splitlines()[-1]) == []
