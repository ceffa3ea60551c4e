#!/usr/bin/env python3
"""Generates the labelled international corpora `intl_dev.jsonl` and `intl_blind.jsonl`.

Same line format as `generate.py` ({"text", "spans"} with UTF-8 byte offsets; KEEP:<kind> for
look-alikes). Names, addresses and phone numbers come from Faker's locale providers (MIT licence)
for about 50 locales; sentences from the templates below. The blind corpus uses other templates,
another seed and ten locales the development corpus never contains. The engine's own word lists
are not taken from Faker (see ../data/README.md), so that recall here measures generalisation.

    python3 -m venv /tmp/venv && /tmp/venv/bin/pip install faker==40.1.0
    /tmp/venv/bin/python corpus/generate_intl.py > corpus/intl_dev.jsonl
    /tmp/venv/bin/python corpus/generate_intl.py --blind > corpus/intl_blind.jsonl
"""
import json
import random
import re
import sys
import warnings

from faker import Faker

warnings.filterwarnings("ignore")
BLIND = "--blind" in sys.argv
SEED = 20261201 + (7 if BLIND else 0)
N_RECORDS = 1500 if BLIND else 2500
rnd = random.Random(SEED)

NAME_LOCALES = ["cs_CZ", "da_DK", "de_AT", "de_CH", "de_DE", "en_AU", "en_GB", "en_IE", "en_IN",
                "en_NZ", "es_AR", "es_CL", "es_CO", "es_ES", "es_MX", "fi_FI", "fr_CA", "fr_CH",
                "fr_FR", "hr_HR", "hu_HU", "id_ID", "it_IT", "lv_LV", "nl_BE", "nl_NL", "no_NO",
                "pl_PL", "pt_BR", "pt_PT", "ro_RO", "sk_SK", "sl_SI", "sv_SE", "tr_TR", "vi_VN",
                "zu_ZA", "yo_NG", "ig_NG", "sw", "tw_GH", "en_KE", "ja_JP", "zh_CN"]
NAME_BLIND_ONLY = ["et_EE", "is_IS", "lt_LT", "az_AZ", "ha_NG", "ga_IE", "en_PK", "uz_UZ"]
ADDR_LOCALES = {  # locale -> country name written after a postal block
    "cs_CZ": "Czech Republic", "da_DK": "Denmark", "de_AT": "Austria", "de_CH": "Switzerland",
    "de_DE": "Germany", "en_AU": "Australia", "en_CA": "Canada", "en_GB": "United Kingdom",
    "en_IE": "Ireland", "en_IN": "India", "en_NZ": "New Zealand", "es_AR": "Argentina",
    "es_CL": "Chile", "es_CO": "Colombia", "es_ES": "Spain", "es_MX": "Mexico", "fi_FI": "Finland",
    "fr_CA": "Canada", "fr_CH": "Switzerland", "fr_FR": "France", "hr_HR": "Croatia",
    "hu_HU": "Hungary", "id_ID": "Indonesia", "it_IT": "Italy", "nl_BE": "Belgium",
    "nl_NL": "Netherlands", "no_NO": "Norway", "pl_PL": "Poland", "pt_BR": "Brazil",
    "pt_PT": "Portugal", "ro_RO": "Romania", "sk_SK": "Slovakia", "sl_SI": "Slovenia",
    "sv_SE": "Sweden", "zu_ZA": "South Africa", "en_US": "USA",
}
ADDR_BLIND_ONLY = {"az_AZ": "Azerbaijan", "en_MS": "Malaysia", "en_PH": "Philippines",
                   "de_LU": "Luxembourg"}
PHONE_LOCALES = sorted(set(ADDR_LOCALES) | {"ar_JO", "bg_BG", "el_GR", "fa_IR", "he_IL", "ja_JP",
                                            "ka_GE", "ko_KR", "lv_LV", "ru_RU", "th_TH", "tr_TR",
                                            "uk_UA", "zh_CN", "zh_TW", "tw_GH", "de_LU"})
