"""The run history for the command line (and the Runs screen's columns)."""

from __future__ import annotations

from rich.table import Table

from causal_tui.store.runs import size_text


def run_row(record: dict, fields: list[str] | None = None) -> list[str]:
    """One run as table cells: when, source, system, learner, held out,
    configuration, steps, seconds, trained exact, held-out accuracy per field."""
    when = (record.get("started_at") or "").replace("T", " ")[5:16]
    system = (record.get("system") or {}).get("name", "?")
    held = record.get("held_out") or []
    held_text = "none" if not held else held[0] if len(held) == 1 else f"{len(held)} states"
    c = record.get("config") or {}
    config = f"{c.get('n_embd')}/{c.get('n_layer')}" + (f"/{c.get('n_head')}" if record.get("arch") == "gpt2" else "")
    lr = c.get("lr", c.get("learning_rate"))  # learning_rate: records from before 0.4
    config += (f" lr {lr:g}" if isinstance(lr, (int, float)) else "") + f" e{c.get('epochs', 0):g}"
    exact = record.get("trained_exact")
    acc = record.get("held_out_field_accuracy") or {}
    per_field = " ".join(f"{k}/{n}" for k, n in acc.values()) if acc and held else ("-" if held else "")
    return [record["id"], when, record.get("source", ""), system, record.get("arch", "?"), held_text, config,
            "" if record.get("steps") is None else str(record["steps"]),
            "" if record.get("seconds") is None else f"{record['seconds']:.0f}",
            f"{exact[0]}/{exact[1]}" if exact else record.get("status", ""), per_field]


RUN_COLUMNS = ("id", "when", "source", "system", "arch", "held out", "config", "steps", "s", "exact",
               "held-out fields")


def runs_table(listing: list[dict], current: str | None = None) -> Table:
    """The run history for the command line: the columns that fit 80, with the
    held-out fields summed (the Runs screen shows each field)."""
    table = Table(title="Runs, newest first (* the current model)", title_justify="left", box=None,
                  header_style="bold underline", caption="right: held-out fields right / held-out cells",
                  caption_justify="left", pad_edge=False)
    for col in ("id", "source", "arch", "held out", "steps", "exact", "right", "disk"):
        table.add_column(col, justify="right" if col in ("steps", "disk") else "left", no_wrap=True)
    for record in listing:
        row = run_row(record)
        acc = record.get("held_out_field_accuracy") or {}
        right = sum(k for k, _ in acc.values())
        cells = sum(n for _, n in acc.values())
        table.add_row(("*" if record["id"] == current else " ") + row[0], row[2][:14], row[4], row[5], row[7],
                      row[9], f"{right}/{cells}" if cells else "", size_text(record.get("bytes", 0)))
    return table


def comparison_text(system, first: str, second: str, comparison: dict) -> str:
    """Two runs' answers side by side: the cells where they differ, and counts."""
    lines = [f"runs {first} and {second} ({system.name}): {comparison['cells']} cells differ in "
             f"{comparison['states']} of {len(system.all_states)} states; only {first} right: "
             f"{comparison['only_first_right']}, only {second} right: {comparison['only_second_right']}, "
             f"both wrong: {comparison['both_wrong']}"]
    for state, fields in comparison["differ"].items():
        lines.append(f"  {state}: {', '.join(fields)}")
    return "\n".join(lines)


def record_table(record: dict) -> Table:
    """A run's record as key / value rows, nested keys written a.b."""
    table = Table(title=f"Run {record.get('id')}", title_justify="left", box=None, show_header=False,
                  pad_edge=False)
    table.add_column("key", style="bold", no_wrap=True)
    table.add_column("value", overflow="fold")

    def fraction(pair) -> str:
        return f"{pair[0]}/{pair[1]}"

    def add(prefix: str, value) -> None:
        if prefix == "held_out_field_accuracy" and isinstance(value, dict):
            table.add_row(prefix, "  ".join(f"{f} {fraction(v)}" for f, v in value.items()))
        elif isinstance(value, dict) and value:
            for k, v in value.items():
                add(f"{prefix}.{k}" if prefix else k, v)
        elif prefix in ("trained_exact", "held_out_exact") and isinstance(value, list):
            table.add_row(prefix, fraction(value))
        elif isinstance(value, list) and value and all(isinstance(v, str) for v in value):
            table.add_row(prefix, "; ".join(value))
        else:
            table.add_row(prefix, "" if value is None else str(value))

    add("", {k: v for k, v in record.items() if k != "system"})
    system = record.get("system") or {}
    table.add_row("system", f"{system.get('name', '?')} ({str(system.get('digest', ''))[:8]})")
    return table
