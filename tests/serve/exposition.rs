//! Reading `/metrics`: a strict check of the Prometheus text format (0.0.4) and
//! lookups over what `prometheus-parse` makes of it.

use prometheus_parse::{Sample, Scrape, Value};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::io::BufRead;

/// A parsed scrape.
pub struct Metrics {
    pub text: String,
    pub scrape: Scrape,
}

impl Metrics {
    /// Checks `text` strictly, then parses it with `prometheus-parse`.
    pub fn parse(text: String) -> Metrics {
        if let Err(e) = check(&text) {
            panic!("invalid exposition: {e}\n{text}");
        }
        let scrape =
            Scrape::parse(std::io::Cursor::new(text.as_bytes()).lines()).expect("prometheus-parse reads it");
        Metrics { text, scrape }
    }

    /// The sample `name` whose labels are exactly `labels`.
    pub fn sample(&self, name: &str, labels: &[(&str, &str)]) -> Option<&Sample> {
        self.scrape.samples.iter().find(|s| {
            s.metric == name
                && labels.iter().all(|(k, v)| s.labels.get(k) == Some(v))
                && labels.len() == label_count(s)
        })
    }

    /// The value of the counter, gauge or untyped sample `name` with `labels`.
    pub fn value(&self, name: &str, labels: &[(&str, &str)]) -> Option<f64> {
        match &self.sample(name, labels)?.value {
            Value::Counter(v) | Value::Gauge(v) | Value::Untyped(v) => Some(*v),
            _ => None,
        }
    }

    /// The value of a counter or gauge that must exist.
    pub fn must(&self, name: &str, labels: &[(&str, &str)]) -> f64 {
        self.value(name, labels)
            .unwrap_or_else(|| panic!("no sample {name}{labels:?} in\n{}", self.text))
    }

    /// The `(le, cumulative count)` buckets of histogram `name` with `labels`.
    pub fn buckets(&self, name: &str, labels: &[(&str, &str)]) -> Vec<(f64, f64)> {
        match &self.sample(name, labels).map(|s| &s.value) {
            Some(Value::Histogram(buckets)) => buckets.iter().map(|b| (b.less_than, b.count)).collect(),
            _ => panic!("no histogram {name}{labels:?} in\n{}", self.text),
        }
    }

    /// All samples of `name`, by the value of label `label`.
    pub fn by_label(&self, name: &str, label: &str) -> BTreeMap<String, f64> {
        self.scrape
            .samples
            .iter()
            .filter(|s| s.metric == name)
            .filter_map(|s| {
                let value = match s.value {
                    Value::Counter(v) | Value::Gauge(v) | Value::Untyped(v) => v,
                    _ => return None,
                };
                Some((s.labels.get(label)?.to_string(), value))
            })
            .collect()
    }
}

fn label_count(sample: &Sample) -> usize {
    // `Labels` derefs to its map.
    sample.labels.len()
}

/// One histogram series: `(le, count)` buckets, `_sum`, `_count`.
type Series = (Vec<(f64, f64)>, Option<f64>, Option<f64>);

/// A sample line's metric name, labels (unescaped) and value.
type SampleLine = (String, Vec<(String, String)>, f64);