PHONE_BLIND_ONLY = ["hy_AM", "uz_UZ", "ne_NP", "bs_BA", "fr_DZ", "it_CH", "lt_LT", "az_AZ"]
# E.164 country codes and national-number lengths for numbers written +CC ... (ITU-T E.164
# assignments; lengths as commonly dialled).
E164 = [("1", 10), ("44", 10), ("49", 10), ("49", 11), ("33", 9), ("34", 9), ("39", 10), ("41", 9),
        ("43", 10), ("31", 9), ("32", 9), ("45", 8), ("46", 9), ("47", 8), ("48", 9), ("351", 9),
        ("353", 9), ("358", 9), ("36", 9), ("420", 9), ("421", 9), ("385", 9), ("386", 8),
        ("40", 9), ("30", 10), ("90", 10), ("7", 10), ("380", 9), ("972", 9), ("971", 9),
        ("966", 9), ("20", 10), ("27", 9), ("234", 10), ("254", 9), ("91", 10), ("92", 10),
        ("880", 10), ("86", 11), ("81", 10), ("82", 10), ("84", 9), ("62", 10), ("63", 10),
        ("60", 9), ("65", 8), ("66", 9), ("61", 9), ("64", 9), ("52", 10), ("54", 10),
        ("55", 11), ("56", 9), ("57", 10), ("51", 9)]

if not BLIND:
    name_locales, addr_locales, phone_locales = NAME_LOCALES, dict(ADDR_LOCALES), PHONE_LOCALES
else:
    name_locales = NAME_LOCALES + NAME_BLIND_ONLY * 2
    addr_locales = dict(ADDR_LOCALES, **ADDR_BLIND_ONLY)
    phone_locales = PHONE_LOCALES + PHONE_BLIND_ONLY * 2
fakers = {}


def faker(loc):
    if loc not in fakers:
        f = Faker(loc)
        f.seed_instance(SEED + len(fakers))
        fakers[loc] = f
    return fakers[loc]


def pick(xs):
    return rnd.choice(xs)


def digits(n):
    return "".join(str(rnd.randint(0, 9)) for _ in range(n))


# ---- personal data --------------------------------------------------------------------------

def first(loc):
    f = faker(loc)
    if loc in ("ja_JP", "zh_CN"):
        return f.first_romanized_name()
    return f.first_name()


def last(loc):
    f = faker(loc)
    if loc in ("ja_JP", "zh_CN"):
        return f.last_romanized_name()
    return f.last_name()


def full_name(loc=None):
    loc = loc or pick(name_locales)
    r = rnd.random()
    if r < 0.12:
        return first(loc) + " " + first(loc) + " " + last(loc)
    if r < 0.24 and loc.startswith(("es_", "pt_")):
        return first(loc) + " " + last(loc) + " " + last(loc)
    return first(loc) + " " + last(loc)


def person_lower():
    return full_name().lower()


def first_alone():
    return first(pick(name_locales))


def last_alone():
    return last(pick(name_locales))


def clean_lines(a):
    return [ln.strip().rstrip(",") for ln in a.split("\n") if ln.strip()]


def address_lines():
    loc = pick(list(addr_locales))
    lines = clean_lines(faker(loc).address())
    return loc, lines


def address_one_line():
    loc, lines = address_lines()
    s = ", ".join(lines) if rnd.random() < 0.7 else " ".join(lines)
    if rnd.random() < 0.3:
        s += pick([", ", " "]) + addr_locales[loc]
    return s


def street_only():
    loc = pick([l for l in addr_locales if l != "en_US"])
    return faker(loc).street_address().strip()


def postal_block():
    """(name, block): a multi-line postal block; the label covers the lines after the name."""
    loc, lines = address_lines()
    if rnd.random() < 0.5:
        lines = lines + [addr_locales[loc]]
    return full_name(loc if loc in name_locales else None), "\n".join(lines)


def phone_local():
    for _ in range(20):
        p = faker(pick(phone_locales)).phone_number().strip()
        if sum(c.isdigit() for c in p) >= 7:
            return p
    return "+41 86 990 09 91"


