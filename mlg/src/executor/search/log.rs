//! The JSON-lines trial log of a search: a header line naming the search and
//! a fingerprint of its definition, then one line per finished trial,
//! flushed as it finishes. `mlg run --resume` reads it back: a trial whose
//! number, point and budget match a logged one is taken from the log rather
//! than trained. A last line cut short by a kill is dropped with a note; any
//! other line that is not the next trial record is an error naming the file
//! and the line.

use crate::error::{Error, Result};
use mlg_stdlib::tune::{Coord, Coords};
use serde_json::{json, Value as Json};
use std::collections::BTreeMap;
use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};

/// One logged trial.
#[derive(Clone, Debug, PartialEq)]
pub struct Record {
    /// 1-based.
    pub trial: usize,
    pub coords: Coords,
    pub budget: f64,
    pub params: BTreeMap<String, Json>,
    /// `complete`, `pruned` or `failed`.
    pub status: String,
    pub error: Option<String>,
    /// Per metric: (mean, std).
    pub scores: Vec<(f64, f64)>,
    pub objectives: Vec<f64>,
    pub intermediate: Vec<f64>,
    pub cost: f64,
    pub seconds: f64,
}

/// An open log being written.
pub struct TrialLog {
    path: PathBuf,
    header: String,
    /// The trial lines written so far, in order.
    lines: Vec<String>,
    file: File,
}

/// How many scores and objectives every trial record of a search holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Shape {
    /// The search's metrics.
    pub metrics: usize,
    /// Its objectives (metrics, `latency_us`, `size_bytes`).
    pub objectives: usize,
}

/// What an earlier log holds for `--resume`.
#[derive(Clone, Debug, Default)]
pub struct Earlier {
    /// Its trials, in order.
    pub records: Vec<Record>,
    /// Their lines as written.
    lines: Vec<String>,
    /// Set when a torn last line was dropped: says so, naming the file.
    pub note: Option<String>,
}

impl TrialLog {
    /// Starts the log at `path`. Without `resume` any earlier log is
    /// replaced; with it, the trials of an earlier log with the same
    /// fingerprint are kept (in the file too) and returned. A log of another
    /// search definition, or one with a line that is not a trial record of
    /// this search (`shape`) in order, is an error naming the file and the
    /// line; only a last line cut short by a kill (no trailing newline) is
    /// dropped, with a note.
    pub fn open(
        path: &Path,
        search: &str,
        fingerprint: &str,
        resume: bool,
        shape: Shape,
    ) -> Result<(TrialLog, Earlier)> {
        let mut earlier = if resume && path.exists() {
            read(path, search, fingerprint, shape)?
        } else {
            Earlier::default()
        };
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|source| Error::Io {
                path: dir.to_path_buf(),
                source,
            })?;
        }
        let header =
            json!({"mlg_search": search, "fingerprint": fingerprint, "mlg_version": env!("CARGO_PKG_VERSION")})
                .to_string();
        let lines = std::mem::take(&mut earlier.lines);
        let file = rewrite(path, &header, &lines)?;
        Ok((
            TrialLog {
                path: path.to_path_buf(),
                header,
                lines,
                file,
            },
            earlier,
        ))
    }

    /// The trial lines written so far (at open, those kept from the earlier
    /// log), in order.
    pub fn lines(&self) -> &[String] {
        &self.lines
    }

    /// Appends one finished trial and flushes it.
    pub fn append(&mut self, record: &Record) -> Result<()> {
        let line = json!({
            "trial": record.trial,
            "coords": record.coords.iter().map(coord_json).collect::<Vec<_>>(),
            "budget": record.budget,
            "params": record.params,
            "status": record.status,
            "error": record.error,
            "scores": record.scores.iter().map(|(m, s)| json!([num(*m), num(*s)])).collect::<Vec<_>>(),
            "objectives": record.objectives.iter().map(|v| num(*v)).collect::<Vec<_>>(),
            "intermediate": record.intermediate.iter().map(|v| num(*v)).collect::<Vec<_>>(),
            "cost": record.cost,
            "seconds": record.seconds,
        })
        .to_string();
        let io = |source| Error::Io {
            path: self.path.clone(),
            source,
        };
        writeln!(self.file, "{line}").map_err(io)?;
        self.file.flush().map_err(io)?;
        self.lines.push(line);
        Ok(())
    }

    /// Keeps only the first `n` trials (those a resumed search reproduced),
    /// rewriting the file atomically.
    pub fn truncate(&mut self, n: usize) -> Result<()> {
        if n < self.lines.len() {
            self.lines.truncate(n);
            self.file = rewrite(&self.path, &self.header, &self.lines)?;
        }
        Ok(())
    }

    /// The log's path.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

