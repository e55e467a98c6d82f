"""HTML reports: highlighting, escaping, corpus aggregates, links, self-containment, the CLI."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote

import pytest

from newsstance.inference.report_corpus import CorpusStats, parse_date
from newsstance.inference.report_html import (
    ReportWriter,
    article_page,
    corpus_page,
    highlight,
    safe_name,
    write_report,
)
from newsstance.inference.report_style import (
    INK,
    MUTED,
    PAPER,
    STYLES,
    contrast_ratio,
)
from newsstance.inference.report_svg import (
    diverging_bars,
    probability_bar,
    stacked_bars,
    time_series,
)

EXAMPLE = (Path(__file__).resolve().parents[1] / "examples" / "article.txt").read_text(
    encoding="utf-8")
TEXT = ('Acme said "We are proud to support the plan." Jane Doe, an employee, said '
        '"I will leave." A union leader said "This is <b>bad</b> & wrong."')
EVIL = '<script>alert(1)</script><img src=x onerror="alert(2)">'
VOID = {"meta", "br", "img", "input", "link", "hr", "source", "base", "col", "wbr", "area"}


# -- helpers ------------------------------------------------------------------------------------

class Node:
    def __init__(self, tag: str, attrs: dict[str, str | None], parent: Node | None) -> None:
        self.tag, self.attrs, self.parent = tag, attrs, parent
        self.children: list[Node | str] = []

    def classes(self) -> set[str]:
        return set((self.attrs.get("class") or "").split())

    def text(self, skip: set[str] = frozenset()) -> str:
        return "".join(c if isinstance(c, str) else
                       ("" if c.classes() & skip else c.text(skip)) for c in self.children)

    def iter(self):
        yield self
        for c in self.children:
            if isinstance(c, Node):
                yield from c.iter()

    def find_all(self, tag: str | None = None, cls: str | None = None) -> list[Node]:
        return [n for n in self.iter() if (tag is None or n.tag == tag)
                and (cls is None or cls in n.classes())]


class TreeBuilder(HTMLParser):
    """A small DOM from html.parser (enough to inspect our own pages)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = self.cur = Node("#root", {}, None)

    def handle_starttag(self, tag, attrs):
        node = Node(tag, dict(attrs), self.cur)
        self.cur.children.append(node)
        if tag not in VOID:
            self.cur = node

    def handle_startendtag(self, tag, attrs):
        self.cur.children.append(Node(tag, dict(attrs), self.cur))

    def handle_endtag(self, tag):
        node = self.cur
        while node is not None and node.tag != tag:
            node = node.parent
        if node is not None and node.parent is not None:
            self.cur = node.parent

    def handle_data(self, data):
        self.cur.children.append(data)


def dom(html: str) -> Node:
    builder = TreeBuilder()
    builder.feed(html)
    builder.close()
    return builder.root


def external_refs(html: str) -> list[str]:
    """Resource references that would need a network (or a script) in a page."""
    found = []
    for node in dom(html).iter():
        for name, value in node.attrs.items():
            value = (value or "").strip().lower()
            if name in ("src", "href", "action", "srcset", "data", "xlink:href") and \
                    re.match(r"(https?:)?//", value):
                found.append(f"{node.tag}[{name}]={value}")
            if name.startswith("on"):
                found.append(f"{node.tag}[{name}]")
        if node.tag in ("script", "link", "img", "iframe", "object", "embed"):
            found.append(node.tag)
    for style in re.findall(r"<style>(.*?)</style>", html, flags=re.S):
        found += [f"css {m}" for m in re.findall(r"@import|url\(", style)]
    return found


def quote(text: str, part: str, stance: str = "neutral", speaker: str | None = "Acme",
          role: str = "company", sentiment: str = "neutral", **kw) -> dict:
    start = text.index(part)
    probs = {"favor": 0.1, "against": 0.1, "neutral": 0.1}
    probs[stance] = 0.8
    return {"text": part, "start": start, "end": start + len(part), "type": "direct",
            "speaker": speaker, "speaker_start": None, "speaker_end": None,
            "speaker_name": speaker, "speaker_role": role, "organization": None,
            "stance": {"label": stance, "probs": probs},
            "sentiment": {"label": sentiment, "score": 0.0,
                          "probs": {"positive": 0.2, "negative": 0.2, "neutral": 0.6}}, **kw}


