"""abai.kz selectors, in one place: the first strategy of every field.

When the site's markup changes, this is the file to edit; the text patterns
in `patterns.py` and the page metadata keep fields filled meanwhile.
"""

TODAY = "div.preheader .date"
LANG_SWITCH = "div.lang a[rel=alternate][hreflang]"

# Article page
ARTICLE = "article.single-post, article"
HEAD = ".post-meta"
CATEGORY = ".post-meta .category"
VIEWS = ".post-meta .views"
COMMENTS = ".post-meta .comments"
DATE = ".post-meta .date"
AUTHOR = ".post-meta .author"
TITLE = "h1.post-title"
CONTENT = "div.post-content"
NOT_BODY = ".share-buttons, .comments-count, .post-meta, .best-materials, .sidebar"
BEST_MATERIALS = ".best-materials"
MOST_READ = ".most-read"
SIDEBAR_ITEM = ".bm-item"
ITEM_TAG = ".tag"
ITEM_TITLE_LINK = "h3 a, a.title"
ITEM_AUTHOR = ".author"
ITEM_VIEWS = ".views"

# Listing pages (homepage, /part/<id>)
CARD_LINKS = "//a[@href][contains(@href, '/post/')]"
CARD_TAG = "span.tag"
CARD_AUTHOR = "span.author"
CARD_VIEWS = "span.views"
CARD_DATE = "p.date"
# Card containers, innermost first: the nearest ancestor of a title link
# that is one of these holds that card's metadata.
CARD_CLASSES = (
    "wf-block", "without-frame", "bnw", "citation-box", "rc-wrapper", "news-info",
    "description-wrapper", "video-tv-main", "video-tv-small", "list-news",
)
NEXT_PAGE = "a[rel=next]::attr(href)"
PAGINATION_LINKS = "ul.pagination a"