def phone_e164():
    cc, n = pick(E164)
    nsn = str(rnd.randint(2, 9)) + digits(n - 1)
    style = rnd.random()
    if style < 0.3:
        return "+" + cc + nsn
    if style < 0.6:
        return "+" + cc + " " + " ".join(nsn[i:i + 3] for i in range(0, len(nsn), 3)).strip()
    if style < 0.8:
        return "+" + cc + " " + nsn[:2] + " " + " ".join(nsn[i:i + 2] for i in range(2, len(nsn), 2))
    if style < 0.9:
        return "00" + cc + " " + nsn[:3] + " " + nsn[3:]
    return "+" + cc + "-" + nsn[:3] + "-" + nsn[3:6] + "-" + nsn[6:]


# ---- look-alikes (must survive) -------------------------------------------------------------

NATIONALITIES = ["German", "Polish", "Brazilian", "Japanese", "Nigerian", "Italian", "Swedish",
                 "Hungarian", "Mexican", "Turkish", "Vietnamese", "Slovenian", "Czech", "Danish",
                 "Finnish", "Portuguese", "Argentinian", "Indonesian", "Kenyan", "Chilean"]
COUNTRIES = ["Germany", "Poland", "Brazil", "Japan", "Nigeria", "Italy", "Sweden", "Hungary",
             "Mexico", "Turkey", "Vietnam", "Slovenia", "Czechia", "Denmark", "Finland",
             "Portugal", "Argentina", "Indonesia", "Kenya", "Chile", "Switzerland", "Austria"]
CODE = ["let x = vec![1, 2, 3];", "for i in range(10): print(i)", "SELECT id FROM users LIMIT 50",
        "git commit -m 'fix 42'", "x = a[3] + b[7]", "fn main() { println!(\"{}\", 1 + 2); }",
        "curl -s localhost:8080/health", "kubectl scale deploy api --replicas=3"]


def lookalike():
    kind = pick(["org", "org", "nationality", "job", "city", "city", "country", "year", "quantity",
                 "order", "version", "date", "amount", "code", "street_word"])
    if kind == "org":
        v = faker(pick(name_locales[:42])).company()
    elif kind == "nationality":
        v = pick(NATIONALITIES)
    elif kind == "job":
        v = faker(pick(["en_US", "en_GB"])).job()
    elif kind == "city":
        loc = pick([l for l in addr_locales if l not in ("en_US",)])
        v = faker(loc).city()
    elif kind == "country":
        v = pick(COUNTRIES)
    elif kind == "year":
        v = str(rnd.randint(1950, 2030))
    elif kind == "quantity":
        v = pick([lambda: "%d %s" % (rnd.randint(2, 900), pick(["kg", "km", "units", "pcs", "m²", "l"])),
                  lambda: "%d,%03d" % (rnd.randint(1, 99), rnd.randint(0, 999)),
                  lambda: "%d.%03d" % (rnd.randint(1, 99), rnd.randint(0, 999))])()
    elif kind == "order":
        v = pick([lambda: "#" + digits(7), lambda: digits(8), lambda: "ORD-" + digits(6),
                  lambda: digits(3) + "-" + digits(4) + "-" + digits(3), lambda: digits(10)])()
    elif kind == "version":
        v = "%d.%d.%d" % (rnd.randint(0, 20), rnd.randint(0, 30), rnd.randint(0, 99))
    elif kind == "date":
        d, m, y = rnd.randint(1, 28), rnd.randint(1, 12), rnd.randint(1990, 2026)
        v = pick(["%02d.%02d.%d" % (d, m, y), "%d-%02d-%02d" % (y, m, d), "%02d/%02d/%d" % (d, m, y),
                  "%d. %02d. %d" % (d, m, y)])
    elif kind == "amount":
        v = pick([lambda: "%d.%03d,%02d €" % (rnd.randint(1, 99), rnd.randint(0, 999), rnd.randint(0, 99)),
                  lambda: "CHF %d.%02d" % (rnd.randint(1, 9999), rnd.randint(0, 99)),
                  lambda: "R$ %d,%02d" % (rnd.randint(1, 9999), rnd.randint(0, 99)),
                  lambda: "%d %03d Kč" % (rnd.randint(1, 99), rnd.randint(0, 999)),
                  lambda: "¥%d" % rnd.randint(1000, 999999)])()
    elif kind == "street_word":
        v = pick(["Main Street", "Via Roma", "Champs-Élysées", "Unter den Linden", "Rua Augusta",
                  "Gran Vía", "Nowy Świat", "Karl Johans gate"])
    else:
        v = pick(CODE)
    return kind, v