def result(rid: str, quotes: list[dict], tone: float = 0.0, target: str = "the plan") -> dict:
    label = "positive" if tone > 0 else "negative" if tone < 0 else "neutral"
    return {"id": rid, "target": target, "target_source": "given",
            "tone": {"label": label, "score": tone,
                     "probs": {"positive": 0.3, "negative": 0.3, "neutral": 0.4}},
            "quotes": quotes, "by_role": {"company": {"quotes": len(quotes),
                                                      "stance_score": 0.5,
                                                      "sentiment_score": -0.25}},
            "model": {"name": "tiny", "version": "0", "backend": "onnx"}}


def text_quotes() -> list[dict]:
    return [quote(TEXT, "We are proud to support the plan.", "favor", "Acme", "company"),
            quote(TEXT, "I will leave.", "against", "Jane Doe", "employee", "negative"),
            quote(TEXT, "This is <b>bad</b> & wrong.", "neutral", None, "advocate")]


# -- one article --------------------------------------------------------------------------------

def test_quotes_highlighted_at_their_offsets():
    quotes = text_quotes()
    root = dom(article_page(result("a1", quotes), TEXT))
    marks = root.find_all("mark", "quote")
    assert len(marks) == 3
    for mark, q in zip(marks, quotes, strict=True):
        start, end = int(mark.attrs["data-start"]), int(mark.attrs["data-end"])
        assert (start, end) == (q["start"], q["end"])
        assert mark.find_all("span", "qtext")[0].text() == TEXT[start:end] == q["text"]
        assert f"l-{q['stance']['label']}" in mark.classes()
        assert q["stance"]["label"] in mark.find_all("span", "qtag")[0].text()  # not colour only
        who = mark.find_all("span", "qwho")[0].text()
        assert (q["speaker_name"] or "unattributed") in who and q["speaker_role"] in who
    [body] = root.find_all("div", "article-text")
    assert body.text(skip={"qtag", "qwho"}) == TEXT  # nothing lost, nothing moved


def test_overlapping_and_bad_offsets_do_not_break_the_text():
    quotes = [quote(TEXT, "We are proud to support the plan.", "favor"),
              {**quote(TEXT, "the plan.", "against"), "start": TEXT.index("support")},
              {**quote(TEXT, "I will leave.", "neutral"), "start": 5, "end": 10_000},
              {**quote(TEXT, "I will leave.", "neutral"), "start": 7, "end": 7}]
    root = dom("<div>" + highlight(TEXT, quotes) + "</div>")
    marks = root.find_all("mark")
    assert len(marks) == 1  # the overlap is cut to nothing; bad offsets are skipped
    assert root.text(skip={"qtag", "qwho"}) == TEXT


def test_article_text_is_escaped():
    text = f"Intro {EVIL}. \"Quote {EVIL}\" said Jane Doe."
    q = quote(text, f"Quote {EVIL}", "favor", speaker=f"Jane {EVIL}", role="other")
    res = {**result(f"id{EVIL}", [q], target=f"t{EVIL}"), "model": {"name": EVIL}}
    html = article_page(res, text, {"title": EVIL, "date": EVIL, "source": EVIL})
    root = dom(html)
    assert not root.find_all("script") and not root.find_all("img") and not root.find_all("b")
    assert external_refs(html) == []
    assert "<script>" not in html and "&lt;script&gt;" in html
    [body] = root.find_all("div", "article-text")
    assert body.text(skip={"qtag", "qwho"}) == text
    stats = CorpusStats()
    stats.add(res, {"title": EVIL, "source": EVIL, "date": "2024-01-01"}, href="x.html")
    stats.add({"id": EVIL, "error": EVIL})
    html = corpus_page(stats, title=EVIL)
    root = dom(html)
    assert not root.find_all("script") and not root.find_all("img")
    assert external_refs(html) == []


def test_error_result_page():
    html = article_page({"id": "x", "error": "empty text"}, None)
    assert "Not analysed: empty text" in html


# -- corpus -------------------------------------------------------------------------------------

def _corpus() -> list[tuple[dict, dict]]:
    q = text_quotes()
    return [
        (result("a", q[:2], tone=0.5), {"date": "2024-03-01", "source": "BBC"}),
        (result("b", [q[0], quote(TEXT, "I will leave.", "against", "ACME ", "company")],
                tone=-0.25), {"date": "2024-03-01T10:00:00Z", "source": "CNN"}),
        (result("c", [q[2]], tone=-0.5), {"date": "2024-03-05", "source": "BBC"}),
        (result("d", [], tone=0.0), {"date": "not a date", "outlet": "Reuters"}),
        ({"id": "bad", "error": "empty text"}, {"date": "2024-03-09", "source": "BBC"}),
    ]


