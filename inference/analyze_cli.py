"""CLI subcommands ``analyze`` (quotes, stance, sentiment, tone) and ``export-onnx``."""

from __future__ import annotations

import argparse
import csv
import io
import json
import sys
import time
from collections import deque
from collections.abc import Iterable, Iterator, Sequence
from contextlib import nullcontext
from pathlib import Path
from typing import IO, Any

from newsstance.inference.commands import add_tagger_option, load_extractor

INPUT_HELP = ("articles: .txt (first line + blank line = title), .jsonl/.csv (id, text, title?, "
              "target?), .html, a directory of these, or - for stdin")
ARTICLE_COLUMNS = ["id", "target", "target_source", "tone_label", "tone_score"]
QUOTE_COLUMNS = ["quote_index", "quote_text", "start", "end", "type", "speaker", "speaker_name",
                 "speaker_role", "organization", "stance_label", "stance_score",
                 "sentiment_label", "sentiment_score"]


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "analyze", help="quotes with stance and sentiment, and the article's tone",
        description="Find the quotes of each article, label each quote's stance toward the "
                    "article's target and its sentiment, and the article's tone. One output "
                    "record per input record (errors as {\"id\", \"error\"}).")
    p.add_argument("inputs", nargs="+", metavar="INPUT", help=INPUT_HELP)
    p.add_argument("--target", help="target for articles without one (default: a record's "
                                    "'target' field, else its title, else inferred from the lead)")
    p.add_argument("--model", help="model directory (default: the bundled model); a "
                                   "`newsstance baseline` directory runs the fast TF-IDF "
                                   "baseline; a `newsstance ensemble` directory pools its members")
    p.add_argument("--backend", choices=["onnx", "torch"], default="onnx",
                   help="onnx: ONNX Runtime int8 (default); torch: PyTorch, full precision")
    p.add_argument("--uncalibrated", action="store_true",
                   help="the model's raw probabilities, without the temperatures recorded by "
                        "`newsstance calibrate` (labels do not change, scores do)")
    p.add_argument("--format", choices=["jsonl", "csv", "html"], default="jsonl",
                   help="jsonl: one object per article (default); csv: one row per quote; "
                        "html: a visual report (needs -o; several articles: a corpus page "
                        "plus one page each in OUTPUT_STEM_files/)")
    p.add_argument("-o", "--output", help="output file (default: stdout)")
    p.add_argument("--input-format", choices=["txt", "jsonl", "csv", "html"],
                   help="force the input format (default: by suffix; stdin is sniffed)")
    p.add_argument("--batch-size", type=int, default=32, help="articles scored together")
    p.add_argument("--threads", type=int, help="ONNX Runtime threads (default: all cores)")
    p.add_argument("--n-process", type=int, default=1,
                   help="spaCy worker processes for quote extraction (the classifier runs in "
                        "the main process)")
    p.add_argument("--workers", type=int, default=1,
                   help="processes that each load the model and analyse whole articles with "
                        "one thread (2 on 2 cores: faster for many articles; each takes a few "
                        "seconds to start)")
    add_tagger_option(p)
    p.add_argument("--resume", action="store_true",
                   help="skip ids already in OUTPUT and append (a torn last record is redone)")
    p.set_defaults(func=run_analyze)

    e = sub.add_parser(
        "export-onnx", help="export a model directory to ONNX and int8 ONNX",
        description="Write model.onnx and model.int8.onnx (dynamic int8 quantization) into a "
                    "model directory, check them against PyTorch and record their sha256 in "
                    "newsstance.json.")
    e.add_argument("model_dir", metavar="MODEL_DIR", help="a trained model directory")
    e.add_argument("--no-quantize", action="store_true", help="skip the int8 model")
    e.add_argument("--opset", type=int, default=17, help="ONNX opset (default: 17)")
    e.add_argument("--bundle-to", metavar="DIR",
                   help="then copy only the files the ONNX backend needs (int8 graph, config, "
                        "tokenizer, checksums, model card) into DIR, e.g. inference/default_model")
    e.add_argument("--overwrite", action="store_true",
                   help="with --bundle-to: replace the bundle's files in a non-empty DIR")
    e.set_defaults(func=run_export)


