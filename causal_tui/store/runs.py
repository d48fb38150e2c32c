"""Run history: every training is a run with an id and a folder of its own.

    out/runs/<id>/run.json      what it was: when, where from, system, learner,
                                held out, configuration, steps, seconds, status,
                                trained exact, held-out accuracy per field
    out/runs/<id>/probe.json    every state's answers
    out/runs/<id>/losses.json   {"train": [[step, loss], ...], "eval": [...]}
    out/runs/<id>/model/        the model folder (hard links to final/'s files
                                where the filesystem allows: no second copy)
    out/runs/<id>/tensorboard/  event files, with --report-to tensorboard

`out/tiny-gpt2-causal/final/` stays the current model (the original's path);
`use` makes an older run current again. Deleting a run is the caller's to
confirm: nothing here deletes without being asked to."""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
from datetime import datetime, timezone
from pathlib import Path

from causal_tui.errors import UserError
from causal_tui.store import atomic, locks, model_folder, provenance, records
from causal_tui.systems.catalog import from_manifest

RUNS = "runs"
RUN_FILE = "run.json"
PROBE_FILE = "probe.json"
LOSSES_FILE = "losses.json"
MODEL = "model"
TENSORBOARD = "tensorboard"
ID = re.compile(r"^\d{8}-\d{6}-\d{1,4}$")
"""A run id: the UTC time to the second and a counter ('20261201-195642-1'); never a path."""
_DELETING = ".deleting-"


def check_id(run_id) -> str:
    """A run id as the history names them; UserError for anything else (a path, '..')."""
    if not isinstance(run_id, str) or not ID.match(run_id):
        raise UserError(f"{run_id!r} is not a run id (like 20261201-195642-1: see causal-tui runs list)")
    return run_id


def run_folder(out_dir: Path, run_id: str) -> Path:
    """A run's folder under out/runs/ (the id checked first)."""
    return runs_dir(out_dir) / check_id(run_id)


def runs_dir(out_dir: Path) -> Path:
    return Path(out_dir) / RUNS


def new_id(out_dir: Path) -> str:
    """A sortable, unique id: the UTC time to the second and a counter."""
    stamp = datetime.now(timezone.utc).strftime("%Y%m%d-%H%M%S")
    base = runs_dir(out_dir)
    for n in range(1, 10_000):
        run_id = f"{stamp}-{n}"
        try:
            (base / run_id).mkdir(parents=True)
            return run_id
        except FileExistsError:
            continue
        except OSError as e:
            raise UserError(f"cannot write to {base}/: {e.strerror or e}") from None
    raise UserError(f"{base}/ has too many runs in one second")


def start(out_dir: Path, source: str, config: dict, system_entry: dict, held_out: list[str],
          holdout: str | None = None) -> str:
    """Open a run (status 'running'); its folder exists from now on. `holdout`:
    what the user wrote for the held-out states ('A=1&C=1')."""
    run_id = new_id(out_dir)
    started = provenance.now()
    write_record(out_dir, run_id, {
        "id": run_id, "status": "running", "source": source, "started_at": started,
        "system": system_entry, "arch": config.get("arch", "gpt2"), "held_out": held_out, "holdout": holdout,
        "config": config, "holder": holder(), "provenance": provenance.collect(started_at=started),
    })
    return run_id


def holder() -> dict:
    """This process, as a run record names the process that holds it while it runs."""
    return {"host": socket.gethostname(), "pid": os.getpid(), "start": _start_time(os.getpid())}


def _start_time(pid: int) -> int | None:
    """When a process started (clock ticks since boot, Linux); with the pid, it names one process for good."""
    try:
        return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[19])
    except (OSError, ValueError, IndexError):
        return None


def holder_alive(record: dict) -> bool | None:
    """Whether the process that holds a running record is alive (None where this machine cannot tell)."""
    h = record.get("holder")
    if not isinstance(h, dict) or h.get("host") != socket.gethostname() or not isinstance(h.get("pid"), int):
        return None
    start = _start_time(h["pid"])
    if start is None:
        return False if Path("/proc").is_dir() else None
    return h.get("start") is None or start == h.get("start")


