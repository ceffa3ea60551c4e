//! Text that carries JSON- or code-escaped text written out as characters (`\n`, `\t`, `\"`,
//! `\u00e9` as a backslash and letters): escapes read as what they stand for when words and lines
//! begin and end, and a placeholder replaces only the value, never the escape around it.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use parlance_pii::{Scrubber, StreamScrubber};

fn scrub(s: &str) -> String {
    Scrubber::default().scrub(s).into_owned()
}

#[test]
fn line_escapes_separate_words_and_lines() {
    for (text, want) in [
        (r"Name:\nMarta Kowalczyk\n+48 512 334 908", r"Name:\n<PERSON>\n<PHONE_NUMBER>"),
        (r"Contact:\n+48 512 334 908\nThanks", r"Contact:\n<PHONE_NUMBER>\nThanks"),
        (r"Thanks,\nTina King\n3042902369", r"Thanks,\n<PERSON>\n<PHONE_NUMBER>"),
        (r"Thanks,\r\nTina King\r\n3042902369", r"Thanks,\r\n<PERSON>\r\n<PHONE_NUMBER>"),
        (r"phone:\t020 7946 0958\tfax", r"phone:\t<PHONE_NUMBER>\tfax"),
        (r"mail\nann.lee@example.com\nbye", r"mail\n<EMAIL_ADDRESS>\nbye"),
        (r"ip\n10.0.0.1\n", r"ip\n<IP>\n"),
        (r#"{\"text\":\"call +44 20 7946 0958\"}"#, r#"{\"text\":\"call <PHONE_NUMBER>\"}"#),
        (r"it\'s Marta Kowalczyk\'s phone", r"it\'s <PERSON>\'s phone"),
        (r"Hi,\\nMarta Kowalczyk here", r"Hi,\\n<PERSON> here"),
        (r"Dear Marta,\n\nthanks", r"Dear <PERSON>,\n\nthanks"),
    ] {
        assert_eq!(scrub(text), want, "{text}");
    }
}

#[test]
fn unicode_escapes_do_not_split_words() {
    assert_eq!(scrub(r"Ren\u00e9 Dupont called"), "<PERSON> called");
    assert_eq!(scrub(r"Signed: Fran\u00e7ois Martin"), "Signed: <PERSON>");
    assert_eq!(scrub(r"Dear \u0141ukasz Nowak,"), "Dear <PERSON>,");
    assert_eq!(scrub(r"ok\u000aMarta Kowalczyk\u000a+48 512 334 908"), {
        r"ok\u000a<PERSON>\u000a<PHONE_NUMBER>"
    });
}

#[test]
fn escapes_without_pii_are_kept_and_borrowed() {
    let s = Scrubber::default();
    for text in [
        r#"line one\nline two\tthree \"quoted\" \\ \/ \u00e9t\u00e9"#,
        r"C:\\Users\\docs\\notes.txt",
        r"regex \d+\s*\w",
        r"\",
        r"\u00",
        r"\\\\\\\\n",
    ] {
        assert!(matches!(s.scrub(text), std::borrow::Cow::Borrowed(_)), "{text}");
    }
}

#[test]
fn escaped_texts_stream_exactly_for_every_split() {
    let s = Scrubber::default();
    let text =
        r#"Name:\nMarta Kowalczyk\n+48 512 334 908\nRen\u00e9 Dupont\u000a0161 496 0000\t\"x\""#;
    let whole = s.scrub(text).into_owned();
    for cut in 0..=text.len() {
        let mut st = StreamScrubber::new(s);
        let mut counts = parlance_pii::EntityCounts::default();
        let mut out = st.push(&text[..cut], &mut counts);
        out.push_str(&st.push(&text[cut..], &mut counts));
        out.push_str(&st.finish(&mut counts));
        assert_eq!(out, whole, "cut at {cut}");
    }
}

/// `text` with line breaks, tabs and quotes written out as JSON escapes.
fn escape(text: &str) -> String {
    text.replace('\\', r"\\").replace('\n', r"\n").replace('\t', r"\t").replace('"', r#"\""#)
}

/// Every corpus text with a line break, tab or quote, escaped, is scrubbed as the text itself:
/// decoding the scrubbed escaped text gives the scrubbed text.
#[test]
fn escaped_corpus_texts_scrub_as_the_texts_themselves() {
    let s = Scrubber::default();
    let mut checked = 0;
    for name in ["dev", "intl_dev", "holdout", "contact_dev"] {
        let path = format!("{}/corpus/{name}.jsonl", env!("CARGO_MANIFEST_DIR"));
        for line in std::fs::read_to_string(path).unwrap().lines() {
            let v: serde_json::Value = serde_json::from_str(line).unwrap();
            let text = v["text"].as_str().unwrap();
            if !text.contains(['\n', '\t', '"']) || text.contains('\\') {
                continue;
            }
            let scrubbed = s.scrub(&escape(text)).into_owned();
            let decoded: String = serde_json::from_str(&format!("\"{scrubbed}\"")).unwrap();
            assert_eq!(decoded, s.scrub(text), "{text:?}");
            checked += 1;
        }
    }
    assert!(checked > 500, "{checked}");
}
