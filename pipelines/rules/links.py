"""How a page's links are read and which of them are files, as data (applied by pipelines/links.py).

Shared by the crawl (which follows them) and replay (which pairs a report page with the files it
links): one definition, so both agree on what a page's attachments are.
"""

# Links whose content lives inside scripts rather than <a> elements, but in the static HTML:
# Hanweb's <script type="text/xml"><datastore><record><![CDATA[<li><a …>]]></record>.
EMBEDDED_RECORD_PATTERN = r"<record>\s*<!\[CDATA\[([\s\S]*?)\]\]>\s*</record>"

# Attachments a report page links to.
ATTACHMENT_EXTENSIONS = [".pdf", ".doc", ".docx", ".wps", ".xls", ".xlsx", ".et", ".ofd"]
# Never followed: binary or irrelevant resources.
SKIP_EXTENSIONS = [
    ".jpg", ".jpeg", ".png", ".gif", ".bmp", ".svg", ".ico", ".css", ".js", ".zip", ".rar", ".7z",
    ".mp3", ".mp4", ".avi", ".flv", ".wmv", ".swf", ".exe", ".apk", ".ppt", ".pptx", ".txt", ".xml",
]
