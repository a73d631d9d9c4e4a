"""Finding links in normalised comment text: schemes, www., and bare domains with real TLDs."""

from __future__ import annotations

import re

from moderation.classifier.refang import _words

__all__ = ["find_links"]


# Generic and brand-free TLDs seen in comment spam, plus every two-letter ccTLD. TLDs that
# are ordinary English words are left out on purpose ("see you soon.love you").
_GENERIC_TLDS = _words("""
    com net org info biz name pro mobi asia tel travel jobs aero coop museum cat edu gov
    mil int xyz top site online shop store click link live life world news blog app dev
    tech space website fun club win bid loan loans vip art page cloud casino bet poker porn
    sex sexy xxx adult dating icu cyou sbs cfd bond rest quest buzz cam lol pics stream
    tube video money cash finance credit insurance pharmacy health beauty fashion deals
    sale games email digital media network systems tools zone center company group team
    agency services solutions host hosting press global business ltd llc review science
    trade webcam racing faith men date party download accountant cricket gdn ooo fyi ink
    mba pub law legal tax social chat community forum guide tips academy school courses
    training kids baby events tickets tours holiday hotel flights menu recipes guru ninja
    rocks plus fit fitness care clinic doctor makeup hair skin shoes watch jewelry bike
    cars auto homes house land realty property city town kim wang ren xin today
""")
_COUNTRY_TLDS = _words("""
    ac ad ae af ag ai al am ao aq ar as at au aw ax az ba bb bd be bf bg bh bi bj bm bn bo
    br bs bt bw by bz ca cc cd cf cg ch ci ck cl cm cn co cr cu cv cw cx cy cz de dj dk dm
    do dz ec ee eg er es et eu fi fj fk fm fo fr ga gd ge gf gg gh gi gl gm gn gp gq gr gs
    gt gu gw gy hk hm hn hr ht hu id ie il im in io iq ir is it je jm jo jp ke kg kh ki km
    kn kp kr kw ky kz la lb lc li lk lr ls lt lu lv ly ma mc md me mg mh mk ml mm mn mo mp
    mq mr ms mt mu mv mw mx my mz na nc ne nf ng ni nl no np nr nu nz om pa pe pf pg ph pk
    pl pm pn pr ps pt pw py qa re ro rs ru rw sa sb sc sd se sg sh si sk sl sm sn so sr ss
    st su sv sx sy sz tc td tf tg th tj tk tl tm tn to tr tt tv tw tz ua ug uk us uy uz va
    vc ve vg vi vn vu wf ws ye yt za zm zw
""")
# File names look exactly like domains ("setup.py", "README.md", "photos.zip"); in a
# comment they are far more often files, so these never count as a bare-domain TLD.
_FILE_EXTENSIONS = frozenset(
    _words("""txt exe js ts py rb rs pl sh ps md log dll so zip rar gz tar pdf png jpg jpeg gif
    bmp svg webp mp3 mp4 mov avi mkv wav html htm php asp aspx css json xml csv doc docx
    xls xlsx ppt pptx ini cfg conf yml yaml bat cmd msi apk dmg iso jar""")
)
_TLDS = (frozenset(_GENERIC_TLDS) | frozenset(_COUNTRY_TLDS)) - _FILE_EXTENSIONS
# Two-letter TLDs that are English words; "great.It works" is a missing space, so these
# are not accepted when capitalised like the start of a sentence.
_WORD_CC_TLDS = frozenset(_words("ad am as at be by do id in is it me my no so to us"))

_LINK_RE = re.compile(
    r"""
    (?<![\w.@\-])                       # not in the middle of a word or an email address
    (?:
        (?i:https?|ftp)://
        (?:[^\s/?\#@<>"']*@)?           # user:password@
        (?P<host>\[[0-9A-Fa-f:.]+\]|[\w.\-]+)
      | (?P<www>(?i:www)\d{0,3}\.[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)+)
      | (?P<bare>(?:[A-Za-z0-9][A-Za-z0-9\-]*\.)+[A-Za-z]{2,24})
        (?![\w\-@]|\.\w)                # not a longer word, not an email's local part
    )
    [^\s<>"']*                          # the path: consumed so it is not scanned again
    """,
    re.X,
)


def _registrable_host(candidate: str) -> str | None:
    """Cut ``candidate`` after its last label that is a known TLD; None if there is none.

    The cut turns "example.com.Thanks" (a missing space) into "example.com".
    """
    labels = candidate.split(".")
    for end in range(len(labels) - 1, 0, -1):
        tld = labels[end]
        if tld.lower() not in _TLDS:
            continue
        if tld.lower() in _WORD_CC_TLDS and tld[0].isupper() and tld[1:].islower():
            continue
        if all(label.strip("-") for label in labels[:end]):
            return ".".join(labels[: end + 1])
    return None


_WWW_PREFIX_RE = re.compile(r"^www\d{0,3}\.")


def _strip_www(host: str) -> str:
    return _WWW_PREFIX_RE.sub("", host)


def _link_domain(match: re.Match[str]) -> str | None:
    host = match.group("host")
    if host is not None:
        # After an explicit scheme any host counts: IP addresses, new TLDs, localhost.
        host = host.strip(".").strip("[]").lower()
        return _strip_www(host) if any(ch.isalnum() for ch in host) else None
    www = match.group("www")
    if www is not None:
        # An unknown but well-formed TLD after "www." is still a link.
        return _strip_www((_registrable_host(www) or www).lower())
    registrable = _registrable_host(match.group("bare"))
    return registrable.lower() if registrable is not None else None


def find_links(normalized: str) -> list[str]:
    """Return the domain of each link in ``normalized`` text, lowercased, without "www.".

    Recognises ``scheme://host`` (any host, IP addresses included), ``www.host`` and bare
    ``name.tld`` where the TLD is a known one and not a file extension. Email addresses,
    abbreviations ("e.g."), version numbers and file names are not links. Repeats are
    kept, in order of appearance, since a link count is itself a feature.
    """
    links: list[str] = []
    # Links never contain whitespace, so only the few words with a "." or "://" need the
    # regex; running it over whole comments took nearly twice as long.
    for word in normalized.split():
        if "." in word or "://" in word:
            for match in _LINK_RE.finditer(word):
                domain = _link_domain(match)
                if domain is not None:
                    links.append(domain)
    return links
