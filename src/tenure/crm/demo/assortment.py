"""What the demo shop sells: a two-level category tree and about 200 products."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

SKU_PREFIX = "DEMO-"

# top category -> subcategory -> (code, product kinds, brands, price range, margin range)
TREE: dict[str, dict[str, tuple]] = {
    "TV & Video": {
        "Televisions": ("TV", ['55" 4K Smart TV', '43" Full HD TV', '65" QLED TV', '50" 4K TV'],
                        ["Samsung", "LG", "Sony", "Philips", "TCL"], (280, 1600), (0.12, 0.2)),
        "Projectors": ("PRJ", ["Home Cinema Projector", "Portable Mini Projector"],
                       ["Epson", "BenQ", "XGIMI"], (180, 1200), (0.15, 0.25)),
        "TV Accessories": ("TVA", ["Wall Mount", "HDMI 2.1 Cable 2 m", "Universal Remote"],
                           ["Vogel's", "Belkin", "Hama"], (9, 90), (0.4, 0.6)),
    },
    "Audio": {
        "Headphones": ("HP", ["Wireless Earbuds", "Noise-Cancelling Headphones", "Sport Earphones"],
                       ["Sony", "JBL", "Apple", "Sennheiser", "Xiaomi"], (25, 380), (0.25, 0.4)),
        "Speakers": ("SPK", ["Bluetooth Speaker", "Smart Speaker", "Soundbar 3.1"],
                     ["JBL", "Marshall", "Bose", "Yamaha"], (40, 700), (0.2, 0.35)),
    },
    "Computers": {
        "Laptops": ("NB", ['14" Ultrabook', '15.6" Laptop', '16" Gaming Laptop'],
                    ["Lenovo", "ASUS", "HP", "Acer", "Apple"], (450, 2400), (0.08, 0.15)),
        "Monitors": ("MON", ['27" QHD Monitor', '24" IPS Monitor', '34" Curved Monitor'],
                     ["Dell", "LG", "AOC", "Samsung"], (120, 700), (0.12, 0.2)),
        "Peripherals": ("PER", ["Wireless Mouse", "Mechanical Keyboard", "USB-C Hub", "Webcam HD"],
                        ["Logitech", "Razer", "Ugreen", "A4Tech"], (12, 160), (0.35, 0.55)),
    },
    "Phones & Tablets": {
        "Smartphones": ("PH", ["Smartphone 128 GB", "Smartphone 256 GB"],
                        ["Samsung", "Apple", "Xiaomi", "Motorola", "Google"], (160, 1400),
                        (0.07, 0.14)),
        "Tablets": ("TAB", ['Tablet 10.9"', 'Tablet 8.7"'], ["Apple", "Samsung", "Lenovo"],
                    (140, 1100), (0.08, 0.15)),
        "Phone Accessories": ("PA", ["Fast Charger 30 W", "Power Bank 20000 mAh", "Phone Case",
                                     "Screen Protector"], ["Anker", "Baseus", "Spigen", "Ugreen"],
                              (7, 70), (0.45, 0.65)),
    },
    "Kitchen Appliances": {
        "Coffee Machines": ("COF", ["Espresso Machine", "Capsule Coffee Maker",
                                    "Drip Coffee Maker"],
                            ["De'Longhi", "Philips", "Krups", "Nespresso"], (60, 900), (0.2, 0.32)),
        "Small Appliances": ("KA", ["Air Fryer", "Blender", "Electric Kettle", "Toaster",
                                    "Multicooker"],
                             ["Philips", "Tefal", "Bosch", "Xiaomi", "Moulinex"],
                             (20, 260), (0.25, 0.4)),
        "Cookware": ("CW", ["Frying Pan 28 cm", "Saucepan Set", "Knife Set"],
                     ["Tefal", "Fissler", "Tramontina"], (15, 220), (0.35, 0.55)),
    },
    "Home Appliances": {
        "Vacuum Cleaners": ("VAC", ["Robot Vacuum", "Cordless Stick Vacuum", "Bagless Vacuum"],
                            ["Dyson", "Roborock", "Xiaomi", "Rowenta"], (90, 800), (0.15, 0.28)),
        "Washing & Drying": ("WM", ["Front-Load Washer 8 kg", "Heat-Pump Dryer 9 kg"],
                             ["Bosch", "Electrolux", "LG", "Samsung"], (350, 1100), (0.12, 0.2)),
        "Climate": ("CLM", ["Air Purifier", "Oil Heater", "Humidifier", "Desk Fan"],
                    ["Philips", "Xiaomi", "Rowenta", "Delonghi"], (25, 420), (0.25, 0.4)),
    },
    "Home & Living": {
        "Lighting": ("LGT", ["LED Bulb E27 4-pack", "Smart Desk Lamp", "LED Strip 5 m"],
                     ["Philips Hue", "Xiaomi", "Ikea", "Osram"], (8, 120), (0.4, 0.6)),
        "Bedding": ("BED", ["Duvet 200x220", "Pillow Set", "Cotton Bed Linen Set"],
                    ["Ideia", "Othello", "Home Line"], (18, 140), (0.45, 0.6)),
        "Storage": ("STO", ["Storage Box Set", "Shoe Rack", "Laundry Basket"],
                    ["Curver", "Ikea", "Tontarelli"], (7, 65), (0.45, 0.65)),
    },
    "Smart Home & Gaming": {
        "Smart Home": ("SH", ["Smart Plug", "Wi-Fi Camera", "Smart Thermostat", "Door Sensor"],
                       ["TP-Link", "Xiaomi", "Aqara", "Ajax"], (12, 220), (0.3, 0.5)),
        "Consoles": ("GC", ["Game Console", "Handheld Console"], ["Sony", "Nintendo", "Microsoft"],
                     (250, 650), (0.06, 0.12)),
        "Gaming Accessories": ("GA", ["Wireless Controller", "Gaming Headset", "Charging Dock"],
                               ["Sony", "HyperX", "Logitech", "8BitDo"], (20, 180), (0.3, 0.45)),
    },
}


@dataclass
class Assortment:
    """Products as parallel arrays; ``top`` indexes ``TREE``'s top categories."""

    sku: list[str]
    name: list[str]
    path: list[tuple[str, str]]
    top: np.ndarray
    price: np.ndarray  # cents
    cost: np.ndarray  # cents
    popularity: np.ndarray  # sums to 1


