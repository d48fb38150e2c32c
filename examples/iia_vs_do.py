"""Seed by seed: does the variable's reader follow a forced written answer
(do()), and where is the variable's best interchange site (IIA)?

    uv run python examples/iia_vs_do.py A1_C1            # newB and its reader newD
    uv run python examples/iia_vs_do.py A1_C1 --variable newB --out-dir out

Reads what a sweep saved for every seed (out/sweeps/NAME/seed-K/probe.json):
no model is loaded."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("sweep")
    p.add_argument("--variable", default="newB")
    p.add_argument("--out-dir", type=Path, default=Path("out"))
    args = p.parse_args(argv)
    import causal_tui as ct
    from causal_tui.errors import UserError
    from causal_tui.store import records

    try:  # the name checked (no path outside out/sweeps/) and the records read as the tool reads them
        sweep = ct.load_sweep(args.sweep, args.out_dir)
        card = sweep.scorecard.raw
        folder = sweep.folder
        seeds = sorted(folder.glob("seed-*/probe.json"), key=lambda f: int(f.parent.name.split("-")[1]))
        if not seeds:
            raise UserError(f"no seeds under {folder}/")
        probes = [(path, records.read(path, "probe")) for path in seeds]
    except UserError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    from causal_tui.interpret.interchange import position_labels
    from causal_tui.report.style import site_name
    from causal_tui.systems.catalog import from_manifest

    system = from_manifest(card["system"])
    arch = card.get("settings", {}).get("config", {}).get("arch", "gpt2")
    labels = position_labels(system, system.prompt_length + len(system.completion(system.all_states[0])))
    print(f"{'seed':>4}  {'do(): reader follows':>20}  {'best site (* not specific)':<38}  "
          f"{'relative':>8}  {'held out':>8}  {'strict':>6}  {'held out':>8}  {'control':>7}")
    for record, r in probes:
        iia = r.get("iia", {}).get(args.variable)
        if iia is None:
            print(f"error: {record} has no interchange for {args.variable}", file=sys.stderr)
            return 2
        reader = system.first_reader(args.variable)
        do = r["intervention_summary"][args.variable][reader]["trained"]
        site = site_name(iia["layer"], iia["position"], labels, arch) + ("" if iia.get("specific", True) else "*")
        follows = f"{reader} {do['follows']}/{do['informative']}"
        # Records of 0.3 scored strictly over all trained bases, and had no relative score.
        strict = iia.get("strict") or {"evaluation": iia.get("iia_trained"), "held_out": iia.get("iia_held_out")}
        rel = iia.get("relative") or {"evaluation": None, "held_out": None}
        print(f"{record.parent.name.split('-')[1]:>4}  {follows:>20}  {site:<38}  {_num(rel['evaluation']):>8}  "
              f"{_num(rel['held_out']):>8}  {_num(strict['evaluation']):>6}  {_num(strict['held_out']):>8}  "
              f"{_num(iia['control']):>7}")
    print("relative / strict: interchange accuracy on the evaluation half of the trained bases and on the\n"
          "held-out bases, scored against the model's own answers / the system's counterfactual\n"
          "(docs/inspect.md); do(): informative trained states where the reader follows a forced answer")
    return 0


def _num(x) -> str:
    return "-" if x is None else f"{x:.2f}"


if __name__ == "__main__":
    sys.exit(main())
