//! The model registry: named, numbered versions of deployed artifacts, and
//! aliases that point at versions.
//!
//! A run that deploys `out/iris.mlgc` registers the next version of model
//! `iris` (the file stem), with a copy of the artifact under the store
//! (`artifacts/RUN/iris.mlgc`) so a later run that overwrites `out/` does not
//! change a registered version. `promote` points an alias (`production`) at
//! a version; [`Store::resolve`] turns `models:/iris@production`,
//! `models:/iris/2` or `models:/iris` (the latest version) into the stored
//! copy, refusing one whose bytes no longer match their recorded SHA-256.

use crate::error::db;
use crate::store::optional;
use crate::{clock, hash, ArtifactRow, Store, TrackingError};
use rusqlite::{params, Transaction};
use std::path::{Path, PathBuf};

/// The prefix of a registry address.
pub const SCHEME: &str = "models:/";

/// One registered version.
#[derive(Clone, Debug, PartialEq)]
pub struct Version {
    /// The model's name (the deployed file's stem).
    pub name: String,
    /// 1, 2, ... per name.
    pub version: i64,
    /// The run that deployed it.
    pub run_id: String,
    /// Where the run wrote it.
    pub source_path: String,
    /// The copy the registry keeps, relative to the store's folder
    /// ([`Store::stored`] gives its path).
    pub stored_path: String,
    /// SHA-256 of the copy.
    pub sha256: String,
    /// Unix seconds.
    pub created_at: f64,
    /// The aliases pointing at it, sorted.
    pub aliases: Vec<String>,
}

/// Copies the deployed file `file` of run `run` under the store; returns the
/// copy's path relative to the store's folder (so the database and its
/// copies can move together).
pub(crate) fn keep_copy(store: &Store, run: &str, file: &Path) -> Result<PathBuf, TrackingError> {
    let relative = Path::new("artifacts").join(run);
    let dir = store.dir().join(&relative);
    std::fs::create_dir_all(&dir).map_err(|source| TrackingError::Io {
        path: dir.clone(),
        source,
    })?;
    let name = file.file_name().unwrap_or(file.as_os_str());
    let copy = dir.join(name);
    std::fs::copy(file, &copy).map_err(|source| TrackingError::Io {
        path: copy.clone(),
        source,
    })?;
    Ok(relative.join(name))
}

/// Registers every `deploy` row of run `run` as the next version of its
/// model, inside the run's closing transaction.
pub(crate) fn register(
    tx: &Transaction<'_>,
    run: &str,
    rows: &[ArtifactRow],
) -> rusqlite::Result<Vec<Version>> {
    let mut versions = Vec::new();
    for row in rows.iter().filter(|r| r.role == "deploy") {
        let Some(stored) = &row.stored else { continue };
        let name = Path::new(&row.path)
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_else(|| row.path.clone());
        let version: i64 = tx.query_row(
            "SELECT COALESCE(MAX(version), 0) + 1 FROM models WHERE name = ?1",
            [&name],
            |r| r.get(0),
        )?;
        let created_at = clock::now();
        tx.execute(
            "INSERT INTO models (name, version, run_id, source_path, stored_path, sha256, created_at) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            params![name, version, run, row.path, stored, row.sha256, created_at],
        )?;
        versions.push(Version {
            name,
            version,
            run_id: run.to_string(),
            source_path: row.path.clone(),
            stored_path: stored.clone(),
            sha256: row.sha256.clone(),
            created_at,
            aliases: Vec::new(),
        });
    }
    Ok(versions)
}

impl Store {
    /// The path of `version`'s stored copy.
    pub fn stored(&self, version: &Version) -> PathBuf {
        self.dir().join(&version.stored_path)
    }

