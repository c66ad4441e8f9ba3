"""Word lists and patterns of the quote extractor (`crawler/quotes.py`), in Kazakh (three scripts) and Russian.

Kept apart from the rules that use them so a new verb, role or spelling is a
one-line change here. Words are compared after `quote_names.fold`:
case-folded, Arabic hamza dropped.
"""

from __future__ import annotations

import re

# --------------------------------------------------------------------------
# Word lists (compared on `fold`ed words: case-folded, Arabic hamza dropped)
# --------------------------------------------------------------------------

SAY_VERBS = (
    # Kazakh, Cyrillic
    r"деді", r"дейді", r"депті", r"атап\s+өтті", r"мәлімдеді",
    r"деп\s+(?:пікір\s+білдірді|жауап\s+берді|санайды|есептейді|мәлімдеді|атап\s+өтті|атап\s+көрсетті|айтты|айтады|жазды|жазады|"
    r"түйіндеді|қосты|ескертті|сендірді|хабарлады|түсіндірді|мойындады|толықтырды|пайымдайды|сенеді)",
    # Kazakh, Latin (abai.kz transliteration)
    r"dedi", r"deydi", r"depti", r"atap\s+ótti", r"mәlimdedi",
    r"dep\s+(?:pikir\s+bildirdi|jauap\s+berdi|jaýap\s+berdi|sanaydy|esepteydi|mәlimdedi|atap\s+ótti|atap\s+kórsetti|aytty|aytady|jazdy|jazady|týiindedi|qosty|"
    r"eskertti|sendirdi|habarlady|týsindirdi|moyyndady|tolyqtyrdy|paiymdaidy|senedi)",
    # Kazakh, Arabic script
    r"دەدى", r"دەيدى", r"دەپتى", r"اتاپ\s+ء?وتتى", r"ء?مالىمدەدى",
    r"دەپ\s+(?:پىكىر\s+ء?بىلدىردى|جاۋاپ\s+بەردى|سانايدى|ەسەپتەيدى|ء?مالىمدەدى|اتاپ\s+ء?وتتى|اتاپ\s+كورسەتتى|ايتتى|ايتادى|جازدى|جازادى|ء?تۇيىندەدى|"
    r"قوستى|ەسكەرتتى|سەندىردى|حابارلادى|ء?تۇسىندىردى|مويىندادى|تولىقتىردى|پايىمدايدى|سەنەدى)",
    # Russian
    r"(?:сказал|отметил|заявил|добавил|подчеркнул|пояснил|рассказал|сообщил|признал|уточнил|заключил|ответил|написал)а?",
    r"пишет", r"отмечает", r"подч[её]ркивает",
    r"считает", r"говорит", r"полагает", r"уверена?",
)
ASK_VERBS = (
    r"деп\s+сұрады", r"деген\s+(?:сауал|сұрақ)\w*(?:\s+(?:тастады|қойды|жолдады|берді))?",
    r"dep\s+súrady", r"degen\s+(?:saual|saýal|súraq)\w*(?:\s+(?:tastady|qoydy))?",
    r"دەپ\s+سۇرادى", r"دەگەن\s+(?:ساۋال|سۇراق)\w*(?:\s+(?:تاستادى|قويدى))?",
    r"спросила?", r"поинтересовал(?:ся|ась)",
)
# Indirect-speech markers: "Оның айтуынша, …", "Дорофеевтің пікірінше, …".
INDIRECT_MARKERS = (
    "айтуынша", "пікірінше", "сөзінше", "ойынша", "пайымдауынша",
    "aytuynsha", "aituynsha", "pikirinshe", "sózinshe", "oyynsha", "oiynsha", "paiymdauynsha",
    "ايتۋىنشا", "پىكىرىنشە", "سوزىنشە", "ويىنشا", "پايىمداۋىنشا",
)
# The markers by the part of their ending (-ынша, -інше) each holds, in each script: most paragraphs hold none of the
# three, and one search for it spares a search for each of its markers.
INDIRECT_MARKERS_BY_CORE = {core: tuple(m for m in INDIRECT_MARKERS if core in m) for core in ("нш", "nsh", "نش")}
# Words of a speaker talking to the interviewer (I, you), and the verb a sentence ends with in the first person:
# how the paragraphs an interview's last answer goes on in tell themselves from the reporter's closing lines
# ("Жиын осымен аяқталды."), with no next speaker's line to say where the answer ends. Not "we" (біз, мы): the
# outlet's too ("Бұл туралы біз бұған дейін жазған едік"); not "мен": also "and".
AS_I_WORDS = frozenset({
    "менің", "маған", "мені", "менде", "өзім", "меніңше", "mening", "meninh", "maghan", "meni", "mende", "ózim",
    "مەنىڭ", "ماعان", "я", "мне", "меня", "мой", "моя", "мои",
})
SPEAKING_WORDS = AS_I_WORDS | {
    "сіз", "сіздер", "сіздің", "сізге", "сен", "сенің", "siz", "sizder", "sizding", "sizge", "سىز", "вы", "вам", "вас",
}
# A sentence's last word in the first person: "айтамын", "сенімдімін", "жасаймыз", "көрдім".
SPEAKING_ENDING = re.compile(r"(?:[мпб][ыі][нз]|[дт][ыі]м|[mpb][yi][nz]|[dt][yi]m|[مپب]ى[نز]|[دت]ىم)$")
# Of those, the singular: "айтамын", "көрдім", not "жасаймыз". A reporter's closing lines may speak to the reader ("Ал
# сіз қалай ойлайсыз?") or as the outlet's we ("Бұл тақырыпқа әлі ораламыз."), but never as I.
AS_I_ENDING = re.compile(r"(?:[мпб][ыі]н|[дт][ыі]м|[mpb][yi]n|[dt][yi]m|[مپب]ىن|[دت]ىم)$")
# Words that end so and are not: nouns (қымыз, қобыз, сабын) and the verbs of the reporter's "we" formulas that
# end a sentence (назарларыңызға ұсынамыз: we present to you; хабарлаймыз: we report). "Еске саламыз, …" (let us
# remind you) opens its sentence: its last word is another.
NOT_SPEAKING = frozenset({
    "қымыз", "қобыз", "сабын", "табын", "шыбын", "семіз", "ұсынамыз", "хабарлаймыз",
    "qymyz", "qobyz", "sabyn", "úsynamyz", "usynamyz", "habarlaimyz", "habarlaymyz",
    "قىمىز", "قوبىز", "سابىن", "ۇسىنامىز", "حابارلايمىز",
})
PRONOUNS = frozenset({"ол", "ol", "ول", "он", "она", "они"})
# A people, not a person: «Ырыс алды – ынтымақ» дейді қазақ (a saying), адамдарды қазақ «шала қазақ» дейді (a name).
COLLECTIVE = frozenset({"қазақ", "халық", "халқымыз", "ел", "дана", "бабалар", "бабаларымыз", "ата-бабамыз",
                        "ата-бабаларымыз", "атам", "qazaq", "halyq", "el",
                        "قازاق", "حالىق", "ەل", "народ", "люди"})
