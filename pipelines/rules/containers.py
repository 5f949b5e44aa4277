"""Where CMS products put the article body, as XPath, most specific first.

Kept as data so a new CMS is one line here. Each entry is (name, xpath); the extractor takes the
first xpath whose best match holds enough text (see MIN_CONTAINER_CHARS), else falls back to the
densest text block. Class tests use contains(concat(' ', @class, ' '), ' x ') so `TRS_Editor` does
not also match `TRS_EditorX`.
"""


def _cls(name: str) -> str:
    # The plain contains() first: a cheap test that rejects almost every element before the
    # token test (the same answer: a class token `name` is a substring of @class).
    return f"(contains(@class, '{name}') and contains(concat(' ', normalize-space(@class), ' '), ' {name} '))"


CONTAINER_XPATHS: list[tuple[str, str]] = [
    # TRS WCM: the editor div (sometimes nested: TRS_PreAppend inside TRS_Editor).
    ("trs", f"//div[{_cls('TRS_Editor')}]"),
    ("trs-upload", f"//div[{_cls('TRS_UEDITOR')}]"),
    # 开普云 UCAP: a custom element, and the id used by its newer templates.
    ("ucap", "//ucapcontent"),
    ("ucap-id", "//*[@id='UCAP-CONTENT']"),
    # 博达 VSB: the generated id is vsb_content or vsb_content_N; body sits in v_news_content.
    ("vsb", "//*[starts-with(@id, 'vsb_content')]"),
    ("vsb-news", f"//*[{_cls('v_news_content')}]"),
    # WebPlus (wp_articlecontent) and Hanweb JCMS (#zoom, .main-txt, bt_content / art_con).
    ("webplus", f"//*[{_cls('wp_articlecontent')}]"),
    ("zoom", "//*[@id='zoom' or @id='Zoom' or @id='fontzoom' or @id='zoomcon']"),
    ("hanweb", f"//*[{_cls('main-txt')} or {_cls('bt_content')} or {_cls('art_con')} or {_cls('bt-content')}]"),
    # Generic names used by many site builders and by news portals.
    ("article-content", f"//*[{_cls('article-content')} or {_cls('article_content')} or {_cls('articleContent')}]"),
    ("content-id", "//*[@id='content' or @id='Content' or @id='article_content' or @id='articleContent'"
     " or @id='detailContent' or @id='newsContent' or @id='con_con' or @id='ivs_content']"),
    ("pages-content", f"//*[{_cls('pages_content')} or {_cls('news_content')} or {_cls('detail-content')}"
     f" or {_cls('zw')} or {_cls('TRS_Editor_Content')}]"),
]

# Names used by too many templates to be trusted blindly: such a match may be a whole page column
# (sina's #articleContent wraps nav and ads). When it is link-heavy, the densest block inside wins.
WEAK_RULES = {"article-content", "content-id", "pages-content"}
WEAK_MAX_LINK_DENSITY = 0.25

# A rule match with less visible text than this is a stub (an empty editor div, an image-only
# body), so the generic fallback is tried as well and the longer one wins.
MIN_CONTAINER_CHARS = 60

# Subtrees never part of a report body, removed from the container copy before serialising:
# these elements, and elements passing one of these attribute tests (each guarded by the
# attribute's presence, so an element without it is rejected at once).
# (Also handed to trafilatura as prune_xpath when it is used.)
PRUNE_TAGS: list[str] = ["script", "style", "noscript", "iframe", "form", "button", "select", "textarea",
                         "input", "object", "embed", "template"]
PRUNE_TESTS: list[str] = [
    "@style and contains(translate(@style, ' ', ''), 'display:none')",
    f"@class and ({_cls('share')} or {_cls('bdsharebuttonbox')} or {_cls('fenxiang')} or {_cls('print')})",
    "@id and (starts-with(@id, 'share') or @id='print' or @id='qrcode')",
]
PRUNE_XPATHS: list[str] = [f"//{t}" for t in PRUNE_TAGS] + [f"//*[{t}]" for t in PRUNE_TESTS]

# Blocks with these tags, ids or classes are chrome when they appear inside a generic (not rule) container.
CHROME_TAGS: list[str] = ["header", "footer", "nav", "aside"]
CHROME_TESTS: list[str] = [
    "@id and (@id='header' or @id='footer' or @id='nav' or @id='top' or @id='bottom')",
    f"@class and ({_cls('header')} or {_cls('footer')} or {_cls('nav')} or {_cls('breadcrumb')}"
    f" or {_cls('crumb')} or {_cls('position')} or {_cls('location')} or {_cls('copyright')}"
    f" or {_cls('sidebar')} or {_cls('related')} or {_cls('pager')})",
]
CHROME_BLOCK_XPATHS: list[str] = [f"//{t}" for t in CHROME_TAGS] + [f"//*[{t}]" for t in CHROME_TESTS]
