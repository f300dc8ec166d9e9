"""The service's page in a real browser (headless Chromium over the DevTools protocol): choose a file, upload it,
watch the job's progress in the list, and open its report in the page; a screenshot is kept to look at."""

from __future__ import annotations

import pytest

from sportlens.report.browser import Browser, find_chromium

pytestmark = pytest.mark.skipif(find_chromium() is None,
                                reason="Chromium is not installed (apt-get install -y chromium; .ci/run does it)")


def test_upload_progress_and_report_in_the_page(start_service, tmp_path):
    import numpy as np
    import pandas as pd

    rate = 50.0
    t = np.arange(int(30 * rate)) / rate
    s = 0.5 * (1 - np.cos(2 * np.pi * t / 2.5))
    table = {"t_s": t, "acc_x_ms2": 3 * s, "acc_y_ms2": 0.5 * s, "acc_z_ms2": 9.81 + s,
             "gyr_x_rads": np.gradient(s) * rate, "gyr_y_rads": 0.2 * s, "gyr_z_rads": 0 * s}
    csv = tmp_path / "wrist session.csv"
    pd.DataFrame(table).to_csv(csv, index=False)
    service = start_service()
    with Browser(width=1400, height=1100) as browser:
        browser.open(service.url + "/")
        assert browser.wait_for("document.getElementById('jobs-empty').hidden === false")
        document = browser.call("DOM.getDocument")["root"]["nodeId"]
        node = browser.call("DOM.querySelector", {"nodeId": document, "selector": "#file"})["nodeId"]
        browser.call("DOM.setFileInputFiles", {"nodeId": node, "files": [str(csv)]})
        assert browser.wait_for("document.getElementById('send').disabled === false")
        assert "wrist session.csv" in browser.evaluate("document.getElementById('chosen').textContent")
        browser.evaluate("document.getElementById('send').click()")
        assert browser.wait_for("document.getElementById('upmsg').textContent.startsWith('queued: job ')")
        assert browser.evaluate("document.getElementById('upbar').style.width") == "100%"
        # the job appears in the list, then finishes; its report opens in the page
        assert browser.wait_for("document.querySelector('tr.job .pill.done') !== null", timeout=120)
        assert browser.evaluate("document.querySelector('tr.job td').textContent") == "wrist session.csv"
        ready = ("(() => { const f = document.getElementById('report'); return !f.hidden && f.contentDocument && "
                 "f.contentDocument.getElementById('report-data') !== null; })()")
        assert browser.wait_for(ready, timeout=30)
        files = browser.evaluate("[...document.querySelectorAll('#files a')].map((a) => a.textContent)")
        assert "report.html" in files and "reps/summary.json" in files
        shot = browser.screenshot(tmp_path / "page.png")
        assert shot.stat().st_size > 30_000
        assert browser.errors == [], browser.errors
