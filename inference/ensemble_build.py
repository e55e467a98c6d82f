"""Write an ensemble directory from trained model directories (``newsstance ensemble``).

Each member is copied in the form the analyzer runs: a transformer as its ONNX bundle
(:func:`~newsstance.inference.bundle.bundle_model`: int8 graph, config, tokenizer), a baseline as
its ``linear.*`` export. Their ``newsstance.json`` (with their checksums and calibration) comes
along, and the ensemble's own records each member's sha256 and weight.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from collections.abc import Sequence
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from newsstance.inference.checksums import INFO_FILE, read_info, sha256_file
from newsstance.inference.ensemble import (
    ENSEMBLE_KEY,
    ENSEMBLE_KIND,
    METHOD,
    EnsembleError,
    check_weights,
    is_ensemble_dir,
)
from newsstance.inference.linear_backend import ARRAYS_FILE, SPEC_FILE, is_linear_dir

CARD_FILE = "README.md"
LINEAR_FILES = (SPEC_FILE, ARRAYS_FILE, INFO_FILE)
OPTIONAL_FILES = (CARD_FILE, "metrics.json")


def _copy_member(src: Path, dest: Path) -> str:
    """Copy one member into ``dest``; returns its kind (``transformer`` or ``linear``)."""
    if is_ensemble_dir(src):
        raise EnsembleError(f"{src} is an ensemble itself; give its members instead")
    if is_linear_dir(src):
        dest.mkdir(parents=True)
        for name in (*LINEAR_FILES, *(n for n in OPTIONAL_FILES if (src / n).is_file())):
            shutil.copy2(src / name, dest / name)
        return "linear"
    if (src / "model.int8.onnx").is_file():
        from newsstance.inference.bundle import bundle_model

        bundle_model(src, dest)
        return "transformer"
    raise EnsembleError(
        f"{src}: not a member an ensemble can hold: give a baseline directory (with "
        f"{SPEC_FILE}) or a transformer exported to ONNX (`newsstance export-onnx {src}`)")


def _member_name(src: Path, copied: Path) -> str:
    """The name a member's outputs go by: its recorded name, else its directory's."""
    from newsstance.inference.analyzer import DEFAULT_MODEL_DIR

    name = read_info(copied).get("name")
    if not name and src.resolve() == DEFAULT_MODEL_DIR.resolve():
        name = "newsstance-default"
    return str(name or src.resolve().name)


def _card(info: dict[str, Any], command: str | None) -> str:
    rows = "\n".join(f"| `{m['path']}` | {m['kind']} | {m['weight']:.3g} | `{m['source']}` |"
                     for m in info[ENSEMBLE_KEY]["members"])
    made = f"\nMade with:\n\n```\n{command}\n```\n" if command else ""
    return (f"# {info['name']}\n\nAn ensemble of newsstance models: each task's probabilities "
            "are the members' (each calibrated by its own temperatures) pooled log-linearly, "
            "p ∝ Π p_i^w_i.\n\n| member | kind | weight | copied from |\n|---|---|---:|---|\n"
            f"{rows}\n{made}")


def build_ensemble(members: Sequence[str | Path], dest: str | Path, *,
                   weights: Sequence[float] | None = None, name: str | None = None,
                   overwrite: bool = False, command: str | None = None) -> Path:
    """Write an ensemble of ``members`` (model directories) to ``dest`` and return it.

    ``weights`` default to equal; they are normalised to sum to 1. The result is loaded once
    before it is moved into place, so a member that cannot load or whose labels disagree leaves
    nothing behind. ``overwrite`` replaces an existing ``dest``."""
    from newsstance import __version__
    from newsstance.inference.loading import load_classifier

    srcs = [Path(m) for m in members]
    if len(srcs) < 2:
        raise EnsembleError("an ensemble needs at least two members")
    norm = check_weights(list(weights) if weights is not None else [1.0] * len(srcs), len(srcs))
    out = Path(dest)
    if out.exists() and (not out.is_dir() or any(out.iterdir())) and not overwrite:
        raise EnsembleError(f"{out} exists and is not empty (pass overwrite=True / --overwrite)")
    out.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=out.parent, prefix=f".{out.name}-") as tmp:
        work = Path(tmp) / "ensemble"
        work.mkdir()
        entries, used = [], set()
        for src, weight in zip(srcs, norm, strict=True):
            if not src.is_dir():
                raise EnsembleError(f"member directory not found: {src}")
            probe = work / ".member"
            kind = _copy_member(src, probe)
            path = kind if kind not in used else f"{kind}-{len(used) + 1}"
            used.add(path)
            probe.rename(work / path)
            entries.append({"path": path, "kind": kind, "weight": weight, "source": str(src),
                            "name": _member_name(src, work / path),
                            "info_sha256": sha256_file(work / path / INFO_FILE)})
        info: dict[str, Any] = {
            "kind": ENSEMBLE_KIND, "name": name or out.name,
            "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "newsstance_version": __version__,
            ENSEMBLE_KEY: {"method": METHOD, "members": entries}}
        (work / INFO_FILE).write_text(json.dumps(info, indent=2) + "\n", encoding="utf-8")
        classifier, _ = load_classifier(work, backend="onnx")
        info["labels"] = classifier.labels
        (work / INFO_FILE).write_text(json.dumps(info, indent=2) + "\n", encoding="utf-8")
        (work / CARD_FILE).write_text(_card(info, command), encoding="utf-8")
        if out.is_dir():
            shutil.rmtree(out)
        elif out.exists():
            out.unlink()
        work.rename(out)
    return out