/// Checks the text format strictly: HELP/TYPE lines once per family and before
/// its samples, families contiguous, metric and label names valid, label values
/// escaped, values Go floats, histograms with ascending `le`, cumulative
/// counts, a final `+Inf` bucket equal to `_count`, and a `_sum`.
pub fn check(text: &str) -> Result<(), String> {
    if !text.ends_with('\n') {
        return Err("the exposition does not end with a newline".into());
    }
    let mut types: HashMap<String, String> = HashMap::new();
    let mut helps: HashSet<String> = HashSet::new();
    let mut finished: HashSet<String> = HashSet::new();
    let mut current: Option<String> = None;
    // Per histogram series (family + labels without `le`): buckets, sum, count.
    let mut series: BTreeMap<(String, String), Series> = BTreeMap::new();
    let mut enter = |family: &str, current: &mut Option<String>| -> Result<(), String> {
        if current.as_deref() != Some(family) {
            if let Some(previous) = current.take() {
                finished.insert(previous);
            }
            if finished.contains(family) {
                return Err(format!("family {family} is not contiguous"));
            }
            *current = Some(family.to_string());
        }
        Ok(())
    };
    for (n, line) in text.lines().enumerate() {
        let at = |e: String| format!("line {}: {e}: {line:?}", n + 1);
        if let Some(rest) = line.strip_prefix("# ") {
            let mut parts = rest.splitn(3, ' ');
            let (keyword, name, tail) = (parts.next(), parts.next(), parts.next());
            let name = name.ok_or_else(|| at("comment without a metric name".into()))?;
            check_name(name).map_err(at)?;
            enter(name, &mut current).map_err(at)?;
            match keyword {
                Some("HELP") => {
                    if !helps.insert(name.to_string()) {
                        return Err(at("second HELP".into()));
                    }
                }
                Some("TYPE") => {
                    let kind = tail.unwrap_or_default();
                    if !["counter", "gauge", "histogram", "summary", "untyped"].contains(&kind) {
                        return Err(at(format!("unknown type {kind:?}")));
                    }
                    if types.insert(name.to_string(), kind.to_string()).is_some() {
                        return Err(at("second TYPE".into()));
                    }
                }
                _ => return Err(at("a comment that is neither HELP nor TYPE".into())),
            }
            continue;
        }
        let (name, labels, value) = split_sample(line).map_err(at)?;
        let (family, suffix) =
            family_of(&name, &types).ok_or_else(|| at("sample of an undeclared family".into()))?;
        enter(&family, &mut current).map_err(at)?;
        let kind = types[&family].as_str();
        if kind == "counter" && (value < 0.0 || !family.ends_with("_total")) {
            return Err(at("a counter must be named *_total and not negative".into()));
        }
        if kind == "histogram" {
            let le = labels.iter().find(|(k, _)| k == "le").map(|(_, v)| v.clone());
            let rest: Vec<String> = labels
                .iter()
                .filter(|(k, _)| k != "le")
                .map(|(k, v)| format!("{k}={v}"))
                .collect();
            let entry = series.entry((family.clone(), rest.join(","))).or_default();
            match (suffix.as_str(), le) {
                ("_bucket", Some(le)) => entry.0.push((parse_float(&le).map_err(at)?, value)),
                ("_sum", None) => entry.1 = Some(value),
                ("_count", None) => entry.2 = Some(value),
                _ => return Err(at("a histogram sample must be _bucket{le} or _sum/_count".into())),
            }
        } else if !suffix.is_empty() {
            return Err(at("suffix on a non-histogram family".into()));
        }
    }
    for ((family, labels), (buckets, sum, count)) in &series {
        let name = format!("{family}{{{labels}}}");
        if buckets.windows(2).any(|w| w[0].0 >= w[1].0 || w[0].1 > w[1].1) {
            return Err(format!("{name}: buckets not ascending or not cumulative"));
        }
        let Some(&(last_le, last)) = buckets.last() else {
            return Err(format!("{name}: no buckets"));
        };
        if last_le != f64::INFINITY || Some(last) != *count || sum.is_none() {
            return Err(format!("{name}: needs a +Inf bucket equal to _count, and a _sum"));
        }
    }
    Ok(())
}

/// The declared family of sample `name` and its histogram suffix (or "").
fn family_of(name: &str, types: &HashMap<String, String>) -> Option<(String, String)> {
    if types.contains_key(name) {
        return Some((name.to_string(), String::new()));
    }
    ["_bucket", "_sum", "_count"].iter().find_map(|suffix| {
        let base = name.strip_suffix(suffix)?;
        (types.get(base).map(String::as_str) == Some("histogram"))
            .then(|| (base.to_string(), suffix.to_string()))
    })
}