def draw_assortment(rng) -> Assortment:
    """Return about 200 products with prices, costs and a skewed popularity."""
    rows = []
    for top, subs in enumerate(TREE.values()):
        for sub, spec in subs.items():
            rows += [(top, sub, *product) for product in draw_products(rng, spec)]
    top_names = list(TREE)
    top = np.array([r[0] for r in rows])
    price = np.array([r[4] for r in rows])
    rank = rng.permutation(len(rows))
    # Zipf-like: a few hits sell most; cheap things sell more often.
    weight = 1.0 / (rank + 8.0) ** 1.1 / (price / 100.0) ** 0.35
    return Assortment(
        sku=[r[2] for r in rows], name=[r[3] for r in rows],
        path=[(top_names[r[0]], r[1]) for r in rows], top=top, price=price,
        cost=np.array([r[5] for r in rows]), popularity=weight / weight.sum(),
    )


def draw_products(rng, spec: tuple) -> list[tuple[str, str, int, int]]:
    """Return (sku, name, price cents, cost cents) for one subcategory's products."""
    code, kinds, brands, (low, high), (min_margin, max_margin) = spec
    products, seen = [], set()
    for i in range(int(rng.integers(7, 11))):
        kind, brand = kinds[i % len(kinds)], brands[int(rng.integers(len(brands)))]
        model = f"{chr(65 + int(rng.integers(26)))}{int(rng.integers(10, 990))}"
        if (kind, brand, model) in seen:
            continue
        seen.add((kind, brand, model))
        price = shelf_price(np.exp(rng.uniform(np.log(low), np.log(high))))
        margin = rng.uniform(min_margin, max_margin)
        sku = f"{SKU_PREFIX}{code}-{len(products) + 1:03d}"
        products.append((sku, f"{brand} {kind} {model}", price, round(price * (1 - margin))))
    return products


def shelf_price(value: float) -> int:
    """Return ``value`` as a shelf price in cents ending in 9 (14.99, 149, 1 299)."""
    if value < 100:
        return int(np.ceil(value)) * 100 - 1
    if value < 1000:
        return int(np.ceil(value / 10) * 10 - 1) * 100
    return int(np.ceil(value / 100) * 100 - 1) * 100
