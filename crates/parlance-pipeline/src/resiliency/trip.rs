//! The circuit breaker's `trip` expression: the small part of CEL that Dapr users write.
//!
//! Grammar: comparisons (`<`, `<=`, `>`, `>=`, `==`, `!=`) between the five gobreaker counters
//! (`requests`, `totalSuccesses`, `totalFailures`, `consecutiveSuccesses`,
//! `consecutiveFailures`) and non-negative integers (an optional CEL `u` suffix is accepted),
//! joined by `&&` and `||` (`&&` binds tighter), with parentheses. A parse error is a
//! configuration problem at load time; evaluation itself cannot fail, so the "eval error →
//! don't trip" rule of Dapr never has to apply.

use std::fmt;

/// The counters a breaker keeps in its current generation (gobreaker's `Counts`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    /// Requests let through.
    pub requests: u64,
    /// Successes.
    pub total_successes: u64,
    /// Failures.
    pub total_failures: u64,
    /// Successes in a row.
    pub consecutive_successes: u64,
    /// Failures in a row.
    pub consecutive_failures: u64,
}

impl Counts {
    /// Records a success.
    pub fn on_success(&mut self) {
        self.total_successes += 1;
        self.consecutive_successes += 1;
        self.consecutive_failures = 0;
    }

    /// Records a failure.
    pub fn on_failure(&mut self) {
        self.total_failures += 1;
        self.consecutive_failures += 1;
        self.consecutive_successes = 0;
    }
}

/// A parsed trip expression.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Trip {
    /// `a op b`.
    Compare(Operand, CmpOp, Operand),
    /// `a && b`.
    And(Box<Trip>, Box<Trip>),
    /// `a || b`.
    Or(Box<Trip>, Box<Trip>),
}

/// One side of a comparison.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Operand {
    /// A counter.
    Counter(Counter),
    /// An integer literal.
    Int(u64),
}

/// The counters an expression may name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Counter {
    /// `requests`.
    Requests,
    /// `totalSuccesses`.
    TotalSuccesses,
    /// `totalFailures`.
    TotalFailures,
    /// `consecutiveSuccesses`.
    ConsecutiveSuccesses,
    /// `consecutiveFailures`.
    ConsecutiveFailures,
}

/// A comparison operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CmpOp {
    /// `<`.
    Lt,
    /// `<=`.
    Le,
    /// `>`.
    Gt,
    /// `>=`.
    Ge,
    /// `==`.
    Eq,
    /// `!=`.
    Ne,
}

const COUNTERS: [(&str, Counter); 5] = [
    ("requests", Counter::Requests),
    ("totalSuccesses", Counter::TotalSuccesses),
    ("totalFailures", Counter::TotalFailures),
    ("consecutiveSuccesses", Counter::ConsecutiveSuccesses),
    ("consecutiveFailures", Counter::ConsecutiveFailures),
];

impl Trip {
    /// gobreaker's default: trip after more than 5 consecutive failures.
    pub fn default_rule() -> Trip {
        let lhs = Operand::Counter(Counter::ConsecutiveFailures);
        Trip::Compare(lhs, CmpOp::Gt, Operand::Int(5))
    }

    /// Parses an expression; the error says what was expected where.
    pub fn parse(text: &str) -> Result<Trip, String> {
        let tokens = lex(text)?;
        let mut p = Parser { tokens, pos: 0 };
        let trip = p.or()?;
        match p.peek() {
            None => Ok(trip),
            Some(t) => Err(format!("unexpected {t} after a complete expression")),
        }
    }

    /// Whether the breaker should open, given these counts.
    pub fn eval(&self, c: &Counts) -> bool {
        match self {
            Trip::Compare(a, op, b) => op.apply(a.value(c), b.value(c)),
            Trip::And(a, b) => a.eval(c) && b.eval(c),
            Trip::Or(a, b) => a.eval(c) || b.eval(c),
        }
    }
}

impl Operand {
    fn value(self, c: &Counts) -> u64 {
        match self {
            Operand::Int(n) => n,
            Operand::Counter(Counter::Requests) => c.requests,
            Operand::Counter(Counter::TotalSuccesses) => c.total_successes,
            Operand::Counter(Counter::TotalFailures) => c.total_failures,
            Operand::Counter(Counter::ConsecutiveSuccesses) => c.consecutive_successes,
            Operand::Counter(Counter::ConsecutiveFailures) => c.consecutive_failures,
        }
    }
}

