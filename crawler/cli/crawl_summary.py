"""What a `crawl` prints when it ends and the status it exits with: its counts, why it found nothing, how to go on."""

from __future__ import annotations

import json
from typing import Any

from crawler.cli.common import counted
from crawler.fulldisk import DISK_FULL


SITE_DOWN = "every page request failed (exit 1); is the site, or the mirror server, up?"


def nothing_fetched(result: dict[str, Any]) -> str | None:
    """Why no page answered, when none did: the site (or the mirror server) is down, refusing every connection or
    answering every page with a 5xx or a timeout, robots.txt or not; or robots.txt forbids every page asked for.
    The run finished, and a cron job must see it. Not a run whose pages were all gone (404s): that is an answer."""
    from crawler.failures import UNANSWERED_KINDS  # imports Scrapy: only once a crawl ran

    kinds = set((result.get("errors_by_kind") or {}))
    if result.get("answered") or not kinds:
        return None
    if kinds == {"robots_disallowed"}:
        return "robots.txt forbids every page asked for (exit 1)"
    if kinds & UNANSWERED_KINDS:
        return SITE_DOWN
    return None


def no_article_links(result: dict[str, Any]) -> str | None:
    """Why the run found no article to fetch, when the listings, sitemaps and feeds it read held no article link at
    all: the site's rules (a profile's `article_patterns`, `start_urls`) match none of its links, or the site answers
    error pages with 200. A run that found links and skipped them all (stored, gone, before --since) is not one."""
    listed = result.get("listed") or {}
    if not listed.get("pages") or listed.get("articles"):
        return None
    return (f"no article link in the {counted(listed['pages'], 'listing, sitemap or feed page')} read (exit 1): do "
            "the profile's article_patterns and start_urls match the site's links (scheme, www.)?")


def exit_status(reason: str | None) -> int:
    """A crawl's exit status by Scrapy's finish reason: 0 when it ran to its end or to a limit it was given
    (`closespider_*`), 130 when interrupted (Ctrl-C, SIGTERM; twice: `forced`), 1 when anything else stopped it (it could not
    start its requests, it ran out of memory): a cron job must see that."""
    if reason == "finished" or (reason or "").startswith("closespider_"):
        return 0
    return 130 if reason in ("shutdown", "forced") else 1


# What a worker stopping without Redis may leave unsent (crawler/distributed/leaving.py), as its summary names it.
UNSENT_NOUNS = {"items": ("item", "items"), "count_lines": ("line of request counts", "lines of request counts"),
                "index_rows": ("WARC index row", "WARC index rows"),
                "held": ("request found meanwhile, not queued", "requests found meanwhile, not queued")}


def redis_gone(error: str, unsent: dict[str, int]) -> str:
    """What a worker that stopped while Redis did not answer could not send, and what becomes of its requests."""
    lost = [counted(unsent[kind], one, many) for kind, (one, many) in UNSENT_NOUNS.items() if unsent.get(kind)]
    leased = unsent.get("leased", 0)
    taken_back = (f"; another worker takes back its {counted(leased, 'leased request')} once its heartbeat expires"
                  " (REDIS_WORKER_TIMEOUT)") if leased else ""
    return f"did not answer as the worker stopped ({error}); not sent: {', '.join(lost) or 'nothing'}{taken_back} (exit 1)"


