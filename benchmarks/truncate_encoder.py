"""Copy a model directory keeping only its first N encoder layers, to time a smaller encoder.

Usage: python benchmarks/truncate_encoder.py --model runs/default --layers 2 -o /tmp/L2
       newsstance export-onnx /tmp/L2
       python benchmarks/throughput.py --model /tmp/L2 --limit 40 --skip-naive

The copy is not retrained, so its labels mean nothing: it only does the work per token that a
model with N layers would do, which is what the throughput benchmark measures. With
``--base-model-dir D`` the cut encoder is also saved as a Hugging Face model directory, to train
a smaller model from (``newsstance train CONFIG --base-model D``).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import shutil
from pathlib import Path

LAYER = re.compile(r"\.layer\.(\d+)\.")
COPIED = ("tokenizer.json", "tokenizer_config.json", "metrics.json")


def truncate(model_dir: Path, layers: int, out: Path) -> int:
    """Write the truncated copy into ``out``; returns how many tensors it kept."""
    from safetensors.torch import load_file, save_file

    config = json.loads((model_dir / "config.json").read_text(encoding="utf-8"))
    if not 1 <= layers <= config["num_hidden_layers"]:
        raise SystemExit(f"--layers must be 1..{config['num_hidden_layers']}, got {layers}")
    out.mkdir(parents=True, exist_ok=True)
    for name in COPIED:
        if (model_dir / name).is_file():
            shutil.copyfile(model_dir / name, out / name)
    config["num_hidden_layers"] = layers
    (out / "config.json").write_text(json.dumps(config, indent=2), encoding="utf-8")
    weights = load_file(model_dir / "model.safetensors")
    kept = {k: v for k, v in weights.items()
            if (m := LAYER.search(k)) is None or int(m.group(1)) < layers}
    save_file(kept, out / "model.safetensors", metadata={"format": "pt"})
    info = json.loads((model_dir / "newsstance.json").read_text(encoding="utf-8"))
    for key in ("onnx_sha256", "onnx_export"):
        info.pop(key, None)
    info["weights_sha256"] = hashlib.sha256((out / "model.safetensors").read_bytes()).hexdigest()
    info["truncated_to_layers"] = layers
    (out / "newsstance.json").write_text(json.dumps(info, indent=2), encoding="utf-8")
    return len(kept)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", required=True, type=Path, help="trained model directory")
    parser.add_argument("--layers", required=True, type=int, help="encoder layers to keep")
    parser.add_argument("-o", "--output", required=True, type=Path, help="directory to write")
    parser.add_argument("--base-model-dir", type=Path,
                        help="also save the cut encoder and tokenizer here (a training base)")
    args = parser.parse_args(argv)
    kept = truncate(args.model, args.layers, args.output)
    print(f"wrote {args.output} ({args.layers} layers, {kept} tensors); untrained: time it only")
    if args.base_model_dir is not None:
        from transformers import AutoTokenizer

        from newsstance.inference.modeling import load_model_dir

        load_model_dir(args.output).model.encoder.save_pretrained(args.base_model_dir)
        AutoTokenizer.from_pretrained(args.output).save_pretrained(args.base_model_dir)
        print(f"wrote {args.base_model_dir} (the cut encoder, a base model for training)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
