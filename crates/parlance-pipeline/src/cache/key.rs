//! The response-cache key: SHA-256 over a canonical, length-prefixed encoding of everything
//! that can change the answer — component, resolved model and the whole (input-scrubbed)
//! [`ChatRequest`].
//!
//! Every request type is destructured here without `..`, so a new field is a compile error
//! until someone decides whether it belongs in the key. JSON objects (tool parameters, response
//! schemas) are encoded with sorted keys, so key order in the client's JSON does not matter.

use std::time::Duration;

use parlance_core::{
    AnthropicOptions, AnthropicPart, ChatMessage, ChatRequest, GenerationParams, Opaque, Part,
    ResponseFormat, Role, ThinkingBlock, ToolCall, ToolChoice, ToolDef, ToolResult,
};
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

/// Bumped whenever the encoding changes, so old entries can never be misread.
const KEY_VERSION: &str = "parlance-cache-key-v2";

/// A response-cache key: the SHA-256 of a request as the model would see it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct CacheKey([u8; 32]);

impl CacheKey {
    /// The key of `req` sent by `component` to `model`.
    pub fn of(component: &str, model: Option<&str>, req: &ChatRequest) -> CacheKey {
        let mut enc = Encoder(Sha256::new());
        enc.str(KEY_VERSION);
        enc.str(component);
        enc.opt_str(model);
        enc.request(req);
        CacheKey(enc.0.finalize().into())
    }

    /// Lower-case hex, as used in Redis keys.
    pub fn hex(&self) -> String {
        const DIGITS: &[u8; 16] = b"0123456789abcdef";
        let mut out = String::with_capacity(64);
        for b in self.0 {
            out.push(char::from(DIGITS[usize::from(b >> 4)]));
            out.push(char::from(DIGITS[usize::from(b & 0xf)]));
        }
        out
    }
}

/// Feeds a tagged, length-prefixed encoding straight into the hasher (no intermediate buffer).
struct Encoder(Sha256);

impl Encoder {
    fn tag(&mut self, tag: u8) {
        self.0.update([tag]);
    }

    fn len(&mut self, n: usize) {
        self.u64(n as u64);
    }

    fn u64(&mut self, n: u64) {
        self.0.update(n.to_le_bytes());
    }

    fn str(&mut self, s: &str) {
        self.len(s.len());
        self.0.update(s.as_bytes());
    }

    fn opt_str(&mut self, s: Option<&str>) {
        match s {
            None => self.tag(0),
            Some(s) => {
                self.tag(1);
                self.str(s);
            }
        }
    }

    fn opt_u64(&mut self, n: Option<u64>) {
        match n {
            None => self.tag(0),
            Some(n) => {
                self.tag(1);
                self.u64(n);
            }
        }
    }

    fn opt_f64(&mut self, x: Option<f64>) {
        self.opt_u64(x.map(f64::to_bits));
    }

    fn request(&mut self, req: &ChatRequest) {
        let ChatRequest {
            messages,
            tools,
            tool_choice,
            temperature,
            response_format,
            params,
            metadata,
            prompt_cache_retention,
            model,
            anthropic,
        } = req;
        self.len(messages.len());
        messages.iter().for_each(|m| self.message(m));
        self.len(tools.len());
        tools.iter().for_each(|t| self.tool(t));
        self.tool_choice(tool_choice.as_ref());
        self.opt_f64(*temperature);
        self.response_format(response_format.as_ref());
        self.params(params);
        self.len(metadata.len());
        for (k, v) in metadata {
            self.str(k);
            self.str(v);
        }
        self.opt_u64(prompt_cache_retention.as_ref().map(duration_nanos));
        // The per-request model changes the answer; `None` (the component's model, which
        // `CacheKey::of` already has) stays apart from choosing that same model by name only
        // because the service normalises the latter to `None`.
        self.opt_str(model.as_deref());
        self.anthropic(anthropic);
    }

    /// The Anthropic door's options: the `thinking` option and the betas change the answer;
    /// tools' breakpoints are hashed too, so a key never joins two different upstream bodies.
    fn anthropic(&mut self, o: &AnthropicOptions) {
        let AnthropicOptions { thinking, betas, tool_cache_control } = o;
        self.opt_str(thinking.as_deref());
        self.len(betas.len());
        betas.iter().for_each(|b| self.str(b));
        self.len(tool_cache_control.len());
        for (name, cc) in tool_cache_control {
            self.str(name);
            self.str(cc);
        }
    }

    fn message(&mut self, m: &ChatMessage) {
        // `scrub` only steers the PII stage, which has already run.
        let ChatMessage { role, parts, scrub: _ } = m;
        self.tag(role_tag(*role));
        self.len(parts.len());
        parts.iter().for_each(|p| self.part(p));
    }

