"""Find the element holding a page's main text: a known CMS container, else the densest block."""

from __future__ import annotations

import re

from lxml import etree

from pipelines.rules.containers import (
    CHROME_TAGS,
    CHROME_TESTS,
    CONTAINER_XPATHS,
    MIN_CONTAINER_CHARS,
    WEAK_MAX_LINK_DENSITY,
    WEAK_RULES,
)

_CJK_PUNCT = re.compile(r"[，。；：、！？]")
_BLOCKS = ("div", "td", "article", "section", "main", "body", "ucapcontent", "center", "font", "span")


# Text nodes a reader sees: every .text and .tail under an element except the bodies of scripts,
# styles and noscripts (comments' content is no text() node; their tails are).
_VISIBLE_TEXT = etree.XPath(".//text()[not(parent::script or parent::style or parent::noscript)]",
                            smart_strings=False)


def visible_text_len(el: etree._Element) -> int:
    """Characters of text under el, scripts and styles excluded, whitespace ignored (el.tail not counted)."""
    return len("".join("".join(_VISIBLE_TEXT(el)).split()))


def _link_text_len(el: etree._Element) -> int:
    return sum(len("".join(a.text_content().split())) for a in el.iter("a"))


def _needles(xpath: str) -> frozenset[str] | None:
    """The literals a rule's match must carry in an @class or @id value, or None when that cannot be
    told from the xpath (it tests other attributes, or a tag name only): such a rule is always run."""
    attrs = set(re.findall(r"@([\w-]+)", xpath))
    literals = {lit.strip() for lit in re.findall(r"'([^']*)'", xpath)} - {""}
    if not attrs or not attrs <= {"class", "id"} or not literals:
        return None
    return frozenset(literals)


# Each rule compiled once, with the literals that let a page skip it without a scan of its tree.
_RULES = [(name, etree.XPath(xpath), _needles(xpath)) for name, xpath in CONTAINER_XPATHS]
_CLASS_AND_ID = etree.XPath("//@class | //@id", smart_strings=False)
# Every chrome block of the page (rules.containers CHROME_TAGS / CHROME_TESTS) in one scan.
_CHROME = etree.XPath(" | ".join([f"//{t}" for t in CHROME_TAGS] + ["//*[" + " or ".join(f"({t})" for t in CHROME_TESTS) + "]"]))


def _rule_container(tree: etree._Element, size) -> tuple[etree._Element, str] | None:
    attrs = "\n".join(_CLASS_AND_ID(tree))
    for name, xpath, needles in _RULES:
        if needles is not None and not any(n in attrs for n in needles):
            continue  # no @class/@id on the page holds the rule's literal: it cannot match
        try:
            found = xpath(tree)
        except etree.XPathError:
            continue
        best = max(found, key=size, default=None)
        if best is not None and size(best) >= MIN_CONTAINER_CHARS:
            return best, name
    return None


def _is_chrome(el: etree._Element, chrome: set) -> bool:
    return any(a in chrome for a in el.iterancestors()) or el in chrome


def densest_block(tree: etree._Element) -> etree._Element | None:
    """The block whose direct text-bearing children carry the most prose (readability's idea).

    Each paragraph-like node scores its prose length (CJK punctuation counts extra, link text
    counts against); the score goes to its parent in full and to its grandparent in half, so the
    winner is the element that directly holds the paragraphs, not <body>.
    """
    chrome = set(_CHROME(tree))
    scores: dict[etree._Element, float] = {}
    for node in tree.iter("p", "div", "td", "li", "pre", "section", "font", "span", "h1", "h2", "h3", "h4"):
        if _is_chrome(node, chrome):
            continue
        # Own text only (text plus inline children), so nested blocks are not double counted.
        own = (node.text or "") + "".join(
            (c.text_content() if isinstance(c.tag, str) and c.tag in ("span", "font", "b", "strong", "a", "em", "i",
                                                                     "u", "sup", "sub", "br") else "")
            + (c.tail or "") for c in node)
        own = "".join(own.split())
        if len(own) < 8:
            continue
        links = sum(len("".join((a.text_content() or "").split())) for a in node.iter("a"))
        score = max(len(own) - 2 * links, 0) + 3 * len(_CJK_PUNCT.findall(own))
        if score <= 0:
            continue
        parent = node.getparent()
        if parent is None:
            continue
        scores[parent] = scores.get(parent, 0) + score
        grand = parent.getparent()
        if grand is not None:
            scores[grand] = scores.get(grand, 0) + score / 2
    if not scores:
        return None
    best = max(scores, key=lambda el: scores[el])
    # A single long paragraph scores its parent; if that parent is an inline wrapper, climb.
    while best.tag not in _BLOCKS and best.getparent() is not None:
        best = best.getparent()
    return best


def find_container(tree: etree._Element) -> tuple[etree._Element | None, str]:
    """(element, how) where how names the rule that matched, or 'densest' / 'none'."""
    sizes: dict[etree._Element, int] = {}

    def size(el: etree._Element) -> int:  # visible_text_len, once per element of this call
        if el not in sizes:
            sizes[el] = visible_text_len(el)
        return sizes[el]

    ruled = _rule_container(tree, size)
    if ruled is not None:
        el, name = ruled
        # The densest block is the costliest scan of a page; skip it when its answer cannot change
        # the choice: a strong rule's container that holds a third of the page's text or more
        # cannot be outweighed 3:1 by any block of the same page.
        if name not in WEAK_RULES and 3 * size(el) >= size(tree):
            return el, name
    dense = densest_block(tree)
    if ruled is not None:
        # A CMS container that holds only a fraction of the page's prose is a stub or a summary
        # box (TRS_Editor is reused for abstracts on some templates); prefer the denser block then.
        if dense is not None and el not in dense.iterancestors() and dense not in el.iterancestors() \
                and dense is not el and size(dense) > 3 * size(el):
            return dense, "densest"
        if name in WEAK_RULES and dense is not None and el in dense.iterancestors():
            if _link_text_len(el) > WEAK_MAX_LINK_DENSITY * max(size(el), 1):
                return dense, "densest"
        return el, name
    if dense is not None:
        return dense, "densest"
    body = tree.find("body")
    return (body if body is not None else tree), "none"
