//! Shape check of a SigV4 `Authorization` header and `x-amz-date` (the signature itself is
//! not verified: the fake knows no secret key).

use http::StatusCode;

use crate::wire::{Call, WireError};

fn forbidden(kind: &str, message: impl Into<String>) -> WireError {
    WireError::new(StatusCode::FORBIDDEN, kind, message)
}

/// The parts of `Credential=AK/DATE/REGION/SERVICE/aws4_request`.
#[derive(Debug, PartialEq, Eq)]
pub(super) struct Credential<'a> {
    /// Access key id.
    pub access_key: &'a str,
    /// `YYYYMMDD`.
    pub date: &'a str,
    /// Region.
    pub region: &'a str,
}

/// Checks the headers; returns the credential scope.
pub(super) fn check<'a>(call: &'a Call<'_>) -> Result<Credential<'a>, WireError> {
    let Some(header) = call.header("authorization") else {
        return Err(forbidden(
            "MissingAuthenticationTokenException",
            "Missing Authentication Token",
        ));
    };
    let credential = parse_authorization(header)?;
    if let Some(want) = &call.state.opts.api_key {
        if want != credential.access_key {
            return Err(forbidden(
                "UnrecognizedClientException",
                "The security token included in the request is invalid.",
            ));
        }
    }
    check_date(call.header("x-amz-date"), credential.date)?;
    Ok(credential)
}

/// Parses `AWS4-HMAC-SHA256 Credential=…, SignedHeaders=…, Signature=…`.
pub(super) fn parse_authorization(header: &str) -> Result<Credential<'_>, WireError> {
    let incomplete = |m: String| forbidden("IncompleteSignatureException", m);
    let Some(params) = header.strip_prefix("AWS4-HMAC-SHA256 ") else {
        return Err(incomplete(format!(
            "Authorization header requires 'Credential' parameter. Authorization header requires 'Signature' parameter. Authorization header requires 'SignedHeaders' parameter. Authorization={header}"
        )));
    };
    let get = |name: &str| {
        params
            .split(',')
            .filter_map(|p| p.trim().split_once('='))
            .find(|(k, _)| *k == name)
            .map(|(_, v)| v.trim())
    };
    let missing: Vec<String> = ["Credential", "Signature", "SignedHeaders"]
        .iter()
        .filter(|n| get(n).is_none_or(str::is_empty))
        .map(|n| format!("Authorization header requires '{n}' parameter."))
        .collect();
    if !missing.is_empty() {
        return Err(incomplete(format!("{} Authorization={header}", missing.join(" "))));
    }
    let signature = get("Signature").unwrap_or_default();
    if signature.len() != 64
        || !signature.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    {
        return Err(incomplete("Signature must be 64 lowercase hexadecimal characters.".into()));
    }
    let signed = get("SignedHeaders").unwrap_or_default();
    if !signed.split(';').any(|h| h == "host" || h == ":authority") {
        return Err(forbidden(
            "InvalidSignatureException",
            "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.",
        ));
    }
    credential(get("Credential").unwrap_or_default())
}

fn credential(text: &str) -> Result<Credential<'_>, WireError> {
    let invalid = |m: String| forbidden("InvalidSignatureException", m);
    let parts: Vec<&str> = text.split('/').collect();
    let [access_key, date, region, service, terminator] = parts[..] else {
        return Err(forbidden(
            "IncompleteSignatureException",
            format!(
                "Credential should have exactly 5 slash-separated parts, not {}: {text}",
                parts.len()
            ),
        ));
    };
    if access_key.is_empty() {
        return Err(forbidden(
            "IncompleteSignatureException",
            "Credential must have an access key id.",
        ));
    }
    if date.len() != 8 || !date.bytes().all(|b| b.is_ascii_digit()) {
        return Err(invalid(format!("Date must be in ISO-8601 'basic format'. Got '{date}'.")));
    }
    if region.is_empty() {
        return Err(invalid("Credential should be scoped to a valid region.".into()));
    }
    if service != "bedrock" {
        return Err(invalid("Credential should be scoped to correct service: 'bedrock'.".into()));
    }
    if terminator != "aws4_request" {
        return Err(invalid(format!(
            "Credential should be scoped with a valid terminator: 'aws4_request', not '{terminator}'."
        )));
    }
    Ok(Credential { access_key, date, region })
}

