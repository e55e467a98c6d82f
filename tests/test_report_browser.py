"""HTML reports in a real browser: headless Chromium renders them from file:// URLs.

Each page is opened once with ``--dump-dom`` (the DOM after loading), ``--screenshot`` (saved to
``test-artifacts/report_browser/``) and ``--enable-logging=stderr --v=0``, which prints every
console message (script errors, Content-Security-Policy violations) as a ``CONSOLE`` line on
stderr. A deliberately broken page checks that this detection works.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

from newsstance.inference.report_html import write_report
from newsstance.inference.report_style import AGAINST, FAVOR

ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = ROOT / "test-artifacts" / "report_browser"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = pytest.mark.skipif(
    CHROMIUM is None, reason="Chromium is not installed (Debian package 'chromium'; .ci/run "
                             "installs it), so the reports cannot be opened in a browser")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
         "--disable-background-networking", "--disable-extensions", "--disable-sync",
         "--disable-component-update", "--hide-scrollbars", "--force-device-scale-factor=1",
         "--enable-logging=stderr", "--v=0"]
CONSOLE = re.compile(r"CONSOLE[:(]\d*\)?\]\s*(.*)")
TIMEOUT = 90
ARTICLE = (ROOT / "examples" / "article.txt").read_text(encoding="utf-8")
EVIL = "<script>document.title='pwned'; missingFunction();</script>"


@dataclass
class Rendered:
    dom: str
    console: list[str]
    screenshot: Path


def render(page: Path, screenshot: Path, profile: Path, size: str = "1200,1600") -> Rendered:
    """Open ``page`` in headless Chromium; its DOM, console messages and a screenshot."""
    screenshot.parent.mkdir(parents=True, exist_ok=True)
    screenshot.unlink(missing_ok=True)
    cmd = [CHROMIUM, *FLAGS, f"--user-data-dir={profile}", f"--window-size={size}",
           "--dump-dom", f"--screenshot={screenshot}", page.resolve().as_uri()]
    env = {**os.environ, "XDG_CONFIG_HOME": str(profile / "config"),
           "XDG_CACHE_HOME": str(profile / "cache")}
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env=env, start_new_session=True)
    try:
        out, err = proc.communicate(timeout=TIMEOUT)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)  # Chromium and its helper processes
        proc.communicate()
        pytest.fail(f"Chromium did not finish {page.name} within {TIMEOUT}s")
    assert proc.returncode == 0, err[-2000:]
    console = [m[1] for line in err.splitlines() if (m := CONSOLE.search(line))]
    return Rendered(out, console, screenshot)


def colour_share(png: Path, colour: str, tolerance: int = 4) -> float:
    """Share of the screenshot's pixels within ``tolerance`` of ``colour`` (``#rrggbb``)."""
    import numpy as np

    image = pytest.importorskip("PIL.Image").open(png).convert("RGB")
    want = np.array([int(colour[i:i + 2], 16) for i in (1, 3, 5)])
    pixels = np.asarray(image, dtype=int)
    return float((np.abs(pixels - want) <= tolerance).all(axis=2).mean())


def _quote(text: str, part: str, stance: str, speaker: str, role: str) -> dict:
    start = text.index(part)
    probs = {"favor": 0.1, "against": 0.1, "neutral": 0.1, stance: 0.8}
    return {"text": part, "start": start, "end": start + len(part), "type": "direct",
            "speaker": speaker, "speaker_start": None, "speaker_end": None,
            "speaker_name": speaker, "speaker_role": role, "organization": None,
            "stance": {"label": stance, "probs": probs},
            "sentiment": {"label": "neutral", "score": 0.0,
                          "probs": {"positive": 0.2, "negative": 0.2, "neutral": 0.6}}}


