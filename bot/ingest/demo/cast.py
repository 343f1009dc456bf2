"""The demo MSP's clients (tenants), their people and their devices.

Everything here is invented. Names, IPs (RFC 5737 documentation ranges for public
addresses) and domains are fictional. `TENANTS` is the single source for
tenants.yaml and for the generator's context (which devices a ticket may be on,
who the contact is, which RMM sends the alerts).
"""

from __future__ import annotations

from .outage import ACME_TOPOLOGY

ENGINEERS_L1 = ["Sam Patel (L1)", "Jordan Reyes (L1)", "Priya Nair (L1)", "Tyler Brooks (L1)"]
ENGINEERS_L2 = ["Alex Romero (L2)", "Chris Dunn (L2)", "Nadia Haddad (L2)"]
ENGINEER_L3 = "Owen Fitzgerald (L3)"


def _ws(prefix: str, count: int, start: int = 1, width: int = 2) -> list[str]:
    return [f"{prefix}{i:0{width}d}" for i in range(start, start + count)]


TENANTS: list[dict] = [
    {
        "id": "acme",
        "name": "Acme Dental Group",
        "aliases": ["Acme", "ACME Dental"],
        "channels": {"slack": ["C0ACME01", "C0ACMENOC"], "teams": ["19:acme-ops@thread.tacv2"]},
        "domain": "acmedental.example",
        "sources": {"rmm": "ninjaone", "backup": "veeam", "net": "meraki", "edr": "defender"},
        "contact": "Dana Whitfield",
        "contacts": ["Dana Whitfield", "Tasha Greene", "Luis Ortega", "Dr. Raj Mehta"],
        "users": [
            "Brianna Cole",
            "Dr. Susan Park",
            "Kevin Alvarez",
            "Maria Lopes",
            "Hannah Ruiz",
            "Jake Thornton",
            "Dr. Omar Haddad",
            "Lindsey Ward",
            "Tasha Greene",
            "Nicole Baptiste",
        ],
        "sites": ["Main St", "Elm St", "Oak Park", "Westgate"],
        "lob": "Denticore",
        "devices": {
            "dc": ["DC01", "DC02", "DC03"],
            "file": ["ACME-FS01"],
            "app": ["ACME-APP01"],
            "backup": ["ACME-VBR01"],
            "nas": ["ACME-NAS01"],
            "hv": ["ACME-HV01"],
            "fw": ["ACME-HQ-MX", "ACME-ELM-MX", "ACME-OAK-MX", "ACME-WG-MX"],
            "ws": _ws("ACME-MS-WS", 20)
            + _ws("ACME-ELM-WS", 10)
            + _ws("ACME-ELM-OP", 6)
            + _ws("ACME-OAK-WS", 10)
            + _ws("ACME-WG-WS", 12),
            "printer": ["ACME-ELM-PRN01", "ACME-MS-RICOH"],
        },
        "printers": {
            "Front Desk HP": ("ACME-ELM-PRN01", "10.12.20.45"),
            "Main St Ricoh": ("ACME-MS-RICOH", "10.12.10.60"),
        },
        "jobs": ["Nightly-FS", "Denticore-SQL", "DC-SystemState"],
        "job_hosts": {"Nightly-FS": "ACME-FS01", "Denticore-SQL": "ACME-APP01", "DC-SystemState": "DC02"},
        "subnet": "10.12",
    },
    {
        "id": "harbor-law",
        "name": "Harbor & Finch LLP",
        "aliases": ["Harbor & Finch", "Harbor Finch", "H&F"],
        "channels": {"slack": ["C0HARBOR1"], "teams": ["19:harborfinch-it@thread.tacv2"]},
        "domain": "harborfinch.example",
        "sources": {"rmm": "ninjaone", "net": "meraki", "edr": "defender"},
        "contact": "Marcus Oyelaran",
        "contacts": ["Marcus Oyelaran", "Evelyn Finch", "Colleen Hart"],
        "users": [
            "Evelyn Finch",
            "Daniel Osei",
            "Rachel Kim",
            "Thomas Whitaker",
            "Sofia Marchetti",
            "Grant Halvorsen",
            "Colleen Hart",
            "Ben Adler",
            "Naomi Feld",
            "Curtis Bell",
        ],
        "sites": ["Water St office"],
        "lob": "LexTrack",
        "devices": {
            "fw": ["HF-MX01"],
            "ws": _ws("HF-LT-0", 45, width=2),
            "printer": ["HF-CANON-12F", "HF-BROTHER-RCP"],
        },
        "printers": {
            "12F Canon": ("HF-CANON-12F", "10.60.1.40"),
            "Reception Brother": ("HF-BROTHER-RCP", "10.60.1.41"),
        },
        "jobs": [],
        "job_hosts": {},
        "subnet": "10.60",
    },
    {
        "id": "ridgeline",
        "name": "Ridgeline Manufacturing",
        "aliases": ["Ridgeline", "Ridgeline Mfg"],
        "channels": {"slack": ["C0RIDGE01", "C0RIDGENOC"], "teams": ["19:ridgeline-ops@thread.tacv2"]},
        "domain": "ridgeline-mfg.example",
        "sources": {"rmm": "datto-rmm", "backup": "veeam", "net": "datto-rmm", "edr": "defender"},
        "contact": "Gary Kowalski",
        "contacts": ["Gary Kowalski", "Linda Pham", "Dave Brennan"],
        "users": [
            "Mike Sorensen",
            "Angela Pruitt",
            "Tom Becker",
            "Rosa Delgado",
            "Jim Halloran",
            "Katie Voss",
            "Ray Lindqvist",
            "Dave Brennan",
            "Linda Pham",
            "Eric Nakamura",
        ],
        "sites": ["HQ", "Plant 2"],
        "lob": "FabriTrack",
        "devices": {
            "dc": ["DC01", "PLT-DC02"],
            "file": ["RL-FS01"],
            "app": ["RL-ERP01"],
            "backup": ["RL-VBR01"],
            "nas": ["RL-NAS01"],
            "hv": ["RL-PVE01", "RL-PVE02"],
            "fw": ["RL-HQ-FW01", "RL-PLT-FW01"],
            "ws": _ws("RL-HQ-WS", 24) + _ws("RL-PLT-WS", 12) + _ws("RL-MES-", 10),
            "printer": ["RL-HQ-XEROX", "RL-PLT-SHIPPING"],
        },
        "printers": {
            "HQ Xerox": ("RL-HQ-XEROX", "10.30.1.50"),
            "Shipping Zebra": ("RL-PLT-SHIPPING", "10.31.1.35"),
        },
        "jobs": ["Nightly-VMs", "ERP-SQL", "PlantDC-Agent", "Offsite-Wasabi"],
        "job_hosts": {
            "Nightly-VMs": "RL-PVE01",
            "ERP-SQL": "RL-ERP01",
            "PlantDC-Agent": "PLT-DC02",
            "Offsite-Wasabi": "RL-VBR01",
        },
        "subnet": "10.30",
    },
    {
        "id": "tidewater",
        "name": "Tidewater Veterinary Partners",
        "aliases": ["Tidewater Vet", "Tidewater"],
        "channels": {"slack": ["C0TIDEVET"], "teams": ["19:tidewater-vet@thread.tacv2"]},
        "domain": "tidewatervet.example",
        "sources": {"rmm": "datto-rmm", "net": "meraki", "edr": "defender"},
        "contact": "Renee Castillo",
        "contacts": ["Renee Castillo", "Jess Moreau", "Dr. Alan Ives"],
        "users": [
            "Kayla Henson",
            "Dr. Priya Raman",
            "Marcus Dell",
            "Shauna Price",
            "Tyrone Fields",
            "Jess Moreau",
            "Dr. Alan Ives",
            "Amber Quinn",
            "Lena Ortiz",
            "Cody Watts",
        ],
        "sites": ["Bayside", "Northgate", "Harlow Creek"],
        "lob": "VetBase",
        "devices": {
            "dc": ["TW-SRV01"],
            "file": ["TW-SRV01"],
            "app": ["TW-IMG01"],
            "fw": ["TW-BAY-MX", "TW-NG-MX", "TW-HC-MX"],
            "ws": _ws("TW-BAY-", 14) + ["TW-BAY-RX01"] + _ws("TW-NG-", 10) + _ws("TW-HC-", 8),
            "printer": ["TW-BAY-ZEBRA1", "TW-NG-ZEBRA1", "TW-HC-ZEBRA1", "TW-BAY-HP"],
        },
        "printers": {
            "Bayside Rx Zebra": ("TW-BAY-ZEBRA1", "USB"),
            "Northgate Rx Zebra": ("TW-NG-ZEBRA1", "USB"),
            "Bayside front HP": ("TW-BAY-HP", "10.50.1.30"),
        },
        "jobs": [],
        "job_hosts": {},
        "subnet": "10.50",
    },
    {
        "id": "beacon-cpa",
        "name": "Beacon & Rowe CPAs",
        "aliases": ["Beacon & Rowe", "Beacon Rowe", "BRCPA"],
        "channels": {"slack": ["C0BEACON1"], "teams": ["19:beacon-rowe@thread.tacv2"]},
        "domain": "beaconrowe.example",
        "sources": {"rmm": "datto-rmm", "backup": "veeam", "net": "datto-rmm", "edr": "defender"},
        "contact": "Keisha Brandt",
        "contacts": ["Keisha Brandt", "Howard Rowe", "Mia Santos"],
        "users": [
            "Mia Santos",
            "Howard Rowe",
            "Greg Lundy",
            "Tanya Okoro",
            "Phil Strand",
            "Yvonne Tate",
            "Carlos Medina",
            "Erin Walsh",
            "Sunil Rao",
            "Keisha Brandt",
        ],
        "sites": ["Office"],
        "lob": "QuickBooks",
        "devices": {
            "dc": ["BR-DC1"],
            "file": ["BR-FS01"],
            "app": ["BR-RDS01"],
            "backup": ["BR-BKP01"],
            "hv": ["BR-HV01"],
            "fw": ["BR-FW01"],
            "ws": _ws("BR-WS", 20),
            "printer": ["BR-MFP01"],
        },
        "printers": {"Office Sharp MFP": ("BR-MFP01", "10.70.1.25")},
        "jobs": ["Servers-Nightly", "QB-Hourly"],
        "job_hosts": {"Servers-Nightly": "BR-FS01", "QB-Hourly": "BR-FS01"},
        "subnet": "10.70",
    },
    {
        "id": "stmarks",
        "name": "St. Mark's Academy",
        "aliases": ["St Marks", "St. Mark's", "SMA"],
        "channels": {"slack": ["C0STMARKS"], "teams": ["19:stmarks-tech@thread.tacv2"]},
        "domain": "stmarks-academy.example",
        "sources": {"rmm": "ninjaone", "net": "meraki", "edr": "defender"},
        "contact": "Janet Okafor",
        "contacts": ["Janet Okafor", "Paul Dimitriou", "Carla Nguyen"],
        "users": [
            "Mrs. Helen Brooks",
            "Mr. David Lee",
            "Ms. Amara Diallo",
            "Sr. Margaret Flynn",
            "Ms. Rebecca Stone",
            "Mr. Luis Fernandez",
            "Carla Nguyen",
            "Paul Dimitriou",
            "Ms. Jenna Walsh",
            "Coach Ryan Mills",
        ],
        "sites": ["Main building", "Annex"],
        "lob": "PaperCut",
        "devices": {
            "app": ["SMA-PRT01"],
            "fw": ["SMA-MX01"],
            "ap": ["SMA-MR-GYM", "SMA-MR-LIB", "SMA-MR-ANNEX2", "SMA-MR-CAF"],
            "ws": _ws("SMA-LT-0", 60, width=2),
            "printer": ["SMA-KYO-OFFICE", "SMA-KYO-LIBRARY", "SMA-KYO-WORKROOM"],
        },
        "printers": {
            "Office Kyocera": ("SMA-KYO-OFFICE", "10.40.1.50"),
            "Library Kyocera": ("SMA-KYO-LIBRARY", "10.40.1.51"),
            "Workroom Kyocera": ("SMA-KYO-WORKROOM", "10.40.1.52"),
        },
        "jobs": [],
        "job_hosts": {},
        "subnet": "10.40",
    },
]

BY_ID = {t["id"]: t for t in TENANTS}


def first_name(person: str) -> str:
    """'Dr. Raj Mehta' -> 'Dr. Mehta', 'Dana Whitfield' -> 'Dana', 'Mrs. Helen Brooks' -> 'Mrs. Brooks'."""
    parts = person.split()
    if parts[0] in {"Dr.", "Mrs.", "Mr.", "Ms.", "Sr.", "Coach"}:
        return f"{parts[0]} {parts[-1]}"
    return parts[0]


def tenants_yaml_doc() -> dict:
    """The public tenants.yaml content: only fields defined by DATASET.md (Acme's sites and
    dependencies: the optional topology, bot/ingest/demo/outage.py)."""
    return {
        "tenants": [
            {
                "id": t["id"],
                "name": t["name"],
                "aliases": list(t["aliases"]),
                "channels": {"slack": list(t["channels"]["slack"]), "teams": list(t["channels"]["teams"])},
                **(ACME_TOPOLOGY if t["id"] == "acme" else {}),
            }
            for t in TENANTS
        ]
    }
