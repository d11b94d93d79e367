//! The request log: what clients sent, so tests can assert on the exact
//! requests a provider made (bodies, headers, order) without a proxy.
//!
//! Entries hold key fingerprints and header presence flags, never the value
//! of `Authorization`; callers redact anything key-shaped before recording.

use std::collections::VecDeque;

use serde_json::Value;

/// Entries kept; older ones are dropped, `seq` keeps counting.
const LOG_LIMIT: usize = 10_000;

#[derive(Debug, Default)]
pub struct RequestLog {
    entries: VecDeque<Value>,
    next_seq: u64,
}

impl RequestLog {
    /// Appends an entry (a JSON object), giving it the next `seq`.
    /// Returns the entry as stored.
    pub fn push(&mut self, mut entry: Value) -> Value {
        self.next_seq += 1;
        if let Value::Object(map) = &mut entry {
            map.insert("seq".into(), self.next_seq.into());
        }
        self.entries.push_back(entry.clone());
        while self.entries.len() > LOG_LIMIT {
            self.entries.pop_front();
        }
        entry
    }

    pub fn entries(&self) -> Vec<Value> {
        self.entries.iter().cloned().collect()
    }

    pub fn clear(&mut self) {
        self.entries.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn numbers_entries_across_clears() {
        let mut log = RequestLog::default();
        log.push(json!({"path": "/a"}));
        log.clear();
        let entry = log.push(json!({"path": "/b"}));
        assert_eq!(entry["seq"], 2);
        assert_eq!(log.entries().len(), 1);
    }
}