GENITIVE_PRONOUNS = frozenset({"оның", "onyng", "ونىڭ", "его", "её", "ее", "их"})
# Role nouns, as stems: "министрі", "сарапшылар", "министра" all start with one.
ROLE_STEMS = (
    "министр", "сарапшы", "саясаттанушы", "директор", "президент", "төраға", "орынбасар", "депутат",
    "әкім", "модератор", "маман", "ғалым", "профессор", "журналист", "эксперт", "политолог",
    "аналитик", "глава", "председател", "заместител", "спикер", "аким", "хатшы", "секретар", "басшы",
    "төрайым", "елші", "посол", "ректор", "прокурор", "судья", "экономист", "губернатор",
    "фермер", "дәрігер", "мұғалім", "жазушы", "кәсіпкер", "заңгер", "тарихшы", "әлеуметтанушы",
    "ministr", "sarapshy", "sayasattanushy", "sayasattanýshy", "direktor", "prezident", "tóragha",
    "orynbasar", "deputat", "әkim", "akim", "moderator", "maman", "ghalym", "professor", "jurnalist",
    "hatshy", "ekonomist", "fermer", "jazushy",
    "مينيستر", "ساراپشى", "ساياساتتانۋشى", "ديرەكتور", "پرەزيدەنت", "توراعا", "ورىنباسار",
    "دەپۋتات", "اكىم", "جۋرناليست", "فەرمەر", "جازۋشى",
)
# Role stems that also start first names ("Ғалым Әбішев", "Ғалымжан Сейітқали", "Әкімжан"): capitalised, a name.
NAME_LIKE_ROLES = frozenset({"ғалым", "ghalym", "әкім", "әkim"})
# Words that start with a role stem but name an office, not a person.
NOT_ROLES = (
    "министрлі", "ministrli", "مينيسترلى", "әкімдік", "әкімшіл", "әkimdik", "әkimshil", "акимат",
    "басшылы", "ректорат", "посольств",
)
# "And" inside an institution's name ("Білім және ғылым министрлігі"), which otherwise stops a role phrase.
AND_WORDS = frozenset({"және", "jәne", "jáne", "جانە"})
# Words that end a role phrase when read backwards from a name. Among them the turn to speak, which a roundtable's
# report gives a speaker before their role ("Келесі сөз кезегі сарапшы Талғат Қалиевке берілді": the next turn went
# to the expert Talgat Qaliev): a case ending does not stop it, and no office's name holds it.
CHAIN_STOPS = frozenset(
    "және мен пен бен ал әрі бірақ бұл осы сол бүгін кеше сондай-ақ да де та те кезек кезегі кезегін "
    "jәne men pen ben al biraq búl osy býgin keshe kezek kezegi kezegin "
    "جانە مەن پەن بەن ال بۇل كەزەك كەزەگى كەزەگىن "
    "и а но в на по с о об от для это также".split()
)
# Capitalised words that are never part of a person's name, though a sentence may start with them ("Кеше Астана
# қаласында …": yesterday in Astana, "Жиында Қазақстан …": at the meeting, Kazakhstan …).
CAPITAL_STOPS = frozenset(
    "бұл ал бірақ мысалы мәселен бірінші екінші үшінші қазақстан республикасы мемлекет "
    "үкімет парламент мәжіліс сенат азаматтық қоғамдық ұлттық "
    "бүгін кеше ертең биыл былтыр жуырда қазір алайда дегенмен сонымен сондықтан себебі өйткені астана алматы "
    "búl al biraq mysaly qazaqstan respublikasy býgin keshe biyl qazir alayda sondyqtan astana almaty "
    "в на по и а но однако когда казахстан россия республика вчера сегодня также".split()
)
# Tokens an institution's name may hold between the word that stops its role phrase and its capitalised first word.
MAX_INSIDE = 6
LIST_SEPARATOR = re.compile(r"\s*(?:,|және|мен|пен|бен|jәne|men|pen|ben|جانە|مەن|پەن|بەن|и|and)\s*", re.I)

