"""The words the claim extractor knows, in English and Korean.

Small hand-made lexicons compiled into linear-time regexes (alternations of literals
with bounded gaps; no nested quantifiers). English terms are matched between
non-letters, so Korean particles may follow directly ("Adam이", "SGD보다"); Korean
terms are matched as prefixes of the written word, so particles and endings attached
to them ("정확도는/정확도가/정확도를", "감소했다/감소하였다") need no morphology.

Each table is a list of ``(key, pattern)``; the first alternative that matches at a
position wins, so longer phrases come before their prefixes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache


def en(p: str) -> str:
    """An English pattern matched between non-letters."""
    return rf"(?<![A-Za-z])(?:{p})(?![A-Za-z])"


@dataclass(frozen=True)
class Hit:
    """One lexicon match.

    Attributes:
        key: the canonical key of the matched entry.
        start: offset in the searched text.
        end: offset after the match.
    """

    key: str
    start: int
    end: int


class Lexicon:
    """A compiled ``(key, pattern)`` table: `find` returns every non-overlapping hit."""

    def __init__(self, entries: list[tuple[str, str]]):
        self.keys = [k for k, _ in entries]
        self.regex = re.compile("|".join(f"(?P<g{i}>{p})" for i, (_, p) in enumerate(entries)), re.IGNORECASE)

    def find(self, text: str) -> list[Hit]:
        """Every non-overlapping, non-empty match in `text`, leftmost first."""
        return [Hit(self.keys[int(m.lastgroup[1:])], m.start(), m.end()) for m in self.regex.finditer(text)
                if m.end() > m.start()]


# ---- metrics, splits, epochs ---------------------------------------------------------------------

METRICS = Lexicon([
    ("lr", en(r"learning[\s_-]?rates?") + "|" + en("lrs?") + "|" + en("eta0?") + r"|η|학습\s?률|러닝\s?레이트"),
    ("accuracy", en(r"(?:val_|train_|test_)?acc(?:uracy|uracies)?") + r"|정확도|정답률|정확성"),
    ("loss", en(r"(?:val_)?loss(?:es)?") + r"|손실|로스"),
    ("error_rate", en(r"error[\s_-]?rates?|errors?|mistakes?|misclassifications?")
     + r"|오차\s?율|오류\s?율|에러\s?율|오분류\s?율|오분류|오차|오류|에러"),
    ("probability", en(r"probabilit(?:y|ies)|confidence|prob") + r"|확률|신뢰도"),
    ("gap", en(r"gaps?|generali[sz]ation\s+gap") + r"|격차|갭"),
    ("rate", en(r"dropout\s+(?:rate|probability)|rate\s+p|keep[\s_]prob|p\s?=")
     + r"|(?:드롭아웃|dropout)\s?(?:비율|확률)|하이퍼\s?파라미터"),
])

SPLITS = Lexicon([
    ("val", en(r"val(?:idation)?(?:_acc(?:uracy)?|_loss)?|valid") + r"|검증|밸리데이션"),
    ("train", en(r"train(?:ing)?(?:_acc(?:uracy)?|_loss)?") + r"|훈련|학습\s?(?=(?:정확도|손실|데이터|세트|셋|곡선|오차|시\b))"),
    ("test", en(r"test(?:ing)?|held[\s-]?out|hold[\s-]?out") + r"|테스트|시험\s?(?=데이터|세트|셋)|평가\s?(?=데이터|세트|셋)"),
])

_EPOCH_WORD = r"(?:epochs?|에포크|에폭|에포치)"
EPOCHS = Lexicon([
    ("first", en(r"(?:the\s+)?(?:first|1st|initial)\s+(?:two\s+|few\s+|couple\s+of\s+)?epochs?")
     + "|" + en(r"(?:after|in)\s+(?:just\s+|only\s+)?one\s+epoch")
     + r"|첫\s?(?:번째\s?)?" + _EPOCH_WORD + r"|처음\s?(?:몇\s?)?" + _EPOCH_WORD + r"|초반"),
    ("last", en(r"(?:the\s+)?(?:last|final)\s+(?:epochs?|one)|at\s+the\s+end|by\s+the\s+end|in\s+the\s+end")
     + r"|마지막\s?(?:\(\d{1,4}\s?번째\)\s?)?" + _EPOCH_WORD + r"?|최종|끝까지|끝에서|후반"),
    ("n", en(r"epoch\s?#?\s?\d{1,4}") + r"|" + r"(?<![\d.])\d{1,4}\s?(?:st|nd|rd|th)?\s?(?:번째\s?)?" + _EPOCH_WORD
     + r"|" + _EPOCH_WORD + r"\s?\d{1,4}"),
])
# "final" as in "final validation accuracy" also refers to the last epoch (covered by "최종"/"last").
FINAL_WORD = re.compile(en(r"final|end(?:ed|ing)?|at\s+the\s+end|finally"), re.IGNORECASE)

# ---- subjects -------------------------------------------------------------------------------------

_PARTICLE = r"(?=(?:는|은|이|가|의|를|을|와|과|로|으로|에|보다|도|만|\s?\(|\s?:))"
TRANSFER = [
    ("B_on_A", r"model[\s_]?B[\s_-]?on[\s_-]?A|(?<![A-Za-z])B[\s_-]?on[\s_-]?A(?![A-Za-z])|"
               + en(r"transfer(?:red)?\s+(?:learning\s+)?model|reused\s+model|bona")
               + r"|전이\s?학습(?:한|된|을 한)?\s?(?:B\s?)?모델|전이\s?모델"),
    ("A", r"model[\s_]?A(?![A-Za-z])|task[\s_]?A(?![A-Za-z])|A\s?모델|모델\s?A(?![A-Za-z])|(?<![A-Za-z_-])A" + _PARTICLE),
    ("B", r"model[\s_]?B(?![A-Za-z_-])|task[\s_]?B(?![A-Za-z_])|B\s?모델|모델\s?B(?![A-Za-z_-])|"
          r"(?<![A-Za-z_-])B(?![\s_-]?on)" + _PARTICLE + "|"
          + en(r"(?:model\s+)?(?:trained\s+)?from\s+scratch|scratch\s+model")
          + r"|처음부터\s?학습한\s?(?:모델)?|스크래치\s?모델|scratch\s?모델"),
    ("transfer", en(r"transfer(?:\s+learning)?|pre-?trained\s+layers|reus(?:e|ed|ing)\s+(?:the\s+)?layers")
     + r"|전이\s?학습|사전\s?학습된?\s?층|층을\s?재사용"),
]
OPTIMIZERS = [
    ("nesterov", en(r"nesterov(?:\s+(?:momentum|accelerated\s+gradient|sgd))?|nag") + r"|네스테로프"),
    ("momentum", en(r"(?:sgd\s+with\s+)?momentum(?:\s+(?:optimi[sz]ation|sgd|optimi[sz]er))?|momentum[\s_-]?sgd")
     + r"|모멘텀"),
    ("sgd", en(r"(?:plain|vanilla|basic|simple)\s+sgd|sgd|(?:stochastic\s+)?gradient\s+descent")
     + r"|확률적\s?경사\s?하강법|경사\s?하강법"),
    ("adagrad", en(r"ada[\s-]?grad") + r"|아다그라드|에이다그래드"),
    ("rmsprop", en(r"rms[\s-]?prop") + r"|알엠에스프롭"),
    ("adamax", en(r"adamax") + r"|아다맥스|아담맥스"),
    ("nadam", en(r"nadam") + r"|나담"),
    ("adam", en(r"adam") + r"|아담"),
    ("adaptive", en(r"(?:the\s+)?adaptive(?:\s+(?:learning[\s-]rate\s+)?(?:optimi[sz]ers|optimi[sz]ation\s+methods|"
                    r"methods|ones|algorithms))?|adam\s+family|adam[\s-]based\s+optimi[sz]ers")
     + r"|적응형\s?(?:옵티마이저|최적화|방법|알고리즘)?(?:들)?|적응적\s?학습률\s?(?:방법|옵티마이저)?|Adam\s?계열"),
    ("others", en(r"(?:all\s+)?(?:the\s+)?other\s+(?:optimi[sz]ers|methods|ones)|the\s+others|the\s+rest")
     + r"|다른\s?(?:옵티마이저|방법|최적화\s?방법|것)(?:들)?|나머지\s?(?:옵티마이저)?(?:들)?"),
]
SCHEDULES = [
    ("1cycle", en(r"1[\s-]?cycle|one[\s-]?cycle") + r"|1\s?사이클|원\s?사이클"),
    ("power", en(r"power(?:\s+(?:scheduling|schedule|decay))?|inverse\s+time\s+decay") + r"|거듭\s?제곱|파워"),
    ("exponential", en(r"exponential(?:\s+(?:scheduling|schedule|decay))?|exp\s+decay")
     + r"|지수\s?(?=기반|스케[줄쥴]|감쇠|감소\s?스케|\()"),
    ("piecewise", en(r"piecewise(?:[\s_-]constant)?(?:\s+(?:scheduling|schedule))?")
     + r"|구간\s?별\s?(?:고정)?|구간\s?고정|조각\s?별|계단식\s?스케[줄쥴]"),
    ("performance", en(r"performance(?:\s+(?:scheduling|schedule|based))?|reduce[\s_-]?lr[\s_-]?on[\s_-]?plateau")
     + r"|성능\s?기반"),
]
DROPOUT = [
    ("no_dropout", en(r"without\s+(?:the\s+)?dropout|no[\s_-]dropout|model_no_dropout|history_no_dropout|"
                      r"dropout[\s-]free|non[\s-]dropout")
     + r"|드롭아웃\s?(?:이|을|를)?\s?(?:없이|없는|없을|없었던|안\s?(?:쓴|넣은|한)|사용하지\s?않은|적용하지\s?않은|"
       r"넣지\s?않은|미적용|제거한|뺀)"),
    ("dropout", en(r"(?:with\s+)?dropout(?:\s+(?:model|run|layers?))?") + r"|드롭아웃"),
]
CLASSES = [
    ("dog", en(r"dogs?|puppy") + r"|강아지|멍멍이|(?<![가-힣\d])개(?=(?:로|라고|라는|이다|입니다|였|이었|가|를|는|의|와|\s|$|[.,)]))"),
    ("cat", en(r"cats?|kitten") + r"|고양이"),
]
LABEL_ALIASES = {  # Korean names students give the ImageNet cat classes
    "tabby": r"태비|얼룩\s?고양이|줄무늬\s?고양이",
    "egyptian_cat": r"이집트\s?고양이",
    "tiger_cat": r"호랑이\s?고양이|타이거\s?캣",
    "persian_cat": r"페르시안\s?고양이",
}


def label_pattern(label: str) -> str:
    """An ImageNet label as written ("Egyptian_cat", "Egyptian cat", "egyptian-cat", "이집트 고양이")."""
    words = [re.escape(w) for w in re.split(r"[\s_-]+", label.strip()) if w]
    pat = en(r"[\s_-]?".join(words)) if words else r"(?!x)x"
    alias = LABEL_ALIASES.get("_".join(w.lower() for w in re.split(r"[\s_-]+", label.strip()) if w))
    return pat + (f"|{alias}" if alias else "")


@lru_cache(maxsize=64)
def subjects(lab: str | None, labels: tuple[str, ...] = ()) -> Lexicon:
    """Subjects a sentence can be about in `lab` (all labs' when None), plus the given class labels."""
    table = {"fashion-transfer": TRANSFER, "optimizers": OPTIMIZERS, "lr-schedules": SCHEDULES,
             "dropout": DROPOUT, "cats-dogs": [], "resnet50-top3": []}
    entries = [(f"label:{lab_}", label_pattern(lab_)) for lab_ in labels]
    if lab in table:
        entries += table[lab]
    else:
        entries += TRANSFER + OPTIMIZERS + SCHEDULES + DROPOUT
    return Lexicon(entries or [("none", r"(?!x)x")])


# ---- stance, negation, degree, hedges, grounding ------------------------------------------------

STANCE = Lexicon([
    ("good_fit", en(r"(?:generali[sz](?:es|ed|ing|e)|generali[sz]ation\s+(?:is|was))\s+(?:very\s+|quite\s+|pretty\s+)?"
                    r"(?:well|better|nicely|good)|good\s+fit|fits\s+well|well[\s-]fitted|well[\s-]generali[sz]ed")
     + r"|일반화(?:가|는)?\s?(?:잘|좋)|일반화\s?성능(?:이|은|도)?\s?(?:좋|높|우수|뛰어)|잘\s?일반화|적절(?:하게|히)\s?(?:학습|적합)|적정\s?적합"),
    ("overfit", en(r"over[\s-]?fit(?:ting|ted|s)?") + r"|과대\s?적합|과적합|오버\s?피팅|오버\s?핏"),
    ("underfit", en(r"under[\s-]?fit(?:ting|ted|s)?") + r"|과소\s?적합|언더\s?피팅|언더\s?핏"),
])
NEG_BEFORE = re.compile(en(r"no|not|n't|never|without|neither|nor|none|nothing|cannot|free\s+of|lack\s+of|absence\s+of|"
                           r"isn't|wasn't|didn't|doesn't|don't|aren't|weren't|won't|hasn't|haven't")
                        + r"|n't", re.IGNORECASE)
NEG_AFTER_EN = re.compile(en(r"not|never|n't|no\s+longer|absent|did\s+not\s+(?:occur|appear|happen)")
                          + r"|n't", re.IGNORECASE)
NEG_AFTER_KO = re.compile(r"않|없|아니|아닌|못\s?|안\s?(?:보|나|되|생|일어)|보기\s?(?:는\s?)?어렵|라고\s?(?:하기|보기)\s?(?:는\s?)?어렵|없이")
DEGREE = Lexicon([
    ("slight", en(r"slight(?:ly)?|a\s+(?:little|bit)|little|marginal(?:ly)?|modest(?:ly)?|mild(?:ly)?|minor|small|"
                  r"somewhat|only|barely|hardly|scarcely|a\s+touch")
     + r"|약간|조금|소폭|살짝|미세|다소|미미|약하게|가볍게"),
    ("strong", en(r"dramatic(?:ally)?|significant(?:ly)?|greatly|huge|massive(?:ly)?|a\s+lot|substantial(?:ly)?|"
                  r"considerabl[ey]|clear(?:ly)?|strong(?:ly)?|severe(?:ly)?|heav(?:y|ily)|bad(?:ly)?|much|far|big|"
                  r"large(?:ly)?|great(?:ly)?")
     + r"|크게|대폭|획기적|현저|훨씬|상당(?:히|한)|확실히|뚜렷|눈에\s?띄게|많이|심하게|심한|심각"),
])
HEDGE = re.compile(en(r"about|around|approximately|approx|roughly|nearly|almost|circa|ca|some|seems?|appears?|probably|"
                      r"likely|maybe|perhaps|might")
                   + r"|~|약|대략|거의|정도|쯤|가량|내외|것\s?같|듯|보인다|보임", re.IGNORECASE)
GENERIC = re.compile(en(r"usually|generally|in\s+general|typically|often|tends?\s+to|commonly|normally|in\s+theory|"
                        r"theoretically|is\s+known|are\s+known|in\s+practice|is\s+supposed\s+to|is\s+designed\s+to")
                     + r"|일반적으로|보통|대체로|흔히|통상|알려져|이론적으로|주로|대개", re.IGNORECASE)
EXAMPLE = re.compile(en(r"e\.g\.?|for\s+example|for\s+instance|such\s+as|say,") + r"|예를\s?들어|예를\s?들면|예컨대|예\s?:",
                     re.IGNORECASE)
DEIXIS = re.compile(en(r"my|our|mine|this\s+(?:run|experiment|lab|notebook|model|network|time|case)|here|above|below|"
                       r"plots?|graphs?|figures?|curves?|charts?|tables?|the\s+(?:run|results?|output)|plotted|"
                       r"we\s+(?:got|get|see|saw|observe|observed|obtain|obtained|can\s+see)|"
                       r"I\s+(?:got|get|see|saw|observe|observed|used|trained|ran|measured|obtained)|measured|observed|"
                       r"(?:during|throughout)\s+(?:the\s+)?(?:whole\s+|entire\s+)?(?:training|run)|the\s+whole\s+time|"
                       r"stays?|remains?|keeps?")
                    + r"|이번|실험|결과|그래프|곡선|그림|위의|아래의|아래\s|내\s|나의|우리|제가|직접|확인|관찰|측정|나왔|나와|나오|"
                      r"나타났|보였|기록|것으로\s?(?:보인|판단|생각)|것\s?같|로\s?보아|이\s?모델|학습한\s?모델|훈련한\s?모델|"
                      r"볼\s?수\s?있|알\s?수\s?있",
                    re.IGNORECASE)
# "the network generalises better" describes the trained model; "dropout helps regularise the network" is a
# textbook sentence: a definite reference grounds statements about the model, not claims about an intervention.
DEFINITE_MODEL = re.compile(en(r"the\s+(?:model|network|net|classifier)"), re.IGNORECASE)
PAST_EN = re.compile(en(r"was|were|did|had|got|went|rose|fell|grew|took|reached|ended|achieved|obtained|converged|"
                        r"improved|reduced|increased|decreased|dropped|stayed|remained|became|gave|showed|performed|"
                        r"helped|learned|learnt|started|stopped|plateaued|halved|peaked|jumped|climbed|stalled|"
                        r"overfitted|lowered|raised|cut|made|came|kept|outperformed|beat|lagged|trailed|closed|"
                        r"narrowed|widened|predicted|classified|recogni[sz]ed|paid|reused|trained|saw|seemed|"
                        r"brought|dipped|flattened|finished|scored|hit"), re.IGNORECASE)
CITED = re.compile(en(r"lectures?|lecture's|book|book's|textbook|slides?|paper|author|g[ée]ron|according\s+to|"
                      r"reports|reported|claims|tutorial|original\s+code")
                   + r"|강의|교재|교과서|책에서|책의|책은|슬라이드|논문|저자|원서|원문|예제에서", re.IGNORECASE)
HYPOTHETICAL = re.compile(en(r"(?:would|could)(?!\s*(?:[.,;)]|$))|if|were\s+to|otherwise|might\s+have")
                          + r"|(?<=[가-힣])(?<!보)(?<!계산하)(?<!따지)(?<!환산하)(?<!비교하)(?<!정리하)(?:다면|라면|려면|면)(?=\s|,|$)|했더라면",
                          re.IGNORECASE)  # "그래프를 보면", "오차율로 계산하면" (looking at, in terms of) are not conditions
QUESTION = re.compile(r"\?\s*$")

# ---- comparisons, rankings, effects, shapes -----------------------------------------------------

RANK = Lexicon([
    ("speed_best", en(r"fastest|quickest|most\s+quickly|earliest|first\s+to\s+converge") + r"|가장\s?(?:빠르|빨리|빨랐|빠른|먼저)|"
                   r"제일\s?(?:빠르|빨리|빨랐|빠른)|수렴(?:이|은|도)?\s?가장\s?빨|가장\s?빠르게"),
    ("speed_worst", en(r"slowest|most\s+slowly|last\s+to\s+converge") + r"|가장\s?(?:느리|느린|느렸|늦)|제일\s?(?:느리|느린|느렸)"),
    ("final_best", en(r"best|highest|top[\s-]?1|top\s+prediction|most\s+accurate|most\s+likely|most\s+probable|winner|"
                      r"first\s+place|number\s+one") + r"|가장\s?(?:높|좋|우수|큰\s?확률|뛰어)|제일\s?(?:높|좋)|최고|1위|1순위|1등"),
    ("final_worst", en(r"worst|lowest|least\s+accurate") + r"|가장\s?(?:낮|나쁘|나빴|떨어)|제일\s?(?:낮|나쁘)|최하|최저|꼴찌"),
])
COMPARE = Lexicon([
    ("speed_more", en(r"faster|quicker|more\s+quickly|earlier|ahead\s+of") + r"|빠르|빨리|빨랐|빠른|앞섰|앞서"),
    ("speed_less", en(r"slower|more\s+slowly|behind|lagg(?:ed|ing)\s+behind|trail(?:ed|ing)") + r"|느리|느린|느렸|뒤처|뒤쳐"),
    ("final_more", en(r"better|higher|more\s+accurate|outperform(?:ed|s)?|beat|larger|bigger|more") + r"|높|좋|우수|커|크"),
    ("final_less", en(r"worse|lower|less\s+accurate|smaller|fewer|less") + r"|낮|나쁘|나빴|작|적게|적었"),
])
THAN = re.compile(en(r"than|compared\s+(?:to|with)|vs\.?|versus|relative\s+to|over") + r"|보다|에\s?비해|대비|와\s?비교|과\s?비교",
                  re.IGNORECASE)
EFFECT = Lexicon([
    ("no_gain", en(r"no\s+(?:real\s+|significant\s+|big\s+|clear\s+|noticeable\s+|major\s+)?(?:difference|improvement|"
                   r"gain|effect|benefit|change)|did(?:n't|\s+not)\s+(?:really\s+)?help|barely\s+(?:helped|improved|"
                   r"changed)|hardly\s+(?:helped|improved|changed)|negligible|"
                   r"little\s+(?:difference|improvement|effect|"
                   r"benefit)|about\s+the\s+same|roughly\s+the\s+same|same\s+(?:accuracy|performance)")
     + r"|거의\s?(?:없|차이|같|비슷|동일)|차이가\s?(?:거의\s?)?없|별\s?차이|미미|큰\s?차이(?:가|는)?\s?없|효과가\s?(?:거의\s?)?없|"
       r"그다지|크지\s?않|비슷한\s?수준|비슷했"),
    ("gain", en(r"help(?:ed|s)?|improv(?:e|ed|es|ement|ing)|boost(?:ed|s)?|benefit(?:ed|s)?|paid\s+off|pays\s+off|"
                r"worked|works|effective|useful|closed|narrowed|prevent(?:ed|s)?|mitigat(?:e|ed|es)|"
                r"reduc(?:e|ed|es)\s+(?:the\s+)?(?:overfitting|gap|errors?)|cut\s+(?:the\s+)?(?:errors?|error\s+rate)")
     + r"|도움|향상|개선|좋아졌|높아졌|효과(?:가|를)?\s?(?:있었|봤|보였|확실)|효과적|완화|방지|막았|막아|사라졌|좁혀|줄여\s?주었"),
    ("hurt", en(r"worse|hurt|harm(?:ed|ful)?|degrad(?:e|ed|es)|backfired|made\s+(?:things\s+)?worse")
     + r"|오히려\s?(?:낮|떨어|나빠|안\s?좋)|악화|나빠졌|역효과"),
])
UP = re.compile(en(r"increas(?:e|ed|es|ing)|rose|rise[sn]?|rising|went\s+up|goes\s+up|grew|grow(?:s|ing)?|raised?|"
                   r"ramp(?:ed|s)?\s+up|climb(?:ed|s)?|warm(?:ed|s|ing)?[\s-]?up|warm[\s-]?up|up\s+to|peak(?:ed|s)?")
                + r"|증가|올라|오르|올랐|상승|키워|키우|커지|커졌|높아|높여|웜업", re.IGNORECASE)
DOWN = re.compile(en(r"decreas(?:e|ed|es|ing)|decay(?:ed|s|ing)?|dropp(?:ed|ing)|drops?|f[ae]ll(?:s|ing)?|"
                     r"lower(?:ed|s)?|"
                     r"reduc(?:e|ed|es|ing|tion)|shr[ai]nk(?:s|ing)?|declin(?:e|ed|es|ing)|halv(?:e|ed|es|ing)|"
                     r"came\s+(?:back\s+)?down|comes?\s+(?:back\s+)?down|brought\s+(?:it\s+)?(?:back\s+)?down|"
                     r"went\s+down|"
                     r"back\s+down|anneal(?:ed|ing|s)?|cut")
                  + r"|감소|줄어|줄었|줄이|줄여|줄지|낮아|낮춰|낮추|떨어|하락|작아|내려|내렸|절반", re.IGNORECASE)
SHAPE = Lexicon([
    ("constant", en(r"constant(?!\s+(?:factor|ratio|fraction|amount|proportion|percentage|multiplier))|unchanged|"
                    r"fixed|flat|did(?:n't|\s+not)\s+change|never\s+changed|stayed\s+the\s+same|"
                    r"stays?\s+at|stayed\s+at|remained\s+at") + r"|일정하|일정했|고정되|변하지\s?않|그대로|변화가\s?없|변화\s?없|평평"),
    ("steps", en(r"steps?|stair(?:case|s)?|piecewise|abrupt(?:ly)?|sudden(?:ly)?|jumps?") + r"|계단|단계적|뚝|갑자기|구간마다"),
    ("smooth", en(r"smooth(?:ly)?|gradual(?:ly)?|continuous(?:ly)?|steady|steadily|exponentially|geometric(?:ally)?|"
                  r"every\s+epoch|each\s+epoch|straight\s+line|1/\(1")
     + r"|부드럽|점진|서서히|완만|지수적|매\s?에포크|에포크마다|꾸준히|점점|조금씩"),
    ("plateau", en(r"plateau(?:s|ed)?|stall(?:ed|s)?|stopped\s+improving|no\s+improvement|did\s+not\s+improve|patience")
     + r"|정체|개선되지\s?않|개선이\s?없|향상되지\s?않|좋아지지\s?않"),
])
PREDICT = re.compile(en(r"predict(?:ed|s|ion|ions)?|classif(?:y|ied|ies|ication)|recogni[sz](?:e|ed|es)|identified|"
                        r"labell?ed|says|said|output|answer(?:ed)?|guess(?:ed)?")
                     + r"|예측|분류|판단|인식|맞혔|맞췄|맞추|맞게|알아", re.IGNORECASE)
CORRECT = re.compile(en(r"correct(?:ly)?|right(?:ly)?|successfully|properly") + r"|맞혔|맞췄|정확하게|올바르게|제대로|정답",
                     re.IGNORECASE)
WRONG = re.compile(en(r"wrong(?:ly)?|incorrect(?:ly)?|misclassif(?:ied|y)|mistak(?:e|enly)") + r"|틀렸|틀리|잘못|오분류",
                   re.IGNORECASE)
AS_CLASS = re.compile(en(r"(?:as|is|was)\s+(?:an?\s+)?") + r"$|^\s?(?:로|으로|라고)", re.IGNORECASE)
DIV255 = re.compile(r"255")
PER_CALL = re.compile(en(r"(?:every|each)\s+(?:single\s+)?(?:call|time|invocation)|per\s+call|rebuil[dt]s?|"
                         r"re-?creat(?:e|ed|es|ing)|re-?load(?:s|ed|ing)?|re-?build(?:ing|s)?|builds\s+.{0,40}inside")
                      + r"|매번|호출할\s?때마다|호출마다|실행할\s?때마다|부를\s?때마다|다시\s?(?:만들|생성|로드|불러)|새로\s?(?:만들|생성|로드|불러)",
                      re.IGNORECASE)
ONCE = re.compile(en(r"(?:only\s+)?once|reus(?:e|es|ed|ing)|re-used|cach(?:e|ed|es|ing)|global(?:ly)?|"
                     r"outside\s+(?:the\s+)?(?:function|classify)")
                  + r"|한\s?번만|한번만|재사용|전역|미리\s?(?:만들|생성|로드)|함수\s?밖", re.IGNORECASE)
CALL_ORDINAL = Lexicon([
    ("first", en(r"first\s+(?:call|run|invocation|time)|the\s+first") + r"|첫\s?(?:번째\s?)?(?:호출|실행)|처음\s?(?:호출|실행)"),
    ("second", en(r"(?:second|2nd)\s+(?:call|run|invocation|time)|the\s+second|again") + r"|두\s?번째|2\s?번째|다시\s?호출|재호출"),
])
FAST = re.compile(en(r"instant(?:ly|aneous)?|immediate(?:ly)?|almost\s+no\s+time|much\s+faster|fast|quick(?:ly)?")
                  + r"|바로|즉시|금방|빨랐|빠르게|빨라", re.IGNORECASE)
SLOW = re.compile(en(r"still\s+(?:slow|took)|as\s+slow|just\s+as\s+long|similar(?:ly)?|same\s+time|slow")
                  + r"|여전히|마찬가지|비슷|느렸|느리", re.IGNORECASE)
PREPROCESS = re.compile(en(r"preprocess(?:_input|ing|ed)?|pre-process(?:ing)?") + r"|전처리", re.IGNORECASE)
REASON_RESNET = re.compile(en(r"mean|means|bgr|rgb|caffe|channels?|trained|training|same|distribution|range|scale|"
                              r"imagenet|normali[sz]\w*|zero[\s-]cent\w*|match\w*|expects?")
                           + r"|평균|채널|학습(?:될|할|된|시|때|\s?데이터)|훈련|같은|동일|분포|범위|스케일|이미지넷|정규화|일치|맞", re.IGNORECASE)
MATCH_TRAINING = re.compile(en(r"same|match(?:es|ing)?|mismatch\w*|consistent|identical|as\s+(?:in|during)\s+training|"
                               r"(?:the\s+)?training\s+(?:preprocessing|pipeline)|range|different|differs")
                            + r"|같은|동일|일치|맞춰|맞게|맞아야|다르|달라|불일치|범위|-1\s?~\s?1|\[-1,\s?1\]", re.IGNORECASE)
NOT_MATTER = re.compile(en(r"(?:does|do|did)(?:\s+not|n't)\s+(?:really\s+)?matter|unnecessary|"
                           r"not\s+(?:really\s+)?needed|"
                           r"no\s+difference|only\s+resizes|optional")
                        + r"|상관\s?없|필요\s?없|필요가\s?없|의미\s?없|차이가\s?없|안\s?해도", re.IGNORECASE)
RELATIVE = re.compile(en(r"that\s+much|as\s+much|as\s+large|as\s+big|that\s+big") + r"|그만큼|그\s?정도|그렇게\s?크",
                      re.IGNORECASE)
REDUCTION = re.compile(en(r"fewer|less|reduc(?:e|ed|es|tion)|cut|lower|drop(?:ped)?|decreas(?:e|ed)|down")
                       + r"|감소|줄|낮아|떨어", re.IGNORECASE)
# A split that is the object of a comparison: "(higher) than (the) validation ...", "검증 (정확도)보다".
COMPARED_AFTER = re.compile(r"\s*(?:(?:정확도|손실|오차|성능|데이터|세트|셋)\s?)?보다")
COMPARED_BEFORE = re.compile(en(r"than(?:\s+(?:the|on|on\s+the|in|in\s+the))?") + r"\s*$", re.IGNORECASE)
FROM_TO = re.compile(en(r"from") + r"|에서|→|->|=>", re.IGNORECASE)
