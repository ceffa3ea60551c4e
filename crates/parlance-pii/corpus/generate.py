#!/usr/bin/env python3
"""Generates the labelled development corpus `dev.jsonl` for parlance-pii.

Each line: {"text": str, "spans": [{"start": int, "end": int, "label": str}]} with UTF-8 *byte*
offsets. Labels are entity labels (EMAIL_ADDRESS, PHONE_NUMBER, ...) for personal data that must
be scrubbed, and KEEP:<kind> for look-alikes that must survive (order numbers, versions, prices,
dates, times, tracking codes, ISBNs, hashes, GUIDs, place and product names).

Values come from Faker (fixed seed); sentences from the templates below. Reproduce with:
    python3 -m venv /tmp/venv && /tmp/venv/bin/pip install faker==40.1.0
    /tmp/venv/bin/python corpus/generate.py > corpus/dev.jsonl
    /tmp/venv/bin/python corpus/generate.py --holdout > corpus/holdout.jsonl
    /tmp/venv/bin/python corpus/generate.py --blind > corpus/blind.jsonl
"""
import datetime
import json
import random
import re
import sys

from faker import Faker

SEED = 20261126
N_RECORDS = 3000

rnd = random.Random(SEED)
fakers = {loc: Faker(loc) for loc in ["en_US", "en_GB", "de_DE", "fr_FR", "nl_NL", "es_ES", "it_IT"]}
for i, f in enumerate(fakers.values()):
    f.seed_instance(SEED + i)
us = fakers["en_US"]


def pick(xs):
    return rnd.choice(xs)


# ---- personal data --------------------------------------------------------------------------

def person():
    f = fakers[pick(["en_US"] * 14 + ["en_GB"] * 3 + ["de_DE", "fr_FR", "es_ES"])]
    r = rnd.random()
    if r < 0.75:
        return f.first_name() + " " + f.last_name()
    if r < 0.85:
        return f.first_name() + " " + pick("ABCDEFGHJKLMNPRSTW") + ". " + f.last_name()
    return f.last_name() if rnd.random() < 0.5 else f.first_name() + " " + f.last_name()


def titled_person():
    """(prefix, name, suffix): the label covers the name only."""
    f = fakers[pick(["en_US", "en_US", "en_GB"])]
    prefix = pick(["Dr. ", "Mr. ", "Mrs. ", "Ms. ", "Miss ", "Prof. ", "Dr ", "Mr "])
    name = f.last_name() if rnd.random() < 0.4 else f.first_name() + " " + f.last_name()
    suffix = pick(["", "", "", " Jr.", " III", ", MD", ", PhD"])
    return prefix, name, suffix


def first_name():
    return us.first_name()


def email():
    return pick([us.email, us.company_email, us.free_email, lambda: fakers["en_GB"].email()])()


def phone_us():
    return us.phone_number()


def phone_intl():
    loc = pick(["en_GB", "de_DE", "fr_FR", "nl_NL", "es_ES", "it_IT"])
    p = fakers[loc].phone_number()
    return p


def phone_e164():
    cc = pick(["1", "44", "49", "33", "31", "34", "39", "91", "61", "81", "55"])
    n = "".join(str(rnd.randint(0, 9)) for _ in range(rnd.randint(8, 10)))
    return "+" + cc + str(rnd.randint(1, 9)) + n[: 13 - len(cc)]


def ipv4():
    return pick([us.ipv4_public, us.ipv4_private, us.ipv4])()


def ipv6():
    v = us.ipv6()
    if rnd.random() < 0.3:
        v = re.sub(r"(^|:)0+([0-9a-f])", r"\1\2", v)
    if rnd.random() < 0.2:
        v = pick(["fe80::1", "2001:db8::8a2e:370:7334", "::1", "fe80::a00:27ff:fe4e:66a1"])
    return v


def card():
    n = us.credit_card_number(card_type=pick([None, "visa16", "mastercard", "amex", "discover", "jcb16", "diners", "visa13"]))
    r = rnd.random()
    if r < 0.3 and len(n) == 16:
        sep = pick([" ", "-"])
        n = sep.join(n[i:i + 4] for i in range(0, 16, 4))
    elif r < 0.4 and len(n) == 15:
        n = n[:4] + " " + n[4:10] + " " + n[10:]
    return n


def ssn():
    s = us.ssn()
    return s.replace("-", " ") if rnd.random() < 0.1 else s


