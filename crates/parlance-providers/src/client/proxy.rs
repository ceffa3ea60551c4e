//! Which proxy, if any, a destination goes through: hyper-util's matcher (curl's rules, as
//! reqwest used), from the environment or given explicitly.

use std::sync::Arc;

use http::{HeaderValue, Uri};
use hyper_util::client::proxy::matcher::{Intercept, Matcher};

/// The proxy rules of one client. Cheap to clone.
#[derive(Clone)]
pub struct Proxies {
    matcher: Option<Arc<Matcher>>,
}

impl std::fmt::Debug for Proxies {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The matcher's own Debug may show proxy credentials: say only whether there is one.
        f.debug_struct("Proxies").field("configured", &self.matcher.is_some()).finish()
    }
}

impl Proxies {
    /// From `HTTPS_PROXY`, `HTTP_PROXY`, `ALL_PROXY` and `NO_PROXY`, upper or lower case
    /// (`HTTP_PROXY` is ignored when `REQUEST_METHOD` is set, as under CGI).
    pub fn from_env() -> Proxies {
        Proxies { matcher: Some(Arc::new(Matcher::from_env())) }
    }

    /// No proxy at all, whatever the environment says.
    pub fn none() -> Proxies {
        Proxies { matcher: None }
    }

    /// Explicit rules: the proxy for `http://` and for `https://` destinations (empty: none)
    /// and the `NO_PROXY` list of hosts, domains and networks that bypass them.
    pub fn new(http: &str, https: &str, no_proxy: &str) -> Proxies {
        let matcher = Matcher::builder().http(http).https(https).no(no_proxy).build();
        Proxies { matcher: Some(Arc::new(matcher)) }
    }

    /// The proxy for `dst`, if one intercepts it.
    pub(crate) fn intercept(&self, dst: &Uri) -> Option<Intercept> {
        self.matcher.as_ref()?.intercept(dst)
    }

    /// Whether plain-HTTP requests may go through a forward proxy with credentials (then
    /// each such request needs a `Proxy-Authorization` header).
    pub(crate) fn has_forward_auth(&self) -> bool {
        let probe = Uri::from_static("http://parlance.invalid/");
        self.intercept(&probe).is_some_and(|p| p.basic_auth().is_some())
    }

    /// The `Proxy-Authorization` a plain-HTTP request to `dst` carries, if any.
    pub(crate) fn forward_auth(&self, dst: &Uri) -> Option<HeaderValue> {
        self.intercept(dst)?.basic_auth().cloned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_proxy_bypasses_and_schemes_pick_their_proxy() {
        let p =
            Proxies::new("http://fwd:3128", "http://user:pw@tunnel:3128", "localhost,10.0.0.0/8");
        let https = p.intercept(&Uri::from_static("https://api.example/v1")).unwrap();
        assert_eq!(https.uri().host(), Some("tunnel"));
        assert!(https.basic_auth().is_some());
        let http = p.intercept(&Uri::from_static("http://api.example/v1")).unwrap();
        assert_eq!(http.uri().host(), Some("fwd"));
        assert!(p.intercept(&Uri::from_static("https://localhost:8443/")).is_none());
        assert!(p.intercept(&Uri::from_static("https://10.1.2.3/")).is_none());
        assert!(!p.has_forward_auth());
        assert!(Proxies::none().intercept(&Uri::from_static("https://api.example/")).is_none());
        assert!(!format!("{p:?}").contains("pw"));
    }
}