    fn part(&mut self, part: &Part) {
        match part {
            Part::Text(t) => {
                self.tag(1);
                self.str(t);
            }
            Part::ToolCall(ToolCall { id, name, arguments }) => {
                self.tag(2);
                self.opt_str(id.as_deref());
                self.str(name);
                self.str(arguments);
            }
            Part::ToolResult(ToolResult { id, name, content }) => {
                self.tag(3);
                self.str(id);
                self.str(name);
                self.str(content);
            }
            Part::Opaque(Opaque { wire, json }) => {
                self.tag(4);
                self.str(wire);
                self.str(json);
            }
            Part::Anthropic(AnthropicPart::Thinking(ThinkingBlock::Thinking {
                thinking,
                signature,
            })) => {
                self.tag(5);
                self.str(thinking);
                self.str(signature);
            }
            Part::Anthropic(AnthropicPart::Thinking(ThinkingBlock::RedactedThinking { data })) => {
                self.tag(6);
                self.str(data);
            }
            Part::Anthropic(AnthropicPart::CacheControl(cc)) => {
                self.tag(7);
                self.str(cc);
            }
        }
    }

    fn tool(&mut self, tool: &ToolDef) {
        let ToolDef { name, description, parameters } = tool;
        self.str(name);
        self.opt_str(description.as_deref());
        self.object(parameters);
    }

    fn tool_choice(&mut self, choice: Option<&ToolChoice>) {
        match choice {
            None => self.tag(0),
            Some(ToolChoice::Auto) => self.tag(1),
            Some(ToolChoice::None) => self.tag(2),
            Some(ToolChoice::Required) => self.tag(3),
            Some(ToolChoice::Named(name)) => {
                self.tag(4);
                self.str(name);
            }
        }
    }

    fn response_format(&mut self, format: Option<&ResponseFormat>) {
        let Some(ResponseFormat { name, description, strict, schema }) = format else {
            return self.tag(0);
        };
        self.tag(1);
        self.str(name);
        self.opt_str(description.as_deref());
        self.tag(u8::from(*strict));
        self.object(schema);
    }

    fn params(&mut self, params: &GenerationParams) {
        let GenerationParams {
            max_tokens,
            top_p,
            stop,
            seed,
            frequency_penalty,
            presence_penalty,
            reasoning_effort,
            reasoning_summary,
        } = params;
        self.opt_u64(*max_tokens);
        self.opt_f64(*top_p);
        self.len(stop.len());
        stop.iter().for_each(|s| self.str(s));
        self.opt_u64(seed.map(|s| s as u64));
        self.opt_f64(*frequency_penalty);
        self.opt_f64(*presence_penalty);
        self.opt_str(reasoning_effort.as_deref());
        self.opt_str(reasoning_summary.as_deref());
    }

    /// Canonical JSON: objects with their keys sorted.
    fn json(&mut self, v: &Value) {
        match v {
            Value::Null => self.tag(0),
            Value::Bool(b) => self.tag(if *b { 2 } else { 1 }),
            Value::Number(n) => {
                self.tag(3);
                self.str(&n.to_string());
            }
            Value::String(s) => {
                self.tag(4);
                self.str(s);
            }
            Value::Array(items) => {
                self.tag(5);
                self.len(items.len());
                items.iter().for_each(|i| self.json(i));
            }
            Value::Object(map) => self.object(map),
        }
    }

    fn object(&mut self, map: &Map<String, Value>) {
        let mut entries: Vec<(&String, &Value)> = map.iter().collect();
        entries.sort_unstable_by(|a, b| a.0.cmp(b.0));
        self.tag(6);
        self.len(entries.len());
        for (k, v) in entries {
            self.str(k);
            self.json(v);
        }
    }
}

fn role_tag(role: Role) -> u8 {
    match role {
        Role::System => 1,
        Role::User => 2,
        Role::Assistant => 3,
        Role::Tool => 4,
        Role::Function => 5,
        Role::Generic => 6,
    }
}