def iban():
    v = fakers[pick(list(fakers))].iban() if rnd.random() < 0.7 else us.iban()
    if rnd.random() < 0.4:
        v = " ".join(v[i:i + 4] for i in range(0, len(v), 4))
    return v


def mac():
    m = us.mac_address()
    if rnd.random() < 0.3:
        m = m.upper()
    if rnd.random() < 0.2:
        m = m.replace(":", "-")
    return m


def street_address():
    r = rnd.random()
    if r < 0.45:
        return us.address()
    if r < 0.7:
        return us.street_address()
    if r < 0.9:
        return us.street_address() + ", " + us.city() + ", " + us.state_abbr() + " " + us.zipcode()
    return us.street_address() + ", " + us.city() + ", " + us.state() + " " + us.zipcode_plus4()


def po_box():
    return pick(["P.O. Box ", "PO Box ", "P.O. BOX ", "Post Office Box ", "P O Box ", "po box "]) + str(rnd.randint(1, 99999))


def url():
    return pick([us.url, us.uri, lambda: us.url() + us.uri_path(), lambda: "https://" + us.domain_name() + "/" + us.uri_path() + "?id=" + str(rnd.randint(1, 999))])()


def zip_code():
    return us.zipcode() if rnd.random() < 0.8 else us.zipcode_plus4()


# ---- look-alikes (must survive) -------------------------------------------------------------

PLACES = ["Paris", "New York", "San Francisco", "Lake Tahoe", "Mount Everest", "Berlin", "Tokyo",
          "Chicago", "the Grand Canyon", "Central Park", "London", "Rio de Janeiro", "Seattle", "Boston",
          "Los Angeles", "Cape Town", "Sydney", "Toronto", "Yellowstone", "the Golden Gate Bridge",
          "Amsterdam", "Madrid", "Silicon Valley", "Hong Kong", "Florida", "Texas", "Lisbon", "Dublin"]
PRODUCTS = ["iPhone 15 Pro", "Windows 11", "Galaxy S23", "Model 3", "PlayStation 5", "Visual Studio Code",
            "Google Chrome", "Microsoft Teams", "Apple Watch", "Kindle Paperwhite", "Surface Pro 9",
            "ThinkPad X1 Carbon", "Pixel 8", "Xbox Series X", "Office 365", "Adobe Photoshop", "Slack",
            "AirPods Pro", "MacBook Air", "Nintendo Switch"]
MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September",
          "October", "November", "December"]


def lookalike():
    kind = pick(["order", "version", "version4", "price", "date", "time", "tracking", "isbn", "hash", "guid",
                 "place", "product", "year", "quantity", "invoice"])
    d = lambda n: "".join(str(rnd.randint(0, 9)) for _ in range(n))  # noqa: E731
    if kind == "order":
        v = pick([lambda: "#" + d(6), lambda: d(5), lambda: d(8), lambda: "ORD-" + d(7), lambda: d(10), lambda: "A" + d(9)])()
    elif kind == "version":
        v = pick([lambda: "v%d.%d.%d" % (rnd.randint(0, 20), rnd.randint(0, 30), rnd.randint(0, 99)),
                  lambda: "%d.%d.%d" % tuple(rnd.randint(0, 40) for _ in range(3)),
                  lambda: "%d.%d" % (rnd.randint(1, 20), rnd.randint(0, 9))])()
    elif kind == "version4":
        # A dotted quad is only a version where the context says so (else it is an IPv4 address).
        v = "%d.%d.%d.%d" % tuple(rnd.randint(0, 40) for _ in range(4))
    elif kind == "price":
        v = pick(["$", "€", "£", "USD "]) + pick([lambda: "%d,%03d.%02d" % (rnd.randint(1, 99), rnd.randint(0, 999), rnd.randint(0, 99)),
                                              lambda: "%d.%02d" % (rnd.randint(1, 9999), rnd.randint(0, 99))])()
    elif kind == "date":
        dt = us.date_between_dates(datetime.date(1950, 1, 1), datetime.date(2025, 12, 31))
        v = pick([dt.isoformat(), dt.strftime("%m/%d/%Y"), dt.strftime("%d.%m.%Y"),
                  MONTHS[dt.month - 1] + " " + str(dt.day) + ", " + str(dt.year), dt.strftime("%Y%m%d")])
    elif kind == "time":
        h, m, sec = rnd.randint(0, 23), rnd.randint(0, 59), rnd.randint(0, 59)
        v = pick(["%02d:%02d:%02d" % (h, m, sec), "%02d:%02d" % (h, m), "%02d:%02d %s" % (h % 12 or 12, m, pick(["AM", "PM"]))])
    elif kind == "tracking":
        v = pick([lambda: "1Z" + us.bothify("???").upper() + d(11), lambda: "94" + d(20), lambda: " ".join(d(4) for _ in range(5)) + " " + d(2),
                  lambda: us.bothify("??#########??").upper()])()
    elif kind == "isbn":
        v = pick([us.isbn13, us.isbn10])()
    elif kind == "hash":
        v = pick([us.md5, us.sha1, us.sha256, lambda: us.sha1()[:7]])()
    elif kind == "guid":
        v = str(us.uuid4())
    elif kind == "place":
        v = pick(PLACES)
    elif kind == "product":
        v = pick(PRODUCTS)
    elif kind == "year":
        v = str(rnd.randint(1950, 2030))
    elif kind == "quantity":
        v = pick([lambda: "%d,%03d" % (rnd.randint(1, 99), rnd.randint(0, 999)), lambda: d(4), lambda: "%d%%" % rnd.randint(1, 100)])()
    else:
        v = pick(["INV-", "INV", "PO-", "REF-", "TKT-"]) + str(rnd.randint(2015, 2026)) + "-" + d(5)
    return kind, v


