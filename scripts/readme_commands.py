"""Run the README's and docs/' commands as a new user would paste them, against the site.

Every ```sh block, and every `$ command` line of a transcript block, of README.md and then
of each page in DOCS, runs in order in one bash session (variables carry over from block
to block), in a scratch copy of the repository that shares its .venv, on a scratch
database. The environment is a new shell's: no DJANGO_DEBUG and no virtualenv until the
README says so. An HTML comment on the line
before a block says how to run it:

    <!-- readme: background [URL] -->  start it, wait until URL/healthz answers 200 (default
                                     http://127.0.0.1:8000), keep it running
    <!-- readme: starts 30 -->    each command must still be running after 30 s, or exit 0
    <!-- readme: fails -->        each command must fail (an example of a refused request)
    <!-- readme: skip REASON -->  not run here; the reason is printed

A block without a comment runs each command, which must succeed. curl runs with
--fail-with-body (from a curlrc), so an HTTP error fails the command that got it.
Usage: python scripts/readme_commands.py [--list]
"""

import argparse
import os
import re
import shlex
import shutil
import socket
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
SITE = "http://127.0.0.1:8000"
# README.md first (it starts the site), then the docs in the order the README lists them.
DOCS = (
    "README.md",
    "docs/drawing-page.md",
    "docs/api.md",
    "docs/configuration.md",
    "docs/model.md",
    "docs/review.md",
    "docs/deployment.md",
    "docs/capacity.md",
    "docs/security.md",
)
FENCE = re.compile(r"^```(\S*)\s*$")
DIRECTIVE = re.compile(r"^<!--\s*readme:\s*(\w+)\s*(.*?)\s*-->$")
MODES = ("run", "background", "starts", "fails", "skip")
SESSION_LIMIT_S = 45 * 60
# Variables a new user's shell would not have (CI and make set them for the test suite).
DROPPED = ("DJANGO_DEBUG", "VIRTUAL_ENV", "REQUIRE_POSTGRES", "REQUIRE_BROWSER", "MAKEFLAGS")

PRELUDE = r"""
set -eo pipefail
__bg_pids=()
trap 'for p in "${__bg_pids[@]}"; do kill -TERM -- -"$p" 2>/dev/null; done' EXIT
trap 'exit 143' TERM INT
__block() { printf '\n===== %s (%s)\n' "$1" "$2"; }
__show() { printf '\n$ %s\n' "$1"; }
__fails() {  # command: it must fail
  __show "$1"
  if bash -c "$1"; then echo; echo "FAIL: this was to be refused, and it succeeded"; return 1; fi
  echo; echo "(refused, as the README says)"
}
__starts() {  # seconds, command: fine if it is still running then, or exits 0 before
  local rc=0
  __show "$2"
  timeout -k 10 "$1" bash -c "$2" || rc=$?
  if [ "$rc" -eq 124 ]; then echo "(still running after $1 s, as expected: stopped)"; return 0; fi
  return "$rc"
}
__background() {  # command: start it in its own process group, wait until the site is healthy
  __show "$1 &"
  setsid bash -c "$1" > background.log 2>&1 &
  __bg_pids+=("$!")
  for _ in $(seq 1 900); do
    if curl -s -o /dev/null "$2/healthz" 2>/dev/null; then
      echo "(serving: $2/healthz is 200)"; return 0
    fi
    if ! kill -0 "$!" 2>/dev/null; then cat background.log; echo "FAIL: it stopped"; return 1; fi
    sleep 1
  done
  cat background.log; echo "FAIL: $2/healthz never answered 200"; return 1
}
"""


@dataclass
class Block:
    line: int
    mode: str
    argument: str
    commands: list[str]
    source: str = "README.md"


def read_docs(names=DOCS) -> list[Block]:
    """Return the command blocks of every page in `names`, in order."""
    blocks = []
    for name in names:
        for block in read_blocks((ROOT / name).read_text()):
            block.source = name
            blocks.append(block)
    return blocks


def read_blocks(text: str) -> list[Block]:
    """Return a page's command blocks with the directive written before each."""
    lines, blocks, directive, i = text.splitlines(), [], ("run", ""), 0
    while i < len(lines):
        stripped = lines[i].strip()
        if match := DIRECTIVE.match(stripped):
            directive = match.groups()
            if directive[0] not in MODES:
                raise SystemExit(f"line {i + 1}: unknown mode {directive[0]!r}")
        elif match := FENCE.match(lines[i]):
            end = next(j for j in range(i + 1, len(lines)) if lines[j].startswith("```"))
            commands = block_commands(match.group(1), lines[i + 1 : end])
            if commands:
                blocks.append(Block(i + 1, *directive, commands))
            directive, i = ("run", ""), end
        elif stripped:
            directive = ("run", "")
        i += 1
    return blocks


def block_commands(language: str, body: list[str]) -> list[str]:
    """Return the commands of a sh block (continuations joined) or a transcript's `$` lines."""
    if language == "sh":
        joined = re.sub(r"\s*\\\n\s*", " ", "\n".join(body))
        return [
            line
            for line in joined.splitlines()
            if line.strip() and not line.lstrip().startswith("#")
        ]
    if language == "":
        return [line[2:] for line in body if line.startswith("$ ")]
    return []