def shown_status(record: dict) -> str | None:
    """A record's status as the listings show it: 'running' whose process is gone is 'interrupted'."""
    status = record.get("status")
    if status == "running" and holder_alive(record) is False:
        return "interrupted"
    return status


def write_record(out_dir: Path, run_id: str, record: dict) -> None:
    atomic.write_text(runs_dir(out_dir) / run_id / RUN_FILE, json.dumps(records.stamped("run", record), indent=2)
                      + "\n")


def finish(out_dir: Path, run_id: str, status: str, *, model_dir: Path | None = None, manifest: dict | None = None,
           predictions: dict | None = None, losses: dict | None = None, steps: int | None = None,
           seconds: float | None = None, epochs: float | None = None) -> dict:
    """Close a run: its status, numbers, probe, losses and (finished) its model."""
    folder = runs_dir(out_dir) / run_id
    record = read(out_dir, run_id)
    record.update(status=status, finished_at=provenance.now(),
                  steps=steps, epochs=epochs, seconds=None if seconds is None else round(seconds, 2))
    record["provenance"] = {**(record.get("provenance") or provenance.collect()), "finished_at": record["finished_at"]}
    if manifest is not None:
        probe = manifest.get("probe", {})
        record.update(trained_exact=probe.get("trained_exact"),
                      held_out_field_accuracy=probe.get("held_out_field_accuracy"),
                      held_out_exact=probe.get("held_out_exact"), precision=manifest.get("precision"))
        metrics = manifest.get("metrics") or {}
        record["stopped_because"] = metrics.get("stopped_because")
        # The training's own record (made where it ran: a worker, a Ray node), and its
        # times: a sweep's seed is recorded after it trained, and one pair of times is told.
        if manifest.get("provenance"):
            record["provenance"] = manifest["provenance"]
            times = (manifest["provenance"].get("started_at"), manifest["provenance"].get("finished_at"))
            if all(times):
                record["started_at"], record["finished_at"] = times
    if losses is not None:
        atomic.write_text(folder / LOSSES_FILE, json.dumps(losses) + "\n")
    if predictions is not None:
        atomic.write_text(folder / PROBE_FILE, json.dumps(predictions) + "\n")
    if model_dir is not None:
        link_tree(Path(model_dir), folder / MODEL)
    write_record(out_dir, run_id, record)
    return record


def link_tree(source: Path, target: Path) -> None:
    """`target` becomes a copy of `source`, by hard links where possible."""
    with atomic.replace_dir(target, marks=model_folder.MARKS) as staging:
        for p in source.rglob("*"):
            if p.is_file():
                dest = staging / p.relative_to(source)
                dest.parent.mkdir(parents=True, exist_ok=True)
                try:
                    os.link(p, dest)
                except OSError:
                    shutil.copy2(p, dest)


def read(out_dir: Path, run_id: str) -> dict:
    path = run_folder(out_dir, run_id) / RUN_FILE
    if not (runs_dir(out_dir) / run_id).is_dir():
        raise UserError(f"no run {run_id!r} in {runs_dir(out_dir)}/ (see causal-tui runs list)")
    return records.read(path, "run")


def listing(out_dir: Path) -> list[dict]:
    """Every run, newest first, with its folder's size on disk ("bytes"); unreadable ones are skipped
    (listing_with_problems says which)."""
    return listing_with_problems(out_dir)[0]


def listing_with_problems(out_dir: Path) -> tuple[list[dict], list[str]]:
    """Every readable run, newest first, with its folder's size on disk
    ("bytes"), and one line for each run.json that could not be read."""
    base = runs_dir(out_dir)
    out, problems = [], []
    for folder in sorted(base.glob("*"), reverse=True) if base.is_dir() else []:
        if not ID.match(folder.name) or not (folder / RUN_FILE).exists():
            continue  # a run being deleted (.deleting-...), or not a run
        try:
            record = records.read(folder / RUN_FILE, "run")
            _check_shape(record, folder / RUN_FILE)
        except UserError as e:
            problems.append(str(e))
            continue
        record["status"] = shown_status(record)
        record["bytes"] = disk_use(folder)
        out.append(record)
    return out, problems