LOOKALIKE_FRAMES = {
    "order": ["order {}", "Order {}", "order number {}", "order no. {}"],
    "version": ["version {}", "release {}", "{}", "upgraded to {}"],
    "version4": ["version {}", "release {}", "build {}", "upgraded to {}", "firmware {}"],
    "price": ["{}", "a total of {}", "it costs {}"],
    "date": ["on {}", "since {}", "due {}"],
    "time": ["at {}", "by {}"],
    "tracking": ["tracking code {}", "tracking number {}", "parcel {}"],
    "isbn": ["ISBN {}", "isbn {}", "ISBN-13: {}"],
    "hash": ["commit {}", "hash {}", "checksum {}"],
    "guid": ["request id {}", "GUID {}", "trace {}"],
    "place": ["in {}", "near {}", "from {}", "{}"],
    "product": ["the {}", "my {}", "{}"],
    "year": ["in {}", "since {}", "the {} report"],
    "quantity": ["{} units", "{} items", "about {}"],
    "invoice": ["invoice {}", "ticket {}", "reference {}"],
}

# ---- templates ------------------------------------------------------------------------------
# Slots: {P} person, {T} titled person, {F} first name after a strong cue, {E} email, {PH} US phone,
# {PI} international phone, {PE} E.164 phone, {IP4}, {IP6}, {CC}, {SSN}, {IBAN}, {MAC}, {ADDR},
# {POB}, {ZIP}, {URL}, {L} look-alike.

