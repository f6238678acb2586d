"""The README and docs/: every command block runs in make readme-check; the front page is short."""

import re
import subprocess
import sys
from pathlib import Path

import pytest

from recognizer.core import access
from scripts.readme_commands import DOCS, read_blocks, read_docs, session_script

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = """
Intro.

<!-- readme: background -->
```sh
make run
```

```sh
source .venv/bin/activate
curl -s http://127.0.0.1:8000/api/ \\
  -F image=@x.png   # a comment
# only a comment
```

<!-- readme: skip needs Docker -->
```sh
docker build .
```

<!-- readme: starts 5 -->
Some words break the directive's hold.
```
$ python -m ml.evaluate
model x
```

```json
{"not": "commands"}
```
"""


def test_read_blocks_follows_the_directive_before_each_block():
    blocks = read_blocks(SAMPLE)
    assert [(b.mode, b.argument) for b in blocks] == [
        ("background", ""),
        ("run", ""),
        ("skip", "needs Docker"),
        ("run", ""),
    ]
    assert blocks[1].commands == [
        "source .venv/bin/activate",
        "curl -s http://127.0.0.1:8000/api/ -F image=@x.png   # a comment",
    ]
    assert blocks[3].commands == ["python -m ml.evaluate"]


def test_read_blocks_refuses_an_unknown_mode():
    with pytest.raises(SystemExit, match="unknown mode 'sometimes'"):
        read_blocks("<!-- readme: sometimes -->\n```sh\nls\n```\n")


def test_every_readme_block_is_run_or_skipped_with_a_reason():
    blocks = read_docs()
    assert blocks[0].mode == "background" and blocks[0].commands[0].startswith("make run")
    assert all(b.argument for b in blocks if b.mode == "skip")
    ran = sum(len(b.commands) for b in blocks if b.mode != "skip")
    assert ran >= 30  # the tour, the API, the model, review: not a handful


def test_every_docs_page_is_run_and_linked_from_the_readme():
    pages = {f"docs/{path.name}" for path in (ROOT / "docs").glob("*.md")}
    readme = (ROOT / "README.md").read_text()
    assert pages == set(DOCS) - {"README.md"}
    assert all(f"]({page})" in readme for page in pages)


def test_readme_is_a_front_page():
    assert len((ROOT / "README.md").read_text().splitlines()) <= 300


def test_roles_table_matches_the_roles_migrate_creates():
    rows = {
        line.split("|")[1].strip(" *"): line.split("|")[3]
        for line in (ROOT / "docs" / "review.md").read_text().splitlines()
        if line.startswith("| **")
    }
    assert {
        role: {perm.split(".")[1] for perm in perms} for role, perms in access.ROLES.items()
    } == {role: set(re.findall(r"`(\w+)`", perms)) for role, perms in rows.items()}


def test_session_script_stops_at_the_first_failing_command(tmp_path):
    script = session_script(read_blocks("```sh\necho one\nfalse\necho never\n```\n"))
    done = subprocess.run(["bash", "-c", script], capture_output=True, text=True, cwd=tmp_path)
    assert done.returncode == 1
    assert "one" in done.stdout and "never" not in done.stdout


def test_session_script_fails_when_a_refusal_succeeds(tmp_path):
    script = session_script(read_blocks("<!-- readme: fails -->\n```sh\ntrue\n```\n"))
    done = subprocess.run(["bash", "-c", script], capture_output=True, text=True, cwd=tmp_path)
    assert done.returncode == 1 and "it succeeded" in done.stdout


def test_readme_commands_lists_its_script():
    done = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "readme_commands.py"), "--list"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert "__background 'make run" in done.stdout
