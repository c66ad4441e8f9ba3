"""The project's exceptions: one base class, one subclass per kind of failure."""


class CrawlerError(Exception):
    """Base of every error the project raises on purpose."""


class ParseError(CrawlerError):
    """A page could not be turned into an item (not an article, no title, ...)."""


class ConfigError(CrawlerError):
    """A seed file, site profile or command-line argument is invalid."""


class StorageError(CrawlerError):
    """The database is missing, unreadable or of an unknown schema."""


class FrontierError(CrawlerError):
    """The shared frontier (Redis) of a distributed crawl is unreachable, malformed, or held by another ingester."""


class ExportError(CrawlerError):
    """An export cannot be written where asked (folder not empty, unsafe path), or a folder holds no export to verify."""
