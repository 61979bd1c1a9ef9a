//! The skiplist's invariants, checked in full (for the property tests):
//! order, backward links, spans, length, tail, levels.

use super::*;

impl SkipList {
    /// Checks every invariant (for tests): order, backward links, spans,
    /// length, tail.
    pub fn check(&self) -> Result<(), String> {
        let mut count = 0usize;
        let mut x = self.first();
        let mut prev = NIL;
        let mut ranks = std::collections::HashMap::new();
        while x != NIL {
            count += 1;
            ranks.insert(x, count);
            if self.prev(x) != prev {
                return Err(format!("backward of {x} is {} not {prev}", self.prev(x)));
            }
            if prev != NIL && !self.before(prev, self.score(x), self.member(x)) {
                return Err(format!("{prev} not before {x}"));
            }
            prev = x;
            x = self.next(x);
        }
        if count != self.len() || self.tail != prev {
            return Err(format!(
                "len {} counted {count}, tail {}",
                self.len, self.tail
            ));
        }
        for i in 1..self.level as usize {
            let mut x = HEAD;
            let mut rank = 0usize;
            loop {
                let f = self.forward(x, i);
                if f == NIL {
                    break;
                }
                let fr = ranks[&f];
                if self.span(x, i) as usize != fr - rank {
                    return Err(format!(
                        "span of {x} at {i}: {} != {}",
                        self.span(x, i),
                        fr - rank
                    ));
                }
                if (self.nodes[f as usize].level as usize) <= i {
                    return Err(format!("node {f} linked above its level"));
                }
                let l = &self.links[self.nodes[x as usize].upper as usize + i - 1];
                if l.score != self.score(f) || l.upper != self.nodes[f as usize].upper {
                    return Err(format!("stale cache in the link of {x} at {i}"));
                }
                rank = fr;
                x = f;
            }
        }
        if self.level as usize > 1 && self.forward(HEAD, self.level as usize - 1) == NIL {
            return Err("top level empty".into());
        }
        Ok(())
    }
}