fn check_name(name: &str) -> Result<(), String> {
    let mut chars = name.chars();
    let first_ok = chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_' || c == ':');
    if first_ok && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == ':') {
        Ok(())
    } else {
        Err(format!("invalid metric name {name:?}"))
    }
}

fn parse_float(text: &str) -> Result<f64, String> {
    match text {
        "+Inf" => Ok(f64::INFINITY),
        "-Inf" => Ok(f64::NEG_INFINITY),
        "NaN" => Ok(f64::NAN),
        _ if text.chars().all(|c| c.is_ascii_digit() || "+-.eE".contains(c)) => {
            text.parse().map_err(|_| format!("invalid value {text:?}"))
        }
        _ => Err(format!("invalid value {text:?}")),
    }
}

/// `name{k="v",...} value` into its parts (label values unescaped).
fn split_sample(line: &str) -> Result<SampleLine, String> {
    let chars: Vec<char> = line.chars().collect();
    let mut i = chars
        .iter()
        .position(|c| *c == '{' || *c == ' ')
        .ok_or("no value")?;
    let name: String = chars[..i].iter().collect();
    check_name(&name)?;
    let mut labels = Vec::new();
    if chars[i] == '{' {
        i += 1;
        while chars.get(i) != Some(&'}') {
            let start = i;
            while chars.get(i).is_some_and(|c| *c != '=') {
                i += 1;
            }
            let key: String = chars[start..i].iter().collect();
            let key_ok = key.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
                && key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
            if !key_ok {
                return Err(format!("invalid label name {key:?}"));
            }
            if chars.get(i + 1) != Some(&'"') {
                return Err("label value not quoted".into());
            }
            i += 2;
            let mut value = String::new();
            loop {
                match chars.get(i) {
                    Some('\\') => {
                        value.push(match chars.get(i + 1) {
                            Some('\\') => '\\',
                            Some('"') => '"',
                            Some('n') => '\n',
                            other => return Err(format!("bad escape {other:?}")),
                        });
                        i += 2;
                    }
                    Some('"') => break,
                    Some(c) => {
                        value.push(*c);
                        i += 1;
                    }
                    None => return Err("unterminated label value".into()),
                }
            }
            labels.push((key, value));
            i += 1;
            match chars.get(i) {
                Some(',') => i += 1,
                Some('}') => {}
                _ => return Err("expected , or } after a label".into()),
            }
        }
        i += 1;
    }
    let rest: String = chars[i..].iter().collect();
    let value = rest
        .strip_prefix(' ')
        .ok_or("expected one space before the value")?;
    if value.contains(' ') {
        return Err("unexpected timestamp or trailing text".into());
    }
    Ok((name, labels, parse_float(value)?))
}

#[test]
fn the_checker_refuses_broken_expositions() {
    let good = "# HELP a_total x\n# TYPE a_total counter\na_total{k=\"v\\\"\"} 1\n\
                # TYPE h histogram\nh_bucket{le=\"1\"} 1\nh_bucket{le=\"+Inf\"} 2\nh_sum 3\nh_count 2\n";
    check(good).unwrap();
    for bad in [
        "a_total 1\n",
        "# TYPE a_total counter\na_total 1",
        "# TYPE a_total counter\na_total{k=\"v} 1\n",
        "# TYPE a_total counter\na_total{k=v} 1\n",
        "# TYPE a_total counter\na_total 1 2 3\n",
        "# TYPE a_total counter\na_total inf\n",
        "# TYPE a counter\na 1\n",
        "# TYPE h histogram\nh_bucket{le=\"1\"} 1\nh_sum 1\nh_count 1\n",
        "# TYPE h histogram\nh_bucket{le=\"1\"} 2\nh_bucket{le=\"+Inf\"} 1\nh_sum 1\nh_count 1\n",
        "# TYPE g gauge\ng 1\n# TYPE f gauge\nf 1\ng 2\n",
        "# TYPE g gauge\n# TYPE g gauge\ng 1\n",
    ] {
        assert!(check(bad).is_err(), "accepted {bad:?}");
    }
}