impl CmpOp {
    fn apply(self, a: u64, b: u64) -> bool {
        match self {
            CmpOp::Lt => a < b,
            CmpOp::Le => a <= b,
            CmpOp::Gt => a > b,
            CmpOp::Ge => a >= b,
            CmpOp::Eq => a == b,
            CmpOp::Ne => a != b,
        }
    }
}

/// A lexical token.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Token {
    Ident(String),
    Int(u64),
    Cmp(CmpOp),
    And,
    Or,
    Open,
    Close,
}

impl fmt::Display for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Token::Ident(s) => write!(f, "`{s}`"),
            Token::Int(n) => write!(f, "`{n}`"),
            Token::Cmp(op) => write!(f, "`{}`", op_text(*op)),
            Token::And => f.write_str("`&&`"),
            Token::Or => f.write_str("`||`"),
            Token::Open => f.write_str("`(`"),
            Token::Close => f.write_str("`)`"),
        }
    }
}

fn op_text(op: CmpOp) -> &'static str {
    match op {
        CmpOp::Lt => "<",
        CmpOp::Le => "<=",
        CmpOp::Gt => ">",
        CmpOp::Ge => ">=",
        CmpOp::Eq => "==",
        CmpOp::Ne => "!=",
    }
}

fn lex(text: &str) -> Result<Vec<Token>, String> {
    let mut tokens = Vec::new();
    let mut rest = text.trim_start();
    while let Some(c) = rest.chars().next() {
        let (token, len) = if c.is_ascii_digit() {
            lex_int(rest)?
        } else if c.is_ascii_alphabetic() || c == '_' {
            let len = rest.find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'));
            let len = len.unwrap_or(rest.len());
            (Token::Ident(rest[..len].to_string()), len)
        } else {
            lex_symbol(rest)?
        };
        tokens.push(token);
        rest = rest[len..].trim_start();
    }
    Ok(tokens)
}

fn lex_int(s: &str) -> Result<(Token, usize), String> {
    let len = s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len());
    let n = s[..len].parse().map_err(|_| format!("number `{}` is too large", &s[..len]))?;
    let suffix = usize::from(s[len..].starts_with('u'));
    Ok((Token::Int(n), len + suffix))
}

fn lex_symbol(s: &str) -> Result<(Token, usize), String> {
    const SYMBOLS: [(&str, Token); 10] = [
        ("&&", Token::And),
        ("||", Token::Or),
        ("<=", Token::Cmp(CmpOp::Le)),
        (">=", Token::Cmp(CmpOp::Ge)),
        ("==", Token::Cmp(CmpOp::Eq)),
        ("!=", Token::Cmp(CmpOp::Ne)),
        ("<", Token::Cmp(CmpOp::Lt)),
        (">", Token::Cmp(CmpOp::Gt)),
        ("(", Token::Open),
        (")", Token::Close),
    ];
    SYMBOLS
        .iter()
        .find(|(sym, _)| s.starts_with(sym))
        .map(|(sym, t)| (t.clone(), sym.len()))
        .ok_or_else(|| {
            let c = s.chars().next().unwrap_or(' ');
            format!("unexpected character {c:?} (supported: comparisons, &&, ||, parentheses)")
        })
}

/// A recursive-descent parser over the tokens.
struct Parser {
    tokens: Vec<Token>,
    pos: usize,
}

impl Parser {
    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.pos)
    }

    fn next(&mut self) -> Option<Token> {
        let t = self.tokens.get(self.pos).cloned();
        self.pos += 1;
        t
    }

    fn or(&mut self) -> Result<Trip, String> {
        let mut lhs = self.and()?;
        while self.peek() == Some(&Token::Or) {
            self.pos += 1;
            lhs = Trip::Or(Box::new(lhs), Box::new(self.and()?));
        }
        Ok(lhs)
    }

    fn and(&mut self) -> Result<Trip, String> {
        let mut lhs = self.primary()?;
        while self.peek() == Some(&Token::And) {
            self.pos += 1;
            lhs = Trip::And(Box::new(lhs), Box::new(self.primary()?));
        }
        Ok(lhs)
    }

    fn primary(&mut self) -> Result<Trip, String> {
        if self.peek() != Some(&Token::Open) {
            return self.comparison();
        }
        self.pos += 1;
        let inner = self.or()?;
        match self.next() {
            Some(Token::Close) => Ok(inner),
            other => Err(format!("expected `)`, found {}", found(other.as_ref()))),
        }
    }

    fn comparison(&mut self) -> Result<Trip, String> {
        let lhs = self.operand()?;
        let op = match self.next() {
            Some(Token::Cmp(op)) => op,
            other => {
                return Err(format!(
                    "expected a comparison (<, <=, >, >=, ==, !=), found {}",
                    found(other.as_ref())
                ));
            }
        };
        Ok(Trip::Compare(lhs, op, self.operand()?))
    }

    fn operand(&mut self) -> Result<Operand, String> {
        match self.next() {
            Some(Token::Int(n)) => Ok(Operand::Int(n)),
            Some(Token::Ident(name)) => counter(&name).map(Operand::Counter),
            other => {
                Err(format!("expected a counter or a number, found {}", found(other.as_ref())))
            }
        }
    }
}