/// Writes `header` and `lines` to `path` atomically; returns it opened for
/// appending.
fn rewrite(path: &Path, header: &str, lines: &[String]) -> Result<File> {
    let mut text = format!("{header}\n");
    for line in lines {
        text.push_str(line);
        text.push('\n');
    }
    crate::files::write_atomic(path, text.as_bytes())?;
    std::fs::OpenOptions::new()
        .append(true)
        .open(path)
        .map_err(|source| Error::Io {
            path: path.to_path_buf(),
            source,
        })
}

/// The trials of the log at `path` with their lines, checked to be
/// `search`'s with `fingerprint` and each of `shape`, and the note to show
/// when a torn last line was dropped.
fn read(path: &Path, search: &str, fingerprint: &str, shape: Shape) -> Result<Earlier> {
    let bytes = std::fs::read(path).map_err(|source| Error::Io {
        path: path.to_path_buf(),
        source,
    })?;
    let bad = |what: String| Error::Usage(format!("trial log {}: {what}", path.display()));
    let text = String::from_utf8_lossy(&bytes);
    // Every line mlg writes ends in a newline: a last line without one is an
    // append a kill interrupted.
    let torn = !text.is_empty() && !text.ends_with('\n');
    let lines: Vec<&str> = text.lines().collect();
    let Some(first) = lines.first() else {
        return Ok(Earlier::default());
    };
    let header: Json = serde_json::from_str(first).map_err(|e| bad(format!("bad header line: {e}")))?;
    if header["mlg_search"] != search {
        return Err(bad(format!(
            "it logs search `{}`, not `{search}`",
            header["mlg_search"].as_str().unwrap_or("?")
        )));
    }
    if header["fingerprint"] != fingerprint {
        return Err(bad(format!(
            "search `{search}` changed since it was written (its statement, the tuned stages or the data); \
             run without --resume to start it over"
        )));
    }
    let mut earlier = Earlier::default();
    for (i, line) in lines.iter().enumerate().skip(1) {
        let number = i + 1;
        let last = number == lines.len();
        let parsed = serde_json::from_str::<Json>(line)
            .map_err(|e| format!("line {number} is not JSON ({e})"))
            .and_then(|value| record(&value).ok_or_else(|| format!("line {number} is not a trial record")))
            .and_then(|r| {
                check(&r, earlier.records.len() + 1, shape)
                    .map(|()| r)
                    .map_err(|e| format!("line {number}: {e}"))
            });
        match parsed {
            Ok(r) => {
                earlier.records.push(r);
                earlier.lines.push((*line).to_string());
            }
            Err(_) if last && torn => {
                earlier.note = Some(format!(
                    "trial log {}: its last line ({number}) was cut short by an interrupted write \
                     and is dropped; that trial runs again",
                    path.display()
                ));
            }
            Err(e) => {
                return Err(bad(format!(
                "{e}; the log is damaged: repair or delete that line, or run without --resume to start over"
            )))
            }
        }
    }
    Ok(earlier)
}

/// The trial records of `lines` ([`TrialLog::lines`] of a log another rank
/// opened), checked as [`TrialLog::open`] checks a file's.
pub fn parse_lines<'a>(lines: impl Iterator<Item = &'a str>, shape: Shape) -> Result<Vec<Record>> {
    let mut records = Vec::new();
    for line in lines {
        let r = serde_json::from_str::<Json>(line)
            .ok()
            .and_then(|value| record(&value))
            .filter(|r| check(r, records.len() + 1, shape).is_ok())
            .ok_or_else(|| {
                Error::Distributed(format!(
                    "rank 0 sent a trial record that does not read back: {line}"
                ))
            })?;
        records.push(r);
    }
    Ok(records)
}