FRAMES = {
    "org": ["{}", "at {}", "{} said", "for {}"], "nationality": ["the {} team", "a {} engineer", "{} law"],
    "job": ["works as {}", "our {}", "the {}"], "city": ["in {}", "from {}", "{}"],
    "country": ["in {}", "to {}", "{}"], "year": ["in {}", "since {}", "the {} budget"],
    "quantity": ["{}", "about {}", "{} in stock"], "order": ["order {}", "Order {}", "reference {}", "ticket {}"],
    "version": ["version {}", "release {}", "v{}"], "date": ["on {}", "since {}", "due {}"],
    "amount": ["{}", "a total of {}", "costs {}"], "code": ["`{}`", "run {}"],
    "street_word": ["a shop on {}", "the {} parade", "{} is busy"],
}

# ---- templates ------------------------------------------------------------------------------
# {N} full name, {NF} given name alone, {NL} surname alone, {NLC} lower-case full name,
# {LIST} a list of given names, {A} one-line address, {AS} street and number only,
# {BLOCK} name + multi-line postal block, {PH} local-format phone, {PE} international phone,
# {K} look-alike.

DEV_TEMPLATES = [
    "Hi, my name is {N} and I am writing about {K}.",
    "{N} called yesterday about {K}.",
    "Please forward this to {N} before {K}.",
    "Meeting with {N} and {N} about {K}.",
    "Dear {NF},\nthank you for {K}. Best regards,\n{N}",
    "I spoke with {N} from {K} regarding {K}.",
    "Hello {NF}, your appointment is confirmed.",
    "What's your last name? {NL}",
    "Surname: {NL}\nGiven name: {NF}",
    "my name is {NLC}, i need help with {K}",
    "this is {NLC} from the {K} office",
    "They had {LIST} at the party.",
    "Attendees: {LIST}.",
    "Directed by: {N}",
    "Contact person: {N}, {K}",
    "{N} works as {K} in {K}.",
    "Ms. {NL} will call you back.",
    "Mr. {NL} approved {K}.",
    "Thanks {NF}! See you in {K}.",
    "Our new colleague {N} joined from {K}.",
    "The award went to {N} ({K}).",
    "I live at {A}.",
    "Ship the package to {A} please.",
    "My new address is {A}.",
    "{N} lives at {A}.",
    "Office: {AS}",
    "Deliver to {AS}, ring twice.",
    "We moved to {AS} last month.",
    "Please send the contract to:\n{BLOCK}",
    "Invoice address:\n{BLOCK}\n\nPayment due {K}.",
    "{BLOCK}",
    "Return to sender:\n{BLOCK}",
    "Billing address: {A}",
    "Call me at {PH}.",
    "My phone number is {PH}, call after {K}.",
    "You can reach me on {PH} or {PE}.",
    "Tel. {PE}",
    "Mobile: {PH}",
    "Contact {N} on {PH}.",
    "Phone: {PE}, fax: {PH}",
    "WhatsApp {PE} if {K} is delayed.",
    "Ring the front desk ({PH}) or the manager ({PE}).",
    "Thanks,\n{N}\n{PH}",
    "{N}\n{K}\n{PE}",
    "Customer {N}, {A}, tel. {PH}",
    "{N} - {PH}",
    "Details: {N}, {PE}, {A}",
    "{PH} (after 6 pm) works best for {NF}.",
    "Write down {PE} and {PH} for {K}.",
    "My details: {PE}",
    "{NF} left {PH} for you.",
    "The {K} team shipped {K} on {K}.",
    "{K} and {K} announced {K}.",
    "We spent {K} in {K}; {K} was next.",
    "Order {K} arrived {K} at {K}.",
    "The {K} in {K} hired a {K}.",
    "Version {K} was released in {K}.",
    "{K} opened an office in {K} in {K}.",
]