def estimate_records(inputs: Sequence[str], input_format: str | None) -> int | None:
    """How many records ``inputs`` hold, cheaply (``None`` for stdin)."""
    from newsstance.inference.records import SUFFIXES

    total = 0
    for source in inputs:
        if source == "-":
            return None
        path = Path(source)
        files = sorted(p for p in path.rglob("*") if p.is_file()
                       and p.suffix.lower() in SUFFIXES) if path.is_dir() else [path]
        for f in files:
            fmt = input_format or SUFFIXES.get(f.suffix.lower())
            try:
                if fmt == "jsonl":
                    total += sum(1 for line in f.read_bytes().splitlines() if line.strip())
                elif fmt == "csv":
                    with f.open(encoding="utf-8", errors="replace", newline="") as fh:
                        total += max(0, sum(1 for _ in csv.reader(fh)) - 1)
                else:
                    total += 1
            except (OSError, csv.Error):
                total += 1
    return total


def _cell(value: Any) -> Any:
    """A CSV cell on one line (newlines and carriage returns become spaces)."""
    if isinstance(value, str):
        return " ".join(value.splitlines()) if ("\n" in value or "\r" in value) else value
    return "" if value is None else value


def csv_rows(obj: dict[str, Any], stance_labels: Sequence[str],
             sentiment_labels: Sequence[str]) -> list[list[Any]]:
    """Rows of one result: one per quote (an article without quotes or an error: one row)."""
    prob_cols = len(stance_labels) + len(sentiment_labels)
    width = len(ARTICLE_COLUMNS) + len(QUOTE_COLUMNS) + prob_cols + 1
    if "error" in obj:
        return [[obj["id"]] + [""] * (width - 2) + [obj["error"]]]
    tone = obj["tone"]
    head = [obj["id"], obj["target"], obj["target_source"], tone["label"], tone["score"]]
    if not obj["quotes"]:
        return [head + [""] * (len(QUOTE_COLUMNS) + prob_cols) + [""]]
    rows = []
    for i, q in enumerate(obj["quotes"]):
        st, se = q["stance"], q["sentiment"]
        stance_score = st["probs"].get("favor", 0.0) - st["probs"].get("against", 0.0)
        rows.append(head + [
            i, q["text"], q["start"], q["end"], q["type"], q["speaker"], q["speaker_name"],
            q["speaker_role"], q["organization"], st["label"], round(stance_score, 6),
            se["label"], se["score"],
            *[st["probs"].get(label) for label in stance_labels],
            *[se["probs"].get(label) for label in sentiment_labels], ""])
    return rows


class ResultWriter:
    """Writes results as JSONL or CSV, each article in one flushed write."""

    def __init__(self, handle: IO[str], fmt: str, labels: dict[str, list[str]],
                 header: bool) -> None:
        self.handle, self.fmt = handle, fmt
        self.stance_labels, self.sentiment_labels = labels["stance"], labels["sentiment"]
        if fmt == "csv" and header:
            self._write_rows([ARTICLE_COLUMNS + QUOTE_COLUMNS
                              + [f"stance_{x}" for x in self.stance_labels]
                              + [f"sentiment_{x}" for x in self.sentiment_labels] + ["error"]])

    def _write_rows(self, rows: Iterable[list[Any]]) -> None:
        buf = io.StringIO()
        writer = csv.writer(buf, lineterminator="\n")
        writer.writerows([[_cell(v) for v in row] for row in rows])
        self.handle.write(buf.getvalue())
        self.handle.flush()

    def write(self, obj: dict[str, Any]) -> None:
        if self.fmt == "csv":
            self._write_rows(csv_rows(obj, self.stance_labels, self.sentiment_labels))
        else:
            self.handle.write(json.dumps(obj, ensure_ascii=False) + "\n")
            self.handle.flush()


class ReportSink:
    """Feeds results to an HTML :class:`ReportWriter` with their records' text and metadata."""

    def __init__(self, path: str) -> None:
        from newsstance.inference.report_html import ReportWriter

        self.report = ReportWriter(path)
        self.pending: deque[Any] = deque()

    def remember(self, records: Iterable[Any]) -> Iterator[Any]:
        """Pass ``records`` on, keeping each until its result arrives (results come in order)."""
        for record in records:
            self.pending.append(record)
            yield record

    def write(self, obj: dict[str, Any]) -> None:
        record = self.pending.popleft()
        if record.id != obj.get("id"):  # never expected: results follow their records
            self.report.add(obj)
            return
        meta = {**record.extra, "title": record.title}
        self.report.add(obj, record.text if record.ok else None, meta)


def _skipping(records: Iterable[Any], done: set[str], counter: list[int]) -> Iterator[Any]:
    for record in records:
        if record.id in done:
            counter[0] += 1
            continue
        yield record


