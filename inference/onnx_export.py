"""Export a model directory to ONNX (``model.onnx``) and int8 (``model.int8.onnx``).

:func:`export_onnx` loads the safetensors model with PyTorch, exports a graph mapping token windows
(``input_ids``, ``attention_mask``, ``token_type_ids`` when the encoder uses them, ``focus_mask``
when the model pools over focus tokens) to one logits
tensor per task (``logits_<task>``: (windows, labels)), quantizes it dynamically to int8 with
``onnxruntime.quantization.quantize_dynamic`` (per-channel, reduced range), checks both against
PyTorch on a few inputs, and records the sha256 of the ONNX, config and tokenizer files in
``newsstance.json`` (key ``onnx_sha256``), which
:class:`~newsstance.inference.onnx_backend.OnnxQuoteClassifier` checks.
"""

from __future__ import annotations

import json
import logging
import warnings
from pathlib import Path
from typing import Any

import numpy as np

from newsstance.inference.onnx_backend import (
    CONFIG_FILE,
    INFO_FILE,
    INT8_FILE,
    ONNX_FILE,
    ONNX_SHA_KEY,
    TOKENIZER_FILE,
    OnnxModelError,
    session_options,
    sha256_file,
)

logger = logging.getLogger(__name__)

#: Largest |logit| difference allowed between PyTorch and the fp32 ONNX graph.
FP32_ATOL = 1e-3
#: quantize_dynamic options: per-channel weight scales and 7-bit weight range. On CPUs without
#: VNNI, u8 x s8 products can saturate; with these the int8 model agreed with PyTorch on 96.8% of
#: nqs dev stance labels (pilot model) against 89% with the defaults, at the same speed.
QUANT_OPTIONS: dict[str, Any] = {"per_channel": True, "reduce_range": True}
#: MatMuls left in fp32: each layer's feed-forward block (``intermediate.dense`` and
#: ``output.dense``); the attention projections are int8. With the whole graph in int8 the shipped
#: model lost 1.5 points of nqs dev stance macro-F1 (93.5% label agreement with PyTorch); with the
#: second projection in fp32, 1.0 point (96.2%); with the whole feed-forward block in fp32, none
#: (98.5%), for a 44 MB file instead of 23 MB and less of int8's speed-up.
FP32_MATMUL_SUFFIXES = ("/intermediate/dense/MatMul", "/output/dense/MatMul")


def fp32_nodes(onnx_path: Path, heads: bool = False) -> list[str]:
    """Names of the MatMul nodes kept in fp32 by the int8 export (see ``FP32_MATMUL_SUFFIXES``),
    and with ``heads`` the task heads' (in the ``article`` format one run holds the rows of many
    quotes, and a quantized head would scale each row by the range of all of them)."""
    import onnx

    graph = onnx.load(str(onnx_path), load_external_data=False).graph
    names = [n.name for n in graph.node if n.op_type == "MatMul" and n.name.endswith(
        FP32_MATMUL_SUFFIXES) and "/attention/" not in n.name]
    if heads:  # the quantizer turns a head's Gemm into a MatMul named <Gemm>_MatMul first
        names += [name for n in graph.node if n.op_type in ("MatMul", "Gemm")
                  and not n.name.startswith("/encoder/") for name in (n.name, n.name + "_MatMul")]
    return names
#: Inputs the export is checked on.
CHECK_EXAMPLES = [
    {"target": "the contract", "text": "The company said it was proud to support the contract.",
     "quote_start": 29, "quote_end": 55, "speaker": "the company", "speaker_role": "company"},
    {"target": "the plan", "text": "\"I'll seriously consider leaving over this plan,\" said "
     "Jane Doe, an employee.", "quote_start": 1, "quote_end": 47, "speaker": "Jane Doe",
     "speaker_role": "employee"},
    {"target": "", "text": "Shares fell 3% after the report. " * 40},
    {"target": "tariffs", "text": "Officials said the tariffs would hurt farmers."},
]
#: A text of two quotes, each an example: in the ``article`` format they share windows.
CHECK_ARTICLE = ("Nimbus said it was proud to support the contract. \"I will leave,\" said Jane "
                 "Doe, an engineer.", [(19, 49, "Nimbus", "company"), (51, 63, "Jane Doe",
                                                                         "employee")])


def check_examples(article: bool) -> list[dict[str, Any]]:
    """The examples an export is checked on (with a shared text in the ``article`` format)."""
    if not article:
        return list(CHECK_EXAMPLES)
    from newsstance.inference.article_encoding import article_example

    text, spans = CHECK_ARTICLE
    quotes = [{"start": a, "end": b, "speaker": sp, "speaker_role": role}
              for a, b, sp, role in spans]
    return [*CHECK_EXAMPLES, *(article_example(text, "the contract", quotes, i)
                               for i in [0, 1, None])]


def graph_inputs(model: Any, shared_windows: bool = False) -> list[str]:
    """The graph's input names, in order, for a :class:`MultiTaskQuoteModel`; with
    ``shared_windows`` (the ``article`` input format) also ``row_window``."""
    return (["input_ids", "attention_mask"]
            + (["token_type_ids"] if model.uses_token_types else [])
            + (["focus_mask"] if model.uses_focus else [])
            + (["row_window"] if shared_windows else []))


