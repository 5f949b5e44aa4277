"""reports.jsonl across runs of one job: nothing twice, changes appended, torn lines survived."""

import json

from crawler.item_pipelines.export import JsonLinesExportPipeline


def _run(path, records):
    pipe = JsonLinesExportPipeline(path)
    pipe.open_spider()
    for r in records:
        pipe.process_item(dict(r))
    pipe.close_spider()
    lines = []
    for raw in path.read_text(encoding="utf-8").splitlines():
        try:
            lines.append(json.loads(raw))
        except ValueError:
            continue  # a torn line, as a reader of the file skips it
    return lines


def _rec(url, text, **kw):
    return {"url": url, "title": "t", "text": text, "fetched_at": "2026-01-01T00:00:00Z", "views": 1, **kw}


def test_same_report_twice_in_a_run_is_one_line(tmp_path):
    lines = _run(tmp_path / "r.jsonl", [_rec("http://a/1", "x"), _rec("http://a/1", "x")])
    assert [r["url"] for r in lines] == ["http://a/1"]


def test_rerun_appends_only_changed_or_new_reports(tmp_path):
    path = tmp_path / "r.jsonl"
    _run(path, [_rec("http://a/1", "x"), _rec("http://a/2", "y")])
    # a later crawl: 1 unchanged apart from fetch time and views, 2 changed, 3 new
    lines = _run(path, [_rec("http://a/1", "x", fetched_at="2026-02-01T00:00:00Z", views=9),
                        _rec("http://a/2", "y2"), _rec("http://a/3", "z")])
    assert [(r["url"], r["text"]) for r in lines] == [
        ("http://a/1", "x"), ("http://a/2", "y"), ("http://a/2", "y2"), ("http://a/3", "z")]


def test_a_torn_last_line_from_a_killed_run_is_ended_not_glued(tmp_path):
    path = tmp_path / "r.jsonl"
    path.write_text(json.dumps(_rec("http://a/1", "x")) + "\n" + '{"url": "http://a/2", "te', encoding="utf-8")
    _run(path, [_rec("http://a/2", "y")])
    raw = path.read_text(encoding="utf-8").splitlines()
    assert raw[1] == '{"url": "http://a/2", "te' and json.loads(raw[2])["url"] == "http://a/2"


def test_a_render_a_clock_or_a_counter_is_not_a_change(tmp_path):
    """The same report fetched again (or drawn by a browser) gets no new line; a changed figure does."""
    path = tmp_path / "r.jsonl"
    text = "本报告由区政府办公室编制。\n一、总体情况 本年度共收到申请 14 件。"
    _run(path, [_rec("http://a/1", text + "\n浏览次数：12 当前时间：09:14:07")])
    again = _rec("http://a/1", text + "\n浏览次数：57  当前时间：21:40:59", fetched_at="2026-02-01T00:00:00Z",
                 views=57, views_source="counter:http://a/hits?id=1", warnings=["rendered by the browser"],
                 rendered=True, warc_file="warc/b.warc.gz", warc_offset=99, warc_record_id="<urn:uuid:b>")
    changed = _rec("http://a/1", text.replace("14 件", "41 件"))
    lines = _run(path, [again])
    assert len(lines) == 1
    lines = _run(path, [changed])
    assert [r["text"] for r in lines][-1] == changed["text"] and len(lines) == 2


def test_export_and_change_log_share_one_definition_of_changed():
    from archive import record_digest
    from crawler.extensions import changes
    from crawler.item_pipelines import export

    assert export.record_digest is record_digest.record_digest is changes.record_digest