def test_corpus_aggregates():
    stats = CorpusStats()
    for res, meta in _corpus():
        stats.add(res, meta)
    granularity, periods = stats.tone_by_period()
    assert granularity == "day"
    assert [(p.label, p.n, p.mean) for p in periods] == [("2024-03-01", 2, 0.125),
                                                          ("2024-03-05", 1, -0.5)]
    assert stats.tone_by_outlet() == [("BBC", 2, 0.0), ("CNN", 1, -0.25), ("Reuters", 1, 0.0)]
    roles = {role: (dict(counts), round(mean, 6)) for role, counts, mean in stats.roles()}
    assert roles == {"company": ({"favor": 2, "against": 1}, round((0.7 + 0.7 - 0.7) / 3, 6)),
                     "employee": ({"against": 1}, -0.7), "advocate": ({"neutral": 1}, 0.0)}
    assert [r for r, _, _ in stats.roles()][0] == "company"  # most quotes first
    top = stats.top_speakers()
    assert [(s.name, s.quotes, len(s.articles)) for s in top] == [("Acme", 3, 2),
                                                                 ("Jane Doe", 1, 1)]
    assert dict(top[0].stance) == {"favor": 2, "against": 1}
    assert stats.unattributed == 1
    assert [a.id for a in stats.errors] == ["bad"] and stats.errors[0].error == "empty text"
    assert stats.quote_count == 5 and len(stats.ok_articles) == 4


def test_tone_by_month_when_dates_span_long():
    stats = CorpusStats()
    for i, d in enumerate(["2023-01-15", "2023-01-20", "2023-06-01", "2023-06"]):
        stats.add(result(str(i), [], tone=0.2 * i), {"date": d})
    granularity, periods = stats.tone_by_period()
    assert granularity == "month"
    assert [(p.label, p.n, round(p.mean, 6)) for p in periods] == [("2023-01", 2, 0.1),
                                                                   ("2023-06", 2, 0.5)]


def test_parse_date():
    assert parse_date("2024-02-30") is None and parse_date("yesterday") is None
    assert parse_date(None) is None and parse_date(20240101) is None
    assert parse_date("2024/3/5")[0].isoformat() == "2024-03-05"
    assert parse_date("2024-03")[1] is False


def test_corpus_page_sections_and_charts():
    stats = CorpusStats()
    for res, meta in _corpus():
        stats.add(res, meta, href=f"r_files/{res['id']}.html")
    root = dom(corpus_page(stats))
    svgs = {c for s in root.find_all("svg") for c in s.classes() if c.startswith("chart-")}
    assert svgs == {"chart-time", "chart-diverging", "chart-stacked"}
    assert [n.text() for n in root.find_all("li", "error-item")] == ["bad: empty text"]
    assert len(root.find_all("a", "article-link")) == 4
    assert len(root.find_all("tr", "speaker-row")) == 2


def test_charts_are_well_formed_svg():
    charts = [diverging_bars([("BBC", 0.4, 3), ("a & <b>", -1.5, 1)], "t & <t>"),
              stacked_bars([("company", {"favor": 2, "against": 1, "odd": 1})],
                           ("favor", "neutral", "against"), "s"),
              time_series([(1, "d1", 0.5, 1), (4, "d4", -0.5, 2), (5, "d5", 0.0, 1)], "ts"),
              time_series([(1, "only", 0.2, 1)], "one point"),
              probability_bar({"positive": 0.2, "negative": 0.5, "neutral": 0.3},
                              ("positive", "neutral", "negative"), "p")]
    for svg in charts:
        tree = ET.fromstring(svg)
        assert tree.tag == "svg" and tree.find("title") is not None
    points = ET.fromstring(charts[2]).findall(".//circle")
    xs = [float(c.get("cx")) for c in points]
    assert xs[1] - xs[0] == pytest.approx(3 * (xs[2] - xs[1]))  # gaps between dates show


def test_colours_meet_wcag_aa():
    assert contrast_ratio("#000000", "#ffffff") == pytest.approx(21)
    assert contrast_ratio(MUTED, PAPER) >= 4.5 and contrast_ratio(INK, PAPER) >= 4.5
    for style in STYLES.values():
        assert contrast_ratio(INK, style.tint) >= 4.5       # text on highlighted quotes
        assert contrast_ratio(style.strong, PAPER) >= 3.0   # bars and borders (non-text)