def _result(rid: str, text: str, tone: float) -> dict:
    quotes = [_quote(text, part, stance, speaker, role) for part, stance, speaker, role in [
        ("proud to support", "favor", "Microsoft", "company"),
        ("I'll seriously consider leaving", "against", "an employee", "employee"),
        (EVIL, "neutral", "Jane Doe", "public")] if part in text]
    return {"id": rid, "target": "the ICE contract", "target_source": "given",
            "tone": {"label": "negative" if tone < 0 else "positive", "score": tone,
                     "probs": {"positive": 0.3, "negative": 0.5, "neutral": 0.2}},
            "quotes": quotes,
            "by_role": {q["speaker_role"]: {"quotes": 1, "stance_score": 0.7,
                                            "sentiment_score": 0.0} for q in quotes},
            "model": {"name": "hand-made", "version": "0", "backend": "none"}}


@pytest.fixture(scope="module")
def profile(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("chromium-profile")


def test_console_error_detection_works(tmp_path, profile):
    page = tmp_path / "broken.html"
    page.write_text("<!DOCTYPE html><html><head><meta http-equiv=\"Content-Security-Policy\" "
                    "content=\"default-src 'none'; script-src 'unsafe-inline'\"></head><body>"
                    "<p>broken</p><img src=\"https://example.com/x.png\">"
                    "<script>missingFunction();</script></body></html>", encoding="utf-8")
    shown = render(page, tmp_path / "broken.png", profile, size="400,300")
    text = "\n".join(shown.console)
    assert "ReferenceError" in text, shown.console       # a script error is caught
    assert "Content Security Policy" in text, shown.console  # so is an external resource
    assert "<p>broken</p>" in shown.dom


def test_single_article_report_in_browser(tmp_path, profile):
    text = ARTICLE + "\n\nA reader wrote: \"" + EVIL + "\"\n"
    report = write_report([_result("nimbus", text, -0.3)], [text], tmp_path / "article.html")
    shown = render(report, ARTIFACTS / "article.png", profile)
    assert shown.console == []
    marks = re.findall(r'<mark class="quote l-(\w+)"[^>]*><span class="qtag">\d+ . (\w+)</span>',
                       shown.dom)
    assert marks == [("favor", "favor"), ("against", "against"), ("neutral", "neutral")]
    assert "<script>" not in shown.dom and "pwned" not in re.findall(r"<title>(.*?)</title>",
                                                                   shown.dom)[0]
    assert 'class="chart chart-probs"' in shown.dom
    assert shown.screenshot.stat().st_size > 10_000
    assert colour_share(shown.screenshot, FAVOR.tint) > 0.001     # highlights are painted
    assert colour_share(shown.screenshot, AGAINST.tint) > 0.001


def test_corpus_report_in_browser(tmp_path, profile):
    results, texts, metas = [], [], []
    for i in range(6):
        text = ARTICLE if i % 2 else ARTICLE.replace("proud to support", "glad to support")
        results.append(_result(f"story/{i}", text, -0.6 + 0.25 * i))
        texts.append(text)
        metas.append({"date": f"2024-04-{3 * i + 1:02d}", "source": ["Daily", "Herald"][i % 2],
                      "title": f"Story {i}"})
    results.append({"id": "bad-record", "error": "empty text"})
    texts.append(None)
    metas.append({})
    report = write_report(results, texts, tmp_path / "corpus.html", meta=metas)
    shown = render(report, ARTIFACTS / "corpus.png", profile, size="1200,2400")
    assert shown.console == []
    for kind in ("time", "diverging", "stacked"):
        assert f'class="chart chart-{kind}"' in shown.dom
    assert len(re.findall(r'<circle ', shown.dom)) == 6
    assert '<li class="error-item"><strong>bad-record</strong>' in shown.dom
    links = re.findall(r'<a class="article-link" href="([^"]+)"', shown.dom)
    assert len(links) == 6
    assert colour_share(shown.screenshot, FAVOR.strong) > 0.0001  # chart bars are painted
    child = render(report.parent / links[1], ARTIFACTS / "corpus-article.png", profile)
    assert child.console == []
    assert len(re.findall(r'<mark class="quote ', child.dom)) == 2  # favor and against
    assert '<nav class="back"><a href="../corpus.html">' in child.dom
