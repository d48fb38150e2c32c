"""The front door: the docs site builds, and every command the README and the
docs show parses with the current command line (no stale flag)."""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).parent.parent
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
# Commands are shown in bash blocks; printed output in plain ones.
FENCE = re.compile(r"^```(?:bash|sh|console)\n(.*?)^```", re.S | re.M)
PROGRAMS = ("causal-tui", "causal-experiment")


def shown_commands() -> list[tuple[str, str]]:
    """(page, command line) for every causal-tui or causal-experiment command
    in a code block, `uv run` and comments taken off."""
    found = []
    for page in PAGES:
        for block in FENCE.findall(page.read_text()):
            for line in block.splitlines():
                if not line.startswith(("uv run ", "causal-", "python -m causal_tui")):
                    continue
                words = shlex.split(line, comments=True)
                if words[:2] == ["uv", "run"]:
                    words = words[2:]
                if words[:3] == ["python", "-m", "causal_tui"]:
                    words = ["causal-tui", *words[3:]]
                if words and words[0] in PROGRAMS:
                    found.append((page.name, shlex.join(words)))
    return found


def parses(words: list[str]) -> str | None:
    """None where the command line accepts these words, else why not. Parsing
    only: nothing runs."""
    import typer
    from typer._click import exceptions

    from causal_tui.cli.app import app
    from causal_tui.cli.experiment import experiment_parser

    program, args = words[0], words[1:]
    if program == "causal-experiment":
        try:
            experiment_parser().parse_args(args)
        except SystemExit as e:
            return f"causal-experiment refused it (exit {e.code})"
        return None
    if "--train-only" in args:  # the kept mode means `causal-tui train`
        args = ["train", *[a for a in args if a != "--train-only"]]
    command = typer.main.get_command(app)
    try:
        ctx = command.make_context("causal-tui", list(args), resilient_parsing=False)
        while getattr(command, "commands", None) and ctx._protected_args + ctx.args:
            name, *rest = ctx._protected_args + ctx.args
            sub = command.get_command(ctx, name)
            if sub is None:
                return f"no subcommand {name!r}"
            command, ctx = sub, sub.make_context(name, rest, parent=ctx)
    except exceptions.ClickException as e:
        return e.format_message()
    return None


def test_the_docs_show_commands_and_they_all_parse(capsys):
    commands = shown_commands()
    assert len(commands) > 40  # the README and the pages do show commands
    assert any("sweep --holdout 'A=1&C=1'" in c for _, c in commands)
    refused = [(page, c, why) for page, c in commands if (why := parses(shlex.split(c)))]
    assert not refused, "\n".join(f"{page}: {c}: {why}" for page, c, why in refused)


def test_a_stale_flag_would_be_caught():
    assert parses(["causal-tui", "train", "--holdout", "1,0,1,0,1", "--until-perfect"]) is None
    assert "--no-such-flag" in parses(["causal-tui", "train", "--no-such-flag"])
    assert parses(["causal-tui", "nosuch"]) is not None
    assert parses(["causal-experiment", "--generate", "--bogus"]) is not None


def test_the_readme_fits_in_250_lines_and_links_its_parts():
    readme = (ROOT / "README.md").read_text()
    assert len(readme.splitlines()) <= 250
    for target in re.findall(r"\]\(((?!https?:)[^)#]+)", readme):
        assert (ROOT / target).exists(), target
    for name in ("LICENSE", "CITATION.cff", "CHANGELOG.md"):
        assert (ROOT / name).stat().st_size > 200, name


def test_the_site_builds_strictly_offline(tmp_path):
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1", "HF_HUB_OFFLINE": "1",
           # no network: any fetch would fail through a proxy that is not there
           "http_proxy": "http://127.0.0.1:9", "https_proxy": "http://127.0.0.1:9"}
    r = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(tmp_path / "site")],
                       cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr[-3000:]
    api = (tmp_path / "site" / "api" / "index.html").read_text()
    assert "seed_interval" in api and "load_sweep" in api  # the reference came from the docstrings
    for page in ("quickstart", "results", "benchmarks", "inspect", "scorecard"):
        assert (tmp_path / "site" / page / "index.html").exists(), page
