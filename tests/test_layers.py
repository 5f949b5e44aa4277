"""The house's shape, checked on the source (AST), so a change that breaks it fails here.

- Layers point one way: crawler → archive → pipelines. pipelines/ imports neither archive/ nor
  crawler/; archive/ does not import crawler/. Imports inside functions count: dodging a cycle by
  importing late is still an upward import.
- Scrapy (and Twisted, scrapy-playwright, scrapy-redis) is imported only in crawler/.
- No module of crawler/, pipelines/ or archive/ is longer than MAX_LINES.
- Every tunable is a crawler/settings.py name: a GONGKAI_* setting read anywhere in crawler/ is
  defined there, and is read without an inline default (which would be a second default).
"""

from __future__ import annotations

import ast
import importlib.util
from pathlib import Path

import pytest

from tests.conftest import ROOT

LAYERS = ("crawler", "archive", "pipelines")  # each may import only those after it
# Never outside crawler/: the crawl framework and what it runs on.
CRAWL_FRAMEWORK = ("scrapy", "scrapy_playwright", "scrapy_redis", "twisted")
MAX_LINES = 400
SETTINGS_GETTERS = {"get", "getbool", "getint", "getfloat", "getlist", "getdict", "getdictorlist", "getwithbase"}


def _modules(package: str) -> list[Path]:
    return sorted(p for p in (ROOT / package).rglob("*.py") if "__pycache__" not in p.parts)


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports_of(source: str, module: str, is_package: bool = False) -> list[tuple[int, str]]:
    """(line, absolute module name) of every import in the source, at any depth (functions,
    classes, try blocks), relative imports resolved, and `importlib.import_module("x")` calls."""
    found: list[tuple[int, str]] = []
    package = module if is_package else module.rpartition(".")[0]
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found.extend((node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                try:
                    base = importlib.util.resolve_name("." * node.level + (node.module or ""), package)
                except ImportError:  # beyond the top-level package: it cannot be one of ours
                    base = "?" + "." * node.level + (node.module or "")
            else:
                base = node.module or ""
            found.append((node.lineno, base))
            # `from crawler import links`: the names may be modules too.
            found.extend((node.lineno, f"{base}.{alias.name}") for alias in node.names if alias.name != "*")
        elif (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "import_module"
              and node.args and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str)):
            found.append((node.lineno, node.args[0].value))
    return found


def upward_imports(package: str, source: str, module: str, is_package: bool = False) -> list[str]:
    """The imports of `module` (in layer `package`) that point against the layers or at Scrapy."""
    layer = LAYERS.index(package)
    forbidden = LAYERS[:layer]  # the layers above this one
    wrong: list[str] = []
    for line, name in imports_of(source, module, is_package):
        top = name.split(".")[0]
        if top in forbidden:
            wrong.append(f"{module}:{line} imports {name} ({package}/ may not import {top}/)")
        elif package != "crawler" and top in CRAWL_FRAMEWORK:
            wrong.append(f"{module}:{line} imports {name} (the crawl framework belongs in crawler/)")
    return sorted(set(wrong))


@pytest.mark.parametrize("package", ["archive", "pipelines"])
def test_no_upward_import_and_no_scrapy_below_crawler(package: str) -> None:
    wrong: list[str] = []
    for path in _modules(package):
        wrong += upward_imports(package, path.read_text(encoding="utf-8"), _module_name(path),
                                path.name == "__init__.py")
    assert not wrong, "\n".join(wrong)


@pytest.mark.parametrize(("package", "source", "expected"), [
    # An import inside a function is found (this is how the old replay dodged its cycle).
    ("archive", "def f():\n    from crawler import links as L\n    return L\n", {"crawler", "crawler.links"}),
    ("pipelines", "import archive.reader\n", {"archive.reader"}),
    ("pipelines", "try:\n    from scrapy.http import TextResponse\nexcept ImportError:\n    pass\n",
     {"scrapy.http", "scrapy.http.TextResponse"}),
    ("pipelines", "class C:\n    def m(self):\n        import twisted.internet\n", {"twisted.internet"}),
    ("archive", "import importlib\nm = importlib.import_module('crawler.spiders.reports')\n", {"crawler.spiders.reports"}),
    # Downward and sideways imports are fine, relative ones resolved within the package.
    ("archive", "from pipelines import completion\nfrom archive.reader import WarcDamage\nfrom .index import x\n", set()),
])
def test_the_layer_check_sees_every_kind_of_import(package: str, source: str, expected: set[str]) -> None:
    wrong = upward_imports(package, source, f"{package}.sub.example")
    assert {w.split(" imports ")[1].split(" ")[0] for w in wrong} == expected


def test_no_module_over_the_size_limit() -> None:
    long = {str(p.relative_to(ROOT)): n for pkg in LAYERS for p in _modules(pkg)
            if (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_LINES}
    assert not long, f"modules over {MAX_LINES} lines (split them by job): {long}"


def _settings_defined() -> set[str]:
    tree = ast.parse((ROOT / "crawler" / "settings.py").read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        targets = node.targets if isinstance(node, ast.Assign) else [node.target] if isinstance(node, ast.AnnAssign) else []
        names.update(t.id for t in targets if isinstance(t, ast.Name))
    return names


def settings_reads(source: str) -> list[tuple[int, str, bool]]:
    """(line, setting name, has an inline default) of every settings.getX("GONGKAI_…", …) call."""
    reads: list[tuple[int, str, bool]] = []
    for node in ast.walk(ast.parse(source)):
        if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in SETTINGS_GETTERS
                and node.args and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str)
                and node.args[0].value.startswith("GONGKAI_")):
            reads.append((node.lineno, node.args[0].value, len(node.args) > 1 or any(k.arg == "default" for k in node.keywords)))
    return reads


def test_every_tunable_is_a_settings_name_read_without_an_inline_default() -> None:
    defined = _settings_defined()
    wrong: list[str] = []
    for path in _modules("crawler"):
        for line, name, has_default in settings_reads(path.read_text(encoding="utf-8")):
            where = f"{path.relative_to(ROOT)}:{line}"
            if name not in defined:
                wrong.append(f"{where} reads {name}, which crawler/settings.py does not define")
            if has_default:
                wrong.append(f"{where} reads {name} with an inline default (crawler/settings.py has the one default)")
    assert not wrong, "\n".join(wrong)


def test_the_settings_check_sees_inline_defaults() -> None:
    assert settings_reads('s.getbool("GONGKAI_X", True)\ns.getint("GONGKAI_Y")\ns.get("OTHER", 1)\n') == [
        (1, "GONGKAI_X", True), (2, "GONGKAI_Y", False)]
