//! Word lists for postal addresses: street suffixes (USPS Publication 28, Appendix C1, both the
//! full words and the standard abbreviations), unit designators, directionals and US states
//! (USPS abbreviations and names). Upper case, sorted, for binary search.

/// Street suffixes (upper case, sorted).
pub(crate) const SUFFIXES: &[&str] = &[
    "ALLEY", "ALY", "ANEX", "ANNEX", "ANX", "ARC", "ARCADE", "AV", "AVE", "AVENUE", "BAYOU", "BCH", "BEACH",
    "BEND", "BG", "BGS", "BLF", "BLFS", "BLUFF", "BLUFFS", "BLVD", "BND", "BOTTOM", "BOULEVARD",
    "BR", "BRANCH", "BRG", "BRIDGE", "BRK", "BRKS", "BROOK", "BROOKS", "BTM", "BURG", "BURGS",
    "BYP", "BYPASS", "BYU", "CAMP", "CANYON", "CAPE", "CAUSEWAY", "CENTER", "CENTERS", "CIR",
    "CIRCLE", "CIRCLES", "CIRS", "CLB", "CLF", "CLFS", "CLIFF", "CLIFFS", "CLUB", "CMN", "CMNS",
    "COMMON", "COMMONS", "COR", "CORNER", "CORNERS", "CORS", "COURSE", "COURT", "COURTS", "COVE",
    "COVES", "CP", "CPE", "CREEK", "CRES", "CRESCENT", "CREST", "CRK", "CROSSING", "CROSSROAD",
    "CROSSROADS", "CRSE", "CRST", "CSWY", "CT", "CTR", "CTRS", "CTS", "CURV", "CURVE", "CV", "CVS",
    "CYN", "DALE", "DAM", "DIVIDE", "DL", "DM", "DR", "DRIVE", "DRIVES", "DRS", "DV", "EST",
    "ESTATE", "ESTATES", "ESTS", "EXPRESSWAY", "EXPY", "EXT", "EXTENSION", "EXTENSIONS", "EXTS",
    "FALL", "FALLS", "FERRY", "FIELD", "FIELDS", "FLAT", "FLATS", "FLD", "FLDS", "FLS", "FLT",
    "FLTS", "FORD", "FORDS", "FOREST", "FORGE", "FORGES", "FORK", "FORKS", "FORT", "FRD", "FRDS",
    "FREEWAY", "FRG", "FRGS", "FRK", "FRKS", "FRST", "FRY", "FT", "FWY", "GARDEN", "GARDENS",
    "GATEWAY", "GDN", "GDNS", "GLEN", "GLENS", "GLN", "GLNS", "GREEN", "GREENS", "GRN", "GRNS", "GROVE", "GROVES",
    "GRV", "GRVS", "GTWY", "HARBOR", "HARBORS", "HAVEN", "HBR", "HBRS", "HEIGHTS", "HIGHWAY",
    "HILL", "HILLS", "HL", "HLS", "HOLLOW", "HOLW", "HTS", "HVN", "HWY", "INLET", "INLT", "IS",
    "ISLAND", "ISLANDS", "ISLE", "ISS", "JCT", "JCTS", "JUNCTION", "JUNCTIONS", "KEY", "KEYS",
    "KNL", "KNLS", "KNOLL", "KNOLLS", "KY", "KYS", "LAKE", "LAKES", "LAND", "LANDING", "LANE", "LCK",
    "LCKS", "LDG", "LF", "LGT", "LGTS", "LIGHT", "LIGHTS", "LK", "LKS", "LN", "LNDG", "LOAF",
    "LOCK", "LOCKS", "LODGE", "LOOP", "MALL", "MANOR", "MANORS", "MDW", "MDWS", "MEADOW", "MEADOWS",
    "MEWS", "MILL", "MILLS", "MISSION", "ML", "MLS", "MNR", "MNRS", "MOTORWAY", "MOUNT", "MOUNTAIN",
    "MOUNTAINS", "MSN", "MT", "MTN", "MTNS", "MTWY", "NCK", "NECK", "OPAS", "ORCH", "ORCHARD",
    "OVAL", "OVERPASS", "PARK", "PARKS", "PARKWAY", "PARKWAYS", "PASS", "PASSAGE", "PATH", "PIKE",
    "PINE", "PINES", "PKWY", "PL", "PLACE", "PLAIN", "PLAINS", "PLAZA", "PLN", "PLNS", "PLZ", "PNE",
    "PNES", "POINT", "POINTS", "PORT", "PORTS", "PR", "PRAIRIE", "PRT", "PRTS", "PSGE", "PT", "PTS",
    "RADIAL", "RADL", "RAMP", "RANCH", "RAPID", "RAPIDS", "RD", "RDG", "RDGS", "RDS", "REST",
    "RIDGE", "RIDGES", "RIV", "RIVER", "RNCH", "ROAD", "ROADS", "ROUTE", "ROW", "RPD", "RPDS",
    "RST", "RTE", "RUE", "RUN", "SHL", "SHLS", "SHOAL", "SHOALS", "SHORE", "SHORES", "SHR", "SHRS",
    "SKWY", "SKYWAY", "SMT", "SPG", "SPGS", "SPRING", "SPRINGS", "SPUR", "SPURS", "SQ", "SQS",
    "SQUARE", "SQUARES", "ST", "STA", "STATION", "STRA", "STRAVENUE", "STREAM", "STREET", "STREETS",
    "STRM", "STS", "SUMMIT", "TER", "TERRACE", "THROUGHWAY", "TPKE", "TRACE", "TRACK", "TRAFFICWAY",
    "TRAIL", "TRAILER", "TRAK", "TRCE", "TRFY", "TRL", "TRLR", "TRWY", "TUNL", "TUNNEL", "TURNPIKE",
    "UN", "UNDERPASS", "UNION", "UNIONS", "UNS", "UPAS", "VALLEY", "VALLEYS", "VIA", "VIADUCT",
    "VIEW", "VIEWS", "VILLAGE", "VILLAGES", "VILLE", "VIS", "VISTA", "VL", "VLG", "VLGS", "VLY",
    "VLYS", "VW", "VWS", "WALK", "WALKS", "WALL", "WAY", "WAYS", "WELL", "WELLS", "WL", "WLS",
    "XING", "XRD", "XRDS",
];

