//! Word lists for international postal addresses (written for this crate from the countries'
//! published address conventions): street-type words that stand before or after the street
//! name in about 30 languages, street-type endings of one-word street names (German, Dutch,
//! Scandinavian, Finnish), unit and floor words, name particles inside street and city names,
//! and country names that may end a postal block.

use crate::text::{Key, key, keys};

/// Street-type words (case-folded keys; an abbreviation is listed without its dot).
pub(crate) static TYPES: KeySet<1024> = KeySet::new(TYPE_KEYS);

/// The first two letters of the street-type words: a cheap test before [`TYPES`].
pub(crate) static TYPE_STARTS: Starts = Starts::new(TYPE_KEYS);

const TYPE_KEYS: &[Key] = &keys([
    // Polish, Czech, Slovak, Slovenian, Croatian, Serbian
    "ul",
    "ulica",
    "al",
    "aleja",
    "aleje",
    "os",
    "osiedle",
    "plac",
    "ulice",
    "namesti",
    "trida",
    "nabrezi",
    "cesta",
    "trg",
    "nam",
    "ulitsa",
    "bulevar",
    "put",
    "steza",
    "vijenac",
    "dvori",
    "obala",
    "prilaz",
    "odvojak",
    "setaliste",
    "namestie",
    "nabrezie",
    "prospekt",
    "pr",
    // Russian and Ukrainian (romanised), Baltic, Greek
    "vul",
    "vulytsia",
    "prov",
    "pereulok",
    "shosse",
    "naberezhnaya",
    "naberezhna",
    "ploshchad",
    "ploshcha",
    "tn",
    "mnt",
    "pst",
    "iela",
    "gatve",
    "odos",
    // Italian
    "via",
    "viale",
    "incrocio",
    "stretto",
    "traversa",
    "circonvallazione",
    "piazza",
    "piazzale",
    "corso",
    "largo",
    "vicolo",
    "contrada",
    "strada",
    "borgo",
    "rotonda",
    "lungomare",
    "salita",
    "vico",
    // Portuguese
    "viaduto",
    "passarela",
    "patio",
    "estacao",
    "trecho",
    "jardim",
    "rua",
    "avenida",
    "av",
    "avda",
    "travessa",
    "tv",
    "praca",
    "alameda",
    "estrada",
    "rodovia",
    "calcada",
    "beco",
    "ladeira",
    "recanto",
    "viela",
    "r",
    "quadra",
    "setor",
    "vila",
    // Spanish and Catalan
    "calle",
    "continuacion",
    "viaducto",
    "diag",
    "tr",
    "kr",
    "trans",
    "c",
    "carrer",
    "paseo",
    "plaza",
    "pl",
    "camino",
    "carretera",
    "ronda",
    "avinguda",
    "cuesta",
    "pasaje",
    "callejon",
    "glorieta",
    "cr",
    "cra",
    "carrera",
    "cl",
    "diagonal",
    "transversal",
    "peatonal",
    "urbanizacion",
    "via",
    "circunvalacion",
    "prolongacion",
    "andador",
    "cerrada",
    "privada",
    "retorno",
    "circuito",
    "periferico",
    "eje",
    "boulevard",
    // French
    "rue",
    "rang",
    "montee",
    "cote",
    "avenue",
    "bd",
    "boulevard",
    "chemin",
    "allee",
    "impasse",
    "place",
    "quai",
    "route",
    "cours",
    "passage",
    "faubourg",
    "sentier",
    "chaussee",
    "rond",
    "square",
    "voie",
    // German, Dutch, Scandinavian, Finnish written apart ("Am Markt", "Karl Johans gate")
    "strasse",
    "platz",
    "weg",
    "gasse",
    "allee",
    "ring",
    "damm",
    "ufer",
    "markt",
    "straat",
    "laan",
    "plein",
    "singel",
    "gracht",
    "kade",
    "dreef",
    "gate",
    "gata",
    "vei",
    "veien",
    "vegen",
    "vej",
    "gade",
    "gatan",
    "vagen",
    "tie",
    "puistotie",
    "raitti",
    "kaari",
    "aukio",
    "katu",
    "kuja",
    "polku",
    "tori",
    // Hungarian, Romanian, Turkish, Indonesian, Malay
    "utca",
    "ut",
    "utja",
    "ter",
    "koz",
    "korut",
    "sor",
    "bulevardul",
    "calea",
    "aleea",
    "splaiul",
    "soseaua",
    "intrarea",
    "piata",
    "str",
    "sos",
    "bd",
    "cadde",
    "caddesi",
    "sokak",
    "sokagi",
    "mahallesi",
    "gang",
    "jalan",
    "jl",
    "jln",
    "lorong",
    "lrg",
    "persiaran",
    "lebuh",
    "taman",
    // English words other than USPS suffixes
    "close",
    "crescent",
    "centreway",
    "parade",
    "esplanade",
    "grove",
    "mews",
    "rise",
    "row",
    "terrace",
    "wynd",
    "chowk",
    "nagar",
    "marg",
    "ganj",
    "ithafa",
    "alle",
    "alley",
    "ruta",
    "blv",
    "blvd",
    "calzada",
    "ampliacion",
    "condominio",
    "distrito",
    "esplanada",
    "trevo",
    "fazenda",
    "chacara",
    "gg",
    "dg",
    "kalea",
    "kale",
    "rruga",
    "drumul",
    "bulevardi",
    "vereda",
    "area",
    "sitio",
    "conjunto",
    "residencial",
    "loteamento",
    "nucleo",
    "parque",
    "morro",
    "rampa",
    "prospekti",
    "seksyen",
    "prosp",
    "pasaje",
    "cerro",
    "lugar",
    "barrio",
    "colonia",
    "col",
    "sector",
    "manzana",
    "aldea",
    "poblacion",
    "villa",
]);