def _check_shape(record: dict, path: Path) -> None:
    """The keys the listings read are of their kinds (a hand-edited record may hold anything)."""
    where = str(path)
    records.field(record, "id", str, where)
    for key in ("status", "source", "started_at", "finished_at", "arch"):
        records.field(record, key, str, where)
    for key in ("config", "system", "held_out_field_accuracy"):
        records.field(record, key, dict, where)
    for key in ("held_out", "trained_exact"):
        records.field(record, key, list, where)
    for key in ("steps", "seconds", "epochs"):
        value = record.get(key)
        if value is not None and (isinstance(value, bool) or not isinstance(value, (int, float))):
            raise records.RecordError(f"{where}: {key} is {value!r}, not a number")


def rows(listing: list[dict]) -> list[dict]:
    """Runs as flat rows (for csv, markdown and data frames): one per run."""
    out = []
    for r in listing:
        acc = r.get("held_out_field_accuracy") or {}
        exact = r.get("trained_exact") or [None, None]
        c = r.get("config") or {}
        out.append({
            "id": r["id"], "status": r.get("status"), "source": r.get("source"), "started_at": r.get("started_at"),
            "finished_at": r.get("finished_at"), "system": (r.get("system") or {}).get("name"), "arch": r.get("arch"),
            "held_out": ";".join(r.get("held_out") or []), "holdout": r.get("holdout"), "seed": c.get("seed"),
            "epochs": r.get("epochs") if r.get("epochs") is not None else c.get("epochs"),
            "lr": c.get("lr"), "precision": r.get("precision"), "steps": r.get("steps"),
            "seconds": r.get("seconds"), "trained_exact": exact[0], "trained_states": exact[1],
            "held_out_right": sum(k for k, _ in acc.values()) if acc else None,
            "held_out_cells": sum(n for _, n in acc.values()) if acc else None, "bytes": r.get("bytes"),
        })
    return out


def disk_use(folder: Path) -> int:
    """Bytes a folder holds on disk, hard-linked files counted once."""
    seen, total = set(), 0
    for p in Path(folder).rglob("*"):
        try:
            st = p.stat()
        except OSError:
            continue
        if p.is_file() and (st.st_dev, st.st_ino) not in seen:
            seen.add((st.st_dev, st.st_ino))
            total += st.st_blocks * 512
    return total


def resolve_model(out_dir: Path, model: str | None) -> Path:
    """The folder --model names: a model folder, or a run id under out/runs/;
    the current model (final/) without one. Reads only."""
    if model is None:
        return model_folder.final_dir(out_dir)
    path = Path(model)
    if (path / model_folder.MANIFEST).exists() or (path.is_dir() and (path / "config.json").exists()):
        return path
    if ID.match(model) and (runs_dir(out_dir) / model).is_dir():
        return model_of(out_dir, model)
    raise UserError(f"--model {model}: no model at {model}/ and no run of that id in {runs_dir(out_dir)}/ "
                    "(see causal-tui runs list)")


def model_of(out_dir: Path, run_id: str) -> Path:
    read(out_dir, run_id)
    folder = run_folder(out_dir, run_id) / MODEL
    if not (folder / model_folder.MANIFEST).exists():
        raise UserError(f"run {run_id} has no model (it {read(out_dir, run_id).get('status', 'did not finish')})")
    return folder


def use(out_dir: Path, run_id: str, check=None) -> Path:
    """Make a run's model the current one: final/ replaced atomically by it,
    under the model folder's lock (locks.Busy while another process writes it).
    `check(folder)` first (it loads the model: UserError where it cannot)."""
    source = model_of(out_dir, run_id)
    if check is not None:
        check(source)
    final = model_folder.final_dir(out_dir)
    with locks.writing(model_folder.run_dir(out_dir)):
        try:
            link_tree(source, final)
        except OSError as e:
            raise UserError(f"cannot write {final}/: {e.strerror or e}") from None
    return final


def current_id(out_dir: Path) -> str | None:
    """The run the current model came from (its manifest says), if any."""
    manifest = model_folder.read_manifest(model_folder.final_dir(out_dir)) if \
        model_folder.final_dir(out_dir).is_dir() else None
    return (manifest or {}).get("run_id")


