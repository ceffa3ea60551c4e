//! `DAPR_API_TOKEN` on gRPC (spec §5.4): every method needs metadata `dapr-api-token` equal to
//! the token, else `Unauthenticated`, with daprd's messages and its `ErrorInfo` detail
//! (reason `Unauthorized`, domain `dapr.io`, `http.code` and `http.error_message`). The
//! comparison is the HTTP door's constant-time one; the token is stripped before handling.

use std::collections::BTreeMap;
use std::sync::Arc;

use prost::Message as _;
use tonic::service::Interceptor;
use tonic::{Code, Request, Status};

use crate::door::auth::{TOKEN_HEADER, token_matches};

/// The interceptor; without a token every request passes.
#[derive(Clone, Default)]
pub struct TokenCheck {
    expected: Option<Arc<str>>,
}

impl TokenCheck {
    /// Checks against `expected` when it is set.
    pub fn new(expected: Option<Arc<str>>) -> TokenCheck {
        TokenCheck { expected }
    }
}

impl Interceptor for TokenCheck {
    fn call(&mut self, mut req: Request<()>) -> Result<Request<()>, Status> {
        let Some(expected) = self.expected.as_deref() else {
            return Ok(req);
        };
        let Some(given) = req.metadata().get(TOKEN_HEADER) else {
            return Err(unauthenticated("missing api token in request metadata"));
        };
        if !token_matches(given.as_bytes(), expected.as_bytes()) {
            return Err(unauthenticated("authentication error: api token mismatch"));
        }
        req.metadata_mut().remove(TOKEN_HEADER);
        Ok(req)
    }
}

/// `google.rpc.Status`, as carried in `grpc-status-details-bin`.
#[derive(Clone, PartialEq, prost::Message)]
struct RpcStatus {
    #[prost(int32, tag = "1")]
    code: i32,
    #[prost(string, tag = "2")]
    message: String,
    #[prost(message, repeated, tag = "3")]
    details: Vec<prost_types::Any>,
}

/// `google.rpc.ErrorInfo`.
#[derive(Clone, PartialEq, prost::Message)]
struct ErrorInfo {
    #[prost(string, tag = "1")]
    reason: String,
    #[prost(string, tag = "2")]
    domain: String,
    #[prost(btree_map = "string, string", tag = "3")]
    metadata: BTreeMap<String, String>,
}

fn unauthenticated(message: &str) -> Status {
    let metadata = BTreeMap::from([
        ("http.code".to_string(), "401".to_string()),
        ("http.error_message".to_string(), message.to_string()),
    ]);
    let info = ErrorInfo { reason: "Unauthorized".into(), domain: "dapr.io".into(), metadata };
    let any = prost_types::Any {
        type_url: "type.googleapis.com/google.rpc.ErrorInfo".into(),
        value: info.encode_to_vec(),
    };
    let code = Code::Unauthenticated;
    let details = RpcStatus { code: code as i32, message: message.into(), details: vec![any] };
    Status::with_details(code, message, details.encode_to_vec().into())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn call(token: Option<&str>, given: Option<&str>) -> Result<Request<()>, Status> {
        let mut req = Request::new(());
        if let Some(g) = given {
            req.metadata_mut().insert(TOKEN_HEADER, g.parse().unwrap());
        }
        TokenCheck::new(token.map(Arc::from)).call(req)
    }

    #[test]
    fn token_rules() {
        assert!(call(None, None).is_ok());
        let ok = call(Some("t"), Some("t")).unwrap();
        assert!(ok.metadata().get(TOKEN_HEADER).is_none());
        let missing = call(Some("t"), None).unwrap_err();
        assert_eq!(
            (missing.code(), missing.message()),
            (Code::Unauthenticated, "missing api token in request metadata")
        );
        let wrong = call(Some("t"), Some("u")).unwrap_err();
        assert_eq!(wrong.message(), "authentication error: api token mismatch");
        let details = RpcStatus::decode(wrong.details()).unwrap();
        let info = ErrorInfo::decode(details.details[0].value.as_slice()).unwrap();
        assert_eq!((info.reason.as_str(), info.domain.as_str()), ("Unauthorized", "dapr.io"));
        assert_eq!(info.metadata["http.code"], "401");
    }
}
