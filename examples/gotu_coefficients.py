"""The Walsh coefficients of the learned function on the anchor's four sets,
per configuration of a sweep: what Abbe et al. (ICML 2023) report for
f = x0*x1 with x0 = x1 = -1 unseen.

    uv run causal-tui sweep examples/gotu-x0x1.toml
    uv run python examples/gotu_coefficients.py gotu-x0x1 [--out-dir out] [--json FILE]

Read in the paper's +-1 coding (input x = 1 - 2 bit, so bit 1 is x = -1;
output y = 1 - 2 f, with f the model's probability of 1, or a regression
head's own value): the min-degree interpolator x0 + x1 - 1 has coefficients
-1, 1, 1, 0 on 1, x0, x1, x0*x1, and the truth x0*x1 has 0, 0, 0, 1. The
number to read is x0*x1: 0 where the model learned the interpolator, 1
where it learned the truth on the unseen too. Each mean comes with Student's
t interval over seeds (95%)."""

from __future__ import annotations

import argparse
import json
import sys
from collections import defaultdict

import causal_tui as ct
from causal_tui.errors import UserError
from causal_tui.science.intervals import mean_interval
from causal_tui.store import provenance

SETS = [(), ("x0",), ("x1",), ("x0", "x1")]
LABELS = ["1", "x0", "x1", "x0*x1"]
MDI = [-1.0, 1.0, 1.0, 0.0]
TRUTH = [0.0, 0.0, 0.0, 1.0]


def plus_minus(inputs: str, c: float) -> float:
    """The 0/1 coding's coefficient in the +-1 coding (see the docstring)."""
    return 1.0 - 2.0 * c if inputs == "1" else -2.0 * c


def summarise(rows: list[dict]) -> dict:
    """{configuration: {field: {set: {"mean", "interval95", "seeds"}}}}."""
    grouped = defaultdict(list)
    for r in rows:
        grouped[(r["configuration"], r["field"], r["inputs"])].append(plus_minus(r["inputs"], r["coefficient"]))
    out: dict = defaultdict(lambda: defaultdict(dict))
    for (configuration, field, inputs), values in grouped.items():
        low, high = mean_interval(values)
        out[configuration][field][inputs] = {"mean": round(sum(values) / len(values), 4),
                                              "interval95": [round(low, 4), round(high, 4)], "seeds": len(values)}
    return json.loads(json.dumps(out))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("name", help="the sweep's name, e.g. gotu-x0x1")
    parser.add_argument("--out-dir", default="out", help="where the sweep is (default out/)")
    parser.add_argument("--json", help="also write the summary to this file")
    args = parser.parse_args()
    try:
        sweep = ct.load_sweep(args.name, args.out_dir)
        found = summarise(sweep.coefficients(SETS).rows)
    except UserError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    print(f"{args.name}: Walsh coefficients of the learned function, +-1 coding, mean over seeds [95% t interval]")
    print(f"record: {sweep.folder}/scorecard.json: {provenance.line(sweep.provenance)}")
    width = max(*(len(c) for c in found), len("min-degree interpolator") - 7, len("configuration")) + 2
    print(f"{'configuration':<{width}}{'field':<7}" + "".join(f"{label:>24}" for label in LABELS))
    print(f"{'min-degree interpolator':<{width + 7}}" + "".join(f"{v:>24.2f}" for v in MDI))
    print(f"{'truth':<{width + 7}}" + "".join(f"{v:>24.2f}" for v in TRUTH))
    for configuration, fields in found.items():
        for field, by_set in fields.items():
            cells = [by_set[label] for label in LABELS]
            print(f"{configuration or '(one)':<{width}}{field:<7}" + "".join(
                f"{c['mean']:>+8.3f} [{c['interval95'][0]:+.3f},{c['interval95'][1]:+.3f}]" for c in cells))
    seeds = {c["seeds"] for fields in found.values() for by_set in fields.values() for c in by_set.values()}
    print(f"seeds per configuration: {', '.join(map(str, sorted(seeds)))}")
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"sweep": args.name, "coding": "+-1", "sets": LABELS, "mdi": MDI, "truth": TRUTH,
                       "configurations": found, "provenance": sweep.provenance}, f, indent=2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
