//! Whole postal addresses end to end (issue 20, item 4): every byte of a postal block is
//! removed — street, unit, city, region, postcode and country, across line breaks, indented
//! continuation lines and commas — while cities, countries and street names mentioned in
//! passing stay. Also: the same texts streamed in every split, and inputs that must stay
//! linear (1 MiB of capitalised words, digits, postcodes or line breaks).

use parlance_pii::{EntityCounts, Scrubber, StreamScrubber};

fn scrub(text: &str) -> String {
    Scrubber::default().scrub(text).into_owned()
}

const A: &str = "<STREET_ADDRESS>";

#[test]
fn the_issue_examples_leave_nothing() {
    let s = "Send to 4711 Keskuskatu 12\n Apt. 33\n TAMPERE\n Finland 33100 please";
    assert_eq!(scrub(s), format!("Send to {A} please"));
    assert_eq!(scrub("at 221B Baker Street, London NW1 6XE."), format!("at {A}."));
    assert_eq!(scrub("my postcode is NW1 6XE"), "my postcode is <ZIP_CODE>");
    assert_eq!(scrub("We are in London SW1A 2AA now"), format!("We are in {A} now"));
    let s = "Deliver to the corner of Elm and 5th";
    assert_eq!(scrub(s), format!("Deliver to the corner of {A}"));
    let s = "meet me at the corner of 5th Ave and Main St";
    assert_eq!(scrub(s), format!("meet me at the corner of {A}"));
    assert_eq!(scrub("I live on Maple Street"), format!("I live on {A}"));
    assert_eq!(scrub("ship it to Rue de Rivoli, Paris"), format!("ship it to {A}"));
}

#[test]
fn multi_line_blocks_are_one_finding() {
    for block in [
        "Flat 3\n12 High Street\nCambridge\nCB2 1TN",
        "c/o Acme Ltd\n5 Market Square\nOxford OX1 3AA\nUnited Kingdom",
        "Rosebank House\n14 Church Lane\nLeeds\nLS1 4DY",
        "Floor 3, 27 Harcourt Street\nDublin 2\nD02 XY45\nIreland",
        "Sunnyside Cottage\nMill Lane\nLower Slaughter\nCheltenham\nGL54 2HS",
        "Suite 400, 123 Main Street\nToronto ON M5H 2N2\nCanada",
        "Unit 4, 18 George Street\nSydney NSW 2000\nAustralia",
        "Apt 4B\n77 Massachusetts Ave\nCambridge, MA 02139",
        "Hauptstraße 5\n10115 Berlin\nGermany",
        "12 rue de la Paix\n75002 PARIS\nFRANCE",
        "Kungsgatan 2\n411 19 GÖTEBORG\nSWEDEN",
        "Via Giuseppe Garibaldi 7\n20121 Milano MI\nItalia",
        "ul. Marszałkowska 84/92 m. 15\n00-514 Warszawa\nPolska",
        "Brīvības iela 55-7\nRīga, LV-1010\nLatvia",
        "Av. Corrientes 1234, Piso 5 Dto. B\nC1043AAZ Buenos Aires\nArgentina",
        "Strada Lipscani 12, bl. 3, sc. A, ap. 4\n030031 București\nRomânia",
        "Mariahilfer Straße 45/3/12\n1060 Wien\nÖsterreich",
        "Calle Mayor 14, 3º B\n28013 Madrid\nEspaña",
        "Strøget 18, 2. th.\n1160 København K\nDanmark",
        "Laugavegur 26\n101 Reykjavík\nIceland",
        "Bağdat Caddesi No: 45 Daire 6\n34710 Kadıköy/İstanbul\nTürkiye",
        "ul. Tverskaya, d. 7, kv. 12\nMoskva\n125009\nRussia",
        "1-2-3 Marunouchi, Chiyoda-ku\nTokyo 100-0005\nJapan",
        "12 Sejong-daero, Jung-gu\nSeoul 04524\nSouth Korea",
        "No. 18 Jianguo Road, Chaoyang District\nBeijing 100022\nChina",
        "Av. Paulista, 1578 - Bela Vista\nSão Paulo - SP\n01310-200\nBrasil",
        "Unit 5B, 123 Ayala Avenue\nMakati City 1226\nMetro Manila, Philippines",
        "Storgatan 5 B\nSE-411 38 Göteborg",
        "Springfield Road 4\r\n12345 Springfield\r\nGermany",
        "Flat 2B, Marine Court\n45 Seaside Road\nBrighton\nBN2 1TW\nUK",
        "Plot 5, Adetokunbo Ademola Street, Victoria Island, Lagos",
        "Av. Libertador Bernardo O'Higgins 1449, Santiago, Chile",
        "4-2-8 Shibakoen, Minato-ku, Tokyo 105-0011",
    ] {
        assert_eq!(
            scrub(&format!("Ship to:\n{block}\nThanks")),
            format!("Ship to:\n{A}\nThanks"),
            "{block}"
        );
    }
}

#[test]
fn look_alikes_stay() {
    for s in [
        "Tampere is a city in Finland.",
        "We flew from London to Helsinki via Amsterdam.",
        "They sell Maple Syrup at the Main Street fair.",
        "Order A12 3BC was delayed.",
        "The MP3 4GB model sold out.",
        "Read chapter 5 of Elm and Oak.",
        "The Oxford Street store opened on June 5.",
        "Room 12 on floor 3 is free.",
        "TORONTO and MONTREAL led the standings.",
    ] {
        assert_eq!(scrub(s), s);
    }
    let s = "Mail goes to Post Office Box 7011 (ISBN 0-86325-280-X).";
    assert_eq!(scrub(s), "Mail goes to <PO_BOX> (ISBN 0-86325-280-X).");
}

#[test]
fn blocks_stream_exactly_in_every_split() {
    let text = "Hi,\nc/o Acme Ltd\n5 Market Square\nOxford OX1 3AA\nUnited Kingdom\n\
                and 4711 Keskuskatu 12\n Apt. 33\n TAMPERE\n Finland 33100, or\n\
                Sunnyside Cottage\nMill Lane\nLower Slaughter\nCheltenham\nGL54 2HS\nbye";
    let whole = scrub(text);
    for cut in 0..=text.len() {
        if !text.is_char_boundary(cut) {
            continue;
        }
        let mut s = StreamScrubber::new(Scrubber::default());
        let mut counts = EntityCounts::default();
        let mut out = s.push(&text[..cut], &mut counts);
        out.push_str(&s.push(&text[cut..], &mut counts));
        out.push_str(&s.finish(&mut counts));
        assert_eq!(out, whole, "cut at {cut}");
    }
}

/// Seconds to find in `piece` repeated to `bytes` bytes.
fn find_secs(piece: &str, bytes: usize) -> f64 {
    let text = piece.repeat(bytes / piece.len());
    let started = std::time::Instant::now();
    let _ = Scrubber::default().find(&text);
    started.elapsed().as_secs_f64()
}

#[test]
fn long_runs_stay_linear() {
    let pieces =
        ["London ", "SW1A ", "SW1A 2AA\n", "12\n", "\n", " \n", "on Maple Street, ", "of Elm and "];
    for piece in pieces {
        let _ = find_secs(piece, 1 << 12); // tables built
        let small = find_secs(piece, 1 << 16);
        let large = find_secs(piece, 1 << 18);
        assert!(
            large < 12.0 * small + 0.05,
            "{piece:?}: {small:.3} s for 64 KiB, {large:.3} s for 256 KiB"
        );
    }
}