TEMPLATES = [
    "Hi, my name is {P} and my email is {E}.",
    "{P} called yesterday about {L}.",
    "Please forward this to {P} before {L}.",
    "Meeting with {P} and {P} about {L}.",
    "Dear {F},\nthank you for {L}. Best regards,\n{P}",
    "Can you ask {T} to review {L}?",
    "{T} will see you at the clinic; call {PH} to confirm.",
    "Thanks,\n{P}\n{PH}",
    "According to {P}, the shipment {L} is late.",
    "I spoke with {P} from accounting regarding {L}.",
    "Hello {F}, your appointment is confirmed.",
    "My phone number is {PH}, call after {L}.",
    "You can reach me on {PI} or {E}.",
    "Contact: {PE}",
    "For urgent matters call {PH}; otherwise email {E}.",
    "The server at {IP4} stopped responding after {L}.",
    "Traffic from {IP6} was blocked; see {L}.",
    "Please whitelist {IP4} and {IP6} for the VPN.",
    "Charge it to my card {CC}, it expires next year.",
    "The refund of {L} went to card {CC}.",
    "My SSN is {SSN} and my date of birth is {L}.",
    "Social security number: {SSN}",
    "Wire the money to IBAN {IBAN} by {L}.",
    "Our bank account is {IBAN}.",
    "The device with MAC address {MAC} keeps dropping off the network.",
    "Register {MAC} on the guest Wi-Fi.",
    "Ship the package to {ADDR} please.",
    "My new address is {ADDR}.",
    "{P} lives at {ADDR}.",
    "Send the forms to {POB}, {ZIP}.",
    "Mail the cheque to {POB}.",
    "Our office moved; the zip code is now {ZIP}.",
    "Delivery is limited to ZIP {ZIP} for now.",
    "See {URL} for details about {L}.",
    "I uploaded the document to {URL} yesterday.",
    "Check {L} and {L} before {L}.",
    "We shipped {L} on {L} to {L}.",
    "{L} is the latest; {L} was before it.",
    "Ticket {L}: {P} reported that {L} crashes on {L}.",
    "Hey {F}, can you send me {L}?",
    "cc: {P}, {P}",
    "From: {P} <{E}>\nSubject: {L}",
    "Please update the record for {P}: phone {PH}, email {E}, address {ADDR}.",
    "Customer {P} (SSN {SSN}) paid with {CC}.",
    "I'm {P}, I work in {L}.",
    "Sincerely,\n{T}",
    "Bring {L} to {P} in {L}.",
    "Yesterday {P} and I visited {L}.",
    "The invoice for {P} is attached, total {L}.",
    "Text me at {PH} when you land in {L}.",
    "Fax: {PI}",
    "Login from {IP4} at {L} for user {E}.",
    "The build {L} was tested on {L}.",
    "Forward the report to {E} and {E}.",
    "Patient {P}, born {L}, insurance {L}.",
    "{P} wrote: the {L} price is {L}.",
    "Thanks {F}! The code is {L}.",
    "Let {P} know the wifi password changed.",
    "{P} and {P} approved the budget for {L}.",
    "The contract was signed by {P} on {L}.",
    "{P}'s flight lands in {L} at {L}.",
    "Is {P} joining the call about {L}?",
    "We hired {P} as a data engineer in {L}.",
    "Congratulations to {P} on the promotion!",
    "{P}, please review {L} before {L}.",
    "Notes: {P} presented {L}; {P} will follow up.",
    "pls call {PH} asap",
    "my email: {E} thx",
    "ip was {IP4} when it failed",
    "Monday works for {P}.",
    "Paris was lovely; {P} sends greetings from {L}.",
    "Amazon shipped {L} to {ADDR}.",
    "Our HQ is at {ADDR}, near {L}.",
    "Reach the front desk ({PH}) or the manager ({PH}).",
    "{P} <{E}>, {PH}, {ADDR}",
    "card_number: {CC}, holder: {P}",
    "The {L} team in {L} shipped {L} on {L}.",
    "Google and Microsoft announced {L} in {L}.",
    "April showers in {L}; the {L} release slipped to {L}.",
    "Will the {L} arrive {L}? Ask {P}.",
    "Visit {URL} or write to {POB}, {L}.",
    "New York and {L} offices close at {L}.",
    "Employee {P}, SSN {SSN}, IBAN {IBAN}.",
    "The router {MAC} got address {IP4} and {IP6}.",
    "Grace period ends {L}; contact {E}.",
    "Summer sale: {L} for {L} until {L}.",
]

# Held-out templates: written once, never used to tune the engine (corpus/holdout.jsonl).
HOLDOUT_TEMPLATES = [
    "Quick question from {P}: is {L} still on track?",
    "Attached is the NDA for {P}; her direct line is {PH}.",
    "Reminder: {P} is out until {L}, escalate to {P}.",
    "The customer wrote from {E} asking about {L}.",
    "Unknown login for {E} from {IP4} ({L}).",
    "Per our call, please wire {L} to {IBAN} under the name {P}.",
    "{P} (cell {PH}) will meet the courier at {ADDR}.",
    "ssn on file: {SSN}; card on file: {CC}",
    "Handset {MAC} leased {IP6} at {L}.",
    "Billing address: {ADDR}",
    "Returns go to {POB}, {L} processing.",
    "Our records show zip code {ZIP} for this account.",
    "Docs live at {URL} (see {L}).",
    "{L} shipped; {L} is next; {L} is planned for {L}.",
    "Best,\n{P}\nSenior Analyst, {L}",
    "Good morning {F}! {P} asked me to share {L}.",
    "Can {P} cover the {L} shift? If not, ping {P}.",
    "Our intern {P} fixed {L} in {L}.",
    "Reach our {L} office at {PI}.",
    "Dial {PE} for the hotline.",
    "The package for {T} arrived at {ADDR}.",
    "Message from {T}: please call back on {PH}.",
    "I met {P} at the {L} conference in {L}.",
    "Wi-Fi logs: {MAC} -> {IP4}, {MAC} -> {IP4}",
    "Refunds go to card {CC} or IBAN {IBAN}.",
]