def delete(out_dir: Path, run_id: str) -> None:
    """Remove a run's folder (ask first: this does not), under the model
    folder's lock (a training writes its run there): renamed first, so a
    deletion cut short never lists as a run, then removed."""
    read(out_dir, run_id)
    folder = run_folder(out_dir, run_id)
    with locks.writing(model_folder.run_dir(out_dir)):
        gone = folder.parent / f"{_DELETING}{run_id}-{os.getpid()}"
        os.rename(folder, gone)
        atomic.fsync_dir(folder.parent)
        shutil.rmtree(gone)


def predictions_of(out_dir: Path, run_id: str) -> dict:
    path = run_folder(out_dir, run_id) / PROBE_FILE
    if not path.exists():
        raise UserError(f"run {run_id} has no probe (it {read(out_dir, run_id).get('status')})")
    try:
        return json.loads(records.read_text(path, what="run's probe"))
    except ValueError as e:
        raise UserError(f"{path} is not valid JSON ({e})") from None


def course_in(folder: Path, held_out: list[str] | None = None, fields=()) -> list[dict]:
    """The --probe-every records in a run's (or a sweep seed's) losses.json;
    [] where it has none. UserError in one line where the file is not JSON or
    an entry is not a record (with `held_out` labels and `fields`: one that
    lacks a held-out answer the caller reads)."""
    path = Path(folder) / LOSSES_FILE
    if not path.exists():
        return []
    try:
        probes = json.loads(records.read_text(path, what="losses")).get("probes")
    except (ValueError, AttributeError) as e:
        raise UserError(f"{path} is not a losses record ({e})") from None
    if probes is None:
        return []
    for i, entry in enumerate(probes if isinstance(probes, list) else [None]):
        ok = (isinstance(entry, dict) and isinstance(entry.get("step"), int)
              and isinstance(entry.get("held_out"), dict) and isinstance(entry.get("profiles"), dict)
              and all(isinstance(entry["held_out"].get(label), dict) and all(f in entry["held_out"][label]
                                                                               for f in fields)
                      for label in held_out or ()))
        if not ok:
            raise UserError(f"{path}: course entry {i + 1} is not a --probe-every record of this run's "
                            "held-out states")
    return probes


def compare(system, a: dict, b: dict) -> dict:
    """Where two runs' answers differ: per state and field, with counts.
    `a`, `b`: predictions {state: {field: value or None}} of the same system."""
    differ: dict[str, list[str]] = {}
    a_right = b_right = both_wrong = 0
    for s in system.all_states:
        key = system.format_state(s)
        truth = system.truth(s)
        for f in system.fields:
            va, vb = a[key][f], b[key][f]
            if va == vb:
                continue
            differ.setdefault(key, []).append(f)
            if va == truth[f]:
                a_right += 1
            elif vb == truth[f]:
                b_right += 1
            else:
                both_wrong += 1
    return {"differ": differ, "cells": sum(len(v) for v in differ.values()), "states": len(differ),
            "only_first_right": a_right, "only_second_right": b_right, "both_wrong": both_wrong}


def compare_runs(out_dir: Path, first: str, second: str) -> tuple[object, dict]:
    """(system, comparison) of two runs; refused if their systems differ."""
    ra, rb = read(out_dir, first), read(out_dir, second)
    sa, sb = from_manifest(ra.get("system")), from_manifest(rb.get("system"))
    if sa != sb:
        raise UserError(f"run {first} is of the {sa.label()} system and run {second} of {sb.label()}: "
                        "only runs of one system compare")
    return sa, compare(sa, predictions_of(out_dir, first), predictions_of(out_dir, second))


def disk_summary(out_dir: Path, count: int) -> str:
    """'2 runs, 184 KB on disk in out/runs/': the line under every listing."""
    folder = runs_dir(out_dir)
    total = disk_use(folder) if count else 0
    return f"{count} run{'' if count == 1 else 's'}, {size_text(total)} on disk in {folder}/"


def size_text(n: int) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if n < 1024 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "B" or n >= 100 else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n:.1f} GB"
