//! Keyed random streams: common random numbers by construction.
//!
//! Every random quantity is drawn from a stream named by *what it drives* — (seed, replication,
//! source) — never from a generator shared in code order. So a policy that orders more cannot
//! shift the demand the next day sees, candidates see identical futures, and results do not
//! depend on thread count, scheduling or sharding. Keys are mixed with SplitMix64's finaliser
//! (a bijective avalanche), and each stream is a `Xoshiro256PlusPlus`, documented as
//! reproducible across platforms.

use rand::SeedableRng;
use rand_xoshiro::Xoshiro256PlusPlus;

pub type Stream = Xoshiro256PlusPlus;

/// What a stream drives. Adding a source never changes the numbers of existing ones.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// Daily baseline demand of one SKU.
    Demand { sku: u32 },
    /// Viral spikes of one SKU: times, magnitudes, persistence.
    Viral { sku: u32 },
    /// The extra units viral spikes bring, day by day.
    ViralDemand { sku: u32 },
    /// CTR and conversion noise, precursors and false alarms of one SKU.
    Signals { sku: u32 },
    /// One featured SKU in one stream occurrence (an entry of the stream plan).
    Stream { entry: u32 },
    /// Buyers' responses to a stockout of one SKU on one day (presale accept, substitute).
    Response { sku: u32, day: u32 },
    /// Transit time of every shipment departing on `lane` on day `day`: one vessel (or
    /// flight), whose fate its containers share — whatever SKU, candidate or order count.
    Transit { lane: u32, day: u32 },
    /// Whether customs holds SKU `sku`'s goods reaching the border on `lane` on day `day`,
    /// and for how long.
    Customs { lane: u32, day: u32, sku: u32 },
    /// Production time of SKU `sku`'s order placed on day `day` at `supplier`.
    Production { supplier: u32, day: u32, sku: u32 },
    /// Whether that order arrives short, and by how much.
    ShortDelivery { supplier: u32, day: u32, sku: u32 },
    /// Port-congestion episodes of the replication, shared by every SKU and candidate.
    Congestion,
    /// The random part (extra delay) of one scripted disruption.
    Disruption { index: u32 },
    /// How far an open purchase order's quoted ETA slips (`key`: a hash of its PO number).
    OpenOrderSlip { key: u64 },
    /// Transit of an open purchase order still in production.
    OpenOrderTransit { key: u64 },
    /// Whether customs holds an open purchase order, and for how long.
    OpenOrderCustoms { key: u64 },
}

impl Source {
    fn key(self) -> u64 {
        // High 16 bits: the kind of source; low 48: its index.
        let (tag, index) = match self {
            Source::Demand { sku } => (1u64, u64::from(sku)),
            Source::Viral { sku } => (0x10, u64::from(sku)),
            Source::ViralDemand { sku } => (0x11, u64::from(sku)),
            Source::Signals { sku } => (0x12, u64::from(sku)),
            Source::Stream { entry } => (0x13, u64::from(entry)),
            Source::Response { sku, day } => (0x14, (u64::from(sku) << 16) | u64::from(day)),
            Source::Transit { lane, day } => (0x20, pack(lane, day, 0)),
            Source::Customs { lane, day, sku } => (0x21, pack(lane, day, sku)),
            Source::Production { supplier, day, sku } => (0x22, pack(supplier, day, sku)),
            Source::ShortDelivery { supplier, day, sku } => (0x23, pack(supplier, day, sku)),
            Source::Congestion => (0x24, 0),
            Source::Disruption { index } => (0x25, u64::from(index)),
            Source::OpenOrderSlip { key } => (0x26, key & 0xFFFF_FFFF_FFFF),
            Source::OpenOrderTransit { key } => (0x27, key & 0xFFFF_FFFF_FFFF),
            Source::OpenOrderCustoms { key } => (0x28, key & 0xFFFF_FFFF_FFFF),
        };
        (tag << 48) | index
    }
}

