//! Shipments: the policy's orders planned into legs (the fallback rule may move some to the
//! backup), shipped with every random draw of their story made at order time, and delivered
//! when due — departures (the balance is paid, deposits become stock in transit) and arrivals
//! (stock becomes sellable) from one event queue.

use super::state::{Model, SkuState};
use super::{EventQueue, World};
use crate::calendar::{MINUTES_PER_DAY, SimTime};
use crate::policy::{Orders, Trigger};
use crate::scenario::Mode;
use crate::supply::{Books, Leg, OpenShipment, Replication, Request, Shipment};

/// A shipment's slot, with the top bit set for its departure (goods leave the supplier: the
/// balance is paid, the deposit becomes stock in transit) and clear for its arrival (stock
/// becomes sellable). One `u32`, not an enum: the heap writes an event and reads it back at
/// once, and a tag stored apart from its payload would stall that read on every order.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct Event(pub(super) u32);

impl Event {
    pub(super) const DEPARTURE: u32 = 1 << 31;
}

/// A shipment on its way, with the money it ties up.
#[derive(Debug, Clone, Copy)]
pub(super) struct Slot {
    pub(super) sku: u32,
    /// `[units]` ordered, and delivered (fewer when short).
    pub(super) qty: u32,
    pub(super) delivered: u32,
    /// `[currency]` paid at shipment and tied in transit until arrival.
    pub(super) value: f64,
    /// `[currency]` paid at order and tied at the supplier until departure.
    pub(super) deposit: f64,
    /// `[currency]` freight paid at departure (part of the value in transit), and what is paid
    /// on arrival (duty, and freight paid on arrival): `cash::Charges`.
    pub(super) transit_freight: f64,
    pub(super) at_arrival: f64,
}

/// Shipments in flight and the capacity they booked.
#[derive(Debug)]
pub(super) struct Logistics {
    pub(super) queue: EventQueue<Event>,
    /// Capacity booked and open shipments per SKU (what the policy's view reads).
    pub(super) books: Books,
    pub(super) slots: Vec<Slot>,
    pub(super) free: Vec<u32>,
    /// Every shipment placed, when recording (tests and diagnostics).
    pub(super) log: Option<Vec<Shipment>>,
    /// Payments per simulated day `[cents]` (`Logistics::pay`).
    pub(super) cash: Vec<i64>,
}

/// Turns the policy's orders for one SKU into shipments: each order is planned into legs (the
/// fallback rule may move some to the backup) and each leg shipped. A leg whose stock is
/// sellable today (no production, zero transit) is received at once, before today's demand.
pub(super) fn place_orders(
    model: &Model,
    world: &World,
    lg: &mut Logistics,
    orders: &mut Orders,
    st: &mut SkuState,
    now: SimTime,
    measured: bool,
) {
    let sc = model.scenario;
    for order in orders.drain() {
        if measured {
            st.triggered[order.trigger as usize] += 1;
        }
        let at = Placing {
            model,
            world,
            now,
            measured,
        };
        let mut ship = |lg: &mut Logistics, leg: Leg| {
            if leg.qty > 0 {
                ship_leg(&at, lg, st, order.sku, order.trigger, leg);
            }
        };
        if sc.skus[order.sku].supply.fallback.is_none() {
            // No rule can move it: one leg, planned without the quote machinery, and shipped
            // straight away — passed through a two-leg array, its fields were read back from
            // memory as wider words than they were written in, a store-forwarding stall that
            // cost a fifth of ordering on the textbook.
            ship(
                lg,
                model.supply.primary(sc, order.sku, order.lane, order.qty),
            );
        } else {
            let req = Request {
                sku: order.sku,
                lane: order.lane,
                qty: order.qty,
                needed_by: order.needed_by,
            };
            let legs = model.supply.plan(sc, &lg.books.ledger, req, now.days());
            for leg in legs.into_iter().flatten() {
                ship(lg, leg);
            }
        }
    }
}

/// What every leg of the orders being placed shares: the model, the replication's world, the
/// time of placing and whether it is a measured day (orders then count in the tallies).
pub(super) struct Placing<'a> {
    model: &'a Model<'a>,
    world: &'a World,
    now: SimTime,
    measured: bool,
}

