"""Pure word-level helpers for phrasing: topic words of a key point, and leak checks.

A follow-up, hint or acknowledgement must point at a topic without stating the claim. These
helpers pick short topic phrases out of a key point and detect text that gives the claim away.
"""

from __future__ import annotations

import re
import unicodedata


def _wordset(text: str) -> frozenset[str]:
    return frozenset(text.split())


STOP_WORDS = _wordset(
    """
    a about above after again against all also am an and any are as at be because been before
    being below between both but by can could did do does doing down during each either else few
    for from further had has have having he her here hers him his how i if in into is it its
    itself just less let like may me might more most much must my no nor not of off often on
    once one only or other our out over own per rather same she should since so some such than
    that the their them then there these they this those though through thus to too under until
    up upon us very via was we were what when where whether which while who whom whose why will
    with within without would yet you your its it's instead whereas etc e.g i.e vs versus
    little
    """
)

# Verbs, adverbs and fillers that carry the claim rather than the topic ("X *reduces* Y").
# Topic phrases are cut at these words, so a follow-up names X and Y but not the relation.
CLAIM_WORDS = _wordset(
    """
    use uses used using make makes made making give gives gave giving take takes taking help
    helps helping allow allows allowing let lets need needs needed require requires required
    mean means meant increase increases increasing increased decrease decreases decreasing
    decreased reduce reduces reducing reduced improve improves improving improved cause causes
    causing caused lead leads leading led prevent prevents preventing avoid avoids avoiding work
    works working keep keeps keeping become becomes became add adds adding remove removes
    removing train trains trained trainer compute computes computed computing measure measures
    measured estimate estimates estimated combine combines combined focus focuses focusing
    average averages averaged depend depends depending tend tends happen happens produce
    produces produced return returns returned apply applies applied change changes changed
    handle handles handled fit fits fitted learn learns learned learnt capture captures captured
    control controls controlled penalise penalises penalize penalizes penalised penalized shrink
    shrinks shrinking push pushes pushing set sets setting get gets getting show shows shown
    find finds found treat treats treated rely relies relying assume assumes assumed map maps
    mapped only mainly mostly usually typically generally always never often sometimes
    especially directly strongly better worse best worst higher lower larger smaller more less
    fewer greater high low large small many new same different differ differs difference
    independently sequentially together separately each every rather well much very instead
    whereas while making ones one two three first second both either neither based given called
    known i.e. e.g. etc maximise maximises maximize maximizes maximising minimise minimises
    minimize minimizes minimising pick picks picked detect detects detected stop stops stopped
    limit limits limited suit suits suited dominate dominates dominated flow flows flowing zero
    zeroes zeroed act acts acting plot plots plotted rank ranks ranked multiply multiplies
    multiplied scale scales scaled name names named choose chooses chose chosen sets gives
    shrinks explode explodes exploding vanish vanishes grow grows grew generalise
    generalises generalize generalizes matter matters describe describes describing explain
    explains ensure ensures ensuring provide provides providing include includes including
    contain contains create creates created drop drops dropped select selects
    selected respect respects sufficient enough still built build builds determine determines
    determined move moves moved toward towards parameterise parameterises parameterize
    parameterizes overfit overfits underfit underfits struggle struggles trade trades traded
    replace replaces replaced supplies ascend ascends descend descends sped differ imputes impute
    send sends stay stays kept try tries tried lets gets makes along around across exactly
    simply even also just like unlike similar similarly whose thereby hence therefore vary
    varies varying
    """
    # Verbs found ending topic runs in the bundled bank's key points ("learning curves
    # *diagnose*", "CNNs *slide*"); words that are as often nouns (profile, update, split,
    # release, monitor, transform) are left out.
    """
    accumulate accumulates adapt adapts addresses affect affects aggregates agree agrees
    approximate approximates arrive arrives cancel cancels carry carries come comes compare
    compared compress compresses concentrate concentrates confirm confirms connect connects
    converge converges cope copes correspond corresponds decide decides decompose decomposes
    decorrelate decorrelates define defines degrade degrades deploy deploys detrend diagnose
    diagnoses diagonalise divide divides drive drives equal equals evaluate evaluates exceed
    exceeds exist exists expect expects fail fails forget forgets hurt hurts
    identify identifies imply implies impose imposes integrate integrates interact interacts
    isolate isolates leak leaks lie lies lose loses merge merges mislead misleads mitigate
    mitigates optimise optimises optimize optimizes outrank outranks parallelise parallelises pull
    pulls pulled
    permit permits predict predicts prefer prefers prioritise prioritises reach reaches
    recalibrate recommend recommends reconstruct reconstructs reintroduce reintroduces remain
    remains repeat repeats rescale rescales retrain retrains reuse reuses reveal
    reveals saturate saturates serve serves settle settles simplify simplifies slide slides
    solve solves standardise standardises suffer suffers subtract subtracts
    trigger triggers tune tunes unscale validate validates watch watches rests govern governs
    alternate alternates assign assigns assigning share shares ignore ignores ignoring separate
    separates preserve preserves preserving fixed explaining
    """
)

NOT_ADVERBS = frozenset({"early", "anomaly", "family", "assembly", "supply", "monopoly", "poly"})

# Words too vague to name a topic on their own ("how does the *model* relate to *data*").
GENERIC = _wordset(
    """
    model models data time way thing things value values method methods approach result results
    number set part type types case cases example fraction problem amount kind kinds point
    points term terms step steps process output input inputs outputs function ones use level
    levels version standard ways lot lots plenty
    """
)

