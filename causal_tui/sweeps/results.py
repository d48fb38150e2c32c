"""What is on disk, read back as data: a sweep's scorecard and its tidy table
(every configuration, seed, state and field), and a saved model's probe and
tidy table. Recorded results are read as they are; a model's probe is
computed again (with torch) only where none was recorded for its weights."""

from __future__ import annotations

from pathlib import Path

from causal_tui.errors import UserError
from causal_tui.evaluation.probe import ProbeReport
from causal_tui.science import tidy
from causal_tui.science.scorecard import is_grid
from causal_tui.store import model_folder, records
from causal_tui.store.runs import PROBE_FILE
from causal_tui.sweeps.job import RUN_ID_FILE
from causal_tui.sweeps.layout import SCORECARD_FILE, SWEEP_FILE, seed_dir, sweep_dir
from causal_tui.systems.catalog import from_manifest
from causal_tui.systems.holdout import HeldOut


def scorecard(out_dir: Path, name: str) -> dict:
    """A sweep's scorecard.json (a grid's holds every configuration's)."""
    check_name(name)
    path = sweep_dir(out_dir, name) / SCORECARD_FILE
    if not path.exists():
        raise UserError(f"no scorecard for sweep {name!r} at {path}")
    return records.read(path, "scorecard")


def check_name(name: str) -> None:
    """A sweep's name is a folder name under out/sweeps/, never a path."""
    from causal_tui.sweeps.request import NAME

    if not isinstance(name, str) or not NAME.match(name):
        raise UserError(f"--sweep {name!r}: a sweep's name is a folder name under out/sweeps/ (letters, digits, "
                        "'-', '_', '.')")


def latest_scorecard(out_dir: Path) -> tuple[dict | None, str | None]:
    """The newest scorecard under out/sweeps/, and why there is none (what the dashboard shows)."""
    cards = sorted((Path(out_dir) / "sweeps").glob(f"*/{SCORECARD_FILE}"), key=lambda p: p.stat().st_mtime)
    if not cards:
        return None, "no sweep yet: run causal-tui sweep --seeds 10 --holdout 'A=1&C=1'"
    try:
        return records.read(cards[-1], "scorecard"), None
    except UserError as e:
        return None, str(e)


def sweep_rows(out_dir: Path, name: str) -> list[dict]:
    """The sweep's tidy table, from its seeds' probe.json files (tidy.COLUMNS)."""
    card, configurations = _configurations(out_dir, name)
    system = from_manifest(card["system"])
    held_out = HeldOut.from_labels(card["held_out"], system, card.get("holdout"))
    out = []
    for config_id, config, config_folder in configurations:
        models = [_seed_model(seed_dir(config_folder, k)) for k in card["seeds"]]
        out += tidy.rows(system, held_out, models, sweep=name, configuration=config_id, config=config)
    return out


def _configurations(out_dir: Path, name: str) -> tuple[dict, list[tuple[str, dict, Path]]]:
    """The scorecard and each configuration as (id, config, folder)."""
    folder = sweep_dir(out_dir, name)
    card = scorecard(out_dir, name)
    described = records.read(folder / SWEEP_FILE, "sweep")
    if is_grid(card):
        return card, [(g["id"], g["config"], folder / g["id"]) for g in described["grid"]]
    return card, [("", described["config"], folder)]


COEFFICIENT_COLUMNS = ("sweep", "configuration", "seed", "field", "inputs", "degree", "coefficient")


def coefficient_rows(out_dir: Path, name: str, sets: list[tuple[str, ...]] | None = None) -> list[dict]:
    """Walsh coefficients of each seed's learned function (COEFFICIENT_COLUMNS),
    on the given sets of input names (default: every set of degree 2 or less),
    from the seeds' probe.json files (no torch; see spectrum.coefficients)."""
    from causal_tui.science import spectrum

    card, configurations = _configurations(out_dir, name)
    system = from_manifest(card["system"])
    sets = spectrum.check_sets(system, sets)
    out = []
    for config_id, _config, config_folder in configurations:
        for k in card["seeds"]:
            seed = records.read(seed_dir(config_folder, k) / PROBE_FILE, "seed")
            found = spectrum.coefficients(system, seed["predictions"], seed.get("probabilities") or {}, sets,
                                          seed.get("values"))
            out += [{"sweep": name, "configuration": config_id, "seed": seed["seed"], "field": f,
                     "inputs": "*".join(inputs) or "1", "degree": len(inputs), "coefficient": c}
                    for f, by_set in found.items() for inputs, c in by_set.items()]
    return out


def _seed_model(folder: Path) -> dict:
    probe = records.read(folder / PROBE_FILE, "seed")
    precision = probe.get("precision")
    if precision is None:  # seeds from before probe.json named it
        precision = (model_folder.read_manifest(model_folder.final_dir(folder)) or {}).get("precision", "fp32")
    run_id = folder / RUN_ID_FILE
    return {"seed": probe["seed"], "run_id": run_id.read_text().strip() if run_id.exists() else None,
            "precision": precision, "steps": probe.get("steps"),
            "predictions": probe["predictions"], "probabilities": probe.get("probabilities")}


def probe_of(folder: Path, recompute: bool = False, device: str = "cpu") -> tuple[ProbeReport, dict]:
    """A saved model's probe and manifest: the recorded one where it belongs
    to the model in the folder (no torch), else computed from the model (on `device`)."""
    folder = Path(folder)
    manifest = model_folder.read_manifest(folder) if folder.is_dir() else None
    record = None if recompute or manifest is None else model_folder.read_probe(folder)
    if record is not None:
        return ProbeReport.from_record(record, model_folder.system_of(manifest)), manifest
    from causal_tui.evaluation.probe import probe_saved

    return probe_saved(folder, device)  # loading says in one line what is missing or broken


def model_rows(folder: Path, recompute: bool = False, device: str = "cpu") -> list[dict]:
    """One saved model's tidy table (tidy.COLUMNS; sweep empty)."""
    report, manifest = probe_of(folder, recompute, device)
    record = report.record()
    config = manifest.get("config") or {}
    model = {"seed": config.get("seed"), "run_id": manifest.get("run_id"),
             "precision": manifest.get("precision", "fp32"), "steps": (manifest.get("metrics") or {}).get("steps"),
             "predictions": report.predictions(),
             "probabilities": {s: entry["probabilities"] for s, entry in record["states"].items()}}
    return tidy.rows(report.system, report.held_out, [model], config=config)
