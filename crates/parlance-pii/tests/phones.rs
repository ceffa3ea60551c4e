//! Phones as people write them (issue 20): short numbers after a cue that says "phone" without
//! the word, numbers glued to their label, numbers in a contact line; and the numbers that are
//! no phones (timestamps, versions, ranges, prices, coordinates, order numbers).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use parlance_pii::{EntitySet, Scrubber};

fn phones_only(s: &str) -> String {
    Scrubber::new(EntitySet::parse("PHONE_NUMBER").unwrap()).scrub(s).into_owned()
}

#[test]
fn short_numbers_after_a_cue() {
    for (text, want) in [
        ("nobody picks up at 412 7781", "nobody picks up at <P>"),
        ("ring me: 24 55 61", "ring me: <P>"),
        ("Ring me on 24 55 61 tonight.", "Ring me on <P> tonight."),
        ("buzz me on 555 0199 when you land", "buzz me on <P> when you land"),
        ("call me at 412-7781 after six", "call me at <P> after six"),
        ("text me at 24 55 61 or email", "text me at <P> or email"),
        ("you can reach me on 63 21 88.", "you can reach me on <P>."),
        ("my landline is 24 55 61", "my landline is <P>"),
        ("My number's 412 7781.", "My number's <P>."),
        ("my number is 2455 617", "my number is <P>"),
        ("whatsapp me: 612 34 56", "whatsapp me: <P>"),
        ("Tel. 24 55 61", "Tel. <P>"),
        ("Tél. : 24 55 61", "Tél. : <P>"),
        ("Tlf 24 55 61", "Tlf <P>"),
        ("Telefon 412 7781", "Telefon <P>"),
        ("Teléfono: 412 77 81", "Teléfono: <P>"),
        ("mi número es 412 77 81", "mi número es <P>"),
        ("Fone: 3412-778", "Fone: <P>"),
        ("Handy: 0171 234", "Handy: <P>"),
        ("Mob. 412 7781", "Mob. <P>"),
        ("Cel. 412-7781", "Cel. <P>"),
        ("Ph: 4127781", "Ph: <P>"),
        ("Phone/Fax: 412 7781", "Phone/Fax: <P>"),
        ("Telefon: 089 / 12 34 56", "Telefon: <P>"),
        ("Give us a ring on 24 55 61", "Give us a ring on <P>"),
        ("Tlf. 33 12 44 55 · Mob. 40 12 34 56", "Tlf. <P> · Mob. <P>"),
        ("Fone: (11) 3456-7890 / Cel.: (11) 98765-4321", "Fone: <P> / Cel.: <P>"),
        ("412 7781 (home), 0412 778 190 (mobile)", "<P> (home), <P> (mobile)"),
        ("Call me on 4127781", "Call me on <P>"),
        ("Ring the shop on 24 55 61 and ask for Dave.", "Ring the shop on <P> and ask for Dave."),
        ("call the front desk on 24 55 61", "call the front desk on <P>"),
        ("dial 24 55 61 from the lobby", "dial <P> from the lobby"),
        ("412 7781 (mobile)", "<P> (mobile)"),
        ("24 55 61 - home", "<P> - home"),
        ("the desk is 24 55 61 (after 6 pm)", "the desk is <P> (after 6 pm)"),
        ("Tel (351) 911450825", "Tel <P>"),
        ("Tel 06/ 941 77 80", "Tel <P>"),
        ("Phone: +61-7-0153-3875", "Phone: <P>"),
        ("Numbers on file: 9850944047; (351) 914 982 868", "Numbers on file: <P>; <P>"),
    ] {
        assert_eq!(phones_only(text).replace("<PHONE_NUMBER>", "<P>"), want, "{text}");
    }
}

#[test]
fn numbers_glued_to_their_label() {
    for (text, want) in [
        ("+41 76 322 18 05-Fax", "<P>-Fax"),
        ("+41 76 322 18 05/Tel", "<P>/Tel"),
        ("Fax-+41 76 322 18 06", "Fax-<P>"),
        ("Tel:+44 20 7946 0958", "Tel:<P>"),
        ("(Tel.)+44 20 7946 0958", "(Tel.)<P>"),
        ("Tel.0161 496 0000", "Tel.<P>"),
        ("Mob.07700 900123", "Mob.<P>"),
        ("Tel-0161 496 0000", "Tel-<P>"),
        ("Tel:0161 496 0000", "Tel:<P>"),
        ("Fax:412 7781", "Fax:<P>"),
        ("0161 496 0000-Mobile", "<P>-Mobile"),
    ] {
        assert_eq!(phones_only(text).replace("<PHONE_NUMBER>", "<P>"), want, "{text}");
    }
}

#[test]
fn numbers_in_a_contact_line() {
    for (text, want) in [
        (
            "Marta Kowalczyk | 512 33 49 | marta@example.pl",
            "Marta Kowalczyk | <P> | marta@example.pl",
        ),
        ("Contact: Marta Kowalczyk, 512 33 49", "Contact: Marta Kowalczyk, <P>"),
        ("Name: Ann Lee  24 55 61", "Name: Ann Lee  <P>"),
        ("ann@lee.org / 24 55 61", "ann@lee.org / <P>"),
        ("Kontakt: Jan Nowak 5123 3490 12", "Kontakt: Jan Nowak <P>"),
    ] {
        assert_eq!(phones_only(text).replace("<PHONE_NUMBER>", "<P>"), want, "{text}");
    }
}

#[test]
fn timestamps_versions_and_other_numbers_are_no_phones() {
    for text in [
        "2019-06-21 08:14:55.302117",
        "at 2019-06-21 08:14:55.302117 the job failed",
        "2019-06-21T08:14:55Z",
        "2019-06-21T08:14:55.302+02:00",
        "21.06.2019 08:14:55",
        "06/21/2019 08:14:55 PM",
        "08:14:55.302117",
        "took 00:01:23.45",
        "elapsed 1:23:45.678901",
        "Jun 21 08:14:55 host sshd[31337]: accepted",
        "released v2.14.3 and 1.2.3-rc.4 on Python 3.11.4",
        "Windows 10.0.19045.2965",
        "Chrome 126.0.6478.127 and Edge 126.0.2592.87",
        "node 18.17.1, npm 9.6.7",
        "10.0.0.1 and 192.168.100.200",
        "from 1999-2004 see pages 112-118",
        "call 1999-2004 the golden years",
        "price $1,234.56 or 1 234 567 units",
        "order 412 7781 shipped",
        "call about order 24 55 61",
        "coordinates 51.5074, -0.1278",
        "sha 3f786850e387550fdab836ed7e6dc881de23001b",
        "the call lasted 412 seconds",
        "ring size 7, 24 carat",
        "call me at 10:30 or 11:45",
        "text me at 10 30",
        "tracking 1Z999AA10123456784",
        "Invoice 2024-0042 dated 2024-03-01",
        "ISBN 978-3-16-148410-0",
        "lines 120-180 of main.rs",
        "3.14159 26535",
        "Text 1234567 in the search box",
        "I'll call at 10 30 45 minutes past",
        "Reach 100 000 users by June",
        "number of rows: 412 7781",
        "the cell count was 412 7781 per ml",
        "PIN 245561, OTP 412778",
        "call volume rose to 245 561 last year",
        "mobile data usage 24 55 61 MB",
        "page 3 / 12 and 2004 / 2005",
    ] {
        assert_eq!(phones_only(text), text, "{text}");
    }
}
