from pipelines.decode import decode_body

TEXT = "西峰区2017年政府信息公开工作的年度报告"


def _html(charset: str, text: str = TEXT) -> str:
    return f'<html><head><meta charset="{charset}"></head><body><p>{text}</p></body></html>'


def test_meta_gb2312_over_utf8_bytes_decodes_as_utf8():
    d = decode_body(_html("gb2312").encode("utf-8"), {})
    assert TEXT in d.text and d.encoding == "utf-8"
    assert any("valid UTF-8" in w for w in d.warnings)


def test_meta_utf8_over_gbk_bytes_decodes_as_gb18030():
    d = decode_body(_html("utf-8").encode("gbk"), {})
    assert TEXT in d.text and d.encoding == "gb18030"


def test_gbk_without_any_declaration():
    d = decode_body(("<p>" + TEXT + "，現在</p>").encode("gbk"), {"content-type": "text/html"})
    assert TEXT in d.text


def test_gb2312_declared_but_gbk_only_characters():
    # 镕 is GBK-only: decoding strictly as gb2312 would fail.
    d = decode_body(_html("gb2312", "朱镕基").encode("gbk"), {})
    assert "朱镕基" in d.text


def test_big5_declared_in_header():
    d = decode_body("<p>政府資訊公開年度報告</p>".encode("big5"), {"content-type": "text/html; charset=big5"})
    assert "政府資訊公開年度報告" in d.text


def test_empty_and_binary_bodies_warn_never_raise():
    assert decode_body(b"", {}).warnings == ["empty body"]
    d = decode_body(b"%PDF-1.4\n\x00\x01\x02binary", {"content-type": "text/html"})
    assert any("binary" in w for w in d.warnings)


def test_undecodable_bytes_warn():
    d = decode_body(b"\x80\xff\xfd\x80" * 50 + TEXT.encode("gbk"), {"content-type": "text/html; charset=x-unknown"})
    assert d.warnings and isinstance(d.text, str)
