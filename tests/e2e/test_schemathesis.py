"""Schemathesis against a real ``photoshare serve`` with a signed-in user: generated requests for every
documented operation (its examples, coverage, fuzzing and stateful phases) find no server error, no
status the document does not list, and no answer that breaks its schema.

Bounded by examples per operation and deterministic generation, so the run takes about a minute and is
the same on every machine. Signing out, deleting the account and an admin's password reset end the run's
sign-in, so they are tested in a second, short run with a token of their own.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest

from tests.e2e.servers import ROOT, ServerProcess

CHECKS = "not_a_server_error,status_code_conformance,response_schema_conformance,content_type_conformance"
EXAMPLES_PER_OPERATION = 12
RUN_TIMEOUT_SECONDS = 300
# The first account (the fuzzer) is the admin: resetting a password (its own, found through a link) signs it out.
SIGN_IN_ENDERS = ("post_api_v1_auth_logout", "delete_api_v1_me", "post_api_v1_admin_users_user_id_reset_password")


@pytest.fixture
def server(tmp_path):
    # Generous write limits: the run's hundreds of writes must reach the handlers (429 is documented and
    # accepted, but a run answered mostly 429 would test little).
    process = ServerProcess(tmp_path / "data", env={"PHOTOSHARE_RATE_LIMIT_USER_WRITES": "1000000",
                                                    "PHOTOSHARE_RATE_LIMIT_IP_WRITES": "1000000",
                                                    "PHOTOSHARE_RATE_LIMIT_USER_POSTS": "1000000"}).start()
    yield process
    process.stop()


def register(server: ServerProcess, username: str) -> str:
    request = urllib.request.Request(f"{server.url}/api/v1/auth/register", method="POST",
                                     data=json.dumps({"username": username, "password": "correct horse battery"}).encode(),
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.load(response)["token"]


def schemathesis(server: ServerProcess, token: str, tmp_path: Path, *extra: str) -> subprocess.CompletedProcess:
    command = [str(Path(sys.executable).parent / "schemathesis"), "run", f"{server.url}/api/v1/openapi.json",
               "-H", f"Authorization: Bearer {token}", "--checks", CHECKS,
               "--phases", "examples,coverage,fuzzing,stateful", "--max-examples", str(EXAMPLES_PER_OPERATION),
               # One worker: with two, Hypothesis (inside schemathesis) parses lambdas' source with ast.parse in both
               # threads at once, which CPython 3.11 can fail with "SystemError: AST constructor recursion depth
               # mismatch" (CPython gh-106905, seen in threaded programs): a crash of the tool, not of the server.
               "--generation-deterministic", "--workers", "1", "--no-color",
               "--request-timeout", "30", "--report-dir", str(tmp_path / "schemathesis-report"), *extra]
    env = {**os.environ, "SCHEMATHESIS_HOOKS": "tests.e2e.schemathesis_hooks",  # tus bodies (raw bytes)
           "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH", "")]))}
    return subprocess.run(command, capture_output=True, text=True, timeout=RUN_TIMEOUT_SECONDS, cwd=tmp_path, env=env)


def assert_clean(run: subprocess.CompletedProcess, server: ServerProcess) -> None:
    output = run.stdout + run.stderr
    assert run.returncode == 0, output[-8000:] + "\n---- server log ----\n" + server.log_path.read_text()[-4000:]
    assert "passed" in output and "Internal Server Error" not in output, output[-3000:]
    assert "Traceback" not in server.log_path.read_text(), server.log_path.read_text()[-4000:]


def test_generated_requests_find_no_server_error_and_no_undocumented_status(server, tmp_path):
    run = schemathesis(server, register(server, "fuzzer"), tmp_path,
                       *[option for operation in SIGN_IN_ENDERS for option in ("--exclude-operation-id", operation)])
    assert_clean(run, server)
    run = schemathesis(server, register(server, "fuzzer2"), tmp_path,
                       *[option for operation in SIGN_IN_ENDERS for option in ("--include-operation-id", operation)])
    assert_clean(run, server)
