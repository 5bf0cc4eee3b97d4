#!/usr/bin/env python3
"""Fuzzes the JSON API against its OpenAPI document with Schemathesis.

Starts `parcours demo` on a throwaway SQLite file (fictional data) on loopback, then
runs Schemathesis with every check on, once per role (an adviser, an organisation
admin, a coordinator, a platform admin; each signs in through POST /api/v1/session and
signs in again if a test signs them out) and once anonymously. Any failure — a 5xx, an
undocumented status, a response outside its schema, valid input rejected, invalid
input accepted — makes the run fail.

    python3 fuzz/run.py [--examples N] [--binary target/debug/parcours] [--seed S]

Installs the pinned Schemathesis (fuzz/requirements.txt) in target/fuzz-venv first.
"""

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV = ROOT / "target" / "fuzz-venv"
PASSWORD = "demo-parcours-2026"
# What Schemathesis accepts by default for valid data.
POSITIVE = ["2xx", "3xx", "401", "403", "404", "409", "429", "5xx"]
ROLES = {
    "adviser": "awa.diallo@citeslab.vds.demo.test",
    "org_admin": "karim.benali@citeslab.vds.demo.test",
    "coordinator": "claire.dubois@agglo.vds.demo.test",
    "admin": "admin@parcours.demo.test",
    "anonymous": None,
}


def schemathesis() -> Path:
    st = VENV / "bin" / "st"
    requirements = ROOT / "fuzz" / "requirements.txt"
    stamp = VENV / "requirements.txt"
    if st.exists() and stamp.exists() and stamp.read_text() == requirements.read_text():
        return st
    subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True)
    subprocess.run(
        [str(VENV / "bin" / "pip"), "install", "-q", "-r", str(requirements)], check=True
    )
    stamp.write_text(requirements.read_text())
    return st


def start_demo(binary: Path, workdir: Path) -> tuple[subprocess.Popen, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PARCOURS__")}
    env["RUST_LOG"] = "warn"
    # Every test signs in from 127.0.0.1: the per-address limit has its own test.
    env["PARCOURS__LOGIN__PER_ADDRESS_PER_MINUTE"] = "0"
    server = subprocess.Popen(
        [str(binary), "demo", "--db", str(workdir / "fuzz.sqlite"), "--listen", "127.0.0.1:0"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=open(workdir / "server.log", "w"),
        text=True,
    )
    assert server.stdout is not None
    for line in server.stdout:
        found = re.match(r"Parcours écoute sur (http://\S+)", line)
        if found:
            # Keep reading so the server never blocks on a full pipe.
            threading.Thread(target=lambda: [None for _ in server.stdout], daemon=True).start()
            return server, found.group(1)
    raise SystemExit(f"the demo did not start; see {workdir / 'server.log'}")


def operations(url: str) -> str:
    """Per-operation settings read from the OpenAPI document: an operation that checks
    rules beyond its schema (the `x-rules-beyond-schema` extension, also in its
    description) may answer 422 or 409 to schema-valid data; one that needs If-Match
    may answer 412 to a made-up ETag, and 428 without one."""
    with urllib.request.urlopen(f"{url}/api/openapi.json") as response:
        doc = json.load(response)
    blocks = []
    for path, item in doc["paths"].items():
        for method, operation in item.items():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            accepted = list(POSITIVE)
            if "x-rules-beyond-schema" in operation:
                accepted += ["409", "422"]
            if_match = any(
                p.get("in") == "header" and p.get("name") == "If-Match"
                for p in operation.get("parameters", [])
            )
            if if_match:
                accepted.append("412")
            if accepted == POSITIVE:
                continue
            # One operation by its id: a block's include-path and include-method do not
            # narrow each other.
            block = f"""
[[operations]]
include-operation-id = "{operation['operationId']}"

[operations.checks.positive_data_acceptance]
expected-statuses = {json.dumps(accepted)}
"""
            if if_match:
                block += """
[operations.checks.missing_required_header]
expected-statuses = ["400", "401", "403", "406", "415", "422", "428"]
"""
            blocks.append(block)
    return "".join(blocks)


def config(role: str, email: str | None, base: Path, workdir: Path, url: str) -> Path:
    text = base.read_text() + operations(url)
    if email is not None:
        text += f"""
[auth.dynamic.openapi.session]
path = "/api/v1/session"
method = "post"
payload = {{ email = "{email}", password = "{PASSWORD}" }}
extract_from = "cookie"
extract_selector = "parcours_session"
"""
    path = workdir / f"schemathesis-{role}.toml"
    path.write_text(text)
    return path


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=int, default=50, help="test cases per operation")
    parser.add_argument("--binary", default=str(ROOT / "target" / "debug" / "parcours"))
    parser.add_argument("--seed", type=int, default=None)
    parser.add_argument("--roles", default=",".join(ROLES), help="comma-separated")
    parser.add_argument("--keep", action="store_true", help="keep the work directory")
    parser.add_argument("extra", nargs="*", help="passed to `st run` (after --)")
    args = parser.parse_args()
    st = schemathesis()
    failed = []
    workdir = Path(tempfile.mkdtemp(prefix="parcours-fuzz-"))
    try:
        server, url = start_demo(Path(args.binary), workdir)
        try:
            for role in args.roles.split(","):
                print(f"== {role}", flush=True)
                toml = config(role, ROLES[role], ROOT / "fuzz" / "schemathesis.toml", workdir, url)
                command = [
                    str(st), "--config-file", str(toml), "--no-color", "run",
                    f"{url}/api/openapi.json", "--url", url,
                    "--max-examples", str(args.examples),
                ]
                if ROLES[role] is not None:
                    # Signing in is fuzzed anonymously: wrong passwords for the account
                    # a run signs in with would lock it (the lockout has its own test).
                    command += ["--exclude-operation-id", "login"]
                command += args.extra
                if args.seed is not None:
                    command += ["--seed", str(args.seed)]
                if subprocess.run(command, cwd=workdir).returncode != 0:
                    failed.append(role)
        finally:
            server.terminate()
            server.wait(timeout=30)
            errors = [l for l in (workdir / "server.log").read_text().splitlines() if "ERROR" in l]
            if errors:
                print("server errors:\n" + "\n".join(errors[:20]))
                failed.append("server-log")
    finally:
        if args.keep:
            print(f"work directory kept: {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    if failed:
        print(f"fuzzing failed for: {', '.join(failed)}")
        return 1
    print("fuzzing: no failure")
    return 0


if __name__ == "__main__":
    sys.exit(main())