def session_script(blocks: list[Block]) -> str:
    """Return one bash script that runs every block the way its directive says."""
    parts = [PRELUDE]
    for block in blocks:
        where = f"{block.source} line {block.line}"
        parts.append(
            f"__block {shlex.quote(where)} {shlex.quote(block.mode + ' ' + block.argument)}"
        )
        for command in block.commands:
            if block.mode == "skip":
                parts.append(f"echo {shlex.quote('(not run: ' + block.argument + ') ' + command)}")
            elif block.mode == "background":
                parts.append(f"__background {shlex.quote(command)} {block.argument or SITE}")
            elif block.mode == "fails":
                parts.append(f"__fails {shlex.quote(command)}")
            elif block.mode == "starts":
                parts.append(f"__starts {int(block.argument or 30)} {shlex.quote(command)}")
            else:
                parts.append(f"__show {shlex.quote(command)}\n{command}")
    parts.append('printf "\\nEvery command of the README and docs/ ran as written.\\n"')
    return "\n".join(parts) + "\n"


def scratch_copy(target: Path) -> None:
    """Copy the tracked files (times kept, so make sees .venv as up to date); share .venv."""
    listed = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True)
    for name in filter(None, listed.stdout.decode().split("\0")):
        source, destination = ROOT / name, target / name
        if source.is_file():
            destination.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, destination)
    (target / ".venv").symlink_to(ROOT / ".venv")


def changed_model_files(scratch: Path) -> list[str]:
    """Return the shipped model files the commands changed or removed, and new ones in models/.

    Promotions and retrains write runtime state (MODEL_PATH, ignored by git), never the
    shipped models: `git status` stays clean after a retrain, a promotion and a rollback.
    """
    listed = subprocess.run(
        ["git", "ls-files", "-z", "models"], cwd=ROOT, capture_output=True, check=True
    )
    tracked = set(filter(None, listed.stdout.decode().split("\0")))
    changed = [
        name
        for name in sorted(tracked)
        if not (scratch / name).is_file()
        or (scratch / name).read_bytes() != (ROOT / name).read_bytes()
    ]
    found = {str(p.relative_to(scratch)) for p in (scratch / "models").rglob("*") if p.is_file()}
    return changed + sorted(found - tracked)


def scratch_database(url: str) -> str:
    """Create an empty database beside the one `url` names; return its URL."""
    import psycopg2

    parts = urlsplit(url)
    name = parts.path.lstrip("/") + "_readme"
    connection = psycopg2.connect(urlunsplit(parts._replace(path="/postgres")))
    connection.autocommit = True
    with connection.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        cursor.execute(f'CREATE DATABASE "{name}"')
    connection.close()
    return urlunsplit(parts._replace(path="/" + name))


def new_shell_environment(scratch: Path, database_url: str | None) -> dict:
    """The environment of a new shell: no virtualenv, no debug, the scratch database."""
    venv_bin = str(ROOT / ".venv" / "bin")
    env = {key: value for key, value in os.environ.items() if key not in DROPPED}
    (scratch / ".curlrc").write_text("fail-with-body\nshow-error\n")
    env["CURL_HOME"] = str(scratch)
    env["PATH"] = os.pathsep.join(p for p in env.get("PATH", "").split(os.pathsep) if p != venv_bin)
    env.pop("DATABASE_URL", None)
    if database_url:
        env["DATABASE_URL"] = database_url
    return env


def port_is_free(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) != 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--list", action="store_true", help="print the session script and stop")
    args = parser.parse_args()
    blocks = read_docs()
    script = session_script(blocks)
    if args.list:
        print(script)
        return 0
    sites = {b.argument or SITE for b in blocks if b.mode == "background"}
    for port in sorted(urlsplit(site).port for site in sites):
        if not port_is_free(port):
            print(f"readme_commands: something already listens on 127.0.0.1:{port}; stop it first.")
            return 2
    url = os.environ.get("DATABASE_URL")
    with tempfile.TemporaryDirectory(prefix="readme-") as scratch:
        scratch_copy(Path(scratch))
        env = new_shell_environment(Path(scratch), scratch_database(url) if url else None)
        print(f"README commands in {scratch} on {'PostgreSQL' if url else 'SQLite'}", flush=True)
        session = subprocess.Popen(["bash", "-c", script], cwd=scratch, env=env)
        try:
            session.wait(timeout=SESSION_LIMIT_S)
        except subprocess.TimeoutExpired:
            print(f"readme_commands: the commands ran past {SESSION_LIMIT_S} s")
        finally:
            if session.poll() is None:  # its EXIT trap stops what it started in the background
                session.terminate()
                session.wait()
        done = session
        changed = changed_model_files(Path(scratch))
    if changed:
        print("readme_commands: the commands wrote into the shipped models/:", *changed)
        return 1
    if done.returncode:
        print(f"readme_commands: a command failed (exit {done.returncode}); see above.")
    return done.returncode


if __name__ == "__main__":
    sys.exit(main())
