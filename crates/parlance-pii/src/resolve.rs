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
        Entity::PhoneNumber => 3,
        Entity::ZipCode => 2,
        Entity::Person => 1,
    }
}

/// Sorts `found` and removes overlaps in place.
pub(crate) fn resolve(found: &mut Vec<Finding>) {
    if found.len() < 2 {
        return;
    }
    found.sort_by(|a, b| {
        b.len().cmp(&a.len()).then(rank(b.entity).cmp(&rank(a.entity))).then(a.start.cmp(&b.start))
    });
    let mut kept: Vec<Finding> = Vec::with_capacity(found.len());
    for f in found.iter() {
        if !kept.iter().any(|k| k.overlaps(f)) {
            kept.push(*f);
        }
    }
    kept.sort_by_key(|f| f.start);
    *found = kept;
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
    }
}
