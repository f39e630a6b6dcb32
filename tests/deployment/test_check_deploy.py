"""`tenure check --deploy --fail-level WARNING`, as CI and an operator run it."""

from __future__ import annotations

import re
import secrets
from pathlib import Path

from .environment import TENURE, production_env, run

CHECK = [str(TENURE), "check", "--deploy", "--fail-level", "WARNING"]
README = Path(__file__).resolve().parents[2] / "README.md"


def readme_environment() -> dict[str, str]:
    """Return the variables of README's "documented production environment" block."""
    text = README.read_text(encoding="utf-8")
    start = text.index("The documented production environment")
    block = re.search(r"```sh\n(.*?)```", text[start:], re.DOTALL).group(1)
    return dict(line.split("=", 1) for line in block.splitlines() if "=" in line)


def test_it_is_clean_with_the_documented_production_environment(tmp_path):
    result = run(CHECK, production_env(tmp_path), tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_it_is_clean_with_the_environment_the_readme_documents(tmp_path):
    documented = readme_environment()
    assert documented["TENURE_HTTPS"] == "1" and "TENURE_SECRET_KEY" in documented
    env = {name: value for name, value in production_env(tmp_path).items()
           if not name.startswith("TENURE_")}
    env.update(documented, TENURE_SECRET_KEY=secrets.token_urlsafe(50),
               TENURE_VAR_DIR=str(tmp_path / "var"))
    result = run(CHECK, env, tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr


def test_it_fails_with_the_insecure_defaults(tmp_path):
    env = production_env(tmp_path, TENURE_SECRET_KEY=None, TENURE_HTTPS=None,
                         TENURE_ALLOWED_HOSTS=None, TENURE_CSRF_TRUSTED_ORIGINS=None,
                         TENURE_BASE_URL=None, TENURE_PROXY_COUNT=None)
    result = run(CHECK, env, tmp_path)
    assert result.returncode == 1
    for problem in ["tenure.E001", "security.W004", "security.W008", "security.W012",
                    "security.W016"]:
        assert problem in result.stderr, problem
    assert "TENURE_SECRET_KEY is not set" in result.stderr


def test_it_names_a_missing_key_alone(tmp_path):
    result = run(CHECK, production_env(tmp_path, TENURE_SECRET_KEY=None), tmp_path)
    assert result.returncode == 1
    assert "tenure.E001" in result.stderr and "security.W0" not in result.stderr


def test_it_flags_debug(tmp_path):
    result = run(CHECK, production_env(tmp_path, TENURE_DEBUG="1"), tmp_path)
    assert result.returncode == 1 and "security.W018" in result.stderr


def test_it_lets_commands_that_serve_no_one_run_without_a_key(tmp_path):
    # A workstation's `make demo` migrates and builds the shop before any key matters.
    env = production_env(tmp_path, TENURE_SECRET_KEY=None, TENURE_HTTPS=None)
    result = run([str(TENURE), "check"], env, tmp_path)
    assert result.returncode == 0, result.stderr
