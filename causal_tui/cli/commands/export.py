"""`causal-tui export`: a sweep's or a model's tidy table (one row per
configuration, seed, state and field) as a CSV or Parquet file."""

from __future__ import annotations

from pathlib import Path

from causal_tui.cli.args import model_folder_of
from causal_tui.errors import UserError


def main(args) -> int:
    from causal_tui.science.tidy import COLUMNS
    from causal_tui.store import table_files
    from causal_tui.sweeps import results

    if args.sweep_name is None and args.model is None:
        raise UserError("export what? give --sweep NAME or --model DIR|RUN_ID")
    output = Path(args.output)
    fmt = args.format or output.suffix.lstrip(".").lower()
    if fmt not in table_files.FORMATS:
        raise UserError(f"--output {output}: give a .csv or .parquet file, or --format csv|parquet")
    table_files.check_output(output, force=args.force, owned=(Path(args.out_dir), Path("dataset")))
    if args.sweep_name is not None:
        rows = results.sweep_rows(args.out_dir, args.sweep_name)
    else:
        rows = results.model_rows(model_folder_of(args.model, args.out_dir), args.recompute, args.device)
    table_files.write(rows, list(COLUMNS), output, fmt)
    print(f"wrote {output}: {len(rows):,} rows ({', '.join(COLUMNS)})")
    return 0