fn duration_nanos(d: &Duration) -> u64 {
    u64::try_from(d.as_nanos()).unwrap_or(u64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn base() -> ChatRequest {
        ChatRequest {
            messages: vec![ChatMessage::text(Role::User, "hello")],
            ..ChatRequest::default()
        }
    }

    fn key(req: &ChatRequest) -> CacheKey {
        CacheKey::of("comp", Some("gpt"), req)
    }

    fn differs(change: impl FnOnce(&mut ChatRequest)) {
        let mut r = base();
        change(&mut r);
        assert_ne!(key(&base()), key(&r), "{r:?}");
    }

    fn obj(v: Value) -> Map<String, Value> {
        v.as_object().cloned().unwrap_or_default()
    }

    #[test]
    fn same_request_same_key_and_hex_is_64_chars() {
        assert_eq!(key(&base()), key(&base()));
        assert_eq!(key(&base()).hex().len(), 64);
    }

    #[test]
    fn component_and_model_change_the_key() {
        let r = base();
        assert_ne!(CacheKey::of("a", Some("m"), &r), CacheKey::of("b", Some("m"), &r));
        assert_ne!(CacheKey::of("a", Some("m"), &r), CacheKey::of("a", Some("n"), &r));
        assert_ne!(CacheKey::of("a", None, &r), CacheKey::of("a", Some(""), &r));
    }

    #[test]
    fn messages_change_the_key() {
        differs(|r| r.messages[0].role = Role::System);
        differs(|r| r.messages[0].parts = vec![Part::Text("hello!".into())]);
        differs(|r| r.messages.push(ChatMessage::text(Role::User, "")));
        let call = ToolCall { id: None, name: "f".into(), arguments: "{}".into() };
        differs(|r| r.messages[0].parts.push(Part::ToolCall(call)));
        let res = ToolResult { id: "1".into(), name: "f".into(), content: "x".into() };
        differs(|r| r.messages[0].parts.push(Part::ToolResult(res)));
    }

    #[test]
    fn scrub_flag_does_not_change_the_key() {
        let mut r = base();
        r.messages[0].scrub = true;
        assert_eq!(key(&base()), key(&r));
    }

    #[test]
    fn tools_change_the_key() {
        let tool = ToolDef { name: "f".into(), description: None, parameters: Map::new() };
        differs(|r| r.tools.push(tool.clone()));
        let mut with = base();
        with.tools.push(tool.clone());
        let mut described = with.clone();
        described.tools[0].description = Some("d".into());
        assert_ne!(key(&with), key(&described));
        let mut params = with.clone();
        params.tools[0].parameters = obj(json!({"type": "object"}));
        assert_ne!(key(&with), key(&params));
    }

    #[test]
    fn tool_choice_changes_the_key() {
        differs(|r| r.tool_choice = Some(ToolChoice::Auto));
        let mut a = base();
        a.tool_choice = Some(ToolChoice::Named("a".into()));
        let mut b = base();
        b.tool_choice = Some(ToolChoice::Named("b".into()));
        assert_ne!(key(&a), key(&b));
    }

    #[test]
    fn temperature_changes_the_key() {
        differs(|r| r.temperature = Some(0.7));
    }

    #[test]
    fn response_format_changes_the_key() {
        let f = ResponseFormat {
            name: "r".into(),
            description: None,
            strict: false,
            schema: obj(json!({"type": "object"})),
        };
        differs(|r| r.response_format = Some(f.clone()));
        let mut a = base();
        a.response_format = Some(f.clone());
        let mut b = a.clone();
        if let Some(f) = b.response_format.as_mut() {
            f.strict = true;
        }
        assert_ne!(key(&a), key(&b));
    }

    #[test]
    fn every_parameter_changes_the_key() {
        differs(|r| r.params.max_tokens = Some(10));
        differs(|r| r.params.top_p = Some(0.5));
        differs(|r| r.params.stop = vec!["x".into()]);
        differs(|r| r.params.seed = Some(1));
        differs(|r| r.params.frequency_penalty = Some(0.1));
        differs(|r| r.params.presence_penalty = Some(0.1));
    }

    #[test]
    fn metadata_and_prompt_cache_retention_change_the_key() {
        differs(|r| {
            r.metadata.insert("k".into(), "v".into());
        });
        differs(|r| r.prompt_cache_retention = Some(Duration::from_secs(60)));
    }

    #[test]
    fn the_per_request_model_changes_the_key() {
        differs(|r| r.model = Some("gpt-4o-mini".into()));
        let mut a = base();
        a.model = Some("a".into());
        let mut b = base();
        b.model = Some("b".into());
        assert_ne!(key(&a), key(&b));
    }

    #[test]
    fn json_key_order_does_not_matter() {
        let tool = |p| ToolDef { name: "f".into(), description: None, parameters: obj(p) };
        let mut a = base();
        a.tools.push(tool(json!({"a": 1, "b": [true, null]})));
        let mut b = base();
        b.tools.push(tool(json!({"b": [true, null], "a": 1})));
        assert_eq!(key(&a), key(&b));
    }

    #[test]
    fn length_prefixes_keep_boundaries() {
        let mut a = base();
        a.messages[0].parts = vec![Part::Text("ab".into()), Part::Text("c".into())];
        let mut b = base();
        b.messages[0].parts = vec![Part::Text("a".into()), Part::Text("bc".into())];
        assert_ne!(key(&a), key(&b));
    }
}
