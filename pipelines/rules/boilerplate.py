"""Lines of portal chrome, doc-sharing wrappers and SEO spam, as data (applied by pipelines/clean.py).

Every pattern is matched against one whole line (stripped). They are written against the *shape*
of chrome (a key followed by a colon, a run of bracketed buttons, a breadcrumb separator), never
against one site's wording, and each has a look-alike test in tests/test_clean.py: a report that
mentions 浏览, 下载, 打印 or 技术支持 in a sentence must keep that sentence.
"""

from pipelines.rules.vocabulary import COUNTER_LABEL

_SEP = r"(?:>>|>|»|＞|›|→|/|\\|-)"
_DATE = r"\d{4}\s*[-年/.]\s*\d{1,2}\s*[-月/.]\s*\d{1,2}\s*日?"
# Keys of the visible meta line: 发布时间：… 来源：… 浏览次数：…
_META_KEY = (r"(?:发布时间|发布日期|更新时间|成文日期|时间|日期|来源|信息来源|文章来源|作者|编辑|责任编辑|"
             rf"字号|发布者|发布机构|审核|{COUNTER_LABEL})")

# Whole lines that are chrome wherever they appear.
CHROME_LINES: dict[str, str] = {
    # 首页 >> 政府信息公开 >> 信息公开年度报告 >> 正文
    "breadcrumb": rf"^(?:网站)?首\s*页\s*{_SEP}.*$",
    "breadcrumb-tail": rf"^.*{_SEP}\s*正\s*文$",
    # 您当前的位置：…  当前位置：…  现在位置：…
    "position": r"^(?:您|你)?(?:当前|现在|目前)?(?:的|所在)?(?:所在)?位置\s*[:：].*$",
    # 【字体：大 中 小】【打印】【关闭】 and runs of such buttons
    "buttons": r"^(?:[\s|【】\[\]()（）]*(?:字体|字号|大|中|小|默认|打印|打印本页|打印此页|关闭|关闭窗口|关闭本页|"
               r"收藏|加入收藏|返回|返回顶部|返回首页|纠错|我要纠错|分享|保存|保存本页|[:：]))+[\s【】\[\]]*$",
    "font-size": r"^.{0,20}[【\[]\s*字体\s*[:：].{0,30}$",
    "share": r"^分享到\s*[:：]?.{0,40}$",
    "qrcode": r"^.{0,10}扫一扫.{0,20}(?:手机|当前页面|二维码|关注).{0,10}$",
    "prev-next": r"^(?:上一篇|下一篇|上一条|下一条|上一页|下一页)\s*[:：].{0,80}$",
    # 今天是:2024年4月23日 星期二  (a page clock, never the publish date)
    "today": rf"^(?:今天是|今天|今日|当前时间|现在时间)\s*[:：]?\s*{_DATE}.{{0,20}}$",
    "weekday-clock": rf"^{_DATE}\s*(?:星期|周)[一二三四五六日天].{{0,12}}$",
    "related": r"^(?:相关链接|相关文章|相关阅读|相关新闻|推荐阅读|热点推荐|附件下载|网站地图|联系我们|"
               r"网站声明|隐私声明|使用帮助|无障碍|长者模式|English|繁体|简体|繁體|登录|注册)\s*[:：]?\s*$",
    # A bare counter: 浏览次数：123  点击：  访问量：12次
    # 【纠错】责任编辑：焦鹏 — the editor credit closing news-style pages
    "editor": r"^(?:[【\[]\s*纠错\s*[】\]])?\s*[(（\[【]?\s*责任编辑\s*[:：].{0,20}$",
    "counter": rf"^{_META_KEY}\s*[:：]\s*\d*\s*次?\s*$",
}

# Meta lines: at least two `key：` pairs (or a date/time stamp plus one pair) on a short line.
# "发布时间：2018-02-07 来源：区政府办 浏览次数：24" / "2018-02-07 09:33:10 来源: 作者: 编辑:赵暖星 点击:"
META_KEY_RE = rf"{_META_KEY}\s*[:：]"
META_LINE_MAX = 160
META_DATE_RE = rf"^\s*{_DATE}(?:\s*\d{{1,2}}:\d{{2}}(?::\d{{2}})?)?"

# Footer lines: two or more of these markers on one line, or one strong marker on a short line.
FOOTER_MARKERS = [
    r"主办单位\s*[:：]", r"主办\s*[:：]", r"承办单位\s*[:：]", r"承办\s*[:：]", r"技术支持\s*[:：]",
    r"网站标识码\s*[:：]?", r"ICP\s*备|ICP备案|ICP证", r"备案号\s*[:：]?", r"版权所有", r"Copyright|©|\(c\)",
    r"联系电话\s*[:：]", r"单位地址\s*[:：]", r"地址\s*[:：]", r"邮编\s*[:：]", r"公网安备", r"网站地图",
    r"维护单位\s*[:：]", r"建议使用.{0,20}浏览器", r"分辨率",
]
FOOTER_STRONG = [r"网站标识码", r"ICP\s*备|ICP备案|ICP证", r"公网安备", r"技术支持\s*[:：]", r"版权所有",
                 r"主办单位\s*[:：]"]
FOOTER_LINE_MAX = 200

# Short site-name lines above the title ("新抚首页", "XX区人民政府门户网站").
HEAD_SITE_LINE = r"^.{0,16}(?:首页|门户网站|人民政府网|政府网)$"
# How far into the text the title line is looked for (lines before it are header chrome).
TITLE_SEARCH_LINES = 12

# --- doc-sharing wrappers (天天文库 and its kind) --------------------------------------------
# Present in a text => docshare mode: pipelines/rules/vocabulary.py DOCSHARE_MARKERS.
DOCSHARE_LINES: dict[str, str] = {
    "welcome": r"^欢迎来到.{1,20}$",
    "history": r"^浏览记录$",
    "fields": r"^(?:ID|大小|页数|时间|格式|上传者|上传时间|下载积分|贡献者|分类|类型|下载|浏览|收藏)\s*[:：].{0,40}$",
    "uploaded": r"^《.{1,120}》由.{0,10}上传分享.*$",
    "revenue": r"^.{0,10}此文档下载收益归作者所有.{0,20}$",
    "more": r"^(?:相关文档|猜你喜欢|更多相关|下载文档|下载此文档|点击下载|全文阅读已结束).{0,40}$",
}
# A page chunk starts a line with its number: "3、奇艺区XX年度…". Only consecutive numbers 1, 2, 3…
# count, so a report's own "1、" list items (inside chunks, not at line starts) are left alone.
DOCSHARE_CHUNK = r"^(\d{1,3})、"

# --- SEO spam on content-farm mirrors ----------------------------------------------------------
# A spam line is short, made of keyword segments split by _ | - or spaces, and carries one of these.
SEO_WORDS = r"范文|范例|模板|大全|精选|精品|word版|Word版|免费下载|下载地址|文档下载|热门搜索|热门推荐|相关推荐|" \
            r"猜你喜欢|优秀|参考资料|写作|最新版|合集|汇编|网友|整理|百度|谷歌|搜狗|收藏本站|设为首页|高清|在线观看"
SEO_LINE_MAX = 80
SEO_SEGMENT_SEP = r"[_|｜\-—,，/ ]+"
