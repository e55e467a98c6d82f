"""Colours, label markers and the stylesheet shared by the HTML reports.

Colours come from the Okabe–Ito palette (distinguishable with the common colour-vision
deficiencies): favor/positive blue, against/negative vermillion, neutral grey. Every label is also
shown as a word with a marker (▲ ▼ ●), so colour is never the only cue. Text sits on light tints
of those colours, and all text/background pairs pass WCAG AA (4.5:1; see :func:`contrast_ratio`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from string import Template

INK = "#1a1a1a"
MUTED = "#4d4d4d"
PAPER = "#ffffff"


@dataclass(frozen=True)
class LabelStyle:
    """How one label looks: a strong colour (bars, borders), a tint (text background), a marker."""

    strong: str
    tint: str
    marker: str


FAVOR = LabelStyle(strong="#0072B2", tint="#D5E8F4", marker="▲")
AGAINST = LabelStyle(strong="#D55E00", tint="#F8DCC6", marker="▼")
NEUTRAL = LabelStyle(strong="#767676", tint="#E6E6E6", marker="●")

#: Styles by label, for stance (favor/against/neutral) and sentiment or tone.
STYLES = {"favor": FAVOR, "positive": FAVOR, "against": AGAINST, "negative": AGAINST,
          "neutral": NEUTRAL}
#: Display order of stance and sentiment labels (positive side first).
STANCE_ORDER = ("favor", "neutral", "against")
SENTIMENT_ORDER = ("positive", "neutral", "negative")


def style_of(label: str) -> LabelStyle:
    """The style of ``label`` (unknown labels look neutral)."""
    return STYLES.get(label, NEUTRAL)


def css_class(label: str) -> str:
    """``label`` reduced to a safe CSS class fragment."""
    return re.sub(r"[^a-z0-9-]+", "-", str(label).lower()).strip("-") or "unknown"


def _luminance(color: str) -> float:
    value = color.lstrip("#")
    channels = [int(value[i:i + 2], 16) / 255 for i in (0, 2, 4)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast_ratio(foreground: str, background: str) -> float:
    """WCAG 2 contrast ratio of two ``#rrggbb`` colours (1 to 21; AA text needs 4.5)."""
    a, b = sorted((_luminance(foreground), _luminance(background)), reverse=True)
    return (a + 0.05) / (b + 0.05)


def _label_rules() -> str:
    rules = []
    for label, s in STYLES.items():
        rules.append(f".l-{label}{{background:{s.tint};border-color:{s.strong}}}")
    return "\n".join(rules)


CSS = Template("""
:root{color-scheme:light}
*{box-sizing:border-box}
body{margin:0 auto;max-width:62rem;padding:1rem 1.25rem 3rem;color:$ink;background:$paper;
 font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif}
h1{font-size:1.6rem;line-height:1.25;margin:.5rem 0}
h2{font-size:1.2rem;margin:2rem 0 .5rem;border-bottom:1px solid #ccc;padding-bottom:.2rem}
a{color:#005a8c}
a:focus{outline:2px solid $ink;outline-offset:2px}
.meta,.note,footer{color:$muted;font-size:.9rem}
nav.back{margin-bottom:.5rem}
dl.facts{display:grid;grid-template-columns:max-content 1fr;gap:.25rem 1rem;margin:0}
dl.facts dt{font-weight:600}
dl.facts dd{margin:0}
table{border-collapse:collapse;margin:.5rem 0;font-size:.92rem}
th,td{border:1px solid #bbb;padding:.25rem .5rem;text-align:left;vertical-align:top}
th{background:#f2f2f2}
td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}
.badge{display:inline-block;border:2px solid;border-radius:.3rem;padding:0 .35rem;
 font-size:.85rem;font-weight:600;white-space:nowrap}
.article-text{white-space:pre-wrap;font-family:Georgia,"Times New Roman",serif;font-size:1.05rem;
 line-height:1.7;border:1px solid #ddd;padding:1rem;border-radius:.3rem}
mark.quote{color:$ink;border-bottom:3px solid;padding:.1rem 0}
mark.quote.l-favor{border-bottom-style:solid}
mark.quote.l-against{border-bottom-style:double;border-bottom-width:4px}
mark.quote.l-neutral{border-bottom-style:dashed}
.qtag,.qwho{font-family:system-ui,-apple-system,"Segoe UI",Roboto,Arial,sans-serif;
 font-size:.75rem;font-weight:600;white-space:nowrap}
.qtag{border:1px solid;border-radius:.25rem;padding:0 .25rem;margin-right:.25rem;background:#fff}
.qwho{margin-left:.35rem;color:$ink}
.legend{display:flex;flex-wrap:wrap;gap:.5rem 1rem;margin:.5rem 0;padding:0;list-style:none}
figure{margin:.75rem 0}
figcaption{font-size:.9rem;color:$muted}
svg.chart{width:100%;height:auto;max-width:46rem;display:block}
svg.chart-probs{max-width:420px}
caption{text-align:left;caption-side:top}
svg.chart text{fill:$ink;font-size:12px}
svg.chart .axis{stroke:#888;stroke-width:1}
svg.chart .grid{stroke:#ddd;stroke-width:1}
svg.chart .zero{stroke:#555;stroke-width:1.5}
.errors li{margin:.2rem 0}
.errors code{white-space:pre-wrap}
$labels
@media print{
 body{max-width:none;padding:0;font-size:11pt}
 nav.back{display:none}
 a{color:$ink;text-decoration:none}
 h2{break-after:avoid}
 figure,table,tr,mark.quote{break-inside:avoid}
 .article-text{border:0;padding:0}
 *{-webkit-print-color-adjust:exact;print-color-adjust:exact}
}
""").substitute(ink=INK, muted=MUTED, paper=PAPER, labels=_label_rules())
