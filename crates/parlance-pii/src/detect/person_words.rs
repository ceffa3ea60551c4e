//! Word lists for the `<PERSON>` detector: titles, name suffixes, name particles, context cues,
//! and capitalised words that are not names in running text (function words, calendar words,
//! organisation and place words, well-known places and products). Upper case.

/// Honorifics and titles that introduce a name.
pub(crate) const TITLES: &[&str] = &[
    "MR", "MRS", "MS", "MISS", "MX", "DR", "PROF", "PROFESSOR", "SIR", "DAME", "MADAM", "MADAME", "LORD",
    "LADY", "REV", "REVEREND", "FR", "FATHER", "SISTER", "BROTHER", "CAPT", "CAPTAIN", "SGT", "SERGEANT",
    "LT", "LIEUTENANT", "COL", "COLONEL", "GEN", "GENERAL", "MAJ", "CMDR", "ADM", "ADMIRAL", "HON",
    "JUDGE", "JUSTICE", "SENATOR", "SEN", "REP", "GOV", "GOVERNOR", "MAYOR", "PRESIDENT", "OFFICER",
    "DETECTIVE", "DET", "AGENT", "NURSE", "COACH", "AUNT", "UNCLE", "GRANDMA", "GRANDPA", "MONSIEUR",
    "MME", "MLLE", "HERR", "FRAU", "SRA", "SENOR", "SENORA",
];

/// Words that may follow a name and belong to it.
pub(crate) const NAME_SUFFIXES: &[&str] = &[
    "JR", "SR", "II", "III", "IV", "V", "MD", "PHD", "DDS", "DVM", "ESQ", "RN", "CPA",
];

/// Lower-case particles inside names ("Ludwig van Beethoven", "Juan de la Cruz").
pub(crate) const PARTICLES: &[&str] = &["van", "von", "de", "der", "den", "del", "della", "la", "le", "da", "di", "du", "dos", "bin", "ibn", "al", "el", "ter", "ten"];

/// Lower-case cue words right before a name that make a single capitalised word a name.
pub(crate) const STRONG_CUES: &[&str] = &[
    "dear", "hi", "hello", "hey", "regards", "sincerely", "cheers", "thanks", "signed", "yours",
    "attn", "attention", "cc", "bcc", "named", "called", "name", "contact", "from",
    "ask", "asked", "thank", "met", "meet", "tell", "told", "love", "xoxo", "best", "warmly", "ping",
    "forward", "email", "emailed", "call", "text", "congratulations", "congrats", "welcome", "spoke",
    "sorry", "introducing", "introduce", "invite", "invited", "with", "to", "by", "and", "per", "via",
    "for", "of", "according", "said", "says", "patient", "client", "customer", "employee", "user",
    "colleague", "manager", "friend", "wife", "husband", "son", "daughter", "mother", "father", "mom",
    "dad", "boss", "doctor", "nurse", "lawyer", "owner", "tenant", "applicant", "candidate", "author",
    "buyer", "seller", "sender", "recipient", "contractor", "student", "teacher", "assignee", "let", "hired", "hire", "interviewed", "promoted", "notify", "notified", "inform",
    "informed", "reminded", "holder", "cardholder", "beneficiary", "payee",
    "yesterday", "today", "remind", "ring", "visit", "visited", "pay", "paid", "thx", "mr", "mrs",
];

/// Lower-case words right after a single capitalised word that make it a name
/// ("Ferguson wrote", "Hall lives at").
pub(crate) const POST_CUES: &[&str] = &[
    "said", "says", "wrote", "writes", "called", "calls", "asked", "asks", "told", "tells", "lives",
    "lived", "reported", "reports", "replied", "replies", "mentioned", "confirmed", "agreed", "thinks",
    "knows", "know", "wants", "needs", "sent", "sends", "emailed", "signed", "approved", "joined",
    "left", "phoned", "texted", "messaged", "suggested", "explained", "added", "noted", "presented",
    "joining", "joins", "attended", "attending", "will", "please", "shared", "owns", "owes", "paid",
    "booked", "cancelled", "canceled", "requested", "submitted", "accepted", "declined", "signed",
];

/// Cues that make even an unknown capitalised word a name ("my name is Xyz", "Dear Xyz").
pub(crate) const DIRECT_CUES: &[&str] = &["dear", "hi", "hello", "hey", "named", "name", "signed", "attn", "regards", "sincerely", "cheers", "thanks", "im", "am", "is", "m", "i’m",
    "holder", "cardholder", "beneficiary", "payee", "recipient", "patient", "employee", "customer", "signatory"];

