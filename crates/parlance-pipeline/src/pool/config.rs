//! A pool's own metadata (`spec.type: conversation.pool`, the contract in
//! `shared/spec/pools.md`): `members` (`"a:3, b:1, c"`, weight 1 by default, 0 drains a
//! member), `strategy` and `affinityKey`. Pure: every problem is reported as
//! `"<key>: <message>"`; whether the members exist is checked by [`crate::plan`].

use parlance_config::Metadata;

/// The component type of a pool.
pub const POOL_TYPE: &str = "conversation.pool";
/// The metadata key listing the members.
pub const MEMBERS_KEY: &str = "members";
/// The metadata key choosing the strategy.
pub const STRATEGY_KEY: &str = "strategy";
/// The metadata key naming the request metadata key that `affinity` hashes.
pub const AFFINITY_KEY: &str = "affinityKey";

/// How a pool chooses a member.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Strategy {
    /// Smooth weighted round robin (the default).
    #[default]
    Weighted,
    /// The member with the fewest calls in flight.
    LeastBusy,
    /// Power of two choices on each member's time to first byte × its calls in flight.
    Latency,
    /// Consistent hashing of the conversation's start (or a client key).
    Affinity,
}

impl Strategy {
    fn parse(s: &str) -> Option<Strategy> {
        match s.trim().to_ascii_lowercase().as_str() {
            "" | "weighted" => Some(Strategy::Weighted),
            "least-busy" => Some(Strategy::LeastBusy),
            "latency" => Some(Strategy::Latency),
            "affinity" => Some(Strategy::Affinity),
            _ => None,
        }
    }
}

/// One member and its weight.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Member {
    /// The member component's name.
    pub name: String,
    /// Its share of the traffic (0: drained).
    pub weight: u32,
}

/// A pool's validated metadata.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PoolConfig {
    /// The members, in the order listed.
    pub members: Vec<Member>,
    /// How a member is chosen.
    pub strategy: Strategy,
    /// `affinityKey`: the request metadata key whose value, when present, is the affinity key.
    pub affinity_key: Option<String>,
}

/// Reads a pool's metadata; every problem is `"<key>: <message>"`.
pub fn validate(meta: &Metadata) -> Result<PoolConfig, Vec<String>> {
    let mut problems = Vec::new();
    let members = members(meta.get(MEMBERS_KEY).unwrap_or(""), &mut problems);
    let strategy = meta.get(STRATEGY_KEY).unwrap_or("");
    let strategy = Strategy::parse(strategy).unwrap_or_else(|| {
        problems.push(format!(
            "{STRATEGY_KEY}: unknown strategy {strategy:?} (expected weighted, least-busy, latency or affinity)"
        ));
        Strategy::Weighted
    });
    let affinity_key = meta.get(AFFINITY_KEY).map(str::trim).filter(|k| !k.is_empty());
    if affinity_key.is_some() && strategy != Strategy::Affinity {
        problems.push(format!("{AFFINITY_KEY}: only meaningful with strategy affinity"));
    }
    let affinity_key = affinity_key.map(str::to_string);
    if problems.is_empty() {
        Ok(PoolConfig { members, strategy, affinity_key })
    } else {
        Err(problems)
    }
}

/// The well-formed entries of `members`, problems aside: what the member checks still look at
/// when the pool's own metadata has problems.
pub fn listed_members(meta: &Metadata) -> Vec<Member> {
    members(meta.get(MEMBERS_KEY).unwrap_or(""), &mut Vec::new())
}

