"""Subscribers, their plans, contracts, devices, cells, social graph and add-on products.

Every subscriber gets observable BSS attributes (written to the ``subscribers`` snapshot)
and latent traits that drive the simulation (activity level, dropped-call exposure,
payment behaviour, care propensity). Subscriber ids are issued in activation order.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from devtools.synth import plan_catalog as cat
from devtools.synth.network import Network
from devtools.synth.rng import CONTACTS, POPULATION, PRODUCTS, stream

KMAX = 20  # most frequent contacts per subscriber
NEW_PER_MONTH = 0.025  # gross adds: share of the base activated per 30 days in the period
PREPAID_SHARE = 0.60
INTL_SHARE = 0.15  # subscribers with family abroad (international contacts)
MULTI_LINE_SHARE = 0.10  # postpaid lines attached to another line's customer account
PAY_CLASS_P = (0.875, 0.11, 0.015)  # postpaid: reliable, late payer, defaulter
RELIABLE, LATE_PAYER, DEFAULTER = 0, 1, 2
MEAN_SESSION_MB = 8.0 * np.exp(1.2**2 / 2)  # data session size: lognormal(median 8 MB, sigma 1.2)


@dataclass
class Population:
    n: int
    start_day: int
    # BSS attributes
    activation_day: np.ndarray
    msisdn: np.ndarray
    customer: np.ndarray
    region: np.ndarray
    segment: np.ndarray
    plan: np.ndarray
    contract_type: np.ndarray
    contract_end: np.ndarray  # day number, -1 = none
    payment_method: np.ndarray
    paperless: np.ndarray
    device: np.ndarray
    imei: np.ndarray
    birth_day: np.ndarray  # day number, -1 = unknown
    billing_day: np.ndarray  # day of month 1..28 (postpaid bills, prepaid bundle renewals)
    # latent traits
    activity: np.ndarray
    voice_mult: np.ndarray
    sms_mult: np.ndarray
    data_mult: np.ndarray
    intl: np.ndarray
    care_prop: np.ndarray
    pay_class: np.ndarray
    cells: np.ndarray  # (n, 5): home, work, three others
    p_drop: np.ndarray  # expected dropped-call probability over the subscriber's cells
    protective: np.ndarray  # protective add-ons held (online_security, tech_support, broadband)
    intl_free: np.ndarray  # standard international calls included (plan or intl_pack add-on)
    contacts: np.ndarray  # (n, KMAX) numbers
    contact_type: np.ndarray  # (n, KMAX) party type code
    contact_country: np.ndarray  # (n, KMAX) country code index
    n_contacts: np.ndarray
    # add-ons
    prod_sub: np.ndarray
    prod_code: np.ndarray
    prod_start: np.ndarray
    prod_end: np.ndarray  # -1 = still held
    subscription_fraud: np.ndarray  # new postpaid accounts reserved for subscription fraud


def _luhn(payload: np.ndarray, n_digits: int) -> np.ndarray:
    """Luhn check digit of ``n_digits``-digit integers."""
    total = np.zeros(len(payload), dtype=np.int64)
    x = payload.copy()
    for pos in range(n_digits):  # pos 0 = rightmost payload digit, doubled
        d = x % 10
        x //= 10
        if pos % 2 == 0:
            d = d * 2
            d = np.where(d > 9, d - 9, d)
        total += d
    return (10 - total % 10) % 10


def imeis(tac: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    payload = tac.astype(np.int64) * 1_000_000 + rng.integers(0, 1_000_000, len(tac))
    return payload * 10 + _luhn(payload, 14)


def unique_numbers(rng: np.random.Generator, n: int, space: int) -> np.ndarray:
    draws = np.unique(rng.integers(0, space, int(n * 1.2) + 16))
    while len(draws) < n:
        draws = np.unique(np.concatenate([draws, rng.integers(0, space, n)]))
    return rng.permutation(draws)[:n]


def random_numbers(rng: np.random.Generator, n: int, prefixes: np.ndarray, span: int) -> np.ndarray:
    return prefixes[rng.integers(0, len(prefixes), n)] + rng.integers(0, span, n)


def intl_numbers(rng: np.random.Generator, country: np.ndarray) -> np.ndarray:
    return cat.COUNTRY_DIAL[country] * 1_000_000_000 + rng.integers(100_000_000, 1_000_000_000, len(country))


def build_population(
    n: int, start_day: int, days: int, seed: int, net: Network, n_subscription_fraud: int
) -> Population:
    rng = stream(seed, POPULATION)
    # --- activation: existing base (tenure up to 15 years) plus new activations in the period
    n_new = round(n * NEW_PER_MONTH * days / 30)
    if days >= 10:
        n_new = max(n_new, n_subscription_fraud + 1)
    n_new = min(n_new, n // 3) if days >= 2 else 0
    tenure = 1 + rng.exponential(3.2 * 365, n - n_new)
    tenure = np.where(tenure > 15 * 365, rng.uniform(5 * 365, 15 * 365, n - n_new), tenure).astype(np.int64)
    act = np.concatenate([start_day - tenure, start_day + rng.integers(1, max(days, 2), n_new)])
    act.sort()
    new = act >= start_day
    # --- segment, region, devices
    seg = (rng.random(n) >= PREPAID_SHARE).astype(np.int8)
    shares = np.array([r[2] for r in cat.REGIONS])
    region = rng.choice(len(cat.REGIONS), n, p=shares / shares.sum()).astype(np.int8)
    device = rng.choice(len(cat.DEVICES), n, p=cat.DEVICE_SHARE).astype(np.int8)
    # subscription fraud: new postpaid accounts activated inside the period, not in its last week
    cand = np.flatnonzero(new & (act >= start_day + 2) & (act <= start_day + max(days - 8, 2)))
    sub_fraud = np.sort(rng.choice(cand, min(n_subscription_fraud, len(cand)), replace=False))
    seg[sub_fraud] = cat.POSTPAID
    post = seg == cat.POSTPAID
    # --- latent usage traits
    age = np.where(post, rng.normal(44, 14, n), rng.normal(35, 13, n)).clip(18, 90)
    young = np.clip((45 - age) / 27, -1, 1)  # +1 at 18, -1 at 72+
    activity = rng.lognormal(-0.18, 0.6, n)
    voice_mult = rng.lognormal(0, 0.35, n) * (1 - 0.2 * young)
    sms_mult = rng.lognormal(0, 0.5, n) * (1 + 0.4 * young)
    data_mult = rng.lognormal(-0.3, 0.8, n) * (1 + 0.5 * young) * np.where(post, 1.0, 0.6)
    data_mult[~cat.DEVICE_HAS_DATA[device]] = 0.0
    intl = rng.random(n) < np.where(post, INTL_SHARE * 0.75, INTL_SHARE * 1.2)
    care_prop = rng.lognormal(-0.125, 0.5, n)
    pay_class = np.where(post, rng.choice(3, n, p=PAY_CLASS_P), RELIABLE).astype(np.int8)
    # --- plans fit expected usage (with some misfit)
    headroom = rng.uniform(0.85, 1.8, n)  # allowance bought relative to expected use (< 1: overage)
    exp_mb = (
        30 * 6.0 * activity * data_mult * MEAN_SESSION_MB * np.sqrt(np.maximum(data_mult, 0.05)) * headroom
    )
    exp_min = 30 * 3.0 * activity * voice_mult * 2.6 * headroom
    plan = np.empty(n, dtype=np.int8)
    post_plan = np.where(
        (exp_mb < cat.PLAN_MB[3]) & (exp_min < cat.PLAN_MIN[3]),
        3,
        np.where((exp_mb < cat.PLAN_MB[4]) & (exp_min < cat.PLAN_MIN[4]), 4, 5),
    )
    post_plan = np.where((post_plan == 5) & (exp_mb > cat.PLAN_MB[5]), 6, post_plan)
    post_plan = np.where(intl & (rng.random(n) < 0.4), 6, post_plan)
    post_plan = np.where(rng.random(n) < 0.08, 6, post_plan)
    pre_plan = np.where(exp_mb > cat.PLAN_MB[1], 2, np.where(exp_mb > 300, 1, 0))
    pre_plan = np.where(rng.random(n) < 0.1, rng.integers(0, 3, n), pre_plan)
    plan[:] = np.where(post, post_plan, pre_plan)
    plan[sub_fraud] = np.where(rng.random(len(sub_fraud)) < 0.6, 6, 5)
    # --- contracts: 12m / 24m cycles from activation; some out of contract
    term = np.where(rng.random(n) < 0.35, 365, 730)
    cycles = np.maximum(np.ceil((start_day - act) / term), 1).astype(np.int64)
    end = act + cycles * term
    out_of_contract = (~new) & (cycles >= 2) & (rng.random(n) < 0.22)
    end = np.where(out_of_contract, end - term, end)
    contract_type = np.where(post, np.where(term == 365, 1, 2), 0).astype(np.int8)
    contract_end = np.where(post, end, -1)
    # --- payment, billing, paperless, birth date
    pm_post = rng.choice([cat.DIRECT_DEBIT, cat.CREDIT_CARD, cat.BANK_TRANSFER], n, p=[0.55, 0.27, 0.18])
    pm_pre = np.where(rng.random(n) < 0.6, cat.VOUCHER, cat.CASH)
    payment_method = np.where(post, pm_post, pm_pre).astype(np.int8)
    payment_method[sub_fraud] = cat.CREDIT_CARD
    paperless = rng.random(n) < np.where(post, 0.72, 0.25)
    act_d = act.astype("datetime64[D]")
    act_dom = (act_d - act_d.astype("datetime64[M]")).astype(np.int64) + 1
    billing_day = np.where(new, np.minimum(act_dom, 28), rng.integers(1, 29, n))
    birth_day = (start_day - age * 365.25 - rng.integers(0, 365, n)).astype(np.int64)
    birth_day[rng.random(n) < 0.07] = -1
    # --- identities
    msisdn = cat.OWN_PREFIX + unique_numbers(rng, n, 10**8)
    imei = imeis(cat.DEVICE_TAC[device], rng)
    customer = np.arange(n)
    sec = np.flatnonzero(post & (rng.random(n) < MULTI_LINE_SHARE))
    prim = np.setdiff1d(np.flatnonzero(post), sec)
    if len(prim):
        customer[sec] = prim[rng.integers(0, len(prim), len(sec))]
        customer[sec] = customer[customer[sec]]
    # --- cells: home and three others in the home region, work usually there too
    per = cat.CELLS_PER_REGION
    work_region = np.where(rng.random(n) < 0.1, rng.integers(0, len(cat.REGIONS), n), region)
    cells = net.region_first[region][:, None] + rng.integers(0, per, (n, 5))
    cells[:, 1] = net.region_first[work_region] + rng.integers(0, per, n)
    p_drop = net.drop_p[cells] @ np.array([0.5, 0.25, 0.25 / 3, 0.25 / 3, 0.25 / 3])
    contacts = _contacts(seed, n, msisdn, region, intl)
    prods = _products(seed, n, act, start_day, seg, intl & ~cat.PLAN_INTL[plan], customer)
    protective = np.zeros(n, dtype=np.int64)
    held = prods[3] < 0
    intl_free = cat.PLAN_INTL[plan].copy()
    intl_free[prods[0][held & (prods[1] == cat.INTL_PACK)]] = True
    for code, *_, prot in cat.PRODUCTS:
        if prot:
            idx = cat.PRODUCT_CODES.index(code)
            protective += np.bincount(prods[0][held & (prods[1] == idx)], minlength=n)
    return Population(
        n=n,
        start_day=start_day,
        activation_day=act,
        msisdn=msisdn,
        customer=customer,
        region=region,
        segment=seg,
        plan=plan,
        contract_type=contract_type,
        contract_end=contract_end,
        payment_method=payment_method,
        paperless=paperless,
        device=device,
        imei=imei,
        birth_day=birth_day,
        billing_day=billing_day,
        activity=activity,
        voice_mult=voice_mult,
        sms_mult=sms_mult,
        data_mult=data_mult,
        intl=intl,
        care_prop=care_prop,
        pay_class=pay_class,
        cells=cells.astype(np.int32),
        p_drop=p_drop,
        protective=protective,
        intl_free=intl_free,
        contacts=contacts[0],
        contact_type=contacts[1],
        contact_country=contacts[2],
        n_contacts=contacts[3],
        prod_sub=prods[0],
        prod_code=prods[1],
        prod_start=prods[2],
        prod_end=prods[3],
        subscription_fraud=sub_fraud,
    )


def _contacts(seed: int, n: int, msisdn: np.ndarray, region: np.ndarray, intl: np.ndarray):
    """Each subscriber's frequent contacts, most important first (calls pick them Zipf-like)."""
    rng = stream(seed, CONTACTS)
    k = np.clip(3 + rng.poisson(7 * rng.lognormal(0, 0.3, n)), 3, KMAX)
    u = rng.random((n, KMAX))
    ctype = np.where(u < 0.87, cat.MOBILE, np.where(u < 0.97, cat.FIXED, cat.INTL)).astype(np.int8)
    onnet = u < 0.62
    # on-net contacts: 80% from the same region
    order = np.argsort(region, kind="stable")
    first = np.searchsorted(region[order], np.arange(len(cat.REGIONS)))
    size = np.bincount(region, minlength=len(cat.REGIONS))
    same = rng.random((n, KMAX)) < 0.8
    r = np.broadcast_to(region[:, None], (n, KMAX))
    local = order[first[r] + (rng.random((n, KMAX)) * size[r]).astype(np.int64)]
    anyone = rng.integers(0, n, (n, KMAX))
    peer = np.where(same, local, anyone)
    peer = np.where(peer == np.arange(n)[:, None], (peer + 1) % n, peer)
    country = np.zeros((n, KMAX), dtype=np.int16)
    home_country = cat.DIASPORA[rng.choice(len(cat.DIASPORA), n, p=cat.DIASPORA_P)]
    family = (
        intl[:, None]
        & (np.arange(KMAX)[None, :] >= 1)
        & (np.arange(KMAX)[None, :] <= rng.integers(1, 4, n)[:, None])
    )
    ctype = np.where(family, cat.INTL, ctype).astype(np.int8)
    onnet &= ~family
    other_intl = (ctype == cat.INTL) & ~family
    country = np.where(family, home_country[:, None], country)
    country = np.where(
        other_intl, cat.STANDARD_INTL[rng.integers(0, len(cat.STANDARD_INTL), (n, KMAX))], country
    )
    flat = n * KMAX
    nums = np.where(
        onnet,
        msisdn[peer],
        np.where(
            ctype == cat.MOBILE,
            random_numbers(rng, flat, cat.OFFNET_PREFIXES, 10**8).reshape(n, KMAX),
            random_numbers(rng, flat, cat.FIXED_PREFIXES, 10**7).reshape(n, KMAX),
        ),
    )
    nums = np.where(ctype == cat.INTL, intl_numbers(rng, country.ravel()).reshape(n, KMAX), nums)
    return nums.astype(np.int64), ctype, country.astype(np.int16), k.astype(np.int64)