/// Ships one leg of an order of SKU `sku` placed by rule `trigger`: the shipment is drawn, the
/// SKU's stock on order, payments and tallies take it in, and it is received at once or queued.
pub(super) fn ship_leg(
    at: &Placing,
    lg: &mut Logistics,
    st: &mut SkuState,
    sku: usize,
    trigger: Trigger,
    leg: Leg,
) {
    let &Placing {
        model,
        world,
        now,
        measured,
    } = at;
    let sc = model.scenario;
    let spec = &sc.skus[sku];
    st.seq = st.seq.wrapping_add(1);
    let t = now.days();
    let r = Replication {
        env: &world.env,
        rep: world.rep,
    };
    let ship = model
        .supply
        .ship(sc, &mut lg.books.ledger, r, sku, leg, now);
    if let Some(log) = &mut lg.log {
        log.push(ship);
    }
    let qty = i64::from(leg.qty);
    st.on_order += qty;
    st.ordered += qty;
    let supplier = leg.supplier.map(|s| &sc.suppliers[s]);
    let premium = supplier.map_or(0.0, |s| s.premium);
    let unit_value = spec.unit_cost * (1.0 + premium);
    let delivered = f64::from(ship.delivered);
    let lane = &sc.lanes[leg.lane];
    let charges = super::cash::Charges::of(
        lane,
        spec,
        unit_value,
        ship.delivered,
        crate::num::floor_i64(ship.departure),
    );
    let day = i64::from(now.day());
    lg.pay(day, spec.costs.fixed_order_cost);
    if measured {
        st.orders += 1;
        st.freight += charges.freight;
        st.duty += charges.duty;
        st.premium += delivered * spec.unit_cost * premium;
        st.units_ordered += qty;
        st.units_by_mode[lane.mode as usize] += qty;
        let air = usize::from(matches!(lane.mode, Mode::Air | Mode::Express));
        st.units_by_trigger[trigger as usize][air] += qty;
        if matches!(lane.mode, Mode::Air | Mode::Express) {
            st.units_air += qty;
        }
        if leg.backup && spec.supply.backup.is_some_and(|b| b.supplier.is_some()) {
            st.units_backup_supplier += qty;
        }
        st.customs_holds += i64::from(ship.customs_hold);
        st.port_delay_days += ship.port_delay();
        st.lead_unit_days += ship.lead_time() * f64::from(leg.qty);
    }
    let value = unit_value * delivered;
    if ship.sellable_day <= now.day() {
        let landed = value + charges.transit_freight + charges.at_arrival;
        st.paid += landed;
        lg.pay(day, landed);
        st.receive_value(i64::from(ship.delivered), landed);
        st.receive(qty, i64::from(ship.delivered));
        return;
    }
    let mut slot = Slot {
        sku: sku as u32,
        qty: leg.qty,
        delivered: ship.delivered,
        value,
        deposit: 0.0,
        transit_freight: charges.transit_freight,
        at_arrival: charges.at_arrival,
    };
    let departed = ship.departure <= t;
    if departed {
        let paid = slot.value + slot.transit_freight;
        st.transit_value += paid;
        st.paid += paid;
        lg.pay(day, paid);
    } else {
        slot.deposit =
            supplier.map_or(0.0, |s| s.deposit_fraction) * unit_value * f64::from(leg.qty);
        st.prepaid += slot.deposit;
        st.paid += slot.deposit;
        lg.pay(day, slot.deposit);
    }
    let id = match lg.free.pop() {
        Some(id) => {
            lg.slots[id as usize] = slot;
            id
        }
        None => {
            lg.slots.push(slot);
            (lg.slots.len() - 1) as u32
        }
    };
    if !departed {
        let minutes = crate::num::round_i64(ship.departure * f64::from(MINUTES_PER_DAY));
        let at = SimTime(minutes.clamp(0, i64::from(u32::MAX)) as u32);
        lg.queue.push(at, Event(id | Event::DEPARTURE));
    }
    lg.queue
        .push(SimTime::day_start(ship.sellable_day), Event(id));
    lg.books.pipelines[sku].push(OpenShipment {
        id,
        qty: leg.qty,
        lane: leg.lane,
        backup: leg.backup,
        ordered_day: now.day(),
        quoted_eta_day: ship.quote.eta_day,
    });
}

/// Handles every departure and arrival due at or before `now`.
#[inline(always)]
pub(super) fn receive_due(lg: &mut Logistics, skus: &mut [SkuState], now: SimTime) {
    while let Some((at, Event(event))) = lg.queue.pop_due(now) {
        let slot = event & !Event::DEPARTURE;
        let s = lg.slots[slot as usize];
        let sku = s.sku as usize;
        let st = &mut skus[sku];
        let day = i64::from(at.day());
        if event & Event::DEPARTURE != 0 {
            // The balance and the freight paid at departure.
            let balance = s.value - s.deposit + s.transit_freight;
            st.prepaid -= s.deposit;
            st.transit_value += s.value + s.transit_freight;
            st.paid += balance;
            lg.pay(day, balance);
        } else {
            st.transit_value -= s.value + s.transit_freight;
            st.paid += s.at_arrival;
            lg.pay(day, s.at_arrival);
            st.receive_value(
                i64::from(s.delivered),
                s.value + s.transit_freight + s.at_arrival,
            );
            st.receive(i64::from(s.qty), i64::from(s.delivered));
            let open = &mut lg.books.pipelines[sku];
            if let Some(k) = open.iter().position(|o| o.id == slot) {
                open.remove(k);
            }
            lg.free.push(slot);
        }
    }
}

impl SkuState {
    /// A shipment of `ordered` units lands with `qty` of them (short deliveries land fewer).
    fn receive(&mut self, ordered: i64, qty: i64) {
        // Waiting buyers are served first, oldest backorders first.
        let fill = qty.min(self.backorders);
        self.backorders -= fill;
        self.shipped += fill;
        self.on_hand += qty - fill;
        self.on_order -= ordered;
        self.undelivered += ordered - qty;
        self.received += qty;
        let mut left = fill;
        while left > 0 {
            let Some(front) = self.waiting.front_mut() else {
                break;
            };
            let take = left.min(i64::from(front.1));
            front.1 -= take as u32;
            left -= take;
            if front.1 == 0 {
                self.waiting.pop_front();
            }
        }
    }
}
