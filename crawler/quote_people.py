"""The people of an article, for the quote extractor: who is who across its paragraphs (part of
crawler/quotes.py).

A `Registry` keeps each person under the first spelling seen, merges the
spelling variants of one person ("Дархан Қалетаев", "Дарқан ҚАЛЕТАЕВ") into
it, and finds the person a role noun or a lone surname points to. Pure: all
state lives in the registry of one call.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache

from crawler.quote_names import fold, role_stem
from crawler.quote_words import ROLE_STEMS_INSIDE, SKELETON

__all__ = ["Person", "Registry"]


@lru_cache(maxsize=4096)
def _skeleton(name: str) -> tuple[str, ...]:
    """A name's words folded and with Kazakh letters mapped to their Russian bases; a mark that folds to nothing (a
    straight quote caught in an Arabic-script name) is no word."""
    return tuple(skeleton for w in name.split() if (skeleton := fold(w).translate(SKELETON)))


def _close(a: str, b: str) -> bool:
    """True when two words differ by at most one edit."""
    if abs(len(a) - len(b)) > 1:
        return False
    if len(a) == len(b):
        return sum(x != y for x, y in zip(a, b)) <= 1
    short, long_ = sorted((a, b), key=len)
    return any(long_[:i] + long_[i + 1 :] == short for i in range(len(long_)))


def _same_surname(a: str, b: str) -> bool:
    """Equal surnames, allowing a Russian case ending ("Петрова" ~ "Петров")."""
    short, long_ = sorted((a, b), key=len)
    return a == b or (len(short) >= 4 and long_.startswith(short) and len(long_) - len(short) <= 2)


def _same_person(a: str, b: str) -> bool:
    """True when two spellings name one person ("Дархан Қалетаев" ~ "Дарқан ҚАЛЕТАЕВ")."""
    wa, wb = _skeleton(a), _skeleton(b)
    if not wa or not wb or not _same_surname(wa[-1], wb[-1]):
        return False
    if len(wa) == 1 or len(wb) == 1:
        return True
    fa, fb = wa[0], wb[0]
    return _close(fa, fb) or (fa[0] == fb[0] and min(len(fa), len(fb)) <= 2) or _same_surname(fa, fb)


@dataclass(slots=True)
class Person:
    """One person of the article, under the first spelling seen, with the most specific role given."""

    name: str
    role: str | None = None


@dataclass(slots=True)
class Registry:
    """People of one article, the most recently mentioned last.

    `find` compares a name with earlier people only when their surnames
    share the first four letters, which `_same_person` requires: a long
    page of capitalised words (a German article) registers hundreds of
    "people", and comparing each with all of them cost more than the rest
    of the parse.

    Each person is filed under their first spelling, which no other person
    has, so that a mention moves them to the end of each file at once (a
    page of thousands of people, each moved by searching a list, cost
    seconds), and under the role stems their role holds, so that a role
    noun finds its person without reading all the others.
    """

    people: dict[str, Person] = field(default_factory=dict)  # by name, the most recently mentioned last
    subject: Person | None = None
    spellings: dict[str, Person] = field(default_factory=dict)  # every spelling met, for a fast lookup
    by_surname: dict[str, dict[str, Person]] = field(default_factory=dict)  # `_surname_key` → people, as in `people`
    by_role: dict[str, dict[str, Person]] = field(default_factory=dict)  # role stem → people whose role holds it, ditto

    def find(self, name: str) -> Person | None:
        known = self.spellings.get(name)
        if known:
            return known
        alike = self.by_surname.get(_surname_key(name), {})
        return next((p for p in reversed(alike.values()) if _same_person(p.name, name)), None)

    def mention(self, name: str, role: str | None) -> Person:
        person = self.find(name) or Person(name)
        key, held = person.name, _role_stems(person.role)
        person.role = _merge_role(person.role, role)
        holds = _role_stems(person.role)
        if holds is not held:
            for stem in held - holds:
                del self.by_role[stem][key]
        files = [self.people, self.by_surname.setdefault(_surname_key(key), {})]
        for stem in holds:
            files.append(self.by_role.setdefault(stem, {}))
        for people in files:
            people.pop(key, None)
            people[key] = person
        self.spellings[name] = person
        return person

    def with_role(self, stem: str) -> Person | None:
        """The person mentioned last whose role holds a role stem (one of `ROLE_STEMS`)."""
        return next(reversed(self.by_role.get(stem, {}).values()), None)


@lru_cache(maxsize=1024)
def _role_stems(role: str | None) -> frozenset[str]:
    """The role stems a role holds: "Қоғамдық даму министрі" holds "министр"."""
    folded = fold(role) if role else ""
    return frozenset(ROLE_STEMS_INSIDE.findall(folded))


def _surname_key(name: str) -> str:
    """What every spelling `_same_person` matches with `name` shares: the first four letters of the surname's skeleton."""
    words = _skeleton(name)
    return words[-1][:4] if words else ""


def _merge_role(old: str | None, new: str | None) -> str | None:
    """Keep the more specific role: "министр" adds nothing to "Қоғамдық даму министрі"."""
    if not new or not old:
        return new or old
    stems = {s for w in new.split() if (s := role_stem(w))}
    return old if stems and all(s in fold(old) for s in stems) else new