/// Checks that `r` is trial number `trial` with `shape`'s counts and a known status.
fn check(r: &Record, trial: usize, shape: Shape) -> std::result::Result<(), String> {
    if r.trial != trial {
        return Err(format!("trial {} where trial {trial} was expected", r.trial));
    }
    if !["complete", "pruned", "failed"].contains(&r.status.as_str()) {
        return Err(format!("unknown status `{}`", r.status));
    }
    if r.scores.len() != shape.metrics || r.objectives.len() != shape.objectives {
        return Err(format!(
            "{} scores and {} objectives where the search has {} and {}",
            r.scores.len(),
            r.objectives.len(),
            shape.metrics,
            shape.objectives
        ));
    }
    Ok(())
}

fn record(v: &Json) -> Option<Record> {
    let floats = |key: &str| -> Option<Vec<f64>> { v[key].as_array()?.iter().map(unnum).collect() };
    Some(Record {
        trial: v["trial"].as_u64()? as usize,
        coords: v["coords"]
            .as_array()?
            .iter()
            .map(json_coord)
            .collect::<Option<_>>()?,
        budget: v["budget"].as_f64()?,
        params: v["params"]
            .as_object()?
            .iter()
            .map(|(k, x)| (k.clone(), x.clone()))
            .collect(),
        status: v["status"].as_str()?.to_string(),
        error: v["error"].as_str().map(str::to_string),
        scores: v["scores"]
            .as_array()?
            .iter()
            .map(|p| Some((unnum(p.get(0)?)?, unnum(p.get(1)?)?)))
            .collect::<Option<_>>()?,
        objectives: floats("objectives")?,
        intermediate: floats("intermediate")?,
        cost: v["cost"].as_f64()?,
        seconds: v["seconds"].as_f64()?,
    })
}

/// A float as JSON (`null` for `NaN` and infinities).
fn num(x: f64) -> Json {
    serde_json::Number::from_f64(x).map_or(Json::Null, Json::Number)
}

/// A JSON number, `null` as `NaN`.
fn unnum(v: &Json) -> Option<f64> {
    if v.is_null() {
        Some(f64::NAN)
    } else {
        v.as_f64()
    }
}

fn coord_json(c: &Coord) -> Json {
    match c {
        Coord::Index(i) => json!({ "index": i }),
        Coord::Int(v) => json!({ "int": v }),
        Coord::Float(x) => json!({ "float": x }),
    }
}

