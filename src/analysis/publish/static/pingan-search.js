// Search in Chinese, on the search page (Sphinx's searchtools.js; nothing to do elsewhere).
//
// 1. The query is segmented the way the index was. Sphinx indexes Chinese with jieba's search
//    mode (a word and its two- and three-character parts, with the project's words kept whole:
//    site.search_words) but looks a query up whole, so that 化解矛盾纠纷, which the index holds as
//    化解 and 矛盾纠纷, found nothing. A Chinese query word the index does not hold is split into
//    the fewest words it does hold; characters no indexed word covers are left out (one
//    character is never indexed). Every part must be on a page found.
// 2. Snippets are readable: the sentence or list item of the page that holds the query (or one of
//    its other names: 电诈 finds 电信网络诈骗, see glossary.py), else the table row that holds
//    it with its cells apart, instead of the page's text with tables run together.
(function () {
  "use strict";
  if (typeof Search === "undefined" || typeof splitQuery === "undefined") {
    return;
  }
  const HAN = /\p{Script=Han}/u;
  const synonyms = (window.pinganSearchTerms && window.pinganSearchTerms.synonyms) || {};
  const sphinxSplit = splitQuery;
  let vocabulary = null;

  function indexedWords() {
    if (vocabulary === null) {
      vocabulary = new Set([...Object.keys(Search._index.terms), ...Object.keys(Search._index.titleterms)]);
    }
    return vocabulary;
  }

  // The fewest indexed words covering the token (a left-out character costs more than a word),
  // found by dynamic programming over its positions; ties keep the longer first word.
  function segment(token, words) {
    const chars = Array.from(token);
    const best = [{ cost: 0, parts: [] }];
    for (let end = 1; end <= chars.length; end += 1) {
      let choice = { cost: best[end - 1].cost + 2, parts: best[end - 1].parts };
      for (let start = 0; start < end - 1; start += 1) {
        const word = chars.slice(start, end).join("");
        if (words.has(word) && best[start].cost + 1 < choice.cost) {
          choice = { cost: best[start].cost + 1, parts: best[start].parts.concat([word]) };
        }
      }
      best.push(choice);
    }
    return best[chars.length].parts;
  }

  splitQuery = function (query) {
    return sphinxSplit(query).flatMap((token) => {
      if (!HAN.test(token) || !Search._index) {
        return [token];
      }
      const words = indexedWords();
      return words.has(token.toLowerCase()) ? [token] : segment(token, words);
    });
  };

  // Every Chinese word of the query must be on a page found. Sphinx lets a page go without the
  // query's words shorter than three characters (English two-letter words), which in Chinese are
  // most words: 化解矛盾纠纷 listed pages that have 矛盾纠纷 but no 化解, or 化解 alone.
  function pageHas(file, word) {
    const index = Search._index;
    const lists = [index.terms[word], index.titleterms[word]];
    if (word.length > 2) {
      for (const [mapping, has] of [[index.terms, index.terms.hasOwnProperty(word)],
                                    [index.titleterms, index.titleterms.hasOwnProperty(word)]]) {
        if (!has) {
          lists.push(...Object.keys(mapping).filter((term) => term.includes(word)).map((term) => mapping[term]));
        }
      }
    }
    return lists.some((files) => files !== undefined && [].concat(files).includes(file));
  }

  const sphinxTermsSearch = Search.performTermsSearch;
  Search.performTermsSearch = function (searchTerms, excludedTerms) {
    const results = sphinxTermsSearch(searchTerms, excludedTerms);
    const han = [...searchTerms].filter((word) => HAN.test(word));
    if (!han.length) {
      return results;
    }
    const docNames = Search._index.docnames;
    return results.filter((result) => han.every((word) => pageHas(docNames.indexOf(result[0]), word)));
  };

  function squash(text) {
    return text.replace(/\s+/g, " ").trim();
  }

  // What to look for, in order: the query as typed, its other names, then its parts.
  function needles(keywords) {
    const query = squash(new URLSearchParams(window.location.search).get("q") || "");
    const found = [];
    for (const word of [query, ...(synonyms[query] || []), ...keywords]) {
      for (const name of [word, ...(synonyms[word] || [])]) {
        if (name && !found.includes(name.toLowerCase())) {
          found.push(name.toLowerCase());
        }
      }
    }
    return found;
  }

  // The page's prose, then its table rows (cells apart), then its footer (downloads, citation).
  function blocks(root) {
    const footer = ".pingan-downloads, .pingan-cite";
    const prose = Array.from(root.querySelectorAll("p, li, dt, dd, h1, h2, h3, h4, figcaption, caption"))
      .filter((element) => !element.closest("table") || element.tagName === "CAPTION");
    const rows = Array.from(root.querySelectorAll("tr"))
      .map((row) => Array.from(row.cells).map((cell) => squash(cell.textContent)).filter((t) => t).join(" · "));
    return prose.filter((element) => !element.closest(footer)).map((element) => squash(element.textContent))
      .concat(rows)
      .concat(prose.filter((element) => element.closest(footer)).map((element) => squash(element.textContent)))
      .filter((text) => text);
  }

  Search.makeSearchSummary = function (htmlText, keywords, anchor) {
    const page = new DOMParser().parseFromString(htmlText, "text/html");
    const root = page.querySelector("article.bd-article") || page.querySelector('[role="main"]') || page.body;
    // Not what a reader looks for: the code, the page's header of parameters, the headline marks.
    for (const element of root.querySelectorAll("script, style, .cell_input, .pingan-run, .headerlink")) {
      element.remove();
    }
    const texts = blocks(root);
    let text = "";
    let at = -1;
    let needle = "";
    for (const candidate of needles([...keywords])) {
      const block = texts.find((t) => t.toLowerCase().includes(candidate));
      if (block) {
        [text, at, needle] = [block, block.toLowerCase().indexOf(candidate), candidate];
        break;
      }
    }
    if (at < 0) {
      return null;
    }
    const start = Math.max(0, at - 80);
    const end = Math.min(text.length, start + 240);
    const summary = document.createElement("p");
    summary.classList.add("context");
    summary.append((start > 0 ? "…" : "") + text.slice(start, at));
    const mark = summary.appendChild(document.createElement("span"));
    mark.classList.add("highlighted");
    mark.textContent = text.slice(at, at + needle.length);
    summary.append(text.slice(at + needle.length, end) + (end < text.length ? "…" : ""));
    return summary;
  };
})();