# --------------------------------------------------------------------------
# Regexes
# --------------------------------------------------------------------------

DASHES = "–—-"
ENDS = ".!?…؟"
_UPPER = "A-ZА-ЯЁӘҒҚҢӨҰҮҺІÁÓÚÝÄÖÜÇĞŞÑİƏ"
_ARABIC_LETTERS = "\u0621-\u064A\u0671-\u06FF"
# A name's initials, before the next word of the name with a space or none ("Ә. Нұрмағанбет", "А. Н. Бөкейхан",
# "Ә.Нұрмағанбет", "ا.ن. بۋكەيحان"): a lone capital (any letter in Arabic script, which has no capitals) and its dot,
# which ends no sentence. Case-sensitive under re.I: "т.б." (and so on) is no initial. Atomic: a run is read as its
# longest, once; else each space in "А. Б. В. …" could end one initial or go on with the next, and a pattern that
# fails after it (no comma after "По словам …", no colon after a speaker line's name) tried every way to split it.
_INITIALS = (
    rf"(?>(?-i:(?<![\w'’.-])[{_UPPER}{_ARABIC_LETTERS}]\.(?:[ \xa0]?[{_UPPER}{_ARABIC_LETTERS}]\.)*"
    rf"(?=[ \xa0]?[{_UPPER}{_ARABIC_LETTERS}])))"
)
INITIALS = re.compile(_INITIALS)
_VERB = rf"(?:(?P<ask>{'|'.join(ASK_VERBS)})|(?P<say>{'|'.join(SAY_VERBS)}))(?!\w)"
# What follows the verb up to the sentence's end, over the dots of initials ("деді Ә. Нұрмағанбет."). Initials first:
# the lone capital would otherwise end the rest at its dot.
_REST = rf"(?P<rest>(?:{_INITIALS}|[^{ENDS}«»\n])*)"
# What may follow a closing guillemet: «…», – деді ол.
INLINE_ATTRIBUTION = re.compile(rf"[\s,،.!?…؟]*(?:[{DASHES}]\s*)?{_VERB}{_REST}", re.I)
# The closing attribution inside a dash paragraph: – …, – дейді.
DASH_ATTRIBUTION = re.compile(rf"[,،]?\s+[{DASHES}]\s*{_VERB}{_REST}", re.I)
LEADING_DASH = re.compile(rf"\s*[{DASHES}]\s*(?=\S)")
# An attribution inside the guillemets, between two halves of the speech: «Біз жеңеміз, – деді Айдос Сарым. – Бұл анық».
INTERRUPTING = re.compile(rf"[,،]?\s+[{DASHES}]\s*{_VERB}{_REST}[{ENDS},،]\s*[{DASHES}]\s+", re.I)
# A verb of saying anywhere: a paragraph holding one tells of speech rather than being an answer's next paragraph.
SPEECH_VERB = re.compile(rf"(?<!\w){_VERB}", re.I)
# A colon after a verb of saying: "Министр былай деді: «…»".
SAID_BEFORE = re.compile(rf"(?<!\w){_VERB}\s*:\s*$", re.I)
# A place or time, not a person: a word with a locative, dative or ablative ending ("Астанада": in Astana).
PLACE_ENDING = re.compile(
    r"(?:да|де|та|те|ға|ге|қа|ке|нан|нен|дан|ден|тан|тен|da|de|ta|te|gha|ge|qa|ke|nan|nen|dan|den|tan|ten|"
    r"دا|دە|تا|تە|عا|گە|قا|كە|نان|نەن|دان|دەن|تان|تەن)$"
)
# A word in the accusative right before «…»: what follows names it (бұл кезеңді «ақтаңдақ» деп есептейді).
ACCUSATIVE = re.compile(r"(?:ды|ді|ты|ті|ны|ні|dy|di|ty|ti|ny|ni|دى|تى|نى)$")
GUILLEMET = re.compile("[«»]")
# Every role stem a folded role holds, overlapping ones too ("директор" holds "ректор"), in one pass: no stem starts
# another, so at most one starts at each offset.
ROLE_STEMS_INSIDE = re.compile(f"(?=({'|'.join(map(re.escape, ROLE_STEMS))}))")
# A proverb or saying, which no speaker of the text says: a word naming one in the sentence before the quote ("Бір
# мақал бар: «…»", "Халық даналығы: «…»"; not "мақала": an article), or a formula after it ("«…» дегендей,": as the
# saying goes; "демекші", "деген сөз бар": there is a saying).
PROVERB_WORD = re.compile(
    r"^(?:мақал(?!а)|мәтел|нақыл|даналы[қғ]|maqal(?!a)|mәtel|naqyl|danaly[qg]|ماقال(?!ا)|ناقىل|دانالى|пословиц|поговорк)"
)
PROVERB_AFTER = re.compile(
    r"[\s,،]*(?:дегендей|демекші|деген\s+(?:сөз|мақал|нақыл)|degendey|degendei|demekshi|degen\s+(?:sóz|maqal|naqyl)|"
    r"دەگەندەي|دەمەكشى|دەگەن\s+(?:ء?سوز|ماقال|ناقىل))(?!\w)",
    re.I,
)
# After a closing guillemet, the next of a list: «Nur Otan», «Ақ жол» және «Ауыл».
LISTED_NEXT = re.compile(r"\s*(?:[,،;]|\s(?:және|жане|jáne|jәne|jane|جانە|и|and))\s*«")
CONTINUATION = re.compile(rf"[{ENDS},،]?\s*[{DASHES}]\s+(?=\S)")
INDIRECT_TAIL = re.compile(r"\s*[,،]\s*")
RUSSIAN_INDIRECT_WORDS = ("словам", "мнению", "оценке", "утверждению")
INDIRECT_RU = re.compile(
    r"(?<!\w)[Пп]о\s+(?P<who>(?:его|её|ее|их)\s+(?:словам|мнению)|"
    rf"(?:словам|мнению|оценке|утверждению)\s+(?:{_INITIALS}|[^,.!?«»]){{2,80}}?)\s*,\s*"  # "По словам А. Петрова,"
)
# "Дарқан ҚАЛЕТАЕВ:" alone, or followed by its quote: "Саясат НҰРБЕК: – Біз …".
# A word of a speaker line's name: no sentence's end in it but the dots of initials ("Ә. НҰРМАҒАНБЕТ", "Ә.НҰРМАҒАНБЕТ").
_LINE_WORD = rf"(?:{_INITIALS}|[^\s:.!?…؟«»–—])+"
SPEAKER_LINE = re.compile(rf"\s*(?P<name>{_LINE_WORD}(?:[ \xa0]{_LINE_WORD}){{0,2}})\s*:\s*(?P<rest>.*)$", re.S)
# A turn of an interview that names no person: a label of a word or two, a colon and a dash ("Abai.kz: – …?",
# "Тілші: – …?": the outlet's, the reporter's question).
LABEL_LINE = re.compile(r"\s*[^\s:«»–—]+(?:[ \xa0][^\s:«»–—]+)?\s*:\s*[–—-]\s*\S")
# The interviewer's thanks for the interview, which close it without a label ("Сұхбатыңызға рахмет!", "Әңгімеңізге
# көп рахмет!", "Спасибо за интервью!"): a word of thanks and a word for the interview, in one sentence. The word
# itself: not "Алла рахметіне алсын" (God rest his soul) nor "благодаря" (thanks to, owing to) in an answer.
THANKS = re.compile(
    r"(?<!\w)(?:(?:рахмет|рақмет|rahmet|raqmet|rakhmet|راحمەت|راقمەت|спасибо)(?!\w)|благодар(?!я(?!\w)))", re.I
)
INTERVIEW_WORD = re.compile(
    r"(?<!\w)(?:сұхбат|әңгіме|súhbat|suhbat|sýhbat|ángime|әngime|angime|سۇحبات|[ءٴ]?اڭگىمە|интервью|бесед)", re.I
)
# A speaker line whose name follows a role phrase in lower case: "Білім және ғылым министрі Ерлан Сағадиев: – …",
# "Қаржы министрі Т. Дүйсенова: – …".
ROLE_SPEAKER_LINE = re.compile(rf"\s*(?P<name>{_LINE_WORD}(?:[ \xa0]{_LINE_WORD}){{2,8}})\s*:\s*(?P<rest>[–—-].*)$", re.S)
SENTENCE_END = re.compile(r"[.!?…؟]+(?=\s|$)")
_CAPITALISED = rf"[{_UPPER}](?:[^\W\d_]|['’-](?=[^\W\d_]))+"
# The capital comes first and the look-behind after it: far faster than a leading look-behind. The first word may
# be an initial or two before the surname, with a space or none ("Т. Дүйсенованың", "А. Н. Бөкейхан", "Ә.Нұрмағанбет").
NAME_RUN = re.compile(
    rf"[{_UPPER}](?<![\w'’-].)(?:(?:[^\W\d_]|['’-](?=[^\W\d_]))+(?:[ \xa0]{_CAPITALISED})+"
    rf"|\.(?:[ \xa0]?[{_UPPER}]\.)?[ \xa0]?{_CAPITALISED}(?:[ \xa0]{_CAPITALISED})*)(?![\w'’-])"
)
CAPITAL_WORD = re.compile(rf"[{_UPPER}](?<![\w'’-].)(?:[^\W\d_]|['’-](?=[^\W\d_]))+(?![\w'’-])")
TOKEN = re.compile(r"«[^«»]*»|[^\s,.;:!?()«»…؟،\"“”]+|[,.;:!?()…؟،]")
GENITIVE = re.compile(r"(?:[тдн][ыі]ң|[tdn][yi]ng|[تدن]ىڭ)$")
# Other case endings, stripped from a surname only after a surname ending.
OTHER_CASE = re.compile(
    r"(?<=ов|ев|ин|ov|ev|in|وۆ|ەۆ)(?:қа|ке|ға|ге|ты|ті|ды|ді|та|те|тан|тен|пен|qa|ke|gha|ge|ty|ti|ta|te|tan|ten|pen)$"
)
PLURAL = re.compile(r"(?:[лдт][ае]р|[ldt][ae]r|[لدت][اە]ر)$")
SURNAME_ENDINGS = r"ов|ев|ёв|ин|ова|ева|ина|овой|евой|иной|ский|ская|бек|ұлы|қызы|ov|ev|in|ova|eva|ina|bek|uly|úly|qyzy"
SURNAME_END = re.compile(rf"(?:{SURNAME_ENDINGS})$")
PATRONYMIC = re.compile(r"(?:ович|евич|овна|евна|ична|ұлы|қызы|uly|úly|qyzy)$")
# Russian genitive → nominative, for names after "по словам": male, and female by the surname.
RUSSIAN_GENITIVE_CONTEXT = re.compile(r"(?<!\w)[Пп]о\s+(?:словам|мнению|оценке|утверждению)\s+(?:[^\W\d_]+\s+){0,3}$")
FEMALE_GENITIVE = re.compile(r"(?:овой|евой|иной|ской|цкой)$")
NOMINATIVE_MALE = (("ского", "ский"), ("ия", "ий"), ("ея", "ей"), ("ая", "ай"), ("я", "ь"), ("ы", "а"), ("а", ""))
NOMINATIVE_FEMALE = (
    ("ской", "ская"), ("ой", "а"), ("ии", "ия"), ("ьи", "ья"), ("ги", "га"), ("ки", "ка"), ("хи", "ха"), ("ы", "а"),
)
# Kazakh case and verb endings that cannot sit inside "Қоғамдық даму министрі".
# A possessive ending, third person, as a compound's head carries it: after a role stem ("министрі", "төрағасы"),
# or -сы/-сі after any noun ("облысы"); a bare -ы/-і may be the stem's own ("сарапшы").
POSSESSIVE = re.compile(r"(?:[ыі]|[yi]|[ىي])$")
POSSESSIVE_AFTER_VOWEL = re.compile(r"(?:с[ыі]|s[yi]|س[ىي])$")
CASE_STOP = {
    "cyrl": re.compile(r"(?:[дтн][ыі]|[ғгқк][ае]|[ғгқк][ае]н|[дт][ае])$"),
    "latn": re.compile(r"(?:[dtn][yi]|(?:gh|g|q|k)[ae]n?|[dt][ae])$"),
    "arab": re.compile(r"(?:[دتن][ىي]|[عگقك][اە]ن?|[دت][اە])$"),
}
# A verbal noun ("қорғау": protecting, "дамыту", "qorghau", "قورعاۋ"), which may govern an accusative inside a role
# phrase ("халықты әлеуметтік қорғау министрі").
VERBAL_NOUN = re.compile(r"(?<=\w{3})(?:у|ю|u|ý|ۋ)$")
# A comma a role phrase's tokens were joined around: "даму , инновациялар" → "даму, инновациялар".
INSIDE_COMMA = re.compile(r"\s+([,،])")
VERB_WORD = re.compile(rf"(?:{'|'.join(SAY_VERBS + ASK_VERBS)}|деп|dep|دەپ)", re.I)
# The words of a name; its initials are one word, apart from the surname they may be glued to, so "Ә.Нұрмағанбет"
# is the name "Ә. Нұрмағанбет", as spelled with a space, and "А. Н. Бөкейхан" a name of two words like "А.Н. Бөкейхан".
NAME_WORD = re.compile(rf"{_INITIALS}|\S+")
LETTERS = re.compile(r"[^\W\d_]+")
OTHER_QUOTES = re.compile(r'"[^"\n]+"|“[^“”\n]+”|„[^“”\n]+[“”]')
LATIN_DIGRAPH_H = re.compile(r"(?<=[A-Z])h")  # "SYILYGhY": abai.kz writes Ғ as Gh even in capitals
ARABIC = re.compile(rf"[{_ARABIC_LETTERS}]")
LATIN = re.compile(r"[A-Za-zÁÓÚÝáóúýÄÖÜäöüÇĞŞÑçğşñİı]")
KAZAKH_LETTERS = re.compile(r"[әғқңөұүһіӘҒҚҢӨҰҮҺІ]")
SKELETON = str.maketrans("әғқңөұүһіё", "агкноуухие")
