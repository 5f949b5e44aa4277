"""Tests of the fixture web itself: the hazards crawler tests rely on must really be there.

Everything goes through the server as a proxy (urllib ProxyHandler), the way the crawler reaches it;
a few tests speak raw http.client to see redirects and transfer encodings unfollowed.
"""

from __future__ import annotations

import gzip
import http.client
import re
import urllib.error
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlsplit

import pytest

from tests.fixtureweb import FixtureWeb, site_aspnet, site_hanweb, site_trs
from tests.fixtureweb import expected as exp


@pytest.fixture(scope="module")
def web() -> Iterator[FixtureWeb]:
    with FixtureWeb() as w:
        yield w


@pytest.fixture()
def fresh(web: FixtureWeb) -> FixtureWeb:
    web.reset()
    return web


def _opener(web: FixtureWeb) -> urllib.request.OpenerDirector:
    return urllib.request.build_opener(urllib.request.ProxyHandler({"http": web.proxy_url}))


def fetch(web: FixtureWeb, url: str, headers: dict[str, str] | None = None,
          data: bytes | None = None) -> tuple[int, str, http.client.HTTPMessage, bytes]:
    """(status, final url, headers, body) through the proxy, redirects followed, errors returned."""
    req = urllib.request.Request(url, headers=headers or {}, data=data)
    try:
        with _opener(web).open(req, timeout=10) as resp:
            return resp.status, resp.geturl(), resp.headers, resp.read()
    except urllib.error.HTTPError as err:
        return err.code, url, err.headers, err.read()


def raw(web: FixtureWeb, url: str, method: str = "GET",
        headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], bytes]:
    """One request in proxy (absolute) form, nothing followed, body de-chunked by http.client."""
    conn = http.client.HTTPConnection("127.0.0.1", web.port, timeout=10)
    try:
        conn.request(method, url, headers={"Host": urlsplit(url).netloc, **(headers or {})})
        resp = conn.getresponse()
        return resp.status, {k.lower(): v for k, v in resp.getheaders()}, resp.read()
    finally:
        conn.close()


def test_routes_by_host(web: FixtureWeb) -> None:
    status, _, _, body = fetch(web, "http://www.hyq.gov.cn/")
    assert status == 200 and "河阳区人民政府" in body.decode("utf-8")
    status, _, _, body = fetch(web, "http://www.slx.gov.cn/")
    assert status == 200 and "石岭县人民政府" in body.decode("utf-8")
    status, _, _, body = fetch(web, "http://cgjd.hyq.gov.cn/")
    assert status == 200 and "城关街道" in body.decode("utf-8")


def test_origin_form_uses_host_header(web: FixtureWeb) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", web.port, timeout=10)
    conn.request("GET", "/robots.txt", headers={"Host": "www.qhq.gov.cn"})
    resp = conn.getresponse()
    assert resp.status == 200 and b"Disallow: /private/" in resp.read()
    conn.close()


def test_unknown_host_is_502(web: FixtureWeb) -> None:
    assert fetch(web, "http://www.nosuchplace.gov.cn/")[0] == 502
    assert fetch(web, "http://ljz.hyq.gov.cn/")[0] == 502  # linked from 河阳区's home: a dead sub-site


def test_connect_is_refused(web: FixtureWeb) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", web.port, timeout=10)
    conn.request("CONNECT", "www.qhq.gov.cn:443")
    assert conn.getresponse().status in (405, 501)
    conn.close()


def test_gbk_page_has_no_charset_header(web: FixtureWeb) -> None:
    rep = next(r for r in site_trs.REPORTS if r.report_year == 2020 and r.kind == "district")
    status, headers, body = raw(web, rep.url)
    assert status == 200
    assert headers["content-type"] == "text/html"
    assert b"charset=gb2312" in body[:600]
    with pytest.raises(UnicodeDecodeError):
        body.decode("utf-8")
    text = body.decode("gb18030")
    assert "王堃" in text and "李镕" in text and rep.title in text
    with pytest.raises(UnicodeDecodeError):
        body.decode("gb2312")  # 堃 is GBK, not GB2312: a strict gb2312 decoder fails