# Blind templates: written after the last tuning round and never tuned on (corpus/blind.jsonl).
BLIND_TEMPLATES = [
    "Hey team, {P} will present {L} tomorrow; questions to {E}.",
    "Shipping label: {P}, {ADDR}",
    "I think {P} mentioned {L} during the standup.",
    "Her mobile is {PH} and she prefers texts after {L}.",
    "Please find my details below.\nName: {P}\nPhone: {PH}\nEmail: {E}",
    "{T} approved the refund to card ending in {L}; full number {CC}.",
    "Can you run a trace on {IP4}? It hit us {L}.",
    "VPN peer {IP6} dropped at {L}.",
    "Payroll uses IBAN {IBAN} for {P}.",
    "The scanner's MAC is {MAC}; firmware {L}.",
    "Mail goes to {POB} ({L}).",
    "Is {ZIP} the right zip code for {L}?",
    "Log in at {URL} and open {L}.",
    "{P}: the {L} numbers look off, can we talk {L}?",
    "Signed,\n{T}",
    "We are meeting {P} and {P} in {L} on {L}.",
    "Ring {PI} and ask for {F}.",
    "My SSN, {SSN}, was on the {L} form.",
    "Team lunch at {L}; {P} is paying with {L}.",
    "Forwarding to {P} <{E}> for review of {L}.",
    "Thank you, {F}! I will send {L} by {L}.",
    "The {L} build fails on {L} with error {L}.",
    "{P} moved to {ADDR} last month.",
    "WhatsApp {PE} if the {L} order is delayed.",
    "Cardholder {P}, number {CC}, billing zip {ZIP}.",
]

SLOTS = {
    "P": ("PERSON", person), "E": ("EMAIL_ADDRESS", email), "PH": ("PHONE_NUMBER", phone_us),
    "PI": ("PHONE_NUMBER", phone_intl), "PE": ("PHONE_NUMBER", phone_e164), "IP4": ("IP", ipv4),
    "IP6": ("IP", ipv6), "CC": ("CREDIT_CARD", card), "SSN": ("US_SSN", ssn), "IBAN": ("IBAN", iban),
    "MAC": ("MAC_ADDRESS", mac), "ADDR": ("STREET_ADDRESS", street_address), "POB": ("PO_BOX", po_box),
    "ZIP": ("ZIP_CODE", zip_code), "URL": ("URL", url), "F": ("PERSON", first_name),
}


def render(template):
    out, spans = b"", []
    for part in re.split(r"(\{[A-Z0-9]+\})", template):
        m = re.fullmatch(r"\{([A-Z0-9]+)\}", part)
        if not m:
            out += part.encode()
            continue
        slot = m.group(1)
        if slot == "L":
            kind, value = lookalike()
            frame = pick(LOOKALIKE_FRAMES[kind])
            pre, post = frame.split("{}")
            out += pre.encode()
            spans.append({"start": len(out), "end": len(out) + len(value.encode()), "label": "KEEP:" + kind})
            out += value.encode() + post.encode()
        elif slot == "T":
            prefix, name, suffix = titled_person()
            out += prefix.encode()
            spans.append({"start": len(out), "end": len(out) + len(name.encode()), "label": "PERSON"})
            out += name.encode() + suffix.encode()
        else:
            label, gen = SLOTS[slot]
            value = gen()
            spans.append({"start": len(out), "end": len(out) + len(value.encode()), "label": label})
            out += value.encode()
    return out.decode(), spans


def main():
    holdout = "--holdout" in sys.argv or "--blind" in sys.argv
    blind = "--blind" in sys.argv
    if holdout:
        rnd.seed(SEED + (2 if blind else 1))
        for i, f in enumerate(fakers.values()):
            f.seed_instance(SEED + (200 if blind else 100) + i)
    templates = BLIND_TEMPLATES if blind else HOLDOUT_TEMPLATES if holdout else TEMPLATES
    for _ in range(N_RECORDS // 2 if holdout else N_RECORDS):
        text, spans = render(pick(templates))
        sys.stdout.write(json.dumps({"text": text, "spans": spans}, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