/// Unit designators (upper case, sorted).
pub(crate) const UNITS: &[&str] = &[
    "APARTMENT", "APT", "BLDG", "BUILDING", "DEPT", "FL", "FLOOR", "NO", "RM", "ROOM", "STE",
    "SUITE", "UNIT",
];

/// Directionals (upper case, sorted).
pub(crate) const DIRECTIONS: &[&str] = &[
    "E", "EAST", "N", "NE", "NORTH", "NORTHEAST", "NORTHWEST", "NW", "S", "SE", "SOUTH",
    "SOUTHEAST", "SOUTHWEST", "SW", "W", "WEST",
];

/// USPS state and territory codes, including the armed-forces codes (upper case, sorted).
pub(crate) const STATE_CODES: &[&str] = &[
    "AA", "AE", "AK", "AL", "AP", "AR", "AS", "AZ", "CA", "CO", "CT", "DC", "DE", "FL", "FM", "GA",
    "GU", "HI", "IA", "ID", "IL", "IN", "KS", "KY", "LA", "MA", "MD", "ME", "MH", "MI", "MN", "MO",
    "MP", "MS", "MT", "NC", "ND", "NE", "NH", "NJ", "NM", "NV", "NY", "OH", "OK", "OR", "PA", "PR",
    "PW", "RI", "SC", "SD", "TN", "TX", "UT", "VA", "VI", "VT", "WA", "WI", "WV", "WY",
];

/// US state names, one word each or the first word of two (upper case, sorted).
pub(crate) const STATE_NAMES: &[&str] = &[
    "ALABAMA", "ALASKA", "ARIZONA", "ARKANSAS", "CALIFORNIA", "COLORADO", "CONNECTICUT", "DELAWARE",
    "FLORIDA", "GEORGIA", "HAWAII", "IDAHO", "ILLINOIS", "INDIANA", "IOWA", "KANSAS", "KENTUCKY",
    "LOUISIANA", "MAINE", "MARYLAND", "MASSACHUSETTS", "MICHIGAN", "MINNESOTA", "MISSISSIPPI",
    "MISSOURI", "MONTANA", "NEBRASKA", "NEVADA", "OHIO", "OKLAHOMA", "OREGON", "PENNSYLVANIA",
    "TENNESSEE", "TEXAS", "UTAH", "VERMONT", "VIRGINIA", "WASHINGTON", "WISCONSIN", "WYOMING",
];

/// Second words of two-word state names (upper case, sorted).
pub(crate) const STATE_SECOND: &[&str] = &["CAROLINA", "DAKOTA", "HAMPSHIRE", "ISLAND", "JERSEY", "MEXICO", "VIRGINIA", "YORK"];

/// First words of two-word state names (upper case, sorted).
pub(crate) const STATE_FIRST: &[&str] = &["NEW", "NORTH", "RHODE", "SOUTH", "WEST"];

/// Whether `word` (any case, at most 24 bytes) is in the sorted upper-case `list`.
pub(crate) fn contains(list: &[&str], word: &[u8]) -> bool {
    let mut buf = [0u8; 24];
    if word.len() > buf.len() {
        return false;
    }
    for (d, s) in buf.iter_mut().zip(word) {
        *d = s.to_ascii_uppercase();
    }
    let w = &buf[..word.len()];
    list.binary_search_by(|p| p.as_bytes().cmp(w)).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_are_sorted_for_binary_search() {
        for list in [SUFFIXES, UNITS, DIRECTIONS, STATE_CODES, STATE_NAMES, STATE_SECOND, STATE_FIRST] {
            assert!(list.windows(2).all(|w| w[0] < w[1]), "{:?}", list.windows(2).find(|w| w[0] >= w[1]));
        }
        assert!(contains(SUFFIXES, b"Street"));
        assert!(!contains(SUFFIXES, b"first"));
    }
}