_TOKEN = re.compile(r"[A-Za-z][A-Za-z0-9\-']*|\d+(?:\.\d+)?")


def normalise(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).lower().replace("’", "'")
    return re.sub(r"\s+", " ", text).strip()


def tokens(text: str) -> list[str]:
    return [t.lower().strip("'-") for t in _TOKEN.findall(unicodedata.normalize("NFKC", text))]


def _stem(word: str) -> str:
    """A crude stemmer: enough to match "samples" with "sample" and "reduces" with "reduce"."""
    for suffix in ("ations", "ation", "ings", "ing", "ies", "es", "ed", "ly", "s"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            return word[: -len(suffix)]
    return word


def content_words(text: str) -> list[str]:
    """Words that carry meaning: no stop words, no one- or two-letter words."""
    return [t for t in tokens(text) if t not in STOP_WORDS and len(t) > 2]


def content_stems(text: str) -> set[str]:
    return {_stem(w) for w in content_words(text)}


def topic_phrases(key_point: str, *, max_words: int = 3) -> list[str]:
    """Short noun-like runs of a key point, in order: "bootstrap samples", "variance".

    Runs are cut at stop words, claim words (verbs, comparatives) and punctuation, so the
    phrases name what the point is about without saying what it claims.
    """
    # Split on punctuation first so runs never cross a comma or a bracket.
    phrases: list[str] = []
    for chunk in re.split(r"[,;:()\[\]{}.!?/\"—–]+", key_point):
        run: list[str] = []
        for raw in chunk.split():
            bare = raw.strip("'\"`*_")
            word = bare.lower()
            # An acronym is a name even when its letters spell a verb ("MAP", "SET").
            acronym = len(bare) >= 2 and bare.isupper() and bare.isalpha()
            is_topic = (
                word
                and _TOKEN.fullmatch(word) is not None
                and word not in STOP_WORDS
                and (acronym or word not in CLAIM_WORDS)
                # Adverbs carry the claim ("mainly", "poorly"), not the topic.
                and not (word.endswith("ly") and len(word) > 4 and word not in NOT_ADVERBS)
                and (len(word) > 2 or any(ch.isdigit() for ch in word))
                and not word.isdigit()
            )
            if is_topic:
                run.append(bare)
            else:
                if run:
                    phrases.append(" ".join(run[-max_words:]))
                run = []
        if run:
            phrases.append(" ".join(run[-max_words:]))
    seen: set[str] = set()
    unique = []
    for p in phrases:
        if p.lower() not in seen:
            seen.add(p.lower())
            unique.append(p)
    return unique


def shingles(words: list[str], n: int) -> set[tuple[str, ...]]:
    return {tuple(words[i : i + n]) for i in range(len(words) - n + 1)}


def leaks_claim(text: str, claim: str, *, question: str = "") -> bool:
    """True when `text` gives away `claim`: it quotes it or repeats most of its content.

    Words the question already uses are not evidence of a leak (the interviewer may name the
    topic); what counts is the claim's own content beyond the question.
    """
    if not text.strip() or not claim.strip():
        return False
    t_words, c_words = tokens(text), tokens(claim)
    if normalise(claim) in normalise(text):
        return True
    # Any four-word run of the claim, stemmed, appearing verbatim.
    n = 4
    t_stems = [_stem(w) for w in t_words]
    c_stems = [_stem(w) for w in c_words]
    if len(c_stems) >= n and shingles(c_stems, n) & shingles(t_stems, n):
        return True
    claim_new = content_stems(claim) - content_stems(question)
    if not claim_new:
        return False
    overlap = claim_new & content_stems(text)
    # Naming one or two topic words is fine; repeating most of what the claim adds is not.
    return len(overlap) >= 3 and len(overlap) >= 0.5 * len(claim_new)


def leaks_any(text: str, claims: list[str], *, question: str = "") -> bool:
    return any(leaks_claim(text, c, question=question) for c in claims)


def same_point(a: str, b: str) -> bool:
    """Whether two strings name the same key point (the LLM may paraphrase or abbreviate)."""
    na, nb = normalise(a).rstrip(". "), normalise(b).rstrip(". ")
    if na == nb:
        return True
    sa, sb = content_stems(a), content_stems(b)
    if not sa or not sb:
        return False
    return len(sa & sb) / len(sa | sb) >= 0.6


def _specificity(phrase: str, question_words: set[str]) -> float:
    words = [w.lower() for w in phrase.split()]
    score = 0.0 if all(w in GENERIC for w in words) else 1.0
    score += 0.5 * (len(words) > 1)
    # A topic the question does not already name is the more useful pointer.
    score += 0.5 * any(_stem(w) not in question_words for w in words)
    return score


def pick_topics(key_point: str, question: str = "") -> tuple[str | None, str | None]:
    """Up to two topic phrases for a follow-up: the point's subject and its most specific
    other topic. Generic words ("model", "data") are avoided."""
    phrases = [
        p for p in topic_phrases(key_point) if not all(w.lower() in GENERIC for w in p.split())
    ]
    if not phrases:
        return None, None
    q_words = content_stems(question)
    first = phrases[0]
    rest = phrases[1:]
    if not rest:
        return first, None
    best = max(reversed(rest), key=lambda p: _specificity(p, q_words))
    return first, best
