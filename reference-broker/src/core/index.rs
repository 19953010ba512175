//! Which sessions may hold a subscription matching a topic, so routing a message
//! looks at those sessions only instead of every session.

use crate::topic;
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// Filter (the part matched against topics, without `$share/{group}/`) → sessions
/// holding it, with how many of their subscriptions use it.
#[derive(Debug, Default)]
pub(crate) struct SubIndex {
    exact: HashMap<String, BTreeMap<String, usize>>,
    wildcard: BTreeMap<String, BTreeMap<String, usize>>,
}

fn match_part(filter: &str) -> &str {
    topic::split_shared(filter).map_or(filter, |(_, f)| f)
}

impl SubIndex {
    fn table(&mut self, f: &str) -> &mut BTreeMap<String, usize> {
        if f.contains(['+', '#']) {
            self.wildcard.entry(f.to_string()).or_default()
        } else {
            self.exact.entry(f.to_string()).or_default()
        }
    }

    /// Records that `client` subscribed to `filter`.
    pub fn add(&mut self, client: &str, filter: &str, shared_in_version: bool) {
        let f = if shared_in_version { match_part(filter) } else { filter };
        *self.table(f).entry(client.to_string()).or_insert(0) += 1;
    }

    /// Forgets one subscription of `client` to `filter`.
    pub fn remove(&mut self, client: &str, filter: &str, shared_in_version: bool) {
        let f = if shared_in_version { match_part(filter) } else { filter };
        let wild = f.contains(['+', '#']);
        let table = if wild { self.wildcard.get_mut(f) } else { self.exact.get_mut(f) };
        let Some(table) = table else { return };
        if let Some(n) = table.get_mut(client) {
            *n -= 1;
            if *n == 0 {
                table.remove(client);
            }
        }
        if table.is_empty() {
            if wild {
                self.wildcard.remove(f);
            } else {
                self.exact.remove(f);
            }
        }
    }

    /// Sessions that may have a subscription matching `topic`, in a stable order.
    pub fn candidates(&self, topic_name: &str) -> BTreeSet<String> {
        let mut out: BTreeSet<String> = BTreeSet::new();
        if let Some(t) = self.exact.get(topic_name) {
            out.extend(t.keys().cloned());
        }
        for (filter, clients) in &self.wildcard {
            if topic::matches(filter, topic_name) {
                out.extend(clients.keys().cloned());
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn candidates_follow_adds_and_removes() {
        let mut i = SubIndex::default();
        i.add("a", "x/y", true);
        i.add("b", "x/+", true);
        i.add("c", "$share/g/x/y", true);
        i.add("c", "x/y", true);
        assert_eq!(i.candidates("x/y").into_iter().collect::<Vec<_>>(), ["a", "b", "c"]);
        i.remove("c", "x/y", true);
        assert!(i.candidates("x/y").contains("c"), "still shared-subscribed");
        i.remove("c", "$share/g/x/y", true);
        i.remove("b", "x/+", true);
        assert_eq!(i.candidates("x/y").into_iter().collect::<Vec<_>>(), ["a"]);
        assert!(i.candidates("z").is_empty());
    }
}
