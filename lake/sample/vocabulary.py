"""Declarative tables the sample generators draw from: names, places, catalogue words, devices, cameras.

Everything here is data; the generators pick from these tables with seeded numpy draws. Weights need not sum
to one (the generators normalise them). Phone formats use ranges set aside for fiction/drama where they exist.
"""

from __future__ import annotations

FIRST_NAMES_FEMALE = (
    "Olivia", "Emma", "Amelia", "Sophia", "Isla", "Mia", "Ava", "Grace", "Chloe", "Freya", "Lily", "Ella",
    "Hannah", "Sofia", "Léa", "Camille", "Lucía", "Martina", "Anna", "Marie", "Elif", "Aisha", "Priya", "Yuki",
    "Ingrid", "Maja", "Clara", "Nora", "Zoe", "Eva",
)  # fmt: skip
FIRST_NAMES_MALE = (
    "Oliver", "Noah", "George", "Leo", "Arthur", "Jack", "Liam", "Lucas", "Ethan", "James", "Hugo", "Louis",
    "Mateo", "Pablo", "Jonas", "Felix", "Emil", "Lars", "Mehmet", "Omar", "Arjun", "Kenji", "Luca", "Marco",
    "Daniel", "Samuel", "Adam", "Henry", "Max", "Theo",
)  # fmt: skip
FIRST_NAMES_NONBINARY = ("Alex", "Sam", "Robin", "Charlie", "Jamie", "Kim", "Noa", "Sasha")
LAST_NAMES = (
    "Smith", "Jones", "Taylor", "Brown", "Williams", "Wilson", "Johnson", "Davies", "Patel", "Robinson",
    "Wright", "Thompson", "Evans", "Walker", "White", "Roberts", "Green", "Hall", "Wood", "Jackson", "Clarke",
    "Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Martin", "Bernard", "Dubois", "Lefèvre", "García",
    "Fernández", "López", "Martínez", "Rossi", "Russo", "Bianchi", "Jansen", "de Vries", "Bakker", "Nilsson",
    "Larsen", "Kowalski", "Nowak", "Yilmaz", "O'Brien", "Murphy", "Kelly", "Tanaka", "Sato", "Miller",
    "Davis", "Anderson", "Moore",
)  # fmt: skip
EMAIL_DOMAINS = ("example.com", "example.net", "example.org", "mail.example", "post.example")

#: gender -> (first-name table, weight)
GENDERS = {
    "female": (FIRST_NAMES_FEMALE, 0.49),
    "male": (FIRST_NAMES_MALE, 0.48),
    "nonbinary": (FIRST_NAMES_NONBINARY, 0.03),
}

#: country -> (weight, cities, phone format with {n} replaced by random digits of that width)
COUNTRIES: dict[str, tuple[float, tuple[str, ...], str, int]] = {
    "United Kingdom": (
        0.30,
        ("London", "Manchester", "Leeds", "Bristol", "Edinburgh"),
        "+44 20 7946 0{n}",
        3,
    ),
    "United States": (0.22, ("New York", "Chicago", "Austin", "Seattle", "Boston"), "+1 202 555 01{n}", 2),
    "Germany": (0.14, ("Berlin", "Hamburg", "Munich", "Cologne"), "+49 30 9018 2{n}", 3),
    "France": (0.10, ("Paris", "Lyon", "Marseille", "Toulouse"), "+33 1 99 00 {n}", 4),
    "Spain": (0.08, ("Madrid", "Barcelona", "Valencia", "Seville"), "+34 91 000 {n}", 4),
    "Netherlands": (0.06, ("Amsterdam", "Rotterdam", "Utrecht"), "+31 20 000 {n}", 4),
    "Ireland": (0.05, ("Dublin", "Cork", "Galway"), "+353 20 913 {n}", 4),
    "Sweden": (0.05, ("Stockholm", "Gothenburg", "Malmö"), "+46 8 465 0{n}", 3),
}