def test_trs_pagination_only_in_script(web: FixtureWeb) -> None:
    body = fetch(web, "http://www.qhq.gov.cn/zfxxgk/zfxxgknb/index.html")[3].decode("gb18030")
    assert 'createPageHTML(3, 0, "index", "html");' in body
    assert not re.search(r'href="[^"]*index_1\.html"', body)
    assert fetch(web, "http://www.qhq.gov.cn/zfxxgk/zfxxgknb/index_2.html")[0] == 200
    assert fetch(web, "http://www.qhq.gov.cn/zfxxgk/zfxxgknb/index_3.html")[0] == 404


def test_transient_503(fresh: FixtureWeb) -> None:
    url = site_trs.TRANSIENT_503.url
    assert raw(fresh, url)[0] == 503
    assert raw(fresh, url)[0] == 200
    fresh.reset()
    assert raw(fresh, url)[0] == 503


def test_redirect_chains_have_two_hops(web: FixtureWeb) -> None:
    for start, final in ((site_trs.REDIRECT_CHAIN.listed_url, site_trs.REDIRECT_CHAIN.url),
                         (site_aspnet.COLUMN_REDIRECT[0], site_aspnet.COLUMN_REDIRECT[-1])):
        url, hops = start, []
        for _ in range(5):
            status, headers, _ = raw(web, url)
            if status not in (301, 302):
                break
            hops.append(status)
            url = urllib.request.urljoin(url, headers["location"])
        assert hops == [301, 302]
        assert url == final and status == 200


def test_gzip_when_asked(web: FixtureWeb) -> None:
    url = next(r.url for r in site_hanweb.REPORTS if not r.js_only)
    status, headers, body = raw(web, url, headers={"Accept-Encoding": "gzip"})
    assert status == 200 and headers["content-encoding"] == "gzip"
    plain_status, plain_headers, plain = raw(web, url)
    assert "content-encoding" not in plain_headers
    assert gzip.decompress(body) == plain


def test_chunked_responses(web: FixtureWeb) -> None:
    status, headers, body = raw(web, "http://www.slx.gov.cn/xxgk/gknb/list.aspx?page=2")
    assert status == 200 and headers.get("transfer-encoding") == "chunked" and "content-length" not in headers
    assert "下一页" in body.decode("utf-8")


def test_robots_on_every_host(web: FixtureWeb) -> None:
    for host in web.hosts:
        status, _, _, body = fetch(web, f"http://{host}/robots.txt")
        assert status == 200 and body.startswith(b"User-agent:"), host
    for host, prefixes in exp.ROBOTS_DISALLOWED.items():
        body = fetch(web, f"http://{host}/robots.txt")[3].decode()
        for prefix in prefixes:
            assert f"Disallow: {prefix}" in body


def test_log_records_requests(fresh: FixtureWeb) -> None:
    fetch(fresh, "http://www.qhq.gov.cn/")
    fetch(fresh, "http://www.nosuchplace.gov.cn/x")
    log = fresh.requests()
    assert [(r.method, r.url, r.status) for r in log] == [
        ("GET", "http://www.qhq.gov.cn/", 200), ("GET", "http://www.nosuchplace.gov.cn/x", 502)]
    assert "Host" in log[0].headers
    assert fresh.requested_urls() == {"http://www.qhq.gov.cn/", "http://www.nosuchplace.gov.cn/x"}


def test_every_expected_report_answers(fresh: FixtureWeb) -> None:
    for rep in exp.EXPECTED_REPORTS + exp.JS_ONLY_REPORTS:
        status, final, headers, body = fetch(fresh, rep["url"])
        if status == 503:
            status, final, headers, body = fetch(fresh, rep["url"])
        assert status == 200 and final == rep["url"], rep["url"]
        enc = "gb18030" if "charset" not in headers.get("Content-Type", "") else "utf-8"
        text = body.decode(enc)
        assert rep["title"] in text and rep["agency"] in text
        if rep["views"] is not None:
            assert f"浏览次数：{rep['views']}" in text


def test_expected_data_is_consistent() -> None:
    urls = [r["url"] for r in exp.EXPECTED_REPORTS]
    assert len(urls) == len(set(urls)) >= 50
    assert not set(urls) & exp.NEVER_REQUESTED
    assert not set(urls) & {p["url"] for p in exp.NON_REPORTS}
    for rep in exp.EXPECTED_REPORTS:
        assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", rep["publish_date"])
        assert str(rep["report_year"]) in rep["title"] and rep["agency"]
        assert rep["publish_date"] > str(rep["report_year"])
    assert {r["report_year"] for r in exp.JS_ONLY_REPORTS} == set(range(2008, 2013))


