//! The event queue: a min-heap ordered by time, then by insertion sequence.
//!
//! Equal timestamps pop in the order they were pushed, so a replication is deterministic
//! without relying on the heap's internal layout (the same rule as nexosim's scheduler).

use std::cmp::Ordering;
use std::collections::BinaryHeap;

use crate::calendar::SimTime;

#[derive(Debug)]
struct Entry<T> {
    /// time in the high 32 bits, insertion sequence in the low 32: one integer compare.
    key: u64,
    item: T,
}

impl<T> PartialEq for Entry<T> {
    fn eq(&self, other: &Self) -> bool {
        self.key == other.key
    }
}
impl<T> Eq for Entry<T> {}
impl<T> PartialOrd for Entry<T> {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl<T> Ord for Entry<T> {
    fn cmp(&self, other: &Self) -> Ordering {
        // Reversed: BinaryHeap is a max-heap and we want the earliest event on top.
        other.key.cmp(&self.key)
    }
}

#[derive(Debug)]
pub struct EventQueue<T> {
    heap: BinaryHeap<Entry<T>>,
    seq: u32,
}

impl<T> EventQueue<T> {
    pub fn with_capacity(n: usize) -> Self {
        EventQueue {
            heap: BinaryHeap::with_capacity(n),
            seq: 0,
        }
    }

    /// Empties the queue, keeping its memory for the next replication.
    pub fn clear(&mut self) {
        self.heap.clear();
        self.seq = 0;
    }

    pub fn push(&mut self, at: SimTime, item: T) {
        let key = (u64::from(at.0) << 32) | u64::from(self.seq);
        self.seq = self.seq.wrapping_add(1);
        self.heap.push(Entry { key, item });
    }

    /// Removes and returns the earliest event if it is due at or before `now`.
    #[inline(always)]
    pub fn pop_due(&mut self, now: SimTime) -> Option<(SimTime, T)> {
        match self.heap.peek() {
            Some(e) if (e.key >> 32) as u32 <= now.0 => {
                let e = self.heap.pop().expect("peeked");
                Some((SimTime((e.key >> 32) as u32), e.item))
            }
            _ => None,
        }
    }

    #[cfg(test)]
    pub fn len(&self) -> usize {
        self.heap.len()
    }

    #[cfg(test)]
    pub fn is_empty(&self) -> bool {
        self.heap.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pops_by_time_then_insertion_order() {
        let mut q = EventQueue::with_capacity(8);
        q.push(SimTime(10), "b1");
        q.push(SimTime(5), "a");
        q.push(SimTime(10), "b2");
        q.push(SimTime(10), "b3");
        q.push(SimTime(20), "c");
        assert_eq!(q.pop_due(SimTime(4)), None);
        let order: Vec<_> = std::iter::from_fn(|| q.pop_due(SimTime(10)).map(|e| e.1)).collect();
        assert_eq!(order, ["a", "b1", "b2", "b3"]);
        assert_eq!(q.len(), 1);
        assert_eq!(q.pop_due(SimTime(100)), Some((SimTime(20), "c")));
        assert!(q.is_empty());
    }
}
