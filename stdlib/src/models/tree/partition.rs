//! Partitioning a node's segment of the index array after a split: stable,
//! branch-free, and accumulating both children's statistics in the same
//! pass. Histogram splits partition on the `u8` bin codes and move the
//! node-ordered payload along with the rows.

use super::criterion::NodeStats;
use super::data::Labels;
use super::grow::{Candidate, Grower};
use super::hist::HistState;
use super::Criterion;

impl Grower<'_> {
    /// Stably moves the rows of `idx[start..end]` that `split` sends left
    /// first; returns where the right part starts and both parts' statistics
    /// (accumulated in row order, exactly as [`NodeStats::of`] would).
    pub(super) fn partition(
        &mut self,
        start: usize,
        end: usize,
        split: &Candidate,
    ) -> (usize, NodeStats, NodeStats) {
        let data = self.data;
        match split.bin {
            Some(bin) if self.hist.enabled() => self.partition_hist((start, end), split.feature, bin),
            _ => {
                let (col, t32) = (data.col(split.feature), split.threshold32);
                self.partition_by(start, end, |r| usize::from(col[r] > t32))
            }
        }
    }

    /// [`Grower::partition`] with `side(row)` = 0 (left) or 1 (right).
    #[inline(always)]
    fn partition_by(
        &mut self,
        start: usize,
        end: usize,
        side: impl Fn(usize) -> usize,
    ) -> (usize, NodeStats, NodeStats) {
        let weight = self.weight;
        let width = self.data.width();
        if self.part.len() < end - start {
            self.part.resize(end - start, 0);
        }
        let mut sums = [vec![0.0; width], vec![0.0; width]];
        let (mut w, mut sq) = ([0.0f64; 2], [0.0f64; 2]);
        let (mut write, mut right) = (start, 0usize);
        // Branch-free: every row is written to both places, the counters
        // advance by side (0 = left, 1 = right); write <= i, so no unread
        // row is overwritten.
        match &self.data.labels {
            Labels::Classes { codes, .. } => {
                for i in start..end {
                    let r = self.idx[i];
                    let side = side(r as usize);
                    self.idx[write] = r;
                    self.part[right] = r;
                    write += 1 - side;
                    right += side;
                    let wr = weight[r as usize];
                    w[side] += wr;
                    sums[side][codes[r as usize] as usize] += wr;
                }
            }
            Labels::Values(y) => {
                for i in start..end {
                    let r = self.idx[i];
                    let side = side(r as usize);
                    self.idx[write] = r;
                    self.part[right] = r;
                    write += 1 - side;
                    right += side;
                    let (wr, yr) = (weight[r as usize], y[r as usize]);
                    w[side] += wr;
                    let wy = wr * yr;
                    sums[side][0] += wy;
                    sq[side] += wy * yr;
                }
            }
        }
        self.idx[write..end].copy_from_slice(&self.part[..right]);
        let [left_sums, right_sums] = sums;
        let mut children = [
            (start, write, left_sums, w[0], sq[0]),
            (write, end, right_sums, w[1], sq[1]),
        ]
        .map(|(a, b, sums, w, sq)| NodeStats {
            n: b - a,
            w,
            sums,
            sq,
            median: 0.0,
            abs_error: 0.0,
        });
        if self.tree.criterion == Criterion::AbsoluteError {
            if let Labels::Values(y) = &self.data.labels {
                for (stats, (a, b)) in children.iter_mut().zip([(start, write), (write, end)]) {
                    (stats.median, stats.abs_error) = self.mae.node(y, weight, &self.idx[a..b]);
                }
            }
        }
        let [left, right] = children;
        (write, left, right)
    }

    /// [`Grower::partition`] for a histogram split of `feature` (rows with
    /// code `<= bin` go left), moving the payload along with the rows and
    /// reading the children's statistics from it (the same values, in the same
    /// order, as [`NodeStats::of`]).
    pub(super) fn partition_hist(
        &mut self,
        (start, end): (usize, usize),
        feature: usize,
        bin: u8,
    ) -> (usize, NodeStats, NodeStats) {
        let (data, ch) = (self.data, self.hist.ch);
        let Some(bins) = data.bins.as_ref() else {
            unreachable!("histogram splits come from binned data")
        };
        let codes = bins.codes(feature, data.n);
        let classifier = matches!(data.labels, Labels::Classes { .. });
        let width = data.width();
        let mut sums = [vec![0.0; width], vec![0.0; width]];
        let (mut w, mut sq) = ([0.0f64; 2], [0.0f64; 2]);
        let HistState {
            payload,
            ys,
            payload_right,
            ys_right,
            ..
        } = &mut self.hist;
        // Scratch only grows (no clearing per node): every slot read back
        // below was written in this call.
        let n = end - start;
        if self.part.len() < n {
            self.part.resize(n, 0);
        }
        if payload_right.len() < n * ch {
            payload_right.resize(n * ch, 0.0);
        }
        if !classifier && ys_right.len() < n {
            ys_right.resize(n, 0.0);
        }
        let (mut write, mut right) = (start, 0usize);
        // Every row goes to both places; the counters advance by side (0 =
        // left, 1 = right); write <= i, so nothing unread is overwritten.
        for i in start..end {
            let r = self.idx[i];
            let side = usize::from(codes[r as usize] > bin);
            self.idx[write] = r;
            self.part[right] = r;
            let (src, left_at, right_at) = (i * ch, write * ch, right * ch);
            if classifier {
                let mut rw = 0.0;
                for c in 0..ch {
                    let v = payload[src + c];
                    payload_right[right_at + c] = v;
                    payload[left_at + c] = v;
                    if c > 0 {
                        sums[side][c - 1] += v;
                        rw += v;
                    }
                }
                w[side] += rw;
            } else {
                let (count, wr, wy, y) = (payload[src], payload[src + 1], payload[src + 2], ys[i]);
                for (at, buf) in [(right_at, &mut *payload_right), (left_at, &mut *payload)] {
                    buf[at] = count;
                    buf[at + 1] = wr;
                    buf[at + 2] = wy;
                }
                ys_right[right] = y;
                ys[write] = y;
                w[side] += wr;
                sums[side][0] += wy;
                sq[side] += wy * y;
            }
            write += 1 - side;
            right += side;
        }
        self.idx[write..end].copy_from_slice(&self.part[..right]);
        payload[write * ch..end * ch].copy_from_slice(&payload_right[..right * ch]);
        if !classifier {
            ys[write..end].copy_from_slice(&ys_right[..right]);
        }
        let [left_sums, right_sums] = sums;
        let stats = |n, w, sums, sq| NodeStats {
            n,
            w,
            sums,
            sq,
            median: 0.0,
            abs_error: 0.0,
        };
        (
            write,
            stats(write - start, w[0], left_sums, sq[0]),
            stats(end - write, w[1], right_sums, sq[1]),
        )
    }
}