/// Endings of one-word street names ("Eichendorffstr.", "Vangsåvej", "Industritorget"),
/// lower case, as bytes (some are UTF-8).
pub(crate) const ENDINGS: &[&[u8]] = &[
    "straße".as_bytes(),
    b"strasse",
    b"str",
    b"gasse",
    b"weg",
    b"platz",
    b"allee",
    b"damm",
    b"ufer",
    b"steig",
    b"pfad",
    b"markt",
    b"chaussee",
    b"vej",
    b"gade",
    "stræde".as_bytes(),
    b"gatan",
    "vägen".as_bytes(),
    b"vagen",
    "gränd".as_bytes(),
    b"torget",
    b"stigen",
    b"backen",
    b"kroken",
    b"tie",
    b"katu",
    b"kuja",
    b"polku",
    b"veien",
    b"vegen",
    b"gata",
    b"gate",
    b"plassen",
    b"stien",
    b"straat",
    b"laan",
    b"plein",
    b"singel",
    b"gracht",
    b"kade",
    b"dreef",
    b"steeg",
    b"hof",
    b"utca",
    "útja".as_bytes(),
    b"ring",
    b"boulevard",
    "alléen".as_bytes(),
    "allé".as_bytes(),
    b"berget",
    b"bakken",
    b"svingen",
    b"haugen",
    b"veg",
    b"lei",
    b"dijk",
    b"straatje",
    b"vegur",
    b"braut",
    "stræti".as_bytes(),
    "stígur".as_bytes(),
    b"iela",
];

/// Unit, floor and building words after the house number ("Apt. 4", "Piano 2", "Dpto. 566").
pub(crate) static UNITS: KeySet<256> = KeySet::new(&keys([
    "apt",
    "apartamento",
    "rd",
    "apartment",
    "appartamento",
    "app",
    "piano",
    "interno",
    "int",
    "scala",
    "dpto",
    "depto",
    "departamento",
    "piso",
    "local",
    "oficina",
    "of",
    "puerta",
    "pta",
    "esc",
    "bajo",
    "suite",
    "ste",
    "unit",
    "flat",
    "floor",
    "fl",
    "room",
    "rm",
    "bldg",
    "building",
    "etage",
    "et",
    "stock",
    "stg",
    "top",
    "tur",
    "wohnung",
    "whg",
    "lok",
    "lokal",
    "m",
    "mieszkanie",
    "bl",
    "sc",
    "ap",
    "apto",
    "casa",
    "bloco",
    "sala",
    "andar",
    "lote",
    "torre",
    "no",
    "nr",
    "n",
    "dom",
    "door",
    "ajto",
    "emelet",
    "em",
    "lgh",
    "tr",
    "bus",
    "bte",
    "boite",
    "kv",
    "interior",
    "edif",
    "edificio",
    "km",
    "mz",
    "manzana",
    "etapa",
    "bloque",
    "portal",
    "escalera",
    "studio",
    "lt",
    "rt",
    "rw",
    "blok",
    "kav",
    "daire",
    "kat",
]));

