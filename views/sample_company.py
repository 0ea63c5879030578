"""A sample company for `icm demo`: one fiscal year of a mid-sized sales organisation as CSV.

Why a generator rather than checked-in files: the demo must show every mechanism of the engine
at once (marginal tiers and caps, payout curves, overrides through a two-level hierarchy, split
and SDR credit, deals in two currencies, a mid-year hire on a recoverable draw, a clawback, a
manual adjustment) on data big enough to look real (2,000+ deals), and a short program is
easier to review and change than thousands of rows. It uses only ``random.Random(seed)`` and
integer money arithmetic, so one seed always gives byte-identical files.

The company, FY2026 (the calendar year): a VP of sales over five first-line managers on
`sales-manager-override`; enterprise AEs in US East, US West and EMEA on `enterprise-ae` (the
EMEA team sells in EUR, converted to the plan's USD at the week's rate, and has EUR as its
payroll currency), two of US West on `holdback-70-30` (70% of a deal's commission at once,
30% 90 days on, a SPIFF when the customer goes live); a commercial team half on
`target-incentive-curve` and half on `quarterly-accelerators` (accelerators judged each
quarter, gated on the year to date); SDRs on `sdr`, whose accepted
opportunities are zero-amount deal rows and who hold a 20% `sdr` credit on the new business
they sourced; and a new hire on `new-hire-ramp` from 2026-06-16. One AE changes team on
2026-07-01. Quotas are set from the year's bookings so that attainment spreads from about 30%
to 180%. The plans are the package's reference plans (`plans/`), never copied.

`emea-account-executive.yaml` is not used: its fiscal year starts in February, so its quarters
are 2027-Q1..2027-Q4 and a calendar 2026 demo would close none of them.
"""
from __future__ import annotations

import bisect
import csv
import datetime
import io
import random
from dataclasses import dataclass
from pathlib import Path

from ledger.kinds import SPECS
from rules_dsl.deal_fields import STORED
from views.files import make_folder, write_file
from plans import reference_plan

FISCAL_YEAR = 2026
PLANS = ("enterprise-ae", "target-incentive-curve", "sales-manager-override", "sdr",
         "new-hire-ramp", "quarterly-accelerators", "holdback-70-30")
# the input kinds the company has, fx rates before the deals (the order the demo imports and
# prints them in); it has no payments or metrics: none of its plans reads them
KINDS = tuple(sorted((kind for kind in SPECS if kind not in ("payments", "metrics")),
                     key=lambda kind: kind in ("deals", "credits")))
# deal fields the sample plans declare
DEAL_EXTRAS = ("region", "name", "account", "stage", "inbound", "go_live")
DEAL_KINDS = {"new": "new business", "expansion": "expansion", "renewal": "renewal",
              "opportunity": "opportunity"}  # a deal's name: "Security expansion"
START, END = datetime.date(FISCAL_YEAR, 1, 1), datetime.date(FISCAL_YEAR, 12, 31)
DOMAIN = "example.com"