def _products(
    seed: int, n: int, act: np.ndarray, start_day: int, seg: np.ndarray, intl: np.ndarray, customer
):
    rng = stream(seed, PRODUCTS)
    lines = np.bincount(customer, minlength=n)[customer]
    subs, codes = [], []
    for i, (_, p_post, p_pre, _) in enumerate(cat.PRODUCTS):
        p = np.where(seg == cat.POSTPAID, p_post, p_pre)
        if i == cat.INTL_PACK:
            p = np.where(intl, 0.7, p)
        take = lines > 1 if i == cat.MULTI_LINE else rng.random(n) < p
        idx = np.flatnonzero(take)
        subs.append(idx)
        codes.append(np.full(len(idx), i, dtype=np.int8))
    sub = np.concatenate(subs)
    code = np.concatenate(codes)
    order = np.lexsort((code, sub))
    sub, code = sub[order], code[order]
    a = act[sub]
    span = np.maximum(start_day - a, 1)
    begin = np.where(a >= start_day, a, a + (rng.random(len(sub)) * span).astype(np.int64))
    ended = (begin < start_day - 60) & (rng.random(len(sub)) < 0.08) & (code != cat.MULTI_LINE)
    stop = begin + 30 + (rng.random(len(sub)) * np.maximum(start_day - begin - 31, 1)).astype(np.int64)
    end = np.where(ended, np.minimum(stop, start_day - 1), -1)
    return sub.astype(np.int64), code, begin.astype(np.int64), end.astype(np.int64)