/// Words that name a building on the line above a street ("Rosebank House", "Mill Cottage").
pub(crate) static BUILDINGS: KeySet<64> = KeySet::new(&keys([
    "house",
    "cottage",
    "building",
    "bldg",
    "tower",
    "towers",
    "court",
    "mansions",
    "lodge",
    "farm",
    "hall",
    "chambers",
    "apartments",
    "residences",
    "centre",
    "center",
    "villa",
    "manor",
    "barn",
    "wharf",
    "plaza",
    "block",
    "complex",
    "estate",
    "edificio",
    "torre",
    "haus",
    "hof",
]));

/// Words shortly before a street that say an address follows ("I live at", "moved to",
/// "Office:", "Deliver to").
pub(crate) static CUES: KeySet<128> = KeySet::new(&keys([
    "address",
    "addr",
    "live",
    "lives",
    "lived",
    "living",
    "moved",
    "move",
    "moving",
    "deliver",
    "delivery",
    "ship",
    "shipping",
    "send",
    "sent",
    "mail",
    "post",
    "located",
    "office",
    "visit",
    "showroom",
    "home",
    "reside",
    "resides",
    "residence",
    "billing",
    "invoice",
    "point",
    "warehouse",
    "headquarters",
    "hq",
    "grew",
    "flat",
    "house",
    "stay",
    "staying",
    "rent",
    "sender",
    "recipient",
    "return",
    "returns",
    "pick",
    "collect",
]));

/// Lower-case words inside street and city names ("Praça da França", "Šempeter pri Gorici").
pub(crate) static PARTICLES: KeySet<128> = KeySet::new(&keys([
    "de", "da", "do", "dos", "das", "del", "della", "delle", "dei", "di", "la", "le", "les", "du",
    "des", "van", "der", "den", "von", "am", "an", "im", "in", "auf", "pri", "nad", "pod", "na",
    "y", "sur", "sous", "el", "los", "las", "al", "och", "og", "ved", "bei", "u", "v", "k", "ob",
    "sankt",
]));

