#!/usr/bin/env python3
"""Checks the links and images inside a built mdBook, offline.

Usage: python3 .ci/book_links.py BOOK_DIR [SRC_DIR]

Every `href` and `src` in every HTML page that points inside the book
(not `http:`, `https:`, `mailto:` and the like) must name a file that
exists, and a `#fragment` must name an `id` on the page it points to.
mdBook turns `chapter.md` links into `chapter.html`, so a broken
Markdown link shows up here as a missing `.html` file; with SRC_DIR (the
book's `src`), one whose `.md` exists there is reported as not listed in
SUMMARY.md, which is what keeps mdBook from rendering it. Exits 1 and
lists each broken link with the page it is on.
"""

import html.parser
import os
import sys
import urllib.parse

# The page chrome mdBook adds itself (theme, search, print page): not ours to check.
SKIP_PAGES = {"print.html", "404.html", "toc.html"}


class Page(html.parser.HTMLParser):
    """Collects the links and the ids of one page."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.links = []
        self.ids = set()

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if name == "id" and value:
                self.ids.add(value)
            if name == "name" and tag == "a" and value:
                self.ids.add(value)
            if name in ("href", "src") and value is not None:
                self.links.append(value)


def parse(path, cache):
    if path not in cache:
        page = Page()
        with open(path, encoding="utf-8", errors="replace") as f:
            page.feed(f.read())
        cache[path] = page
    return cache[path]


def is_external(link):
    scheme = urllib.parse.urlsplit(link).scheme
    return scheme != "" or link.startswith("//")


def main():
    if len(sys.argv) not in (2, 3):
        sys.exit(__doc__)
    root = os.path.abspath(sys.argv[1])
    src = os.path.abspath(sys.argv[2]) if len(sys.argv) == 3 else None
    cache = {}
    broken = []
    checked = 0
    for folder, _, files in os.walk(root):
        for name in files:
            if not name.endswith(".html") or name in SKIP_PAGES:
                continue
            page_path = os.path.join(folder, name)
            for link in parse(page_path, cache).links:
                if is_external(link) or link.startswith("javascript:"):
                    continue
                parts = urllib.parse.urlsplit(link)
                target = urllib.parse.unquote(parts.path)
                if target == "":
                    target_path = page_path
                elif target.startswith("/"):
                    target_path = os.path.join(root, target.lstrip("/"))
                else:
                    target_path = os.path.normpath(os.path.join(folder, target))
                if os.path.isdir(target_path):
                    target_path = os.path.join(target_path, "index.html")
                where = os.path.relpath(page_path, root)
                checked += 1
                if not os.path.isfile(target_path):
                    why = "no file"
                    if src and target_path.endswith(".html"):
                        md = os.path.join(src, os.path.relpath(target_path, root))[:-5] + ".md"
                        if os.path.isfile(md):
                            why = f"{os.path.relpath(md, src)} is not listed in SUMMARY.md"
                    broken.append(f"{where}: {link} ({why})")
                    continue
                fragment = urllib.parse.unquote(parts.fragment)
                if fragment and target_path.endswith(".html"):
                    if fragment not in parse(target_path, cache).ids:
                        broken.append(f"{where}: {link} (no id {fragment!r})")
    for line in broken:
        print(f"broken link: {line}", file=sys.stderr)
    if broken:
        sys.exit(f"book_links.py: {len(broken)} broken of {checked} links")
    print(f"book_links.py: {checked} links inside the book resolve")


if __name__ == "__main__":
    main()
