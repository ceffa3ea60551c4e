//! The public API as other crates use it: entity sets, counts, reversible mode, JSON.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use parlance_pii::{Entity, EntityCounts, EntitySet, Finding, Scrubber, Vault};
use std::borrow::Cow;

#[test]
fn scrubber_is_send_sync_clone() {
    fn assert_send_sync<T: Send + Sync + Clone>() {}
    assert_send_sync::<Scrubber>();
}

#[test]
fn nothing_found_allocates_nothing() {
    let s = Scrubber::default();
    let text = "Hi there, could you summarise the attached quarterly report for the board? \
                Focus on revenue growth and the new product launch in the third quarter.";
    assert_eq!(s.find(text).capacity(), 0);
    assert!(matches!(s.scrub(text), Cow::Borrowed(_)));
    assert!(matches!(s.scrub_counted(text, &mut EntityCounts::default()), Cow::Borrowed(_)));
    assert!(matches!(s.scrub_reversible(text, &mut Vault::default()), Cow::Borrowed(_)));
}

#[test]
fn configured_entities_only() {
    let s = Scrubber::new(EntitySet::parse("email").unwrap());
    assert_eq!(s.scrub("a@b.co from 10.0.0.1"), "<EMAIL_ADDRESS> from 10.0.0.1");
    let none = Scrubber::new(EntitySet::empty());
    assert!(matches!(none.scrub("a@b.co"), Cow::Borrowed(_)));
}

#[test]
fn find_reports_sorted_spans() {
    let s = Scrubber::default();
    let text = "Mary Johnson <mary@example.com>, 415-555-2671";
    let f = s.find(text);
    assert_eq!(
        f,
        vec![
            Finding { entity: Entity::Person, start: 0, end: 12 },
            Finding { entity: Entity::EmailAddress, start: 14, end: 30 },
            Finding { entity: Entity::PhoneNumber, start: 33, end: 45 },
        ]
    );
}

#[test]
fn counts_by_entity() {
    let s = Scrubber::default();
    let mut c = EntityCounts::default();
    let out = s.scrub_counted("mail a@b.co or c@d.org, ip 10.0.0.1", &mut c);
    assert_eq!(out, "mail <EMAIL_ADDRESS> or <EMAIL_ADDRESS>, ip <IP>");
    assert_eq!(c.get(Entity::EmailAddress), 2);
    assert_eq!(c.get(Entity::Ip), 1);
    assert_eq!(c.total(), 3);
}

#[test]
fn reversible_round_trip() {
    let s = Scrubber::default();
    let mut v = Vault::default();
    let text = "Hi, I'm Jennifer Lopez (jlo@example.com). Jennifer Lopez again; call 415-555-2671.";
    let out = s.scrub_reversible(text, &mut v);
    assert_eq!(
        out,
        "Hi, I'm <PERSON_1> (<EMAIL_ADDRESS_1>). <PERSON_1> again; call <PHONE_NUMBER_1>."
    );
    assert_eq!(v.len(), 3);
    let reply = "Sure <PERSON_1>, I will write to <EMAIL_ADDRESS_1>.";
    assert_eq!(v.restore(reply), "Sure Jennifer Lopez, I will write to jlo@example.com.");
    assert!(matches!(v.restore("nothing"), Cow::Borrowed(_)));
}

#[test]
fn json_values_scrubbed_keys_kept() {
    let s = Scrubber::default();
    let mut c = EntityCounts::default();
    let args = r#"{"email": "ann@example.com", "note": "call +44 20 7946 0958", "n": 3}"#;
    let out = s.scrub_json(args, &mut c);
    assert_eq!(out, r#"{"email": "<EMAIL_ADDRESS>", "note": "call <PHONE_NUMBER>", "n": 3}"#);
    assert_eq!(c.total(), 2);
    let not_json = "mail ann@example.com";
    assert_eq!(s.scrub_json(not_json, &mut c), "mail <EMAIL_ADDRESS>");
}

#[test]
fn json_reversible_restores_with_escaping() {
    let s = Scrubber::default();
    let mut v = Vault::default();
    let args = r#"{"to":"Dear \"Bob\" Smith","mail":"b@x.io"}"#;
    let out = s.scrub_json_reversible(args, &mut v);
    assert!(serde_json::from_str::<serde_json::Value>(&out).is_ok());
    let back = v.restore_json(&out);
    let val: serde_json::Value = serde_json::from_str(&back).unwrap();
    assert_eq!(val["mail"], "b@x.io");
    assert_eq!(val["to"], "Dear \"Bob\" Smith");
}
