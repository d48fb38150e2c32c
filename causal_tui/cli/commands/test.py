"""`causal-experiment --test STATE`: the truth step by step, then the model's answer."""

from __future__ import annotations

from pathlib import Path

from causal_tui.errors import UserError


def main(values: dict, state_text: str) -> int:
    from causal_tui.cli.console import console as Console

    from causal_tui.report.probe_tables import state_verdict
    from causal_tui.store import model_folder
    from causal_tui.sweeps.results import probe_of

    from causal_tui.settings import check, declared
    from causal_tui.systems import catalog

    given = check.check_values(values, "test")
    folder = model_folder.final_dir(Path(given.get("out_dir", declared.get("out_dir").default)))
    # The model's own system says what a state is; read it before loading torch.
    manifest = model_folder.read_manifest(folder) if folder.is_dir() else None
    system = model_folder.system_of(manifest)
    asked = catalog.load(given["system"]) if "system" in given else None
    if asked is not None and asked != system:
        raise UserError(f"the model in {folder}/ was trained on the {system.label()} system, not on "
                        f"{asked.label()} asked for with --system")
    try:
        state = system.parse_state(state_text)
    except ValueError as e:
        raise UserError(f"--test: {e}") from None
    report, _ = probe_of(folder)  # the probe saved with the model: no torch needed
    console = Console()
    console.print(system.explain(state), markup=False, highlight=False)
    console.print()
    console.print(state_verdict(report.result(state)), highlight=False)
    return 0