fn counter(name: &str) -> Result<Counter, String> {
    COUNTERS.iter().find(|(n, _)| *n == name).map(|(_, c)| *c).ok_or_else(|| {
        let known: Vec<&str> = COUNTERS.iter().map(|(n, _)| *n).collect();
        format!("unknown counter `{name}` (known: {})", known.join(", "))
    })
}

fn found(t: Option<&Token>) -> String {
    t.map_or_else(|| "the end of the expression".to_string(), Token::to_string)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn counts(consecutive_failures: u64, total_failures: u64, requests: u64) -> Counts {
        Counts { requests, total_failures, consecutive_failures, ..Counts::default() }
    }

    #[test]
    fn parses_and_evaluates_comparisons() {
        let t = Trip::parse("consecutiveFailures > 5").unwrap();
        assert_eq!(t, Trip::default_rule());
        assert!(!t.eval(&counts(5, 5, 5)));
        assert!(t.eval(&counts(6, 6, 6)));
        for (expr, want) in [
            ("consecutiveFailures >= 3", true),
            ("consecutiveFailures < 3", false),
            ("consecutiveFailures <= 3", true),
            ("consecutiveFailures == 3", true),
            ("consecutiveFailures != 3", false),
            ("3u == consecutiveFailures", true),
            ("totalFailures == requests", true),
        ] {
            assert_eq!(Trip::parse(expr).unwrap().eval(&counts(3, 3, 3)), want, "{expr}");
        }
    }

    #[test]
    fn and_binds_tighter_than_or_and_parentheses_group() {
        let c = counts(0, 10, 20);
        // false && false || true
        let t = Trip::parse("requests > 100 && totalFailures > 1 || totalFailures >= 10").unwrap();
        assert!(t.eval(&c));
        let t =
            Trip::parse("requests > 100 && (totalFailures > 1 || totalFailures >= 10)").unwrap();
        assert!(!t.eval(&c));
        let t = Trip::parse("((requests>=20))&&totalFailures>5").unwrap();
        assert!(t.eval(&c));
    }

    #[test]
    fn every_counter_is_known() {
        let c = Counts {
            requests: 1,
            total_successes: 2,
            total_failures: 3,
            consecutive_successes: 4,
            consecutive_failures: 5,
        };
        let expr = "requests == 1 && totalSuccesses == 2 && totalFailures == 3 \
                    && consecutiveSuccesses == 4 && consecutiveFailures == 5";
        assert!(Trip::parse(expr).unwrap().eval(&c));
    }

    #[test]
    fn parse_errors_say_what_is_wrong() {
        for (expr, want) in [
            ("", "found the end of the expression"),
            ("failures > 5", "unknown counter `failures`"),
            ("consecutiveFailures 5", "expected a comparison"),
            ("consecutiveFailures > ", "expected a counter or a number"),
            ("(requests > 1", "expected `)`"),
            ("requests > 1 requests", "unexpected `requests` after"),
            ("requests > 1 & requests < 2", "unexpected character '&'"),
            ("requests > 99999999999999999999999", "too large"),
        ] {
            let err = Trip::parse(expr).unwrap_err();
            assert!(err.contains(want), "{expr:?}: {err}");
        }
    }

    #[test]
    fn counts_track_runs() {
        let mut c = Counts::default();
        c.on_failure();
        c.on_failure();
        c.on_success();
        assert_eq!((c.total_failures, c.consecutive_failures, c.consecutive_successes), (2, 0, 1));
    }
}
