"""docs/api.md: every ```python block is a doctest, run against the installed package in a fresh process."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from support import REPO, Cli

DOCS = REPO / "docs" / "api.md"

#: Runs the blocks in order, in one namespace (a block uses the names an earlier one made).
RUNNER = """\
import doctest, re, sys
text = open(sys.argv[1], encoding="utf-8").read()
blocks = re.findall(r"^```python\\n(.*?)^```", text, re.S | re.M)
runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS)
names = {}
for number, block in enumerate(blocks, 1):
    test = doctest.DocTestParser().get_doctest(block, names, f"docs/api.md block {number}", sys.argv[1], 0)
    runner.run(test, clear_globs=False)
    names = test.globs  # get_doctest copies the namespace it is given
result = runner.summarize(verbose=False)
print(len(blocks), result.attempted, result.failed)
"""


def test_every_example_of_docs_api_md_runs(cli: Cli, tmp_path: Path) -> None:
    blocks = re.findall(r"^```python\n(.*?)^```", DOCS.read_text(encoding="utf-8"), re.S | re.M)
    assert len(blocks) >= 7 and all(">>> " in block for block in blocks)
    proc = subprocess.run(
        [sys.executable, "-c", RUNNER, str(DOCS)], cwd=tmp_path, env=cli.env, capture_output=True, text=True
    )
    assert proc.returncode == 0, proc.stderr
    *failures, counts = proc.stdout.splitlines()
    assert failures == [] and counts.split()[2] == "0", proc.stdout
    assert counts.split()[:2] == [str(len(blocks)), str(sum(block.count(">>> ") for block in blocks))]


def test_the_readme_points_at_the_api_docs() -> None:
    assert "[docs/api.md](docs/api.md)" in (REPO / "README.md").read_text(encoding="utf-8")