BLIND_TEMPLATES = [
    "Greetings from {N}, who asked me to send {K}.",
    "Yesterday I had lunch with {N}.",
    "Could {N} sign the papers by {K}?",
    "Name: {N}\nAddress: {A}\nPhone: {PH}",
    "First name? {NF}. Last name? {NL}.",
    "hi, it's {NLC}, can you check {K}?",
    "The children were {LIST}.",
    "Guests included {LIST}.",
    "Produced by {N}, photography {N}.",
    "Mrs. {NL} from {K} is waiting.",
    "Kind regards,\n{N}",
    "We visited {N} in {K} during {K}.",
    "{N} has been promoted to {K}.",
    "Please address the letter to\n{BLOCK}",
    "Sender:\n{BLOCK}\n\nRecipient: {K}",
    "{BLOCK}\n\nPhone {PH}",
    "Our showroom is at {A}, open daily.",
    "The flat at {AS} is for rent.",
    "She grew up at {A}.",
    "Pick-up point: {AS}",
    "Her number is {PH}.",
    "Dial {PE} for support.",
    "Phone {PH} between {K} and {K}.",
    "Cell: {PH} / office: {PE}",
    "Reach {N} at {PE} or visit {A}.",
    "Best,\n{N}\nTel {PH}",
    "{N}: {PE}",
    "Try {PH} or {PE} tomorrow.",
    "{NF}'s new one is {PH}.",
    "Numbers on file: {PH}; {PE}",
    "In {K}, {K} paid {K} for {K}.",
    "The {K} engineer from {K} fixed {K}.",
    "{K} ({K}) reported {K} in {K}.",
    "Shipment {K} left {K} on {K}.",
]

SLOTS = {
    "N": ("PERSON", full_name), "NF": ("PERSON", first_alone), "NL": ("PERSON", last_alone),
    "NLC": ("PERSON", person_lower), "A": ("STREET_ADDRESS", address_one_line),
    "AS": ("STREET_ADDRESS", street_only), "PH": ("PHONE_NUMBER", phone_local),
    "PE": ("PHONE_NUMBER", phone_e164),
}


def render(template):
    out, spans = b"", []

    def add(value, label):
        nonlocal out
        spans.append({"start": len(out), "end": len(out) + len(value.encode()), "label": label})
        out += value.encode()

    for part in re.split(r"(\{[A-Z]+\})", template):
        m = re.fullmatch(r"\{([A-Z]+)\}", part)
        if not m:
            out += part.encode()
            continue
        slot = m.group(1)
        if slot == "K":
            kind, value = lookalike()
            pre, post = pick(FRAMES[kind]).split("{}")
            out += pre.encode()
            add(value, "KEEP:" + kind)
            out += post.encode()
        elif slot == "LIST":
            names = [first_alone() for _ in range(rnd.randint(3, 6))]
            out += (str(len(names)) + ": ").encode() if rnd.random() < 0.5 else b""
            for k, n in enumerate(names):
                if k:
                    out += (" and " if k == len(names) - 1 else ", ").encode()
                add(n, "PERSON")
        elif slot == "BLOCK":
            name, block = postal_block()
            add(name, "PERSON")
            out += b"\n"
            add(block, "STREET_ADDRESS")
        else:
            label, gen = SLOTS[slot]
            add(gen(), label)
    return out.decode(), spans


def main():
    templates = BLIND_TEMPLATES if BLIND else DEV_TEMPLATES
    for _ in range(N_RECORDS):
        text, spans = render(pick(templates))
        print(json.dumps({"text": text, "spans": spans}, ensure_ascii=False))


if __name__ == "__main__":
    main()
