"""Seed by seed: does the variable's reader follow a forced written answer
(do()), and where is the variable's best interchange site (IIA)?

    uv run python examples/iia_vs_do.py A1_C1            # newB and its reader newD
    uv run python examples/iia_vs_do.py A1_C1 --variable newB --out-dir out

Reads what a sweep saved for every seed (out/sweeps/NAME/seed-K/probe.json):
no model is loaded."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("sweep")
    p.add_argument("--variable", default="newB")
    p.add_argument("--out-dir", type=Path, default=Path("out"))
    args = p.parse_args(argv)
    folder = args.out_dir / "sweeps" / args.sweep
    seeds = sorted(folder.glob("seed-*/probe.json"), key=lambda f: int(f.parent.name.split("-")[1]))
    if not seeds:
        print(f"error: no seeds under {folder}/", file=sys.stderr)
        return 2
    from causal_tui.systems.catalog import from_manifest

    system = from_manifest(json.loads((folder / "scorecard.json").read_text())["system"])
    print(f"{'seed':>4}  {'do(): reader follows, trained':>30}  {'best site':>10}  {'IIA trained':>11}  "
          f"{'held out':>8}  {'control':>7}")
    for record in seeds:
        r = json.loads(record.read_text())
        iia = r.get("iia", {}).get(args.variable)
        if iia is None:
            print(f"error: {record} has no interchange for {args.variable}", file=sys.stderr)
            return 2
        reader = system.first_reader(args.variable)
        do = r["intervention_summary"][args.variable][reader]["trained"]
        site = f"{iia['layer']}:{iia['position']}"
        follows = f"{reader} {do['follows']}/{do['informative']}"
        print(f"{record.parent.name.split('-')[1]:>4}  {follows:>30}  {site:>10}  {iia['iia_trained']:>11.2f}  {iia['iia_held_out']:>8.2f}  {iia['control']:>7.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
