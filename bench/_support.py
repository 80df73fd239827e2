"""What the benchmark scripts that run real servers share: a free loopback port and a demo
database of their own on the PostgreSQL server."""

import os
import socket
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def demo_database(server, name, *seed_args, analyse=False, checkout=ROOT):
    """A fresh database ``name`` on ``server`` holding the demo street, built by ``checkout``'s code;
    the environment to reach it."""
    import psycopg

    with psycopg.connect(f"{server}/postgres", autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{name}"')
    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    env["DJANGO_DEBUG"] = "0"  # as a server runs: DEBUG would log every query, and a bulk insert is megabytes of SQL
    env.update(DATABASE_URL=f"{server}/{name}", DJANGO_SECRET_KEY=f"{name}-key", DJANGO_ALLOWED_HOSTS="127.0.0.1")
    subprocess.run([PYTHON, "manage.py", "migrate", "-v0"], cwd=checkout, env=env, check=True)
    seed = [PYTHON, "manage.py", "seed_demo", *seed_args]
    subprocess.run(seed, cwd=checkout, env=env, check=True, capture_output=True)
    if analyse:
        with psycopg.connect(f"{server}/{name}", autocommit=True) as connection:
            connection.execute("ANALYZE")  # what autovacuum does on a server that has run a while
    return env


def before_checkout(revision):
    """A worktree of commit ``revision`` under /tmp (made once, reused) and a suffix for its databases."""
    commit = subprocess.run(
        ["git", "rev-parse", "--short", revision], cwd=ROOT, check=True, capture_output=True, text=True
    ).stdout.strip()
    folder = Path(f"/tmp/portal-before-{commit}")
    if not folder.exists():
        subprocess.run(["git", "worktree", "add", "--detach", str(folder), commit], cwd=ROOT, check=True)
    return folder, f"_{commit}"