# -- files --------------------------------------------------------------------------------------

def test_safe_names_are_unique_and_safe():
    taken: set[str] = set()
    ids = ["a1", "A1", "a1", "../../etc/passwd", "", "x" * 300, "日本語", "a b/c", "a_b_c"]
    names = [safe_name(i, taken) for i in ids]
    assert len({n.lower() for n in names}) == len(ids)
    assert all(re.fullmatch(r"[A-Za-z0-9_-]{1,80}\.html", n) for n in names)


def _write_corpus(tmp_path: Path) -> tuple[Path, list[dict]]:
    results, texts, metas = [], [], []
    for i, rid in enumerate(["a/1", "a_1", "A/1", "dup", "dup", EVIL, "plain"]):
        q = text_quotes()[: 1 + i % 3]
        results.append(result(rid, q, tone=0.1 * i))
        texts.append(TEXT + " https://example.com/x.js")
        metas.append({"date": f"2024-05-{i + 1:02d}", "source": "BBC" if i % 2 else "CNN",
                      "title": f"Story {i}"})
    results.insert(3, {"id": "broken", "error": "line 4: invalid JSON"})
    texts.insert(3, None)
    metas.insert(3, {})
    path = write_report(results, texts, tmp_path / "out" / "my report.html", meta=metas)
    return path, results


def test_corpus_links_resolve_and_back(tmp_path):
    path, results = _write_corpus(tmp_path)
    assert path == tmp_path / "out" / "my report.html"
    root = dom(path.read_text(encoding="utf-8"))
    links = [a.attrs["href"] for a in root.find_all("a", "article-link")]
    assert len(links) == len([r for r in results if "error" not in r]) == 7
    targets = [(path.parent / unquote(h)).resolve() for h in links]
    assert len(set(targets)) == 7
    folder = (tmp_path / "out" / "my report_files").resolve()
    assert sorted(targets) == sorted(p.resolve() for p in folder.iterdir())
    for target, res in zip(targets, [r for r in results if "error" not in r], strict=True):
        page_root = dom(target.read_text(encoding="utf-8"))
        [back] = [a for a in page_root.find_all("a") if a.parent.tag == "nav"]
        assert (target.parent / unquote(back.attrs["href"])).resolve() == path.resolve()
        assert len(page_root.find_all("mark", "quote")) == len(res["quotes"])
    assert "broken" in root.find_all("li", "error-item")[0].text()


def test_reports_are_self_contained(tmp_path):
    path, _ = _write_corpus(tmp_path)
    pages = [path, *path.with_name(f"{path.stem}_files").iterdir()]
    for page_path in pages:
        html = page_path.read_text(encoding="utf-8")
        assert external_refs(html) == [], page_path
        assert "Content-Security-Policy" in html and "@media print" in html
    # the checker itself can fail
    assert external_refs('<a href="https://x.org/">x</a><img src="//cdn/x.png">') != []
    assert external_refs("<style>@import 'x.css';</style>") != []


def test_one_article_is_one_page(tmp_path):
    path = write_report([result("only", text_quotes())], [TEXT], tmp_path / "r.html")
    root = dom(path.read_text(encoding="utf-8"))
    assert len(root.find_all("mark", "quote")) == 3 and not root.find_all("nav")
    assert not (tmp_path / "r_files").exists()
    path = write_report([{"id": "bad", "error": "empty text"}], [None], tmp_path / "e.html")
    assert "bad" in dom(path.read_text()).find_all("li", "error-item")[0].text()


def test_write_report_takes_objects_and_text_by_id(tmp_path):
    from newsstance.inference.quote import Quote
    from newsstance.inference.result import (
        ArticleResult,
        Prediction,
        QuoteResult,
        summarize_roles,
    )

    start = EXAMPLE.index("I")
    q = QuoteResult(Quote(EXAMPLE[start:start + 5], start, start + 5, speaker_name="X"),
                    Prediction("favor", {"favor": 0.8, "against": 0.1, "neutral": 0.1}),
                    Prediction("positive", {"positive": 0.8, "negative": 0.1, "neutral": 0.1},
                               0.7))
    objs = [ArticleResult(id=rid, target="t", target_source="given",
                          tone=Prediction("neutral", {"positive": .3, "negative": .3,
                                                      "neutral": .4}, 0.0),
                          quotes=[q], by_role=summarize_roles([q])) for rid in ("e1", "e2")]
    path = write_report(objs, {"e1": EXAMPLE, "e2": EXAMPLE}, tmp_path / "r.html")
    for page_path in (tmp_path / "r_files").iterdir():
        [mark] = dom(page_path.read_text()).find_all("mark", "quote")
        assert mark.find_all("span", "qtext")[0].text() == EXAMPLE[start:start + 5]
    assert path.is_file()


