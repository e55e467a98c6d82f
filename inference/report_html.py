"""Self-contained HTML reports of analysed articles (``newsstance analyze --format html``).

    from newsstance.inference.report_html import write_report
    write_report(results, texts, "report.html", meta=[{"date": ..., "source": ...}, ...])

One article gives one page; several give a corpus page plus one page per article in a sibling
folder (``report_files/``). Pages hold no scripts and load nothing: inline CSS and SVG only, and a
Content-Security-Policy that forbids any external resource. All text is escaped.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Mapping, Sequence
from html import escape
from pathlib import Path
from types import TracebackType
from typing import Any
from urllib.parse import quote as url_quote

from newsstance.inference.report_corpus import ArticleSummary, CorpusStats, meta_text
from newsstance.inference.report_style import (
    CSS,
    SENTIMENT_ORDER,
    STANCE_ORDER,
    css_class,
    style_of,
)
from newsstance.inference.report_svg import (
    diverging_bars,
    probability_bar,
    stacked_bars,
    time_series,
)

CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"
#: Longest file-name stem kept from an article id.
MAX_NAME = 60


def _e(value: Any) -> str:
    return escape("" if value is None else str(value), quote=True)


def _as_dict(result: Any) -> dict[str, Any]:
    return result.to_dict() if hasattr(result, "to_dict") else dict(result)


def badge(label: str, extra: str = "") -> str:
    """A label as a coloured badge with its marker and word (colour is never the only cue)."""
    style = style_of(label)
    return (f'<span class="badge l-{css_class(label)}" data-label="{_e(label)}">'
            f'{style.marker} {_e(label)}{_e(extra)}</span>')


def page(title: str, body: str, page_class: str) -> str:
    """A complete HTML document around ``body``."""
    return ("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
            f'<meta http-equiv="Content-Security-Policy" content="{CSP}">\n'
            '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
            f"<title>{_e(title)}</title>\n<style>{CSS}</style>\n</head>\n"
            f'<body class="{page_class}">\n{body}\n</body>\n</html>\n')


# -- one article --------------------------------------------------------------------------------

def _speaker(q: Mapping[str, Any]) -> str:
    return meta_text(q.get("speaker_name") or q.get("speaker")) or "unattributed"


def _placed(text: str, quotes: Sequence[Mapping[str, Any]]) -> list[tuple[int, int, int]]:
    """``(start, end, index)`` of the quotes to highlight, in text order: offsets outside the text
    are dropped and a quote overlapping an earlier one is cut to start after it."""
    spans = sorted((int(q.get("start", -1)), int(q.get("end", -1)), i)
                   for i, q in enumerate(quotes))
    placed: list[tuple[int, int, int]] = []
    last = 0
    for start, end, i in spans:
        start = max(start, last)
        if 0 <= start < end <= len(text):
            placed.append((start, end, i))
            last = end
    return placed


def highlight(text: str, quotes: Sequence[Mapping[str, Any]]) -> str:
    """The escaped article text with each quote wrapped in a ``<mark class="quote l-<stance>">``
    that starts with a numbered stance tag and ends with the speaker, role and sentiment."""
    parts: list[str] = []
    at = 0
    for start, end, i in _placed(text, quotes):
        q = quotes[i]
        stance = str((q.get("stance") or {}).get("label", "neutral"))
        sentiment = str((q.get("sentiment") or {}).get("label", ""))
        role = q.get("speaker_role") or "other"
        style = style_of(stance)
        who = f"— {_speaker(q)}, {role}" + (f" · sentiment {sentiment}" if sentiment else "")
        parts.append(_e(text[at:start]))
        parts.append(
            f'<mark class="quote l-{css_class(stance)}" id="q{i + 1}" data-stance="{_e(stance)}" '
            f'data-role="{_e(role)}" data-start="{start}" data-end="{end}">'
            f'<span class="qtag">{i + 1} {style.marker} {_e(stance)}</span>'
            f'<span class="qtext">{_e(text[start:end])}</span>'
            f'<span class="qwho">{_e(who)}</span></mark>')
        at = end
    parts.append(_e(text[at:]))
    return "".join(parts)


def _legend() -> str:
    items = "".join(f"<li>{badge(label)}</li>" for label in STANCE_ORDER)
    return (f'<ul class="legend" aria-label="Stance legend">{items}</ul>'
            '<p class="note">Each quote is marked by its stance toward the target: colour, '
            'marker (▲ favor, ▼ against, ● neutral) and underline (solid, double, dashed).</p>')


def _quote_table(quotes: Sequence[Mapping[str, Any]]) -> str:
    if not quotes:
        return '<p class="note">No quotes found.</p>'
    rows = []
    for i, q in enumerate(quotes, 1):
        st, se = q.get("stance") or {}, q.get("sentiment") or {}
        probs = ", ".join(f"{k} {float(v):.2f}" for k, v in (st.get("probs") or {}).items())
        org = f" ({q['organization']})" if q.get("organization") else ""
        rows.append(
            f'<tr class="quote-row"><td class="num"><a href="#q{i}">{i}</a></td>'
            f"<td>{_e(q.get('text', ''))}</td><td>{_e(_speaker(q))}{_e(org)}</td>"
            f"<td>{_e(q.get('speaker_role') or 'other')}</td><td>{_e(q.get('type', ''))}</td>"
            f"<td>{badge(str(st.get('label', '')))}<br><small>{_e(probs)}</small></td>"
            f"<td>{badge(str(se.get('label', '')))}<br><small>score "
            f"{float(se.get('score', 0.0)):+.2f}</small></td></tr>")
    return ("<table class=\"quotes\"><thead><tr><th class=\"num\">#</th><th>Quote</th>"
            "<th>Speaker</th><th>Role</th><th>Type</th><th>Stance</th><th>Sentiment</th>"
            "</tr></thead><tbody>" + "".join(rows) + "</tbody></table>")


def _role_table(by_role: Mapping[str, Mapping[str, Any]]) -> str:
    if not by_role:
        return '<p class="note">No quotes, so no roles.</p>'
    rows = "".join(
        f'<tr><td>{_e(role)}</td><td class="num">{int(s.get("quotes", 0))}</td>'
        f'<td class="num">{float(s.get("stance_score", 0)):+.2f}</td>'
        f'<td class="num">{float(s.get("sentiment_score", 0)):+.2f}</td></tr>'
        for role, s in by_role.items())
    return ('<table class="roles"><caption class="note">Mean scores run from −1 (against / '
            'negative) to +1 (favor / positive).</caption><thead><tr><th>Role</th>'
            '<th class="num">Quotes</th><th class="num">Mean stance</th>'
            '<th class="num">Mean sentiment</th></tr></thead><tbody>' + rows + "</tbody></table>")


def article_page(result: Mapping[str, Any], text: str | None,
                 meta: Mapping[str, Any] | None = None, back_href: str | None = None) -> str:
    """The page of one analysed article (``ArticleResult.to_dict()``) and its text."""
    meta = meta or {}
    rid = str(result.get("id", ""))
    title = meta_text(meta.get("title")) or rid
    facts = [f"id {rid}"] + [f"{k} {v}" for k in ("date", "source")
                             if (v := meta_text(meta.get(k)))]
    body = []
    if back_href:
        body.append(f'<nav class="back"><a href="{_e(back_href)}">← All articles</a></nav>')
    body.append(f'<header><h1>{_e(title)}</h1><p class="meta">{_e(" · ".join(facts))}</p>'
                "</header>")
    if "error" in result:
        body.append(f'<p class="error">Not analysed: {_e(result["error"])}</p>')
        return page(title, "\n".join(body), "article-page")
    tone = result.get("tone") or {}
    tone_probs = tone.get("probs") or {}
    quotes = list(result.get("quotes") or [])
    model = result.get("model") or {}
    body.append(
        '<section aria-labelledby="h-summary"><h2 id="h-summary">Summary</h2>'
        '<dl class="facts">'
        f'<dt>Target</dt><dd><span class="target">{_e(result.get("target", ""))}</span> '
        f'<span class="note">(source: {_e(result.get("target_source", ""))})</span></dd>'
        f'<dt>Tone</dt><dd class="tone">{badge(str(tone.get("label", "")))} score '
        f'{float(tone.get("score", 0.0)):+.2f} <span class="note">('
        + _e(", ".join(f"{k} {float(v):.2f}" for k, v in tone_probs.items())) + ")</span></dd>"
        f"<dt>Quotes</dt><dd>{len(quotes)}</dd></dl>"
        '<figure>' + probability_bar(tone_probs, SENTIMENT_ORDER, "Tone probabilities",
                                     chart_id="tone-probs")
        + '<figcaption>Tone probabilities of the whole article.</figcaption></figure></section>')
    body.append('<section aria-labelledby="h-text"><h2 id="h-text">Article text</h2>'
                + _legend())
    if text is None:
        body.append('<p class="note">The article text is not available.</p></section>')
    else:
        body.append(f'<div class="article-text">{highlight(text, quotes)}</div></section>')
    body.append('<section aria-labelledby="h-quotes"><h2 id="h-quotes">Quotes</h2>'
                + _quote_table(quotes) + "</section>")
    body.append('<section aria-labelledby="h-roles"><h2 id="h-roles">By speaker role</h2>'
                + _role_table(result.get("by_role") or {}) + "</section>")
    if model:
        body.append('<footer><p>Model: ' + _e(" · ".join(f"{k} {v}" for k, v in model.items()))
                    + "</p></footer>")
    return page(title, "\n".join(body), "article-page")


# -- many articles ------------------------------------------------------------------------------

def _tone_table(first_header: str, rows: list[tuple[str, int, float]]) -> str:
    """A data table of ``(label, articles, mean tone)`` rows, shown under a tone chart."""
    body = "".join(f'<tr><td>{_e(label)}</td><td class="num">{n}</td>'
                   f'<td class="num">{mean:+.2f}</td></tr>' for label, n, mean in rows)
    return (f"<table class='data'><thead><tr><th>{_e(first_header)}</th>"
            '<th class="num">Articles</th><th class="num">Mean tone</th></tr></thead><tbody>'
            + body + "</tbody></table>")


def _time_section(stats: CorpusStats) -> str:
    granularity, periods = stats.tone_by_period()
    head = '<section aria-labelledby="h-time"><h2 id="h-time">Tone over time</h2>'
    if not periods:
        return head + ('<p class="note">No article has a usable <code>date</code> field '
                       "(YYYY-MM-DD).</p></section>")
    points = [(p.start.toordinal() if granularity == "day"
               else p.start.year * 12 + p.start.month, p.label, p.mean, p.n) for p in periods]
    return (head + "<figure>" + time_series(points, f"Mean tone per {granularity}",
                                            chart_id="tone-time")
            + f"<figcaption>Mean article tone per {granularity} "
            f"({sum(p.n for p in periods)} dated articles).</figcaption></figure>"
            + _tone_table(granularity, [(p.label, p.n, p.mean) for p in periods])
            + "</section>")


def _outlet_section(stats: CorpusStats) -> str:
    rows = stats.tone_by_outlet()
    head = '<section aria-labelledby="h-outlet"><h2 id="h-outlet">Tone by outlet</h2>'
    if not rows:
        return head + '<p class="note">No article has a <code>source</code> field.</p></section>'
    bars = [(name, mean, n) for name, n, mean in rows]
    return (head + "<figure>" + diverging_bars(bars, "Mean tone by outlet", chart_id="tone-outlet")
            + "<figcaption>Mean article tone per outlet (n = articles).</figcaption></figure>"
            + _tone_table("Outlet", list(rows)) + "</section>")


def _role_section(stats: CorpusStats) -> str:
    rows = stats.roles()
    head = '<section aria-labelledby="h-roles"><h2 id="h-roles">Stance by speaker role</h2>'
    if not rows:
        return head + '<p class="note">No quotes found.</p></section>'
    labels = list(STANCE_ORDER) + sorted({k for _, c, _ in rows for k in c
                                          if k not in STANCE_ORDER})
    table = "".join(
        f"<tr><td>{_e(role)}</td>"
        + "".join(f'<td class="num">{counts.get(k, 0)}</td>' for k in labels)
        + f'<td class="num">{sum(counts.values())}</td><td class="num">{mean:+.2f}</td></tr>'
        for role, counts, mean in rows)
    return (head + "<figure>" + stacked_bars([(r, c) for r, c, _ in rows], STANCE_ORDER,
                                             "Stance of quotes by speaker role",
                                             chart_id="stance-role")
            + "<figcaption>Share of each role's quotes by stance toward their article's target."
            "</figcaption></figure><table><thead><tr><th>Role</th>"
            + "".join(f'<th class="num">{badge(k)}</th>' for k in labels)
            + '<th class="num">Quotes</th><th class="num">Mean stance</th></tr></thead><tbody>'
            + table + "</tbody></table></section>")


def _speaker_section(stats: CorpusStats, n: int = 15) -> str:
    top = stats.top_speakers(n)
    head = ('<section aria-labelledby="h-speakers"><h2 id="h-speakers">Most-quoted speakers'
            "</h2>")
    if not top:
        return head + '<p class="note">No attributed quotes.</p></section>'
    rows = "".join(
        f'<tr class="speaker-row"><td>{_e(s.name)}</td><td>{_e(s.role)}</td>'
        f"<td>{_e(s.organization)}</td><td class=\"num\">{s.quotes}</td>"
        f'<td class="num">{len(s.articles)}</td>'
        + "".join(f'<td class="num">{s.stance.get(k, 0)}</td>' for k in STANCE_ORDER)
        + f'<td class="num">{s.stance_score.mean:+.2f}</td></tr>' for s in top)
    note = (f'<p class="note">{stats.unattributed} quote(s) had no speaker.</p>'
            if stats.unattributed else "")
    return (head + "<table><thead><tr><th>Speaker</th><th>Role</th><th>Organization</th>"
            '<th class="num">Quotes</th><th class="num">Articles</th>'
            + "".join(f'<th class="num">{badge(k)}</th>' for k in STANCE_ORDER)
            + '<th class="num">Mean stance</th></tr></thead><tbody>' + rows
            + "</tbody></table>" + note + "</section>")


def _article_row(a: ArticleSummary) -> str:
    name = _e(a.title or a.id)
    link = f'<a class="article-link" href="{_e(a.href)}">{name}</a>' if a.href else name
    return (f"<tr><td>{link}<br><small>{_e(a.id)}</small></td><td>{_e(a.date or '')}</td>"
            f"<td>{_e(a.source or '')}</td><td>{_e(a.target)}</td>"
            f"<td>{badge(a.tone_label)} {a.tone_score:+.2f}</td>"
            f'<td class="num">{a.quotes}</td></tr>')


def corpus_page(stats: CorpusStats, title: str = "newsstance report") -> str:
    """The corpus page: charts, tables, links to article pages and the list of errors."""
    ok, errors = stats.ok_articles, stats.errors
    body = [f"<header><h1>{_e(title)}</h1><p class=\"meta\">{len(stats.articles)} record(s): "
            f"{len(ok)} analysed, {stats.quote_count} quote(s), {len(errors)} error(s).</p>"
            "</header>",
            _time_section(stats), _outlet_section(stats), _role_section(stats),
            _speaker_section(stats)]
    body.append('<section aria-labelledby="h-articles"><h2 id="h-articles">Articles</h2>')
    if ok:
        body.append("<table class=\"articles\"><thead><tr><th>Article</th><th>Date</th>"
                    "<th>Source</th><th>Target</th><th>Tone</th><th class=\"num\">Quotes</th>"
                    "</tr></thead><tbody>" + "".join(_article_row(a) for a in ok)
                    + "</tbody></table>")
    else:
        body.append('<p class="note">No article could be analysed.</p>')
    body.append("</section>")
    body.append('<section aria-labelledby="h-errors"><h2 id="h-errors">Errors</h2>')
    if errors:
        body.append('<ul class="errors">' + "".join(
            f'<li class="error-item"><strong>{_e(a.id)}</strong>: <code>{_e(a.error)}</code></li>'
            for a in errors) + "</ul>")
    else:
        body.append('<p class="note">None: every record was analysed.</p>')
    body.append("</section>")
    return page(title, "\n".join(body), "corpus-page")


# -- files --------------------------------------------------------------------------------------

def safe_name(article_id: str, taken: set[str]) -> str:
    """A file name (``<stem>.html``) for ``article_id``: ASCII letters, digits, ``-`` and ``_``
    only, unique in ``taken`` ignoring case (a hash of the id, then a counter, break ties);
    the name is added to ``taken``."""
    stem = re.sub(r"[^A-Za-z0-9_-]+", "_", article_id).strip("_")[:MAX_NAME] or "article"
    if stem != article_id:
        stem = f"{stem}-{hashlib.sha1(article_id.encode('utf-8')).hexdigest()[:8]}"
    name, n = stem, 1
    while name.lower() in taken:
        n += 1
        name = f"{stem}-{n}"
    taken.add(name.lower())
    return f"{name}.html"


class ReportWriter:
    """Writes a report as results arrive: article pages at once, the corpus page on close.

    With exactly one analysed record (and no errors) ``path`` is that article's page; otherwise it
    is the corpus page and article pages go to ``<stem>_files/`` beside it.
    """

    def __init__(self, path: str | Path, title: str = "newsstance report") -> None:
        self.path = Path(path)
        self.folder = self.path.with_name(f"{self.path.stem}_files")
        self.title = title
        self.stats = CorpusStats()
        self._taken: set[str] = set()
        self._first: tuple[dict[str, Any], str | None, dict[str, Any]] | None = None
        self._count = 0

    def add(self, result: Any, text: str | None = None,
            meta: Mapping[str, Any] | None = None) -> None:
        """One result (``ArticleResult`` or its dict, or ``{"id", "error"}``), its text and its
        metadata (``title``, ``date``, ``source``; also read from the result dict)."""
        data = _as_dict(result)
        info = {k: data[k] for k in ("title", "date", "source", "outlet") if k in data}
        info.update(meta or {})
        self._count += 1
        if self._count == 1:
            self._first = (data, text, info)
            return
        if self._first is not None:
            self._write_article(*self._first)
            self._first = None
        self._write_article(data, text, info)

    def _write_article(self, data: dict[str, Any], text: str | None,
                       meta: dict[str, Any]) -> None:
        href = None
        if "error" not in data:
            name = safe_name(str(data.get("id", "")), self._taken)
            self.folder.mkdir(parents=True, exist_ok=True)
            back = "../" + url_quote(self.path.name)
            (self.folder / name).write_text(article_page(data, text, meta, back_href=back),
                                            encoding="utf-8")
            href = f"{url_quote(self.folder.name)}/{url_quote(name)}"
        self.stats.add(data, meta, href=href)

    def close(self) -> Path:
        """Write the main page and return its path."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        if self._first is not None and "error" not in self._first[0]:
            data, text, meta = self._first
            self.stats.add(data, meta)
            html = article_page(data, text, meta)
        else:
            if self._first is not None:
                self._write_article(*self._first)
            html = corpus_page(self.stats, self.title)
        self._first = None
        self.path.write_text(html, encoding="utf-8")
        return self.path

    def __enter__(self) -> ReportWriter:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        if exc_type is None:
            self.close()


def write_report(results: Iterable[Any], texts: Iterable[str | None] | Mapping[str, str],
                 path: str | Path, meta: Iterable[Mapping[str, Any]] | None = None,
                 title: str = "newsstance report") -> Path:
    """Write an HTML report of ``results`` (``ArticleResult`` objects or their dicts, errors
    included) to ``path`` and return it.

    ``texts`` are the article texts, in the order of ``results`` or as a mapping id -> text;
    ``meta`` optional dicts (``title``, ``date``, ``source``) in the same order.
    """
    metas = iter(meta) if meta is not None else None
    text_iter = None if isinstance(texts, Mapping) else iter(texts)
    with ReportWriter(path, title=title) as writer:
        for result in results:
            data = _as_dict(result)
            if text_iter is not None:
                text = next(text_iter, None)
            else:
                text = texts.get(str(data.get("id")))  # type: ignore[union-attr]
            writer.add(data, text, next(metas, None) if metas is not None else None)
    return writer.path