def _window_module(model: Any, shared_windows: bool = False) -> Any:
    """A torch module: windows -> tuple of per-task logits (the heads on pooled windows, or on
    pooled rows with ``shared_windows``); its positional inputs are :func:`graph_inputs`."""
    from torch import nn

    class WindowLogits(nn.Module):
        def __init__(self, inner: Any) -> None:
            super().__init__()
            self.inner = inner
            self.tasks = list(inner.task_labels)
            self.input_names = graph_inputs(inner, shared_windows)

        def forward(self, *inputs: Any) -> Any:
            named = dict(zip(self.input_names, inputs, strict=True))
            emb = self.inner.embed_windows(named["input_ids"], named["attention_mask"],
                                           named.get("token_type_ids"), named.get("focus_mask"),
                                           named.get("row_window"))
            return tuple(self.inner.heads[t](emb) for t in self.tasks)

    return WindowLogits(model).eval()


def _update_info(root: Path, update: dict[str, Any]) -> None:
    path = root / INFO_FILE
    info: dict[str, Any] = {}
    if path.is_file():
        info = json.loads(path.read_text(encoding="utf-8"))
    info.update(update)
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(info, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    tmp.replace(path)


def _run_onnx(path: Path, feed: dict[str, np.ndarray], outputs: list[str]) -> list[np.ndarray]:
    import onnxruntime as ort

    session = ort.InferenceSession(str(path), sess_options=session_options(),
                                   providers=["CPUExecutionProvider"])
    names = {i.name for i in session.get_inputs()}
    return session.run(outputs, {k: v for k, v in feed.items() if k in names})


def export_onnx(model_dir: str | Path, *, quantize: bool = True, opset: int = 17,
                check: bool = True) -> dict[str, Any]:
    """Write ``model.onnx`` (and ``model.int8.onnx``) into ``model_dir``; return a report with
    the files' sha256 and the largest logit differences from PyTorch."""
    import torch

    from newsstance.inference.encoding import encode_examples
    from newsstance.inference.modeling import load_model_dir, windows_to_tensors

    root = Path(model_dir)
    loaded = load_model_dir(root)
    article = loaded.settings.input_format == "article"
    module = _window_module(loaded.model, shared_windows=article)
    tasks = module.tasks
    windows = encode_examples(loaded.tokenizer, check_examples(article), loaded.settings)
    tensors = windows_to_tensors(windows, loaded.tokenizer.pad_token_id or 0)
    if article and "row_window" not in tensors:
        tensors["row_window"] = torch.arange(len(windows), dtype=torch.long)
    feed = {name: tensors[name].numpy() for name in module.input_names}
    input_names = module.input_names
    output_names = [f"logits_{t}" for t in tasks]
    args = tuple(torch.from_numpy(feed[n]) for n in input_names)
    rows = "rows" if article else "windows"
    axes: dict[str, dict[int, str]] = {n: {0: "windows", 1: "tokens"} for n in input_names}
    axes.update({n: {0: rows} for n in output_names})
    if article:
        axes.update(focus_mask={0: rows, 1: "tokens"}, row_window={0: rows})
    onnx_path = root / ONNX_FILE
    tmp = root / (ONNX_FILE + ".tmp")
    with torch.inference_mode(), warnings.catch_warnings():
        warnings.simplefilter("ignore")  # tracer and deprecation chatter
        expected = [t.numpy() for t in module(*args)]
        torch.onnx.export(module, args, str(tmp), input_names=input_names,
                          output_names=output_names, dynamic_axes=axes, opset_version=opset,
                          do_constant_folding=True, dynamo=False)
    tmp.replace(onnx_path)
    report: dict[str, Any] = {"opset": opset, "tasks": tasks, "files": {},
                              "quantization": {"weight_type": "QInt8", **QUANT_OPTIONS}}
    if check:
        got = _run_onnx(onnx_path, feed, output_names)
        diff = max(float(np.abs(g - e).max()) for g, e in zip(got, expected, strict=True))
        report["fp32_max_abs_diff"] = diff
        if diff > FP32_ATOL:
            raise OnnxModelError(f"the exported graph differs from PyTorch by {diff:.2e} "
                                 f"(allowed {FP32_ATOL:.0e})")
    names = [ONNX_FILE]
    if quantize:
        from onnxruntime.quantization import QuantType, quantize_dynamic

        int8_path = root / INT8_FILE
        tmp8 = root / (INT8_FILE + ".tmp")
        keep = fp32_nodes(onnx_path, heads=article)
        report["quantization"]["fp32_nodes"] = len(keep)
        quantize_dynamic(str(onnx_path), str(tmp8), weight_type=QuantType.QInt8,
                         nodes_to_exclude=keep, **QUANT_OPTIONS)
        tmp8.replace(int8_path)
        names.append(INT8_FILE)
        if check:
            got = _run_onnx(int8_path, feed, output_names)
            report["int8_max_abs_diff"] = max(
                float(np.abs(g - e).max()) for g, e in zip(got, expected, strict=True))
            report["int8_argmax_agreement"] = float(np.mean(np.concatenate(
                [g.argmax(1) == e.argmax(1) for g, e in zip(got, expected, strict=True)])))
    for name in [*names, CONFIG_FILE, TOKENIZER_FILE]:
        if not (root / name).is_file():
            raise OnnxModelError(f"{root / name} is missing: the ONNX backend needs it")
        report["files"][name] = sha256_file(root / name)
    from newsstance.inference.modeling import WEIGHTS_FILE

    info_path = root / INFO_FILE
    info = json.loads(info_path.read_text(encoding="utf-8")) if info_path.is_file() else {}
    update: dict[str, Any] = {ONNX_SHA_KEY: report["files"],
                              "onnx_export": {k: v for k, v in report.items() if k != "files"}}
    if not info.get("weights_sha256"):
        update["weights_sha256"] = sha256_file(root / WEIGHTS_FILE)
    _update_info(root, update)
    logger.info("exported %s: %s", root, report)
    return report
