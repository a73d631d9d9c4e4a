"""Character tables for the normaliser: invisible code points and look-alike letters.

Data only; moderation/classifier/normalize.py compiles them into its patterns.
"""

from __future__ import annotations

# Every general-category Cf code point (Unicode 14, plus U+13439..U+1343F from 15) and
# the other default-ignorable characters that render as nothing. Hard-coded because
# scanning all 1.1M code points would add ~70 ms to import; a unit test checks this
# against the running unicodedata so a Unicode upgrade cannot slip through.
INVISIBLE_RANGES: tuple[tuple[int, int], ...] = (
    (0x00AD, 0x00AD),  # soft hyphen
    (0x034F, 0x034F),  # combining grapheme joiner (Mn, but invisible)
    (0x0600, 0x0605),
    (0x061C, 0x061C),
    (0x06DD, 0x06DD),
    (0x070F, 0x070F),
    (0x0890, 0x0891),
    (0x08E2, 0x08E2),
    (0x115F, 0x1160),  # Hangul fillers (Lo, but blank)
    (0x17B4, 0x17B5),  # Khmer inherent vowels (invisible)
    (0x180B, 0x180F),  # Mongolian variation selectors and vowel separator
    (0x200B, 0x200F),  # zero-width space/joiners, LRM, RLM
    (0x202A, 0x202E),  # bidi embeddings and overrides
    (0x2060, 0x2064),  # word joiner, invisible operators
    (0x2066, 0x206F),  # bidi isolates, deprecated format characters
    (0x3164, 0x3164),  # Hangul filler
    (0xFE00, 0xFE0F),  # variation selectors
    (0xFEFF, 0xFEFF),  # BOM / zero-width no-break space
    (0xFFA0, 0xFFA0),  # half-width Hangul filler
    (0xFFF9, 0xFFFB),  # interlinear annotation controls
    (0x110BD, 0x110BD),
    (0x110CD, 0x110CD),
    (0x13430, 0x1343F),
    (0x1BCA0, 0x1BCA3),
    (0x1D173, 0x1D17A),
    (0xE0001, 0xE0001),  # language tag
    (0xE0020, 0xE007F),  # tag characters (used to smuggle hidden ASCII)
    (0xE0100, 0xE01EF),  # variation selectors supplement
)


# Written as Unicode names rather than literal characters, so the source shows which
# script each letter comes from. Only letters that look Latin in common fonts are listed;
# those NFKC already folds (e.g. the script small l, lunate sigma) are left out.
LATIN_VARIANTS: dict[str, str] = {
    # Latin letters that are not ASCII but read as ASCII letters.
    "LATIN SMALL LETTER DOTLESS I": "i",
    "LATIN SMALL LETTER DOTLESS J": "j",
    "LATIN SMALL LETTER SCRIPT G": "g",
    "LATIN SMALL LETTER ALPHA": "a",
    "LATIN SMALL LETTER IOTA": "i",
    "LATIN LETTER SMALL CAPITAL A": "a",
    "LATIN LETTER SMALL CAPITAL B": "b",
    "LATIN LETTER SMALL CAPITAL C": "c",
    "LATIN LETTER SMALL CAPITAL D": "d",
    "LATIN LETTER SMALL CAPITAL E": "e",
    "LATIN LETTER SMALL CAPITAL F": "f",
    "LATIN LETTER SMALL CAPITAL G": "g",
    "LATIN LETTER SMALL CAPITAL H": "h",
    "LATIN LETTER SMALL CAPITAL I": "i",
    "LATIN LETTER SMALL CAPITAL J": "j",
    "LATIN LETTER SMALL CAPITAL K": "k",
    "LATIN LETTER SMALL CAPITAL L": "l",
    "LATIN LETTER SMALL CAPITAL M": "m",
    "LATIN LETTER SMALL CAPITAL N": "n",
    "LATIN LETTER SMALL CAPITAL O": "o",
    "LATIN LETTER SMALL CAPITAL P": "p",
    "LATIN LETTER SMALL CAPITAL Q": "q",
    "LATIN LETTER SMALL CAPITAL R": "r",
    "LATIN LETTER SMALL CAPITAL S": "s",
    "LATIN LETTER SMALL CAPITAL T": "t",
    "LATIN LETTER SMALL CAPITAL U": "u",
    "LATIN LETTER SMALL CAPITAL V": "v",
    "LATIN LETTER SMALL CAPITAL W": "w",
    "LATIN LETTER SMALL CAPITAL Y": "y",
    "LATIN LETTER SMALL CAPITAL Z": "z",
}


