//! Running minimum over the last `window` values (the monotonic-deque algorithm): O(1)
//! amortised per value, in a fixed power-of-two ring with no allocation after creation.

#[derive(Debug, Clone)]
pub(crate) struct SlidingMin {
    window: u64,
    mask: usize,
    /// (index of the value, value), values strictly increasing from `head` to `tail`.
    entries: Vec<(u64, f32)>,
    head: usize,
    tail: usize,
    next_index: u64,
}

impl SlidingMin {
    /// A running minimum over the last `window` (≥ 1) values.
    pub fn new(window: usize) -> Self {
        // Between adding a value and expiring the oldest, window + 1 entries can be live.
        let capacity = (window + 1).next_power_of_two();
        Self {
            window: window as u64,
            mask: capacity - 1,
            entries: vec![(0, 0.0); capacity],
            head: 0,
            tail: 0,
            next_index: 0,
        }
    }

    pub fn clear(&mut self) {
        self.head = 0;
        self.tail = 0;
        self.next_index = 0;
    }

    /// The minimum of the last `window` values (1.0 before any).
    pub fn minimum(&self) -> f32 {
        if self.head == self.tail {
            1.0
        } else {
            self.entries[self.head & self.mask].1
        }
    }

    /// Adds `count` values equal to the current minimum, which must be the largest value
    /// the window holds (so it is its only entry): O(1) instead of `count` pushes.
    pub fn push_repeated(&mut self, count: usize) {
        let value = self.minimum();
        let last = self.next_index + count as u64 - 1;
        self.head = self.tail;
        self.entries[self.tail & self.mask] = (last, value);
        self.tail += 1;
        self.next_index = last + 1;
    }

    /// Adds `value` and returns the minimum of the last `window` values added.
    #[inline]
    pub fn push(&mut self, value: f32) -> f32 {
        let (mask, index) = (self.mask, self.next_index);
        let (head, mut tail) = (self.head, self.tail);
        while tail != head && self.entries[(tail - 1) & mask].1 >= value {
            tail -= 1;
        }
        self.entries[tail & mask] = (index, value);
        tail += 1;
        let mut head = head;
        // The newest entry is always in the window, so this stops before `tail`.
        while self.entries[head & mask].0 + self.window <= index {
            head += 1;
        }
        (self.head, self.tail, self.next_index) = (head, tail, index + 1);
        self.entries[head & mask].1
    }
}

#[cfg(test)]
mod tests {
    use super::SlidingMin;

    #[test]
    fn matches_a_brute_force_minimum() {
        let mut seed = 0x9e37_79b9_7f4a_7c15u64;
        for window in [1usize, 2, 3, 5, 16, 17, 241] {
            let mut running = SlidingMin::new(window);
            let mut history = Vec::new();
            for _ in 0..5000 {
                seed ^= seed << 13;
                seed ^= seed >> 7;
                seed ^= seed << 17;
                let value = (seed % 1000) as f32 / 1000.0;
                history.push(value);
                let start = history.len().saturating_sub(window);
                let expected = history[start..]
                    .iter()
                    .copied()
                    .fold(f32::INFINITY, f32::min);
                assert_eq!(running.push(value), expected, "window {window}");
            }
        }
    }

    #[test]
    fn repeated_maxima_equal_single_pushes() {
        for window in [1usize, 4, 241] {
            let (mut fast, mut slow) = (SlidingMin::new(window), SlidingMin::new(window));
            for v in [0.5f32, 0.25, 1.0] {
                fast.push(v);
                slow.push(v);
            }
            // Once the window holds only 1.0, repeats of it can be added in one step.
            for _ in 0..window {
                fast.push(1.0);
                slow.push(1.0);
            }
            fast.push_repeated(1000);
            for _ in 0..1000 {
                slow.push(1.0);
            }
            for v in [0.75f32, 1.0, 0.9] {
                assert_eq!(fast.push(v), slow.push(v), "window {window}");
            }
        }
    }
}