/// A shipment's 48-bit index: 16 bits each of a lane or supplier (`u32::MAX`, none, masks to
/// 0xFFFF), a day and a SKU. Scenarios hold far fewer than 65,536 lanes, suppliers and SKUs,
/// and days stay below 65,536 (a 20-year horizon plus the longest transit); the masks keep a
/// larger value from bleeding into its neighbour or the tag.
fn pack(who: u32, day: u32, sku: u32) -> u64 {
    ((u64::from(who) & 0xFFFF) << 32)
        | ((u64::from(day) & 0xFFFF) << 16)
        | (u64::from(sku) & 0xFFFF)
}

/// The indices that key a scenario's per-SKU and per-stream-entry streams.
///
/// A scenario cut down to some of its SKUs (`restock tune` replays one category's SKUs on
/// their own) must draw each SKU's futures as the whole scenario does: its streams stay keyed
/// by the SKU's position in the whole scenario, and a stream entry's by its position in the
/// whole stream plan. Empty (the default) is the identity: every loaded scenario.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Keys {
    /// Key of each SKU (by index into `Scenario::skus`).
    pub skus: Vec<u32>,
    /// Key of each stream entry (by index into `demand::StreamPlan::entries`).
    pub entries: Vec<u32>,
}

impl Keys {
    /// The key of SKU `i`'s streams.
    #[inline]
    pub fn sku(&self, i: usize) -> u32 {
        if self.skus.is_empty() {
            i as u32
        } else {
            self.skus[i]
        }
    }

    /// The key of stream entry `e`'s stream.
    #[inline]
    pub fn entry(&self, e: usize) -> u32 {
        if self.entries.is_empty() {
            e as u32
        } else {
            self.entries[e]
        }
    }
}

/// SplitMix64's output function: a fast bijective mixer with full avalanche.
pub fn splitmix64(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// The 64-bit key of a (seed, replication, source) stream.
pub fn stream_key(seed: u64, replication: u64, source: Source) -> u64 {
    splitmix64(splitmix64(splitmix64(seed) ^ replication) ^ source.key())
}

/// The random stream for one source in one replication.
pub fn stream(seed: u64, replication: u64, source: Source) -> Stream {
    Xoshiro256PlusPlus::seed_from_u64(stream_key(seed, replication, source))
}

/// A uniform draw in [0, 1) from 64 random bits (53 significant bits).
#[inline]
pub fn unit_f64(bits: u64) -> f64 {
    (bits >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::Rng;

    #[test]
    fn streams_differ_by_every_key_component_and_repeat_exactly() {
        let a = stream(7, 0, Source::Demand { sku: 0 }).next_u64();
        assert_eq!(a, stream(7, 0, Source::Demand { sku: 0 }).next_u64());
        assert_ne!(a, stream(8, 0, Source::Demand { sku: 0 }).next_u64());
        assert_ne!(a, stream(7, 1, Source::Demand { sku: 0 }).next_u64());
        assert_ne!(a, stream(7, 0, Source::Demand { sku: 1 }).next_u64());
    }

    #[test]
    fn replication_and_source_do_not_alias() {
        // (rep 1, sku 0) and (rep 0, sku 1) must be different streams.
        assert_ne!(
            stream_key(7, 1, Source::Demand { sku: 0 }),
            stream_key(7, 0, Source::Demand { sku: 1 })
        );
    }

    #[test]
    fn supply_sources_are_distinct_streams() {
        let keys = [
            Source::Transit { lane: 1, day: 2 },
            Source::Customs {
                lane: 1,
                day: 2,
                sku: 0,
            },
            Source::Production {
                supplier: 1,
                day: 2,
                sku: 0,
            },
            Source::ShortDelivery {
                supplier: 1,
                day: 2,
                sku: 0,
            },
            Source::Transit { lane: 2, day: 1 },
            Source::Customs {
                lane: 1,
                day: 2,
                sku: 1,
            },
            Source::Production {
                supplier: u32::MAX,
                day: 2,
                sku: 0,
            },
            Source::Congestion,
            Source::Disruption { index: 0 },
            Source::Demand { sku: 0 },
        ]
        .map(|s| stream_key(3, 0, s));
        for i in 0..keys.len() {
            for j in i + 1..keys.len() {
                assert_ne!(keys[i], keys[j]);
            }
        }
    }

    #[test]
    fn unit_draws_stay_in_range() {
        assert_eq!(unit_f64(0), 0.0);
        assert!(unit_f64(u64::MAX) < 1.0);
    }
}