def test_writer_streams_article_pages(tmp_path):
    writer = ReportWriter(tmp_path / "s.html")
    writer.add(result("one", []), TEXT)
    assert not (tmp_path / "s_files").exists()  # one article so far: it may be the only one
    writer.add(result("two", []), TEXT)
    assert len(list((tmp_path / "s_files").iterdir())) == 2
    writer.close()
    assert "corpus-page" in (tmp_path / "s.html").read_text()


# -- CLI ----------------------------------------------------------------------------------------

def _cli_input(folder: Path) -> Path:
    path = folder / "in.jsonl"
    lines = [json.dumps({"id": "a1", "text": EXAMPLE, "date": "2024-02-01", "source": "BBC",
                         "title": "Cloud contract"}),
             json.dumps({"id": "a/2", "text": '"We love the plan," said Jane Doe.',
                         "date": "2024-02-03", "source": "CNN", "title": EVIL}),
             json.dumps({"id": "empty", "text": "", "date": "2024-02-04", "source": "BBC"}),
             "{broken json",
             json.dumps({"id": "a3", "text": EXAMPLE, "date": "2024-02-03", "source": "BBC"})]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_cli_html_corpus(tmp_path, shared_analyzer, capsys):
    from newsstance.cli import main

    inp = _cli_input(tmp_path)
    out, jl = tmp_path / "report.html", tmp_path / "out.jsonl"
    assert main(["analyze", str(inp), "--model", str(shared_analyzer), "-o", str(jl)]) == 0
    rows = {r["id"]: r for r in map(json.loads, jl.read_text().splitlines())}
    assert main(["analyze", str(inp), "--model", str(shared_analyzer), "--format", "html",
                 "-o", str(out), "--batch-size", "2"]) == 0
    assert "5 article(s)" in capsys.readouterr().err
    html = out.read_text(encoding="utf-8")
    root = dom(html)
    assert external_refs(html) == [] and not root.find_all("script")
    assert {n.attrs["class"] for n in root.find_all("svg")} >= {
        "chart chart-time", "chart chart-diverging", "chart chart-stacked"}
    errors = [li.text() for li in root.find_all("li", "error-item")]
    assert len(errors) == 2 and errors[0] == "empty: empty text"
    assert errors[1].startswith("in:4: line 4: invalid JSON")
    links = {a.attrs["href"] for a in root.find_all("a", "article-link")}
    assert len(links) == 3
    for href in links:
        page_root = dom((tmp_path / unquote(href)).read_text(encoding="utf-8"))
        rid = page_root.find_all("p", "meta")[0].text().split(" · ")[0].removeprefix("id ")
        marks = page_root.find_all("mark", "quote")
        assert len(marks) == len(rows[rid]["quotes"]) > 0
        for mark, q in zip(marks, rows[rid]["quotes"], strict=True):
            assert mark.attrs["data-stance"] == q["stance"]["label"]
            assert mark.find_all("span", "qtext")[0].text() == q["text"]
    assert "Cloud contract" in html and "&lt;script&gt;" in html


def test_cli_html_single_article(tmp_path, shared_analyzer):
    from newsstance.cli import main

    src = Path(__file__).resolve().parents[1] / "examples" / "article.txt"
    out = tmp_path / "one.html"
    assert main(["analyze", str(src), "--model", str(shared_analyzer), "--format", "html",
                 "-o", str(out)]) == 0
    root = dom(out.read_text(encoding="utf-8"))
    assert "article-page" in root.find_all("body")[0].classes()
    assert len(root.find_all("mark", "quote")) >= 5
    assert not (tmp_path / "one_files").exists()


def test_cli_html_usage_errors(tmp_path, shared_analyzer, capsys):
    from newsstance.cli import main

    inp = str(_cli_input(tmp_path))
    assert main(["analyze", inp, "--model", str(shared_analyzer), "--format", "html"]) == 2
    assert "--format html needs an output file" in capsys.readouterr().err
    assert main(["analyze", inp, "--model", str(shared_analyzer), "--format", "html",
                 "-o", str(tmp_path / "r.html"), "--resume"]) == 2
    assert "--resume does not work with --format html" in capsys.readouterr().err
    assert not (tmp_path / "r.html").exists()
