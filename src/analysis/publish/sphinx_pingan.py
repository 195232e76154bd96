"""The Sphinx extension of the book: obs_id links, and a quiet, project-local Chinese search.

- Every known obs_id in a page's body becomes a link to its anchor on the provenance page
  (provenance.link_obs_ids), as each page is written: Sphinx's incremental build keeps it.
- jieba (which Sphinx uses to segment Chinese for the search index) logs "Building prefix
  dict…" at start-up and caches its dictionary in the system's temporary directory: it is made
  quiet and caches under build/ instead.
- myst-nb's stylesheet is in place before any page is written, so that a first build and a
  rebuild link it alike (byte-identical pages).
- words left in the search index with no page by an incremental build are dropped.
- a page using one name of a glossary term (电信网络诈骗) is also indexed under its other names
  (电诈, 电信诈骗; glossary.synonym_groups), so that a search for any of them finds it, also
  where the name is part of a longer word (综治中心 in 乡镇级综治中心).
- the search index's stemmer remembers each word's stem (the same index, in less time), and
  reads the Latin words of the page it stems, not of every page indexed before it in the process
  (so that an incremental build writes the index a first build does).
- ``pingan_fingerprint`` (the table of contents, the data, and the publishing code with its CSS
  and JavaScript) is a configuration value that rebuilds every page when it changes: a new run
  changes the navigation of every page, and new code their rendering, which Sphinx's
  incremental build would otherwise leave stale on pages whose source did not change.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

from .book import OBS_IDS_FILE, SEARCH_SYNONYMS
from .provenance import PAGE as PROVENANCE_PAGE
from .provenance import link_obs_ids


def _quiet_jieba(cache_dir: Path) -> None:
    import jieba

    jieba.setLogLevel(logging.WARNING)
    cache_dir.mkdir(parents=True, exist_ok=True)
    jieba.dt.tmp_dir = str(cache_dir)


def _builder_inited(app) -> None:
    known = json.loads((Path(app.srcdir) / OBS_IDS_FILE).read_text(encoding="utf-8"))
    from sphinx.search import zh

    synonyms = Path(app.srcdir) / SEARCH_SYNONYMS
    zh.SearchChinese.pingan_synonyms = (json.loads(synonyms.read_text(encoding="utf-8"))
                                        if synonyms.is_file() else {})
    app.env.pingan_known = frozenset(known)
    # myst-nb copies its stylesheet into _static when the build finishes, after the pages are
    # written; Sphinx adds "?v=<checksum>" to a stylesheet's link only when the file is already
    # there. Copied now, every page links it the same way, in a first build as in a rebuild.
    from myst_nb.sphinx_ext import add_global_html_resources

    (Path(app.outdir) / "_static").mkdir(parents=True, exist_ok=True)
    add_global_html_resources(app, None)


def _drop_empty_search_terms(app):
    """Sphinx's incremental build prunes the re-read pages from the search index but keeps the
    words only they had, with no page: drop them, so that a rebuild writes the index a first
    build does. (html-collect-pages comes after every page is indexed, before the index is
    written.)"""
    indexer = getattr(app.builder, "indexer", None)
    if indexer is not None:
        for mapping in (indexer._mapping, indexer._title_mapping):
            for word in [word for word, pages in mapping.items() if not pages]:
                del mapping[word]
    return []


def _page_context(app, pagename, templatename, context, doctree) -> None:
    if doctree is None or pagename == PROVENANCE_PAGE or "body" not in context:
        return
    href = app.builder.get_relative_uri(pagename, PROVENANCE_PAGE)
    context["body"] = link_obs_ids(context["body"], app.env.pingan_known, href)


class _TermSet(set):
    """A set that Sphinx's Chinese splitter can ``extend``: it looks every indexed word up in
    ``SearchChinese.latin_terms``, a list shared by every page of the build (Sphinx 7.4), so that
    indexing took time quadratic in the site's Latin words (minutes at 95 pages). Only membership
    is ever asked of it, so a set gives the same index."""

    def extend(self, terms) -> None:
        self.update(terms)


def _split_with_synonyms(jieba_split):
    """Sphinx's Chinese splitter, then each word's other names (the glossary's synonym groups),
    once per page text: the index then lists the page under every name of a term it uses."""

    def split(self, text: str) -> list[str]:
        words = jieba_split(self, text)
        synonyms = getattr(self, "pingan_synonyms", {})
        unique = list(dict.fromkeys(words))
        # a glossary name inside a longer word the segmenter kept whole (综治中心 in 乡镇级综治中心:
        # jieba's search mode adds only two- and three-character parts)
        inside = [name for word in unique if len(word) > 2 for name in synonyms if name != word and name in word]
        extra = [other for word in dict.fromkeys(unique + inside) if word in synonyms for other in synonyms[word]]
        return words + inside + extra

    split.pingan_jieba_split = jieba_split
    return split


def _feed_with_its_own_latin_terms(feed):
    """Sphinx's indexing of a page, with the Chinese stemmer's Latin terms those of that page
    alone. The stemmer leaves a short word such as "ids" whole when it has met it as a Latin word
    (stemmed it would be "id"), and Sphinx keeps the words it has met on every page indexed so far
    in one list: a page's words then depended on the pages indexed before it in the process, and an
    incremental build, which indexes only the changed pages, wrote another index than a first build
    (the word "ids" of a region page). Cleared before each page, they are the page's own."""

    def fed(self, docname, filename, title, doctree):
        terms = getattr(self.lang, "latin_terms", None)
        if isinstance(terms, _TermSet):
            terms.clear()
        return feed(self, docname, filename, title, doctree)

    fed.pingan_feed = feed
    return fed


def _cached_stem(stem):
    """Sphinx's Chinese stemmer, remembered per word: it runs the English Snowball stemmer on
    every word occurrence of every page, Chinese ones included (a fifth of the site build). Its
    result depends on the word and on whether the word is among the Latin terms seen so far, so
    both make the key: the index is the same."""

    def cached(self, word: str) -> str:
        cache = self.__dict__.setdefault("pingan_stems", {})
        key = (word, word in self.latin_terms)
        if key not in cache:
            cache[key] = stem(self, word)
        return cache[key]

    cached.pingan_stem = stem
    return cached


def setup(app):
    from sphinx.search import zh
    zh.SearchChinese.latin_terms = _TermSet()
    # Wrapped once per process, however many builds it runs.
    jieba_split = getattr(zh.SearchChinese.split, "pingan_jieba_split", zh.SearchChinese.split)
    zh.SearchChinese.split = _split_with_synonyms(jieba_split)
    zh.SearchChinese.stem = _cached_stem(getattr(zh.SearchChinese.stem, "pingan_stem", zh.SearchChinese.stem))
    from sphinx.search import IndexBuilder
    IndexBuilder.feed = _feed_with_its_own_latin_terms(getattr(IndexBuilder.feed, "pingan_feed", IndexBuilder.feed))
    _quiet_jieba(Path(app.outdir).parent / ".jieba")
    app.add_config_value("pingan_fingerprint", "", "env")
    app.add_config_value("pingan_observations", 0, "env")
    app.connect("builder-inited", _builder_inited)
    app.connect("html-page-context", _page_context)
    app.connect("html-collect-pages", _drop_empty_search_terms)
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}
