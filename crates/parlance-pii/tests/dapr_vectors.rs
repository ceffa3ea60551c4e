//! Dapr's conformance vectors (runtime integration tests `scrubpii.go` and the documented
//! placeholders) must pass unchanged.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use parlance_pii::Scrubber;
use std::borrow::Cow;

#[test]
fn dapr_conformance_vectors() {
    let s = Scrubber::default();
    for (input, want) in [
        (
            "well hello there, my phone number is +2222222222",
            "well hello there, my phone number is <PHONE_NUMBER>",
        ),
        (
            "well hello there, my phone number is +4422222222",
            "well hello there, my phone number is <PHONE_NUMBER>",
        ),
        (
            "well hello there, my email is test@test.com",
            "well hello there, my email is <EMAIL_ADDRESS>",
        ),
        ("well hello there from 10.8.9.1", "well hello there from <IP>"),
        ("well hello there", "well hello there"),
        ("", ""),
    ] {
        assert_eq!(s.scrub(input), want, "input {input:?}");
    }
}

#[test]
fn clean_text_is_borrowed() {
    let s = Scrubber::default();
    assert!(matches!(s.scrub("well hello there"), Cow::Borrowed(_)));
}

#[test]
fn correct_dapr_vectors_still_hold() {
    let s = Scrubber::default();
    for (input, want) in [
        ("My SSN is 123-45-6789", "My SSN is <US_SSN>"),
        ("Card 4111 1111 1111 1111 expires 12/25", "Card <CREDIT_CARD> expires 12/25"),
        ("My card: 4111-1111-1111-1111.", "My card: <CREDIT_CARD>."),
        ("IBAN DE89370400440532013000 please", "IBAN <IBAN> please"),
        ("MAC 00:1A:2B:3C:4D:5E", "MAC <MAC_ADDRESS>"),
        ("zip 94105 and 94105-1234", "zip <ZIP_CODE> and <ZIP_CODE>"),
        ("PO Box 123", "<PO_BOX>"),
        ("+1 (415) 555-2671", "<PHONE_NUMBER>"),
        ("415.555.2671", "<PHONE_NUMBER>"),
        ("10.0.0.1,10.0.0.2", "<IP>,<IP>"),
        ("a::b", "<IP>"),
        (
            "email a@b.com and ip 192.168.0.1 and ssn 123-45-6789",
            "email <EMAIL_ADDRESS> and ip <IP> and ssn <US_SSN>",
        ),
        ("Ünïcödé test@test.com ünï", "Ünïcödé <EMAIL_ADDRESS> ünï"),
        ("The answer is 42", "The answer is 42"),
    ] {
        assert_eq!(s.scrub(input), want, "input {input:?}");
    }
}
