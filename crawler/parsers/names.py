"""Names of people in byline strings: "By Jane Doe, John Roe | Site" gives ["Jane Doe", "John Roe"].

Names are cleaned of what bylines wrap them in ("By", "Von", "Автор:",
dates, e-mail addresses, "| Site") and of values that are not names at all
(profile URLs, social handles, labels, newsrooms). This is apart from
`authors`, which finds where on a page a byline is: the same cleaning serves
every place a name comes from (declared metadata, byline elements, printed lines).
"""

from __future__ import annotations

import re

from crawler.parsers.common import clean

# Words that introduce a byline, in the languages we read: at the start, or after a verb ("Posted by").
LEAD_WORDS = re.compile(
    r"^(?:(?:\w+\s+){0,2}(?:written|posted|published|eingestellt|erstellt|verfasst|geschrieben|beitrag|artikel|"
    r"pressemitteilung|text|report(?:ed)?|story)\s+(?:by|von)|by|von|par|por|door|от|автор(?:ы)?|дайындаған|avtor|"
    r"vom|text|texte|autor(?:in|innen|en)?|auteurs?|authors?|redakteur(?:in)?)\b\s*:?\s*",
    re.IGNORECASE,
)
# Words of the labels, buttons and links around a byline, in the languages we read: "Veröffentlicht am …", "Zuletzt
# geändert am …", "Afficher mon profil", "Alle Beiträge" and "Más del autor" (the author's page), "Sende uns eine
# E-Mail". A name cut at its date keeps the label before it ("Veröffentlicht").
UI_LABELS = (
    "published|updated|modified|edited|show|view|veröffentlicht|aktualisiert|geändert|bearbeitet|zuletzt|anzeigen|"
    "ansehen|publié|publiée|modifié|afficher|voir|publicado|actualizado|modificado|pubblicato|aggiornato|modificato|"
    "mostra|gepubliceerd|bijgewerkt|bekijk|опубликовано|обновлено|изменено|показать|жарияланды|жаңартылды|көрсету|"
    "posts|beiträge|articles|artículos|articoli|статьи|мақалалар|e-mail|email|más|più|lire|leggi|читать"
)
# A number standing alone is a date or a count ("November 9", "3 Kommentare"); one inside a login is not ("Bo2man").
NOT_NAMES = re.compile(
    r"https?:|www\.|@|©|\[at\]|\d{2,}|(?<!\w)\d(?!\w)|admin|\b(?:guest|anonymous|unknown|"
    r"kommentar|comments?|share|teilen|more|mehr|read|lesen|follow|folgen|minute|minuten|"
    rf"lesezeit|posted|on|profil|profile|hace|{UI_LABELS})\b",
    re.IGNORECASE,
)
_SPLIT = re.compile(r"\s*(?:,|;|\||/|&|\band\b|\bund\b|\bи\b|\bжәне\b|\bet\b|\by\b)\s*", re.IGNORECASE)
# A newsroom rather than a person: kept only when no person is named.
DESK = re.compile(r"redaktion|editorial|redacci[oó]n|reda[cç][aã]o|redazione|r[ée]daction|редакция|\bstaff\b|\bteam\b|"
                  r"newsdesk|desk\b|\bnews\b|agentur|agency|ag[eê]ncia|press(?:e)?stelle|"
                  r"\b(?:gmbh|e\.\s?v|d\.o\.o|ltd|llc|inc)\b", re.IGNORECASE)
# A publication's name opens with an article: "The Washington Post", "El Sol de México", "Le Monde", "Der
# Spendenteddy" (a mascot). (Not "Les": "Les Carpenter" is a person; "Les Echos" a paper by its PRESS_WORDS.)
ARTICLE = re.compile(r"(?:the|die|der|das|el|la|le|il|los|las)\s", re.IGNORECASE)
# Articles that also open persons' names ("El Hadji Diouf", "La Toya Jackson", the Vietnamese "La Văn Cầu", "Le Van
# Thanh").
NAME_OPENERS = frozenset({"el", "la", "le"})
# Articles a paper's name may open with before one of `PRESS_WORDS`: those, and "Les" ("Les Echos"), which opens no
# name of that shape otherwise ("Les Carpenter").
PRESS_OPENERS = NAME_OPENERS | {"les"}
# A paper's own noun or adjective after its article, which no person's name holds there: a publication's name however
# long and capitalised ("El Nuevo Herald", "La Prensa Gráfica", "Le Monde Diplomatique", "Les Echos").
PRESS_WORDS = frozenset(
    "nuevo nueva diario diário correo mundo prensa voz periódico heraldo noticias gaceta tiempo siglo observador "
    "informador comercio tercera monde nouvel nouvelle nouvelles journal courrier parisien figaro temps progrès "
    "dépêche echos gazzetta corriere stampa repubblica giornale messaggero jornal folha".split()
)
# Words that end a name in a byline line: always ("Jane Doe Thursday", "… Illustration von"), or when
# a date or nothing follows ("R. R. am", "Matthieu Hy le 3 mai").
ENDS_NAME = frozenset(
    "sagt says schreibt writes illustration illustrationen foto fotos photo photos bild bilder mon tue wed thu fri sat "
    "sun mo di mi do fr sa so monday tuesday wednesday thursday friday saturday sunday montag dienstag mittwoch "
    "donnerstag freitag samstag sonntag lundi mardi mercredi jeudi vendredi samedi dimanche".split()
)
# A person's role, printed after a name of two words or more ("Harald Bauer Autor", "Christoph Hein Chefredakteur"),
# and no name by itself. ("Staff Writer", "Rasender Reporter": roles that are the name's second word stay.)
ROLES = frozenset(
    "autor autorin author chefredakteur chefredakteurin redakteur redakteurin herausgeber herausgeberin editor "
    "korrespondent korrespondentin correspondent journalist journalistin contributor columnist kolumnist kolumnistin "
    "редактор корреспондент журналист обозреватель тілші шолушы".split()
)
# A word that is no name by itself: a role, a weekday ("Donnerstag, 4. November 2021"), a credit.
NO_NAME_ALONE = ROLES | ENDS_NAME
# A dash between spaces ends a name: the team, place or site follows ("Kiran C Nair - Chrome Safe Browsing team").
DASHES = frozenset("-–—")
ENDS_NAME_BEFORE_DATE = frozenset("am um on at le el la il in im the is den der".split())
# Titles and degrees printed after a name ("Grant Tinsley, PhD").
SUFFIXES = frozenset({"phd", "md", "dr", "prof", "jr", "sr", "mba", "msc", "ma", "bsc"})
MAX_NAME = 60
MAX_NAMES = 6