VP = ("vp-sales", "Margaret Chen")
# manager id: (name, region of the team, the reps' deal currency, manager's target incentive)
MANAGERS = {
    "mgr-east": ("Daniel Okafor", "US-East", "USD", 95_000),
    "mgr-west": ("Priya Raman", "US-West", "USD", 95_000),
    "mgr-emea": ("Zoë Lefèvre", "EMEA", "EUR", 90_000),
    "mgr-comm": ("Tom Becker", "US-Central", "USD", 55_000),
    "mgr-sdr": ("Alicia Torres", "US-Central", "USD", 25_000),
}
# rep id, name, manager, plan (the non-ASCII and apostrophe names exercise escaping downstream)
REPS = (
    ("ae-e1", "Siobhán O'Brien", "mgr-east", "enterprise-ae"),
    ("ae-e2", "James Carter", "mgr-east", "enterprise-ae"),
    ("ae-e3", "Laura Kim", "mgr-east", "enterprise-ae"),
    ("ae-e4", "Michael Brooks", "mgr-east", "enterprise-ae"),
    ("ae-e5", "Rachel Nguyen", "mgr-east", "enterprise-ae"),
    ("ae-w1", "Kevin D'Souza", "mgr-west", "enterprise-ae"),
    ("ae-w2", "Emily Foster", "mgr-west", "enterprise-ae"),
    ("ae-w3", "Carlos Mendoza", "mgr-west", "enterprise-ae"),
    ("ae-w4", "Hannah Price", "mgr-west", "holdback-70-30"),
    ("ae-w5", "Ryan Patel", "mgr-west", "holdback-70-30"),
    ("ae-w6", "Grace Liu", "mgr-west", "new-hire-ramp"),
    ("ae-m1", "Jürgen Müller", "mgr-emea", "enterprise-ae"),
    ("ae-m2", "Sophie Martin", "mgr-emea", "enterprise-ae"),
    ("ae-m3", "Lars Andersson", "mgr-emea", "enterprise-ae"),
    ("ae-m4", "Chloe Dubois", "mgr-emea", "enterprise-ae"),
    ("ae-c1", "Ben Harris", "mgr-comm", "target-incentive-curve"),
    ("ae-c2", "Olivia Reed", "mgr-comm", "target-incentive-curve"),
    ("ae-c3", "Nathan Scott", "mgr-comm", "quarterly-accelerators"),
    ("ae-c4", "Maya Johnson", "mgr-comm", "quarterly-accelerators"),
    ("sdr-1", "Ethan Walsh", "mgr-sdr", "sdr"),
    ("sdr-2", "Ava Thompson", "mgr-sdr", "sdr"),
    ("sdr-3", "Noah Green", "mgr-sdr", "sdr"),
    ("sdr-4", "Isabella Rossi", "mgr-sdr", "sdr"),
    ("sdr-5", "Liam Murphy", "mgr-sdr", "sdr"),
)
NEW_HIRE, HIRE_DATE = "ae-w6", datetime.date(FISCAL_YEAR, 6, 16)
TRANSFER = ("ae-e5", "mgr-west", datetime.date(FISCAL_YEAR, 7, 1))  # changes team mid-year
ADJUSTMENT = ("ae-e2", f"{FISCAL_YEAR}-Q3", "-250.00 USD",
              "Recover a new-logo SPIFF paid twice on one customer")

TARGET_INCENTIVES = {"enterprise-ae": (70_000, 75_000, 80_000, 85_000, 90_000),
                     "holdback-70-30": (70_000, 75_000, 80_000),
                     "target-incentive-curve": (40_000, 45_000, 50_000),
                     "quarterly-accelerators": (40_000, 45_000, 50_000),
                     "sdr": (24_000, 27_000, 30_000), "new-hire-ramp": (60_000,)}
QUOTA_PER_TI = {"enterprise-ae": 12.5, "holdback-70-30": 12.5,  # nominal quota / TI
                "target-incentive-curve": 15, "quarterly-accelerators": 15}