fn json_coord(v: &Json) -> Option<Coord> {
    if let Some(i) = v.get("index") {
        return Some(Coord::Index(i.as_u64()? as usize));
    }
    if let Some(i) = v.get("int") {
        return Some(Coord::Int(i.as_i64()?));
    }
    Some(Coord::Float(v.get("float")?.as_f64()?))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(trial: usize) -> Record {
        Record {
            trial,
            // Floats serde_json reads back one bit off without `float_roundtrip`.
            coords: vec![Coord::Index(1), Coord::Int(-3), Coord::Float(0.12060553419281375)],
            budget: 1.0 / 3.0,
            params: [("trees".to_string(), json!(50))].into_iter().collect(),
            status: "pruned".into(),
            error: None,
            scores: vec![(0.9490451793199813, f64::NAN)],
            objectives: vec![f64::NAN],
            intermediate: vec![0.9, 0.95],
            cost: 364.0,
            seconds: 0.25,
        }
    }

    const SHAPE: Shape = Shape {
        metrics: 1,
        objectives: 1,
    };

    /// A log at a fresh path holding trials 1 and 2.
    fn two_trials(name: &str) -> (PathBuf, PathBuf) {
        let dir = std::env::temp_dir().join(format!("mlg-log-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let path = dir.join("s.trials.jsonl");
        let (mut log, earlier) = TrialLog::open(&path, "s", "f1", true, SHAPE).unwrap();
        assert!(earlier.records.is_empty());
        log.append(&sample(1)).unwrap();
        log.append(&sample(2)).unwrap();
        (dir, path)
    }

    #[test]
    fn records_round_trip_and_a_cut_line_is_dropped() {
        let (dir, path) = two_trials("cut");
        let mut text = std::fs::read_to_string(&path).unwrap();
        text.push_str("{\"trial\": 3, \"coo");
        std::fs::write(&path, text).unwrap();
        let (mut log, earlier) = TrialLog::open(&path, "s", "f1", true, SHAPE).unwrap();
        let note = earlier.note.clone().unwrap();
        assert!(note.contains("last line (4) was cut short"), "{note}");
        assert!(note.contains("s.trials.jsonl"), "{note}");
        let back = earlier.records;
        assert_eq!(back.len(), 2);
        let (a, b) = (&back[0], sample(1));
        assert_eq!(
            (a.trial, &a.coords, a.budget, &a.params),
            (b.trial, &b.coords, b.budget, &b.params)
        );
        assert_eq!(
            (a.cost, &a.intermediate, &a.status),
            (b.cost, &b.intermediate, &b.status)
        );
        assert!(a.scores[0].1.is_nan() && a.objectives[0].is_nan());
        assert_eq!(a.scores[0].0.to_bits(), b.scores[0].0.to_bits());
        // The kept trials stay in the file; the cut line is gone.
        let text = std::fs::read_to_string(&path).unwrap();
        assert_eq!(text.lines().count(), 3, "{text}");
        log.truncate(1).unwrap();
        log.append(&sample(2)).unwrap();
        drop(log);
        assert_eq!(std::fs::read_to_string(&path).unwrap().lines().count(), 3);
        let changed = TrialLog::open(&path, "s", "f2", true, SHAPE)
            .err()
            .unwrap()
            .to_string();
        assert!(changed.contains("changed since it was written"), "{changed}");
        let other = TrialLog::open(&path, "t", "f1", true, SHAPE)
            .err()
            .unwrap()
            .to_string();
        assert!(other.contains("logs search `s`, not `t`"), "{other}");
        // Without resume the log starts over.
        let (_, fresh) = TrialLog::open(&path, "s", "f2", false, SHAPE).unwrap();
        assert!(fresh.records.is_empty() && fresh.note.is_none());
        assert_eq!(std::fs::read_to_string(&path).unwrap().lines().count(), 1);
        let _ = std::fs::remove_dir_all(dir);
    }

    /// The error of resuming from the log at `path` after `edit` changed its text.
    fn refused(path: &Path, edit: impl Fn(&str) -> String) -> String {
        let text = std::fs::read_to_string(path).unwrap();
        std::fs::write(path, edit(&text)).unwrap();
        let err = TrialLog::open(path, "s", "f1", true, SHAPE)
            .err()
            .unwrap()
            .to_string();
        std::fs::write(path, text).unwrap();
        err
    }

    #[test]
    fn a_damaged_line_before_the_last_is_an_error_naming_it() {
        let (dir, path) = two_trials("damaged");
        let lines = |text: &str| text.lines().map(str::to_string).collect::<Vec<_>>();
        let garbage = refused(&path, |text| {
            let mut l = lines(text);
            l.insert(2, "garbage".into());
            l.join("\n") + "\n"
        });
        assert!(
            garbage.contains("s.trials.jsonl") && garbage.contains("line 3 is not JSON"),
            "{garbage}"
        );
        // A garbage last line that ends in a newline was written whole: not torn.
        let last = refused(&path, |text| format!("{text}garbage\n"));
        assert!(last.contains("line 4 is not JSON"), "{last}");
        let mistyped = refused(&path, |text| {
            text.replacen("\"budget\":0.3333333333333333", "\"budget\":\"x\"", 1)
        });
        assert!(mistyped.contains("line 2 is not a trial record"), "{mistyped}");
        let renumbered = refused(&path, |text| text.replacen("\"trial\":2", "\"trial\":7", 1));
        assert!(
            renumbered.contains("line 3: trial 7 where trial 2 was expected"),
            "{renumbered}"
        );
        let reshaped = refused(&path, |text| {
            text.replacen("\"objectives\":[null]", "\"objectives\":[]", 1)
        });
        assert!(
            reshaped.contains("line 2: 1 scores and 0 objectives"),
            "{reshaped}"
        );
        let status = refused(&path, |text| text.replacen("\"pruned\"", "\"best\"", 1));
        assert!(status.contains("unknown status `best`"), "{status}");
        // Untouched, the log resumes.
        let (_, earlier) = TrialLog::open(&path, "s", "f1", true, SHAPE).unwrap();
        assert_eq!(earlier.records.len(), 2);
        let _ = std::fs::remove_dir_all(dir);
    }
}