/// Parses `"a:3, b:1, c"`, pushing a problem for each malformed entry, each name listed twice,
/// an empty list and a zero total weight.
fn members(list: &str, problems: &mut Vec<String>) -> Vec<Member> {
    let mut out: Vec<Member> = Vec::new();
    for entry in list.split(',').map(str::trim).filter(|e| !e.is_empty()) {
        match member(entry) {
            Ok(m) if out.iter().any(|o| o.name == m.name) => {
                problems.push(format!("{MEMBERS_KEY}: {:?} is listed twice", m.name))
            }
            Ok(m) => out.push(m),
            Err(e) => problems.push(format!("{MEMBERS_KEY}: {e}")),
        }
    }
    if out.is_empty() && !problems.iter().any(|p| p.starts_with(MEMBERS_KEY)) {
        problems.push(format!(
            "{MEMBERS_KEY}: a pool needs at least one member (\"name[:weight], …\")"
        ));
    } else if !out.is_empty() && out.iter().all(|m| m.weight == 0) {
        problems.push(format!(
            "{MEMBERS_KEY}: the total weight is 0 (at least one member needs a weight above 0)"
        ));
    }
    out
}

fn member(entry: &str) -> Result<Member, String> {
    let (name, weight) = match entry.split_once(':') {
        None => (entry, 1),
        Some((name, w)) => {
            let weight = w.trim().parse::<u32>().map_err(|_| {
                format!("{entry:?}: the weight must be a whole number from 0 to {}", u32::MAX)
            })?;
            (name.trim(), weight)
        }
    };
    let valid = !name.is_empty() && !name.contains(char::is_whitespace);
    if !valid {
        return Err(format!("{entry:?}: a member is \"component-name[:weight]\""));
    }
    Ok(Member { name: name.to_string(), weight })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn meta(pairs: &[(&str, &str)]) -> Metadata {
        Metadata::from_pairs(pairs)
    }

    fn problems(pairs: &[(&str, &str)]) -> Vec<String> {
        validate(&meta(pairs)).unwrap_err()
    }

    #[test]
    fn members_weights_default_to_one_and_zero_drains() {
        let c =
            validate(&meta(&[("members", " a:3, b ,c:0"), ("strategy", "Least-Busy")])).unwrap();
        let got: Vec<(&str, u32)> = c.members.iter().map(|m| (m.name.as_str(), m.weight)).collect();
        assert_eq!(got, [("a", 3), ("b", 1), ("c", 0)]);
        assert_eq!(c.strategy, Strategy::LeastBusy);
        let c = validate(&meta(&[("members", "a")])).unwrap();
        assert_eq!(c.strategy, Strategy::Weighted);
    }

    #[test]
    fn zero_total_weight_is_refused() {
        let p = problems(&[("members", "a:0, b:0")]);
        assert_eq!(p.len(), 1);
        assert!(p[0].starts_with("members: the total weight is 0"), "{p:?}");
    }

    #[test]
    fn an_empty_member_list_is_refused() {
        assert!(problems(&[("members", " , ")])[0].contains("at least one member"));
        assert!(problems(&[])[0].contains("at least one member"));
    }

    #[test]
    fn every_malformed_member_and_an_unknown_strategy_are_all_reported() {
        let p = problems(&[("members", "a:x, b:-1, :2, c d, e, e"), ("strategy", "random")]);
        assert_eq!(p.len(), 6, "{p:?}");
        assert!(p[0].contains("\"a:x\": the weight must be a whole number"));
        assert!(p[1].contains("\"b:-1\""));
        assert!(p[2].contains("\":2\": a member is"));
        assert!(p[3].contains("\"c d\""));
        assert!(p[4].contains("\"e\" is listed twice"));
        assert!(p[5].starts_with("strategy: unknown strategy \"random\""));
    }

    #[test]
    fn affinity_key_only_with_affinity() {
        let c = validate(&meta(&[
            ("members", "a,b"),
            ("strategy", "affinity"),
            ("affinityKey", "conv"),
        ]));
        assert_eq!(c.unwrap().affinity_key.as_deref(), Some("conv"));
        let p = problems(&[("members", "a,b"), ("affinityKey", "conv")]);
        assert!(p[0].starts_with("affinityKey:"));
    }

    #[test]
    fn latency_is_a_strategy() {
        let c = validate(&meta(&[("members", "a"), ("strategy", "latency")])).unwrap();
        assert_eq!(c.strategy, Strategy::Latency);
    }
}
