"""The README's "From Python" lines, saved as a script with no
`if __name__ == "__main__":` guard and run with `python analysis.py`: the
sweep's workers never run the script again (they import causal_tui only),
so every seed finishes. Small settings replace the defaults, so it takes
seconds; nothing else of the lines is changed."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

README = Path(__file__).parent.parent / "README.md"
SMALL = ("epochs=1, lr=3e-3, batch_size=32, n_embd=32, n_layer=1, n_head=2, precision='fp32', "
         "train_size=640, valid_size=32, test_size=16, progress=False")


def readme_api_lines() -> str:
    text = README.read_text()
    block = re.search(r"## From Python\n\n```python\n(.*?)```", text, re.S)
    assert block, "the README has a From Python block"
    return block.group(1)


def test_the_readme_api_lines_run_as_a_script_without_a_guard(workdir):
    lines = readme_api_lines()
    assert "ct.sweep(" in lines and "__main__" not in lines
    small = re.sub(r"until_perfect=True\)", f"until_perfect=True, {SMALL})", lines)
    small = small.replace("seeds=10", "seeds=2")
    assert small.count(SMALL) == 2, small  # the train and the sweep
    script = workdir / "analysis.py"
    script.write_text(small + "print('SWEEP-DONE', sorted(sweep.scorecard.raw['seeds']))\n"
                      "print('WORKER-RUNS', open('runs.txt').read().count('x') if __import__('os').path.exists("
                      "'runs.txt') else 0)\n")
    # A line that counts how often the script runs: in a worker it would run again.
    script.write_text("open('runs.txt', 'a').write('x')\n" + script.read_text())
    result = subprocess.run([sys.executable, str(script)], cwd=workdir, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "SWEEP-DONE [0, 1]" in result.stdout
    assert "WORKER-RUNS 1" in result.stdout  # the script ran once: in this process only
