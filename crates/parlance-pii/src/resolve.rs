//! Turns overlapping candidate findings into the final sorted, non-overlapping list: longer spans
//! win (a whole address beats the ZIP inside it, a URL beats the e-mail inside it); on equal
//! length, the entity with the higher precedence wins.

use crate::{Entity, Finding};

/// Precedence on equal-length overlaps (higher wins).
fn rank(e: Entity) -> u8 {
    match e {
        Entity::Url => 12,
        Entity::EmailAddress => 11,
        Entity::Iban => 10,
        Entity::CreditCard => 9,
        Entity::UsSsn => 8,
        Entity::MacAddress => 7,
        Entity::Ip => 6,
        Entity::StreetAddress => 5,
        Entity::PoBox => 4,
        Entity::ZipCode => 3,
        Entity::PhoneNumber => 2,
        Entity::Person => 1,
    }
}

/// Whether `a` beats `b` when they overlap: longer, then higher precedence.
fn beats(a: &Finding, b: &Finding) -> bool {
    (a.len(), rank(a.entity)) > (b.len(), rank(b.entity))
}

/// The order in which [`resolve`] folds candidates: by start, longer first, then higher
/// precedence first. Total on distinct findings, so the result does not depend on the order in
/// which the pass produced them (the streaming scrubber folds them in batches).
pub(crate) fn order(a: &Finding, b: &Finding) -> std::cmp::Ordering {
    a.start.cmp(&b.start).then(b.len().cmp(&a.len())).then(rank(b.entity).cmp(&rank(a.entity)))
}

/// Folds `cur` (not before `group` in [`order`]) into `group` if they overlap: the merged span
/// is labelled with the winner. Returns false, leaving `group` alone, when they are apart.
pub(crate) fn absorb(group: &mut Finding, cur: &Finding) -> bool {
    if cur.start >= group.end {
        return false;
    }
    let entity = if beats(cur, group) { cur.entity } else { group.entity };
    *group = Finding { entity, start: group.start, end: group.end.max(cur.end) };
    true
}

/// Sorts `found` and removes overlaps in place, in one sweep. Overlapping candidates are merged
/// into one span (so no byte of either leaks) labelled with the winner: the longer candidate,
/// then the higher precedence.
pub(crate) fn resolve(found: &mut Vec<Finding>) {
    if found.len() < 2 {
        return;
    }
    found.sort_unstable_by(order);
    let mut kept = 0;
    for k in 1..found.len() {
        let cur = found[k];
        if !absorb(&mut found[kept], &cur) {
            kept += 1;
            found[kept] = cur;
        }
    }
    found.truncate(kept + 1);
}

#[cfg(test)]
mod tests {
    use super::resolve;
    use crate::{Entity, Finding};

    fn f(entity: Entity, start: usize, end: usize) -> Finding {
        Finding { entity, start, end }
    }

    #[test]
    fn longest_wins_then_rank() {
        let mut v = vec![
            f(Entity::ZipCode, 20, 25),
            f(Entity::StreetAddress, 0, 25),
            f(Entity::EmailAddress, 30, 40),
        ];
        resolve(&mut v);
        assert_eq!(v, vec![f(Entity::StreetAddress, 0, 25), f(Entity::EmailAddress, 30, 40)]);
        let mut v = vec![f(Entity::PhoneNumber, 0, 10), f(Entity::CreditCard, 0, 10)];
        resolve(&mut v);
        assert_eq!(v, vec![f(Entity::CreditCard, 0, 10)]);
        let mut v = vec![f(Entity::Url, 5, 40), f(Entity::Person, 0, 8)];
        resolve(&mut v);
        assert_eq!(v, vec![f(Entity::Url, 0, 40)]);
    }
}