#: customer segments in the style of the Mall Customers data:
#: name -> (weight, income mean k$, income sd, score mean, score sd, age mean, age sd)
SEGMENTS: dict[str, tuple[float, float, float, float, float, float, float]] = {
    "careful": (0.14, 26, 7, 20, 8, 45, 12),
    "careless": (0.14, 25, 7, 79, 8, 25, 5),
    "standard": (0.38, 55, 8, 50, 6, 42, 14),
    "sensible": (0.17, 88, 10, 17, 8, 41, 10),
    "target": (0.17, 86, 10, 82, 7, 32, 4),
}
#: loyalty tier by spending-score bound (upper bounds, exclusive; last tier takes the rest)
LOYALTY_TIERS = (("bronze", 40), ("silver", 65), ("gold", 85), ("platinum", 101))

#: category -> (code, weight, median list price, nouns)
CATEGORIES: dict[str, tuple[str, float, float, tuple[str, ...]]] = {
    "apparel": ("APP", 0.25, 35.0, ("T-Shirt", "Hoodie", "Jacket", "Jeans", "Dress", "Scarf")),
    "shoes": ("SHO", 0.12, 80.0, ("Sneakers", "Boots", "Sandals", "Loafers")),
    "electronics": ("ELE", 0.15, 120.0, ("Headphones", "Speaker", "Charger", "Smartwatch", "Keyboard")),
    "home": ("HOM", 0.18, 45.0, ("Mug", "Lamp", "Cushion", "Blanket", "Vase", "Kettle")),
    "beauty": ("BEA", 0.10, 20.0, ("Lip Balm", "Face Cream", "Shampoo", "Perfume")),
    "sports": ("SPO", 0.12, 55.0, ("Yoga Mat", "Water Bottle", "Dumbbells", "Running Cap")),
    "toys": ("TOY", 0.08, 25.0, ("Puzzle", "Building Set", "Plush Bear", "Board Game")),
}
ADJECTIVES = ("Classic", "Urban", "Essential", "Premium", "Eco", "Compact", "Vintage", "Bold", "Soft", "Pro")
BRANDS = ("Northwind", "Contoso", "Fabrikam", "Tailspin", "Litware", "Adatum", "Proseware", "Woodgrove")

ORDER_STATUS = {"delivered": 0.62, "shipped": 0.10, "placed": 0.08, "cancelled": 0.10, "returned": 0.10}
ORDER_CHANNEL = {"web": 0.5, "app": 0.3, "store": 0.2}

EVENT_TYPES = {"page_view": 0.55, "search": 0.2, "add_to_cart": 0.15, "purchase": 0.1}
#: device type -> (weight, operating systems, app versions; empty = web, app_version is null)
DEVICES: dict[str, tuple[float, tuple[str, ...], tuple[str, ...]]] = {
    "web": (0.5, ("Windows 11", "macOS 15", "Linux", "ChromeOS"), ()),
    "ios": (0.28, ("iOS 18.6", "iOS 19.1", "iPadOS 19.1"), ("5.1.0", "5.2.0", "5.2.1")),
    "android": (0.22, ("Android 15", "Android 16"), ("5.0.3", "5.1.0", "5.2.1")),
}
REFERRERS = (
    "https://www.google.com/search?q=shop+example", "https://www.bing.com/search?q=example+shop+sale",
    "https://duckduckgo.com/?q=example+shop", "https://www.instagram.com/", "https://l.facebook.com/",
    "https://news.example.com/weekly/2026/best-buys", "https://shop.example.com/",
)  # fmt: skip
#: utm_source -> utm_medium, for campaign landing pages
UTM_SOURCES = {
    "newsletter": "email",
    "instagram": "social",
    "facebook": "social",
    "google": "cpc",
    "partner_blog": "referral",
}
SEARCH_TERMS = ("red dress", "wireless headphones", "yoga", "gift for dad", "lamp", "running shoes", "mug")
CAMPAIGNS = ("spring_sale", "newsletter_2026_04", "influencer_summer", "retargeting", "app_install")
SHOP_URL = "https://shop.example.com"

#: cameras for image EXIF: (make, model)
CAMERAS = (
    ("Canon", "EOS R6"), ("Nikon", "Z 6II"), ("Sony", "ILCE-7M4"), ("FUJIFILM", "X-T5"),
    ("Apple", "iPhone 16 Pro"), ("Google", "Pixel 9"),
)  # fmt: skip
#: where the product photos were taken (lat, lon), for the GPS tags
STUDIOS = (
    (51.5246, -0.0786),
    (52.5200, 13.4050),
    (40.7128, -74.0060),
    (48.8566, 2.3522),
    (-33.8688, 151.2093),
)
