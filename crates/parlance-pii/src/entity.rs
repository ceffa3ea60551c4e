//! The kinds of personal data the engine finds ([`Entity`]), a set of them ([`EntitySet`]) and
//! per-kind tallies ([`EntityCounts`]).

use std::fmt;

/// One kind of personal data. Placeholders match Dapr's where Dapr has the entity.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, PartialOrd, Ord)]
pub enum Entity {
    /// An e-mail address: `<EMAIL_ADDRESS>`.
    EmailAddress,
    /// A telephone number, international or national, with extension: `<PHONE_NUMBER>`.
    PhoneNumber,
    /// An IPv4 or IPv6 address: `<IP>`.
    Ip,
    /// A payment card number (Luhn-checked): `<CREDIT_CARD>`.
    CreditCard,
    /// A US social security number: `<US_SSN>`.
    UsSsn,
    /// An international bank account number (mod-97-checked): `<IBAN>`.
    Iban,
    /// A MAC address: `<MAC_ADDRESS>`.
    MacAddress,
    /// A whole postal address (number, street, unit, city, state, ZIP): `<STREET_ADDRESS>`.
    StreetAddress,
    /// A post-office box: `<PO_BOX>`.
    PoBox,
    /// A US ZIP code that context marks as one: `<ZIP_CODE>`.
    ZipCode,
    /// A person's name: `<PERSON>`.
    Person,
    /// A URL: `<URL>`.
    Url,
}

impl Entity {
    /// Every entity, in declaration order.
    pub const ALL: [Entity; 12] = [
        Entity::EmailAddress,
        Entity::PhoneNumber,
        Entity::Ip,
        Entity::CreditCard,
        Entity::UsSsn,
        Entity::Iban,
        Entity::MacAddress,
        Entity::StreetAddress,
        Entity::PoBox,
        Entity::ZipCode,
        Entity::Person,
        Entity::Url,
    ];

    /// The placeholder that replaces a finding, e.g. `<EMAIL_ADDRESS>`.
    pub fn placeholder(self) -> &'static str {
        match self {
            Entity::EmailAddress => "<EMAIL_ADDRESS>",
            Entity::PhoneNumber => "<PHONE_NUMBER>",
            Entity::Ip => "<IP>",
            Entity::CreditCard => "<CREDIT_CARD>",
            Entity::UsSsn => "<US_SSN>",
            Entity::Iban => "<IBAN>",
            Entity::MacAddress => "<MAC_ADDRESS>",
            Entity::StreetAddress => "<STREET_ADDRESS>",
            Entity::PoBox => "<PO_BOX>",
            Entity::ZipCode => "<ZIP_CODE>",
            Entity::Person => "<PERSON>",
            Entity::Url => "<URL>",
        }
    }

    /// The label: the placeholder without angle brackets, e.g. `EMAIL_ADDRESS` (also a metric label).
    pub fn label(self) -> &'static str {
        let p = self.placeholder();
        &p[1..p.len() - 1]
    }

    /// Parses a label or an obvious alias (`EMAIL`, `PHONE`, `SSN`, `IP_ADDRESS`, `ADDRESS`,
    /// `NAME`, ...), ignoring case and surrounding blanks.
    pub fn from_label(s: &str) -> Option<Entity> {
        let s = s.trim();
        if let Some(e) = Entity::ALL.iter().find(|e| e.label().eq_ignore_ascii_case(s)) {
            return Some(*e);
        }
        ALIASES.iter().find(|(alias, _)| alias.eq_ignore_ascii_case(s)).map(|(_, e)| *e)
    }

    fn bit(self) -> u16 {
        1 << (self as u16)
    }
}

const ALIASES: &[(&str, Entity)] = &[
    ("EMAIL", Entity::EmailAddress),
    ("E_MAIL", Entity::EmailAddress),
    ("PHONE", Entity::PhoneNumber),
    ("PHONE_NUM", Entity::PhoneNumber),
    ("TELEPHONE", Entity::PhoneNumber),
    ("IP_ADDRESS", Entity::Ip),
    ("IPV4", Entity::Ip),
    ("IPV6", Entity::Ip),
    ("CARD", Entity::CreditCard),
    ("CREDIT_CARD_NUMBER", Entity::CreditCard),
    ("SSN", Entity::UsSsn),
    ("IBAN_CODE", Entity::Iban),
    ("MAC", Entity::MacAddress),
    ("ADDRESS", Entity::StreetAddress),
    ("STREET", Entity::StreetAddress),
    ("POBOX", Entity::PoBox),
    ("PO_BOX_NUMBER", Entity::PoBox),
    ("ZIP", Entity::ZipCode),
    ("POSTAL_CODE", Entity::ZipCode),
    ("NAME", Entity::Person),
    ("PERSON_NAME", Entity::Person),
    ("LINK", Entity::Url),
];

impl fmt::Display for Entity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

/// A set of entities (a copyable bitset). The default is every entity.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct EntitySet(u16);

impl EntitySet {
    /// Every entity.
    pub fn all() -> EntitySet {
        Entity::ALL.iter().fold(EntitySet::empty(), |s, e| s.with(*e))
    }

