"""Find the element holding a page's main text: a known CMS container, else the densest block."""

from __future__ import annotations

import re

from lxml import etree

from pipelines.rules.containers import (
    CHROME_BLOCK_XPATHS,
    CONTAINER_XPATHS,
    MIN_CONTAINER_CHARS,
    WEAK_MAX_LINK_DENSITY,
    WEAK_RULES,
)

_CJK_PUNCT = re.compile(r"[，。；：、！？]")
_BLOCKS = ("div", "td", "article", "section", "main", "body", "ucapcontent", "center", "font", "span")


def visible_text_len(el: etree._Element) -> int:
    """Characters of text under el, scripts and styles excluded, whitespace ignored."""
    n = 0
    for node in el.iter():
        if not isinstance(node.tag, str) or node.tag in ("script", "style", "noscript"):
            if node is not el and node.tail:
                n += len("".join(node.tail.split()))
            continue
        if node.text:
            n += len("".join(node.text.split()))
        if node is not el and node.tail:
            n += len("".join(node.tail.split()))
    return n


def _link_text_len(el: etree._Element) -> int:
    return sum(len("".join(a.text_content().split())) for a in el.iter("a"))


def _rule_container(tree: etree._Element) -> tuple[etree._Element, str] | None:
    for name, xpath in CONTAINER_XPATHS:
        try:
            found = tree.xpath(xpath)
        except etree.XPathError:
            continue
        best = max(found, key=visible_text_len, default=None)
        if best is not None and visible_text_len(best) >= MIN_CONTAINER_CHARS:
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
    chrome: set = set()
    for xp in CHROME_BLOCK_XPATHS:
        chrome.update(tree.xpath(xp))
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
    ruled = _rule_container(tree)
    if ruled is not None:
        el, name = ruled
        # The densest block is the costliest scan of a page; skip it when its answer cannot change
        # the choice: a strong rule's container that holds a third of the page's text or more
        # cannot be outweighed 3:1 by any block of the same page.
        if name not in WEAK_RULES and 3 * visible_text_len(el) >= visible_text_len(tree):
            return el, name
    dense = densest_block(tree)
    if ruled is not None:
        # A CMS container that holds only a fraction of the page's prose is a stub or a summary
        # box (TRS_Editor is reused for abstracts on some templates); prefer the denser block then.
        if dense is not None and el not in dense.iterancestors() and dense not in el.iterancestors() \
                and dense is not el and visible_text_len(dense) > 3 * visible_text_len(el):
            return dense, "densest"
        if name in WEAK_RULES and dense is not None and el in dense.iterancestors():
            if _link_text_len(el) > WEAK_MAX_LINK_DENSITY * max(visible_text_len(el), 1):
                return dense, "densest"
        return el, name
    if dense is not None:
        return dense, "densest"
    body = tree.find("body")
    return (body if body is not None else tree), "none"