def format_summary(result: dict[str, Any]) -> str:
    run = result["run"]
    if run.get("finished_at") is None:
        return _unfinished_summary(result)
    errors = ", ".join(f"{kind} {n}" for kind, n in result["errors_by_kind"].items()) or "none"
    lines = [
        f"Crawled {run['spider']} ({result['source']}) in {result['seconds']:.1f} s",
        f"  articles  {run['articles_new']} new, {run['articles_updated']} updated, {run['articles_unchanged']} unchanged"
        f"  ({counted(result['variants'], 'page')} in {counted(result['scripts'], 'script')})",
        f"  quotes    {result['quotes']}",
        f"  links     {result['links']} sidebar links, {result['urls']} URLs seen",
        f"  errors    {run['errors']} ({errors})",
        f"  pages     {result['pages']} fetched, {result['pages_per_second']:.1f} pages/s",
        f"  archive   {result['warc_records']} responses in {counted(len(result['warc_files']), 'WARC file')},"
        f" {result['observations']} count observations"
        + (f"; {result['warc_errors']} not archived (see the log)" if result.get("warc_errors") else ""),
        f"  database  {result['db']}",
    ]
    lines += _selector_lines(result)
    if (why := nothing_fetched(result)) is not None:
        lines.append(f"  nothing fetched: {why}")
    elif (why := no_article_links(result)) is not None:
        lines.append(f"  nothing found: {why}")
    since = result.get("since") or {}
    if any(since.values()):
        lines.append(f"  since     {counted(since['older'], 'article page')} fetched and older, not stored"
                     f" (undated links); {counted(since['reached'], 'listing')} reached the date")
    return "\n".join(lines + _incremental_lines(result))


def _selector_lines(result: dict[str, Any]) -> list[str]:
    """How many article pages each of the profile's `[overrides]` selectors filled: one that matches nothing falls back
    to the generic rules without a word, and a typo in it would go unseen."""
    run, fields = result["run"], result.get("selectors") or []
    pages = int(run.get("items") or 0)
    if not fields or not pages:
        return []
    strategies = json.loads(run.get("field_strategies") or "{}")
    filled = ", ".join(f"{name} {strategies.get(name, {}).get('selector', 0)}" for name in fields)
    return [f"  selectors {filled} of {counted(pages, 'article page')} (the rest by the generic rules)"]


def _unfinished_summary(result: dict[str, Any]) -> str:
    """A crawl stopped before it could close (a second Ctrl-C, a full disk): its run has no counts, and its last pages
    may be lost."""
    run = result["run"]
    how = {"forced": "at once by a second interrupt", DISK_FULL: "on a full disk"}.get(result.get("finish_reason") or "",
                                                                                 "before it could close")
    return "\n".join([
        f"Crawl of {run['spider']} ({result['source']}) stopped {how}: run {run['id']} is left unfinished",
        f"  pages     {result['pages']} fetched; the last of them may not be stored",
        f"  archive   {result['warc_records']} responses in {counted(len(result['warc_files']), 'WARC file')}",
        f"  database  {result['db']}",
        "  run the same command to go on: the next run counts this one's articles as new to its job",
    ])


def _incremental_lines(result: dict[str, Any]) -> list[str]:
    """What the incremental crawl asked for and skipped (links, not pages fetched: see `pages`), and how to resume a paused one."""
    done = result.get("incremental") or {}
    lines = []
    if done or result.get("jobdir"):  # a resumed job that found nothing new says so too, in zeros
        fetched = f"{done.get('new', 0)} new, {done.get('due', 0) + done.get('revisit', 0)} due for a revisit"
        if done.get("refresh"):
            fetched = f"{done['refresh']} listed (--refresh)"
        resumed = f"; {done['resumed']} paged on from where an earlier run failed" if done.get("resumed") else ""
        resumed += f"; {counted(done['retried'], 'article page')} that failed before asked again" if done.get("retried") else ""
        lines.append(f"  requested {fetched}; skipped {done.get('skipped_fresh', 0)} stored, {done.get('skipped_gone', 0)} gone"
                     f"; {done.get('stopped_paging', 0)} listings stopped paging early{resumed}")
    if result.get("finish_reason") == "shutdown":
        resume = f"run the same command (with --jobdir {result['jobdir']}) to resume" if result.get("jobdir") \
            else "pass --jobdir DIR to make a crawl resumable"
        lines.append(f"  stopped early (interrupted): {resume}")
    elif (result.get("finish_reason") or "").startswith("closespider_"):
        lines.append(f"  stopped at the limit it was given ({result['finish_reason']}): "
                     "the links it requested and did not reach are new to the next run")
    elif result.get("finish_reason") == DISK_FULL:
        lines.append("  stopped early: the disk is full (see the log); free some space and run the same command to go on")
    elif exit_status(result.get("finish_reason")) == 1:
        lines.append(f"  stopped early ({result.get('finish_reason')}): see the log")
    return lines