/// `x-amz-date` must be `YYYYMMDDTHHMMSSZ` and name the credential's day.
fn check_date(amz_date: Option<&str>, scope_date: &str) -> Result<(), WireError> {
    let Some(amz_date) = amz_date else {
        return Err(forbidden(
            "IncompleteSignatureException",
            "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.",
        ));
    };
    let b = amz_date.as_bytes();
    let well_formed = b.len() == 16
        && b[8] == b'T'
        && b[15] == b'Z'
        && b[..8].iter().chain(&b[9..15]).all(u8::is_ascii_digit);
    if !well_formed {
        return Err(forbidden(
            "IncompleteSignatureException",
            format!(
                "Date must be in ISO-8601 'basic format'. Got '{amz_date}'. See http://en.wikipedia.org/wiki/ISO_8601"
            ),
        ));
    }
    if &amz_date[..8] != scope_date {
        return Err(forbidden(
            "InvalidSignatureException",
            format!(
                "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '{scope_date}' != '{}', from '{amz_date}'.",
                &amz_date[..8]
            ),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const SIG: &str = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

    fn header(credential: &str, signed: &str, sig: &str) -> String {
        format!("AWS4-HMAC-SHA256 Credential={credential}, SignedHeaders={signed}, Signature={sig}")
    }

    #[test]
    fn accepts_a_well_formed_header() {
        let h =
            header("AKIDEXAMPLE/20240101/us-east-1/bedrock/aws4_request", "host;x-amz-date", SIG);
        let c = parse_authorization(&h).unwrap();
        assert_eq!(
            c,
            Credential { access_key: "AKIDEXAMPLE", date: "20240101", region: "us-east-1" }
        );
    }

    #[test]
    fn rejects_malformed_headers() {
        let kind = |h: &str| parse_authorization(h).unwrap_err().kind;
        assert_eq!(kind("Bearer abc"), "IncompleteSignatureException");
        assert_eq!(kind("AWS4-HMAC-SHA256 Credential=a/b"), "IncompleteSignatureException");
        let good = "AK/20240101/us-east-1/bedrock/aws4_request";
        assert_eq!(kind(&header(good, "host", "abc")), "IncompleteSignatureException");
        assert_eq!(kind(&header(good, "x-amz-date", SIG)), "InvalidSignatureException");
        assert_eq!(
            kind(&header("AK/20240101/us-east-1/s3/aws4_request", "host", SIG)),
            "InvalidSignatureException"
        );
        assert_eq!(
            kind(&header("AK/2024/us-east-1/bedrock/aws4_request", "host", SIG)),
            "InvalidSignatureException"
        );
        assert_eq!(
            kind(&header("AK/20240101/us-east-1/bedrock/aws5", "host", SIG)),
            "InvalidSignatureException"
        );
        assert_eq!(
            kind(&header("AK/20240101/bedrock/aws4_request", "host", SIG)),
            "IncompleteSignatureException"
        );
    }

    #[test]
    fn checks_the_date_header() {
        assert!(check_date(Some("20240101T120000Z"), "20240101").is_ok());
        assert_eq!(check_date(None, "20240101").unwrap_err().kind, "IncompleteSignatureException");
        assert_eq!(
            check_date(Some("2024-01-01"), "20240101").unwrap_err().kind,
            "IncompleteSignatureException"
        );
        assert_eq!(
            check_date(Some("20240102T000000Z"), "20240101").unwrap_err().kind,
            "InvalidSignatureException"
        );
    }
}