    /// Every registered version, by name then version.
    pub fn models(&self) -> Result<Vec<Version>, TrackingError> {
        let sql =
            "SELECT m.name, m.version, m.run_id, m.source_path, m.stored_path, m.sha256, m.created_at, \
                   COALESCE((SELECT GROUP_CONCAT(alias, ',') FROM (SELECT alias FROM aliases a \
                   WHERE a.name = m.name AND a.version = m.version ORDER BY alias)), '') \
                   FROM models m ORDER BY m.name, m.version";
        let mut stmt = self.conn.prepare(sql).map_err(db(&self.path))?;
        let rows = stmt
            .query_map([], |r| {
                let aliases: String = r.get(7)?;
                Ok(Version {
                    name: r.get(0)?,
                    version: r.get(1)?,
                    run_id: r.get(2)?,
                    source_path: r.get(3)?,
                    stored_path: r.get(4)?,
                    sha256: r.get(5)?,
                    created_at: r.get(6)?,
                    aliases: aliases
                        .split(',')
                        .filter(|a| !a.is_empty())
                        .map(String::from)
                        .collect(),
                })
            })
            .map_err(db(&self.path))?;
        rows.collect::<Result<_, _>>().map_err(db(&self.path))
    }

    /// Points `alias` of model `name` at `version` (moving it if it pointed elsewhere).
    pub fn promote(&self, name: &str, version: i64, alias: &str) -> Result<(), TrackingError> {
        self.version(name, version)?;
        if alias.is_empty() || alias.contains(['@', '/']) || alias.chars().all(|c| c.is_ascii_digit()) {
            return Err(TrackingError::NoModel(format!(
                "alias `{alias}`: an alias is a word without `@` or `/` that is not a number"
            )));
        }
        self.conn
            .execute(
                "INSERT INTO aliases (name, alias, version) VALUES (?1, ?2, ?3) \
                 ON CONFLICT (name, alias) DO UPDATE SET version = excluded.version",
                params![name, alias, version],
            )
            .map_err(db(&self.path))?;
        Ok(())
    }

    /// Model `name`'s `version`.
    fn version(&self, name: &str, version: i64) -> Result<Version, TrackingError> {
        self.models()?
            .into_iter()
            .find(|v| v.name == name && v.version == version)
            .ok_or_else(|| {
                TrackingError::NoModel(format!(
                    "model `{name}` has no version {version} (mlg models list shows them)"
                ))
            })
    }

    /// The version `address` (`models:/NAME@ALIAS`, `models:/NAME/VERSION` or
    /// `models:/NAME`) names, after checking its stored copy is intact.
    pub fn resolve(&self, address: &str) -> Result<Version, TrackingError> {
        let bad = || TrackingError::BadAddress(address.to_string());
        let rest = address.strip_prefix(SCHEME).ok_or_else(bad)?;
        let found = if let Some((name, alias)) = rest.split_once('@') {
            let version: Option<i64> = optional(self.conn.query_row(
                "SELECT version FROM aliases WHERE name = ?1 AND alias = ?2",
                params![name, alias],
                |r| r.get(0),
            ))
            .map_err(db(&self.path))?;
            let version = version.ok_or_else(|| {
                TrackingError::NoModel(format!(
                    "model `{name}` has no alias `{alias}` (mlg models promote sets one)"
                ))
            })?;
            self.version(name, version)?
        } else if let Some((name, version)) = rest.split_once('/') {
            let version: i64 = version.parse().map_err(|_| bad())?;
            self.version(name, version)?
        } else {
            if rest.is_empty() {
                return Err(bad());
            }
            self.models()?
                .into_iter()
                .rfind(|v| v.name == rest)
                .ok_or_else(|| {
                    TrackingError::NoModel(format!(
                        "no model `{rest}` is registered (mlg models list shows them)"
                    ))
                })?
        };
        let (sha256, _) = hash::file_sha256(&self.stored(&found))?;
        if sha256 != found.sha256 {
            return Err(TrackingError::Changed {
                path: self.stored(&found),
                found: sha256,
                recorded: found.sha256,
            });
        }
        Ok(found)
    }
}