/// Country names that may end an address (English and native spellings; a longer name before
/// a shorter one it starts with).
pub(crate) const COUNTRIES: &[&str] = &[
    "Argentina",
    "Australia",
    "Austria",
    "Azerbaijan",
    "Bangladesh",
    "Belgique",
    "Belgium",
    "België",
    "Bolivia",
    "Brasil",
    "Brazil",
    "Bulgaria",
    "Canada",
    "Chile",
    "China",
    "Colombia",
    "Costa Rica",
    "Croatia",
    "Cyprus",
    "Czech Republic",
    "Czechia",
    "Danmark",
    "Denmark",
    "Deutschland",
    "Ecuador",
    "Eesti",
    "Egypt",
    "England",
    "España",
    "Estonia",
    "Finland",
    "France",
    "Germany",
    "Ghana",
    "Great Britain",
    "Greece",
    "Guatemala",
    "Hellas",
    "Hong Kong",
    "Hrvatska",
    "Hungary",
    "Iceland",
    "India",
    "Indonesia",
    "Ireland",
    "Israel",
    "Italia",
    "Italy",
    "Japan",
    "Kenya",
    "Korea",
    "Latvia",
    "Latvija",
    "Liechtenstein",
    "Lietuva",
    "Lithuania",
    "Luxembourg",
    "Lëtzebuerg",
    "Magyarország",
    "Malaysia",
    "Malta",
    "Mexico",
    "Monaco",
    "Morocco",
    "México",
    "Nederland",
    "Nepal",
    "Netherlands",
    "New Zealand",
    "Nigeria",
    "Norge",
    "Northern Ireland",
    "Norway",
    "Pakistan",
    "Panama",
    "Paraguay",
    "Peru",
    "Perú",
    "Philippines",
    "Poland",
    "Polska",
    "Portugal",
    "Qatar",
    "Republic of Korea",
    "Romania",
    "România",
    "Russia",
    "Russian Federation",
    "Saudi Arabia",
    "Schweiz",
    "Scotland",
    "Serbia",
    "Singapore",
    "Slovakia",
    "Slovenia",
    "Slovenija",
    "Slovensko",
    "South Africa",
    "South Korea",
    "Spain",
    "Sri Lanka",
    "Suisse",
    "Suomi",
    "Sverige",
    "Svizzera",
    "Sweden",
    "Switzerland",
    "Taiwan",
    "Tanzania",
    "Thailand",
    "The Netherlands",
    "Turkey",
    "Türkiye",
    "UAE",
    "UK",
    "USA",
    "Uganda",
    "Ukraine",
    "United States of America",
    "United Arab Emirates",
    "United Kingdom",
    "United States",
    "Uruguay",
    "Venezuela",
    "Vietnam",
    "Wales",
    "Éire",
    "Ísland",
    "Österreich",
    "Česko",
    "Česká republika",
];

/// Whether the word `w` (any case, accents folded) has a key in `list`.
pub(crate) fn listed<const N: usize>(list: &KeySet<N>, w: &[u8]) -> bool {
    key(w).is_some_and(|k| list.contains(k))
}

/// A set of word keys: an open-addressing hash table of `N` slots (a power of two, at least
/// twice the number of keys), built by the compiler. One multiply and usually one comparison
/// per look-up, where a binary search over the sorted keys took about nine.
pub(crate) struct KeySet<const N: usize> {
    slots: [Key; N],
}

impl<const N: usize> KeySet<N> {
    /// The set of `keys` (none of them 0, which marks an empty slot).
    pub(crate) const fn new(keys: &[Key]) -> Self {
        assert!(N.is_power_of_two() && keys.len() * 2 <= N, "the table must stay half empty");
        let mut slots = [0; N];
        let mut i = 0;
        while i < keys.len() {
            let k = keys[i];
            assert!(k != 0, "an empty word has no key");
            let mut h = slot(k, N);
            while slots[h] != 0 && slots[h] != k {
                h = (h + 1) & (N - 1);
            }
            slots[h] = k;
            i += 1;
        }
        KeySet { slots }
    }

    /// Whether `k` is in the set.
    pub(crate) fn contains(&self, k: Key) -> bool {
        if k == 0 {
            return false; // the empty word, whose key marks empty slots
        }
        let mut h = slot(k, N);
        loop {
            let s = self.slots[h];
            if s == k {
                return true;
            }
            if s == 0 {
                return false;
            }
            h = (h + 1) & (N - 1);
        }
    }
}

/// Which two-letter starts (ASCII letters, any case) some key of a set has: one load and a
/// shift to refuse most words before computing their key.
pub(crate) struct Starts {
    bits: [u32; 26],
}

impl Starts {
    /// The starts of `keys` (upper-case ASCII words).
    const fn new(keys: &[Key]) -> Self {
        let mut bits = [0u32; 26];
        let mut i = 0;
        while i < keys.len() {
            let k = keys[i];
            let mut n = 0;
            while n < 16 && k >> (8 * n) != 0 {
                n += 1;
            }
            let c0 = (k >> (8 * (n - 1))) as u8;
            let c1 = if n >= 2 { (k >> (8 * (n - 2))) as u8 } else { 0 };
            if c0.is_ascii_uppercase() && c1.is_ascii_uppercase() {
                bits[(c0 - b'A') as usize] |= 1 << (c1 - b'A');
            }
            i += 1;
        }
        Starts { bits }
    }