    /// No entity.
    pub fn empty() -> EntitySet {
        EntitySet(0)
    }

    /// This set plus `e`.
    #[must_use]
    pub fn with(self, e: Entity) -> EntitySet {
        EntitySet(self.0 | e.bit())
    }

    /// This set without `e`.
    #[must_use]
    pub fn without(self, e: Entity) -> EntitySet {
        EntitySet(self.0 & !e.bit())
    }

    /// Whether `e` is in the set.
    pub fn contains(self, e: Entity) -> bool {
        self.0 & e.bit() != 0
    }

    /// Whether the set is empty.
    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// The entities in the set, in [`Entity::ALL`] order.
    pub fn iter(self) -> impl Iterator<Item = Entity> {
        Entity::ALL.into_iter().filter(move |e| self.contains(*e))
    }

    /// Parses a comma- (or blank-) separated list of labels or aliases, e.g.
    /// `"EMAIL_ADDRESS, phone"`. `"all"` means every entity. The error names the unknown entry.
    pub fn parse(s: &str) -> Result<EntitySet, String> {
        let mut set = EntitySet::empty();
        for item in s.split([',', ' ', '\t', '\n', ';']).filter(|i| !i.is_empty()) {
            if item.eq_ignore_ascii_case("all") {
                set = EntitySet::all();
                continue;
            }
            match Entity::from_label(item) {
                Some(e) => set = set.with(e),
                None => return Err(format!("unknown PII entity {item:?}")),
            }
        }
        Ok(set)
    }
}

impl Default for EntitySet {
    fn default() -> Self {
        EntitySet::all()
    }
}

impl fmt::Debug for EntitySet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_set().entries(self.iter()).finish()
    }
}

impl FromIterator<Entity> for EntitySet {
    fn from_iter<I: IntoIterator<Item = Entity>>(iter: I) -> Self {
        iter.into_iter().fold(EntitySet::empty(), EntitySet::with)
    }
}

/// How many findings of each entity were replaced.
#[derive(Clone, Copy, Default, PartialEq, Eq, Debug)]
pub struct EntityCounts([u32; 12]);

impl EntityCounts {
    /// The count for `e`.
    pub fn get(&self, e: Entity) -> u32 {
        self.0[e as usize]
    }

    /// Adds one finding of `e`.
    pub fn bump(&mut self, e: Entity) {
        self.0[e as usize] = self.0[e as usize].saturating_add(1);
    }

    /// The sum over all entities.
    pub fn total(&self) -> u32 {
        self.0.iter().fold(0u32, |a, b| a.saturating_add(*b))
    }

    /// The non-zero counts, in [`Entity::ALL`] order.
    pub fn iter(&self) -> impl Iterator<Item = (Entity, u32)> + '_ {
        Entity::ALL.into_iter().map(|e| (e, self.get(e))).filter(|(_, n)| *n > 0)
    }

    /// Adds every count of `other` to this one.
    pub fn add(&mut self, other: &EntityCounts) {
        for (a, b) in self.0.iter_mut().zip(other.0.iter()) {
            *a = a.saturating_add(*b);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_are_placeholders_without_brackets() {
        for e in Entity::ALL {
            assert_eq!(format!("<{}>", e.label()), e.placeholder());
            assert_eq!(Entity::from_label(&e.label().to_lowercase()), Some(e));
        }
    }

    #[test]
    fn aliases_parse() {
        assert_eq!(Entity::from_label("email"), Some(Entity::EmailAddress));
        assert_eq!(Entity::from_label("PHONE"), Some(Entity::PhoneNumber));
        assert_eq!(Entity::from_label("ssn"), Some(Entity::UsSsn));
        assert_eq!(Entity::from_label("ip_address"), Some(Entity::Ip));
        assert_eq!(Entity::from_label("Address"), Some(Entity::StreetAddress));
        assert_eq!(Entity::from_label("name"), Some(Entity::Person));
        assert_eq!(Entity::from_label("bogus"), None);
    }

    #[test]
    fn set_parse_and_errors() {
        let s = EntitySet::parse("EMAIL_ADDRESS, phone").unwrap();
        assert!(s.contains(Entity::EmailAddress) && s.contains(Entity::PhoneNumber));
        assert_eq!(s.iter().count(), 2);
        let err = EntitySet::parse("email, telepathy").unwrap_err();
        assert!(err.contains("telepathy"));
        assert_eq!(EntitySet::parse("all").unwrap(), EntitySet::all());
        assert_eq!(EntitySet::all().iter().count(), 12);
        assert!(EntitySet::empty().is_empty());
    }

    #[test]
    fn counts_add_and_total() {
        let mut a = EntityCounts::default();
        a.bump(Entity::Ip);
        let mut b = EntityCounts::default();
        b.bump(Entity::Ip);
        b.bump(Entity::Url);
        a.add(&b);
        assert_eq!(a.get(Entity::Ip), 2);
        assert_eq!(a.total(), 3);
        assert_eq!(a.iter().count(), 2);
    }
}