ENTERPRISE = ("enterprise-ae", "holdback-70-30")  # the plans of the enterprise segment
GO_LIVE_DAYS = (14, 120)  # from a new deal's date to its customer's go-live
# Attainment (percent) each quota carrier is steered to; the spread fills the KPI bands.
ENTERPRISE_ATTAINMENT = tuple(30 + 150 * i // 13 for i in range(14))  # 30% .. 180%
COMMERCIAL_ATTAINMENT = (62, 94, 118, 156)
SDR_ATTAINMENT = (45, 80, 100, 125, 150)
MANAGER_ATTAINMENT = (85, 95, 105, 115, 130)
SDR_MONTHLY_OPPS = 12
NEW_HIRE_MONTHLY_QUOTA = 70_000
NEW_HIRE_RAMP = {6: 25, 7: 50, 8: 75}  # percent of the full monthly quota, then 100%
NEW_HIRE_PACE = {7: 60, 8: 110, 9: 80, 10: 120, 11: 95, 12: 140}  # percent of each quota

# Deal sizes in whole units of the deal's currency, by segment and kind.
SIZES = {("enterprise", "new"): (15_000, 125_000), ("enterprise", "expansion"): (3_000, 35_000),
         ("enterprise", "renewal"): (4_000, 90_000), ("enterprise", "services"): (3_000, 40_000),
         ("commercial", "new"): (5_000, 40_000), ("commercial", "expansion"): (2_000, 20_000),
         ("commercial", "renewal"): (2_000, 30_000)}
RENEWALS = {"enterprise": (60, 80), "commercial": (70, 90)}  # renewal deals per rep
SERVICES = (10, 20)  # professional-services deals per enterprise AE
NEW_SHARE = 0.3  # of bookings deals that land a new customer
SDR_SOURCED, SPLIT = 0.35, 0.06  # shares of new deals with an SDR credit; of bookings split
CANCELLED_SHARE = 0.01
PRODUCTS = ("platform", "analytics", "security")
MONTH_WEIGHTS = (6, 7, 10, 6, 7, 10, 6, 6, 10, 7, 8, 13)  # quarter ends are busy
EMEA_REGIONS = ("DACH", "Nordics", "UKI", "France", "Benelux")
CUSTOMER_NAMES = ("Northwind", "Blue Harbor", "Summit", "Ironwood", "Crescent", "Baker & Sons",
                  "O'Reilly", "Müller", "Keystone", "Redfern", "Lakeside", "Silverline",
                  "Granite Peak", "Harbor & Hill", "Brightwater", "Falcon", "Evergreen",
                  "Nordlicht", "Côte d'Azur", "Pinecrest")
CUSTOMER_KINDS = ("Logistics", "Health", "Foods", "Bank", "Insurance", "Retail", "Energy",
                  "Systems", "Group", "Manufacturing")


@dataclass(frozen=True)
class SampleCompany:
    plan_files: tuple[Path, ...]
    csv_files: tuple[tuple[str, Path], ...]  # (kind, file) in import order
    fiscal_year: int
    adjustment: tuple[str, str, str, str]  # payee, period, amount "-250.00 USD", reason
    periods: tuple[str, ...]  # to close in this order (each length in its own order)
    new_hire: str
    cancelled_deal: str  # paid in Q1, cancelled in Q2 within the clawback window


def write_sample_company(directory: Path, seed: int = 2026) -> SampleCompany:
    """Write the six CSV files of the sample company into ``directory``."""
    directory = Path(directory)
    make_folder(directory)
    rng = random.Random(seed)
    rates = _fx_rates(rng)
    company = _Company(rng, rates)
    company.generate()
    tables = {"payees": company.payees(), "assignments": company.assignments(),
              "quotas": company.quotas(), "fx": _fx_rows(rates),
              "deals": company.deal_rows(), "credits": company.credit_rows()}
    files = []
    for kind in KINDS:
        path = directory / f"{kind}.csv"
        text = io.StringIO()
        csv.writer(text, lineterminator="\n").writerows(tables[kind])
        write_file(path, text.getvalue())
        files.append((kind, path))
    months = [f"{FISCAL_YEAR}-{m:02d}" for m in range(1, 13)]
    periods = [p for q in range(4) for p in months[3 * q:3 * q + 3] + [f"{FISCAL_YEAR}-Q{q + 1}"]]
    return SampleCompany(tuple(reference_plan(p) for p in PLANS), tuple(files),
                         FISCAL_YEAR, ADJUSTMENT, tuple(periods), NEW_HIRE,
                         company.cancelled_id)


# -- money, dates, FX --------------------------------------------------------------------


def _money(cents: int) -> str:
    return f"{'-' if cents < 0 else ''}{abs(cents) // 100}.{abs(cents) % 100:02d}"


def _day_in(rng: random.Random, month: int) -> datetime.date:
    last = (datetime.date(FISCAL_YEAR + month // 12, month % 12 + 1, 1)
            - datetime.timedelta(days=1)).day
    return datetime.date(FISCAL_YEAR, month, rng.randint(1, last))


def _fx_rates(rng: random.Random) -> list[tuple[datetime.date, int]]:
    """Weekly EUR->USD rates in ten-thousandths, a gentle random walk around 1.08."""
    rates, rate, day = [], 10_850, START
    while day <= END:
        rates.append((day, rate))
        rate = min(11_400, max(10_400, rate + rng.randint(-90, 90)))
        day += datetime.timedelta(days=7)
    return rates


def _fx_rows(rates) -> list[list[str]]:
    rows = [["date", "from", "to", "rate"]]
    for day, rate in rates:
        inverse = (2 * 10 ** 8 + rate) // (2 * rate)  # 1 / rate, half up, ten-thousandths
        rows.append([day.isoformat(), "EUR", "USD", f"{rate // 10_000}.{rate % 10_000:04d}"])
        rows.append([day.isoformat(), "USD", "EUR", f"0.{inverse:04d}"])
    return rows


# -- the company -------------------------------------------------------------------------


class _Company:
    def __init__(self, rng: random.Random, rates):
        self.rng, self.rates = rng, rates
        self.rate_days = [day for day, _ in rates]
        self.plan = {rep: plan for rep, _, _, plan in REPS}
        self.team = {rep: manager for rep, _, manager, _ in REPS}
        self.deals: list[dict] = []
        self.opportunities: list[dict] = []
        self.ti: dict[str, int] = {m: info[3] * 100 for m, info in MANAGERS.items()}  # cents
        self.attainment: dict[str, int] = {}
        self.cancelled_id = ""

    def manager_on(self, rep: str, day: datetime.date) -> str:
        mover, manager, since = TRANSFER
        return manager if rep == mover and day >= since else self.team[rep]

    def usd(self, deal: dict) -> int:
        if deal["currency"] == "USD":
            return deal["cents"]
        rate = self.rates[bisect.bisect_right(self.rate_days, deal["date"]) - 1][1]
        return (deal["cents"] * rate + 5_000) // 10_000

    # generation

    def generate(self) -> None:
        rng = self.rng
        for plan, spread in (("enterprise-ae", ENTERPRISE_ATTAINMENT),
                             ("holdback-70-30", ENTERPRISE_ATTAINMENT),
                             ("target-incentive-curve", COMMERCIAL_ATTAINMENT),
                             ("quarterly-accelerators", COMMERCIAL_ATTAINMENT),
                             ("sdr", SDR_ATTAINMENT)):
            reps = [rep for rep, p in self.plan.items() if p == plan]
            shuffled = rng.sample(spread, len(spread))
            for rep, percent in zip(reps, shuffled):
                self.attainment[rep] = percent
                self.ti[rep] = rng.choice(TARGET_INCENTIVES[plan]) * 100
        self.ti[NEW_HIRE] = TARGET_INCENTIVES["new-hire-ramp"][0] * 100
        for rep, plan in self.plan.items():
            if plan in QUOTA_PER_TI:
                self._rep_deals(rep, plan)
            elif plan == "sdr":
                self._opportunities(rep)
        self._new_hire_deals()
        self._plant_cancellation()
        self._credit_and_cancel()
        self.deals.sort(key=lambda d: (d["date"], d["owner"], d["cents"], d["customer"]))
        for number, deal in enumerate(self.deals, start=10_001):
            deal["id"] = f"D-{number}"
            if deal.get("planted"):
                self.cancelled_id = deal["id"]
        self.opportunities.sort(key=lambda d: (d["date"], d["owner"]))
        for number, deal in enumerate(self.opportunities, start=10_001):
            deal["id"] = f"O-{number}"

    def _deal(self, owner: str, day: datetime.date, segment: str, kind: str) -> dict:
        rng = self.rng
        low, high = SIZES[(segment, kind)]
        units = rng.randint(low // 250, high // 250) * 250  # bookings in round 250s
        cents = rng.randint(low * 100, high * 100) if kind == "renewal" else units * 100
        manager = self.manager_on(owner, day)
        emea = MANAGERS[manager][2] == "EUR"
        return {"owner": owner, "date": day, "cents": cents, "currency": MANAGERS[manager][2],
                "type": "expansion" if kind == "services" else kind,
                "product": "services" if kind == "services" else rng.choice(PRODUCTS),
                "region": rng.choice(EMEA_REGIONS) if emea else MANAGERS[manager][1],
                "customer": f"{rng.choice(CUSTOMER_NAMES)} {rng.choice(CUSTOMER_KINDS)}",
                "stage": "closed-won", "inbound": rng.random() < 0.3,
                "credits": [], "cancel": None, "go_live": _go_live(rng, day, kind)}

    def _random_day(self) -> datetime.date:
        return _day_in(self.rng, self.rng.choices(range(1, 13), MONTH_WEIGHTS)[0])

    def _rep_deals(self, rep: str, plan: str) -> None:
        """Bookings until the rep's nominal quota times their attainment, then the rest."""
        rng = self.rng
        segment = "enterprise" if plan in ENTERPRISE else "commercial"
        goal = int(self.ti[rep] * QUOTA_PER_TI[plan]) * self.attainment[rep] // 100
        booked = 0
        while booked < goal:
            kind = "new" if rng.random() < NEW_SHARE else "expansion"
            deal = self._deal(rep, self._random_day(), segment, kind)
            self.deals.append(deal)
            booked += self.usd(deal)
        extra = [("renewal", rng.randint(*RENEWALS[segment]))]
        if segment == "enterprise":
            extra.append(("services", rng.randint(*SERVICES)))
        for kind, count in extra:
            self.deals.extend(self._deal(rep, self._random_day(), segment, kind)
                              for _ in range(count))

    def _new_hire_deals(self) -> None:
        for month, pace in NEW_HIRE_PACE.items():
            goal = self._ramp_quota(month) * pace // 100
            booked = 0
            while booked < goal:
                kind = "new" if self.rng.random() < 0.5 else "expansion"
                deal = self._deal(NEW_HIRE, _day_in(self.rng, month), "commercial", kind)
                self.deals.append(deal)
                booked += deal["cents"]

    @staticmethod
    def _ramp_quota(month: int) -> int:
        return NEW_HIRE_MONTHLY_QUOTA * 100 * NEW_HIRE_RAMP.get(month, 100) // 100

    def _opportunities(self, sdr: str) -> None:
        """Zero-amount opportunity rows: accepted ones at the SDR's pace, a few rejected."""
        rng = self.rng
        accepted_per_month = SDR_MONTHLY_OPPS * self.attainment[sdr]
        for month in range(1, 13):
            accepted = max(0, (accepted_per_month + 50) // 100 + rng.randint(-2, 2))
            stages = ["accepted"] * accepted + ["rejected"] * rng.randint(1, 4)
            for stage in stages:
                self.opportunities.append({
                    "owner": sdr, "date": _day_in(rng, month), "cents": 0, "currency": "USD",
                    "type": "opportunity", "product": rng.choice(PRODUCTS),
                    "region": "US-Central", "customer":
                        f"{rng.choice(CUSTOMER_NAMES)} {rng.choice(CUSTOMER_KINDS)}",
                    "stage": stage, "inbound": rng.random() < 0.35, "credits": [],
                    "cancel": None})

    def _plant_cancellation(self) -> None:
        """A large new deal paid in Q1 and cancelled 84 days later, in Q2: inside every
        clawback window that covers it, so Q2 shows clawback lines for the AE and manager."""
        deal = self._deal("ae-e1", datetime.date(FISCAL_YEAR, 2, 17), "enterprise", "new")
        deal.update(cents=185_000_00, product="platform", customer="Keystone & Co Logistics",
                    cancel=datetime.date(FISCAL_YEAR, 5, 12), planted=True)
        self.deals.append(deal)

    def _credit_and_cancel(self) -> None:
        """SDR credit on sourced new business, splits between teammates, a few cancellations."""
        rng = self.rng
        sdrs = [rep for rep, plan in self.plan.items() if plan == "sdr"]
        for deal in self.deals:
            if deal.get("planted") or deal["product"] == "services":
                continue
            owner = deal["owner"]
            mates = [r for r in self.plan if r != owner and self.plan[r] == self.plan[owner]
                     and self.manager_on(r, deal["date"]) == self.manager_on(owner, deal["date"])]
            if deal["type"] == "new" and rng.random() < SDR_SOURCED:
                deal["credits"] = [(owner, 80, "ae"), (rng.choice(sdrs), 20, "sdr")]
            elif deal["type"] in ("new", "expansion") and mates and rng.random() < SPLIT:
                mine = rng.choice((50, 60, 70))
                deal["credits"] = [(owner, mine, "ae"), (rng.choice(mates), 100 - mine, "ae")]
            if deal["type"] != "renewal" and rng.random() < CANCELLED_SHARE:
                cancel = deal["date"] + datetime.timedelta(days=rng.randint(5, 200))
                deal["cancel"] = cancel if cancel <= END else None

    # the files

    def payees(self) -> list[list[str]]:
        rows = [["id", "name", "email", "role", "manager_id", "currency", "hire_date",
                 "effective_from"]]
        people = [(VP[0], VP[1], "vp", "")] + [
            (m, info[0], "manager", VP[0]) for m, info in MANAGERS.items()] + [
            (rep, name, "sdr" if plan == "sdr" else "ae", manager)
            for rep, name, manager, plan in REPS]
        for payee, name, role, manager in people:
            region = manager if manager in MANAGERS else payee
            currency = "EUR" if MANAGERS.get(region, ("", "", ""))[2] == "EUR" else ""
            hired = HIRE_DATE if payee == NEW_HIRE else datetime.date(2017, 1, 2) + \
                datetime.timedelta(days=self.rng.randint(0, 8 * 365))
            row = [payee, name, _email(name), role, manager, currency, hired.isoformat(), ""]
            rows.append(row)
            if payee == TRANSFER[0]:
                rows.append(row[:4] + [TRANSFER[1]] + row[5:7] + [TRANSFER[2].isoformat()])
        return rows

    def assignments(self) -> list[list[str]]:
        rows = [["payee_id", "plan", "effective_from", "effective_to", "target_incentive"]]
        for payee in list(MANAGERS) + list(self.plan):
            plan = self.plan.get(payee, "sales-manager-override")
            start = HIRE_DATE if payee == NEW_HIRE else START
            rows.append([payee, plan, start.isoformat(), END.isoformat(),
                         _money(self.ti[payee])])
        return rows

    def credited(self):
        """(payee, deal, credited USD cents, share percent) of every booked credit row."""
        for deal in self.deals:
            if deal["cancel"] is not None:
                continue
            amount = self.usd(deal)
            shares = deal["credits"] or [(deal["owner"], 100, "ae")]
            for payee, share, _ in shares:
                yield payee, deal, amount * share // 100, share

    def quotas(self) -> list[list[str]]:
        """Each quota is the year's actual result divided by the attainment the payee was
        steered to, rounded: the company set it, the generator makes it come true."""
        bookings: dict[str, int] = {}
        logos: dict[str, int] = {}
        team: dict[str, int] = {}
        for payee, deal, amount, share in self.credited():
            if deal["type"] not in ("new", "expansion"):
                continue
            if payee in self.team:
                manager = self.manager_on(payee, deal["date"])
                team[manager] = team.get(manager, 0) + amount
            if self.plan.get(payee) == "enterprise-ae" and deal["product"] == "services":
                continue
            bookings[payee] = bookings.get(payee, 0) + amount
            if deal["type"] == "new" and share >= 50:
                logos[payee] = logos.get(payee, 0) + 1
        rows = [["payee_id", "measure", "period", "amount"]]
        year = str(FISCAL_YEAR)
        managers = self.rng.sample(MANAGER_ATTAINMENT, len(MANAGER_ATTAINMENT))
        for manager, percent in zip(MANAGERS, managers):
            rows.append([manager, "bookings", year, _money(_round(team[manager], percent,
                                                                  1_000_000))])
        for rep, plan in self.plan.items():
            if plan in QUOTA_PER_TI:
                percent = self.attainment[rep]
                rows.append([rep, "bookings", year, _money(_round(bookings.get(rep, 0),
                                                                  percent, 2_500_000))])
                if plan == "target-incentive-curve":
                    rows.append([rep, "new_logos", year,
                                 str(max(1, logos.get(rep, 0) * 100 // percent))])
            elif plan == "sdr":
                rows += [[rep, "accepted_opps", f"{year}-{m:02d}", str(SDR_MONTHLY_OPPS)]
                         for m in range(1, 13)]
        rows += [[NEW_HIRE, "bookings", f"{year}-{m:02d}", _money(self._ramp_quota(m))]
                 for m in range(HIRE_DATE.month, 13)]
        return rows

    def deal_rows(self) -> list[list[str]]:
        """The deals file: the built-in columns, in the table's order, then the sample plans'
        own fields."""
        header = [field.column for field in STORED] + list(DEAL_EXTRAS)
        rows = [header]
        for deal in self.deals + self.opportunities:
            cancel = deal["cancel"]
            values = {"id": deal["id"], "date": deal["date"].isoformat(),
                      "owner_id": deal["owner"], "amount": _money(deal["cents"]),
                      "currency": deal["currency"], "type": deal["type"],
                      "product": deal["product"], "status": "cancelled" if cancel else "booked",
                      "cancel_date": cancel.isoformat() if cancel else "",
                      "region": deal["region"],
                      "name": f"{deal['product'].capitalize()} "
                              f"{DEAL_KINDS.get(deal['type'], deal['type'])}",
                      "account": deal["customer"],
                      "stage": deal["stage"], "inbound": "true" if deal["inbound"] else "false",
                      "go_live": deal["go_live"].isoformat() if deal.get("go_live") else ""}
            rows.append([values[name] for name in header])
        return rows

    def credit_rows(self) -> list[list[str]]:
        rows = [["deal_id", "payee_id", "share", "role"]]
        for deal in self.deals:
            rows += [[deal["id"], payee, f"{share}%", role]
                     for payee, share, role in deal["credits"]]
        return rows


def _go_live(rng: random.Random, day: datetime.date, kind: str) -> datetime.date | None:
    """When a new customer goes live (the 70/30 holdback plan's SPIFF waits for it): some
    weeks after the deal, and not yet at the year's end for the latest deals."""
    live = day + datetime.timedelta(days=rng.randint(*GO_LIVE_DAYS))
    return live if kind == "new" and live <= END else None


def _round(actual: int, percent: int, step: int) -> int:
    """actual / percent, to the nearest ``step`` cents (and at least one step)."""
    return max(step, (actual * 100 // percent + step // 2) // step * step)


def _email(name: str) -> str:
    plain = name.translate(str.maketrans("äöüëéèáô", "aoueeeao")).replace("'", "")
    return ".".join(plain.lower().split()) + "@" + DOMAIN