    /// Whether `w` (two bytes or more) may be a key of the set: false only when its first two
    /// bytes are ASCII letters that start no key.
    #[inline]
    pub(crate) fn may_start(&self, w: &[u8]) -> bool {
        let (c0, c1) = (w[0] | 0x20, w[1] | 0x20);
        if !c0.is_ascii_lowercase() || !c1.is_ascii_lowercase() {
            return true;
        }
        self.bits[usize::from(c0 - b'a')] >> (c1 - b'a') & 1 == 1
    }
}

/// The home slot of `k` in a table of `n` slots (a power of two).
const fn slot(k: Key, n: usize) -> usize {
    let x = (k as u64) ^ ((k >> 64) as u64).rotate_left(29);
    (x.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 40) as usize & (n - 1)
}

/// Whether the capitalised word `w` ends with a street-type ending and is longer than it
/// ("Eichendorffstr", not "Str").
pub(crate) fn has_ending(w: &[u8]) -> bool {
    ENDINGS.iter().any(|e| {
        w.len() >= e.len() + 3
            && w[w.len() - e.len()..].iter().zip(*e).all(|(a, b)| a.to_ascii_lowercase() == *b)
    })
}

/// The length of the country name at the start of `b`, if one is there (whole words).
pub(crate) fn country_at(b: &[u8]) -> Option<usize> {
    let c = *b.first()?;
    if !(c.is_ascii_uppercase() || c >= 0xC3) {
        return None;
    }
    // A capitalised name and its upper-case form start with the same byte.
    let second = b.get(1).copied().unwrap_or(0);
    COUNTRIES_BY_FIRST[usize::from(b[0])].iter().find_map(|&c| {
        // Most candidates differ in the second byte (as written, or in capitals).
        if c.len() < 2 || second != c[1] && second.to_ascii_lowercase() != c[1] {
            return None;
        }
        let next = b.get(c.len()).copied().unwrap_or(0);
        let head = b.get(..c.len())?;
        let same = head == c || upper_case_of(head, c);
        (same && !crate::text::is_word(next)).then_some(c.len())
    })
}

/// [`COUNTRIES`] by their first byte, built once (a scan of the whole list cost ~500
/// instructions per capitalised word).
static COUNTRIES_BY_FIRST: std::sync::LazyLock<Vec<Vec<&'static [u8]>>> =
    std::sync::LazyLock::new(|| {
        let mut by: Vec<Vec<&'static [u8]>> = vec![Vec::new(); 256];
        for c in COUNTRIES {
            let c = c.as_bytes();
            by[usize::from(c[0])].push(c);
        }
        by
    });

/// Whether `w` is the ASCII name `name` (four letters or more) in capitals ("FRANCE").
fn upper_case_of(w: &[u8], name: &[u8]) -> bool {
    name.len() >= 4
        && w.eq_ignore_ascii_case(name)
        && w.iter().all(|c| c.is_ascii_uppercase() || !c.is_ascii_alphabetic())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_are_sorted_and_found() {
        assert!(listed(&TYPES, b"ul") && listed(&TYPES, b"Via") && listed(&TYPES, b"Pra\xc3\xa7a"));
        assert!(has_ending(b"Eichendorffstr") && has_ending("Wesackstraße".as_bytes()));
        assert!(has_ending("Vangsåvej".as_bytes()) && !has_ending(b"Str"));
        assert!(!listed(&TYPES, b"") && !listed(&TYPES, b"Roma") && listed(&TYPES, b"VIA"));
        assert!(listed(&UNITS, b"Apt") && listed(&PARTICLES, b"pri"));
        assert_eq!(country_at(b"Slovenia."), Some(8));
        assert_eq!(country_at(b"Slovenian"), None);
    }

    #[test]
    fn endings_are_lower_case_and_listed_once() {
        let mut seen = std::collections::HashSet::new();
        for e in ENDINGS {
            assert!(seen.insert(*e), "{:?} listed twice", String::from_utf8_lossy(e));
            assert!(!e.iter().any(u8::is_ascii_uppercase), "{:?}", String::from_utf8_lossy(e));
        }
    }
}