/// Capitalised words that are not names in running text (upper case).
pub(crate) const NOT_NAMES: &[&str] = &[
    // function words and sentence starters
    "A", "AN", "THE", "THIS", "THAT", "THESE", "THOSE", "THERE", "HERE", "IT", "ITS", "I", "IM", "ID",
    "YOU", "YOUR", "YOURS", "WE", "OUR", "US", "THEY", "THEIR", "HE", "HIS", "SHE", "HER", "HIM", "MY",
    "ME", "MINE", "WHO", "WHOM", "WHAT", "WHEN", "WHERE", "WHY", "HOW", "WHICH", "IF", "THEN", "ELSE",
    "AND", "OR", "BUT", "NOR", "SO", "YET", "FOR", "OF", "IN", "ON", "AT", "TO", "FROM", "BY", "WITH",
    "ABOUT", "AFTER", "BEFORE", "DURING", "SINCE", "UNTIL", "WHILE", "AS", "IS", "ARE", "WAS", "WERE",
    "BE", "BEEN", "BEING", "DO", "DOES", "DID", "DONE", "HAVE", "HAS", "HAD", "CAN", "COULD", "WILL",
    "WOULD", "SHALL", "SHOULD", "MAY", "MIGHT", "MUST", "LET", "LETS", "PLEASE", "THANKS", "THANK",
    "HELLO", "HI", "HEY", "DEAR", "YES", "NO", "NOT", "OK", "OKAY", "SURE", "ALSO", "JUST", "ONLY",
    "ALL", "ANY", "SOME", "EVERY", "EACH", "BOTH", "EITHER", "NEITHER", "NONE", "MANY", "MUCH", "MORE",
    "MOST", "LESS", "FEW", "OTHER", "ANOTHER", "SUCH", "SAME", "VERY", "REALLY", "STILL", "ALREADY",
    "NEW", "OLD", "GOOD", "GREAT", "BEST", "BETTER", "BIG", "SMALL", "LONG", "SHORT", "HIGH", "LOW",
    "FIRST", "LAST", "NEXT", "PREVIOUS", "FINAL", "TODAY", "TOMORROW", "YESTERDAY", "TONIGHT", "NOW",
    "SOON", "LATER", "ONCE", "AGAIN", "NEVER", "ALWAYS", "SOMETIMES", "OFTEN", "MAYBE", "PERHAPS",
    "HOWEVER", "THEREFORE", "MEANWHILE", "OTHERWISE", "FINALLY", "NOTE", "NOTES", "SEE", "CHECK",
    "SEND", "SENT", "CALL", "EMAIL", "MAIL", "REPLY", "RE", "FW", "FWD", "SUBJECT", "TO", "CC", "BCC",
    "REGARDS", "SINCERELY", "CHEERS", "BEST", "WARM", "KIND", "WELCOME", "CONGRATULATIONS", "SORRY",
    "MORNING", "AFTERNOON", "EVENING", "NIGHT", "WEEK", "WEEKEND", "MONTH", "YEAR", "DAY", "TIME",
    "ONE", "TWO", "THREE", "FOUR", "FIVE", "SIX", "SEVEN", "EIGHT", "NINE", "TEN",
    // calendar
    "MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY", "FRIDAY", "SATURDAY", "SUNDAY", "JANUARY", "FEBRUARY",
    "MARCH", "APRIL", "JUNE", "JULY", "AUGUST", "SEPTEMBER", "OCTOBER", "NOVEMBER", "DECEMBER", "JAN",
    "FEB", "MAR", "APR", "JUN", "JUL", "AUG", "SEP", "SEPT", "OCT", "NOV", "DEC", "CHRISTMAS", "EASTER",
    "HALLOWEEN", "THANKSGIVING", "SPRING", "SUMMER", "FALL", "AUTUMN", "WINTER", "HOLIDAY",
    // organisations, roles and documents
    "INC", "LLC", "LTD", "CORP", "CORPORATION", "COMPANY", "CO", "GROUP", "HOLDINGS", "PARTNERS",
    "BANK", "UNIVERSITY", "COLLEGE", "SCHOOL", "ACADEMY", "INSTITUTE", "HOSPITAL", "CLINIC", "CENTER",
    "CENTRE", "DEPARTMENT", "DEPT", "OFFICE", "TEAM", "TEAMS", "BOARD", "COMMITTEE", "COUNCIL",
    "MINISTRY", "AGENCY", "SERVICE", "SERVICES", "SUPPORT", "SALES", "MARKETING", "FINANCE", "LEGAL",
    "HR", "IT", "ADMIN", "MANAGER", "DIRECTOR", "CEO", "CTO", "CFO", "VP", "CUSTOMER", "CLIENT", "USER",
    "ACCOUNT", "ORDER", "INVOICE", "RECEIPT", "PAYMENT", "TICKET", "CASE", "PROJECT", "REPORT",
    "MEETING", "UPDATE", "RELEASE", "VERSION", "PLAN", "PRO", "PLUS", "PREMIUM", "BASIC", "STANDARD",
    "EDITION", "MODEL", "SERIES", "TOTAL", "PRICE", "COST", "TAX", "FEE", "DATE", "ISBN", "SKU", "API",
    "SDK", "URL", "HTTP", "JSON", "SQL", "PDF", "FAQ", "ASAP", "FYI", "ETA", "PS", "NB", "AM", "PM",
    "CHAPTER", "SECTION", "PAGE", "TABLE", "FIGURE", "STEP", "PART", "ITEM", "LINE", "ROOM", "FLOOR",
    "BUILDING", "SUITE", "APT", "UNIT", "BOX", "HOTEL", "MOTEL", "RESTAURANT", "CAFE", "MUSEUM",
    "CHURCH", "LIBRARY", "MARKET", "STORE", "SHOP", "MALL", "AIRPORT", "STATION", "TERMINAL", "GATE",
    "PORT", "HARBOR", "BRIDGE", "TOWER", "CASTLE", "PALACE", "STADIUM", "ARENA", "THEATER", "THEATRE",
    // geography
    "STREET", "ST", "AVENUE", "AVE", "ROAD", "RD", "BOULEVARD", "BLVD", "LANE", "DRIVE", "WAY", "COURT",
    "PLACE", "SQUARE", "PARK", "PARKWAY", "HIGHWAY", "ROUTE", "TRAIL", "CITY", "TOWN", "VILLAGE",
    "COUNTY", "STATE", "STATES", "COUNTRY", "REPUBLIC", "KINGDOM", "EMPIRE", "UNITED", "NATIONAL",
    "INTERNATIONAL", "GLOBAL", "WORLD", "EARTH", "NORTH", "SOUTH", "EAST", "WEST", "NORTHERN",
    "SOUTHERN", "EASTERN", "WESTERN", "CENTRAL", "UPPER", "LOWER", "GRAND", "GOLDEN", "ROYAL", "SAINT",
    "SAN", "SANTA", "LOS", "LAS", "EL", "FORT", "MOUNT", "MT", "LAKE", "RIVER", "BAY", "BEACH", "ISLAND",
    "ISLANDS", "VALLEY", "HILLS", "HEIGHTS", "FALLS", "SPRINGS", "CANYON", "DESERT", "FOREST", "OCEAN",
    "SEA", "PACIFIC", "ATLANTIC", "ARCTIC", "AMERICA", "AMERICAN", "AMERICAS", "EUROPE", "EUROPEAN",
    "ASIA", "ASIAN", "AFRICA", "AFRICAN", "AUSTRALIA", "ANTARCTICA", "USA", "UK", "EU", "UN", "NATO",
    "CANADA", "MEXICO", "BRAZIL", "ARGENTINA", "CHILE", "PERU", "COLOMBIA", "ENGLAND", "BRITAIN",
    "BRITISH", "ENGLISH", "SCOTLAND", "IRELAND", "WALES", "FRANCE", "FRENCH", "GERMANY", "GERMAN",
    "SPAIN", "SPANISH", "PORTUGAL", "ITALY", "ITALIAN", "GREECE", "NETHERLANDS", "DUTCH", "BELGIUM",
    "SWITZERLAND", "SWISS", "AUSTRIA", "SWEDEN", "NORWAY", "DENMARK", "FINLAND", "POLAND", "RUSSIA",
    "UKRAINE", "TURKEY", "ISRAEL", "EGYPT", "INDIA", "INDIAN", "CHINA", "CHINESE", "JAPAN", "JAPANESE",
    "KOREA", "KOREAN", "VIETNAM", "THAILAND", "SINGAPORE", "INDONESIA", "PHILIPPINES", "PAKISTAN",
    "NIGERIA", "KENYA", "LEBANON", "IRAN", "IRAQ", "DUBAI", "QATAR", "LONDON", "PARIS",
    "BERLIN", "MADRID", "ROME", "MILAN", "VIENNA", "PRAGUE", "AMSTERDAM", "BRUSSELS", "ZURICH",
    "GENEVA", "MUNICH", "HAMBURG", "FRANKFURT", "LISBON", "DUBLIN", "EDINBURGH", "MANCHESTER",
    "LIVERPOOL", "OXFORD", "CAMBRIDGE", "STOCKHOLM", "OSLO", "COPENHAGEN", "HELSINKI", "WARSAW",
    "MOSCOW", "ISTANBUL", "ATHENS", "CAIRO", "TOKYO", "KYOTO", "OSAKA", "SEOUL", "BEIJING", "SHANGHAI",
    "HONG", "KONG", "TAIPEI", "BANGKOK", "DELHI", "MUMBAI", "SYDNEY", "MELBOURNE", "AUCKLAND",
    "TORONTO", "VANCOUVER", "MONTREAL", "OTTAWA", "YORK", "BOSTON", "CHICAGO", "HOUSTON", "DALLAS",
    "AUSTIN", "DENVER", "PHOENIX", "SEATTLE", "PORTLAND", "ATLANTA", "MIAMI", "ORLANDO", "TAMPA",
    "DETROIT", "CLEVELAND", "PITTSBURGH", "PHILADELPHIA", "BALTIMORE", "NASHVILLE", "MEMPHIS",
    "VEGAS", "FRANCISCO", "DIEGO", "JOSE", "ANGELES", "SACRAMENTO", "OAKLAND", "BROOKLYN", "MANHATTAN",
    "QUEENS", "BRONX", "HOLLYWOOD", "SILICON", "TAHOE", "YOSEMITE", "EVEREST", "ALPS", "HIMALAYA",
    "RIO", "JANEIRO", "BUENOS", "AIRES", "SAO", "PAULO", "CAPE", "TOWN", "SAHARA", "AMAZON", "NILE", "THAMES", "SEINE", "DANUBE", "RHINE", "MISSISSIPPI", "HUDSON",
    "ALABAMA", "ALASKA", "ARIZONA", "ARKANSAS", "CALIFORNIA", "COLORADO", "CONNECTICUT", "DELAWARE",
    "FLORIDA", "HAWAII", "IDAHO", "ILLINOIS", "INDIANA", "IOWA", "KANSAS", "KENTUCKY", "LOUISIANA",
    "MAINE", "MARYLAND", "MASSACHUSETTS", "MICHIGAN", "MINNESOTA", "MISSOURI", "MONTANA", "NEBRASKA",
    "NEVADA", "HAMPSHIRE", "JERSEY", "CAROLINA", "DAKOTA", "OHIO", "OKLAHOMA", "OREGON", "PENNSYLVANIA",
    "RHODE", "TENNESSEE", "TEXAS", "UTAH", "VERMONT", "WASHINGTON", "WISCONSIN", "WYOMING",
    // products, brands and tech
    "APPLE", "GOOGLE", "MICROSOFT", "FACEBOOK", "META", "NETFLIX", "TESLA", "SAMSUNG", "SONY", "INTEL",
    "NVIDIA", "IBM", "ORACLE", "ADOBE", "UBER", "LYFT", "AIRBNB", "TWITTER", "LINKEDIN", "SLACK", "ZOOM",
    "WINDOWS", "ANDROID", "IPHONE", "IPAD", "MACBOOK", "CHROME", "FIREFOX", "SAFARI", "EXCEL", "WORD",
    "OUTLOOK", "GMAIL", "PAYPAL", "VISA", "MASTERCARD", "AMEX", "FEDEX", "UPS", "DHL", "USPS",
    "WALMART", "TARGET", "COSTCO", "STARBUCKS", "TOYOTA", "HONDA", "FORD", "BMW", "AUDI", "MERCEDES",
    "NISSAN", "VOLVO", "BOEING", "AIRBUS", "DELTA", "UNITED", "SPOTIFY", "YOUTUBE", "INSTAGRAM",
    "TIKTOK", "WHATSAPP", "TELEGRAM", "GITHUB", "GITLAB", "DOCKER", "KUBERNETES", "LINUX", "UBUNTU",
    "PYTHON", "JAVA", "RUST", "GO", "RUBY", "SWIFT", "KOTLIN", "SCALA", "PERL", "JAVASCRIPT",
    "TYPESCRIPT", "REACT", "ANGULAR", "NODE", "AWS", "AZURE", "GCP", "OPENAI", "CHATGPT", "GPT",
    "CLAUDE", "GEMINI", "LLAMA", "MISTRAL", "DAPR", "REDIS", "POSTGRES", "MYSQL", "MONGODB", "KAFKA",
    "GALAXY", "PIXEL", "KINDLE", "ALEXA", "SIRI", "CORTANA", "PLAYSTATION", "XBOX", "NINTENDO", "SWITCH",
    "LEGO", "IKEA", "NIKE", "ADIDAS", "COCA", "COLA", "PEPSI", "VISUAL", "STUDIO", "CODE", "OFFICE",
    "WATCH", "PHONE", "MAX", "MINI", "AIR", "ULTRA", "LITE", "HOME", "CLOUD", "SERVER", "DATABASE",
    "MONEY", "GOLD", "SILVER", "BLACK", "WHITE", "RED", "BLUE", "GREEN", "YELLOW", "ORANGE", "PURPLE",
    "BROWN", "GRAY", "GREY", "PINK", "HAPPY", "MERRY", "LOVE", "HOPE", "FAITH", "JOY", "PEACE", "GOD",
    "LORD", "JESUS", "CHRIST", "BIBLE", "KING", "QUEEN", "PRINCE", "PRINCESS", "DUKE", "POPE",
];
