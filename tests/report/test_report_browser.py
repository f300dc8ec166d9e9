"""report.html in a real browser: headless Chromium (Debian's `chromium`, installed by .ci/run) driven over
the DevTools protocol. The page loads without errors, the video's time moves the cursor, a click on a plot
seeks the video, playing moves the cursor; a screenshot is saved for people to look at."""

from __future__ import annotations

import time

import pytest

from sportlens.report.browser import Browser, find_chromium

pytestmark = pytest.mark.skipif(find_chromium() is None,
                                reason="Chromium is not installed (apt-get install -y chromium; .ci/run does it)")

METADATA = """new Promise((done) => {
  const v = sportlensReport.video;
  if (v.readyState >= 1) done(v.duration);
  v.addEventListener("loadedmetadata", () => done(v.duration));
  setTimeout(() => done(-1), 8000);
})"""

SEEK_VIDEO = """new Promise((done) => {
  const v = sportlensReport.video;
  const state = () => ({video: v.currentTime, cursor: +document.body.dataset.cursor,
    x: sportlensReport.plots.map((p) => +p.canvas.dataset.cursorX),
    want: sportlensReport.plots.map((p) => p.xOf(%s))});
  v.addEventListener("seeked", () => setTimeout(() => done(state()), 50), {once: true});
  v.currentTime = %s;
})"""


@pytest.fixture(scope="module")
def report(sway_clip, tmp_path_factory):
    """A report with every kind of plot: angles, repetitions and (--sport tennis) the ball's height and speed.
    The clip has no ball: with the plausibility gate off, the tracker's swaying "ball" (a spot of the photo)
    stands in for one, which is all the page needs."""
    from sportlens.report.options import analyze_options
    from sportlens.report.pipeline import run_analyze

    out = tmp_path_factory.mktemp("browser") / "out"
    options = analyze_options({"sport": "tennis", "reps": {"annotated_video": False},
                               "ball": {"annotated_video": False, "plausibility_gate": False}})
    summary = run_analyze(sway_clip.path, out, options)
    assert {r["task"]: r["status"] for r in summary.metrics["tasks"]}["ball"] == "done"
    return out / "report.html"


def test_the_report_loads_and_its_cursor_follows_the_video_both_ways(report, tmp_path):
    with Browser(width=1400, height=1800) as browser:
        load_s = browser.open(report.as_uri())
        assert browser.wait_for("document.body.dataset.ready === '1'"), "the page's script did not finish"
        plots = browser.evaluate("sportlensReport.plots.map((p) => p.spec.id)")
        assert plots == ["angles", "reps", "ball-height", "ball-speed"]
        assert browser.evaluate(METADATA) == pytest.approx(4.0, abs=0.1), "the video did not load"

        # the video's time moves the cursor of every plot
        state = browser.evaluate(SEEK_VIDEO % (2.5, 2.5))
        assert state["video"] == pytest.approx(2.5, abs=0.01) and state["cursor"] == pytest.approx(2.5, abs=0.01)
        assert state["x"] == pytest.approx(state["want"], abs=1.0)

        # a click on a plot seeks the video there
        x, y = browser.evaluate("""(() => { const p = sportlensReport.plots[1], r = p.canvas.getBoundingClientRect();
                                   return [r.left + p.xOf(1.0), r.top + r.height / 2]; })()""")
        browser.click(x, y)
        seeked = browser.wait_for("Math.abs(sportlensReport.video.currentTime - 1.0) < 0.02 && "
                                  "sportlensReport.video.currentTime")
        assert seeked == pytest.approx(1.0, abs=0.02)
        assert float(browser.evaluate("document.body.dataset.cursor")) == pytest.approx(1.0, abs=0.02)

        # playing moves the cursor along
        browser.evaluate("sportlensReport.video.play()")
        time.sleep(0.6)
        browser.evaluate("sportlensReport.video.pause()")
        assert float(browser.evaluate("document.body.dataset.cursor")) > 1.2

        # a row of the repetition table seeks to that repetition
        start = browser.evaluate("""(() => { const row = document.querySelector('tr.seekable'); row.click();
                                   return sportlensReport.data.tables.find((t) => t.seek).rows[0].start_s; })()""")
        assert float(browser.evaluate("document.body.dataset.cursor")) == pytest.approx(start, abs=0.01)

        shot = browser.screenshot(tmp_path / "report.png")
        assert shot.stat().st_size > 50_000
        assert browser.errors == [], browser.errors
    assert load_s < 10
