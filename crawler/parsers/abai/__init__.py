"""abai.kz: article and listing parsers, and the site's URL rules."""

from crawler.parsers.abai.article import parse_article, read_article
from crawler.parsers.abai.listing import parse_listing
from crawler.parsers.abai.urls import SITE, article_ref, canonical

__all__ = ["SITE", "article_ref", "canonical", "parse_article", "parse_listing", "read_article"]
