"""abai.kz text patterns: what the page says, in its three scripts.

The second strategy of every field: they read the visible text, so they keep
working when class names change.
"""

import re

from crawler.parsers.common import COUNT
from crawler.quote_words import SURNAME_ENDINGS

# "Билік 2852 0 пікір 19 Қыркүйек, 2018 сағат 16:01" (and pikir/saghat, پىكىر/ساعات); parts may be set apart by
# "·" or "|", and views printed "2 852" or "1,2 мың".
COMMENT_WORDS = ("пікір", "pikir", "پىكىر")
_SEP = r"(?:\s*[·•|]\s*|\s+)"
MAX_CATEGORY = 60  # characters: abai.kz's longest category names are a few words
MAX_HEAD = 200  # characters of a head line, today's date and category included
HEAD = re.compile(
    rf"^(?:(?P<category>.*?\S){_SEP})?(?:(?P<views>{COUNT}){_SEP})?(?P<comments>\d+)\s+(?:пікір|pikir|پىكىر){_SEP}"
    r"(?P<date>\d{1,2}\s+[^\W\d_]+[,،]?\s+\d{4}(?:\s+(?:сағат|saghat|saǵat|ساعات)\s+\d{1,2}:\d{2})?)$"
)
# A head printed in two parts, the date apart from the rest ("30 Қараша, 2020 сағат 12:03" over the title, "Билік 2852
# 0 пікір" under it): each part's line.
HEAD_COUNTS = re.compile(
    rf"^(?:(?P<category>.*?\S){_SEP})?(?:(?P<views>{COUNT}){_SEP})?(?P<comments>\d+)\s+(?:пікір|pikir|پىكىر)$"
)
CLOCK_WORDS = ("сағат", "saghat", "saǵat", "ساعات")
DATE_LINE = re.compile(r"^\d{1,2}\s+[^\W\d_]+[,،]?\s+\d{4}\s+(?:сағат|saghat|saǵat|ساعات)\s+\d{1,2}:\d{2}$")
# Today's date, when the head line starts with it: "Сенбі, 23 Қараша 2024 Билік 2852 0 пікір …".
TODAY_PREFIX = re.compile(r"^[^\W\d_]+[,،]\s*\d{1,2}\s+[^\W\d_]+[,،]?\s+\d{4}\s+")
# The header's line of today's date, read when its class is gone: a weekday first tells it from a story's dateline
# ("Алматы, 23 Қараша 2024"). Kazakh weekdays but Friday end in "сенбі" (Дүйсенбі … Жексенбі; "-senbi", "-سەنبى").
_WEEKDAY = r"(?:[^\W\d_]*(?:енбі|enbi|ەنبى)|Жұма|Júma|Juma|جۇما)"
TODAY_LINE = re.compile(rf"^{_WEEKDAY}[,،]\s*\d{{1,2}}\s+[^\W\d_]+[,،]?\s+\d{{4}}(?=\s|$)", re.IGNORECASE)
# "Дайындаған Халима Бұқарқызы" = prepared by; an interview's "Сұхбаттасқан Айбек Сейітов" = interviewed by.
BYLINE = re.compile(
    r"^(?:Дайындаған|Daiyndaghan|Dayyndaghan|Daıyndaǵan|دايىنداعان|ءدايىنداعان|Сұхбаттасқан|Súhbattasqan|Suhbattasqan|"
    r"سۇحباتتاسقان)\s*[:–—-]?\s+(?P<names>.+?)\.?$"
)
AUTHOR_SEPARATORS = re.compile(r"\s*(?:,|\bжәне\b|\bjәne\b|\bжане\b|\bجانە\b)\s*")
SOURCE = re.compile(r"^[«\"“]?(?P<source>Abai\.kz)[»\"”]?$", re.IGNORECASE)
# A call to follow the site under the body: "Abai.kz-тің Telegram арнасына жазылыңыз!" (subscribe to its channel).
# A line naming a platform alone is a source ("… facebook paraqshasynan": from her Facebook page), and stays.
TAIL_PROMO = re.compile(r"^(?=.{0,160}$).*(?:жазылыңыз|jazylyńyz|jazylynyz|جازىلىڭىز|подписывайтесь)", re.IGNORECASE)
# A template may print the byline and source after the body's element: read that many elements after it, looking
# that many levels up for them when the body's element ends its parent.
MAX_TAIL_ELEMENTS = 4
TAIL_LEVELS = 2
# A signature: a name alone on its line, two to four words ("Сағат Жүсіп", "Ә. Нұрмағанбет", "Beybit Qoishybaev").
MAX_ROLE = 80  # characters of the role line under a signature ("филология ғылымдарының кандидаты")
NAME_LINE = re.compile(r"^[^\W\d_][\w.'’-]*(?:\s+[^\W\d_][\w.'’-]*){1,3}$")
# A surname's ending ("Жолдасбай", "Қойшыбаев", "Мұхтарқызы", "Saghadiev", "جولداسباي"): what a signature of three
# or four words, or one in Arabic script (no capitals to tell a name), must show to be no slogan or verse line. The
# quote extractor's endings, and those of the other spellings and of Arabic script.
SURNAME = re.compile(rf"(?:{SURNAME_ENDINGS}|улы|кызы|бай|енко|uli|kyzy|bai|bay|ۇلى|قىزى|ەۆ|وۆ|ەۆا|وۆا|ين|ينا|باي|بەك)$")
# A place or an institution, not a person, though printed alone above the source line like a signature ("Астана
# Қаласы", "Almaty Oblysy", "Абай Университеті"): a line with one of these nouns after its first word (bare or
# possessed, casefolded).
PLACE_WORD = re.compile(
    r"^(?:қала|облыс|аудан|ауыл|кент|өңір|университет|институт|академия|мектеп|мектебі|колледж|орталық|орталығы|"
    r"qala|oblys|audan|aýdan|auyl|aýyl|kent|universitet|institut|akademiya|mektep|mektebi|ortalyq|ortalyghy|"
    r"قالا|وبلىس|اۋدان|اۋىل|город|область|район|село)(?:сы|ы|і|sy|y|i|سى|ى)?$"
)
COMMENTS_LINE = re.compile(r"^\d+\s+(?:пікір|pikir|پىكىر)$")
BEST_MATERIALS_HEADINGS = ("Үздік материалдар", "Ýzdik materialdar", "ٴۇزدىك ماتەريالدار", "ۇزدىك ماتەريالدار")
MOST_READ_HEADINGS = ("Көп оқылған", "Kóp oqylghan", "كوپ وقىلعان")
# "Абай Мауқараұлы 1482", "Әлімжан Әшімұлы 3 253": author then views, the tail of a sidebar item.
AUTHOR_VIEWS = re.compile(rf"^(?P<author>.*?)\s*(?P<views>{COUNT})$")
SITE_NAME = re.compile(r"abai\.kz|абай\.kz", re.IGNORECASE)
TITLE_SUFFIX = re.compile(r"\s*[|–-]\s*Abai\.kz\s*$", re.IGNORECASE)
