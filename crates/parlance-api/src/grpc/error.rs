//! The one place where an [`ApiError`] becomes a gRPC status: the code from the core table
//! ([`parlance_core::ErrorCode::grpc_code`]), the message equal to the HTTP `message`, and no
//! details, as daprd sends it (spec §2.2).

use parlance_core::ApiError;
use parlance_core::error::GrpcCode;
use tonic::{Code, Status};

/// The gRPC status for an error.
pub fn status(e: ApiError) -> Status {
    let code = code(e.code.grpc_code());
    if code == Code::Internal || code == Code::Unavailable {
        tracing::warn!(code = e.code.as_str(), message = %e.message, "gRPC request failed");
    } else {
        tracing::debug!(code = e.code.as_str(), message = %e.message, "gRPC request rejected");
    }
    let mut md = tonic::metadata::MetadataMap::new();
    crate::keys::refusal_metadata(&e, &mut md);
    Status::with_metadata(code, e.message, md)
}

/// The tonic code for the core's gRPC code.
fn code(c: GrpcCode) -> Code {
    Code::from_i32(c as i32)
}

#[cfg(test)]
mod tests {
    use super::*;
    use parlance_core::ErrorCode;

    #[test]
    fn codes_and_messages_follow_the_table() {
        let s = status(ApiError::not_found("x"));
        assert_eq!(
            (s.code(), s.message()),
            (Code::InvalidArgument, "failed finding conversation component x")
        );
        assert_eq!(status(ApiError::invoke("x", &"boom")).code(), Code::Internal);
        assert_eq!(
            status(ApiError::new(ErrorCode::Unimplemented, "u")).code(),
            Code::Unimplemented
        );
        assert!(s.details().is_empty());
    }
}
