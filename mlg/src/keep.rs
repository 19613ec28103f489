//! A run's store of values by key: what the executor computes once and shares
//! between stages (the fits that `compress` variants reuse). The session owns
//! it without knowing the values' types, since it comes before the executor.

use std::any::Any;
use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

/// Values of any type by string key, for the length of a run.
#[derive(Default)]
pub struct Keep {
    values: Mutex<HashMap<String, Arc<dyn Any + Send + Sync>>>,
}

impl Keep {
    /// The value kept under `key`, if it is a `T`.
    pub fn get<T: Any + Send + Sync>(&self, key: &str) -> Option<Arc<T>> {
        let values = self.values.lock().unwrap_or_else(PoisonError::into_inner);
        values.get(key).cloned()?.downcast().ok()
    }

    /// Keeps `value` under `key` unless a `T` is kept there already; returns
    /// the kept one (the first of two racing callers wins).
    pub fn keep<T: Any + Send + Sync>(&self, key: String, value: Arc<T>) -> Arc<T> {
        let mut values = self.values.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(kept) = values.get(&key).and_then(|v| v.clone().downcast::<T>().ok()) {
            return kept;
        }
        values.insert(key, value.clone());
        value
    }
}
