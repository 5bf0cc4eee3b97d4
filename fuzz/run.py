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
import os
import re
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV = ROOT / "target" / "fuzz-venv"
PASSWORD = "demo-parcours-2026"
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


def config(role: str, email: str | None, base: Path, workdir: Path) -> Path:
    text = base.read_text()
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
    args = parser.parse_args()
    st = schemathesis()
    failed = []
    with tempfile.TemporaryDirectory(prefix="parcours-fuzz-") as tmp:
        workdir = Path(tmp)
        server, url = start_demo(Path(args.binary), workdir)
        try:
            for role in args.roles.split(","):
                print(f"== {role}", flush=True)
                toml = config(role, ROLES[role], ROOT / "fuzz" / "schemathesis.toml", workdir)
                command = [
                    str(st), "--config-file", str(toml), "--no-color", "run",
                    f"{url}/api/openapi.json", "--url", url,
                    "--max-examples", str(args.examples),
                ]
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
    if failed:
        print(f"fuzzing failed for: {', '.join(failed)}")
        return 1
    print("fuzzing: no failure")
    return 0


if __name__ == "__main__":
    sys.exit(main())
