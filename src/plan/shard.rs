//! `--shard K/N`: one runner's share of a fleet too large for one machine.
//! A host belongs to shard `hash(name) mod N + 1`, so the N runners of a
//! fleet (cron on N bastions, a Kubernetes Indexed Job) take disjoint
//! shares that cover it, and a host stays in its shard when others are
//! added or removed (a position-based split would move most of them).

use std::fmt;
use std::str::FromStr;

use sha1::{Digest as _, Sha1};

/// Shard `index` of `of` (1-based).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Shard {
    index: u64,
    of: u64,
}

impl Shard {
    /// Whether the host named `name` is in this shard.
    pub(crate) fn holds(self, name: &str) -> bool {
        let digest = Sha1::digest(name.as_bytes());
        let mut first = [0u8; 8];
        first.copy_from_slice(&digest[..8]);
        u64::from_be_bytes(first) % self.of + 1 == self.index
    }
}

impl FromStr for Shard {
    type Err = String;

    fn from_str(text: &str) -> Result<Shard, String> {
        let bad = || format!("`{text}` is not K/N with 1 <= K <= N (e.g. 2/4)");
        let (index, of) = text.split_once('/').ok_or_else(bad)?;
        let index: u64 = index.trim().parse().map_err(|_| bad())?;
        let of: u64 = of.trim().parse().map_err(|_| bad())?;
        if of == 0 || index == 0 || index > of {
            return Err(bad());
        }
        Ok(Shard { index, of })
    }
}

impl fmt::Display for Shard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.index, self.of)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn shards_are_disjoint_cover_the_fleet_and_stay_put() {
        let names: Vec<String> = (0..1000).map(|i| format!("pc{i:05}.example.com")).collect();
        let shards: Vec<Shard> = (1..=4).map(|k| format!("{k}/4").parse().unwrap()).collect();
        let mut sizes = [0usize; 4];
        for name in &names {
            let holding: Vec<usize> = (0..4).filter(|&k| shards[k].holds(name)).collect();
            assert_eq!(holding.len(), 1, "{name}");
            sizes[holding[0]] += 1;
        }
        // Roughly even.
        assert!(sizes.iter().all(|&n| (200..300).contains(&n)), "{sizes:?}");
        // A host's shard depends on its name only.
        assert!(shards[0].holds("x") == "1/4".parse::<Shard>().unwrap().holds("x"));
        for bad in ["0/3", "4/3", "1/0", "x", "1/", "/2", "1-2"] {
            assert!(bad.parse::<Shard>().is_err(), "{bad}");
        }
        assert_eq!("2/5".parse::<Shard>().unwrap().to_string(), "2/5");
    }
}