def run_analyze(args: argparse.Namespace) -> int:
    from tqdm import tqdm

    from newsstance.cli import CommandError
    from newsstance.inference.analyzer import ModelNotFoundError, NewsAnalyzer
    from newsstance.inference.output import open_output
    from newsstance.inference.records import read_sources
    from newsstance.inference.resume import prepare_resume

    if args.batch_size < 1:
        raise CommandError("--batch-size must be a positive number")
    if args.n_process < 1:
        raise CommandError("--n-process must be a positive number")
    if args.workers < 1:
        raise CommandError("--workers must be a positive number")
    if args.workers > 1 and args.n_process > 1:
        raise CommandError("use --workers or --n-process, not both")
    to_stdout = args.output in (None, "-")
    if args.format == "html" and to_stdout:
        raise CommandError("--format html needs an output file (-o report.html)")
    if args.format == "html" and args.resume:
        raise CommandError("--resume does not work with --format html (the report is written "
                           "whole at the end: run again without --resume)")
    if args.resume and to_stdout:
        raise CommandError("--resume needs an output file (-o OUT)")
    done: set[str] = set()
    if args.resume:
        try:
            done = prepare_resume(args.output, args.format)
        except (OSError, ValueError) as exc:
            raise CommandError(f"cannot resume from {args.output}: {exc}") from None
    started = time.perf_counter()
    try:
        if args.workers > 1:  # each worker loads its own; this process only if one dies
            extractor = load_extractor(args, deferred=True)
        else:
            extractor = None if args.tagger == "none" else load_extractor(args)
        analyzer = NewsAnalyzer.from_pretrained(args.model, backend=args.backend,
                                                threads=args.threads, extractor=extractor,
                                                calibrated=not args.uncalibrated)
    except (ModelNotFoundError, ValueError, OSError) as exc:
        raise CommandError(str(exc)) from None
    load_time = time.perf_counter() - started
    total = estimate_records(args.inputs, args.input_format)
    if total is not None:
        total = max(0, total - len(done))
    skipped = [0]
    records = _skipping(read_sources(args.inputs, args.input_format), done, skipped)
    sink = ReportSink(args.output) if args.format == "html" else None
    if sink is not None:
        records = sink.remember(records)
    append = args.resume and not to_stdout and Path(args.output).is_file()
    header = not (append and Path(args.output).stat().st_size > 0)
    n = quotes = errors = 0
    t0 = time.perf_counter()
    opened = nullcontext(sys.stdout) if sink is not None else open_output(args.output, append)
    with opened as out:
        writer: ReportSink | ResultWriter = sink if sink is not None else ResultWriter(
            out, args.format, analyzer.classifier.labels, header)
        bar = tqdm(total=total, desc="articles", unit="art", file=sys.stderr, disable=None,
                   dynamic_ncols=True)
        try:
            for result in analyzer.analyze_many(records, batch_size=args.batch_size,
                                                target=args.target, n_process=args.n_process,
                                                workers=args.workers):
                writer.write(result.to_dict())
                n += 1
                if result.ok:
                    quotes += len(result.quotes)
                else:
                    errors += 1
                bar.update()
        finally:
            bar.close()
    report = sink.report.close() if sink is not None else None
    elapsed = time.perf_counter() - t0
    rate = n / elapsed if elapsed > 0 else 0.0
    print(f"{n} article(s) in {elapsed:.1f}s ({rate:.2f}/s), {quotes} quote(s), "
          f"{errors} error(s)" + (f", {skipped[0]} skipped (already in output)"
                                  if args.resume else "")
          + f"; model loaded in {load_time:.1f}s ({analyzer.model.get('backend')})"
          + (f"; report: {report}" if report else ""), file=sys.stderr)
    return 0


def run_export(args: argparse.Namespace) -> int:
    from newsstance.cli import CommandError
    from newsstance.inference.onnx_export import export_onnx

    try:
        report = export_onnx(args.model_dir, quantize=not args.no_quantize, opset=args.opset)
        if args.bundle_to:
            if args.no_quantize:
                raise ValueError("--bundle-to needs the int8 model: drop --no-quantize")
            from newsstance.inference.bundle import bundle_model

            written = bundle_model(args.model_dir, args.bundle_to, overwrite=args.overwrite)
            report["bundle"] = {p.name: p.stat().st_size for p in written}
    except (ValueError, OSError) as exc:
        raise CommandError(str(exc)) from None
    print(json.dumps(report, indent=2))
    return 0