def test_hanweb_lists_live_in_cdata_and_post(web: FixtureWeb) -> None:
    body = fetch(web, f"{site_hanweb.BASE}/col/col{site_hanweb.COL_ID}/index.html")[3].decode()
    assert '<script type="text/xml"><datastore>' in body and "<![CDATA[" in body
    static = [r for r in site_hanweb.REPORTS if r.kind == "district" and not r.js_only]
    assert all(urlsplit(r.listed_url).path in body for r in static)
    assert not any(urlsplit(r.url).path in body for r in site_hanweb.REPORTS if r.js_only)
    assert fetch(web, site_hanweb.BASE + site_hanweb.DATAPROXY)[0] == 405
    form = f"col=1&appid=1&webid=12&columnid={site_hanweb.COL_ID}&unitid={site_hanweb.UNIT_ID}".encode()
    status, _, _, xml = fetch(web, site_hanweb.BASE + site_hanweb.DATAPROXY + "?startrecord=16&endrecord=30&perpage=15",
                              data=form)
    assert status == 200
    assert all(urlsplit(r["url"]).path in xml.decode() for r in exp.JS_ONLY_REPORTS)


def test_session_ids_change_per_render(web: FixtureWeb) -> None:
    url = f"{site_hanweb.BASE}/col/col{site_hanweb.COL_ID}/index.html"
    ids = [set(re.findall(r";jsessionid=(\w+)", fetch(web, url)[3].decode())) for _ in range(2)]
    assert ids[0] and ids[1] and not ids[0] & ids[1]
    some = next(r for r in site_hanweb.REPORTS if not r.js_only and not r.link_url)
    assert fetch(web, some.url + ";jsessionid=ABC")[0] == 200
    assert re.search(r"show\.aspx\?id=\d+&sid=[0-9A-F]{32}", fetch(web, site_aspnet.BASE + "/")[3].decode())


def test_meta_refresh_stub(web: FixtureWeb) -> None:
    stub = site_hanweb.REFRESH_STUB
    body = fetch(web, stub.listed_url)[3].decode()
    assert f'http-equiv="refresh" content="0;url={urlsplit(stub.url).path}"' in body


def test_dead_link_is_404(web: FixtureWeb) -> None:
    for url in exp.HAZARDS["dead_link_404"]:
        assert fetch(web, url)[0] == 404


def test_calendar_is_endless(web: FixtureWeb) -> None:
    url = exp.TRAPS[0].start_url
    for _ in range(3):
        body = fetch(web, url)[3].decode("gb18030")
        nxt = re.search(r'<a href="(calendar\?month=[^"]+)">下个月</a>', body)
        assert nxt and "年度报告" not in re.search(r"<title>(.*?)</title>", body).group(1)
        url = urllib.request.urljoin(url, nxt.group(1))
    assert url.endswith("month=2023-04")


def test_huge_response_streams(web: FixtureWeb) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", web.port, timeout=30)
    conn.request("GET", exp.HUGE_URLS[0])
    resp = conn.getresponse()
    assert resp.status == 200 and resp.getheader("Transfer-Encoding") == "chunked"
    total = 0
    while chunk := resp.read(1 << 20):
        total += len(chunk)
    conn.close()
    assert 29 * 1024 * 1024 < total <= 30 * 1024 * 1024


def test_concurrent_requests(web: FixtureWeb) -> None:
    urls = [r["url"] for r in exp.EXPECTED_REPORTS if r["url"] != site_trs.TRANSIENT_503.url] * 2
    with ThreadPoolExecutor(max_workers=16) as pool:
        statuses = list(pool.map(lambda u: fetch(web, u, {"Accept-Encoding": "gzip"})[0], urls))
    assert statuses == [200] * len(urls)


def test_today_in_header_is_not_publish_date(web: FixtureWeb) -> None:
    rep = site_aspnet.REPORTS[0]
    text = fetch(web, rep.url)[3].decode()
    assert re.search(r"今天是:\d{4}年\d{1,2}月\d{1,2}日 星期.", text)
    assert f"发布时间：{rep.publish_date.year}年{rep.publish_date.month}月{rep.publish_date.day}日" in text