def clean_name(text: str) -> str | None:
    """A person's name from a byline fragment, or None when it is not one."""
    text = clean(text).strip(" .,:;–—-|·•")
    text = LEAD_WORDS.sub("", text).strip(" .,:;–—-|·•")
    if not text or len(text) > MAX_NAME:
        return None
    words = text.split()
    words = words[:next((i for i in range(1, len(words)) if _ends_name(words, i)), len(words))]
    text = " ".join(words)  # cut first: "Bo2man am 29.12.2010" is a name and its date
    if len(text) < 3 or NOT_NAMES.search(text) or not re.search(r"[^\W\d_]", text):
        return None
    if len(words) > 5 or (len(words) == 1 and words[0].lower() in NO_NAME_ALONE):
        return None
    return text


def _ends_name(words: list[str], index: int) -> bool:
    word = words[index].lower().strip(".,:")
    if word in ENDS_NAME or word in DASHES or (word in ROLES and index >= 2):
        return True
    following = words[index + 1] if index + 1 < len(words) else ""
    return word in ENDS_NAME_BEFORE_DATE and (not following or following[:1].isdigit())


def split_names(text: str) -> list[str]:
    """Names in one byline string ("A, B and C"); a URL or handle gives none."""
    text = clean(text)
    if re.match(r"(?:https?://|www\.|@)", text) or re.fullmatch(r"[\w.-]+\.[a-z]{2,6}", text):
        return []
    # A URL, with the brackets around it: "Deutsche Welle (www.dw.com)".
    text = LEAD_WORDS.sub("", _credited_writer(re.sub(r"\(?(?:https?://|www\.)[^\s)]*\)?", " ", text)))
    parts = [p for p in _SPLIT.split(text) if p and p.strip(" .").lower() not in SUFFIXES]
    names = list(dict.fromkeys(n for part in parts if (n := clean_name(part))))
    return names if len(names) <= MAX_NAMES else []


# A credit's label before its colon: "Foto:", "Text & Fotos:", "Text und Bild:", "Фото:".
CREDIT = re.compile(r"^(?P<label>[^\W\d_]+(?:\s*(?:&|/|,|\s)\s*[^\W\d_]+){0,2})\s*:\s*")
WRITER_LABELS = frozenset("text texte texts words autor autorin author authors автор текст мәтін".split())
PICTURE_LABELS = frozenset(
    "foto fotos photo photos bild bilder image images illustration illustrationen grafik video kamera фото сурет".split()
)


def newsroom(name: str) -> bool:
    """A newsroom's or a publication's name rather than a person's: kept only when no person is named.

    After "El", "La" or "Le", three words or more, each capitalised, are a person's name ("El Hassan Benali"): a
    publication's is shorter ("El País", "Le Monde") or holds a word in lower case ("El Sol de México"), or a
    paper's word follows the article ("El Nuevo Herald", "Les Echos": PRESS_WORDS).
    """
    if DESK.search(name):
        return True
    words = name.split()
    if len(words) > 1 and words[0].casefold() in PRESS_OPENERS and words[1].casefold() in PRESS_WORDS:
        return True
    if not ARTICLE.match(name):
        return False
    return words[0].casefold() not in NAME_OPENERS or len(words) < 3 or not all(w[:1].isupper() for w in words)


def _credited_writer(text: str) -> str:
    """`text` without a credit label that names the writer ("Text & Fotos: Ivan Valetny"), or "" for a
    picture credit alone ("Foto: Ingo Schneider": the photographer, not the writer)."""
    match = CREDIT.match(text)
    if not match:
        return text
    labels = set(re.findall(r"[^\W\d_]+", match["label"].lower())) - {"und", "and", "и", "және", "et", "y"}
    if labels & WRITER_LABELS:
        return text[match.end():]
    return "" if labels <= PICTURE_LABELS else text