FOREIGN_LOOKALIKES: dict[str, str] = {
    # Cyrillic
    "CYRILLIC SMALL LETTER A": "a",
    "CYRILLIC CAPITAL LETTER A": "A",
    "CYRILLIC SMALL LETTER VE": "b",
    "CYRILLIC CAPITAL LETTER VE": "B",
    "CYRILLIC SMALL LETTER ES": "c",
    "CYRILLIC CAPITAL LETTER ES": "C",
    "CYRILLIC SMALL LETTER KOMI DE": "d",
    "CYRILLIC SMALL LETTER IE": "e",
    "CYRILLIC CAPITAL LETTER IE": "E",
    "CYRILLIC SMALL LETTER SHHA": "h",
    "CYRILLIC CAPITAL LETTER SHHA": "H",
    "CYRILLIC SMALL LETTER EN": "h",
    "CYRILLIC CAPITAL LETTER EN": "H",
    "CYRILLIC SMALL LETTER BYELORUSSIAN-UKRAINIAN I": "i",
    "CYRILLIC CAPITAL LETTER BYELORUSSIAN-UKRAINIAN I": "I",
    "CYRILLIC SMALL LETTER JE": "j",
    "CYRILLIC CAPITAL LETTER JE": "J",
    "CYRILLIC SMALL LETTER KA": "k",
    "CYRILLIC CAPITAL LETTER KA": "K",
    "CYRILLIC SMALL LETTER PALOCHKA": "l",
    "CYRILLIC LETTER PALOCHKA": "I",
    "CYRILLIC SMALL LETTER EM": "m",
    "CYRILLIC CAPITAL LETTER EM": "M",
    "CYRILLIC SMALL LETTER O": "o",
    "CYRILLIC CAPITAL LETTER O": "O",
    "CYRILLIC SMALL LETTER ER": "p",
    "CYRILLIC CAPITAL LETTER ER": "P",
    "CYRILLIC SMALL LETTER QA": "q",
    "CYRILLIC CAPITAL LETTER QA": "Q",
    "CYRILLIC SMALL LETTER DZE": "s",
    "CYRILLIC CAPITAL LETTER DZE": "S",
    "CYRILLIC SMALL LETTER TE": "t",
    "CYRILLIC CAPITAL LETTER TE": "T",
    "CYRILLIC SMALL LETTER U": "y",
    "CYRILLIC CAPITAL LETTER U": "Y",
    "CYRILLIC SMALL LETTER STRAIGHT U": "y",
    "CYRILLIC CAPITAL LETTER STRAIGHT U": "Y",
    "CYRILLIC SMALL LETTER IZHITSA": "v",
    "CYRILLIC CAPITAL LETTER IZHITSA": "V",
    "CYRILLIC SMALL LETTER WE": "w",
    "CYRILLIC CAPITAL LETTER WE": "W",
    "CYRILLIC SMALL LETTER HA": "x",
    "CYRILLIC CAPITAL LETTER HA": "X",
    # Greek
    "GREEK SMALL LETTER ALPHA": "a",
    "GREEK CAPITAL LETTER ALPHA": "A",
    "GREEK CAPITAL LETTER BETA": "B",
    "GREEK SMALL LETTER GAMMA": "y",
    "GREEK SMALL LETTER EPSILON": "e",
    "GREEK CAPITAL LETTER EPSILON": "E",
    "GREEK CAPITAL LETTER ZETA": "Z",
    "GREEK SMALL LETTER ETA": "n",
    "GREEK CAPITAL LETTER ETA": "H",
    "GREEK SMALL LETTER IOTA": "i",
    "GREEK CAPITAL LETTER IOTA": "I",
    "GREEK SMALL LETTER KAPPA": "k",
    "GREEK CAPITAL LETTER KAPPA": "K",
    "GREEK CAPITAL LETTER MU": "M",
    "GREEK SMALL LETTER NU": "v",
    "GREEK CAPITAL LETTER NU": "N",
    "GREEK SMALL LETTER OMICRON": "o",
    "GREEK CAPITAL LETTER OMICRON": "O",
    "GREEK SMALL LETTER RHO": "p",
    "GREEK CAPITAL LETTER RHO": "P",
    "GREEK SMALL LETTER TAU": "t",
    "GREEK CAPITAL LETTER TAU": "T",
    "GREEK SMALL LETTER UPSILON": "u",
    "GREEK CAPITAL LETTER UPSILON": "Y",
    "GREEK SMALL LETTER CHI": "x",
    "GREEK CAPITAL LETTER CHI": "X",
    "GREEK SMALL LETTER OMEGA": "w",
    "GREEK LETTER YOT": "j",
    "GREEK CAPITAL LETTER YOT": "J",
    # Armenian
    "ARMENIAN SMALL LETTER OH": "o",
    "ARMENIAN SMALL LETTER SEH": "u",
    "ARMENIAN SMALL LETTER VO": "n",
    "ARMENIAN SMALL LETTER HO": "h",
    # Lisu capitals are copies of Latin capitals and a known filter-evasion trick.
    "LISU LETTER A": "A",
    "LISU LETTER BA": "B",
    "LISU LETTER CA": "C",
    "LISU LETTER DA": "D",
    "LISU LETTER E": "E",
    "LISU LETTER TSA": "F",
    "LISU LETTER GA": "G",
    "LISU LETTER XA": "H",
    "LISU LETTER I": "I",
    "LISU LETTER JA": "J",
    "LISU LETTER KA": "K",
    "LISU LETTER LA": "L",
    "LISU LETTER MA": "M",
    "LISU LETTER NA": "N",
    "LISU LETTER O": "O",
    "LISU LETTER PA": "P",
    "LISU LETTER ZHA": "R",
    "LISU LETTER SA": "S",
    "LISU LETTER TA": "T",
    "LISU LETTER U": "U",
    "LISU LETTER HA": "V",
    "LISU LETTER WA": "W",
    "LISU LETTER SHA": "X",
    "LISU LETTER YA": "Y",
    "LISU LETTER DZA": "Z",
}
