"""Settle (crawler/browser.py): a rendered page is read once it is quiet, and what it starts late is waited for."""

from __future__ import annotations

from crawler import browser
from crawler import settings as project_settings

# --- settle: what a page starts late (a timer, then a slow XHR, then a string timer) is waited for ----
LATE_PAGE = """<html><body><ul id="list"></ul><span id="views"></span><script>
setTimeout(function () {
  fetch('/api/list').then(function (r) { return r.json(); }).then(function (d) {
    document.getElementById('list').innerHTML = '<li><a href="' + d.url + '">report</a></li>';
    setTimeout("document.getElementById('views').textContent = '浏览次数：' + 4321", 300);
  });
}, 600);
function spin() { setTimeout(spin, 20); }  // a loop of its own: not waited for
spin();
</script></body></html>"""


def test_settle_waits_for_timers_and_late_requests() -> None:
    import asyncio

    from playwright.async_api import async_playwright

    async def run() -> list[tuple[str, str]]:
        async with async_playwright() as pw:
            chromium = await pw.chromium.launch(**project_settings.PLAYWRIGHT_LAUNCH_OPTIONS)
            page = await chromium.new_page()

            async def serve(route) -> None:
                if route.request.url.endswith("/api/list"):
                    await asyncio.sleep(0.3)  # a slow answer: in flight, in the page's count
                    await route.fulfill(body='{"url": "/nb/2023.html"}', content_type="application/json")
                else:
                    await route.fulfill(body=LATE_PAGE, content_type="text/html; charset=utf-8")

            await page.route("**", serve)
            await browser.track_activity(page)
            await page.goto("http://www.example.gov.cn/")
            try:
                return await browser.render_states(page, 0, 5000, project_settings.GONGKAI_BROWSER_QUIET_MS)
            finally:
                await chromium.close()

    [(_url, html)] = asyncio.run(run())
    assert 'href="/nb/2023.html"' in html
    assert "浏览次数：4321" in html
